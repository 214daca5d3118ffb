package mux_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mux"
)

// The vector of Mux's Node SDK tests (muxinc/mux-node-sdk,
// tests/api-resources/webhooks.test.ts): secret, timestamp, body and the
// v1 signature Mux computed.
const (
	vectorSecret = "SuperSecret123"
	vectorTime   = 1565125718
	vectorBody   = `{"test":"body"}`
	vectorV1     = "854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7"
)

func TestMuxVector(t *testing.T) {
	t.Parallel()
	at := time.Unix(vectorTime, 0)
	if got, want := mux.Signature(vectorSecret, at, []byte(vectorBody)), "t=1565125718,v1="+vectorV1; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	v := mux.NewVerifier([]string{vectorSecret}, 0)
	req := func(header string, now time.Time) platform.Request {
		return platform.Request{Header: http.Header{"Mux-Signature": {header}}, Body: []byte(vectorBody), Now: now}
	}
	// The SDK's cases: valid; six minutes later too old; several
	// signatures, one valid; only a v2; v2 and v1; no timestamp.
	for _, tc := range []struct {
		name, header string
		now          time.Time
		want         string
	}{
		{"valid", "t=1565125718,v1=" + vectorV1, at, ""},
		{"six minutes later", "t=1565125718,v1=" + vectorV1, at.Add(6 * time.Minute), sig.ReasonTooOld},
		{"multiple signatures", "t=1565125718,v1=invalid-sig,v1=" + vectorV1, at, ""},
		{"another scheme only", "t=1565125718,v2=" + vectorV1, at, sig.ReasonNoV1},
		{"another scheme first", "t=1565125718,v2=" + vectorV1 + ",v1=" + vectorV1, at, ""},
		{"no timestamp", vectorV1, at, sig.ReasonMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			platformtest.CheckErr(t, v.Verify(req(tc.header, tc.now)), tc.want)
		})
	}
}

func TestVerifyWindow(t *testing.T) {
	t.Parallel()
	v := mux.NewVerifier([]string{"mux-secret"}, 0)
	valid := platformtest.H("Mux-Signature", mux.Signature("mux-secret", platformtest.Now, platformtest.Body))
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "5 minutes old", Header: valid, Now: platformtest.Now.Add(mux.DefaultTolerance)},
		{Name: "older", Header: valid, Now: platformtest.Now.Add(mux.DefaultTolerance + time.Second), Want: sig.ReasonTooOld},
		{Name: "from the future", Header: valid, Now: platformtest.Now.Add(-mux.DefaultTolerance - time.Second), Want: sig.ReasonFuture},
		{Name: "no header", Want: sig.ReasonNoHeader},
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := mux.Platform.Key(nil, []byte(`{"type": "video.asset.ready", "id": "3a56ac3d-33da-4366-855b-f592d898409d", "object": {"id": "x"}}`))
	if err != nil || k.EventID != "3a56ac3d-33da-4366-855b-f592d898409d" || k.Source != "" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	if k, err := mux.Platform.Key(nil, []byte(`{"id": ["x"]}`)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("id an array: Key = %+v, %v; want apperr.ErrInvalid", k, err)
	}
}
