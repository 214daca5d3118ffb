// Package load is the load generator: presigned requests, open-loop runs
// at a fixed rate measured from each request's intended send time (no
// coordinated omission), and closed-loop runs for saturation, over raw
// keep-alive HTTP/1.1 connections.
package load

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

// Kind is one webhook kind of the mix and its share.
type Kind struct {
	Platform string `json:"platform"`
	Type     string `json:"type"`
	Weight   int    `json:"weight"`
}

// DefaultMix, in parts of 200: Stripe 35 %, Shopify 22.5 %, GitHub
// 17.5 %, a source defined in configuration (ConfiguredName) 10 %, Slack
// and Standard Webhooks 7.5 % each.
var DefaultMix = []Kind{
	{"stripe", "payment_intent.succeeded", 70}, // ~2 KB
	{"shopify", "orders/create", 45},           // ~5 KB
	{"github", "push", 35},                     // ~15 KB
	{ConfiguredName, "order.paid", 20},         // ~2 KB
	{"slack", "", 15},                          // ~0.9 KB
	{"standard", "", 15},                       // ~0.3 KB
}

// Sequence returns the kind index of each of n requests, interleaved by
// smooth weighted round robin: every window of sum(weights) consecutive
// requests holds each kind exactly weight times, so any step, however
// short, has the mix.
func Sequence(mix []Kind, n int) []int {
	total := 0
	for _, k := range mix {
		total += k.Weight
	}
	cur := make([]int, len(mix))
	out := make([]int, n)
	for i := range out {
		best := 0
		for j, k := range mix {
			cur[j] += k.Weight
			if cur[j] > cur[best] {
				best = j
			}
		}
		cur[best] -= total
		out[i] = best
	}
	return out
}

// Request is one presigned webhook: the path and everything of the
// HTTP/1.1 request after the Host line (headers, blank line, body).
type Request struct {
	Platform string
	Path     string
	Rest     []byte
	BodyLen  int
}

// Build makes n requests of the mix, each with a fresh event id, signed
// at now with secrets (platform -> signing secret). Signing timestamps
// have a replay window (Stripe, Slack, Standard Webhooks: 5 minutes), so
// build right before the step that sends them.
func Build(mix []Kind, n int, secrets map[string]string, now time.Time) ([]Request, error) {
	seq := Sequence(mix, n)
	out := make([]Request, n)
	for i, ki := range seq {
		k := mix[ki]
		secret, ok := secrets[k.Platform]
		if !ok {
			return nil, fmt.Errorf("load: no signing secret for %s", k.Platform)
		}
		h, body, err := build(k, secret, now)
		if err != nil {
			return nil, err
		}
		out[i] = Request{Platform: k.Platform, Path: "/webhooks/" + k.Platform, Rest: encode(h, body), BodyLen: len(body)}
	}
	return out, nil
}

// build makes and signs one webhook of kind k.
func build(k Kind, secret string, now time.Time) (http.Header, []byte, error) {
	if k.Platform == ConfiguredName {
		body, err := configuredBody(now)
		if err != nil {
			return nil, nil, err
		}
		return signConfigured(secret, now, body), body, nil
	}
	w, err := sample.Build(k.Platform, k.Type, now)
	if err != nil {
		return nil, nil, err
	}
	h, body, err := w.Sign(secret, now, "")
	if err != nil {
		return nil, nil, fmt.Errorf("load: sign %s: %w", k.Platform, err)
	}
	return h, body, nil
}

// encode writes the headers (sorted, for reproducible bytes) with the
// Content-Length, the blank line and the body.
func encode(h http.Header, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body) + 512)
	keys := make([]string, 0, len(h))
	for k := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Connection", "Transfer-Encoding":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}
