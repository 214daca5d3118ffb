package discord

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Discord requests `hookmesh send` builds. The default is
// a command: the only mapped type is the PING handshake, which the edge
// answers without recording.
var samples = platform.Samples{
	Default:   "application_command",
	NewID:     randid.Snowflake,
	Templates: templates,
}

var templates = map[string]platform.Template{
	// A slash command interaction; id is a fresh snowflake.
	"application_command": func(id string, _ time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"app_permissions": "562949953601536", "application_id": "1215371282337402890", "authorizing_integration_owners": {"0": "1215371629864702002"}, "channel": {"id": "1215371630426771506", "name": "general", "type": 0, "guild_id": "1215371629864702002"}, "channel_id": "1215371630426771506", "context": 0, "data": {"id": "1215390174375268362", "name": "refund", "type": 1, "options": [{"name": "order", "type": 3, "value": "A-1001"}]}, "entitlements": [], "guild_id": "1215371629864702002", "guild_locale": "en-US", "id": "%s", "locale": "en-US", "member": {"user": {"id": "80351110224678912", "username": "nelly", "global_name": "Nelly", "discriminator": "0", "avatar": null}, "roles": [], "joined_at": "2024-03-08T10:00:00.000000+00:00", "permissions": "562949953601536", "nick": null}, "token": "aW50ZXJhY3Rpb246%s", "type": 2, "version": 1}`,
			id, strings.ToLower(randid.Alnum(60))), nil
	},
	// The interaction PING Discord sends when the endpoint is saved: the
	// edge answers {"type":1} itself (200) and records nothing.
	"ping": func(id string, _ time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"application_id": "1215371282337402890", "id": "%s", "token": "aW50ZXJhY3Rpb246%s", "type": 1, "user": {"id": "80351110224678912", "username": "nelly", "discriminator": "0"}, "version": 1}`,
			id, strings.ToLower(randid.Alnum(60))), nil
	},
}
