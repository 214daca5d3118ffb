package edge

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// startEdgeGRPC runs an edge configured by env (startEdge) and returns it
// with a client of its EdgeService over a real gRPC connection, closed
// when the test ends.
func startEdgeGRPC(t *testing.T, env map[string]string) (*runningEdge, edgev1.EdgeServiceClient) {
	t.Helper()
	cfg, err := ConfigFromEnv(lookupMap(env))
	if err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, cfg)
	conn, err := grpc.NewClient(e.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return e, edgev1.NewEdgeServiceClient(conn)
}

// urlSignedSecrets are the secrets of the URL-signing presets in
// TestIngestURLSignedOverGRPC.
var urlSignedSecrets = map[string]string{
	"hubspot": "hubspot-client-secret-urltest",
	"square":  "square-signature-key-urltest",
	"twilio":  "twilio-auth-token-urltest",
}

// urlSignedBody is a payload each URL-signing preset accepts and derives
// the event id id from.
func urlSignedBody(platform, id string) []byte {
	switch platform {
	case "twilio":
		return []byte("AccountSid=AC1&MessageSid=SM" + id + "&Body=hi")
	case "hubspot":
		return []byte(`[{"eventId":` + id + `,"portalId":62515,"subscriptionType":"contact.creation","objectId":1}]`)
	}
	return []byte(`{"merchant_id":"M1","type":"payment.updated","event_id":"` + id + `","data":{}}`)
}

// urlSignedRequest signs body as platform would when requesting method
// at signedURL, and returns it as an IngestRequest stating url and
// statedMethod.
func urlSignedRequest(t *testing.T, platform, id, method, signedURL string) *edgev1.IngestRequest {
	t.Helper()
	body := urlSignedBody(platform, id)
	h, _, err := verify.SignRequest(platform, verify.SignInput{
		Secret: urlSignedSecrets[platform], Now: time.Now(), ID: "idem-" + id, Body: body, Method: method, URL: signedURL,
	})
	if err != nil {
		t.Fatalf("sign %s: %v", platform, err)
	}
	if platform == "twilio" {
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	headers := map[string]string{}
	for k, vs := range h {
		headers[k] = strings.Join(vs, ", ")
	}
	return &edgev1.IngestRequest{Platform: platform, Headers: headers, Body: body, Url: signedURL, Method: method}
}

// TestIngestURLSignedOverGRPC: over a real gRPC connection to a running
// edge, HubSpot v3, Square and Twilio webhooks signed for the edge's URL
// are accepted when the caller states that URL (and HubSpot's method);
// refused UNAUTHENTICATED when the stated URL or method is not what was
// signed; refused INVALID_ARGUMENT, naming the url, when the URL is
// missing or is not one the HTTP route could have received (a request
// the platform signed for another endpoint). The same webhooks still
// verify over HTTP. Run with and without HOOKMESH_PUBLIC_URL.
func TestIngestURLSignedOverGRPC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		publicURL string
	}{
		{"host from the URL", ""},
		{"HOOKMESH_PUBLIC_URL", "https://hooks.example.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"HOOKMESH_RATE_LIMIT_PLATFORM": "0", "HOOKMESH_RATE_LIMIT_SOURCE": "0"}
			if tc.publicURL != "" {
				env["HOOKMESH_PUBLIC_URL"] = tc.publicURL
			}
			for p, s := range urlSignedSecrets {
				env["HOOKMESH_SECRET_"+strings.ToUpper(p)] = s
			}
			e, client := startEdgeGRPC(t, env)
			base := tc.publicURL
			if base == "" {
				base = "http://hooks.internal:8080" // any Host the HTTP route could have seen
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ingestCode := func(in *edgev1.IngestRequest) (codes.Code, string) {
				t.Helper()
				resp, err := client.Ingest(ctx, in)
				if err == nil && resp.GetStatus() != "accepted" {
					t.Fatalf("%s: status %q", in.GetPlatform(), resp.GetStatus())
				}
				st := status.Convert(err)
				return st.Code(), st.Message()
			}

			for i, p := range []string{"hubspot", "square", "twilio"} {
				own := base + "/webhooks/" + p + "?tenant=7"
				id := func(n int) string { return string(rune('1'+i)) + strings.Repeat("0", n) }

				in := urlSignedRequest(t, p, id(1), http.MethodPost, own)
				if c, msg := ingestCode(in); c != codes.OK {
					t.Errorf("%s with the signed URL: %v %s, want OK", p, c, msg)
				}
				in = urlSignedRequest(t, p, id(2), "", own) // empty method: POST
				if c, msg := ingestCode(in); c != codes.OK {
					t.Errorf("%s without a method: %v %s, want OK", p, c, msg)
				}

				in = urlSignedRequest(t, p, id(3), http.MethodPost, own)
				in.Url = base + "/webhooks/" + p + "?tenant=8"
				if c, _ := ingestCode(in); c != codes.Unauthenticated {
					t.Errorf("%s with another query than signed: %v, want Unauthenticated", p, c)
				}
				if p == "hubspot" {
					in = urlSignedRequest(t, p, id(4), http.MethodPost, own)
					in.Method = http.MethodPut
					if c, _ := ingestCode(in); c != codes.Unauthenticated {
						t.Errorf("hubspot with another method than signed: %v, want Unauthenticated", c)
					}
				}

				in = urlSignedRequest(t, p, id(5), http.MethodPost, own)
				in.Url = ""
				if c, msg := ingestCode(in); c != codes.InvalidArgument || !strings.Contains(msg, "url is required") {
					t.Errorf("%s without a URL: %v %q, want InvalidArgument naming the url", p, c, msg)
				}

				// Signed by the platform with the same secret, but for
				// another endpoint: over HTTP it could never verify here.
				other := "https://other-app.example.test/hooks/" + p
				in = urlSignedRequest(t, p, id(6), http.MethodPost, other)
				if c, msg := ingestCode(in); c != codes.InvalidArgument || !strings.Contains(msg, "not this edge's URL") {
					t.Errorf("%s with another endpoint's URL: %v %q, want InvalidArgument", p, c, msg)
				}

				// HTTP is unchanged: signed for the URL the edge builds.
				httpURL := e.URL + "/webhooks/" + p
				if tc.publicURL != "" {
					httpURL = tc.publicURL + "/webhooks/" + p
				}
				in = urlSignedRequest(t, p, id(7), http.MethodPost, httpURL)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/webhooks/"+p, strings.NewReader(string(in.GetBody())))
				for k, v := range in.GetHeaders() {
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					t.Errorf("%s over HTTP: %s, want 202", p, resp.Status)
				}
			}
			// Accepted: two webhooks per platform over gRPC, one over HTTP.
			if n := len(e.Ledger.Recorded()); n != 9 {
				t.Errorf("%d recorded, want 9", n)
			}
		})
	}
}

