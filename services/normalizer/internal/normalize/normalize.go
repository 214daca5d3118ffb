package normalize

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// SchemaVersion is the version of the normalization written into every
// event. It grows when an adapter's mapping changes meaning, so consumers
// and re-normalization can tell old events from new ones.
const SchemaVersion = 1

// request is one webhook as an adapter sees it.
type request struct {
	headers    map[string]string
	body       []byte
	receivedAt time.Time
}

// header returns the value of a header (names are lower case).
func (r request) header(name string) string { return r.headers[name] }

// adapter fills the platform-specific fields of ev. It may set ev.EventId
// and ev.Source itself when the platform's dedup key does not come from
// eventkey.Derive (a Slack url_verification has no event_id); otherwise
// Normalize derives them. It may set OccurredAt; Normalize defaults it to
// the receipt time.
type adapter func(r request, ev *eventv1.NormalizedEvent) error

// adapters are the presets: platforms known in code. Svix, Clerk and
// Resend send Standard Webhooks and share its adapter.
var adapters = map[string]adapter{
	"stripe":    normalizeStripe,
	"github":    normalizeGitHub,
	"shopify":   normalizeShopify,
	"slack":     normalizeSlack,
	"standard":  standardAdapter("standard"),
	"svix":      standardAdapter("svix"),
	"clerk":     standardAdapter("clerk"),
	"resend":    standardAdapter("resend"),
	"gitlab":    normalizeGitLab,
	"bitbucket": normalizeBitbucket,
	"paddle":    normalizePaddle,
	"linear":    normalizeLinear,
	"intercom":  normalizeIntercom,
	"zendesk":   normalizeZendesk,
	"hubspot":   normalizeHubSpot,
	"square":    normalizeSquare,
	"twilio":    normalizeTwilio,
	"twitch":    normalizeTwitch,
	"discord":   normalizeDiscord,
	"sendgrid":  normalizeSendGrid,
	"mailgun":   normalizeMailgun,
	"adyen":     normalizeAdyen,
}

// Platforms lists the preset platform names Normalize has an adapter for.
// Sources defined in configuration are listed by Normalizer.Platforms.
func Platforms() []string {
	return slices.Sorted(maps.Keys(adapters))
}

// Normalize turns one webhook of a preset platform into a NormalizedEvent;
// it is Normalizer.Normalize with no configured sources.
func Normalize(platform string, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, error) {
	return presetsOnly.Normalize(platform, headers, body, receivedAt)
}

var presetsOnly = &Normalizer{}

// Normalize turns one webhook of platform into a NormalizedEvent. headers
// have lower-case names; body is the exact bytes received; receivedAt is
// when the edge received it and must be set (Normalize reads no clock, so
// the same input always gives the same event). platform is a preset or,
// failing that, a configured source. An unknown platform is
// apperr.ErrNotFound; a payload the adapter cannot understand is
// apperr.ErrInvalid with the reason.
func (n *Normalizer) Normalize(platform string, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, error) {
	adapt, ok := adapters[platform]
	configured, isConfigured := n.sources[platform]
	if !ok && isConfigured {
		adapt = configured.normalize
	}
	if !ok && !isConfigured {
		return nil, fmt.Errorf("normalize: platform %q: %w", platform, apperr.ErrNotFound)
	}
	if receivedAt.IsZero() {
		return nil, invalid(platform, "received_at is not set")
	}
	if headers == nil {
		headers = map[string]string{}
	}
	ev := &eventv1.NormalizedEvent{
		Platform:      platform,
		ReceivedAt:    timestamppb.New(receivedAt),
		Metadata:      map[string]string{},
		SchemaVersion: SchemaVersion,
	}
	if err := adapt(request{headers: headers, body: body, receivedAt: receivedAt}, ev); err != nil {
		return nil, err
	}
	if ev.EventId == "" {
		key, err := eventkey.Derive(platform, headers, body)
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				// An adapter exists for platform, so eventkey lagging
				// behind is our bug, not the caller's.
				return nil, fmt.Errorf("normalize: event key of %q: %v", platform, err)
			}
			return nil, fmt.Errorf("normalize: event key: %w", err)
		}
		ev.EventId, ev.Source = key.EventID, key.Source
	}
	if ev.OccurredAt == nil {
		ev.OccurredAt = ev.ReceivedAt
	}
	for _, ts := range [...]struct {
		name string
		ts   *timestamppb.Timestamp
	}{{"occurred_at", ev.OccurredAt}, {"received_at", ev.ReceivedAt}} {
		if err := ts.ts.CheckValid(); err != nil {
			return nil, invalid(platform, "%s out of range: %v", ts.name, err)
		}
	}
	if len(ev.Metadata) == 0 {
		ev.Metadata = nil
	}
	return ev, nil
}

// occurred sets ev.OccurredAt to t unless t is zero.
func occurred(ev *eventv1.NormalizedEvent, t time.Time) {
	if !t.IsZero() {
		ev.OccurredAt = timestamppb.New(t)
	}
}
