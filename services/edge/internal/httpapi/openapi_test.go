package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"
	"go.yaml.in/yaml/v3"

	"github.com/hookmesh/hookmesh/services/internal/admin"
)

// httpRules reads the admin API's HTTP rules, the source the gateway and
// the description are both generated from, as "METHOD /path" strings.
func httpRules(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../../../proto/hookmesh/http.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		HTTP struct {
			Rules []map[string]string `yaml:"rules"`
		} `yaml:"http"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("http.yaml: %v", err)
	}
	var routes []string
	for _, r := range cfg.HTTP.Rules {
		for _, m := range []string{"get", "post", "put", "delete", "patch"} {
			if p, ok := r[m]; ok {
				routes = append(routes, strings.ToUpper(m)+" "+p)
			}
		}
	}
	slices.Sort(routes)
	if len(routes) == 0 {
		t.Fatal("http.yaml has no rules")
	}
	return routes
}

// TestOpenAPIServed fetches the description from the admin listener's
// handler as a client would (with the admin token), validates it as
// OpenAPI 2 and checks that it describes every route of http.yaml and
// no other.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	rest, err := NewAdmin(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := admin.NewHandler(admin.Options{Token: "openapi-test-token", API: rest})

	req := httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("GET /v1/openapi.json without the token = %d, want 401 like the rest of /v1", rec.Code)
	}

	req = httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil)
	req.Header.Set("Authorization", "Bearer openapi-test-token")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /v1/openapi.json = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}

	doc, err := loads.Analyzed(body, "")
	if err != nil {
		t.Fatalf("load the description: %v", err)
	}
	if v := doc.Version(); v != "2.0" {
		t.Fatalf("swagger version %q, want 2.0", v)
	}
	if err := validate.Spec(doc, strfmt.Default); err != nil {
		t.Fatalf("the description is not valid OpenAPI 2: %v", err)
	}

	var described []string
	for path, item := range doc.Spec().Paths.Paths {
		for m, op := range map[string]*spec.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "DELETE": item.Delete, "PATCH": item.Patch} {
			if op != nil {
				described = append(described, m+" "+path)
			}
		}
	}
	slices.Sort(described)
	if want := httpRules(t); !slices.Equal(described, want) {
		t.Errorf("the description's routes differ from http.yaml's:\n got %v\nwant %v", described, want)
	}

	// Every request body and field is documented: each definition's
	// properties have a description or title, as the proto comments give.
	for name, schema := range doc.Spec().Definitions {
		if !strings.HasPrefix(name, "v1") {
			continue // protobuf's own types (rpcStatus, protobufAny)
		}
		for prop, p := range schema.Properties {
			if p.Description == "" && p.Title == "" && p.Ref.String() == "" {
				t.Errorf("definition %s: field %s has no description (comment it in the .proto file)", name, prop)
			}
		}
	}
}
