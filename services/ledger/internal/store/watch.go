package store

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// ErrCursorExpired means a stream cursor is older than what the ledger
// keeps: events after it were deleted, so resuming there would skip them.
// Of class apperr.ErrOutOfRange (OUT_OF_RANGE).
var ErrCursorExpired = fmt.Errorf("cursor older than the events kept (%w)", apperr.ErrOutOfRange)

// Position is a place in the event stream, which orders events by
// (Xid, ID). A position means "after the event at (Xid, ID)"; ID 0 means
// "before every event of transaction Xid".
//
// Why two numbers: on PostgreSQL an event's id is taken when it is
// inserted, but the event becomes visible when its transaction commits,
// and concurrent transactions commit in any order; reading "id > last id"
// would skip a smaller id committed late. Xid is the writing transaction's
// id (pg_current_xact_id()), and the stream emits only events whose
// transaction is older than every transaction still running (the
// snapshot's xmin), so nothing can ever be inserted before a position
// already passed. See the ledger's README, "Event stream". On SQLite a
// single writer commits in id order: Xid is always 0.
type Position struct {
	// Xid is the id of the transaction that recorded the event (0 on
	// SQLite, and on PostgreSQL for events recorded before the stream
	// existed: those sort first, in id order).
	Xid uint64
	// ID is the event's row id.
	ID int64
}

// Before reports whether p comes before q in the stream.
func (p Position) Before(q Position) bool {
	return p.Xid < q.Xid || (p.Xid == q.Xid && p.ID < q.ID)
}

// Backends of a cursor: a cursor of one store means nothing to the other.
const (
	// CursorPostgres marks cursors of the PostgreSQL store.
	CursorPostgres byte = 'p'
	// CursorSQLite marks cursors of the embedded SQLite store.
	CursorSQLite byte = 's'
)

// cursorVersion is the first byte of every cursor, so the shape can change
// later without old cursors being misread.
const cursorVersion = 1

// maxCursorLen bounds what ParseCursor decodes: a real cursor is at most
// 1+1+10+10+4 bytes, 35 characters once encoded.
const maxCursorLen = 64

