package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/filter"
)

// Subscription defaults and bounds.
const (
	// DefaultMaxConcurrency applies when max_concurrency is 0. A slot is
	// held from the claim until the outcome is committed, not only during
	// the handler's call, so the bound must cover a few commit latencies
	// and a loaded machine's scheduling delays: on the 2-core benchmark
	// machine a handler answering in 1 ms got at most about 400
	// deliveries/s at 16, and at 64 the delivery rate fell behind a
	// saturated edge (0.88-0.92 of it, 8 s saturation of the short
	// benchmark); at 128 it kept up there. A slow or
	// fragile handler sets its own.
	DefaultMaxConcurrency = 128
	// DefaultTimeout applies when timeout is unset or 0.
	DefaultTimeout = 30 * time.Second
	// MaxTimeout bounds timeout: a handler call longer than an hour holds
	// a lease (and a slot of max_concurrency) for too long to be a webhook.
	MaxTimeout = time.Hour
)

// The history row of a delivery cancelled by its subscription's deletion.
const (
	// CancelledCode is its code.
	CancelledCode = "CANCELLED"
	// CancelledReason is its error and the delivery's last_error.
	CancelledReason = "subscription deleted"
)

// nameRE is the subscription name rule: safe in URLs (the REST routes put
// it in the path), in logs and in notification payloads.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// SubscriptionRow is a subscriptions row: what stores write and read.
type SubscriptionRow struct {
	// Name is the primary key.
	Name string
	// Target is the handler's gRPC target.
	Target string
	// Platforms and EventTypes filter events; empty (never nil) means all.
	Platforms []string
	// EventTypes holds EventType numbers.
	EventTypes []int32
	// RetryPolicy is the deterministic proto encoding, nil when unset.
	RetryPolicy []byte
	// TimeoutMS is the call timeout in milliseconds, at least 1.
	TimeoutMS int64
	// MaxConcurrency is at least 1.
	MaxConcurrency int32
	// Paused stops claims.
	Paused bool
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt, UpdatedAt time.Time

	// Filter is the CEL filter, "" for none; it compiles (filter.Compile).
	Filter string
	// RatePerSecond and RateBurst are the rate; 0 and 0 when unset.
	RatePerSecond float64
	// RateBurst is at least 1 when RatePerSecond is set.
	RateBurst int32
	// OrderingKey is the CEL ordering key, "" for unordered.
	OrderingKey string
	// StartFrom is the backfill start; nil when unset.
	StartFrom *time.Time
	// Payload is a PayloadFormat number.
	Payload int32
	// Secrets are the HTTP target's signing secrets, never nil.
	Secrets []SecretRow
}

// SecretRow is one signing secret as stored (JSON in both databases).
type SecretRow struct {
	// Secret is the value ("whsec_...").
	Secret string `json:"secret"`
	// ID is SecretID(Secret).
	ID string `json:"id"`
	// CreatedAt is when it was added.
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is when it stops signing; nil for never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Secret bounds.
const (
	// MaxSecrets bounds a subscription's secrets: two during a rotation,
	// a few more for rotations that overlap.
	MaxSecrets = 5
	// secretPrefix starts every Standard Webhooks secret.
	secretPrefix = "whsec_"
	// MaxRate bounds rate.per_second.
	MaxRate = 1e6
)

// SecretID names a secret without revealing it: the first 8 bytes of its
// SHA-256, in hex. The secret has at least 24 random bytes, so the id
// tells nothing usable about it.
func SecretID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sec_" + hex.EncodeToString(sum[:8])
}

// PrepareName validates a subscription name.
func PrepareName(op, name string) (string, error) {
	if !nameRE.MatchString(name) {
		return "", fmt.Errorf("%s: subscription name %q must match %s: %w", op, name, nameRE, apperr.ErrInvalid)
	}
	return name, nil
}

