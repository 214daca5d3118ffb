package ledger

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
)

// Retention timing defaults.
const (
	// DefaultRetentionInterval is the time between periodic passes
	// (HOOKMESH_RETENTION_INTERVAL).
	DefaultRetentionInterval = time.Hour
	// RetentionFirstPass is how long after start the first pass runs: the
	// ledger serves first, and a crash loop does not run a pass per start.
	RetentionFirstPass = 30 * time.Second
	// retentionPassTimeout bounds one periodic pass; a pass is batched,
	// so one cut short resumes where the next begins.
	retentionPassTimeout = 30 * time.Minute
)

// RetentionConfig is the retention part of Config.
type RetentionConfig struct {
	// Policy is HOOKMESH_RETENTION parsed, with ExportDir from
	// HOOKMESH_RETENTION_EXPORT_DIR; a policy that drops nothing turns
	// the runner off (ApplyRetention then answers FAILED_PRECONDITION).
	Policy retention.Policy
	// Interval is the time between passes; 0 means
	// DefaultRetentionInterval.
	Interval time.Duration
	// FirstPass is the delay before the first pass; 0 means
	// RetentionFirstPass.
	FirstPass time.Duration
}

// retentionFromEnv reads HOOKMESH_RETENTION, HOOKMESH_RETENTION_EXPORT_DIR
// and HOOKMESH_RETENTION_INTERVAL.
func retentionFromEnv(r *env.Reader) RetentionConfig {
	var c RetentionConfig
	p, err := retention.Parse(r.String("HOOKMESH_RETENTION", ""))
	if err != nil {
		r.Fail("HOOKMESH_RETENTION: %v", err)
	}
	c.Policy = p
	c.Policy.ExportDir = r.String("HOOKMESH_RETENTION_EXPORT_DIR", "")
	c.Interval = r.Duration("HOOKMESH_RETENTION_INTERVAL", DefaultRetentionInterval)
	if c.Interval < time.Minute {
		r.Fail("HOOKMESH_RETENTION_INTERVAL=%s: want at least 1m", c.Interval)
	}
	return c
}

// policy returns the policy for the server, nil when it drops nothing.
func (c RetentionConfig) policy() *retention.Policy {
	if !c.Policy.Enabled() {
		return nil
	}
	p := c.Policy
	return &p
}

// runRetention runs a pass FirstPass after start and every Interval after
// that, until ctx is done, through srv.Retain (which logs each pass and
// feeds the metrics). With no policy it returns at once; with a policy the
// store cannot apply it warns once and returns.
func runRetention(ctx context.Context, c RetentionConfig, srv *server.Server, log *slog.Logger) {
	if !c.Policy.Enabled() {
		return
	}
	if err := srv.RetainsData(); err != nil {
		log.Warn("HOOKMESH_RETENTION is set but not applied", slog.String("error", err.Error()))
		return
	}
	interval, first := c.Interval, c.FirstPass
	if interval <= 0 {
		interval = DefaultRetentionInterval
	}
	if first <= 0 {
		first = RetentionFirstPass
	}
	log.Info("retention on", slog.String("policy", c.Policy.String()), slog.Duration("interval", interval),
		slog.String("export_dir", c.Policy.ExportDir))
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, retentionPassTimeout)
		_, _ = srv.Retain(pctx, false) // logged by Retain
		cancel()
		t.Reset(interval)
	}
}
