// Package console is the web console of the edge's admin listener
// (/console/): server-rendered pages (html/template, htmx for partial
// updates) over the public admin REST API.
//
// The console holds no power of its own. Every page calls the admin REST
// API in process, through the same handler as any client (token guard
// included), with the token the operator signed in with; so it can never
// do more than the API allows, and a wrong token is refused by the API
// itself. The token is posted once to the sign-in form and kept in an
// HttpOnly, SameSite=Strict cookie (Secure on TLS, or behind a trusted
// proxy that says HTTPS); it never appears in a
// URL, a page or a log. State-changing requests need a CSRF token derived
// from the session (an HMAC of the cookie), and a matching Origin when the
// browser sends one.
package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Prefix is where the console is served on the admin listener.
const Prefix = "/console/"

// cookieName holds the admin token of a signed-in browser.
const cookieName = "hookmesh_console"

// csrfHeader carries the CSRF token on htmx requests (set by hx-headers
// on <body>); plain forms send it as the csrfField.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "csrf"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*.js static/*.css
var staticFS embed.FS

// Options configures the console.
type Options struct {
	// API is the admin listener's handler (REST API, /metrics), token
	// guard included: the console calls it in process for every page.
	API http.Handler
	// SignIn says that the API requires the admin token
	// (HOOKMESH_ADMIN_TOKEN is set): the console then asks for it. Without
	// it the API is open on loopback, and so is the console.
	SignIn bool
	// Log receives failures of the console's own (never the token).
	Log *slog.Logger
	// TrustProxyHeaders (HOOKMESH_TRUST_PROXY_HEADERS) marks the session
	// cookie Secure when X-Forwarded-Proto says the browser came over
	// HTTPS to a proxy in front, as well as on direct TLS. Only behind a
	// proxy that sets the header itself.
	TrustProxyHeaders bool
}

// Console serves the pages.
type Console struct {
	api    http.Handler
	signIn bool
	// trustProxy: see Options.TrustProxyHeaders.
	trustProxy bool
	log        *slog.Logger
	pages      *pages
	// openKey keys the CSRF token when there is no sign-in (no cookie
	// to derive it from): random per process.
	openKey []byte
	stats   *sampler
	mux     *http.ServeMux
}

// Mount returns a handler that serves the console under Prefix and
// everything else with next (the admin handler).
func Mount(next http.Handler, o Options) http.Handler {
	c := New(o)
	mux := http.NewServeMux()
	mux.Handle(Prefix, c)
	mux.Handle("GET /console", http.RedirectHandler(Prefix, http.StatusFound))
	mux.Handle("/", next)
	return mux
}

// New returns the console.
func New(o Options) *Console {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	c := &Console{api: o.API, signIn: o.SignIn, trustProxy: o.TrustProxyHeaders, log: o.Log, openKey: key, pages: mustPages(o.Log), stats: newSampler()}
	c.mux = c.buildMux()
	return c
}

// ServeHTTP routes the console's requests.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything the console loads is its own: no CDN, no inline script.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer a browser sends
	// "Origin: null" on its form posts, which sameOrigin refuses.
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) buildMux() *http.ServeMux {
	mux := http.NewServeMux()
	static := http.FileServerFS(staticFS)
	mux.Handle("GET /console/static/", http.StripPrefix("/console", cacheStatic(static)))
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signInPost)
	mux.HandleFunc("POST /console/signout", c.mutating(c.signOut))

	mux.HandleFunc("GET /console/{$}", c.page(c.overview))
	mux.HandleFunc("GET /console/overview/stats", c.page(c.overviewStats))
	mux.HandleFunc("GET /console/events", c.page(c.events))
	mux.HandleFunc("GET /console/events/find", c.page(c.findEvent))
	mux.HandleFunc("GET /console/events/{platform}/{id}", c.page(c.event))
	mux.HandleFunc("POST /console/events/{platform}/{id}/renormalize", c.mutating(c.renormalize))
	mux.HandleFunc("GET /console/deadletters", c.page(c.deadLetters))
	mux.HandleFunc("POST /console/deadletters/replay", c.mutating(c.replayDeadLetters))
	mux.HandleFunc("POST /console/deadletters/{id}/replay", c.mutating(c.replayDeadLetter))
	mux.HandleFunc("GET /console/subscriptions", c.page(c.subscriptions))
	mux.HandleFunc("GET /console/subscriptions/new", c.page(c.newSubscription))
	mux.HandleFunc("POST /console/subscriptions", c.mutating(c.createSubscription))
	mux.HandleFunc("GET /console/subscriptions/{name}/edit", c.page(c.editSubscription))
	mux.HandleFunc("POST /console/subscriptions/{name}", c.mutating(c.updateSubscription))
	mux.HandleFunc("POST /console/subscriptions/{name}/{action}", c.mutating(c.subscriptionAction))
	mux.HandleFunc("GET /console/subscriptions/{name}/redeliver", c.page(c.redeliverPage))
	mux.HandleFunc("POST /console/subscriptions/{name}/redeliver", c.mutating(c.redeliver))
	mux.HandleFunc("GET /console/jobs", c.page(c.jobs))
	mux.HandleFunc("GET /console/jobs/list", c.page(c.jobsList))
	mux.HandleFunc("POST /console/jobs/{id}/cancel", c.mutating(c.cancelJob))
	mux.HandleFunc("GET /console/live", c.page(c.live))
	mux.HandleFunc("GET /console/live/stream", c.page(c.liveStream))
	return mux
}

