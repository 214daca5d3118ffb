package vercel

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Vercel webhooks `hookmesh send` builds, modelled on the
// payloads of Vercel's webhooks API reference. The fresh id is the body's
// id.
var samples = platform.Samples{
	Default:   "deployment.succeeded",
	NewID:     func(time.Time) string { return randid.Alnum(24) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"deployment.created":   deployment("deployment.created"),
	"deployment.succeeded": deployment("deployment.succeeded"),
	"deployment.error":     deployment("deployment.error"),
	"project.created":      project,
}

func deployment(typ string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"id": "%s", "type": "%s", "createdAt": %d, "region": "sfo1", "payload": {"team": {"id": "team_4FWx5KQoszRi0ZmM9q9IBoKG"}, "user": {"id": "kr1PsOIzqEL5Xg6M4VZcZosf"}, "deployment": {"id": "dpl_%s", "meta": {"githubCommitRef": "main", "githubCommitSha": "9f2c1d0e"}, "url": "my-app-%s.vercel.app", "name": "my-app"}, "links": {"deployment": "https://vercel.com/acme/my-app/%s", "project": "https://vercel.com/acme/my-app"}, "target": "production", "project": {"id": "prj_12HKQaOmR5t5Uy6vdcQsNIiZgHGB"}, "plan": "pro", "regions": ["iad1"]}}`,
			id, typ, now.UnixMilli(), id[:12], id[:9], id[:12]), jsonHeader()
	}
}

func project(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"id": "%s", "type": "project.created", "createdAt": %d, "region": null, "payload": {"team": {"id": "team_4FWx5KQoszRi0ZmM9q9IBoKG"}, "user": {"id": "kr1PsOIzqEL5Xg6M4VZcZosf"}, "project": {"id": "prj_%s", "name": "my-app"}}}`,
		id, now.UnixMilli(), id[:20]), jsonHeader()
}

// jsonHeader is a fresh header map per sample: callers add to it.
func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }
