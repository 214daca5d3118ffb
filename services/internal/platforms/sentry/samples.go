package sentry

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Sentry webhooks `hookmesh send` builds, modelled on the
// payloads of Sentry's integration-platform docs. The fresh id is a
// Request-ID (uuid4 in hex, as Sentry sends it); the templates derive the
// issue number from it so each sample's body, its dedup key, differs.
var samples = platform.Samples{
	Default:        "issue.created",
	NewID:          func(time.Time) string { return strings.ReplaceAll(randid.UUID(), "-", "") },
	Templates:      templates,
	KeyedByContent: true,
}

var templates = map[string]platform.Template{
	"issue.created":         issue("created", "unresolved", "new"),
	"issue.resolved":        issue("resolved", "resolved", ""),
	"event_alert.triggered": eventAlert,
	"comment.created":       comment,
}

// number turns a hex id into a positive decimal id of at most 10 digits.
func number(id string) string {
	n, _ := strconv.ParseUint(id[:min(len(id), 8)], 16, 64)
	return strconv.FormatUint(1_000_000_000+n%1_000_000_000, 10)
}

func headers(resource string) http.Header {
	return http.Header{"Sentry-Hook-Resource": {resource}, "Content-Type": {"application/json"}}
}

func issue(action, status, substatus string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		n := number(id)
		seen := now.UTC().Add(-time.Minute).Format("2006-01-02T15:04:05.000000Z")
		return fmt.Sprintf(`{"action": "%s", "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}, "data": {"issue": {"annotations": [], "assignedTo": null, "count": "1", "culprit": "?(runner)", "firstSeen": "%s", "hasSeen": false, "id": "%s", "isBookmarked": false, "isPublic": false, "isSubscribed": false, "lastSeen": "%s", "level": "error", "logger": null, "metadata": {"filename": "/runner", "type": "ReferenceError", "value": "blooopy is not defined"}, "numComments": 0, "permalink": null, "platform": "javascript", "project": {"id": "1", "name": "front-end", "platform": "", "slug": "front-end"}, "shareId": null, "shortId": "FRONT-END-%s", "status": "%s", "statusDetails": {}, "subscriptionDetails": null, "substatus": %s, "title": "ReferenceError: blooopy is not defined", "type": "error", "userCount": 1}}, "actor": {"id": "sentry", "name": "Sentry", "type": "application"}}`,
			action, seen, n, seen, n[len(n)-3:], status, jsonOrNull(substatus)), headers("issue")
	}
}

func eventAlert(id string, now time.Time) (string, http.Header) {
	n := number(id)
	return fmt.Sprintf(`{"action": "triggered", "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}, "data": {"event": {"event_id": "%s", "issue_id": "%s", "project": 1, "platform": "javascript", "level": "error", "message": "", "title": "ReferenceError: blooopy is not defined", "culprit": "?(runner)", "datetime": "%s", "url": "https://sentry.io/api/0/projects/acme/front-end/events/%s/", "web_url": "https://sentry.io/organizations/acme/issues/%s/events/%s/", "issue_url": "https://sentry.io/api/0/issues/%s/"}, "triggered_rule": "Send a notification for new issues"}, "actor": {"id": "sentry", "name": "Sentry", "type": "application"}}`,
		id, n, now.UTC().Format("2006-01-02T15:04:05.000000Z"), id, n, id, n), headers("event_alert")
}

func comment(id string, now time.Time) (string, http.Header) {
	n := number(id)
	return fmt.Sprintf(`{"action": "created", "data": {"comment": "adding a comment", "project_slug": "front-end", "comment_id": %s, "issue_id": 100, "timestamp": "%s"}, "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}, "actor": {"type": "user", "id": 1, "name": "colleen"}}`,
		n, now.UTC().Format("2006-01-02T15:04:05.000000Z")), headers("comment")
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return strconv.Quote(s)
}
