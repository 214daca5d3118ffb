// Package sample builds realistic webhooks of every supported platform,
// with the headers a real sender sets and a fresh event id each time, so
// engineers (hookmesh send), the benchmark and the chaos harness can send
// traffic without an account on each platform. Build only makes the
// unsigned request; Webhook.Sign signs it as the platform does, through
// verify.SignRequest, which also covers the platforms that sign the URL
// (hubspot, square, twilio) or sign inside the body (adyen, mailgun).
package sample

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// Webhook is one unsigned request.
type Webhook struct {
	// Platform is the preset name.
	Platform string
	// ID is the fresh id of this delivery, in the platform's format: the
	// event, message or delivery id the template wrote into the headers
	// or body. Sign passes it to verify.SignRequest, which signs it where
	// the platform does (standard, svix, clerk, resend, twitch).
	ID string
	// EventID is the dedup key the edge will derive (eventkey.Derive).
	// It equals ID except where the key is not a single id: adyen
	// ("pspReference:eventCode:success", or a batch hash), hubspot and
	// sendgrid batches ("batch:<sha256>"), and FromFile payloads whose
	// key is in the body. Empty when it cannot be known before signing
	// (a mailgun payload from a file without event-data.id: its key is
	// the token Sign generates).
	EventID string
	// Header holds the non-signature headers (event type, ids, content
	// type), as the platform sends them.
	Header http.Header
	// Body is the payload before signing.
	Body []byte
	// Source is set for a platform defined in configuration
	// (HOOKMESH_SOURCES_FILE): Sign signs with its scheme.
	Source *sources.Source
}

// Sign signs w as its platform does with secret at now, for a request
// POSTed to url (the full URL the edge will see: hubspot, square and
// twilio sign it; an empty url means verify.DefaultURL). It returns the
// headers to send (w.Header plus the signature headers, which win on a
// clash) and the body to send: w.Body, except for adyen and mailgun, whose
// signature goes inside the body and whose JSON is re-encoded with sorted
// keys. For discord and sendgrid secret is the private key
// (edge.DevSigningSecrets holds the development ones). A source defined in
// configuration (w.Source) is signed with its scheme (verify.SignGeneric):
// secret is its shared secret, or for ed25519 the private key.
func (w Webhook) Sign(secret string, now time.Time, url string) (http.Header, []byte, error) {
	in := verify.SignInput{Secret: secret, Now: now, ID: w.ID, Body: w.Body, Method: http.MethodPost, URL: url}
	var (
		sig  http.Header
		body = w.Body
		err  error
	)
	if w.Source != nil {
		sig, err = verify.SignGeneric(*w.Source, secret, in)
	} else {
		sig, body, err = verify.SignRequest(w.Platform, in)
	}
	if err != nil {
		return nil, nil, err
	}
	h := w.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for k, vs := range sig {
		h[k] = vs
	}
	return h, body, nil
}

// template renders a body and its headers for a fresh id at now.
type template = platform.Template

// registered returns the samples of a platform of the registry
// (services/internal/platforms); the others are defined in this package
// until they move there.
func registered(name string) (platform.Samples, bool) {
	p, ok := platforms.Lookup(name)
	return p.Samples, ok
}

// templatesOf returns the templates of a platform and its default type.
func templatesOf(name string) (ts map[string]template, def string, ok bool) {
	s, ok := registered(name)
	return s.Templates, s.Default, ok
}

