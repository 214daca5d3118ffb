package sample

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// Configured returns a webhook of a source defined in configuration
// (HOOKMESH_SOURCES_FILE) with a fresh id. There is no template for such a
// source, so the body is built from its paths: the dedup path holds the
// id, the type path typ (default: the first type the source maps, in
// name order), and the other normalize paths plausible values, so the
// event is normalized as the source says. Paths through arrays are left
// out. Sign signs it with the source's scheme.
func Configured(src sources.Source, typ string, now time.Time) (Webhook, error) {
	n := src.Normalize
	if typ == "" {
		typ = firstType(n.Types)
	}
	id := newID(src.Name, now)
	body := map[string]any{}
	amount := any("19.99")
	if n.AmountFormat == "minor_units" {
		amount = 1999
	}
	for _, f := range []struct {
		path  string
		value any
	}{
		{src.Dedup.JSONPath, id},
		{n.TypePath, typ},
		{n.EntityIDPath, "ent_" + alnum(12)},
		{n.UserIDPath, "usr_" + alnum(12)},
		{n.TenantIDPath, "acct_" + alnum(8)},
		{n.OccurredAtPath, now.UTC().Format(time.RFC3339)},
		{n.AmountPath, amount},
		{n.CurrencyPath, "USD"},
	} {
		setPath(body, f.path, f.value)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Webhook{}, fmt.Errorf("sample %s: %w", src.Name, err)
	}
	return configuredWebhook(src, id, b), nil
}

// ConfiguredFromFile wraps a payload given by the user for a configured
// source: a fresh id goes into the dedup header when the source keys by
// one; a body-keyed payload keeps its own id.
func ConfiguredFromFile(src sources.Source, body []byte) Webhook {
	return configuredWebhook(src, newID(src.Name, time.Now()), body)
}

func configuredWebhook(src sources.Source, id string, body []byte) Webhook {
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"hookmesh-send/1"}}
	if src.Dedup.Header != "" {
		h.Set(src.Dedup.Header, id)
	}
	if src.Dedup.SourceHeader != "" {
		h.Set(src.Dedup.SourceHeader, "hookmesh-send")
	}
	if src.Signature.IDHeader != "" {
		h.Set(src.Signature.IDHeader, id)
	}
	w := Webhook{Platform: src.Name, ID: id, Header: h, Body: body, Source: &src}
	// The edge's own derivation is the faithful statement of the key.
	if k, err := eventkey.DeriveWith(src.Dedup, lowerHeaders(h), body); err == nil {
		w.EventID = k.EventID
	}
	return w
}

// firstType is the first platform type of types in name order, or a
// placeholder when the source maps none (its events are then UNMAPPED).
func firstType(types map[string]string) string {
	if len(types) == 0 {
		return "test.event"
	}
	keys := make([]string, 0, len(types))
	for k := range types {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

// setPath sets the dotted path in m, creating the objects on the way. An
// empty path sets nothing, and so does a path through an array index (a
// decimal segment: an object cannot stand in for the array) or one that
// meets a value set before: the first path set wins, the dedup id first.
func setPath(m map[string]any, path string, v any) {
	if path == "" {
		return
	}
	segs := strings.Split(path, ".")
	for _, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			return
		}
	}
	for _, s := range segs[:len(segs)-1] {
		x, taken := m[s]
		if !taken {
			x = map[string]any{}
			m[s] = x
		}
		next, ok := x.(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	if _, taken := m[segs[len(segs)-1]]; !taken {
		m[segs[len(segs)-1]] = v
	}
}
