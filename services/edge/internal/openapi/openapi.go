// Package openapi holds the admin REST API's OpenAPI 2 description,
// generated from proto/ by `make generate` (protoc-gen-openapiv2, see
// buf.gen.yaml) into spec/ and embedded in the binary, so that the edge
// serves the description of exactly the API it was built with.
package openapi

import (
	_ "embed"
	"net/http"
)

// Path is the route of the description on the admin listener.
const Path = "/v1/openapi.json"

// Spec is the generated document (OpenAPI 2, JSON).
//
//go:embed spec/admin.swagger.json
var Spec []byte

// Handler serves Spec. It sets no auth of its own: the admin listener's
// token guard covers every /v1 route.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(Spec)
	})
}