// cacheStatic lets browsers keep the embedded assets for an hour; they
// change only with the binary.
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// session is one request's view of the signed-in operator.
type session struct {
	// token is the admin token from the cookie ("" without sign-in).
	token string
	// csrf is the token state-changing requests must carry.
	csrf string
}

// sessionOf returns the request's session; ok is false when sign-in is
// required and the request has no cookie.
func (c *Console) sessionOf(r *http.Request) (session, bool) {
	if !c.signIn {
		return session{csrf: csrfToken(c.openKey)}, true
	}
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return session{}, false
	}
	return session{token: ck.Value, csrf: csrfToken([]byte(ck.Value))}, true
}

// csrfToken is an HMAC of the session's secret: stable for the session,
// useless to forge without it, and the same on every edge replica (no
// server-side state).
func csrfToken(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("hookmesh-console-csrf-v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// handlerFunc is a console page: it gets the session and returns an error
// to show (an *apiError from the API, or a plain failure).
type handlerFunc func(w http.ResponseWriter, r *http.Request, s session) error

// page wraps a read-only handler: it sends browsers without a session to
// the sign-in page, and renders errors.
func (c *Console) page(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.sessionOf(r)
		if !ok {
			c.toSignIn(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	}
}

// mutating is page for state-changing requests: it also checks the CSRF
// token and the Origin.
func (c *Console) mutating(h handlerFunc) http.HandlerFunc {
	return c.page(func(w http.ResponseWriter, r *http.Request, s session) error {
		if !sameOrigin(r) {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return nil
		}
		got := r.Header.Get(csrfHeader)
		if got == "" {
			got = r.PostFormValue(csrfField)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
			http.Error(w, "missing or stale CSRF token: reload the page", http.StatusForbidden)
			return nil
		}
		return h(w, r, s)
	})
}

// sameOrigin reports whether the request's Origin (when the browser sends
// one: every modern browser does on POST) is this listener's.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// toSignIn sends the browser to the sign-in page (htmx: a full redirect).
func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", Prefix+"signin")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

// fail renders err: an API refusal of the token signs the browser out.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s session, err error) {
	if ae, ok := err.(*apiError); ok && ae.Status == http.StatusUnauthorized {
		c.clearCookie(w, r)
		c.toSignIn(w, r)
		return
	}
	status := http.StatusBadGateway
	msg := err.Error()
	if ae, ok := err.(*apiError); ok {
		status, msg = ae.Status, ae.Message
	} else {
		c.log.Warn("console page failed", slog.String("path", r.URL.Path), slog.String("error", msg))
	}
	w.WriteHeader(status)
	c.pages.render(w, r, "error", s, map[string]any{"Title": "Error", "Status": status, "Message": msg})
}

// signInPage shows the form (or, without sign-in, goes to the overview).
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if !c.signIn {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	c.pages.render(w, r, "signin", session{}, map[string]any{"Title": "Sign in"})
}

// signInPost checks the posted token against the API itself and keeps it
// in the cookie. The token is never logged.
func (c *Console) signInPost(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !sameOrigin(r) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	if !c.signIn {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" || !c.tokenAccepted(r, token) {
		w.WriteHeader(http.StatusUnauthorized)
		c.pages.render(w, r, "signin", session{}, map[string]any{"Title": "Sign in", "Error": "The admin API refused this token."})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: token, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.secure(r),
	})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// tokenAccepted asks the API: a guarded route answers 401 to a wrong
// token, so the console's check is exactly the API's.
func (c *Console) tokenAccepted(r *http.Request, token string) bool {
	_, err := c.call(r, session{token: token}, http.MethodGet, "/v1/openapi.json", nil, nil)
	return err == nil
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, _ session) error {
	c.clearCookie(w, r)
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
	return nil
}

func (c *Console) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.secure(r),
	})
}

// secure reports whether the browser reached us over HTTPS: TLS on this
// listener, or, with trusted proxy headers, a proxy's X-Forwarded-Proto
// (its first value: the proxy nearest the browser) of https.
func (c *Console) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !c.trustProxy {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}
