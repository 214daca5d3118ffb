package target

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/env"
)

// stubResolver answers from a table; a name it does not know fails, as an
// unknown name does. It records the names asked, so a test can tell that
// no lookup was made.
type stubResolver struct {
	mu    sync.Mutex
	hosts map[string][]string
	asked []string
}

func (s *stubResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, host)
	if network != "ip" {
		return nil, errors.New("stub: network " + network)
	}
	ips, ok := s.hosts[host]
	if !ok {
		return nil, errors.New("stub: no such host")
	}
	var out []netip.Addr
	for _, ip := range ips {
		out = append(out, netip.MustParseAddr(ip))
	}
	return out, nil
}

func stub() *stubResolver {
	return &stubResolver{hosts: map[string][]string{
		"handler.internal":                    {"10.1.2.3"},
		"localhost":                           {"127.0.0.1", "::1"},
		"metadata.evil.example":               {"169.254.169.254"},
		"mixed.internal":                      {"10.0.0.7", "169.254.169.254"},
		"public.example":                      {"8.8.8.8"},
		"billing.billing.svc.cluster.local":   {"8.8.4.4"},
		"rebound.svc.cluster.local":           {"169.254.169.254"},
		"mapped.internal":                     {"::ffff:169.254.169.254"},
		"aws6.internal":                       {"fd00:ec2::254"},
		"payments.internal":                   {"203.0.113.9"},
		"nat64.internal":                      {"64:ff9b::a9fe:a9fe"},
		"two.internal":                        {"10.0.0.1", "10.0.0.1", "fd12::1"},
		"ula.internal":                        {"fd12:3456::1"},
		"zone.internal":                       {"fe80::1%eth0"},
		"broadcast.internal":                  {"255.255.255.255"},
		"multicast.internal":                  {"239.1.2.3"},
		"unspecified.internal":                {"0.0.0.0"},
		"alibaba.internal":                    {"100.100.100.200"},
		"loopback-and-private.internal":       {"127.0.0.1", "192.168.1.1"},
		"public-and-private.internal":         {"192.168.1.1", "1.1.1.1"},
		"unmatched-suffix.svc.cluster.local2": {"8.8.8.8"},
	}}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	cluster, err := ParsePolicy("private, *.svc.cluster.local, payments.internal")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		policy *Policy
		target string
		want   []string // addresses allowed; nil when refused
		rule   string   // a part of the refusal's message
	}{
		{nil, "169.254.169.254:80", nil, "target 169.254.169.254:80: address 169.254.169.254 is link-local (always refused)"},
		{nil, "unix:///tmp/x", nil, "scheme unix is not a TCP target"},
		{nil, "unix:/tmp/x", nil, "scheme unix is not a TCP target"},
		{nil, "unix-abstract:hookmesh", nil, "scheme unix-abstract is not a TCP target"},
		{nil, "vsock:3:9000", nil, "scheme vsock is not a TCP target"},
		{nil, "xds:///payments", nil, "scheme xds is not a TCP target"},
		{nil, "[fe80::1]:80", nil, "address fe80::1 is link-local (always refused)"},
		{nil, "[fe80::1%eth0]:80", nil, "zone"},
		{nil, "10.1.2.3:9000", []string{"10.1.2.3:9000"}, ""},
		{nil, "dns:///10.1.2.3:9000", []string{"10.1.2.3:9000"}, ""},
		{nil, "passthrough:///127.0.0.1:9094", []string{"127.0.0.1:9094"}, ""},
		{nil, "[::1]:9094", []string{"[::1]:9094"}, ""},
		{nil, "8.8.8.8:53", nil, "target 8.8.8.8:53: address 8.8.8.8 is not in HOOKMESH_TARGET_ALLOW (loopback,private)"},
		{nil, "[::ffff:169.254.169.254]:80", nil, "link-local (always refused)"},
		{nil, "0.0.0.0:9094", nil, "unspecified (always refused)"},
		{nil, "[::]:9094", nil, "unspecified (always refused)"},
		{nil, "[fd00:ec2::254]:80", nil, "address fd00:ec2::254 is a cloud metadata address (always refused)"},
		{nil, "224.0.0.1:80", nil, "multicast (always refused)"},
		{nil, "255.255.255.255:80", nil, "broadcast (always refused)"},
		{nil, "dns://8.8.8.8/handler.internal:80", nil, "DNS server"},
		{nil, "handler.internal:9000", []string{"10.1.2.3:9000"}, ""},
		{nil, "dns:///Handler.Internal.:9000", []string{"10.1.2.3:9000"}, ""},
		{nil, "localhost:9094", []string{"127.0.0.1:9094", "[::1]:9094"}, ""},
		{nil, ":9094", []string{"127.0.0.1:9094", "[::1]:9094"}, ""},
		{nil, "two.internal:1", []string{"10.0.0.1:1", "[fd12::1]:1"}, ""},
		{nil, "handler.internal", []string{"10.1.2.3:443"}, ""},
		{nil, "metadata.evil.example:80", nil, "target metadata.evil.example:80: host metadata.evil.example resolves to 169.254.169.254, which is link-local (always refused)"},
		{nil, "mixed.internal:80", nil, "resolves to 169.254.169.254, which is link-local"},
		{nil, "mapped.internal:80", nil, "resolves to 169.254.169.254, which is link-local"},
		{nil, "aws6.internal:80", nil, "cloud metadata address (always refused)"},
		{nil, "alibaba.internal:80", nil, "cloud metadata address (always refused)"},
		{nil, "nat64.internal:80", nil, "link-local behind NAT64 (always refused)"},
		{nil, "zone.internal:80", nil, "link-local (always refused)"},
		{nil, "broadcast.internal:80", nil, "broadcast (always refused)"},
		{nil, "multicast.internal:80", nil, "multicast (always refused)"},
		{nil, "unspecified.internal:80", nil, "unspecified (always refused)"},
		{nil, "public.example:443", nil, "host public.example resolves to 8.8.8.8, which is not in HOOKMESH_TARGET_ALLOW (loopback,private)"},
		{nil, "public-and-private.internal:443", nil, "resolves to 1.1.1.1, which is not in"},
		{nil, "loopback-and-private.internal:443", []string{"127.0.0.1:443", "192.168.1.1:443"}, ""},
		{nil, "ula.internal:9000", []string{"[fd12:3456::1]:9000"}, ""},
		// Name entries allow what the list's ranges would not, never an
		// always-refused address.
		{cluster, "dns:///billing.billing.svc.cluster.local:9000", []string{"8.8.4.4:9000"}, ""},
		{cluster, "rebound.svc.cluster.local:80", nil, "link-local (always refused)"},
		{cluster, "payments.internal:9000", []string{"203.0.113.9:9000"}, ""},
		{cluster, "unmatched-suffix.svc.cluster.local2:80", nil, "not in HOOKMESH_TARGET_ALLOW (private,*.svc.cluster.local,payments.internal)"},
		{cluster, "127.0.0.1:9094", nil, "not in HOOKMESH_TARGET_ALLOW"},
		{cluster, "10.9.9.9:9094", []string{"10.9.9.9:9094"}, ""},
	}
	for _, tt := range tests {
		p := tt.policy.WithResolver(stub())
		got, err := p.Resolve(context.Background(), tt.target)
		if tt.want == nil {
			var refused *RefusedError
			if !errors.As(err, &refused) || !strings.Contains(err.Error(), tt.rule) {
				t.Errorf("Resolve(%q) = %v, %v; want a refusal containing %q", tt.target, got, err, tt.rule)
			}
			continue
		}
		var strs []string
		for _, a := range got {
			strs = append(strs, a.String())
		}
		if err != nil || !slices.Equal(strs, tt.want) {
			t.Errorf("Resolve(%q) = %v, %v; want %v", tt.target, strs, err, tt.want)
		}
	}
}

