package server

import (
	"context"
	"log/slog"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// CreateSubscription creates a subscription.
func (s *Server) CreateSubscription(ctx context.Context, req *ledgerv1.CreateSubscriptionRequest) (*ledgerv1.CreateSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.CreateSubscription(ctx, req)
	if err == nil {
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
	resp, err := st.UpdateSubscription(ctx, req)
	if err == nil {
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
	return st.GetSubscription(ctx, req)
}

// ListSubscriptions returns every subscription, by name.
func (s *Server) ListSubscriptions(ctx context.Context, req *ledgerv1.ListSubscriptionsRequest) (*ledgerv1.ListSubscriptionsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.ListSubscriptions(ctx, req)
}

// PauseSubscription stops deliveries for a subscription.
func (s *Server) PauseSubscription(ctx context.Context, req *ledgerv1.PauseSubscriptionRequest) (*ledgerv1.PauseSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.PauseSubscription(ctx, req)
	if err == nil {
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
		s.log.Info("subscription resumed", slog.String("subscription", req.GetName()))
	}
	return resp, err
}
