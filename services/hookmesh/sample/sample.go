// Package sample builds realistic webhooks of every supported platform,
// with the headers a real sender sets and a fresh event id each time, so
// engineers (hookmesh send), the benchmark and the chaos harness can send
// traffic without an account on each platform. Signing is verify.Sign's
// job; Build only makes the unsigned request.
package sample

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// Webhook is one unsigned request.
type Webhook struct {
	// Platform is the preset name.
	Platform string
	// EventID is the dedup key the edge will derive.
	EventID string
	// Header holds the non-signature headers (event type, ids, content type).
	Header http.Header
	// Body is the payload.
	Body []byte
}

// Sign adds the platform's signature headers for secret at now.
func (w Webhook) Sign(secret string, now time.Time) (http.Header, error) {
	h, err := verify.Sign(w.Platform, secret, now, w.EventID, w.Body)
	if err != nil {
		return nil, err
	}
	for k, vs := range w.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return h, nil
}

// template renders a body for an event id and a time.
type template func(id string, now time.Time) (body string, header http.Header)

// Types returns the sample types of a platform, the first being the default.
func Types(platform string) []string {
	var out []string
	for t := range templates[platform] {
		out = append(out, t)
	}
	sort.Strings(out)
	if d, ok := defaults[platform]; ok {
		for i, t := range out {
			if t == d {
				out[0], out[i] = out[i], out[0]
			}
		}
	}
	return out
}

// Platforms returns the platforms Build knows.
func Platforms() []string {
	var out []string
	for p := range templates {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Build returns a webhook of platform and type typ ("" = the platform's
// default type) with a fresh event id.
func Build(platform, typ string, now time.Time) (Webhook, error) {
	ts, ok := templates[platform]
	if !ok {
		return Webhook{}, fmt.Errorf("no sample for platform %q (have %s)", platform, strings.Join(Platforms(), ", "))
	}
	if typ == "" {
		typ = defaults[platform]
	}
	tmpl, ok := ts[typ]
	if !ok {
		return Webhook{}, fmt.Errorf("no sample %s type %q (have %s)", platform, typ, strings.Join(Types(platform), ", "))
	}
	id := newID(platform)
	body, h := tmpl(id, now)
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "hookmesh-send/1")
	return Webhook{Platform: platform, EventID: id, Header: h, Body: []byte(body)}, nil
}

// FromFile wraps a payload given by the user; the event id is taken from
// the body for platforms that carry it there, otherwise a fresh one is set
// in the header.
func FromFile(platform string, body []byte, typeHeader string) Webhook {
	h := http.Header{"Content-Type": {"application/json"}}
	switch platform {
	case "github":
		h.Set("X-GitHub-Event", orDefault(typeHeader, "push"))
		h.Set("X-GitHub-Hook-ID", "1")
	case "shopify":
		h.Set("X-Shopify-Topic", orDefault(typeHeader, "orders/create"))
		h.Set("X-Shopify-Shop-Domain", "hookmesh-dev.myshopify.com")
	}
	return Webhook{Platform: platform, EventID: newID(platform), Header: h, Body: body}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// newID returns an id in the platform's own format.
func newID(platform string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	x := hex.EncodeToString(b[:])
	switch platform {
	case "stripe":
		return "evt_" + x
	case "slack":
		return "Ev" + strings.ToUpper(x[:10])
	case "standard":
		return "msg_" + x
	case "github", "shopify":
		return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:24] + "00000000"
	}
	return x
}
