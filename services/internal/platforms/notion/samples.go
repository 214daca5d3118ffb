package notion

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Notion webhooks `hookmesh send` builds, modelled on the
// events of Notion's webhook docs. The fresh id is the event id (a UUID).
var samples = platform.Samples{
	Default:   "page.created",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"page.created":         eventTemplate("page.created", "page", `{"parent": {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "space"}}`),
	"page.content_updated": eventTemplate("page.content_updated", "page", `{"parent": {"id": "13950b26-c203-4f3b-b97d-93ec06319565", "type": "space"}, "updated_blocks": [{"id": "153104cd-477e-809d-8dc4-ff2d96ae3090", "type": "block"}]}`),
	"comment.created":      eventTemplate("comment.created", "comment", `{"page_id": "0ef104cd-477e-80e1-8571-cba6fd8d6fed", "parent": {"id": "0ef104cd-477e-80e1-8571-cba6fd8d6fed", "type": "page"}}`),
}

// eventTemplate renders an event about a fresh entity of kind.
func eventTemplate(typ, kind, data string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"id": "%s", "timestamp": "%s", "workspace_id": "13950b26-c203-4f3b-b97d-93ec06319565", "workspace_name": "Quantify Labs", "subscription_id": "29d75c0d-5546-4414-8459-7b7a92f1fc4b", "integration_id": "0ef104cd-477e-80e1-8571-cba6fd8d6fed", "type": "%s", "authors": [{"id": "c7c11cca-1d73-471d-9b6e-bdef51470190", "type": "person"}], "accessible_by": [{"id": "556a1abf-4f08-40c6-878a-75890d2a88ba", "type": "person"}], "attempt_number": 1, "entity": {"id": "%s", "type": "%s"}, "data": %s}`,
			id, now.UTC().Format("2006-01-02T15:04:05.000Z"), typ, randid.UUID(), kind, data), nil
	}
}
