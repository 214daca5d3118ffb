package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

const secret = "whsec_unit"

func newService(t *testing.T, norm *ingesttest.Normalizer, led *ingesttest.Ledger) (*Service, Platform) {
	t.Helper()
	v, err := verify.New("stripe", []string{secret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := Platform{Name: "stripe", Verifier: v, MaxBodyBytes: 1024}
	svc := New(Options{
		Platforms: []Platform{p}, Normalizer: norm, Ledger: led,
		NormalizeTimeout: time.Second, RecordTimeout: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return svc, p
}

func signed(t *testing.T, body string) Request {
	t.Helper()
	h, err := verify.Sign("stripe", secret, time.Now(), "", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Authorization", "Basic c2VjcmV0")
	return Request{Header: h, Body: []byte(body), RemoteAddr: "192.0.2.1:5000"}
}

func TestIngestRecordsRawAndNormalized(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{}
	svc, p := newService(t, &ingesttest.Normalizer{}, led)
	body := `{"id":"evt_1","type":"payment_intent.succeeded"}`
	res, err := svc.Ingest(context.Background(), p, signed(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusAccepted || res.EventID != "evt_1" || res.Duplicate || res.ReceiptID == "" {
		t.Fatalf("result = %+v", res)
	}
	rec := led.Recorded()[0]
	if string(rec.GetReceipt().GetBody()) != body || rec.GetReceipt().GetEventId() != "evt_1" || rec.GetEvent() == nil {
		t.Fatalf("recorded %+v", rec)
	}
	if got := rec.GetReceipt().GetHeaders()["authorization"]; got != RedactedValue {
		t.Errorf("authorization header stored as %q, want redacted", got)
	}
	if rec.GetReceipt().GetHeaders()["stripe-signature"] == "" {
		t.Error("signature header not stored")
	}
	again, err := svc.Ingest(context.Background(), p, signed(t, body))
	if err != nil || !again.Duplicate || again.ReceiptID != res.ReceiptID {
		t.Fatalf("second ingest = %+v, %v; want duplicate of %s", again, err, res.ReceiptID)
	}
}

func TestIngestNormalizerDownStillRecords(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{}
	svc, p := newService(t, &ingesttest.Normalizer{Err: status.Error(codes.Unavailable, "connection refused")}, led)
	res, err := svc.Ingest(context.Background(), p, signed(t, `{"id":"evt_2"}`))
	if err != nil {
		t.Fatalf("normalizer down must not fail ingest: %v", err)
	}
	rec := led.Recorded()[0]
	if res.EventID != "evt_2" || rec.GetEvent() != nil || !strings.Contains(rec.GetNormalizationError(), "connection refused") {
		t.Fatalf("recorded %+v", rec)
	}
	if !rec.GetNormalizationRetryable() {
		t.Error("normalizer down: normalization_retryable = false, want true (the ledger must re-normalize)")
	}
}

// TestIngestNormalizationRetryable: only a normalizer that did not answer
// makes the failure retryable; a rejected payload is stored as final.
func TestIngestNormalizationRetryable(t *testing.T) {
	t.Parallel()
	for i, c := range []struct {
		err  error
		want bool
	}{
		{status.Error(codes.Unavailable, "down"), true},
		{status.Error(codes.DeadlineExceeded, "slow"), true},
		{context.DeadlineExceeded, true},
		{status.Error(codes.InvalidArgument, "bad payload"), false},
		{status.Error(codes.NotFound, "unknown platform"), false},
		{status.Error(codes.Internal, "bug"), false},
	} {
		led := &ingesttest.Ledger{}
		svc, p := newService(t, &ingesttest.Normalizer{Err: c.err}, led)
		if _, err := svc.Ingest(context.Background(), p, signed(t, fmt.Sprintf(`{"id":"evt_r%d"}`, i))); err != nil {
			t.Fatalf("%v: ingest: %v", c.err, err)
		}
		if got := led.Recorded()[0].GetNormalizationRetryable(); got != c.want {
			t.Errorf("%v: normalization_retryable = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestIngestNoIDFallsBackToContentKey(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{}
	svc, p := newService(t, &ingesttest.Normalizer{}, led)
	res, err := svc.Ingest(context.Background(), p, signed(t, `{"type":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	rec := led.Recorded()[0]
	if !strings.HasPrefix(res.EventID, "sha256:") || rec.GetEvent() != nil || rec.GetNormalizationError() == "" {
		t.Fatalf("result %+v recorded %+v", res, rec)
	}
}

// TestIngestConfiguredDedup: a platform with a compiled dedup rule (a
// source of HOOKMESH_SOURCES_FILE) is keyed by its JSON path, an array
// index included; a body where the path finds no id gets the content key.
func TestIngestConfiguredDedup(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{}
	svc, p := newService(t, &ingesttest.Normalizer{}, led)
	d, err := eventkey.CompileDedup(sources.Dedup{JSONPath: "data.ids.1"})
	if err != nil {
		t.Fatal(err)
	}
	p.Dedup = &d
	for _, tt := range []struct{ body, want string }{
		{`{"data":{"ids":["a","b"]},"id":"evt_9"}`, "b"},
		{`{"data":{"ids":"a"},"id":"evt_9"}`, "sha256:"},
	} {
		res, err := svc.Ingest(context.Background(), p, signed(t, tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := res.EventID; got != tt.want && !(tt.want == "sha256:" && strings.HasPrefix(got, tt.want)) {
			t.Errorf("%s: event id %q, want %s", tt.body, got, tt.want)
		}
	}
}

func TestIngestErrors(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{Err: status.Error(codes.Unavailable, "down")}
	svc, p := newService(t, &ingesttest.Normalizer{}, led)
	if _, err := svc.Ingest(context.Background(), p, signed(t, `{"id":"evt_3"}`)); !errors.Is(err, apperr.ErrUnavailable) {
		t.Errorf("ledger down: %v, want ErrUnavailable", err)
	}
	bad := signed(t, `{"id":"evt_3"}`)
	bad.Body = []byte(`{"id":"evt_4"}`)
	_, err := svc.Ingest(context.Background(), p, bad)
	if !errors.Is(err, apperr.ErrUnauthenticated) || err.Error() != ErrSignature.Error() {
		t.Errorf("tampered: %v, want the generic signature error", err)
	}
	big := signed(t, `{"id":"`+strings.Repeat("x", 2000)+`"}`)
	if _, err := svc.Ingest(context.Background(), p, big); !errors.Is(err, apperr.ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if _, err := svc.Platform("nope"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown platform: %v", err)
	}
}

func TestHeaderMap(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-A": {"1", "2"}, "Cookie": {"s=1"}, "X-Gitlab-Token": {"secret"}}
	m := HeaderMap(h)
	if m["x-a"] != "1, 2" || m["cookie"] != RedactedValue || m["x-gitlab-token"] != RedactedValue {
		t.Fatalf("HeaderMap = %v", m)
	}
}

// TestLowerNames: the table of common names gives what strings.ToLower
// would, so HeaderMap's keys do not depend on whether a name is listed.
func TestLowerNames(t *testing.T) {
	t.Parallel()
	for canonical, lower := range lowerNames {
		if lower != strings.ToLower(canonical) || canonical != http.CanonicalHeaderKey(canonical) {
			t.Errorf("lowerNames[%q] = %q", canonical, lower)
		}
	}
	m := HeaderMap(http.Header{"Content-Type": {"a"}, "X-Unlisted-Name": {"b"}, "Authorization": {"c"}})
	if m["content-type"] != "a" || m["x-unlisted-name"] != "b" || m["authorization"] != RedactedValue || len(m) != 3 {
		t.Fatalf("HeaderMap = %v", m)
	}
}

// TestHeaderMapEncodesBytes: header values with bytes a proto string
// cannot hold reach the normalizer and the ledger encoded (eventkey.Encode),
// and everything else as it was.
func TestHeaderMapEncodesBytes(t *testing.T) {
	t.Parallel()
	m := HeaderMap(http.Header{"Webhook-Id": {"msg_\xff_1"}, "X-Tab": {"a\tb"}, "X-Accent": {"é"}, "X-Fffd": {"\uFFFD"}})
	want := map[string]string{"webhook-id": "msg_\uFFFDFF_1", "x-tab": "a\tb", "x-accent": "é", "x-fffd": "\uFFFDEF\uFFFDBF\uFFFDBD"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("HeaderMap[%q] = %q, want %q", k, m[k], v)
		}
	}
	if _, err := proto.Marshal(&normalizerv1.NormalizeRequest{Headers: m}); err != nil {
		t.Errorf("the header map cannot be sent: %v", err)
	}
}

// TestIngestKeepsIDBytes: ids that differ only in invalid UTF-8 are two
// events, each recorded under the encoding of its exact bytes, in a
// request protobuf can marshal.
func TestIngestKeepsIDBytes(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{}
	svc, p := newService(t, &ingesttest.Normalizer{}, led)
	for raw, want := range map[string]string{"evt_\xff": "evt_\uFFFDFF", "evt_\xfe": "evt_\uFFFDFE", "evt_é\\t": "evt_é\t"} {
		res, err := svc.Ingest(context.Background(), p, signed(t, `{"id":"`+raw+`"}`))
		if err != nil || res.EventID != want || res.Duplicate {
			t.Fatalf("ingest of id %q = %+v, %v; want a new event %q", raw, res, err, want)
		}
	}
	for _, rec := range led.Recorded() {
		if _, err := proto.Marshal(rec); err != nil {
			t.Errorf("record of %q cannot be sent: %v", rec.GetReceipt().GetEventId(), err)
		}
	}
}
