// Package store defines what every ledger store does, and the handling of
// requests that does not depend on the database: validation, defaults, page
// tokens and the encoding of the normalized event. Each backend (PostgreSQL
// now, an embedded SQLite later) only runs SQL, so both behave the same and
// one conformance suite (package storetest) checks them both.
package store

import (
	"context"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Store is the ledger's durable state. Errors wrap the apperr classes:
// ErrInvalid for a bad request, ErrNotFound for a missing event,
// ErrUnavailable when the database cannot be reached (the caller may retry),
// ErrConflict when a receipt id is reused for another event. No
// database-specific error escapes a Store.
type Store interface {
	// Record stores the receipt and its event atomically, idempotent per
	// (platform, source, event_id) of the receipt. A duplicate stores nothing
	// and answers the first receipt's id with Duplicate set. Repeating the
	// very request that created the event (same receipt id, e.g. a client
	// retry after a lost answer) answers as the first time: not a duplicate.
	Record(ctx context.Context, req *ledgerv1.RecordRequest) (*ledgerv1.RecordResponse, error)
	// GetEvent returns an event with its receipt; when the request has no
	// source and several sources share the id, the most recently received.
	GetEvent(ctx context.Context, req *ledgerv1.GetEventRequest) (*ledgerv1.GetEventResponse, error)
	// ListEvents returns one page of events, newest first.
	ListEvents(ctx context.Context, req *ledgerv1.ListEventsRequest) (*ledgerv1.ListEventsResponse, error)
	// Ping checks that the database answers; readiness uses it.
	Ping(ctx context.Context) error
	// Close releases the store's resources. It is safe to call twice;
	// calls after Close fail with ErrUnavailable.
	Close()
}
