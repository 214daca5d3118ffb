package jira

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Jira webhooks `hookmesh send` builds, modelled on the
// payloads of Jira Cloud's webhook docs. The fresh id is the
// X-Atlassian-Webhook-Identifier. The default is a type the mapping maps
// (a user created); issue events are the other templates.
var samples = platform.Samples{
	Default:   "user_created",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	IDHeaders: func(id string) http.Header {
		h := http.Header{}
		h.Set(idHeader, id)
		h.Set("X-Atlassian-Webhook-Flow", "Primary")
		return h
	},
}

var templates = map[string]platform.Template{
	"jira:issue_created": issue("jira:issue_created", "issue_created"),
	"jira:issue_updated": issue("jira:issue_updated", "issue_generic"),
	"comment_created":    comment,
	"user_created":       user,
}

const actor = `{"self": "https://your-domain.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g", "accountId": "5b10a2844c20165700ede21g", "displayName": "Mia Krystof", "active": true, "timeZone": "Australia/Sydney", "accountType": "atlassian"}`

func issueObject(n int64) string {
	return fmt.Sprintf(`{"id": "%d", "self": "https://your-domain.atlassian.net/rest/api/2/issue/%d", "key": "TEST-%d", "fields": {"summary": "Checkout fails on empty cart", "issuetype": {"id": "10004", "name": "Bug"}, "project": {"id": "10000", "key": "TEST", "name": "Test project"}, "status": {"name": "To Do"}, "priority": {"name": "High"}, "created": "2024-03-08T15:29:58.000+0000"}}`, n, n, n%10000)
}

func issue(event, typeName string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		n := 10000 + int64(randid.Uint()%90000)
		return fmt.Sprintf(`{"timestamp": %d, "webhookEvent": "%s", "issue_event_type_name": "%s", "user": %s, "issue": %s}`,
			now.UnixMilli(), event, typeName, actor, issueObject(n)), jsonHeader()
	}
}

func comment(_ string, now time.Time) (string, http.Header) {
	n := 10000 + int64(randid.Uint()%90000)
	return fmt.Sprintf(`{"timestamp": %d, "webhookEvent": "comment_created", "comment": {"self": "https://your-domain.atlassian.net/rest/api/2/issue/10001/comment/%d", "id": "%d", "author": %s, "body": "Reproduced on staging.", "created": "2024-03-08T15:30:00.000+0000", "updated": "2024-03-08T15:30:00.000+0000"}, "issue": %s}`,
		now.UnixMilli(), n, n, actor, issueObject(10001)), jsonHeader()
}

func user(_ string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"timestamp": %d, "webhookEvent": "user_created", "user": {"self": "https://your-domain.atlassian.net/rest/api/2/user?accountId=5b10ac8d82e05b22cc7d4ef5", "accountId": "5b10ac8d82e05b22cc7d4ef%d", "displayName": "Emma Richards", "active": true, "accountType": "atlassian"}}`,
		now.UnixMilli(), randid.Uint()%10), jsonHeader()
}

// jsonHeader is a fresh header map per sample: callers add to it.
func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }
