package linear

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Linear data-change webhooks `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "Issue.create",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	TypeHeaders: func(typ string) map[string]string {
		return map[string]string{"Linear-Event": strings.SplitN(typ, ".", 2)[0]}
	},
	IDHeaders: func(id string) http.Header { return http.Header{"Linear-Delivery": {id}} },
}

var templates = map[string]platform.Template{
	"Issue.create":   eventTemplate("Issue", "create", `{"id": "9cfb482a-81e3-4154-b5b9-2c805e70a02d", "number": 1234, "identifier": "ENG-1234", "title": "Webhook retries double-charge", "description": "Seen twice on order A-1001 after a 502 from the edge.", "priority": 1, "priorityLabel": "Urgent", "estimate": 3, "teamId": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "stateId": "6c24b1c8-0a1f-4f3a-9a25-4d9a2b6c7e8f", "creatorId": "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "labelIds": ["f2b8e7c1-2a3b-4c5d-8e9f-0a1b2c3d4e5f"], "createdAt": "%[1]s", "updatedAt": "%[1]s"}`),
	"Comment.create": eventTemplate("Comment", "create", `{"id": "0d8c3e9b-7a6f-4e5d-9c8b-1a2b3c4d5e6f", "body": "Reproduced with two parallel deliveries; fix in review.", "issueId": "9cfb482a-81e3-4154-b5b9-2c805e70a02d", "userId": "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "createdAt": "%[1]s", "updatedAt": "%[1]s"}`),
}

// eventTemplate renders a Linear data-change webhook. The body carries
// webhookTimestamp (now, in ms), which Linear's verification checks
// within a minute.
func eventTemplate(typ, action, data string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"action": "%s", "type": "%s", "actor": {"id": "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "type": "user", "name": "Ada Lovelace"}, "createdAt": "%s", "data": %s, "url": "https://linear.app/acme/issue/ENG-1234/webhook-retries-double-charge", "organizationId": "3f1c1d9a-6e2b-4c5d-8a7f-0b9e8d7c6b5a", "webhookTimestamp": %d, "webhookId": "000042e3-d123-4980-b49f-8e140eef9329"}`,
			action, typ, ts, fmt.Sprintf(data, ts), now.UnixMilli()), http.Header{"Linear-Event": {typ}}
	}
}