// TestCheckNeedsNoDNS: Check refuses what it can without a lookup and
// passes host names through.
func TestCheckNeedsNoDNS(t *testing.T) {
	t.Parallel()
	r := stub()
	p := Default().WithResolver(r)
	for _, raw := range []string{"169.254.169.254:80", "unix:///tmp/x", "8.8.8.8:53"} {
		var refused *RefusedError
		if _, err := p.Check(raw); !errors.As(err, &refused) {
			t.Errorf("Check(%q) = %v, want a refusal", raw, err)
		}
	}
	for _, raw := range []string{"metadata.evil.example:80", "10.1.2.3:9000", "nowhere.internal:1"} {
		if _, err := p.Check(raw); err != nil {
			t.Errorf("Check(%q) = %v, want it to pass", raw, err)
		}
	}
	if len(r.asked) != 0 {
		t.Errorf("Check looked up %v", r.asked)
	}
}

func TestResolveLookupFailure(t *testing.T) {
	t.Parallel()
	_, err := Default().WithResolver(stub()).Resolve(context.Background(), "nowhere.internal:9000")
	var lookup *LookupError
	var refused *RefusedError
	if !errors.As(err, &lookup) || errors.As(err, &refused) || lookup.Host != "nowhere.internal" {
		t.Fatalf("Resolve = %v, want a LookupError (not a refusal)", err)
	}
	if !strings.Contains(err.Error(), "no such host") {
		t.Errorf("error %q does not carry the resolver's", err)
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"loopback", "PRIVATE", "10.0.0.0/8, fd00::/8", "10.1.2.3", "payments.internal",
		"*.svc.cluster.local", "0.0.0.0/0", "::/0", "::ffff:10.0.0.0/104"} {
		if _, err := ParsePolicy(spec); err != nil {
			t.Errorf("ParsePolicy(%q) = %v", spec, err)
		}
	}
	for spec, want := range map[string]string{
		"":                     "no entries",
		" , ":                  "no entries",
		"10.0.0.0/33":          "not a CIDR",
		"169.254.0.0/16":       "link-local, which is always refused",
		"169.254.169.254":      "link-local, which is always refused",
		"fd00:ec2::254":        "cloud metadata address",
		"*":                    "entry *",
		"*.":                   "name suffix",
		"bad name.internal":    "not a CIDR, an IP address",
		"pay*.internal":        "not a CIDR, an IP address",
		"fe80::1%eth0":         "zone",
		"loopback,10.0.0.0/99": "10.0.0.0/99",
	} {
		if _, err := ParsePolicy(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePolicy(%q) = %v, want an error containing %q", spec, err, want)
		}
	}
	// A mapped IPv4 prefix allows the IPv4 addresses.
	p, _ := ParsePolicy("::ffff:10.0.0.0/104")
	if _, err := p.Check("10.2.3.4:1"); err != nil {
		t.Errorf("mapped prefix: %v", err)
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	lookup := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	r := env.New(lookup(nil))
	if p := FromEnv(r); p.String() != DefaultAllow || r.Err() != nil {
		t.Errorf("unset: %v, %v; want the default", p, r.Err())
	}
	r = env.New(lookup(map[string]string{EnvVar: "10.0.0.0/8"}))
	p := FromEnv(r)
	if r.Err() != nil || p.String() != "10.0.0.0/8" {
		t.Fatalf("set: %v, %v", p, r.Err())
	}
	// A set value replaces the default: loopback is no longer allowed.
	if _, err := p.Check("127.0.0.1:9094"); err == nil {
		t.Error("loopback allowed by a list without it")
	}
	r = env.New(lookup(map[string]string{EnvVar: "loopback,nonsense/1"}))
	FromEnv(r)
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), EnvVar) || !strings.Contains(err.Error(), "nonsense/1") {
		t.Errorf("malformed: %v, want an error naming %s and the entry", err, EnvVar)
	}
}
