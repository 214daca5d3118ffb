package normalize

import (
	stdjson "encoding/json"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/norm"

	"google.golang.org/protobuf/proto"
)

// decoderPlatforms are the adapters that decode JSON bodies.
var decoderPlatforms = []string{
	"stripe", "github", "shopify", "slack", "standard", "svix", "clerk", "resend", "gitlab", "bitbucket",
	"paddle", "linear", "intercom", "zendesk", "hubspot", "square", "twitch", "discord", "sendgrid", "mailgun", "adyen",
}

// FuzzDecoderMatchesStdlib: every adapter gives the same event, or the same
// error text, whether its JSON is decoded by the fast decoder or by
// encoding/json alone, for any body. Not parallel: it swaps the package's
// decoder.
func FuzzDecoderMatchesStdlib(f *testing.F) {
	headers := make([]map[string]string, len(decoderPlatforms))
	for i, p := range decoderPlatforms {
		cases := loadCases(f, p)
		headers[i] = cases[0].headers
		for _, c := range cases {
			f.Add(uint8(i), c.body)
		}
		for _, b := range []string{"", "{}", "null", "[]", `{"type":null}`, `{"id":1e400}`, "{\"type\":\"a\xff\"}", `{"a":1,"a":2}`} {
			f.Add(uint8(i), []byte(b))
		}
	}
	n := testNormalizer(f)
	fast := norm.FastUnmarshal
	f.Fuzz(func(t *testing.T, pi uint8, body []byte) {
		i := int(pi) % len(decoderPlatforms)
		p := decoderPlatforms[i]
		norm.FastUnmarshal = stdjson.Unmarshal
		want, wantErr := n.Normalize(p, headers[i], body, testReceivedAt)
		norm.FastUnmarshal = fast
		got, gotErr := n.Normalize(p, headers[i], body, testReceivedAt)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%s: error %v, encoding/json's %v", p, gotErr, wantErr)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("%s: event %v, encoding/json's %v", p, got, want)
		}
	})
}
