package sentry

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Sentry's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping): none. Sentry's webhooks are about
// errors, issues, alerts, comments and its own installations, which no
// common type describes (an issue is not an order, a comment is not a
// chat message, an installation is not a user), so they pass through as
// EVENT_TYPE_UNMAPPED with "<resource>.<action>" in source_event_type.
var mapping = map[string]eventv1.EventType{}
