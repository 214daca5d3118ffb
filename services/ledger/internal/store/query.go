package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Page sizes of ListEvents.
const (
	// DefaultPageSize is used when the request leaves page_size at 0.
	DefaultPageSize = 50
	// MaxPageSize caps page_size; larger values are lowered to it, as
	// Google's API guidelines (AIP-158) advise, rather than rejected.
	MaxPageSize = 500
)

// GetQuery is a validated GetEventRequest.
type GetQuery struct {
	// Platform and EventID name the event.
	Platform, EventID string
	// Source narrows the lookup; "" matches any source.
	Source string
}

// PrepareGet validates req.
func PrepareGet(req *ledgerv1.GetEventRequest) (GetQuery, error) {
	if req.GetPlatform() == "" {
		return GetQuery{}, fmt.Errorf("get event: platform is required: %w", apperr.ErrInvalid)
	}
	if req.GetEventId() == "" {
		return GetQuery{}, fmt.Errorf("get event: event_id is required: %w", apperr.ErrInvalid)
	}
	return GetQuery{Platform: req.GetPlatform(), EventID: req.GetEventId(), Source: req.GetSource()}, nil
}

// ListQuery is a validated ListEventsRequest. Zero values mean "no filter".
type ListQuery struct {
	// Platform keeps one platform's events.
	Platform string
	// EventType keeps one type; 0 keeps all.
	EventType int32
	// ReceivedAfter keeps events received at or after it (inclusive).
	ReceivedAfter time.Time
	// ReceivedBefore keeps events received strictly before it.
	ReceivedBefore time.Time
	// SourceEventType, EntityID and UserID keep events whose normalized
	// fields equal them exactly; not indexed: the list scans newest first
	// within the other filters.
	SourceEventType, EntityID, UserID string
	// BeforeID keeps events with a smaller id: the cursor, 0 on page one.
	BeforeID int64
	// PageSize is the number of events to return; stores fetch one more to
	// learn whether another page follows.
	PageSize int
}

// PrepareList validates req, applies the page size bounds and decodes the
// page token.
func PrepareList(req *ledgerv1.ListEventsRequest) (ListQuery, error) {
	q := ListQuery{Platform: req.GetPlatform(), EventType: int32(req.GetEventType()),
		SourceEventType: req.GetSourceEventType(), EntityID: req.GetEntityId(), UserID: req.GetUserId()}
	switch n := req.GetPageSize(); {
	case n < 0:
		return ListQuery{}, fmt.Errorf("list events: page_size %d is negative: %w", n, apperr.ErrInvalid)
	case n == 0:
		q.PageSize = DefaultPageSize
	case n > MaxPageSize:
		q.PageSize = MaxPageSize
	default:
		q.PageSize = int(n)
	}
	if t := req.GetReceivedAfter(); t != nil {
		if err := t.CheckValid(); err != nil {
			return ListQuery{}, fmt.Errorf("list events: received_after: %v: %w", err, apperr.ErrInvalid)
		}
		q.ReceivedAfter = t.AsTime()
	}
	if t := req.GetReceivedBefore(); t != nil {
		if err := t.CheckValid(); err != nil {
			return ListQuery{}, fmt.Errorf("list events: received_before: %v: %w", err, apperr.ErrInvalid)
		}
		q.ReceivedBefore = t.AsTime()
	}
	if tok := req.GetPageToken(); tok != "" {
		id, err := decodePageToken(tok)
		if err != nil {
			return ListQuery{}, fmt.Errorf("list events: page_token: %w", err)
		}
		q.BeforeID = id
	}
	return q, nil
}

// pageToken encodes the id of the last event of a page. It is opaque to
// clients so the cursor's shape can change without breaking them.
func pageToken(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(lastID, 10)))
}

func decodePageToken(tok string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, fmt.Errorf("not a page token: %w", apperr.ErrInvalid)
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("not a page token: %w", apperr.ErrInvalid)
	}
	return id, nil
}

// EventRow is an events row as stores read it.
type EventRow struct {
	// ID orders events and makes the cursor.
	ID int64
	// Platform, Source and EventID are the dedup key.
	Platform, Source, EventID string
	// ReceiptID is the receipt that created the event.
	ReceiptID string
	// Normalized is the proto-encoded event, nil when normalization failed.
	Normalized []byte
	// NormalizationError says why Normalized is nil.
	NormalizationError string
	// ReceivedAt is when the edge received the first request.
	ReceivedAt time.Time
	// RecordedAt is when the ledger committed the event.
	RecordedAt time.Time
}

// StoredEvent decodes the row.
func (r EventRow) StoredEvent() (*ledgerv1.StoredEvent, error) {
	se := &ledgerv1.StoredEvent{
		Platform:           r.Platform,
		Source:             r.Source,
		EventId:            r.EventID,
		ReceiptId:          r.ReceiptID,
		NormalizationError: r.NormalizationError,
		ReceivedAt:         timestamppb.New(r.ReceivedAt),
		RecordedAt:         timestamppb.New(r.RecordedAt),
	}
	if r.Normalized != nil {
		ev := &eventv1.NormalizedEvent{}
		if err := proto.Unmarshal(r.Normalized, ev); err != nil {
			return nil, fmt.Errorf("decode stored event %d: %w", r.ID, err)
		}
		se.Event = ev
	}
	return se, nil
}

// ReceiptRow is a receipts row as stores read it.
type ReceiptRow struct {
	// ReceiptID is the receipt's UUID.
	ReceiptID string
	// Platform, Source and EventID are the key the edge derived.
	Platform, Source, EventID string
	// Headers are the request headers as stored.
	Headers map[string]string
	// Body is the exact request body.
	Body []byte
	// RemoteAddr is the sender's address.
	RemoteAddr string
	// ReceivedAt is when the edge received the request.
	ReceivedAt time.Time
}

// Receipt converts the row.
func (r ReceiptRow) Receipt() *ledgerv1.Receipt {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	return &ledgerv1.Receipt{
		ReceiptId:  r.ReceiptID,
		Platform:   r.Platform,
		Source:     r.Source,
		EventId:    r.EventID,
		Headers:    r.Headers,
		Body:       body,
		ReceivedAt: timestamppb.New(r.ReceivedAt),
		RemoteAddr: r.RemoteAddr,
	}
}

// GetResult builds the answer to a GetEvent.
func GetResult(ev EventRow, rc ReceiptRow) (*ledgerv1.GetEventResponse, error) {
	se, err := ev.StoredEvent()
	if err != nil {
		return nil, err
	}
	return &ledgerv1.GetEventResponse{Event: se, Receipt: rc.Receipt()}, nil
}

// ListResult builds a page from rows, newest first, of which there are at
// most q.PageSize+1: the extra row only proves that another page follows.
func ListResult(q ListQuery, rows []EventRow) (*ledgerv1.ListEventsResponse, error) {
	resp := &ledgerv1.ListEventsResponse{}
	if len(rows) > q.PageSize {
		rows = rows[:q.PageSize]
		resp.NextPageToken = pageToken(rows[len(rows)-1].ID)
	}
	resp.Events = make([]*ledgerv1.StoredEvent, 0, len(rows))
	for _, r := range rows {
		se, err := r.StoredEvent()
		if err != nil {
			return nil, err
		}
		resp.Events = append(resp.Events, se)
	}
	return resp, nil
}
