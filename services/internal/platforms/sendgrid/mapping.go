package sendgrid

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is empty: SendGrid's email events (delivered, open, bounce ...)
// have no common meaning, so every one is UNMAPPED.
var mapping = map[string]eventv1.EventType{}
