package sanity

import (
	"encoding/json"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// document is the part of a projected document the adapter reads: the
// default projection is the whole document, whose _id, _type and _rev a
// projection usually keeps.
type document struct {
	ID   string `json:"_id"`
	Type string `json:"_type"`
	Rev  string `json:"_rev"`
}

// normalize reads a Sanity webhook. Its body is the webhook's GROQ
// projection, any JSON value; what it is about comes in headers. The
// source type is the operation (sanity-operation: create, update or
// delete; "webhook" when absent, as for transaction webhooks), the entity
// the document (sanity-document-id, else the body's _id) of type _type,
// the tenant the project, and occurred_at the transaction's time. A body
// that is not JSON is invalid; one that is not an object has no document
// fields.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	if !json.Valid(r.Body) {
		return norm.Invalid(name, "body is not JSON")
	}
	var d document
	if norm.IsObject(r.Body) {
		if err := norm.Unmarshal(r.Body, &d); err != nil {
			return norm.Invalid(name, "decode document: %v", err)
		}
	}
	ev.SourceEventType = r.Header(headerOperation)
	if ev.SourceEventType == "" {
		ev.SourceEventType = "webhook"
	}
	ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
	ev.EntityType = d.Type
	ev.EntityId = r.Header(headerDocument)
	if ev.EntityId == "" {
		ev.EntityId = d.ID
	}
	ev.TenantId = r.Header(headerProject)
	norm.SetMeta(ev.Metadata, "dataset", r.Header(headerDataset))
	norm.SetMeta(ev.Metadata, "webhook_id", r.Header(headerWebhook))
	norm.SetMeta(ev.Metadata, "transaction_id", r.Header(headerTransaction))
	norm.SetMeta(ev.Metadata, "revision", d.Rev)
	if t, err := time.Parse(time.RFC3339Nano, r.Header(headerTxTime)); err == nil {
		norm.Occurred(ev, t)
	}
	return nil
}
