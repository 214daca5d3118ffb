package mailgun

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// mailgunWebhook is a Mailgun webhook: {"signature": {"timestamp",
// "token", "signature"}, "event-data": {...}}. event-data.timestamp is
// unix seconds with a fraction (1521472262.908181), read exactly.
type mailgunWebhook struct {
	EventData *struct {
		Event     string    `json:"event"`
		ID        string    `json:"id"`
		Timestamp norm.Time `json:"timestamp"`
		LogLevel  string    `json:"log-level"`
		Severity  string    `json:"severity"`
		Reason    string    `json:"reason"`
		Recipient string    `json:"recipient"`
		Message   *struct {
			Headers struct {
				MessageID string `json:"message-id"`
			} `json:"headers"`
		} `json:"message"`
		DeliveryStatus *struct {
			Code norm.ID `json:"code"`
		} `json:"delivery-status"`
	} `json:"event-data"`
}

// normalize reads a Mailgun webhook. Required: a JSON object whose
// event-data has an event. Email events are all UNMAPPED, with the event
// and message ids kept and the recipient address as user_id.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var w mailgunWebhook
	if err := norm.DecodeObject("mailgun", r.Body, &w); err != nil {
		return err
	}
	e := w.EventData
	if e == nil || e.Event == "" {
		return norm.Invalid("mailgun", "body has no event-data.event")
	}
	ev.SourceEventType = e.Event
	ev.EventType = norm.Mapped(mapping, e.Event)
	ev.UserId = e.Recipient
	norm.Occurred(ev, e.Timestamp.Time)
	if e.Message != nil && e.Message.Headers.MessageID != "" {
		ev.EntityType = "message"
		ev.EntityId = e.Message.Headers.MessageID
	}
	norm.SetMeta(ev.Metadata, "event_data_id", e.ID)
	norm.SetMeta(ev.Metadata, "log_level", e.LogLevel)
	norm.SetMeta(ev.Metadata, "severity", e.Severity)
	norm.SetMeta(ev.Metadata, "reason", e.Reason)
	if e.DeliveryStatus != nil {
		norm.SetMeta(ev.Metadata, "delivery_status_code", string(e.DeliveryStatus.Code))
	}
	return nil
}
