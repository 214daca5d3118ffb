package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// createLedger answers CreateSubscription and counts every call it gets;
// any other method would panic (the nil embedded client): the requests of
// TestUnknownFieldRefused must never reach the ledger.
type createLedger struct {
	ledgerv1.LedgerServiceClient
	calls atomic.Int32
	got   atomic.Pointer[ledgerv1.CreateSubscriptionRequest]
}

func (l *createLedger) CreateSubscription(_ context.Context, in *ledgerv1.CreateSubscriptionRequest, _ ...grpc.CallOption) (*ledgerv1.CreateSubscriptionResponse, error) {
	l.calls.Add(1)
	l.got.Store(in)
	return &ledgerv1.CreateSubscriptionResponse{Subscription: in.GetSubscription()}, nil
}

// TestUnknownFieldRefused: on every admin route that takes a body, a field
// the API does not know is a 400 INVALID_ARGUMENT naming the field, and the
// ledger is not called; at the top level of the body and inside a nested
// message. A known body still goes through.
func TestUnknownFieldRefused(t *testing.T) {
	t.Parallel()
	ledger := &createLedger{}
	h, err := NewAdmin(context.Background(), ledger, nil)
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{[^}]*\}`)
	send := func(method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, string(b)
	}
	tried := 0
	for _, route := range httpRules(t) {
		method, path, _ := strings.Cut(route, " ")
		if method != http.MethodPost && method != http.MethodPut {
			continue
		}
		path = param.ReplaceAllString(path, "x")
		for _, body := range []string{`{"filterr": "x"}`, `{"name": "x", "retry_policy": {"network": {"filterr": 1}}}`} {
			if strings.Contains(body, "retry_policy") && !strings.Contains(route, "subscriptions ") && !strings.Contains(route, "subscriptions/{subscription.name}") {
				continue // only a subscription has a nested message to misspell in
			}
			code, resp := send(method, path, body)
			if code != http.StatusBadRequest || !strings.Contains(resp, `unknown field \"filterr\"`) || !strings.Contains(resp, `"code":3`) {
				t.Errorf("%s %s %s = %d %s, want 400 INVALID_ARGUMENT naming filterr", method, path, body, code, resp)
			}
			tried++
		}
	}
	if tried < 8 {
		t.Errorf("tried %d bodies, want every POST and PUT route of http.yaml", tried)
	}
	if n := ledger.calls.Load(); n != 0 {
		t.Fatalf("the ledger got %d calls for refused bodies", n)
	}
	code, resp := send(http.MethodPost, "/v1/subscriptions", `{"name": "ok", "target": "h:1", "filter": "platform == \"github\""}`)
	if code != http.StatusOK || ledger.got.Load().GetSubscription().GetFilter() != `platform == "github"` {
		t.Errorf("POST /v1/subscriptions with known fields = %d %s, want 200 with the filter passed on", code, resp)
	}
}
