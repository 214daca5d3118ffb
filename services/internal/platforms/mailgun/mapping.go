package mailgun

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is empty: Mailgun's email events (delivered, failed, opened
// ...) have no common meaning, so every one is UNMAPPED.
var mapping = map[string]eventv1.EventType{}
