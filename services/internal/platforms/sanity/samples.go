package sanity

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Sanity webhooks `hookmesh send` builds: a document
// webhook with the default projection (the whole document) and the
// headers Sanity sends. The fresh id is the idempotency-key.
var samples = platform.Samples{
	Default:     "update",
	NewID:       func(time.Time) string { return randid.Alnum(24) },
	Templates:   templates,
	TypeHeaders: func(typ string) map[string]string { return map[string]string{headerOperation: typ} },
	IDHeaders:   func(id string) http.Header { return http.Header{http.CanonicalHeaderKey(headerIdempotency): {id}} },
}

var templates = map[string]platform.Template{
	"create": documentTemplate("create"),
	"update": documentTemplate("update"),
	"delete": documentTemplate("delete"),
}

// documentTemplate renders a post document changed by operation.
func documentTemplate(operation string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		at := now.UTC().Format("2006-01-02T15:04:05.000Z")
		rev := randid.Alnum(22)
		h := http.Header{}
		for k, v := range map[string]string{
			headerOperation: operation, headerProject: "3do82whm", headerDataset: "production",
			headerDocument: "a7d3c2b1-post-hello-world", headerWebhook: "Nv2Qw0oGJvLtUq8D",
			headerTransaction: rev, headerTxTime: at,
		} {
			h.Set(k, v)
		}
		return fmt.Sprintf(`{"_createdAt": "2024-03-01T09:00:00Z", "_id": "a7d3c2b1-post-hello-world", "_rev": "%s", "_type": "post", "_updatedAt": "%s", "title": "Hello, world", "slug": {"_type": "slug", "current": "hello-world"}, "author": {"_ref": "author-jane", "_type": "reference"}, "publishedAt": "2024-03-01T09:00:00Z", "body": [{"_key": "b1", "_type": "block", "children": [{"_key": "s1", "_type": "span", "marks": [], "text": "First post."}], "markDefs": [], "style": "normal"}]}`, rev, at), h
	}
}
