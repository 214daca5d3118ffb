package ledger

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
)

// noRetention hides its store's retention methods.
type noRetention struct{ store.Store }

// TestRunRetentionWarns: with a policy on a store without retention the
// runner warns once and returns at once, running no pass.
func TestRunRetentionWarns(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	p, err := retention.Parse("events=30d")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	srv := server.New(log, noRetention{st})
	srv.Retention = &p
	done := make(chan struct{})
	go func() {
		runRetention(context.Background(), RetentionConfig{Policy: p, FirstPass: time.Millisecond}, srv, log)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("runRetention did not return on a store without retention")
	}
	if l := logs.String(); !strings.Contains(l, "HOOKMESH_RETENTION is set but not applied") || strings.Contains(l, "retention pass") {
		t.Errorf("logs:\n%s", l)
	}
}
