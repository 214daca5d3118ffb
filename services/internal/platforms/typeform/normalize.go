package typeform

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is a Typeform webhook: {"event_id": ..., "event_type":
// "form_response", "form_response": {"form_id": ..., "token": <the
// response's id>, "landed_at": ..., "submitted_at": ..., "definition":
// {...}, "answers": [...]}}.
type webhook struct {
	EventType    string `json:"event_type"`
	FormResponse *struct {
		FormID      string    `json:"form_id"`
		Token       string    `json:"token"`
		LandedAt    norm.Time `json:"landed_at"`
		SubmittedAt norm.Time `json:"submitted_at"`
	} `json:"form_response"`
}

// normalize reads a Typeform webhook. Required: a JSON object with
// event_type. The entity is the response (its token), the form id is
// kept in metadata, and occurred_at is when the response was submitted
// (else when the respondent landed on the form).
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var w webhook
	if err := norm.DecodeObject(name, r.Body, &w); err != nil {
		return err
	}
	if w.EventType == "" {
		return norm.Invalid(name, "body has no event_type")
	}
	ev.SourceEventType = w.EventType
	ev.EventType = norm.Mapped(mapping, w.EventType)
	if fr := w.FormResponse; fr != nil {
		ev.EntityType = "form_response"
		ev.EntityId = fr.Token
		norm.SetMeta(ev.Metadata, "form_id", fr.FormID)
		norm.Occurred(ev, norm.FirstTime(fr.SubmittedAt.Time, fr.LandedAt.Time))
	}
	return nil
}
