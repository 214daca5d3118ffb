package store

import (
	"fmt"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/target"
)

// CheckHTTPSecrets refuses an HTTP target (an http:// or https:// URL)
// without a signing secret, wrapping apperr.ErrInvalid: the dispatcher
// sends nothing unsigned, since the handler could not tell such a request
// from a forgery. The API and the subscriptions file both apply it.
func CheckHTTPSecrets(op string, sub *ledgerv1.Subscription) error {
	if !target.IsURL(sub.GetTarget()) || len(sub.GetSecrets()) > 0 {
		return nil
	}
	return fmt.Errorf("%s %q: an HTTP target needs secrets: at least one signing secret, %q and the base64 of 24 to 64 random bytes "+
		"(for example: echo whsec_$(openssl rand -base64 32)): %w", op, sub.GetName(), secretPrefix, apperr.ErrInvalid)
}
