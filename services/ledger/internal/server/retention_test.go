package server

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"google.golang.org/grpc/codes"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
)

// plainStore hides its store's retention methods: a store without
// retention.
type plainStore struct{ store.Store }

// TestApplyRetentionRefused: FAILED_PRECONDITION without a policy, with a
// policy that drops nothing, and on a store without retention; a store
// with it runs the pass.
func TestApplyRetentionRefused(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	p, err := retention.Parse("bodies=7d")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name   string
		st     store.Store
		policy *retention.Policy
		want   codes.Code
	}{
		{"no policy", st, nil, codes.FailedPrecondition},
		{"a policy that drops nothing", st, &retention.Policy{DedupHorizon: retention.DefaultDedupHorizon}, codes.FailedPrecondition},
		{"a store without retention", plainStore{st}, &p, codes.FailedPrecondition},
		{"both", st, &p, codes.OK},
	} {
		s := New(log, c.st)
		s.Retention = c.policy
		resp, err := s.ApplyRetention(t.Context(), &ledgerv1.ApplyRetentionRequest{DryRun: true})
		if got := apperr.Code(err); got != c.want {
			t.Errorf("%s: ApplyRetention = %v, %v; want %v", c.name, resp, err, c.want)
		}
		if err == nil && (!resp.GetDryRun() || resp.GetPolicy() != "bodies=1w" || len(resp.GetTables()) == 0) {
			t.Errorf("%s: ApplyRetention = %v", c.name, resp)
		}
	}
}