// PrepareSubscription validates sub and fills in the defaults. Timestamps
// are ignored: the store sets them.
func PrepareSubscription(op string, sub *ledgerv1.Subscription) (SubscriptionRow, error) {
	if sub == nil {
		return SubscriptionRow{}, fmt.Errorf("%s: subscription is required: %w", op, apperr.ErrInvalid)
	}
	name, err := PrepareName(op, sub.GetName())
	if err != nil {
		return SubscriptionRow{}, err
	}
	op = fmt.Sprintf("%s %q", op, name)
	r := SubscriptionRow{
		Name:           name,
		Target:         sub.GetTarget(),
		Platforms:      []string{},
		EventTypes:     []int32{},
		TimeoutMS:      DefaultTimeout.Milliseconds(),
		MaxConcurrency: sub.GetMaxConcurrency(),
		Paused:         sub.GetPaused(),
	}
	if r.Target == "" {
		return SubscriptionRow{}, fmt.Errorf("%s: target is required: %w", op, apperr.ErrInvalid)
	}
	for _, p := range sub.GetPlatforms() {
		if p == "" {
			return SubscriptionRow{}, fmt.Errorf("%s: empty platform in platforms: %w", op, apperr.ErrInvalid)
		}
		r.Platforms = append(r.Platforms, p)
	}
	for _, et := range sub.GetEventTypes() {
		// 0 is "not normalized": such events get no deliveries at all, so a
		// filter on it could never match and is surely a mistake.
		if _, known := eventv1.EventType_name[int32(et)]; !known || et == eventv1.EventType_EVENT_TYPE_UNSPECIFIED {
			return SubscriptionRow{}, fmt.Errorf("%s: event type %d is not a known event type: %w", op, et, apperr.ErrInvalid)
		}
		r.EventTypes = append(r.EventTypes, int32(et))
	}
	switch {
	case r.MaxConcurrency < 0:
		return SubscriptionRow{}, fmt.Errorf("%s: max_concurrency %d is negative: %w", op, r.MaxConcurrency, apperr.ErrInvalid)
	case r.MaxConcurrency == 0:
		r.MaxConcurrency = DefaultMaxConcurrency
	}
	if d := sub.GetTimeout(); d != nil {
		v, err := duration(op+": timeout", d)
		if err != nil {
			return SubscriptionRow{}, err
		}
		switch {
		case v > MaxTimeout:
			return SubscriptionRow{}, fmt.Errorf("%s: timeout %v exceeds %v: %w", op, v, MaxTimeout, apperr.ErrInvalid)
		case v > 0 && v < time.Millisecond:
			return SubscriptionRow{}, fmt.Errorf("%s: timeout %v is under a millisecond: %w", op, v, apperr.ErrInvalid)
		case v > 0:
			r.TimeoutMS = v.Milliseconds()
		}
	}
	if err := prepareShape(op, sub, &r); err != nil {
		return SubscriptionRow{}, err
	}
	if p := sub.GetRetryPolicy(); p != nil {
		for class, c := range map[string]*ledgerv1.ClassPolicy{"network": p.GetNetwork(), "throttled": p.GetThrottled(), "downstream": p.GetDownstream()} {
			if err := checkClassPolicy(op+": retry_policy."+class, c); err != nil {
				return SubscriptionRow{}, err
			}
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
		if err != nil {
			return SubscriptionRow{}, fmt.Errorf("%s: encode retry_policy: %w", op, err)
		}
		r.RetryPolicy = b
	}
	return r, nil
}

// prepareShape validates the fields of #15 (filter, rate, ordering key,
// start_from, payload, secrets) into r.
func prepareShape(op string, sub *ledgerv1.Subscription, r *SubscriptionRow) error {
	r.Filter = sub.GetFilter()
	if r.Filter != "" {
		if _, err := filter.Cached(r.Filter); err != nil {
			return fmt.Errorf("%s: filter: %w: %w", op, err, apperr.ErrInvalid)
		}
	}
	r.OrderingKey = sub.GetOrderingKey()
	if r.OrderingKey != "" {
		if err := filter.CheckKey(r.OrderingKey); err != nil {
			return fmt.Errorf("%s: ordering_key: %w: %w", op, err, apperr.ErrInvalid)
		}
	}
	if rate := sub.GetRate(); rate != nil {
		ps := rate.GetPerSecond()
		if !(ps > 0 && ps <= MaxRate) { // also refuses NaN
			return fmt.Errorf("%s: rate.per_second %v must be above 0 and at most %g: %w", op, ps, float64(MaxRate), apperr.ErrInvalid)
		}
		burst := rate.GetBurst()
		switch {
		case burst < 0:
			return fmt.Errorf("%s: rate.burst %d is negative: %w", op, burst, apperr.ErrInvalid)
		case burst == 0:
			burst = int32(max(1, math.Ceil(ps)))
		}
		r.RatePerSecond, r.RateBurst = ps, burst
	}
	if t := sub.GetStartFrom(); t != nil {
		if err := t.CheckValid(); err != nil {
			return fmt.Errorf("%s: start_from: %v: %w", op, err, apperr.ErrInvalid)
		}
		at := t.AsTime().Truncate(time.Microsecond)
		r.StartFrom = &at
	}
	if _, known := ledgerv1.PayloadFormat_name[int32(sub.GetPayload())]; !known {
		return fmt.Errorf("%s: payload %d is not a known payload format: %w", op, sub.GetPayload(), apperr.ErrInvalid)
	}
	r.Payload = int32(sub.GetPayload())
	secrets, err := prepareSecrets(op, sub)
	if err != nil {
		return err
	}
	r.Secrets = secrets
	return nil
}

// prepareSecrets validates the secrets. An entry without a value was sent
// back by id (see Subscription.secrets) and not found among the stored
// ones by the server, which fills in the values of those it knows.
func prepareSecrets(op string, sub *ledgerv1.Subscription) ([]SecretRow, error) {
	list := sub.GetSecrets()
	if len(list) == 0 {
		return []SecretRow{}, nil
	}
	if t := sub.GetTarget(); !strings.HasPrefix(t, "https://") && !strings.HasPrefix(t, "http://") {
		return nil, fmt.Errorf("%s: secrets are for http:// and https:// targets only: %w", op, apperr.ErrInvalid)
	}
	if len(list) > MaxSecrets {
		return nil, fmt.Errorf("%s: %d secrets, at most %d: %w", op, len(list), MaxSecrets, apperr.ErrInvalid)
	}
	now := time.Now().Truncate(time.Microsecond)
	out := make([]SecretRow, 0, len(list))
	seen := map[string]bool{}
	for i, s := range list {
		v := s.GetSecret()
		if v == "" {
			return nil, fmt.Errorf("%s: secrets[%d]: no value, and id %q is not one of the subscription's secrets: %w", op, i, s.GetId(), apperr.ErrInvalid)
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(v, secretPrefix))
		if !strings.HasPrefix(v, secretPrefix) || err != nil || len(raw) < 24 || len(raw) > 64 {
			return nil, fmt.Errorf("%s: secrets[%d]: must be %q followed by the base64 of 24 to 64 random bytes: %w", op, i, secretPrefix, apperr.ErrInvalid)
		}
		row := SecretRow{Secret: v, ID: SecretID(v), CreatedAt: now}
		if seen[row.ID] {
			return nil, fmt.Errorf("%s: secrets[%d]: the same secret twice: %w", op, i, apperr.ErrInvalid)
		}
		seen[row.ID] = true
		if t := s.GetCreatedAt(); t != nil && t.CheckValid() == nil {
			row.CreatedAt = t.AsTime().Truncate(time.Microsecond)
		}
		if t := s.GetExpiresAt(); t != nil {
			if err := t.CheckValid(); err != nil {
				return nil, fmt.Errorf("%s: secrets[%d].expires_at: %v: %w", op, i, err, apperr.ErrInvalid)
			}
			at := t.AsTime().Truncate(time.Microsecond)
			row.ExpiresAt = &at
		}
		out = append(out, row)
	}
	return out, nil
}

// KeepSecretTimes gives each secret of r that stored also has (same id)
// its stored created_at: an upsert from the seed file, which names no
// times, then leaves an unchanged subscription unchanged (and a secret's
// age is that of its first appearance).
func KeepSecretTimes(r *SubscriptionRow, stored []SecretRow) {
	for i := range r.Secrets {
		for _, old := range stored {
			if old.ID == r.Secrets[i].ID {
				r.Secrets[i].CreatedAt = old.CreatedAt
			}
		}
	}
}

func checkClassPolicy(op string, c *ledgerv1.ClassPolicy) error {
	if c == nil {
		return nil
	}
	if c.GetMaxAttempts() < 0 {
		return fmt.Errorf("%s: max_attempts %d is negative: %w", op, c.GetMaxAttempts(), apperr.ErrInvalid)
	}
	delay, err := durationOrZero(op+".delay", c.GetDelay())
	if err != nil {
		return err
	}
	maxDelay, err := durationOrZero(op+".max_delay", c.GetMaxDelay())
	if err != nil {
		return err
	}
	if delay > 0 && maxDelay > 0 && maxDelay < delay {
		return fmt.Errorf("%s: max_delay %v is below delay %v: %w", op, maxDelay, delay, apperr.ErrInvalid)
	}
	return nil
}

func durationOrZero(op string, d *durationpb.Duration) (time.Duration, error) {
	if d == nil {
		return 0, nil
	}
	return duration(op, d)
}

func duration(op string, d *durationpb.Duration) (time.Duration, error) {
	if err := d.CheckValid(); err != nil {
		return 0, fmt.Errorf("%s: %v: %w", op, err, apperr.ErrInvalid)
	}
	v := d.AsDuration()
	if v < 0 {
		return 0, fmt.Errorf("%s: %v is negative: %w", op, v, apperr.ErrInvalid)
	}
	return v, nil
}

// Subscription converts the row.
func (r SubscriptionRow) Subscription() (*ledgerv1.Subscription, error) {
	sub := &ledgerv1.Subscription{
		Name:           r.Name,
		Target:         r.Target,
		Platforms:      r.Platforms,
		Timeout:        durationpb.New(time.Duration(r.TimeoutMS) * time.Millisecond),
		MaxConcurrency: r.MaxConcurrency,
		Paused:         r.Paused,
		CreatedAt:      timestamppb.New(r.CreatedAt),
		UpdatedAt:      timestamppb.New(r.UpdatedAt),
	}
	for _, et := range r.EventTypes {
		sub.EventTypes = append(sub.EventTypes, eventv1.EventType(et))
	}
	sub.Filter = r.Filter
	sub.OrderingKey = r.OrderingKey
	sub.Payload = ledgerv1.PayloadFormat(r.Payload)
	if r.RatePerSecond > 0 {
		sub.Rate = &ledgerv1.Rate{PerSecond: r.RatePerSecond, Burst: r.RateBurst}
	}
	if r.StartFrom != nil {
		sub.StartFrom = timestamppb.New(*r.StartFrom)
	}
	for _, s := range r.Secrets {
		ss := &ledgerv1.SigningSecret{Secret: s.Secret, Id: s.ID, CreatedAt: timestamppb.New(s.CreatedAt)}
		if s.ExpiresAt != nil {
			ss.ExpiresAt = timestamppb.New(*s.ExpiresAt)
		}
		sub.Secrets = append(sub.Secrets, ss)
	}
	if r.RetryPolicy != nil {
		p := &ledgerv1.RetryPolicy{}
		if err := proto.Unmarshal(r.RetryPolicy, p); err != nil {
			return nil, fmt.Errorf("decode retry policy of subscription %q: %w", r.Name, err)
		}
		sub.RetryPolicy = p
	}
	return sub, nil
}