// EncodeCursor returns the opaque cursor of p on backend kind: base64url
// of a version byte, the backend, p's two numbers as uvarints and a
// CRC-32 of those, so that a truncated or mistyped cursor is refused
// rather than read as another position.
func EncodeCursor(kind byte, p Position) string {
	b := make([]byte, 0, 26)
	b = append(b, cursorVersion, kind)
	b = binary.AppendUvarint(b, p.Xid)
	b = binary.AppendUvarint(b, uint64(p.ID))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a cursor that EncodeCursor made for backend kind.
// Errors wrap apperr.ErrInvalid.
func ParseCursor(kind byte, s string) (Position, error) {
	fail := func(why string) (Position, error) {
		return Position{}, fmt.Errorf("cursor %.40q: %s: %w", s, why, apperr.ErrInvalid)
	}
	if len(s) > maxCursorLen {
		return fail("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2+2+4 {
		return fail("not a cursor")
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fail("not a cursor (checksum)")
	}
	if body[0] != cursorVersion {
		return fail(fmt.Sprintf("unknown cursor version %d", body[0]))
	}
	if body[1] != kind {
		return fail(fmt.Sprintf("a cursor of the %s store, and this ledger runs on %s", backendName(body[1]), backendName(kind)))
	}
	rest := body[2:]
	xid, n := binary.Uvarint(rest)
	if n <= 0 {
		return fail("not a cursor")
	}
	rest = rest[n:]
	id, n := binary.Uvarint(rest)
	if n <= 0 || n != len(rest) || id > 1<<63-1 {
		return fail("not a cursor")
	}
	p := Position{Xid: xid, ID: int64(id)}
	if (kind == CursorSQLite && xid != 0) || EncodeCursor(kind, p) != s {
		// One text per position: no padding bits or overlong varints
		// that would make two cursors of one position.
		return fail("not a cursor")
	}
	return p, nil
}

func backendName(kind byte) string {
	switch kind {
	case CursorPostgres:
		return "PostgreSQL"
	case CursorSQLite:
		return "embedded SQLite"
	default:
		return "unknown"
	}
}

// WatchFrom is where a stream starts: after Cursor when set, else at the
// first event received at or after Time when set, else now.
type WatchFrom struct {
	// Cursor is a cursor the stream sent before.
	Cursor string
	// Time, when Cursor is empty, starts at the first event (in stream
	// order) received at or after it; everything after that event follows,
	// which can include a few events received a little earlier that
	// committed later.
	Time *time.Time
}

// WatchPageSize is the most events one read of the stream returns: it
// bounds the memory a stream holds (bodies included) while its client
// reads.
const WatchPageSize = 64

// WatchQuery is one read of the event stream.
type WatchQuery struct {
	// After is the position to read after.
	After Position
	// Platform keeps one platform's events; "" keeps all.
	Platform string
	// EventType keeps one normalized type; 0 keeps all.
	EventType int32
	// Receipts adds each event's raw receipt (headers and body).
	Receipts bool
	// Limit is the most events to return; 0 or more than WatchPageSize
	// means WatchPageSize.
	Limit int
}

// PageLimit is q's limit within (0, WatchPageSize].
func (q WatchQuery) PageLimit() int {
	if q.Limit <= 0 || q.Limit > WatchPageSize {
		return WatchPageSize
	}
	return q.Limit
}

// WatchedEvent is one event of the stream.
type WatchedEvent struct {
	// Cursor is the event's position, to resume after it.
	Cursor string
	// Event is the event as stored.
	Event *ledgerv1.StoredEvent
	// Receipt is the raw request; nil unless the query asked for receipts.
	Receipt *ledgerv1.Receipt
}

// WatchPage is the answer to one read of the stream.
type WatchPage struct {
	// Events are in stream order, every one after the query's position.
	Events []WatchedEvent
	// Next is where the next read starts: after the last event of a full
	// page, else after everything the read could see, matching or not, so
	// that a filtered stream moves on past what it skipped.
	Next Position
	// NextCursor is Next as a cursor, for progress messages.
	NextCursor string
	// Full says the page holds Limit events: read again at once.
	Full bool
	// Pending says committed events exist past Next that cannot be read
	// in order yet (PostgreSQL: an older transaction is still running).
	// Nothing may wake the reader when that transaction ends, so it should
	// read again soon rather than at its poll interval.
	Pending bool
}

// WatchRow is one events row a backend read for the stream, with its
// receipt when asked for.
type WatchRow struct {
	// Pos is the row's stream position.
	Pos Position
	// Event is the row.
	Event EventRow
	// Receipt is the row's receipt, nil when not read.
	Receipt *ReceiptRow
}

// WatchHead is what a backend knows of its stream in the snapshot of one
// read, to check a position and find the next one.
type WatchHead struct {
	// Stable is the position after which events may still appear:
	// everything before it is committed and will not change order
	// (PostgreSQL: (xmin, 0); SQLite: the last id).
	Stable Position
	// Future is the last position a cursor of this database can hold
	// now (PostgreSQL: (xmax, 0), xmax being the next transaction id;
	// SQLite: after the last id). A cursor past it was not made here.
	Future Position
	// Horizon is the greatest position of an event deleted from the stream
	// (by retention); zero when none ever was. A position before it would
	// skip deleted events.
	Horizon Position
	// Pending says committed events exist at or after Stable.
	Pending bool
}

// Check refuses a position the stream cannot resume from: one before
// Horizon (ErrCursorExpired) or one past Future (ErrInvalid: the cursor
// comes from another database).
func (h WatchHead) Check(p Position) error {
	if p.Before(h.Horizon) {
		return fmt.Errorf("watch events: events after this cursor were deleted by retention; "+
			"start again from now or a time: %w", ErrCursorExpired)
	}
	if !p.Before(h.Future) && p != h.Future {
		return fmt.Errorf("watch events: cursor is ahead of this ledger's events "+
			"(a cursor of another database?): %w", apperr.ErrInvalid)
	}
	return nil
}

// StartAt resolves from (see WatchFrom) on backend kind, given the head
// read for it and, when from starts at a time, the first event received at
// or after it in that snapshot (nil: none yet, so the stream starts now).
func StartAt(kind byte, from WatchFrom, head WatchHead, first *Position) (Position, error) {
	switch {
	case from.Cursor != "":
		after, err := ParseCursor(kind, from.Cursor)
		if err != nil {
			return Position{}, fmt.Errorf("watch events: %w", err)
		}
		return after, head.Check(after)
	case from.Time != nil && first != nil:
		return notBefore(Position{Xid: first.Xid, ID: first.ID - 1}, head.Horizon), nil
	default:
		return notBefore(head.Stable, head.Horizon), nil
	}
}

// notBefore is p, or the horizon when p lies before it. A stream started
// from a time or from now never starts before the horizon: on PostgreSQL
// the stable position (the oldest running transaction) can lag behind the
// position of an event retention deleted, and a start there would be
// refused as expired although nothing the caller asked for is missing.
func notBefore(p, horizon Position) Position {
	if p.Before(horizon) {
		return horizon
	}
	return p
}

// WatchResult builds the page of a read from q.After that returned rows
// (at most q.PageLimit(), in stream order) in the snapshot described by
// head, on backend kind.
func WatchResult(kind byte, q WatchQuery, head WatchHead, rows []WatchRow) (WatchPage, error) {
	page := WatchPage{Events: make([]WatchedEvent, 0, len(rows)), Next: q.After, Pending: head.Pending}
	for _, r := range rows {
		se, err := r.Event.StoredEvent()
		if err != nil {
			return WatchPage{}, err
		}
		w := WatchedEvent{Cursor: EncodeCursor(kind, r.Pos), Event: se}
		if r.Receipt != nil {
			w.Receipt = r.Receipt.Receipt()
		}
		page.Events = append(page.Events, w)
		page.Next = r.Pos
	}
	if len(rows) >= q.PageLimit() {
		page.Full = true
	} else if page.Next.Before(head.Stable) {
		// The read saw everything before Stable: the filter skipped the
		// rest, and nothing can be inserted there any more.
		page.Next = head.Stable
	}
	page.NextCursor = EncodeCursor(kind, page.Next)
	return page, nil
}
