package docusign

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// message is a Connect JSON message (SIM format): {"event":
// "envelope-completed", "apiVersion": "v2.1", "uri": ..., "retryCount":
// 0, "configurationId": 10418321, "generatedDateTime": ..., "data":
// {"accountId", "userId", "envelopeId", "recipientId", "envelopeSummary"
// ...}}.
type message struct {
	Event             string          `json:"event"`
	APIVersion        string          `json:"apiVersion"`
	URI               string          `json:"uri"`
	ConfigurationID   norm.ID         `json:"configurationId"`
	GeneratedDateTime norm.Time       `json:"generatedDateTime"`
	Data              json.RawMessage `json:"data"`
}

// data is the part of a message's data the adapter reads.
type data struct {
	AccountID   string `json:"accountId"`
	UserID      string `json:"userId"`
	EnvelopeID  string `json:"envelopeId"`
	RecipientID string `json:"recipientId"`
}

// normalize reads a Connect JSON message. Required: a JSON object with
// event; data, when present, must be an object. The entity is the
// envelope (a recipient event's recipient id is kept in metadata), the
// tenant the account, the user who sent it the user, and occurred_at
// when DocuSign generated the event.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var m message
	if err := norm.DecodeObject(name, r.Body, &m); err != nil {
		return err
	}
	if m.Event == "" {
		return norm.Invalid(name, "body has no event")
	}
	ev.SourceEventType = m.Event
	ev.EventType = norm.Mapped(mapping, m.Event)
	norm.Occurred(ev, m.GeneratedDateTime.Time)
	norm.SetMeta(ev.Metadata, "api_version", m.APIVersion)
	norm.SetMeta(ev.Metadata, "uri", m.URI)
	norm.SetMeta(ev.Metadata, "configuration_id", string(m.ConfigurationID))
	var d data
	if _, err := norm.DecodeField(name, "data", m.Event, m.Data, &d); err != nil {
		return err
	}
	if d.EnvelopeID != "" {
		ev.EntityType, ev.EntityId = "envelope", d.EnvelopeID
	}
	ev.TenantId = d.AccountID
	ev.UserId = d.UserID
	norm.SetMeta(ev.Metadata, "recipient_id", d.RecipientID)
	return nil
}
