package ledger

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// listen keeps the store's notification listener running until ctx is
// done, reconnecting with jittered backoff when its connection drops. The
// store calls notify(nil) after every (re)connect, so streams are woken for
// whatever was committed while nobody listened; the dispatchers' polling
// covers the gap in between. attached is called once the listener listens,
// or once it failed to: the ledger then serves anyway, since Records do
// not depend on notifications (it may be called more than once).
func listen(ctx context.Context, st store.Store, notify func([]string), attached func(), log *slog.Logger) {
	backoff := minBackoff
	for ctx.Err() == nil {
		listening := false
		err := st.Listen(ctx, func(subs []string) {
			if !listening {
				listening = true // Listen calls back on this goroutine
				attached()
			}
			notify(subs)
		})
		if ctx.Err() != nil {
			return
		}
		attached()
		if listening {
			backoff = minBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		log.Warn("delivery notifications lost; listening again",
			slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
