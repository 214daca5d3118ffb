package edge

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// logScanSecrets are the edge's secrets in TestSecretsNeverLogged: every
// HMAC secret is unique and greppable; the Standard Webhooks family and
// Adyen carry encoded keys whose decoded forms are scanned for too.
func logScanSecrets(t *testing.T) (verifyWith, signWith map[string]string) {
	t.Helper()
	verifyWith, signWith = map[string]string{}, map[string]string{}
	for _, p := range verify.Platforms() {
		if verify.Asymmetric(p) {
			// The edge holds the public key (nothing secret); the sender's
			// private key is scanned for all the same.
			pub, priv, err := verify.DevKeyPair(p)
			if err != nil {
				t.Fatal(err)
			}
			verifyWith[p], signWith[p] = pub, priv
			continue
		}
		var s string
		switch p {
		case "standard", "svix", "clerk", "resend":
			s = "whsec_" + base64.StdEncoding.EncodeToString([]byte("logscan-"+p+"-decoded-key-material"))
		case "adyen":
			s = hex.EncodeToString([]byte("logscan-adyen-decoded-hmac-key"))
		default:
			s = "logscan-" + p + "-shared-secret"
		}
		verifyWith[p], signWith[p] = s, s
	}
	return verifyWith, signWith
}

// forbidden returns every form of a secret that must not be seen: as
// configured, its key material decoded (whsec_ base64, Adyen hex), and
// that material re-encoded as hex and base64.
func forbidden(platform, secret string) []string {
	forms := []string{secret}
	var key []byte
	switch {
	case strings.HasPrefix(secret, "whsec_"):
		key, _ = base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	case platform == "adyen":
		key, _ = hex.DecodeString(secret)
	default:
		key = []byte(secret)
	}
	forms = append(forms, string(key), hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key))
	var out []string
	for _, f := range forms {
		if len(f) >= 12 { // shorter forms would match by accident
			out = append(out, f)
		}
	}
	return out
}

// logScanBody is a payload every preset accepts once signed.
func logScanBody(platform, id string, now time.Time) []byte {
	if platform == "twilio" {
		return []byte("AccountSid=AC1&MessageSid=" + id)
	}
	return fmt.Appendf(nil, `{"id":%q,"event_id":%q,"type":"charge.succeeded","webhookTimestamp":%d,"notificationItems":[{"NotificationRequestItem":{"pspReference":%q,"eventCode":"AUTHORISATION","success":"true","amount":{"value":1,"currency":"EUR"}}}]}`,
		id, id, now.UnixMilli(), id)
}

// challengeBody is platform's handshake request, or nil if it has none.
func challengeBody(platform string) ([]byte, http.Header) {
	switch platform {
	case "slack":
		return []byte(`{"type":"url_verification","challenge":"logscan-challenge"}`), nil
	case "twitch":
		return []byte(`{"challenge":"logscan-challenge","subscription":{"type":"channel.follow"}}`),
			http.Header{"Twitch-Eventsub-Message-Type": {"webhook_callback_verification"}}
	case "discord":
		return []byte(`{"type":1,"id":"1","token":"logscan-token"}`), nil
	}
	return nil, nil
}