// Types returns the sample types of a platform, the first being the default.
func Types(platform string) []string {
	var out []string
	ts, d, ok := templatesOf(platform)
	for t := range ts {
		out = append(out, t)
	}
	sort.Strings(out)
	if ok {
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
	out := platforms.Names()
	sort.Strings(out)
	return out
}

// Build returns a webhook of platform and type typ ("" = the platform's
// default type) with a fresh event id.
func Build(platform, typ string, now time.Time) (Webhook, error) {
	ts, def, ok := templatesOf(platform)
	if !ok {
		return Webhook{}, fmt.Errorf("no sample for platform %q (have %s)", platform, strings.Join(Platforms(), ", "))
	}
	if typ == "" {
		typ = def
	}
	tmpl, ok := ts[typ]
	if !ok {
		return Webhook{}, fmt.Errorf("no sample %s type %q (have %s)", platform, typ, strings.Join(Types(platform), ", "))
	}
	id := newID(platform, now)
	body, h := tmpl(id, now)
	if h == nil {
		h = http.Header{}
	}
	for k, vs := range idHeaders(platform, id) {
		h[k] = vs
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("User-Agent", "hookmesh-send/1")
	w := Webhook{Platform: platform, ID: id, EventID: id, Header: h, Body: []byte(body)}
	if keyedByContent(platform) {
		// The key is computed from several fields or items of the body,
		// so the edge's own derivation is the only faithful statement of it.
		k, err := eventkey.Derive(platform, lowerHeaders(h), w.Body)
		if err != nil {
			return Webhook{}, fmt.Errorf("sample %s %s: no event key: %w", platform, typ, err)
		}
		w.EventID = k.EventID
	}
	return w, nil
}

// keyedByContent reports whether platform's dedup key is not the fresh id
// itself but a function of the body (Samples.KeyedByContent): adyen
// always, hubspot and sendgrid when a batch holds several events.
func keyedByContent(platform string) bool {
	s, ok := registered(platform)
	return ok && s.KeyedByContent
}

// FromFile wraps a payload given by the user. Headers get a fresh id
// where the platform keys by a header (github, shopify, gitlab, twitch,
// the Standard Webhooks family ...) and the event-type header from
// typeHeader (or the platform's default type) where the platform sends
// one. Where the key is in the body (stripe, slack, paddle, square,
// intercom, discord, hubspot, sendgrid, adyen, mailgun) EventID is what
// the edge derives from it, or the content key the edge falls back to
// when the body has no id. twilio bodies are sent form-encoded, and
// mailgun ones form-encoded unless they are a JSON object. adyen and
// mailgun sign inside the body: Sign adds the signature there and
// re-encodes the body with sorted keys (or fields), so what is sent is
// not byte-for-byte the file; a mailgun file without event-data.id is
// keyed by the fresh token Sign generates, so EventID is empty.
func FromFile(platform string, body []byte, typeHeader string) Webhook {
	id := newID(platform, time.Now())
	h := http.Header{"Content-Type": {"application/json"}}
	switch platform {
	case "twilio":
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	case "mailgun":
		if !isJSONObject(body) {
			h.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	_, def, _ := templatesOf(platform)
	for k, v := range typeHeaders(platform, orDefault(typeHeader, def)) {
		h.Set(k, v)
	}
	for k, vs := range idHeaders(platform, id) {
		h[k] = vs
	}
	h.Set("User-Agent", "hookmesh-send/1")
	w := Webhook{Platform: platform, ID: id, Header: h, Body: body}
	switch k, err := eventkey.Derive(platform, lowerHeaders(h), body); {
	case err == nil:
		w.EventID = k.EventID
	case platform != "mailgun":
		w.EventID = eventkey.ContentKey(body).EventID // what the edge falls back to
	}
	return w
}

// typeHeaders returns the headers that name the event type for the
// platforms that send it in a header (others carry it in the body).
func typeHeaders(platform, typ string) map[string]string {
	if s, ok := registered(platform); ok {
		if s.TypeHeaders == nil {
			return nil
		}
		return s.TypeHeaders(typ)
	}
	return nil
}

// idHeaders returns the headers that carry a delivery's id, for the
// platforms the edge keys by a header. Build and FromFile both set them,
// so Sign (which sets some of them again from Webhook.ID) never disagrees.
func idHeaders(platform, id string) http.Header {
	if s, ok := registered(platform); ok {
		if s.IDHeaders == nil {
			return nil
		}
		return s.IDHeaders(id)
	}
	return nil
}

// lowerHeaders flattens h with lower-case names, as the edge passes
// headers to eventkey and the normalizer.
func lowerHeaders(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			m[strings.ToLower(k)] = vs[0]
		}
	}
	return m
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
