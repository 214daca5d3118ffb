package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Bounds of ReplayDeadLetters.
const (
	// DefaultReplayLimit is used when the request leaves limit at 0.
	DefaultReplayLimit = 100
	// MaxReplayLimit caps limit; larger values are lowered to it.
	MaxReplayLimit = 1000
)

// DeadLetterQuery is a validated ListDeadLettersRequest. Zero values mean
// "no filter".
type DeadLetterQuery struct {
	// Subscription keeps one subscription's dead letters.
	Subscription string
	// Platform keeps one platform's dead letters.
	Platform string
	// PageSize is the page length; stores fetch one more row to learn
	// whether another page follows.
	PageSize int
	// AfterDeadAt and AfterID are the cursor: the page continues with rows
	// strictly before (dead_at, delivery_id) in descending order. Zero on
	// page one.
	AfterDeadAt time.Time
	// AfterID is the delivery id half of the cursor.
	AfterID string
}

// PrepareListDeadLetters validates req, applies the page size bounds of
// ListEvents and decodes the page token.
func PrepareListDeadLetters(req *ledgerv1.ListDeadLettersRequest) (DeadLetterQuery, error) {
	q := DeadLetterQuery{Subscription: req.GetSubscription(), Platform: req.GetPlatform()}
	switch n := req.GetPageSize(); {
	case n < 0:
		return DeadLetterQuery{}, fmt.Errorf("list dead letters: page_size %d is negative: %w", n, apperr.ErrInvalid)
	case n == 0:
		q.PageSize = DefaultPageSize
	default:
		q.PageSize = int(min(n, MaxPageSize))
	}
	if tok := req.GetPageToken(); tok != "" {
		at, id, err := decodeDeadLetterToken(tok)
		if err != nil {
			return DeadLetterQuery{}, fmt.Errorf("list dead letters: page_token: %w", err)
		}
		q.AfterDeadAt, q.AfterID = at, id
	}
	return q, nil
}

// deadLetterToken encodes the last row of a page: dead_at to the
// microsecond (what both databases keep) and the delivery id that breaks
// ties. Opaque to clients, like the ListEvents token.
func deadLetterToken(r DeliveryRow) string {
	return base64.RawURLEncoding.EncodeToString(
		[]byte("d1:" + strconv.FormatInt(deadAt(r).UnixMicro(), 10) + ":" + r.DeliveryID))
}

// deadAt is r's dead_at; a dead letter always has one, but a zero time
// keeps a broken row from panicking the list.
func deadAt(r DeliveryRow) time.Time {
	if r.DeadAt == nil {
		return time.Time{}
	}
	return *r.DeadAt
}

func decodeDeadLetterToken(tok string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("not a page token: %w", apperr.ErrInvalid)
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != "d1" {
		return time.Time{}, "", fmt.Errorf("not a page token: %w", apperr.ErrInvalid)
	}
	micros, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("not a page token: %w", apperr.ErrInvalid)
	}
	id, err := uuid.Parse(parts[2])
	if err != nil {
		return time.Time{}, "", fmt.Errorf("not a page token: %w", apperr.ErrInvalid)
	}
	return time.UnixMicro(micros).UTC(), id.String(), nil
}

// DeadLettersResult builds a page from rows, newest dead first, of which
// there are at most q.PageSize+1, and the attempts of those rows.
func DeadLettersResult(q DeadLetterQuery, rows []DeliveryRow, attempts []AttemptRow) *ledgerv1.ListDeadLettersResponse {
	resp := &ledgerv1.ListDeadLettersResponse{}
	if len(rows) > q.PageSize {
		rows = rows[:q.PageSize]
		resp.NextPageToken = deadLetterToken(rows[len(rows)-1])
	}
	resp.DeadLetters = WithHistory(rows, attempts)
	return resp
}

// PrepareReplayDeadLetter validates req and returns the canonical id.
func PrepareReplayDeadLetter(req *ledgerv1.ReplayDeadLetterRequest) (string, error) {
	id, err := uuid.Parse(req.GetId())
	if err != nil {
		return "", fmt.Errorf("replay dead letter: id %q is not a UUID: %w", req.GetId(), apperr.ErrInvalid)
	}
	return id.String(), nil
}

// ReplayQuery is a validated ReplayDeadLettersRequest.
type ReplayQuery struct {
	// Subscription and Platform filter as in DeadLetterQuery.
	Subscription, Platform string
	// Limit is the most to replay, 1 to MaxReplayLimit.
	Limit int
}

// PrepareReplayDeadLetters validates req and applies the limit bounds.
func PrepareReplayDeadLetters(req *ledgerv1.ReplayDeadLettersRequest) (ReplayQuery, error) {
	q := ReplayQuery{Subscription: req.GetSubscription(), Platform: req.GetPlatform()}
	switch n := req.GetLimit(); {
	case n < 0:
		return ReplayQuery{}, fmt.Errorf("replay dead letters: limit %d is negative: %w", n, apperr.ErrInvalid)
	case n == 0:
		q.Limit = DefaultReplayLimit
	default:
		q.Limit = int(min(n, MaxReplayLimit))
	}
	return q, nil
}
