package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// TestStatedURL: a URL-signing platform requires a URL the HTTP route
// could have received for it, with or without HOOKMESH_PUBLIC_URL; other
// platforms ignore what is stated.
func TestStatedURL(t *testing.T) {
	t.Parallel()
	twilio := Platform{Name: "twilio", SignsURL: true}
	stripe := Platform{Name: "stripe"}
	for _, tc := range []struct {
		publicURL string
		p         Platform
		url       string
		want      bool // accepted
	}{
		{"", twilio, "http://hooks.example.com/webhooks/twilio", true},
		{"", twilio, "http://127.0.0.1:8080/webhooks/twilio?a=1&b=%20", true},
		{"", twilio, "http://h/webhooks/twilio?", true},
		{"", twilio, "", false},
		{"", twilio, "https://hooks.example.com/webhooks/twilio", false}, // HTTP without a public URL is http://
		{"", twilio, "http:///webhooks/twilio", false},                   // no host
		{"", twilio, "http://user@evil/webhooks/twilio", false},
		{"", twilio, "http://h?x/webhooks/twilio", false},
		{"", twilio, "http://h/webhooks/twilio2", false},
		{"", twilio, "http://h/webhooks/twilio/", false},
		{"", twilio, "http://h/webhooks/square", false},
		{"", twilio, "http://h/other/webhooks/twilio", false},
		{"", twilio, "http://h/webhooks/twilio#frag", false},
		{"https://hooks.example.com", twilio, "https://hooks.example.com/webhooks/twilio?x=1", true},
		{"https://hooks.example.com/", twilio, "https://hooks.example.com/webhooks/twilio", true},
		{"https://hooks.example.com", twilio, "http://hooks.example.com/webhooks/twilio", false},
		{"https://hooks.example.com", twilio, "https://hooks.example.com.evil/webhooks/twilio", false},
		{"https://hooks.example.com", twilio, "https://other.example.com/webhooks/twilio", false},
		{"", stripe, "", true},
		{"", stripe, "not a URL", true},
	} {
		s := New(Options{PublicURL: tc.publicURL})
		got, err := s.StatedURL(tc.p, tc.url)
		switch {
		case tc.want && err != nil:
			t.Errorf("public %q, %s, %q: %v, want accepted", tc.publicURL, tc.p.Name, tc.url, err)
		case !tc.want && !errors.Is(err, apperr.ErrInvalid):
			t.Errorf("public %q, %s, %q: %v, want ErrInvalid", tc.publicURL, tc.p.Name, tc.url, err)
		case tc.want && tc.p.SignsURL && got != tc.url:
			t.Errorf("public %q, %q: returned %q, want it unchanged", tc.publicURL, tc.url, got)
		case tc.want && !tc.p.SignsURL && got != "":
			t.Errorf("%s: returned %q, want \"\" (it signs no URL)", tc.p.Name, got)
		}
	}
}

// FuzzStatedURL: StatedURL never panics, returns an accepted URL
// unchanged, and accepts only URLs that ExternalURL produces for some Host
// header and a request target whose path is exactly /webhooks/twilio.
func FuzzStatedURL(f *testing.F) {
	for _, seed := range []string{
		"http://hooks.example.com/webhooks/twilio", "http://h:80/webhooks/twilio?a=b", "https://hooks.example.com/webhooks/twilio",
		"http://@/webhooks/twilio", "http:///webhooks/twilio", "http://h/webhooks/twilio/x", "", "http://", "http://h/webhooks/",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	const public = "https://hooks.example.com"
	p := Platform{Name: "twilio", SignsURL: true}
	plain, behind := New(Options{}), New(Options{PublicURL: public})
	f.Fuzz(func(t *testing.T, u string, withPublic bool) {
		s := plain
		if withPublic {
			s = behind
		}
		got, err := s.StatedURL(p, u)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("%q: %v, want ErrInvalid", u, err)
			}
			return
		}
		if got != u {
			t.Fatalf("%q returned as %q", u, got)
		}
		var host, target string
		if withPublic {
			target = strings.TrimPrefix(u, public)
		} else {
			rest, ok := strings.CutPrefix(u, "http://")
			if !ok {
				t.Fatalf("%q accepted without a public URL or http://", u)
			}
			i := strings.IndexByte(rest, '/')
			if i < 1 {
				t.Fatalf("%q accepted without a host", u)
			}
			host, target = rest[:i], rest[i:]
		}
		if s.ExternalURL(host, target) != u {
			t.Fatalf("%q is not ExternalURL(%q, %q)", u, host, target)
		}
		if path, _, _ := strings.Cut(target, "?"); path != "/webhooks/twilio" {
			t.Fatalf("%q accepted with path %q", u, path)
		}
	})
}
