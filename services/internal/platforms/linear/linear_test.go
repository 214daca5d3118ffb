package linear_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/linear"
)

func TestTimestamp(t *testing.T) {
	t.Parallel()
	const s = "lin_wh_secret"
	v := linear.NewVerifier([]string{s}, 0)
	for _, c := range []struct{ name, body, want string }{
		{"no webhookTimestamp", `{"action":"create"}`, "missing webhookTimestamp"},
		{"numeric string (signed, so harmless)", `{"webhookTimestamp":"1700000000000"}`, ""},
		{"negative", `{"webhookTimestamp":-1}`, sig.ReasonBadTimestamp},
		{"fraction", `{"webhookTimestamp":1700000000000.5}`, sig.ReasonBadTimestamp},
		{"seconds, not ms", `{"webhookTimestamp":1700000000}`, sig.ReasonTooOld},
		{"signed but not JSON", `[1,2]`, "missing webhookTimestamp"},
		{"ok", `{"webhookTimestamp":1700000059999}`, ""},
	} {
		hd := platformtest.H("Linear-Signature", linear.Signature(s, []byte(c.body)))
		t.Run(c.name, func(t *testing.T) {
			platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: []byte(c.body), Now: platformtest.Now}), c.want)
		})
	}
}
