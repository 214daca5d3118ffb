package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// TestHTTPTargets: an http(s) URL target is checked by the same allow
// list as a gRPC target (plain http:// only where an http: entry allows
// it, none by default), must be a URL the dispatcher can POST to, and
// needs a signing secret; a refusal is INVALID_ARGUMENT saying why.
func TestHTTPTargets(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	secret := []*ledgerv1.SigningSecret{{Secret: testSecretA}}
	for url, want := range map[string]string{
		"http://127.0.0.1:8080/hooks":            "address 127.0.0.1 may not receive plain http://",
		"http://handler.internal/hooks":          "may not receive plain http://",
		"https://169.254.169.254/latest":         "link-local (always refused)",
		"https://metadata.evil.example/in":       "host metadata.evil.example resolves to 169.254.169.254, which is link-local (always refused)",
		"https://public.example/in":              "not in HOOKMESH_TARGET_ALLOW (loopback,private)",
		"https://user:password@handler.internal": "credentials in the URL are refused",
		"https://handler.internal/in#part":       "a fragment",
		"ftp://handler.internal/in":              "scheme ftp is not a TCP target",
	} {
		sub := &ledgerv1.Subscription{Name: "http-refused", Target: url, Secrets: secret}
		_, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), want) {
			t.Errorf("CreateSubscription(%s) = %v, want INVALID_ARGUMENT containing %q", url, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "password") && !strings.Contains(want, "credentials") {
			t.Errorf("CreateSubscription(%s): %v", url, err)
		}
	}
	sub := &ledgerv1.Subscription{Name: "unsigned", Target: "https://handler.internal/in"}
	_, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "an HTTP target needs secrets") {
		t.Errorf("CreateSubscription without secrets = %v, want INVALID_ARGUMENT asking for one", err)
	}
	for name, url := range map[string]string{"https-private": "https://handler.internal/in?team=billing",
		"https-loopback": "https://127.0.0.1:9443/in", "https-not-yet": "https://nowhere.internal/in"} {
		sub := &ledgerv1.Subscription{Name: name, Target: url, Secrets: secret}
		if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
			t.Errorf("CreateSubscription(%s) = %v, want it created", url, err)
		}
	}
	_, err = c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{
		Subscription: &ledgerv1.Subscription{Name: "https-private", Target: "http://handler.internal/in", Secrets: secret}})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "plain http://") {
		t.Errorf("UpdateSubscription to plain http = %v, want INVALID_ARGUMENT", err)
	}
}
