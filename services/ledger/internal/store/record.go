package store

import (
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// DefaultNormalizationError is stored when a request carries neither an
// event nor a reason, so an unnormalized row never looks like a clean one.
const DefaultNormalizationError = "no normalized event in record request"

// Record is a validated RecordRequest flattened into the columns a store
// writes. Maps are never nil and times are truncated to microseconds, the
// precision both databases keep, so what is read back equals what was
// written.
type Record struct {
	// ReceiptID is the canonical (lower-case, hyphenated) receipt UUID.
	ReceiptID string
	// Platform, Source and EventID are the dedup key, from the receipt.
	Platform, Source, EventID string
	// Headers are the request headers as given.
	Headers map[string]string
	// Body is the exact request body, never nil.
	Body []byte
	// RemoteAddr is the sender's address as the edge saw it.
	RemoteAddr string
	// ReceivedAt is when the edge received the request.
	ReceivedAt time.Time

	// EventType is the normalized type, 0 when normalization failed.
	EventType int32
	// SourceEventType is the platform's own type string.
	SourceEventType string
	// OccurredAt is when the platform says the event happened; nil when
	// unknown.
	OccurredAt *time.Time
	// EntityType, EntityID, UserID and TenantID copy the event's fields.
	EntityType, EntityID, UserID, TenantID string
	// AmountMinor and Currency are set when the event carries money.
	AmountMinor *int64
	// Currency is the ISO 4217 code of AmountMinor.
	Currency *string
	// Metadata copies the event's metadata.
	Metadata map[string]string
	// SchemaVersion is the normalization's version.
	SchemaVersion int32
	// Normalized is the deterministic proto encoding of the event, nil when
	// there is none; GetEvent decodes exactly these bytes.
	Normalized []byte
	// NormalizationError says why there is no event, or "".
	NormalizationError string
	// Renormalize schedules a re-normalization now: the normalizer was
	// unreachable (RecordRequest.normalization_retryable) and there is no
	// event.
	Renormalize bool
	// Event is the normalized event, nil when there is none: what
	// subscription filters read.
	Event *eventv1.NormalizedEvent
}

// PrepareRecord validates req and flattens it. Every store calls it first,
// so validation is the same on every backend. A receipt that cannot be
// stored is ErrInvalid; an event that cannot be (its key differs from the
// receipt's, say) is dropped and recorded as a normalization failure.
func PrepareRecord(req *ledgerv1.RecordRequest) (Record, error) {
	rc := req.GetReceipt()
	if rc == nil {
		return Record{}, fmt.Errorf("record: receipt is required: %w", apperr.ErrInvalid)
	}
	if rc.GetPlatform() == "" {
		return Record{}, fmt.Errorf("record: receipt.platform is required: %w", apperr.ErrInvalid)
	}
	if rc.GetEventId() == "" {
		return Record{}, fmt.Errorf("record: receipt.event_id is required: %w", apperr.ErrInvalid)
	}
	id, err := uuid.Parse(rc.GetReceiptId())
	if err != nil {
		return Record{}, fmt.Errorf("record: receipt.receipt_id %q is not a UUID: %w", rc.GetReceiptId(), apperr.ErrInvalid)
	}
	// The edge always knows when it received a request; a missing time is a
	// caller bug that would silently corrupt the received_at filters.
	if rc.GetReceivedAt() == nil {
		return Record{}, fmt.Errorf("record: receipt.received_at is required: %w", apperr.ErrInvalid)
	}
	if err := rc.GetReceivedAt().CheckValid(); err != nil {
		return Record{}, fmt.Errorf("record: receipt.received_at: %v: %w", err, apperr.ErrInvalid)
	}
	r := Record{
		ReceiptID:          id.String(),
		Platform:           rc.GetPlatform(),
		Source:             rc.GetSource(),
		EventID:            rc.GetEventId(),
		Headers:            nonNil(rc.GetHeaders()),
		Body:               rc.GetBody(),
		RemoteAddr:         rc.GetRemoteAddr(),
		ReceivedAt:         rc.GetReceivedAt().AsTime().Truncate(time.Microsecond),
		Metadata:           map[string]string{},
		NormalizationError: req.GetNormalizationError(),
	}
	if r.Body == nil {
		r.Body = []byte{}
	}
	ev := req.GetEvent()
	if ev == nil {
		if r.NormalizationError == "" {
			r.NormalizationError = DefaultNormalizationError
		}
		r.Renormalize = req.GetNormalizationRetryable()
		return r, nil
	}
	// An event the ledger cannot accept is a normalizer bug, not a reason to
	// lose the webhook: refusing it would make the edge answer 503 to every
	// retry of the platform. It is stored as a normalization failure instead,
	// visible and re-normalizable once the bug is fixed.
	if err := flattenEvent(&r, ev); err != nil {
		r = withoutEvent(r, "ledger: "+err.Error())
	}
	return r, nil
}

// withoutEvent returns r with every event column cleared and reason added
// to the normalization error.
func withoutEvent(r Record, reason string) Record {
	msg := reason
	if r.NormalizationError != "" {
		msg = r.NormalizationError + "; " + reason
	}
	return Record{
		ReceiptID: r.ReceiptID, Platform: r.Platform, Source: r.Source, EventID: r.EventID,
		Headers: r.Headers, Body: r.Body, RemoteAddr: r.RemoteAddr, ReceivedAt: r.ReceivedAt,
		Metadata: map[string]string{}, NormalizationError: msg,
	}
}

func flattenEvent(r *Record, ev *eventv1.NormalizedEvent) error {
	// The receipt's key is the dedup key; an event under another key would
	// be returned by GetEvent under a name it does not carry.
	if ev.GetPlatform() != r.Platform || ev.GetSource() != r.Source || ev.GetEventId() != r.EventID {
		return fmt.Errorf("event key (%q, %q, %q) differs from receipt key (%q, %q, %q)",
			ev.GetPlatform(), ev.GetSource(), ev.GetEventId(), r.Platform, r.Source, r.EventID)
	}
	if ev.GetSchemaVersion() > math.MaxInt32 {
		return fmt.Errorf("event schema_version %d too large", ev.GetSchemaVersion())
	}
	if t := ev.GetOccurredAt(); t != nil {
		if err := t.CheckValid(); err != nil {
			return fmt.Errorf("event occurred_at: %v", err)
		}
		at := t.AsTime().Truncate(time.Microsecond)
		r.OccurredAt = &at
	}
	if m := ev.GetAmount(); m != nil {
		minor, cur := m.GetMinorUnits(), m.GetCurrency()
		r.AmountMinor, r.Currency = &minor, &cur
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %v", err)
	}
	r.EventType = int32(ev.GetEventType())
	r.SourceEventType = ev.GetSourceEventType()
	r.EntityType = ev.GetEntityType()
	r.EntityID = ev.GetEntityId()
	r.UserID = ev.GetUserId()
	r.TenantID = ev.GetTenantId()
	r.Metadata = nonNil(ev.GetMetadata())
	r.SchemaVersion = int32(ev.GetSchemaVersion())
	r.Normalized = b
	r.Event = ev
	return nil
}

// RecordResult builds the answer to a Record. storedReceiptID is the receipt
// of the event row as it is after the insert; existed tells whether that row
// was there before. A row created by this very receipt is not a duplicate,
// so a caller retrying after a lost answer gets the first answer again.
func RecordResult(r Record, storedReceiptID string, existed bool) *ledgerv1.RecordResponse {
	dup := existed && storedReceiptID != r.ReceiptID
	resp := &ledgerv1.RecordResponse{ReceiptId: storedReceiptID, Duplicate: dup, Events: 1}
	if !dup {
		resp.NewEvents = 1
	}
	return resp
}

// BatchItems returns the Records of a batched delivery's events
// (RecordRequest.events, two or more), r (PrepareRecord's) under each
// event's own key; nil when the request is no batch, r has no event (its
// normalization failed) or an event cannot be stored (another platform, no
// id, a bad time): r is then recorded alone, as before batches existed.
func BatchItems(req *ledgerv1.RecordRequest, r Record) []Record {
	evs := req.GetEvents()
	if len(evs) < 2 || r.Event == nil {
		return nil
	}
	items := make([]Record, len(evs))
	for i, ev := range evs {
		if ev.GetEventId() == "" {
			return nil
		}
		it := Record{
			ReceiptID: r.ReceiptID, Platform: r.Platform, Source: ev.GetSource(), EventID: ev.GetEventId(),
			Headers: r.Headers, Body: r.Body, RemoteAddr: r.RemoteAddr, ReceivedAt: r.ReceivedAt,
		}
		if err := flattenEvent(&it, ev); err != nil {
			return nil
		}
		items[i] = it
	}
	return items
}

// RecordBatchResult builds the answer to a batch Record: storedReceiptIDs[i] is
// the receipt of item i's event row after the insert and existed[i] whether
// it was there before. The answer names this request's receipt when any
// item was new (or stored by this very receipt: a retry after a lost
// answer), else the first item's stored receipt, and is then a duplicate.
func RecordBatchResult(r Record, storedReceiptIDs []string, existed []bool) *ledgerv1.RecordResponse {
	resp := &ledgerv1.RecordResponse{ReceiptId: r.ReceiptID, Events: int32(len(existed))}
	for i, ex := range existed {
		if !ex || storedReceiptIDs[i] == r.ReceiptID {
			resp.NewEvents++
		}
	}
	if resp.NewEvents == 0 {
		resp.ReceiptId, resp.Duplicate = storedReceiptIDs[0], true
	}
	return resp
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
