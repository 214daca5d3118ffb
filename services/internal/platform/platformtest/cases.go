package platformtest

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// Now is the signing time of the standard cases and of Case rows that
// leave Now zero.
var Now = time.Unix(1_700_000_000, 0)

var (
	// Body is the payload of Case rows that leave Body nil.
	Body = []byte(`{"id":"evt_1","object":"event"}`)
	// TamperedBody is Body with one byte changed.
	TamperedBody = []byte(`{"id":"evt_1","object":"evenT"}`)
)

// Case is one row of a platform's own verification table: a request and
// the Reason it must fail with ("" means it must be accepted).
type Case struct {
	// Name names the subtest.
	Name string
	// Header is the request's headers.
	Header http.Header
	// Body is the request body; nil means Body.
	Body []byte
	// Now is the verification time; zero means Now.
	Now time.Time
	// Want is the failure Reason, or "" for success.
	Want string
}

// RunCases verifies each case with v, in parallel subtests.
func RunCases(t *testing.T, v platform.Verifier, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			body := tc.Body
			if body == nil {
				body = Body
			}
			now := tc.Now
			if now.IsZero() {
				now = Now
			}
			CheckErr(t, v.Verify(platform.Request{Header: tc.Header, Body: body, Now: now}), tc.Want)
		})
	}
}

// CheckErr asserts err is nil when want is "", and otherwise a
// *platform.Error with that Reason which wraps apperr.ErrUnauthenticated.
func CheckErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("Verify = %v, want nil", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Verify = nil, want failure %q", want)
	}
	if !errors.Is(err, apperr.ErrUnauthenticated) {
		t.Errorf("Verify = %v, does not wrap apperr.ErrUnauthenticated", err)
	}
	var ve *platform.Error
	if !errors.As(err, &ve) {
		t.Fatalf("Verify = %T %v, want *platform.Error", err, err)
	}
	if ve.Reason != want {
		t.Errorf("Reason = %q, want %q", ve.Reason, want)
	}
}

// H builds headers from name, value pairs.
func H(kv ...string) http.Header {
	hd := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		hd.Set(kv[i], kv[i+1])
	}
	return hd
}
