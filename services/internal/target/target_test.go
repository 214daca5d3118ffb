package target

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"handler.internal:9000":                   "handler.internal:9000",
		"dns:///handler.internal:9000":            "handler.internal:9000",
		"DNS:///handler.internal:9000":            "handler.internal:9000",
		"passthrough:///10.0.0.1:1":               "10.0.0.1:1",
		"handler.internal":                        "handler.internal:443",
		"10.0.0.1":                                "10.0.0.1:443",
		"fd00::1":                                 "[fd00::1]:443",
		"[fd00::1]:9000":                          "[fd00::1]:9000",
		"[::ffff:10.0.0.1]:1":                     "[::ffff:10.0.0.1]:1",
		":9094":                                   "localhost:9094",
		"under_score.internal:1":                  "under_score.internal:1",
		"dns:///[fd00::1]:9000":                   "[fd00::1]:9000",
		"localhost:065535":                        "localhost:65535",
		"hookmesh-consumer:9094":                  "hookmesh-consumer:9094",
		"billing.billing.svc.cluster.local.:9000": "billing.billing.svc.cluster.local:9000",
	} {
		got, err := Parse(raw)
		if err != nil || got.String() != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", raw, got, err, want)
		}
	}
	for raw, want := range map[string]string{
		"":                             "empty",
		"unix:///tmp/x":                "scheme unix",
		"unix:80":                      "scheme unix",
		"dns:handler:80":               "want dns:///host:port",
		"passthrough://x":              "want passthrough:///host:port",
		"wss://example.com/":           "scheme wss",
		"dns://1.1.1.1/a:1":            "DNS server",
		"handler:0":                    "port 0",
		"handler:65536":                "port 65536",
		"handler:":                     `port ""`,
		"handler:http":                 "port http",
		"a:b:c":                        "not host:port",
		"[fe80::1%25eth0]:80":          "zone",
		"[not-an-ip]:80":               "not a valid IP address",
		"[fe80::1%eth0]:80":            "zone",
		"-bad.internal:1":              "not a valid host name",
		"bad..internal:1":              "not a valid host name",
		"b\x00d:1":                     `"b\x00d"`,
		strings.Repeat("a", 600):       "longer than",
		strings.Repeat("a", 64) + ":1": "not a valid host name",
	} {
		_, err := Parse(raw)
		var refused *RefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want a refusal containing %q", raw, err, want)
		}
	}
}

// FuzzParse: Parse never panics; what it accepts it accepts again in its
// own form (so the dispatcher dials what the ledger checked), with a host
// and a port, and its refusals are messages fit for an operator.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"handler.internal:9000", "dns:///a.b:1", "passthrough:///[::1]:2", "unix:///tmp/x",
		"169.254.169.254:80", "[fe80::1%eth0]:80", ":9094", "fd00::1", "dns://8.8.8.8/x:1", "a:b:c", "vsock:3:9000",
		"[::ffff:127.0.0.1]:1", "x.", "\xff:1", "https://h.example/p?q=1", "http://[::1]:80/a%20b", "HTTP://X.:1/#f",
		"https://u@h/", "https://[fe80::1%25x]/"} {
		f.Add(s)
	}
	p := Default().WithResolver(nullResolver{})
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := Parse(raw)
		if err != nil {
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("Parse(%q) error %T, want *RefusedError", raw, err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsAny(msg, "\x00\n\r") {
				t.Fatalf("Parse(%q): message %q holds raw bytes of the input", raw, msg)
			}
			return
		}
		if got.Host == "" || got.Port == 0 {
			t.Fatalf("Parse(%q) = %+v: no host or port", raw, got)
		}
		form := got.String()
		if got.URL != "" {
			form = got.URL
		}
		again, err := Parse(form)
		if err != nil || again != got {
			t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v, %v", raw, got, form, again, err)
		}
		if a, err := netip.ParseAddr(got.Host); (err == nil) != got.Addr.IsValid() || (err == nil && a != got.Addr) {
			t.Fatalf("Parse(%q) = %+v: Addr does not match Host", raw, got)
		}
		// The policy agrees with itself: an IP literal Check passes is
		// what Resolve returns, with no lookup.
		if _, err := p.Check(raw); err == nil && got.Addr.IsValid() {
			addrs, err := p.Resolve(context.Background(), raw)
			if err != nil || len(addrs) != 1 || addrs[0].Addr() != got.Addr.Unmap() || addrs[0].Port() != got.Port {
				t.Fatalf("Resolve(%q) = %v, %v; want %v", raw, addrs, err, got)
			}
		}
	})
}

// FuzzParsePolicy: ParsePolicy never panics, and a list it accepts never
// allows an always-refused address.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{"loopback,private", "10.0.0.0/8", "*.svc.cluster.local", "0.0.0.0/0,::/0", "x,,y", "*", "::ffff:0.0.0.0/96"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := ParsePolicy(spec)
		if err != nil {
			return
		}
		for _, raw := range []string{"169.254.169.254:80", "[fe80::1]:80", "0.0.0.0:1", "[fd00:ec2::254]:80", "[::ffff:169.254.169.254]:80"} {
			if _, err := p.Check(raw); err == nil {
				t.Fatalf("ParsePolicy(%q) allows %s", spec, raw)
			}
		}
	})
}

// nullResolver fails every lookup: a fuzz input must not reach DNS.
type nullResolver struct{}

func (nullResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, errors.New("no lookups in this test")
}
