package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// targetLookupTimeout bounds the DNS lookup of a new target's host name:
// the admin's call waits for it, and a name that does not answer in time
// is accepted like one that does not resolve yet.
const targetLookupTimeout = 2 * time.Second

// checkTarget refuses, as INVALID_ARGUMENT naming the rule, a target that
// HOOKMESH_TARGET_ALLOW refuses: its form, its IP literal, or an address
// its host name resolves to now. A host name that does not resolve is
// accepted (its DNS record may come with the handler's deployment): the
// dispatcher checks the addresses again at every dial. An HTTP target
// (an http:// or https:// URL) must come with a signing secret. An empty
// target is left to the store, which says it is required.
func (s *Server) checkTarget(ctx context.Context, op string, sub *ledgerv1.Subscription) error {
	if sub.GetTarget() == "" {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, targetLookupTimeout)
	defer cancel()
	_, err := s.Targets.Resolve(lctx, sub.GetTarget())
	var refused *target.RefusedError
	var lookup *target.LookupError
	switch {
	case errors.As(err, &refused):
		return fmt.Errorf("%s %q: %w: %w", op, sub.GetName(), err, apperr.ErrInvalid)
	case errors.As(err, &lookup):
		s.log.Info("subscription target does not resolve yet; the dispatcher checks it at every dial",
			slog.String("subscription", sub.GetName()), slog.String("target", sub.GetTarget()),
			slog.String("error", lookup.Err.Error()))
	case err != nil:
		return fmt.Errorf("%s %q: check target: %w", op, sub.GetName(), err)
	}
	return store.CheckHTTPSecrets(op, sub)
}

// redact clears every secret's value: admin responses carry a secret's id
// and times only (Subscription.secrets is write-only). Leases, for the
// dispatchers, carry the values.
func redact(subs ...*ledgerv1.Subscription) {
	for _, sub := range subs {
		for _, sec := range sub.GetSecrets() {
			sec.Secret = ""
		}
	}
}

// keepSecrets fills in the value of each secret sent back by id alone
// (as a read returned it) from the stored subscription, with its creation
// time: a read, change and update cycle keeps the secrets. An id the
// subscription does not have stays empty, and the store refuses it.
func (s *Server) keepSecrets(ctx context.Context, st store.Store, sub *ledgerv1.Subscription) error {
	var byID []*ledgerv1.SigningSecret
	for _, sec := range sub.GetSecrets() {
		if sec.GetSecret() == "" && sec.GetId() != "" {
			byID = append(byID, sec)
		}
	}
	if len(byID) == 0 {
		return nil
	}
	cur, err := st.GetSubscription(ctx, &ledgerv1.GetSubscriptionRequest{Name: sub.GetName()})
	if err != nil {
		return err
	}
	stored := map[string]*ledgerv1.SigningSecret{}
	for _, sec := range cur.GetSubscription().GetSecrets() {
		stored[sec.GetId()] = sec
	}
	for _, sec := range byID {
		if old, ok := stored[sec.GetId()]; ok {
			sec.Secret, sec.CreatedAt = old.GetSecret(), old.GetCreatedAt()
		}
	}
	return nil
}

// keepStartFrom keeps the stored start_from through an update that leaves
// it unset, and refuses one that changes it: the backfill was decided when
// the subscription was created (to deliver older events later, use
// RedeliverSubscription).
func keepStartFrom(ctx context.Context, st store.Store, sub *ledgerv1.Subscription) error {
	if sub == nil || sub.GetName() == "" {
		return nil // the store says what is missing
	}
	cur, err := st.GetSubscription(ctx, &ledgerv1.GetSubscriptionRequest{Name: sub.GetName()})
	if err != nil {
		return err
	}
	stored := cur.GetSubscription().GetStartFrom()
	switch t := sub.GetStartFrom(); {
	case t == nil:
		sub.StartFrom = stored
	case stored == nil || !t.AsTime().Truncate(time.Microsecond).Equal(stored.AsTime()):
		return fmt.Errorf("update subscription %q: start_from cannot be changed (it starts a backfill only at creation; "+
			"use :redeliver for older events): %w", sub.GetName(), apperr.ErrInvalid)
	}
	return nil
}

