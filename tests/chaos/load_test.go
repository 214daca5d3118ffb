package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

// key identifies an event as the sender knows it: platform and the dedup
// key sample.Build computed (the ledger's unique key adds the source, which
// the edge derives from headers the sender set, constant per platform).
type key struct{ platform, eventID string }

// sent is one distinct webhook and what happened to it.
type sent struct {
	key      key
	attempts int
	acked    bool
	ackedAt  time.Time
	// recorded: the 2xx was the 202 {"status":"accepted"} of a stored
	// event (not a handshake answer, which is not recorded).
	recorded bool
	// dupAck: the acknowledging 2xx said duplicate=true: an earlier
	// attempt was committed but its answer never reached the sender.
	dupAck bool
	// ackKey is the event_id of the 202, when it differs from key.eventID.
	ackKey string
}

// loadConfig is the generator's shape.
type loadConfig struct {
	URLs    []string      // edges' base URLs, http://host:port; attempts take turns
	Rate    float64       // new webhooks per second (open loop)
	Senders int           // concurrent senders
	MaxWait time.Duration // a sender gives up this long after the load stops
}

// generator sends webhooks of every platform at a fixed rate, each retried
// like a platform retries (any non-2xx or transport error, exponential
// backoff capped at 2 s) until it gets a 2xx.
type generator struct {
	cfg       loadConfig
	platforms []string
	client    *http.Client
	queue     chan *sent
	wg        sync.WaitGroup
	giveUp    atomic.Int64 // unix nanos after which senders stop retrying; 0 = never

	mu     sync.Mutex
	events []*sent

	attempts  atomic.Int64
	failures  atomic.Int64 // non-2xx answers and transport errors
	lastAck   atomic.Int64 // unix nanos of the latest 2xx
	statusMu  sync.Mutex
	byOutcome map[string]int64
	lagged    atomic.Int64 // ticks that found the queue full
	buildErrs atomic.Int64
}

func newGenerator(cfg loadConfig) *generator {
	return &generator{
		cfg:       cfg,
		platforms: sample.Platforms(),
		client: &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        cfg.Senders,
				MaxIdleConnsPerHost: cfg.Senders,
				IdleConnTimeout:     30 * time.Second,
			},
		},
		queue:     make(chan *sent, 1<<16),
		byOutcome: map[string]int64{},
	}
}

// run generates webhooks until ctx is done, then closes the queue; the
// senders keep retrying what they hold. Call wait to collect them.
func (g *generator) run(ctx context.Context) {
	for range g.cfg.Senders {
		g.wg.Add(1)
		go g.sender()
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / g.cfg.Rate))
	defer tick.Stop()
	defer close(g.queue)
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p := g.platforms[n%len(g.platforms)]
		n++
		s := &sent{key: key{platform: p}}
		g.mu.Lock()
		g.events = append(g.events, s)
		g.mu.Unlock()
		select {
		case g.queue <- s:
		default:
			g.lagged.Add(1)
			g.queue <- s // open loop: the event exists; it waits for a sender
		}
	}
}

// wait waits for the senders to drain the queue; after maxWait they stop
// retrying and what they hold stays unacknowledged.
func (g *generator) wait() {
	g.giveUp.Store(time.Now().Add(g.cfg.MaxWait).UnixNano())
	g.wg.Wait()
}

func (g *generator) sender() {
	defer g.wg.Done()
	for s := range g.queue {
		g.deliver(s)
	}
}

// deliver builds the webhook (a fresh event id) and sends it until a 2xx.
// Each attempt is signed afresh at its own time, as Stripe and the
// Standard Webhooks senders do; the id, and so the dedup key, stays.
func (g *generator) deliver(s *sent) {
	w, err := sample.Build(s.key.platform, "", time.Now())
	if err != nil {
		g.buildErrs.Add(1)
		g.count("build error")
		return
	}
	g.mu.Lock()
	s.key.eventID = w.EventID
	g.mu.Unlock()
	first := int(g.attempts.Load()) // spreads first attempts over the edges
	for attempt := 0; ; attempt++ {
		// An event's attempts take turns over the edges, as a load
		// balancer in front of several would: its retry reaches the next
		// edge, so one that died cannot hold it.
		url := g.cfg.URLs[(first+attempt)%len(g.cfg.URLs)] + "/webhooks/" + w.Platform
		if gu := g.giveUp.Load(); gu != 0 && time.Now().UnixNano() > gu {
			g.count("gave up")
			return
		}
		g.attempts.Add(1)
		g.mu.Lock()
		s.attempts++
		g.mu.Unlock()
		ok, body := g.send(w, url)
		if ok {
			var ack struct {
				Status    string `json:"status"`
				EventID   string `json:"event_id"`
				Duplicate bool   `json:"duplicate"`
			}
			g.mu.Lock()
			s.acked, s.ackedAt = true, time.Now()
			if json.Unmarshal(body, &ack) == nil && ack.Status == "accepted" {
				s.recorded, s.dupAck = true, ack.Duplicate
				if ack.EventID != s.key.eventID {
					s.ackKey = ack.EventID
				}
			}
			g.mu.Unlock()
			g.lastAck.Store(time.Now().UnixNano())
			return
		}
		g.failures.Add(1)
		d := min(2*time.Second, 100*time.Millisecond<<min(attempt, 10))
		d = d/2 + mrand.N(d/2+1) // jitter: between half and the full delay
		time.Sleep(d)
	}
}

// send makes one attempt and reports whether it was a 2xx, with its body.
func (g *generator) send(w sample.Webhook, url string) (bool, []byte) {
	h, body, err := w.Sign(edge.DevSigningSecrets[w.Platform], time.Now(), url)
	if err != nil {
		g.count("sign error")
		return false, nil
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		g.count("request error")
		return false, nil
	}
	req.Header = h
	resp, err := g.client.Do(req)
	if err != nil {
		g.count("transport error")
		return false, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	g.count(fmt.Sprintf("HTTP %d", resp.StatusCode))
	return resp.StatusCode >= 200 && resp.StatusCode < 300, b
}

func (g *generator) count(outcome string) {
	g.statusMu.Lock()
	g.byOutcome[outcome]++
	g.statusMu.Unlock()
}

// outcomes returns the attempt outcomes, most frequent first.
func (g *generator) outcomes() string {
	g.statusMu.Lock()
	defer g.statusMu.Unlock()
	type kv struct {
		k string
		v int64
	}
	var all []kv
	for k, v := range g.byOutcome {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var b bytes.Buffer
	for i, e := range all {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", e.k, e.v)
	}
	return b.String()
}

// snapshot returns a copy of every event generated so far.
func (g *generator) snapshot() []sent {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]sent, len(g.events))
	for i, s := range g.events {
		out[i] = *s
	}
	return out
}
