package sqlite

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// micros scans an INTEGER unix-microsecond column into a time.Time.
type micros struct{ t *time.Time }

// Scan implements sql.Scanner.
func (m micros) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time column: got %T, want unix microseconds", src)
	}
	*m.t = microsTime(v)
	return nil
}

// microsTime is the time of a stored unix-microsecond value.
func microsTime(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros is micros for a nullable column: NULL leaves a nil pointer.
type nullMicros struct{ t **time.Time }

// Scan implements sql.Scanner.
func (m nullMicros) Scan(src any) error {
	if src == nil {
		*m.t = nil
		return nil
	}
	var t time.Time
	if err := (micros{&t}).Scan(src); err != nil {
		return err
	}
	*m.t = &t
	return nil
}

// jsonCol scans a JSON TEXT column (headers, arrays) into v.
type jsonCol struct{ v any }

// Scan implements sql.Scanner.
func (j jsonCol) Scan(src any) error {
	var b []byte
	switch x := src.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("json column: got %T", src)
	}
	return json.Unmarshal(b, j.v)
}

// jsonText encodes v for a JSON TEXT column. Maps come out with sorted
// keys, so equal values are equal text (UpsertSubscription compares them).
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json column: %w", err)
	}
	return string(b), nil
}

// unixMicros is t as stored, nil for nil.
func unixMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// deliveryColumns lists the columns deliveryDest scans, qualified with
// prefix ("d." in joins, "" in RETURNING, which takes bare names).
func deliveryColumns(prefix string) string {
	cols := []string{"delivery_id", "subscription", "platform", "source", "event_id", "state",
		"attempts", "replays", "next_attempt_at", "last_error", "created_at", "updated_at", "dead_at"}
	return prefix + strings.Join(cols, ", "+prefix) +
		", coalesce(" + prefix + "redelivery_of, ''), coalesce(" + prefix + "job_id, '')"
}

// deliveryDest returns scan destinations for deliveryColumns.
func deliveryDest(r *store.DeliveryRow) []any {
	return []any{&r.DeliveryID, &r.Subscription, &r.Platform, &r.Source, &r.EventID, &r.State,
		&r.Attempts, &r.Replays, micros{&r.NextAttemptAt}, &r.LastError, micros{&r.CreatedAt},
		micros{&r.UpdatedAt}, nullMicros{&r.DeadAt}, &r.RedeliveryOf, &r.JobID}
}

// subscriptionColumns lists the columns subscriptionDest scans.
// retry_policy comes twice: the driver reads an empty BLOB back as nil,
// so "retry_policy IS NOT NULL" tells an empty policy ({}, stored as zero
// bytes) from none, as PostgreSQL's bytea does.
func subscriptionColumns(prefix string) string {
	cols := []string{"name", "target", "platforms", "event_types", "retry_policy", "retry_policy IS NOT NULL",
		"timeout_ms", "max_concurrency", "paused", "created_at", "updated_at",
		"filter", "rate_per_second", "rate_burst", "ordering_key", "start_from", "payload", "secrets"}
	return prefix + strings.Join(cols, ", "+prefix)
}

// subscriptionDest returns scan destinations for subscriptionColumns.
func subscriptionDest(r *store.SubscriptionRow) []any {
	return []any{&r.Name, &r.Target, jsonCol{&r.Platforms}, jsonCol{&r.EventTypes}, &r.RetryPolicy,
		presentBlob{&r.RetryPolicy}, &r.TimeoutMS, &r.MaxConcurrency, &r.Paused, micros{&r.CreatedAt}, micros{&r.UpdatedAt},
		&r.Filter, &r.RatePerSecond, &r.RateBurst, &r.OrderingKey, nullMicros{&r.StartFrom}, &r.Payload, jsonCol{&r.Secrets}}
}

// presentBlob scans "col IS NOT NULL" after col itself was scanned into
// *b: a present column read back as nil was an empty BLOB.
type presentBlob struct{ b *[]byte }

// Scan implements sql.Scanner.
func (p presentBlob) Scan(src any) error {
	if v, ok := src.(int64); ok && v != 0 && *p.b == nil {
		*p.b = []byte{}
	}
	return nil
}

// uuidSQL makes a random (version 4) UUID in SQL, for rows inserted by an
// INSERT ... SELECT: SQLite has no gen_random_uuid. randomblob draws from
// SQLite's ChaCha20 generator, seeded from the OS. random() & 3 picks the
// variant nibble 8, 9, a or b.
const uuidSQL = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
    substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) ||
    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`
