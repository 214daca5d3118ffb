package vercel

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Vercel's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping): none. Vercel reports deployments,
// projects, domains and integration configurations, which no common type
// describes (a deployment is not code pushed: the push is GitHub's or
// GitLab's event), so they pass through as EVENT_TYPE_UNMAPPED with the
// body's type kept.
var mapping = map[string]eventv1.EventType{}