// CreateSubscription creates a subscription.
func (s *Server) CreateSubscription(ctx context.Context, req *ledgerv1.CreateSubscriptionRequest) (*ledgerv1.CreateSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	if err := s.checkTarget(ctx, "create subscription", req.GetSubscription()); err != nil {
		return nil, err
	}
	if err := store.CheckStartFrom("create subscription", req.GetSubscription(), time.Now()); err != nil {
		return nil, err
	}
	resp, err := st.CreateSubscription(ctx, req)
	if err == nil {
		redact(resp.GetSubscription())
		s.log.Info("subscription created", slog.String("subscription", resp.GetSubscription().GetName()),
			slog.String("target", resp.GetSubscription().GetTarget()))
	}
	return resp, err
}

// UpdateSubscription replaces a subscription's settings.
func (s *Server) UpdateSubscription(ctx context.Context, req *ledgerv1.UpdateSubscriptionRequest) (*ledgerv1.UpdateSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	if err := s.checkTarget(ctx, "update subscription", req.GetSubscription()); err != nil {
		return nil, err
	}
	if err := s.keepSecrets(ctx, st, req.GetSubscription()); err != nil {
		return nil, err
	}
	if err := keepStartFrom(ctx, st, req.GetSubscription()); err != nil {
		return nil, err
	}
	resp, err := st.UpdateSubscription(ctx, req)
	if err == nil {
		redact(resp.GetSubscription())
		s.log.Info("subscription updated", slog.String("subscription", resp.GetSubscription().GetName()),
			slog.String("target", resp.GetSubscription().GetTarget()), slog.Bool("paused", resp.GetSubscription().GetPaused()))
	}
	return resp, err
}

// GetSubscription returns one subscription.
func (s *Server) GetSubscription(ctx context.Context, req *ledgerv1.GetSubscriptionRequest) (*ledgerv1.GetSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.GetSubscription(ctx, req)
	redact(resp.GetSubscription())
	return resp, err
}

// ListSubscriptions returns every subscription, by name.
func (s *Server) ListSubscriptions(ctx context.Context, req *ledgerv1.ListSubscriptionsRequest) (*ledgerv1.ListSubscriptionsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.ListSubscriptions(ctx, req)
	redact(resp.GetSubscriptions()...)
	return resp, err
}

// PauseSubscription stops deliveries for a subscription.
func (s *Server) PauseSubscription(ctx context.Context, req *ledgerv1.PauseSubscriptionRequest) (*ledgerv1.PauseSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.PauseSubscription(ctx, req)
	if err == nil {
		redact(resp.GetSubscription())
		s.log.Info("subscription paused", slog.String("subscription", req.GetName()))
	}
	return resp, err
}

// ResumeSubscription resumes a paused subscription.
func (s *Server) ResumeSubscription(ctx context.Context, req *ledgerv1.ResumeSubscriptionRequest) (*ledgerv1.ResumeSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.ResumeSubscription(ctx, req)
	if err == nil {
		redact(resp.GetSubscription())
		s.log.Info("subscription resumed", slog.String("subscription", req.GetName()))
	}
	return resp, err
}

// DeleteSubscription removes a subscription, cancelling its pending
// deliveries and keeping every delivery with its history.
func (s *Server) DeleteSubscription(ctx context.Context, req *ledgerv1.DeleteSubscriptionRequest) (*ledgerv1.DeleteSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.DeleteSubscription(ctx, req)
	if err == nil {
		s.log.Info("subscription deleted", slog.String("subscription", req.GetName()), slog.Int64("cancelled", resp.GetCancelled()))
	}
	return resp, err
}
