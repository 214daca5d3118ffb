package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/retry"
)

// TestCodeClasses: each HTTP status lands in the retry class the
// dispatcher README promises, through the same Classify gRPC codes go
// through.
func TestCodeClasses(t *testing.T) {
	t.Parallel()
	const (
		ok         = ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED
		network    = ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
		throttled  = ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED
		downstream = ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM
		validation = ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION
	)
	for _, tt := range []struct {
		status    int
		throttled bool
		want      ledgerv1.ErrorClass
	}{
		{200, false, ok}, {201, false, ok}, {202, false, ok}, {204, false, ok}, {299, false, ok},
		{408, false, network},
		{429, false, throttled}, {429, true, throttled},
		{503, true, throttled}, {503, false, network},
		{502, false, network}, {504, false, network},
		{500, false, downstream}, {501, false, downstream}, {505, false, downstream}, {599, false, downstream},
		{400, false, validation}, {401, false, validation}, {403, false, validation}, {404, false, validation},
		{405, false, validation}, {409, false, validation}, {410, false, validation}, {413, false, validation},
		{422, false, validation},
		{301, false, validation}, {302, false, validation}, {303, false, validation}, {307, false, validation}, {308, false, validation},
		{101, false, validation}, {600, false, validation}, {0, false, validation},
	} {
		if got := retry.Classify(Code(tt.status, tt.throttled)); got != tt.want {
			t.Errorf("HTTP %d (Retry-After %v): class %v, want %v", tt.status, tt.throttled, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"86400", 24 * time.Hour, true},
		{"86401", MaxRetryAfter, true},
		{"99999999999999999999999", MaxRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(time.Hour).Format(time.RFC850), time.Hour, true},
		{now.Add(30 * time.Second).Format(time.ANSIC), 30 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(30 * 24 * time.Hour).Format(http.TimeFormat), MaxRetryAfter, true},
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"+5", 0, false},
		{"soon", 0, false},
		{"Sun, 06 Dec 2026 00:01:30", 0, false}, // no zone
	} {
		got, ok := ParseRetryAfter(tt.v, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseRetryAfter: the header is the destination's to write, so the
// parser never panics and whatever it accepts is a delay from 0 to
// MaxRetryAfter; what it refuses carries no delay; digits alone are
// always accepted.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "Sun, 06 Dec 2026 00:01:30 GMT", "Sunday, 06-Dec-26 00:01:30 GMT",
		"Sun Dec  6 00:01:30 2026", "-1", "1e9", "99999999999999999999", " 7\t", "\xff"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if d < 0 || d > MaxRetryAfter || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", v, d, ok)
		}
		if s := strings.TrimSpace(v); s != "" && isDigits(s) {
			n, err := strconv.ParseUint(s, 10, 64)
			if !ok || (err == nil && n <= 86400 && d != time.Duration(n)*time.Second) {
				t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %d s", v, d, ok, n)
			}
		}
	})
}

// TestAnswerError: the message names the status and keeps a bounded,
// one-line, valid UTF-8 excerpt; a redirect names its Location; a
// Retry-After on 429 and 503 travels as RetryInfo.
func TestAnswerError(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	answer := func(code int, h http.Header, body string) *status.Status {
		if h == nil {
			h = http.Header{}
		}
		return status.Convert(answerError(&http.Response{StatusCode: code, Header: h}, []byte(body), now))
	}
	st := answer(500, nil, "database\nis down")
	if st.Message() != "HTTP 500 Internal Server Error: database is down" {
		t.Errorf("500: %q", st.Message())
	}
	long := strings.Repeat("é", 200) // 400 bytes of two-byte runes
	st = answer(400, nil, long)
	if ex := strings.TrimPrefix(st.Message(), "HTTP 400 Bad Request: "); len(ex) > MaxExcerpt || !utf8.ValidString(ex) || len(ex) < MaxExcerpt-1 {
		t.Errorf("400: excerpt of %d bytes, valid %v", len(ex), utf8.ValidString(ex))
	}
	st = answer(302, http.Header{"Location": {"https://elsewhere.example/in"}}, "")
	if !strings.Contains(st.Message(), "redirects are not followed") || !strings.Contains(st.Message(), "https://elsewhere.example/in") {
		t.Errorf("302: %q", st.Message())
	}
	for _, code := range []int{429, 503} {
		st = answer(code, http.Header{"Retry-After": {"7"}}, "")
		if got := hintOf(st); got != 7*time.Second || retry.Classify(st.Code()) != ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED {
			t.Errorf("%d with Retry-After 7: %v, hint %v", code, st.Code(), got)
		}
	}
	if st = answer(500, http.Header{"Retry-After": {"7"}}, ""); hintOf(st) != 0 {
		t.Errorf("500 with Retry-After: hint %v, want none (only 429 and 503 are honoured)", hintOf(st))
	}
}

func hintOf(st *status.Status) time.Duration {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}
