package retry

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

const (
	network    = ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
	throttled  = ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED
	downstream = ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM
	validation = ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION
)

func TestClassify(t *testing.T) {
	t.Parallel()
	want := map[codes.Code]ledgerv1.ErrorClass{
		codes.Unavailable: network, codes.DeadlineExceeded: network,
		codes.ResourceExhausted: throttled,
		codes.Internal:          downstream, codes.Unknown: downstream, codes.Aborted: downstream, codes.DataLoss: downstream,
		codes.InvalidArgument: validation, codes.FailedPrecondition: validation, codes.NotFound: validation,
		codes.PermissionDenied: validation, codes.Unauthenticated: validation, codes.Unimplemented: validation,
		codes.AlreadyExists: validation, codes.OutOfRange: validation, codes.Canceled: validation,
		codes.OK: ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED,
	}
	for code, class := range want {
		if got := Classify(code); got != class {
			t.Errorf("Classify(%v) = %v, want %v", code, got, class)
		}
	}
}

func maxJitter(d time.Duration) time.Duration { return d }

func TestNext(t *testing.T) {
	t.Parallel()
	p := Default()
	tests := []struct {
		name      string
		class     ledgerv1.ErrorClass
		attempts  int
		hint      time.Duration
		wantDelay time.Duration
		wantRetry bool
	}{
		{"network first", network, 1, 0, time.Second, true},
		{"network doubles", network, 3, 0, 4 * time.Second, true},
		{"network last attempt dead", network, 5, 0, 0, false},
		{"throttled fixed", throttled, 4, 0, 60 * time.Second, true},
		{"throttled hint", throttled, 1, 7 * time.Second, 7 * time.Second, true},
		{"throttled hint capped", throttled, 1, 48 * time.Hour, time.Hour, true},
		{"throttled dead after 10", throttled, 10, 0, 0, false},
		{"downstream linear", downstream, 2, 0, 20 * time.Second, true},
		{"downstream dead after 3", downstream, 3, 0, 0, false},
		{"validation never", validation, 1, 0, 0, false},
	}
	for _, tt := range tests {
		d, retry := p.Next(tt.class, tt.attempts, tt.hint, maxJitter)
		if d != tt.wantDelay || retry != tt.wantRetry {
			t.Errorf("%s: Next = %v, %v; want %v, %v", tt.name, d, retry, tt.wantDelay, tt.wantRetry)
		}
	}
}

func TestNetworkBackoffIsCappedAndJittered(t *testing.T) {
	t.Parallel()
	p := Default()
	p.Network.MaxAttempts = 100
	d, _ := p.Next(network, 60, 0, maxJitter)
	if d != p.Network.MaxDelay {
		t.Errorf("delay after 60 attempts = %v, want the cap %v", d, p.Network.MaxDelay)
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		d, _ := p.Next(network, 4, 0, FullJitter)
		if d < 0 || d > 8*time.Second {
			t.Fatalf("jittered delay %v outside [0, 8s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("full jitter produced only %d distinct delays in 50 draws", len(seen))
	}
}

func TestFromProtoOverrides(t *testing.T) {
	t.Parallel()
	p := FromProto(&ledgerv1.RetryPolicy{
		Network:   &ledgerv1.ClassPolicy{MaxAttempts: 2, Delay: durationpb.New(50 * time.Millisecond)},
		Throttled: &ledgerv1.ClassPolicy{Delay: durationpb.New(time.Second)},
	})
	if p.Network.MaxAttempts != 2 || p.Network.Delay != 50*time.Millisecond || p.Network.MaxDelay != 5*time.Minute {
		t.Errorf("network = %+v", p.Network)
	}
	if p.Throttled.MaxAttempts != 10 || p.Throttled.Delay != time.Second {
		t.Errorf("throttled = %+v", p.Throttled)
	}
	if p.Downstream != Default().Downstream {
		t.Errorf("downstream changed without an override: %+v", p.Downstream)
	}
}
