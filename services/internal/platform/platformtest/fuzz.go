package platformtest

import (
	"errors"
	"testing"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"google.golang.org/protobuf/proto"
)

// FuzzVerify fuzzes p's verifier with a signed sample whose first
// signature header and body the fuzzer varies (seeded with the valid
// values, the golden payloads and the corpus under testdata/fuzz/): it
// must never panic, must answer the same twice, and must fail only with a
// *platform.Error wrapping apperr.ErrUnauthenticated. The fuzz function
// takes (value string, body []byte).
func FuzzVerify(f *testing.F, p platform.Platform) {
	keys := Keys(f, p)
	valid := Sign(f, p, keys[0].Sign, Now)
	v := Verifier(f, p, keys[0], keys[1])
	name := ""
	if len(valid.SigHeaders) > 0 {
		name = valid.SigHeaders[0]
	}
	f.Add(valid.Request.Header.Get(name), valid.Request.Body)
	f.Add("", valid.Request.Body)
	f.Add("garbage", Tamper(valid.Request.Body))
	if p.TestData != nil {
		for _, c := range LoadCases(f, p.TestData, GoldenDir) {
			f.Add(valid.Request.Header.Get(name), c.Body)
		}
	}
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		r := valid.Request
		r.Header = valid.Request.Header.Clone()
		if name != "" {
			r.Header.Set(name, value)
		}
		r.Body = body
		err := v.Verify(r)
		if again := v.Verify(r); (err == nil) != (again == nil) {
			t.Fatalf("Verify answered %v, then %v", err, again)
		}
		if err == nil {
			return
		}
		var pe *platform.Error
		if !errors.As(err, &pe) || !errors.Is(err, apperr.ErrUnauthenticated) {
			t.Fatalf("Verify = %T %v, want *platform.Error wrapping ErrUnauthenticated", err, err)
		}
	})
}

// FuzzNormalize fuzzes p's normalization (Normalize) with the golden
// payloads' headers and any body, seeded with the golden payloads and
// degenerate bodies: it must never panic, must fail only with
// apperr.ErrInvalid, and every event must carry the fields consumers rely
// on and marshal. The fuzz function takes (body []byte).
func FuzzNormalize(f *testing.F, p platform.Platform) {
	cases := LoadCases(f, p.TestData, GoldenDir)
	if len(cases) == 0 {
		f.Fatalf("%s: no golden cases to seed from", p.Name)
	}
	for _, c := range cases {
		f.Add(c.Body)
	}
	for _, b := range []string{"", "{}", "null", "[]", `{"type":null}`, `"str"`, "{\"type\":\"a\xff\"}"} {
		f.Add([]byte(b))
	}
	base := cases[0].Headers
	f.Fuzz(func(t *testing.T, body []byte) {
		headers := make(map[string]string, len(base))
		for k, v := range base {
			headers[k] = eventid.Encode(v)
		}
		ev, err := Normalize(p, headers, body, ReceivedAt)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("error not classified as ErrInvalid: %v", err)
			}
			return
		}
		checkEvent(t, p, ev)
	})
}

func checkEvent(t *testing.T, p platform.Platform, e *eventv1.NormalizedEvent) {
	t.Helper()
	if e.GetEventId() == "" || e.GetPlatform() != p.Name || e.GetSourceEventType() == "" || e.GetReceivedAt() == nil || e.GetOccurredAt() == nil {
		t.Fatalf("incomplete event: %v", e)
	}
	if _, err := proto.Marshal(e); err != nil {
		t.Fatalf("event does not marshal: %v", err)
	}
}
