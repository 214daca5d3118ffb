package linear

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Linear's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping), keyed type + "." + action.
// Nothing maps: no payments, orders or subscriptions, and its users are
// workspace members.
var mapping = map[string]eventv1.EventType{}
