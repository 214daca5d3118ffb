package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

// fakeEdge verifies requests as the edge does under HOOKMESH_DEV_SECRETS
// (development secrets, the URL rebuilt from the Host header) and answers
// 202, or 401 with the reason. The real edge with a ledger is exercised
// elsewhere; this pins what send puts on the wire.
func fakeEdge(t *testing.T) (*httptest.Server, func() map[string]int) {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/webhooks/")
		body, _ := io.ReadAll(r.Body)
		v, err := verify.New(p, []string{edge.DevSecrets[p]}, 0)
		if err == nil {
			err = v.Verify(verify.Request{Header: r.Header, Body: body, Method: r.Method, URL: "http://" + r.Host + r.RequestURI})
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got[p]++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// TestSendSignsEveryPlatform runs `hookmesh send <p> --count 3` for every
// platform against the fake edge: every webhook verifies, including the
// URL-signed and body-signed ones.
func TestSendSignsEveryPlatform(t *testing.T) {
	srv, got := fakeEdge(t)
	for _, p := range sample.Platforms() {
		t.Setenv("HOOKMESH_SECRET_"+strings.ToUpper(p), "")
		t.Setenv("HOOKMESH_SIGNING_KEY_"+strings.ToUpper(p), "")
		var out, errOut bytes.Buffer
		if err := Send(context.Background(), []string{p, "--count", "3", "--edge", srv.URL}, &out, &errOut); err != nil {
			t.Errorf("send %s: %v\n%s%s", p, err, out.String(), errOut.String())
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
	srv, _ := fakeEdge(t)
	t.Setenv("HOOKMESH_SECRET_STRIPE", "whsec_not_the_dev_one,whsec_other")
	if err := Send(context.Background(), []string{"stripe", "--edge", srv.URL}, io.Discard, io.Discard); err == nil {
		t.Error("stripe signed with a configured secret was accepted by a dev-secret edge")
	}
	pub, priv, err := verify.DevKeyPair("discord")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOOKMESH_SECRET_DISCORD", "11"+pub[2:])
	if err := Send(context.Background(), []string{"discord", "--edge", srv.URL}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "HOOKMESH_SIGNING_KEY_DISCORD") {
		t.Errorf("discord with a foreign public key and no signing key: %v", err)
	}
	// The development public key configured explicitly still pairs with
	// the development private key; a configured private key is used as is.
	t.Setenv("HOOKMESH_SECRET_DISCORD", pub)
	if err := Send(context.Background(), []string{"discord", "--edge", srv.URL}, io.Discard, io.Discard); err != nil {
		t.Errorf("discord with the development public key: %v", err)
	}
	t.Setenv("HOOKMESH_SIGNING_KEY_DISCORD", priv)
	if err := Send(context.Background(), []string{"discord", "--type", "ping", "--edge", srv.URL}, io.Discard, io.Discard); err != nil {
		t.Errorf("discord with HOOKMESH_SIGNING_KEY_DISCORD: %v", err)
	}
}
