// Package webhook delivers events to HTTP destinations, subscriptions
// whose target is an https:// (or, where HOOKMESH_TARGET_ALLOW allows it,
// http://) URL: it builds the body (the normalized event as JSON with
// proto field names, or the raw body as received), signs it with the
// subscription's secrets as Standard Webhooks does (package whsec), POSTs
// it through one pooled http.Client whose every new connection the target
// policy checks, and turns the answer into the gRPC status a handler
// would have answered, so that the dispatcher's retry classes, breakers
// and reports apply unchanged:
//
//	2xx                         delivered
//	408                         DEADLINE_EXCEEDED   network class
//	429, 503 with Retry-After   RESOURCE_EXHAUSTED  throttled class, the hint as RetryInfo
//	502, 503, 504               UNAVAILABLE         network class
//	other 5xx                   INTERNAL            downstream class
//	3xx (never followed), 4xx   a validation code   dead letter
//	no answer                   UNAVAILABLE or DEADLINE_EXCEEDED
package webhook