// TestSecretsNeverLogged runs every flow of every preset — valid, wrong
// secret, unsigned, tampered, oversized (plain and gzip), handshake, over
// the rate limit, and Ingest over gRPC — against an edge configured with
// known secrets, then scans everything it logged, and every answer, for
// any form of any secret.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	verifyWith, signWith := logScanSecrets(t)
	env := map[string]string{
		"HOOKMESH_MAX_BODY_BYTES":      "4096",
		"HOOKMESH_RATE_LIMIT_PLATFORM": "1/h,burst=12",
		"HOOKMESH_RATE_LIMIT_SOURCE":   "0",
		"HOOKMESH_LOG_LEVEL":           "debug",
	}
	for p, s := range verifyWith {
		env["HOOKMESH_SECRET_"+strings.ToUpper(p)] = s
	}
	e, grpcEdge := startEdgeGRPC(t, env)

	var answers strings.Builder
	post := func(p string, h http.Header, body []byte) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/webhooks/"+p, bytes.NewReader(body))
		for k, vs := range h {
			req.Header[k] = vs
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&answers, "%s %v %s\n", resp.Status, resp.Header, b)
		return resp.StatusCode
	}
	sign := func(p, secret, id string, body []byte) (http.Header, []byte) {
		t.Helper()
		h, signed, err := verify.SignRequest(p, verify.SignInput{Secret: secret, Now: time.Now(), ID: id, Body: body, URL: e.URL + "/webhooks/" + p})
		if err != nil {
			t.Fatalf("sign %s: %v", p, err)
		}
		if p == "twilio" {
			h.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return h, signed
	}
	expect := func(p, flow string, got int, want ...int) {
		t.Helper()
		for _, w := range want {
			if got == w {
				return
			}
		}
		t.Errorf("%s %s: status %d, want one of %v", p, flow, got, want)
	}

	for _, p := range verify.Platforms() {
		secret := signWith[p]
		id := "logscan-" + p
		h, body := sign(p, secret, id+"-valid", logScanBody(p, id+"-valid", time.Now()))
		expect(p, "valid", post(p, h, body), http.StatusAccepted)

		if !verify.Asymmetric(p) {
			wrong := "not-the-configured-secret-" + p
			switch {
			case p == "adyen":
				wrong = hex.EncodeToString([]byte(wrong))
			case strings.HasPrefix(secret, "whsec_"):
				wrong = "whsec_" + base64.StdEncoding.EncodeToString([]byte(wrong))
			}
			h, body = sign(p, wrong, id+"-wrong", logScanBody(p, id+"-wrong", time.Now()))
			expect(p, "wrong secret", post(p, h, body), http.StatusUnauthorized)
		}
		expect(p, "unsigned", post(p, nil, logScanBody(p, id+"-unsigned", time.Now())), http.StatusUnauthorized)

		h, body = sign(p, secret, id+"-tampered", logScanBody(p, id+"-tampered", time.Now()))
		tampered := bytes.Replace(body, []byte("logscan"), []byte("LOGSCAN"), 1)
		expect(p, "tampered", post(p, h, tampered), http.StatusUnauthorized, http.StatusAccepted) // mailgun signs no body bytes

		big := logScanBody(p, id+"-big-"+strings.Repeat("x", 8<<10), time.Now())
		h, body = sign(p, secret, id+"-big", big)
		expect(p, "oversized", post(p, h, body), http.StatusRequestEntityTooLarge)
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		_, _ = zw.Write(body)
		_ = zw.Close()
		h.Set("Content-Encoding", "gzip")
		expect(p, "oversized gzip", post(p, h, zipped.Bytes()), http.StatusRequestEntityTooLarge)

		if cb, extra := challengeBody(p); cb != nil {
			h, body = sign(p, secret, id+"-challenge", cb)
			for k, vs := range extra {
				h[k] = vs
			}
			expect(p, "challenge", post(p, h, body), http.StatusOK)
		}

		h, body = sign(p, secret, id+"-grpc", logScanBody(p, id+"-grpc", time.Now()))
		headers := map[string]string{}
		for k, vs := range h {
			headers[k] = strings.Join(vs, ", ")
		}
		// URL-signing presets were signed for the HTTP route's URL, which
		// the caller states; the others ignore it.
		in := &edgev1.IngestRequest{Platform: p, Headers: headers, Body: body, Url: e.URL + "/webhooks/" + p}
		if _, err := grpcEdge.Ingest(context.Background(), in); err != nil {
			t.Errorf("%s over gRPC: %v", p, err)
		}

		limited := false
		for i := range 14 {
			h, body = sign(p, secret, fmt.Sprintf("%s-flood-%d", id, i), logScanBody(p, fmt.Sprintf("%s-flood-%d", id, i), time.Now()))
			if post(p, h, body) == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		if !limited {
			t.Errorf("%s: never rate limited", p)
		}
	}

	logs := e.Logs.String()
	if !strings.Contains(logs, "webhook rejected") || !strings.Contains(logs, "webhook accepted") || !strings.Contains(logs, "rate limited") {
		t.Fatalf("the log lacks the flows it should record:\n%s", logs)
	}
	for p := range verifyWith {
		for _, s := range []string{verifyWith[p], signWith[p]} {
			for _, f := range forbidden(p, s) {
				if strings.Contains(logs, f) {
					t.Errorf("%s: a form of its secret (%q) is in the log", p, f)
				}
				if strings.Contains(answers.String(), f) {
					t.Errorf("%s: a form of its secret (%q) is in a response", p, f)
				}
			}
		}
	}
}
