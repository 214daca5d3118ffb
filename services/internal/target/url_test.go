package target

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		raw, url, host string
		port           uint16
		plaintext      bool
	}{
		{"https://hooks.example.com/in", "https://hooks.example.com/in", "hooks.example.com", 443, false},
		{"HTTPS://Hooks.Example.COM./in?k=v", "https://hooks.example.com/in?k=v", "hooks.example.com", 443, false},
		{"http://127.0.0.1:8080/hooks", "http://127.0.0.1:8080/hooks", "127.0.0.1", 8080, true},
		{"http://localhost", "http://localhost", "localhost", 80, true},
		{"https://[::1]:9443/x", "https://[::1]:9443/x", "::1", 9443, false},
		{"https://[fd12::1]/x", "https://[fd12::1]/x", "fd12::1", 443, false},
	} {
		got, err := Parse(tt.raw)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.raw, err)
			continue
		}
		if got.URL != tt.url || got.Host != tt.host || got.Port != tt.port || got.Plaintext != tt.plaintext {
			t.Errorf("Parse(%q) = %+v; want URL %s host %s port %d plaintext %v", tt.raw, got, tt.url, tt.host, tt.port, tt.plaintext)
		}
		if again, err := Parse(got.URL); err != nil || again != got {
			t.Errorf("Parse(%q) = %+v, %v; want %+v again", got.URL, again, err, got)
		}
	}
	for raw, want := range map[string]string{
		"https://user:pass@hooks.example.com/": "credentials in the URL are refused",
		"https://hooks.example.com/#frag":      "a fragment",
		"https:///path":                        "no host",
		"https://:443/":                        "no host",
		"https://[fe80::1%25eth0]/":            "zone",
		"https://hooks.example.com:0/":         "port",
		"https://hooks.example.com:99999/":     "port",
		"https://bad_host!/":                   "not a valid host name",
		"https://" + strings.Repeat("a", 2100): "longer than",
		"ftp://hooks.example.com/":             "scheme ftp is not a TCP target",
		"https://h\x7f.example/":               "not a URL",
	} {
		_, err := Parse(raw)
		var refused *RefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v; want a refusal containing %q", raw, err, want)
		}
	}
}

// TestPlainHTTP: https:// goes wherever the list allows; plain http://
// only to what an http: entry allows, by address or by name, IP literals
// included, and a name with one address outside the http: entries is
// refused.
func TestPlainHTTP(t *testing.T) {
	t.Parallel()
	mustPolicy := func(spec string) *Policy {
		p, err := ParsePolicy(spec)
		if err != nil {
			t.Fatal(err)
		}
		return p.WithResolver(stub())
	}
	def := Default().WithResolver(stub())
	withHTTP := mustPolicy("private,HTTP:loopback,http:*.svc.cluster.local")
	for _, tt := range []struct {
		policy *Policy
		raw    string
		want   string // "" allowed, else part of the refusal
	}{
		{def, "https://127.0.0.1:9443/hooks", ""},
		{def, "https://handler.internal/hooks", ""},
		{def, "http://127.0.0.1:8080/hooks", "may not receive plain http://"},
		{def, "http://localhost:8080/hooks", "may not receive plain http://"},
		{def, "https://public.example/", "not in HOOKMESH_TARGET_ALLOW"},
		{def, "https://169.254.169.254/latest", "link-local (always refused)"},
		{def, "https://metadata.evil.example/", "link-local (always refused)"},
		{withHTTP, "http://127.0.0.1:8080/hooks", ""},
		{withHTTP, "http://localhost:8080/hooks", ""},
		{withHTTP, "http://handler.internal/hooks", "host handler.internal (resolving to 10.1.2.3) may not receive plain http://"},
		{withHTTP, "https://handler.internal/hooks", ""},
		{withHTTP, "http://10.1.2.3/hooks", "address 10.1.2.3 may not receive plain http://"},
		// A name entry allows whatever the name resolves to, but the
		// always-refused ranges.
		{withHTTP, "http://billing.billing.svc.cluster.local/", ""},
		{withHTTP, "http://rebound.svc.cluster.local/", "link-local (always refused)"},
		{mustPolicy("http:0.0.0.0/0"), "http://public.example/", ""},
	} {
		_, err := tt.policy.Resolve(context.Background(), tt.raw)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Resolve(%q) = %v; want allowed", tt.policy, tt.raw, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Resolve(%q) = %v; want a refusal containing %q", tt.policy, tt.raw, err, tt.want)
		}
		if _, err := Parse(tt.raw); err != nil {
			t.Errorf("Parse(%q): %v", tt.raw, err)
		}
	}
	for _, spec := range []string{"http:", "http:http:loopback", "http:169.254.0.0/16", "http:*"} {
		if _, err := ParsePolicy(spec); err == nil {
			t.Errorf("ParsePolicy(%q) accepted", spec)
		}
	}
}

// recordingDial records the addresses dialled and connects none: no test
// sends a packet anywhere.
type recordingDial struct {
	mu     sync.Mutex
	dialed []string
}

func (r *recordingDial) dial(_ context.Context, _, addr string) (net.Conn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dialed = append(r.dialed, addr)
	c, _ := net.Pipe()
	return c, nil
}

// TestDialer: a connection goes to the addresses the policy checked, never
// to the name, and a refused name is not dialled at all.
func TestDialer(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy("private,http:loopback")
	if err != nil {
		t.Fatal(err)
	}
	r := stub()
	p = p.WithResolver(r)
	for _, tt := range []struct {
		plaintext bool
		addr      string
		dialed    string // "" refused
	}{
		{false, "handler.internal:443", "10.1.2.3:443"},
		{true, "localhost:8080", "127.0.0.1:8080"},
		{true, "handler.internal:80", ""},
		{false, "metadata.evil.example:443", ""},
		{false, "mixed.internal:443", ""},
		{false, "[::1]:443", "[::1]:443"},
	} {
		rec := &recordingDial{}
		d := Dialer{Policy: p, Plaintext: tt.plaintext, Dial: rec.dial}
		conn, err := d.DialContext(context.Background(), "tcp", tt.addr)
		if conn != nil {
			conn.Close()
		}
		var refused *RefusedError
		switch {
		case tt.dialed == "" && (!errors.As(err, &refused) || len(rec.dialed) != 0):
			t.Errorf("DialContext(%s, plaintext %v) = %v after dialling %v; want a refusal, nothing dialled", tt.addr, tt.plaintext, err, rec.dialed)
		case tt.dialed != "" && (err != nil || len(rec.dialed) != 1 || rec.dialed[0] != tt.dialed):
			t.Errorf("DialContext(%s, plaintext %v) = %v, dialled %v; want %s", tt.addr, tt.plaintext, err, rec.dialed, tt.dialed)
		}
	}
}
