package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

func TestSourceAddr(t *testing.T) {
	t.Parallel()
	plain := New(Options{})
	trusting := New(Options{TrustProxyHeaders: true})
	xff := http.Header{"X-Forwarded-For": {"198.51.100.7, 10.0.0.1"}}
	tests := []struct {
		svc    *Service
		remote string
		h      http.Header
		want   string
	}{
		{plain, "192.0.2.1:5000", nil, "192.0.2.1"},
		{plain, "192.0.2.1:5000", xff, "192.0.2.1"}, // not trusted: ignored
		{plain, "[::ffff:192.0.2.1]:80", nil, "192.0.2.1"},
		{plain, "[2001:db8:1:2:3:4:5:6]:443", nil, "2001:db8:1:2::/64"},
		{plain, "[2001:db8:1:2:ffff::1]:443", nil, "2001:db8:1:2::/64"}, // same /64, same bucket
		{plain, "[fe80::1%eth0]:443", nil, "fe80::/64"},
		{plain, "bufconn", nil, "bufconn"},
		{trusting, "10.0.0.1:5000", xff, "198.51.100.7"},
		{trusting, "10.0.0.1:5000", http.Header{"X-Forwarded-For": {"garbage"}}, "10.0.0.1"},
		{trusting, "10.0.0.1:5000", nil, "10.0.0.1"},
	}
	for _, tt := range tests {
		if got := tt.svc.SourceAddr(tt.remote, tt.h); got != tt.want {
			t.Errorf("SourceAddr(%q, %v) trust=%v = %q, want %q", tt.remote, tt.h, tt.svc.opts.TrustProxyHeaders, got, tt.want)
		}
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"evt_1"}`)
	gzh := http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"99"}, "X-Other": {"1"}}
	tests := []struct {
		name string
		in   []byte
		h    http.Header
		max  int64
		want string
		err  error
	}{
		{name: "identity", in: body, h: http.Header{}, max: 100, want: string(body)},
		{name: "identity at the cap", in: body, h: http.Header{}, max: int64(len(body)), want: string(body)},
		{name: "identity over the cap", in: body, h: http.Header{}, max: int64(len(body)) - 1, err: apperr.ErrTooLarge},
		{name: "gzip", in: gz(t, body), h: gzh, max: 100, want: string(body)},
		{name: "x-gzip", in: gz(t, body), h: http.Header{"Content-Encoding": {"x-gzip"}}, max: 100, want: string(body)},
		{name: "gzip, identity", in: gz(t, body), h: http.Header{"Content-Encoding": {"gzip", "identity"}}, max: 100, want: string(body)},
		{name: "gzip decompressed over the cap", in: gz(t, bytes.Repeat([]byte("a"), 1000)), h: gzh, max: 999, err: apperr.ErrTooLarge},
		{name: "gzip truncated", in: gz(t, body)[:10], h: gzh, max: 100, err: apperr.ErrInvalid},
		{name: "not gzip", in: body, h: gzh, max: 100, err: apperr.ErrInvalid},
		{name: "brotli", in: body, h: http.Header{"Content-Encoding": {"br"}}, max: 100, err: ErrUnsupportedEncoding},
		{name: "gzip twice", in: body, h: http.Header{"Content-Encoding": {"gzip, gzip"}}, max: 100, err: ErrUnsupportedEncoding},
	}
	for _, tt := range tests {
		got, h, err := ReadBody(iotest.OneByteReader(bytes.NewReader(tt.in)), tt.h, tt.max)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
			continue
		}
		if !strings.Contains(tt.name, "gzip") {
			continue
		}
		if h.Get("Content-Encoding") != "" || h.Get("Content-Length") != "" || h.Get("X-Other") != tt.h.Get("X-Other") {
			t.Errorf("%s: header after decoding = %v; want Content-Encoding and Content-Length gone, the rest kept", tt.name, h)
		}
	}
	if gzh.Get("Content-Encoding") != "gzip" {
		t.Error("ReadBody modified the caller's header")
	}
}

// TestReadBodyZipBomb: a small gzip body that inflates to 64 MiB is refused
// after reading about the cap, not after inflating it. Not parallel: it
// measures the process's allocations.
func TestReadBodyZipBomb(t *testing.T) {
	bomb := gz(t, make([]byte, 64<<20))
	const max = 256 << 10
	if len(bomb) >= max {
		t.Fatalf("bomb of %d compressed bytes is not under the %d cap", len(bomb), max)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := ReadBody(bytes.NewReader(bomb), http.Header{"Content-Encoding": {"gzip"}}, max)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, apperr.ErrTooLarge) {
		t.Fatalf("zip bomb: %v, want ErrTooLarge", err)
	}
	// The decompressed size is 64 MiB; reading to the cap costs a few
	// times the cap (slice growth, the inflater's window), nowhere near.
	got := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d bytes", got)
	if got > 8*max {
		t.Fatalf("allocated %d bytes to refuse a bomb with a %d-byte cap", got, max)
	}
}

func TestSampler(t *testing.T) {
	t.Parallel()
	var s sampler
	now := time.Unix(1_700_000_000, 0)
	if ok, _ := s.allow(now); !ok {
		t.Fatal("first line suppressed")
	}
	for range 5 {
		if ok, _ := s.allow(now.Add(100 * time.Millisecond)); ok {
			t.Fatal("a second line within the second was let through")
		}
	}
	if ok, dropped := s.allow(now.Add(time.Second)); !ok || dropped != 5 {
		t.Fatalf("after a second: %v, dropped %d; want a line reporting 5 dropped", ok, dropped)
	}
}