// TestIngestIgnoresURLOfOtherPlatforms: a platform that signs no URL
// accepts a gRPC Ingest without url, or with any url and method.
func TestIngestIgnoresURLOfOtherPlatforms(t *testing.T) {
	t.Parallel()
	const secret = "stripe-secret-urltest"
	_, client := startEdgeGRPC(t, map[string]string{"HOOKMESH_SECRET_STRIPE": secret, "HOOKMESH_RATE_LIMIT_SOURCE": "0"})
	for i, in := range []*edgev1.IngestRequest{
		{},
		{Url: "not a URL at all", Method: "BREW"},
	} {
		body := []byte(`{"id":"evt_url_` + string(rune('a'+i)) + `","type":"charge.succeeded"}`)
		h, err := verify.Sign("stripe", secret, time.Now(), "", body)
		if err != nil {
			t.Fatal(err)
		}
		in.Platform, in.Body, in.Headers = "stripe", body, map[string]string{"Stripe-Signature": h.Get("Stripe-Signature")}
		if _, err := client.Ingest(context.Background(), in); err != nil {
			t.Errorf("stripe with url %q method %q: %v, want accepted", in.GetUrl(), in.GetMethod(), err)
		}
	}
}

// TestSignsURL: the edge asks a gRPC caller for the URL exactly for the
// presets that sign it and the configured sources whose content signs
// {url}.
func TestSignsURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    Platform
		want bool
	}{
		{Platform{Name: "hubspot"}, true},
		{Platform{Name: "square"}, true},
		{Platform{Name: "twilio"}, true},
		{Platform{Name: "stripe"}, false},
		{Platform{Name: "acme", Source: &sources.Source{Name: "acme", Signature: sources.Signature{Content: "{method} {url}.{body}"}}}, true},
		{Platform{Name: "acme", Source: &sources.Source{Name: "acme", Signature: sources.Signature{Content: "{timestamp}.{body}"}}}, false},
		{Platform{Name: "acme", Source: &sources.Source{Name: "acme"}}, false}, // default {body}
	} {
		if got := signsURL(tc.p); got != tc.want {
			t.Errorf("%s %+v: signsURL %v, want %v", tc.p.Name, tc.p.Source, got, tc.want)
		}
	}
}
