// Package server implements DispatcherService: what this dispatcher is
// doing, for engineers with grpcurl.
package server

import (
	"context"
	"sort"

	"github.com/sony/gobreaker/v2"

	dispatcherv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/dispatcher/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
)

// Source is what the server reports on.
type Source interface {
	InFlight() map[string]int
}

// Server is the DispatcherService.
type Server struct {
	dispatcherv1.UnimplementedDispatcherServiceServer
	id       string
	breakers *breaker.Set
	src      Source
}

// New returns a Server.
func New(id string, breakers *breaker.Set, src Source) *Server {
	return &Server{id: id, breakers: breakers, src: src}
}

// GetStatus reports breakers and in-flight work.
func (s *Server) GetStatus(context.Context, *dispatcherv1.GetStatusRequest) (*dispatcherv1.GetStatusResponse, error) {
	resp := &dispatcherv1.GetStatusResponse{DispatcherId: s.id}
	for _, b := range s.breakers.Statuses() {
		resp.Breakers = append(resp.Breakers, &dispatcherv1.Breaker{
			Target: b.Target, State: State(b.State), ConsecutiveFailures: b.ConsecutiveFailures,
		})
	}
	for sub, n := range s.src.InFlight() {
		resp.Load = append(resp.Load, &dispatcherv1.SubscriptionLoad{Subscription: sub, InFlight: int32(n)})
	}
	sort.Slice(resp.Load, func(i, j int) bool { return resp.Load[i].Subscription < resp.Load[j].Subscription })
	return resp, nil
}

// State converts a gobreaker state.
func State(s gobreaker.State) dispatcherv1.BreakerState {
	switch s {
	case gobreaker.StateClosed:
		return dispatcherv1.BreakerState_BREAKER_STATE_CLOSED
	case gobreaker.StateHalfOpen:
		return dispatcherv1.BreakerState_BREAKER_STATE_HALF_OPEN
	case gobreaker.StateOpen:
		return dispatcherv1.BreakerState_BREAKER_STATE_OPEN
	}
	return dispatcherv1.BreakerState_BREAKER_STATE_UNSPECIFIED
}
