// Package serve runs a service's listeners together and stops them in
// order. Every goroutine it starts has an owner that waits for it, so a
// service's Run returns only when all of its servers have stopped.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// ShutdownTimeout bounds how long in-flight HTTP requests may take to
// finish once shutdown starts.
const ShutdownTimeout = 10 * time.Second

// All runs every fn with a shared context. When one returns an error the
// context is cancelled so the others stop; All waits for all of them and
// returns the first error (nil when they stopped because ctx was done).
func All(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil {
				once.Do(func() { first = err })
				cancel()
			}
		}()
	}
	wg.Wait()
	return first
}

// HTTP serves srv on lis until ctx is done, then shuts it down gracefully:
// no new connections, in-flight requests finish within ShutdownTimeout.
func HTTP(ctx context.Context, srv *http.Server, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http serve %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("http shutdown %s: %w", lis.Addr(), err)
	}
	return nil
}

// Listen returns lis when it is set (tests and the one-process runner pass
// their own listeners), or a new TCP listener on addr.
func Listen(lis net.Listener, addr string) (net.Listener, error) {
	if lis != nil {
		return lis, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return l, nil
}
