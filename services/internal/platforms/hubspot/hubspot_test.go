package hubspot_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/hubspot"
)

func TestURI(t *testing.T) {
	t.Parallel()
	v := hubspot.NewVerifier([]string{"s"}, 0)
	body, now := platformtest.Body, platformtest.Now
	// HubSpot signs the decoded form of these escapes; a proxy or framework
	// may hand us the encoded one.
	decoded := "https://hooks.example.com/webhooks/hubspot?a=b:c/d"
	encoded := "https://hooks.example.com/webhooks/hubspot?a=b%3Ac%2Fd"
	s, ts := hubspot.Signature("s", "POST", decoded, now, body)
	hd := platformtest.H("X-HubSpot-Signature-v3", s, "X-HubSpot-Request-Timestamp", ts)
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now, URL: encoded, Method: "POST"}), "")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now, URL: decoded}), "") // empty method: POST
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now, URL: decoded, Method: "PUT"}), "no v3 match")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now}), sig.ReasonNoURL)
	// The timestamp is signed: milliseconds changed, signature kept.
	hd.Set("X-HubSpot-Request-Timestamp", ts[:len(ts)-1]+"1")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now, URL: decoded}), "no v3 match")
	hd.Set("X-HubSpot-Request-Timestamp", "17e11")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now, URL: decoded}), sig.ReasonBadTimestamp)
	hd.Del("X-HubSpot-Request-Timestamp")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: body, Now: now, URL: decoded}), "missing X-HubSpot-Request-Timestamp header")
}

func TestKeys(t *testing.T) {
	t.Parallel()
	body := []byte(`[{"eventId":1,"portalId":7},{"eventId":"2","portalId":7},{"eventId":18446744073709551615,"portalId":8}]`)
	keys, err := hubspot.Platform.Items.Keys(body)
	if want := "[{7 1} {7 2} {8 18446744073709551615}]"; err != nil || fmt.Sprint(keys) != want {
		t.Errorf("Items.Keys = %v, %v; want %s", keys, err, want)
	}
	batch, err := hubspot.Platform.Key(nil, body)
	if err != nil || !strings.HasPrefix(batch.EventID, eventid.BatchPrefix) || batch.Source != "" {
		t.Errorf("Key = %+v, %v; want an unscoped batch key (two portals)", batch, err)
	}
	same, err := hubspot.Platform.Key(nil, []byte(`[{"eventId":1,"portalId":7},{"eventId":2,"portalId":7}]`))
	if err != nil || same.Source != "7" {
		t.Errorf("one portal: Key = %+v, %v; want scope 7", same, err)
	}
	one, err := hubspot.Platform.Key(nil, []byte(`[{"eventId":1,"portalId":7}]`))
	if err != nil || one != keys[0] {
		t.Errorf("one-item Key = %+v, %v; want %+v", one, err, keys[0])
	}
	if _, err := hubspot.Platform.Items.Keys([]byte(`[{"portalId":7}]`)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("item without eventId: %v, want ErrInvalid", err)
	}
}

func FuzzHeaders(f *testing.F) {
	const testURL = "https://hooks.example.com/webhooks/hubspot?x=1"
	s, ts := hubspot.Signature(platformtest.FuzzKnown, "POST", testURL, platformtest.Now, platformtest.Body)
	f.Add(s, ts, testURL, platformtest.Body)
	f.Add(s, ts, strings.Replace(testURL, "?", "%3F", 1), platformtest.Body)
	f.Add(s, "1700000000", testURL, platformtest.Body)
	f.Add("", "", "", platformtest.Body)
	known, unknowable := hubspot.NewVerifier([]string{platformtest.FuzzKnown}, 0), hubspot.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	dec := strings.NewReplacer("%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
		"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
		"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";")
	f.Fuzz(func(t *testing.T, signature, ts, u string, body []byte) {
		r := platform.Request{Header: http.Header{
			"X-Hubspot-Signature-V3": {signature}, "X-Hubspot-Request-Timestamp": {ts},
		}, Body: body, Now: platformtest.Now, URL: u, Method: "POST"}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		for _, cand := range []string{u, dec.Replace(u)} {
			if signature == base64.StdEncoding.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), "POST", cand, string(body), ts)) {
				return
			}
		}
		t.Fatalf("accepted %q for %q at %q", signature, u, ts)
	})
}
