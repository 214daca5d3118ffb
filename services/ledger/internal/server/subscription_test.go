package server_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/target"
)

// stubDNS answers from a table and fails every other name, as a name with
// no record does: server tests never send a DNS query.
type stubDNS map[string]string

func (s stubDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ip, ok := s[host]
	if !ok {
		return nil, errors.New("stub: no such host")
	}
	return []netip.Addr{netip.MustParseAddr(ip)}, nil
}

// testTargets is the default policy over stubDNS.
var testTargets = target.Default().WithResolver(stubDNS{
	"metadata.evil.example": "169.254.169.254",
	"public.example":        "8.8.8.8",
	"handler.internal":      "10.1.2.3",
})

// TestRefusedTargets: a subscription whose target HOOKMESH_TARGET_ALLOW
// refuses is not created (nor is a subscription updated to one), with
// INVALID_ARGUMENT naming the rule; allowed targets, and host names that
// do not resolve yet, are accepted.
func TestRefusedTargets(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	for target, rule := range map[string]string{
		"169.254.169.254:80":        "target 169.254.169.254:80: address 169.254.169.254 is link-local (always refused)",
		"unix:///tmp/x":             "target unix:///tmp/x: scheme unix is not a TCP target",
		"unix-abstract:hookmesh":    "scheme unix-abstract is not a TCP target",
		"[fe80::1]:80":              "address fe80::1 is link-local (always refused)",
		"[fd00:ec2::254]:80":        "address fd00:ec2::254 is a cloud metadata address (always refused)",
		"0.0.0.0:9094":              "address 0.0.0.0 is unspecified (always refused)",
		"8.8.8.8:53":                "address 8.8.8.8 is not in HOOKMESH_TARGET_ALLOW (loopback,private)",
		"metadata.evil.example:80":  "host metadata.evil.example resolves to 169.254.169.254, which is link-local (always refused)",
		"dns:///public.example:443": "host public.example resolves to 8.8.8.8, which is not in HOOKMESH_TARGET_ALLOW (loopback,private)",
	} {
		sub := &ledgerv1.Subscription{Name: "refused", Target: target}
		_, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), rule) {
			t.Errorf("CreateSubscription(%s) = %v, want INVALID_ARGUMENT containing %q", target, err, rule)
		}
	}
	_, err := c.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "refused"})
	wantCode(t, "GetSubscription after refusals", err, codes.NotFound)

	for name, target := range map[string]string{"literal": "10.1.2.3:9000", "loopback": "127.0.0.1:9094",
		"resolved": "dns:///handler.internal:9000", "not-yet": "nowhere.internal:9000"} {
		sub := &ledgerv1.Subscription{Name: name, Target: target}
		if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
			t.Errorf("CreateSubscription(%s) = %v, want it created", target, err)
		}
	}
	_, err = c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{
		Subscription: &ledgerv1.Subscription{Name: "literal", Target: "169.254.169.254:80"}})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "link-local (always refused)") {
		t.Errorf("UpdateSubscription to the metadata address = %v, want INVALID_ARGUMENT naming the rule", err)
	}
	got, err := c.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "literal"})
	if err != nil || got.GetSubscription().GetTarget() != "10.1.2.3:9000" {
		t.Errorf("after the refused update: %v, %v; want the target unchanged", got, err)
	}
}
