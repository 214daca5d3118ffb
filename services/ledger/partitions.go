package ledger

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// PartitionInterval is how often the ledger creates the day partitions
// ahead (PostgreSQL: today's and the next two days'). Hourly is far more
// often than needed, so a run that fails (a lock not granted in time, the
// database down) is retried long before a day lacks its partition.
const PartitionInterval = time.Hour

// partitioner is a store whose tables are partitioned by time and that
// must create its partitions ahead: the PostgreSQL store.
type partitioner interface {
	EnsurePartitions(ctx context.Context, now time.Time) error
}

// runPartitions creates partitions ahead every PartitionInterval until ctx
// is done, when st needs it; every ledger replica runs it (creation is
// idempotent and serialized in the database). The first run is at the
// first tick, not at once: st comes from the ledger's opener, which ran
// Migrate, and Migrate fails unless the partitions of today and the next
// two days exist. Within the hour at most one day begins, and its
// partitions are among them.
func runPartitions(ctx context.Context, st store.Store, log *slog.Logger) {
	p, ok := st.(partitioner)
	if !ok {
		return
	}
	t := time.NewTicker(PartitionInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, jobCallTimeout)
		err := p.EnsurePartitions(cctx, time.Now())
		cancel()
		if err != nil && ctx.Err() == nil {
			log.Warn("create partitions ahead; retried in an hour", slog.String("error", err.Error()))
		}
	}
}
