package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// fakeEdge verifies requests as the edge does under HOOKMESH_DEV_SECRETS
// (development secrets, the URL rebuilt from the Host header), and the
// configured sources srcs with secrets (name -> the edge's secret), and
// answers 202, or 401 with the reason. The real edge with a ledger is
// exercised elsewhere; this pins what send puts on the wire. keys counts
// the distinct event keys of each configured source.
func fakeEdge(t *testing.T, srcs []sources.Source, secrets map[string]string) (srv *httptest.Server, got func() map[string]int, keys func() map[string]int) {
	t.Helper()
	var mu sync.Mutex
	accepted := map[string]int{}
	seen := map[string]map[string]bool{}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/webhooks/")
		body, _ := io.ReadAll(r.Body)
		var src *sources.Source
		for i := range srcs {
			if srcs[i].Name == p {
				src = &srcs[i]
			}
		}
		var v verify.Verifier
		var err error
		if src != nil {
			v, err = verify.Generic(*src, []string{secrets[p]})
		} else {
			v, err = verify.New(p, []string{edge.DevSecrets[p]}, 0)
		}
		if err == nil {
			err = v.Verify(verify.Request{Header: r.Header, Body: body, Method: r.Method, URL: "http://" + r.Host + r.RequestURI})
		}
		var key eventkey.Key
		if err == nil && src != nil {
			h := map[string]string{}
			for k := range r.Header {
				h[strings.ToLower(k)] = r.Header.Get(k)
			}
			key, err = eventkey.DeriveWith(src.Dedup, h, body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		accepted[p]++
		if src != nil {
			if seen[p] == nil {
				seen[p] = map[string]bool{}
			}
			seen[p][key.EventID] = true
		}
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv, func() map[string]int {
			mu.Lock()
			defer mu.Unlock()
			return maps.Clone(accepted)
		}, func() map[string]int {
			mu.Lock()
			defer mu.Unlock()
			n := map[string]int{}
			for p, ks := range seen {
				n[p] = len(ks)
			}
			return n
		}
}

// TestSendSignsEveryPlatform runs `hookmesh send <p> --count 3` for every
// platform against the fake edge: every webhook verifies, including the
// URL-signed and body-signed ones.
func TestSendSignsEveryPlatform(t *testing.T) {
	srv, got, _ := fakeEdge(t, nil, nil)
	for _, p := range sample.Platforms() {
		t.Setenv("HOOKMESH_SECRET_"+strings.ToUpper(p), "")
		t.Setenv("HOOKMESH_SIGNING_KEY_"+strings.ToUpper(p), "")
		if out, errOut, code := runCLI(t, os.LookupEnv, "send", p, "--count", "3", "--edge", srv.URL); code != 0 {
			t.Errorf("send %s: exit %d\n%s%s", p, code, out, errOut)
		}
	}
	for _, p := range sample.Platforms() {
		if got()[p] != 3 {
			t.Errorf("%s: the edge accepted %d of 3", p, got()[p])
		}
	}
}

// TestSendSecrets: a configured secret is used (so the dev-secret edge
// rejects it), and a discord public key other than the development one
// without its private key is refused before anything is sent.
func TestSendSecrets(t *testing.T) {
	srv, _, _ := fakeEdge(t, nil, nil)
	t.Setenv("HOOKMESH_SECRET_STRIPE", "whsec_not_the_dev_one,whsec_other")
	if err := sendErr(t, "stripe", "--edge", srv.URL); err == nil {
		t.Error("stripe signed with a configured secret was accepted by a dev-secret edge")
	}
	pub, priv, err := verify.DevKeyPair("discord")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOOKMESH_SECRET_DISCORD", "11"+pub[2:])
	if err := sendErr(t, "discord", "--edge", srv.URL); err == nil || !strings.Contains(err.Error(), "HOOKMESH_SIGNING_KEY_DISCORD") {
		t.Errorf("discord with a foreign public key and no signing key: %v", err)
	}
	// The development public key configured explicitly still pairs with
	// the development private key; a configured private key is used as is.
	t.Setenv("HOOKMESH_SECRET_DISCORD", pub)
	if err := sendErr(t, "discord", "--edge", srv.URL); err != nil {
		t.Errorf("discord with the development public key: %v", err)
	}
	t.Setenv("HOOKMESH_SIGNING_KEY_DISCORD", priv)
	if err := sendErr(t, "discord", "--type", "ping", "--edge", srv.URL); err != nil {
		t.Errorf("discord with HOOKMESH_SIGNING_KEY_DISCORD: %v", err)
	}
}

// testSources defines acme (HMAC-SHA256 over "{timestamp}.{body}", the id
// in the body, as the benchmark's configured source) and beta (Ed25519
// over "{id}.{body}", the id in a header).
const testSources = `sources:
  - name: acme
    signature:
      header: X-Acme-Signature
      algorithm: hmac-sha256
      encoding: hex
      prefix: "sha256="
      content: "{timestamp}.{body}"
      timestamp_header: X-Acme-Timestamp
    dedup:
      json_path: id
    normalize:
      type_path: type
      types:
        order.paid: EVENT_TYPE_PAYMENT_COMPLETED
      entity_type: order
      entity_id_path: data.order.id
      amount_path: data.order.total
      currency_path: data.order.currency
      amount_format: decimal
  - name: beta
    signature:
      header: X-Beta-Signature
      algorithm: ed25519
      encoding: base64
      content: "{id}.{body}"
      id_header: X-Beta-Id
    dedup:
      header: X-Beta-Id
    normalize:
      type_path: kind
`

// writeSources writes testSources to a file and returns its path.
func writeSources(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sources.yaml")
	if err := os.WriteFile(path, []byte(testSources), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSendConfiguredSources: send signs the sources of
// HOOKMESH_SOURCES_FILE with their own schemes (HMAC with the configured
// secret, Ed25519 with HOOKMESH_SIGNING_KEY_), each webhook with a fresh
// key the edge can derive, and says what is missing otherwise.
func TestSendConfiguredSources(t *testing.T) {
	t.Parallel()
	path := writeSources(t)
	srcs, err := sources.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	const acmeSecret = "acme-secret-0123456789"
	srv, got, keys := fakeEdge(t, srcs, map[string]string{"acme": acmeSecret, "beta": hex.EncodeToString(pub)})
	env := map[string]string{
		"HOOKMESH_SOURCES_FILE":     path,
		"HOOKMESH_EDGE_URL":         srv.URL,
		"HOOKMESH_SECRET_ACME":      acmeSecret + ",an-older-one",
		"HOOKMESH_SIGNING_KEY_BETA": hex.EncodeToString(priv.Seed()),
	}
	for _, p := range []string{"acme", "beta"} {
		if out, errOut, code := runCLI(t, mapLookup(env), "send", p, "--count", "3"); code != 0 {
			t.Errorf("send %s: exit %d\n%s%s", p, code, out, errOut)
		}
	}
	if g, k := got(), keys(); g["acme"] != 3 || g["beta"] != 3 || k["acme"] != 3 || k["beta"] != 3 {
		t.Errorf("accepted %v with distinct keys %v, want 3 of each", g, k)
	}

	file := filepath.Join(t.TempDir(), "order.json")
	if err := os.WriteFile(file, []byte(`{"id":"evt_from_file","type":"order.paid"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, mapLookup(env), "send", "acme", "--file", file)
	if code != 0 || !strings.HasPrefix(out, "acme evt_from_file 202") {
		t.Errorf("send acme --file: exit %d\n%s%s", code, out, errOut)
	}

	delete(env, "HOOKMESH_SECRET_ACME")
	delete(env, "HOOKMESH_SIGNING_KEY_BETA")
	for p, want := range map[string]string{"acme": "HOOKMESH_SECRET_ACME", "beta": "HOOKMESH_SIGNING_KEY_BETA"} {
		if _, errOut, code := runCLI(t, mapLookup(env), "send", p); code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("send %s without its secret: exit %d, stderr %q; want 1 naming %s", p, code, errOut, want)
		}
	}
}

// TestSendConfiguredSourceThroughSystem: a webhook send builds for a
// configured source from its paths is verified by the real edge and
// normalized as the source says.
func TestSendConfiguredSourceThroughSystem(t *testing.T) {
	t.Parallel()
	const secret = "acme-secret-0123456789"
	path := writeSources(t)
	s := startSystem(t, map[string]string{
		"HOOKMESH_DATA_DIR":      t.TempDir(),
		"HOOKMESH_DEV_SECRETS":   "true",
		"HOOKMESH_SOURCES_FILE":  path,
		"HOOKMESH_SECRET_ACME":   secret,
		"HOOKMESH_DISPATCHER_ID": "test-send-configured",
	})
	env := mapLookup(map[string]string{
		"HOOKMESH_SOURCES_FILE":  path,
		"HOOKMESH_SECRET_ACME":   secret,
		"HOOKMESH_EDGE_URL":      s.edgeURL,
		"HOOKMESH_LEDGER_TARGET": s.ledger.GRPCListener.Addr().String(),
	})
	out, errOut, code := runCLI(t, env, "send", "acme")
	f := strings.Fields(out)
	if code != 0 || len(f) < 3 || f[2] != "202" {
		t.Fatalf("send acme: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, env, "events", "get", "acme", f[1], "-o", "json")
	var doc struct {
		Event struct {
			Event struct {
				EventType string `json:"event_type"`
				EntityID  string `json:"entity_id"`
				Amount    struct {
					MinorUnits string `json:"minor_units"`
					Currency   string `json:"currency"`
				} `json:"amount"`
			} `json:"event"`
		} `json:"event"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("events get acme: exit %d\n%s%s", code, out, errOut)
	}
	if ev := doc.Event.Event; ev.EventType != "EVENT_TYPE_PAYMENT_COMPLETED" || ev.EntityID == "" ||
		ev.Amount.MinorUnits != "1999" || ev.Amount.Currency != "USD" {
		t.Errorf("acme normalized as %+v, want a payment of 1999 USD with its order id", ev)
	}
}
