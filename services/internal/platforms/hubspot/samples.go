package hubspot

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the HubSpot batches `hookmesh send` builds. A batch of
// several events is keyed by the hash of their ids, not the fresh id.
var samples = platform.Samples{
	Default:        "contact.creation",
	NewID:          newID,
	Templates:      templates,
	KeyedByContent: true,
}

// newID is a 64-bit event id: above 2^53 it breaks float64 decoding,
// which is exactly what the pipeline must survive.
func newID(time.Time) string { return strconv.FormatUint(1<<53+randid.Uint()%(1<<62), 10) }

// itemJSON renders one event of a batch. %[1]s is the eventId, %[2]d
// occurredAt (ms), %[3]s objectId.
func itemJSON(eventID string, now time.Time, format string) string {
	return fmt.Sprintf(format, eventID, now.UnixMilli(), strconv.FormatUint(100+randid.Uint()%1e10, 10))
}

const (
	contactCreation = `{"eventId": %[1]s, "subscriptionId": 2486631, "portalId": 62515, "appId": 1160452, "occurredAt": %[2]d, "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": %[3]s, "changeFlag": "CREATED", "changeSource": "CRM_UI", "sourceId": "userId:215482"}`
	propertyChange  = `{"eventId": %[1]s, "subscriptionId": 2486632, "portalId": 62515, "appId": 1160452, "occurredAt": %[2]d, "subscriptionType": "contact.propertyChange", "attemptNumber": 0, "objectId": %[3]s, "propertyName": "email", "propertyValue": "grace@example.com", "changeSource": "CRM_UI", "sourceId": "userId:215482"}`
	dealCreation    = `{"eventId": %[1]s, "subscriptionId": 2486640, "portalId": 62515, "appId": 1160452, "occurredAt": %[2]d, "subscriptionType": "deal.creation", "attemptNumber": 0, "objectId": %[3]s, "changeFlag": "CREATED", "changeSource": "CRM_UI"}`
)

var templates = map[string]platform.Template{
	"contact.creation":       events(contactCreation),
	"contact.propertyChange": events(propertyChange),
	"deal.creation":          events(dealCreation),
	// HubSpot batches up to 100 events per request: the key is then the
	// hash of their ids.
	"batch": events(contactCreation, propertyChange, dealCreation),
}

// events renders one event per format, the first with the fresh id.
func events(formats ...string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		items := make([]string, len(formats))
		for i, f := range formats {
			eid := id
			if i > 0 {
				eid = newID(now)
			}
			items[i] = itemJSON(eid, now, f)
		}
		return "[" + strings.Join(items, ",") + "]", nil
	}
}
