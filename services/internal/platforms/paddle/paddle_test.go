package paddle_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paddle"
)

func TestHeader(t *testing.T) {
	t.Parallel()
	const secret = "pdl_ntfset_secret"
	v := paddle.NewVerifier([]string{secret}, 0)
	valid := paddle.Signature(secret, platformtest.Now, platformtest.Body)
	_, h1, _ := strings.Cut(valid, ";h1=")
	wrong := strings.Repeat("0", 64)
	p := func(name, hdr, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Paddle-Signature", hdr), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		p("valid", valid, ""),
		p("rotation: two h1", "ts=1700000000;h1="+wrong+";h1="+h1, ""),
		p("spaces around items", "ts=1700000000; h1="+h1, ""),
		p("h1 first", "h1="+h1+";ts=1700000000", ""),
		p("unknown scheme ignored", "ts=1700000000;h2="+h1, "no h1 signature"),
		p("short h1 ignored", "ts=1700000000;h1="+h1[:10], "no h1 signature"),
		p("missing ts", "h1="+h1, "missing timestamp"),
		p("repeated ts", "ts=1700000000;ts=1700000000;h1="+h1, sig.ReasonMalformed),
		p("signed ts", "ts=-1700000000;h1="+h1, sig.ReasonBadTimestamp),
		p("item without =", "ts=1700000000;h1", sig.ReasonMalformed),
		p("too many entries", "ts=1700000000"+strings.Repeat(";h1="+wrong, sig.MaxEntries), sig.ReasonTooMany),
		p("other ts, same h1", "ts=1700000001;h1="+h1, "no h1 match"),
		{Name: "missing header", Header: http.Header{}, Want: "missing Paddle-Signature header"},
	})
}
