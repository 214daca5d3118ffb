// Package seed reads the subscriptions file (HOOKMESH_SUBSCRIPTIONS_FILE)
// and applies it to a store at start. The file is YAML, turned into JSON
// and read with protojson, so it has exactly the shape and names of the
// Subscription message (enum names) and nothing else; durations may also
// be written the Go way ("10m", "1h30m"):
//
//	subscriptions:
//	  - name: billing
//	    target: billing.internal:9000
//	    platforms: [stripe]
//	    event_types: [EVENT_TYPE_PAYMENT_COMPLETED, EVENT_TYPE_PAYMENT_REFUNDED]
//	    timeout: 10s
//	    max_concurrency: 8
//	    retry_policy:
//	      network: {max_attempts: 8, delay: 2s, max_delay: 10m}
//
// Applying is an upsert per entry: a new name is created, an existing one
// gets the file's settings. The paused flag of an existing subscription is
// kept (an operator's pause survives a restart) unless the file says
// paused: true. Subscriptions missing from the file are left alone: the
// file seeds, the API owns.
//
// Targets must pass HOOKMESH_TARGET_ALLOW (package target) as far as that
// is known without DNS: the form and an IP literal's address. Host names
// are not looked up at start, when the cluster's DNS may not answer yet;
// the dispatcher checks their addresses at every dial.
package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// file is the document's top level; unknown keys are refused.
type file struct {
	Subscriptions []map[string]any `json:"subscriptions"`
}

// durationKeys are the Duration fields of Subscription and ClassPolicy.
var durationKeys = map[string]bool{"timeout": true, "delay": true, "max_delay": true, "maxDelay": true}

// normalizeDurations rewrites Go-style durations ("10m", "1h30m") into the
// protobuf JSON form ("600s"), which protojson alone would refuse: people
// write minutes in configuration files.
func normalizeDurations(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if str, ok := x.(string); ok && durationKeys[k] {
				d, err := time.ParseDuration(str)
				if err != nil {
					return fmt.Errorf("%s %q: want a duration such as 30s, 1m30s or 250ms", k, str)
				}
				v[k] = strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
				continue
			}
			if err := normalizeDurations(x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := normalizeDurations(x); err != nil {
				return err
			}
		}
	}
	return nil
}

// Load reads and parses the file at path, checking targets against
// targets (nil: target.Default()); errors name the file.
func Load(path string, targets *target.Policy) ([]*ledgerv1.Subscription, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("subscriptions file: %w", err)
	}
	subs, err := Parse(b, targets)
	if err != nil {
		return nil, fmt.Errorf("subscriptions file %s: %w", path, err)
	}
	return subs, nil
}

// Parse parses a subscriptions document and validates every entry as
// CreateSubscription would (but for the DNS lookup of target host names),
// so a bad file fails at start, not halfway through applying it.
func Parse(doc []byte, targets *target.Policy) ([]*ledgerv1.Subscription, error) {
	// Strict: a key given twice is an error, not "the last one wins".
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	var f file
	if !bytes.Equal(bytes.TrimSpace(js), []byte("null")) { // an empty file
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("want a mapping with one key, subscriptions: %w", err)
		}
	}
	seen := map[string]int{}
	subs := make([]*ledgerv1.Subscription, 0, len(f.Subscriptions))
	for i, m := range f.Subscriptions {
		where := fmt.Sprintf("subscriptions[%d]", i)
		if name, ok := m["name"].(string); ok {
			where = fmt.Sprintf("subscriptions[%d] (%s)", i, name)
		}
		if err := normalizeDurations(m); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		sub := &ledgerv1.Subscription{}
		if err := protojson.Unmarshal(raw, sub); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if sub.GetCreatedAt() != nil || sub.GetUpdatedAt() != nil {
			return nil, fmt.Errorf("%s: created_at and updated_at are set by the ledger", where)
		}
		// A backfill is started once, by CreateSubscription; a file applied
		// at every start cannot say "once".
		if sub.GetStartFrom() != nil {
			return nil, fmt.Errorf("%s: start_from is not taken from this file: create the subscription through the API (POST /v1/subscriptions) to backfill it, or redeliver (POST /v1/subscriptions/{name}:redeliver)", where)
		}
		if _, err := store.PrepareSubscription("subscription", sub); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if _, err := targets.Check(sub.GetTarget()); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if err := store.CheckHTTPSecrets("subscription", sub); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if j, dup := seen[sub.GetName()]; dup {
			return nil, fmt.Errorf("%s: name %q already used by subscriptions[%d]", where, sub.GetName(), j)
		}
		seen[sub.GetName()] = i
		subs = append(subs, sub)
	}
	return subs, nil
}

// Upserter is the part of store.Store that Apply needs.
type Upserter interface {
	UpsertSubscription(ctx context.Context, sub *ledgerv1.Subscription) (*ledgerv1.Subscription, error)
}

// Apply upserts every subscription, in file order, and returns them as
// stored. It stops at the first error, which names the subscription.
func Apply(ctx context.Context, st Upserter, subs []*ledgerv1.Subscription) ([]*ledgerv1.Subscription, error) {
	out := make([]*ledgerv1.Subscription, 0, len(subs))
	for _, sub := range subs {
		got, err := st.UpsertSubscription(ctx, sub)
		if err != nil {
			return nil, fmt.Errorf("seed subscription %q: %w", sub.GetName(), err)
		}
		out = append(out, got)
	}
	return out, nil
}
