package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/webhook"
	"github.com/hookmesh/hookmesh/services/internal/whsec"
)

// errNoWeb dead-letters the deliveries of HTTP destinations in a
// dispatcher built without a webhook client (tests of the gRPC path).
var errNoWeb = errors.New("this dispatcher delivers to gRPC handlers only")

// webCall returns the call of one attempt at an HTTP destination: the
// body the subscription's payload names, signed by every active secret,
// POSTed with the delivery id as webhook-id. It fails when the request
// cannot be built: no active secret (the handler could not verify it, so
// nothing is sent unsigned), or an event that does not render.
func (d *Dispatcher) webCall(l *ledgerv1.Lease) (func(context.Context) error, error) {
	if d.opts.Web == nil {
		return nil, errNoWeb
	}
	dl, sub := l.GetDelivery(), l.GetSubscription()
	keys, err := activeKeys(sub.GetSecrets(), time.Now())
	if err != nil {
		return nil, err
	}
	body, contentType, err := webhook.Body(sub.GetPayload() == ledgerv1.PayloadFormat_PAYLOAD_FORMAT_RAW, l.GetEvent(), l.GetPayload())
	if err != nil {
		return nil, err
	}
	req := webhook.Request{URL: sub.GetTarget(), ID: dl.GetDeliveryId(), Body: body, ContentType: contentType, Keys: keys}
	return func(ctx context.Context) error {
		code, err := d.opts.Web.Post(ctx, req)
		d.opts.Metrics.answered(dl.GetSubscription(), code)
		return err
	}, nil
}

// activeKeys returns the keys of the secrets that sign at now: those
// without an expiry or expiring later. During a rotation that is the old
// secret (given an expires_at) and the new one.
func activeKeys(secrets []*ledgerv1.SigningSecret, now time.Time) ([][]byte, error) {
	var keys [][]byte
	for _, s := range secrets {
		if exp := s.GetExpiresAt(); exp != nil && !exp.AsTime().After(now) {
			continue
		}
		k, err := whsec.Parse(s.GetSecret())
		if err != nil {
			return nil, fmt.Errorf("signing secret %s: %w", s.GetId(), err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no active signing secret (%d expired): nothing is sent unsigned; add a secret to the subscription and replay the dead letter", len(secrets))
	}
	return keys, nil
}
