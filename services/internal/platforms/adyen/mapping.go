package adyen

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is empty: Adyen's event code of the first item maps only with
// its success flag (AUTHORISATION, REFUND), which the adapter decides
// (successTypes); every other code is UNMAPPED.
var mapping = map[string]eventv1.EventType{}
