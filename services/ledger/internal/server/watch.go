package server

import (
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Defaults of the event stream's timing (Server.Watch).
const (
	// DefaultWatchPoll is how often an idle stream reads anyway: a
	// wake-up can be lost (a NOTIFY in a database restart), a read never.
	DefaultWatchPoll = time.Second
	// DefaultWatchHeartbeat is how long a stream stays silent before it
	// sends a progress message.
	DefaultWatchHeartbeat = 15 * time.Second
	// DefaultWatchStall is how long a client may read nothing while the
	// stream has messages for it before the stream ends with
	// RESOURCE_EXHAUSTED.
	DefaultWatchStall = 30 * time.Second
)

// Pacing of reads, not configurable: they bound the database work of one
// stream.
const (
	// watchMinInterval spaces the reads of a stream that wake-ups keep
	// waking: under a steady flow of Records a stream reads at most this
	// often, each read taking up to store.WatchPageSize events.
	watchMinInterval = 20 * time.Millisecond
	// watchPendingFirst is the first wait after a read that found events
	// held back by an older transaction; it doubles up to the poll.
	watchPendingFirst = 10 * time.Millisecond
)

// WatchTiming is the event stream's timing; zero fields take the defaults.
type WatchTiming struct {
	// Poll is how often an idle stream reads anyway (DefaultWatchPoll).
	Poll time.Duration
	// Heartbeat is the longest silence before a progress message
	// (DefaultWatchHeartbeat).
	Heartbeat time.Duration
	// Stall is how long a client may leave the stream's messages unread
	// (DefaultWatchStall).
	Stall time.Duration
}

func (w WatchTiming) withDefaults() WatchTiming {
	if w.Poll <= 0 {
		w.Poll = DefaultWatchPoll
	}
	if w.Heartbeat <= 0 {
		w.Heartbeat = DefaultWatchHeartbeat
	}
	if w.Stall <= 0 {
		w.Stall = DefaultWatchStall
	}
	return w
}

// WatchEvents streams the events recorded after the request's start, in
// stream order (see store.Position), reading them from the database: a
// stream holds at most three pages (one being read, one waiting, one
// being sent), however far behind its client is, and a client that reads
// nothing for Watch.Stall while messages wait is cut off with
// RESOURCE_EXHAUSTED. It resumes where it stopped with its last cursor.
//
// One goroutine reads and one sends, so that a Send blocked by a client
// that does not read cannot keep the stream from noticing: the handler
// returns, gRPC cancels the stream, and the blocked Send returns.
func (s *Server) WatchEvents(req *ledgerv1.WatchEventsRequest, stream grpc.ServerStreamingServer[ledgerv1.WatchEventsResponse]) error {
	st, err := s.current()
	if err != nil {
		return err
	}
	ctx := stream.Context()
	from := store.WatchFrom{Cursor: req.GetCursor()}
	if t := req.GetStartTime(); t != nil && from.Cursor == "" {
		if err := t.CheckValid(); err != nil {
			return fmt.Errorf("watch events: start_time: %v: %w", err, apperr.ErrInvalid)
		}
		at := t.AsTime()
		from.Time = &at
	}
	after, err := st.WatchStart(ctx, from)
	if err != nil {
		return err
	}
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return fmt.Errorf("watch events: send header: %w", err)
	}
	timing := s.Watch.withDefaults()
	s.Metrics.streamOpened()
	defer s.Metrics.streamClosed()

	out := make(chan []*ledgerv1.WatchEventsResponse, 1)
	sendErr := make(chan error, 1)
	// s.streams owns the sender: it ends once out is closed and its last
	// Send returned, which the stream's end guarantees.
	s.streams.Go(func() {
		for msgs := range out {
			for _, m := range msgs {
				if err := stream.Send(m); err != nil {
					sendErr <- fmt.Errorf("watch events: send: %w", err)
					return
				}
			}
		}
	})
	defer close(out)
	hand := func(msgs []*ledgerv1.WatchEventsResponse) error {
		stall := time.NewTimer(timing.Stall)
		defer stall.Stop()
		select {
		case out <- msgs:
			return nil
		case err := <-sendErr:
			return err
		case <-stall.C:
			s.Metrics.streamStalled()
			return status.Errorf(codes.ResourceExhausted,
				"watch events: the client read nothing for %s; resume from the last cursor it received", timing.Stall)
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	q := store.WatchQuery{After: after, Platform: req.GetPlatform(), EventType: int32(req.GetEventType()),
		Receipts: req.GetIncludeReceipt()}
	lastSent := time.Now()
	pending := time.Duration(0)
	for {
		changed := st.EventsChanged()
		read := time.Now()
		page, err := st.WatchEvents(ctx, q)
		if err != nil {
			return err
		}
		q.After = page.Next
		switch {
		case len(page.Events) > 0:
			msgs := make([]*ledgerv1.WatchEventsResponse, len(page.Events))
			for i, e := range page.Events {
				msgs[i] = &ledgerv1.WatchEventsResponse{Cursor: e.Cursor, Event: e.Event, Receipt: e.Receipt}
			}
			if err := hand(msgs); err != nil {
				return err
			}
			lastSent = time.Now()
		case time.Since(lastSent) >= timing.Heartbeat:
			if err := hand([]*ledgerv1.WatchEventsResponse{{Cursor: page.NextCursor}}); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		if page.Full {
			continue
		}
		wait := timing.Poll
		if page.Pending {
			// Nothing wakes the stream when the older transaction ends.
			pending = min(max(2*pending, watchPendingFirst), timing.Poll)
			wait = pending
		} else {
			pending = 0
		}
		wait = min(wait, timing.Heartbeat-time.Since(lastSent))
		timer := time.NewTimer(wait)
		select {
		case <-changed:
			timer.Reset(watchMinInterval - time.Since(read))
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		case <-timer.C:
		case <-ctx.Done():
		case <-s.hub.Done():
			timer.Stop()
			return fmt.Errorf("watch events: ledger shutting down; resume from the last cursor: %w", apperr.ErrUnavailable)
		case err := <-sendErr:
			timer.Stop()
			return err
		}
		timer.Stop()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// WaitStreams waits for the senders of ended WatchEvents streams; Run
// calls it once the server has stopped.
func (s *Server) WaitStreams() { s.streams.Wait() }
