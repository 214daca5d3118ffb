package server

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/filter"
)

// TestFilter evaluates a filter on a stored event or a given body, as
// Record would: the same variables, the same cost limit.
func (s *Server) TestFilter(ctx context.Context, req *ledgerv1.TestFilterRequest) (*ledgerv1.TestFilterResponse, error) {
	const op = "test filter"
	prg, err := filter.Compile(req.GetFilter())
	if err != nil {
		if filter.IsCompileError(err) {
			return nil, fmt.Errorf("%s: filter: %w: %w", op, err, apperr.ErrInvalid)
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	in := &filter.Input{Event: req.GetEvent(), Platform: req.GetPlatform(), Headers: map[string]string{}}
	if req.GetEventId() != "" {
		st, err := s.current()
		if err != nil {
			return nil, err
		}
		got, err := st.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: req.GetPlatform(), EventId: req.GetEventId(), Source: req.GetSource()})
		if err != nil {
			return nil, err
		}
		rc := got.GetReceipt()
		in = &filter.Input{Event: got.GetEvent().GetEvent(), Platform: rc.GetPlatform(), Headers: rc.GetHeaders(), Body: rc.GetBody()}
	} else {
		for k, v := range req.GetHeaders() {
			in.Headers[strings.ToLower(k)] = v
		}
		if p := req.GetPayload(); p != nil {
			b, err := protojson.Marshal(p)
			if err != nil {
				return nil, fmt.Errorf("%s: payload: %v: %w", op, err, apperr.ErrInvalid)
			}
			in.Body = b
		}
	}
	matched, cost, err := prg.Eval(in)
	resp := &ledgerv1.TestFilterResponse{Matched: matched, Cost: cost}
	if err != nil {
		resp.Error = "filter: " + err.Error()
	}
	return resp, nil
}
