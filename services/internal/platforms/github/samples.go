package github

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// githubHookID is the fixed hook of the sending repository: a retry or a
// second event carries the same scope, as in production.
const githubHookID = "412345678"

// samples are the GitHub deliveries `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "push",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	TypeHeaders: func(typ string) map[string]string {
		return map[string]string{"X-GitHub-Event": typ, "X-GitHub-Hook-ID": githubHookID}
	},
	IDHeaders: func(id string) http.Header { return http.Header{"X-Github-Delivery": {id}} },
}

var templates = map[string]platform.Template{
	"push":         githubPush,
	"pull_request": githubPullRequest,
	"ping":         githubPing,
}

// githubPushCommits is enough commits to make the default push about
// 15 KB, the size of a real multi-commit push.
const githubPushCommits = 17

func githubPush(id string, now time.Time) (string, http.Header) {
	var commits []string
	for i := range githubPushCommits {
		c := randid.GitSHA(fmt.Sprintf("commit-%d", i))
		commits = append(commits, fmt.Sprintf(`{"id": "%s", "tree_id": "%s", "distinct": true, "message": "Refactor ledger claim path, part %d\n\nSplit the claim query so fairness holds across subscriptions and add tests for the lease expiry path.", "timestamp": "2026-11-28T19:%02d:00-05:00", "url": "https://github.com/octo-org/hookmesh/commit/%s", "author": {"name": "Mona Lisa", "email": "mona@github.com", "username": "monalisa"}, "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"}, "added": ["services/ledger/internal/store/postgres/claim.go"], "removed": [], "modified": ["services/ledger/internal/store/postgres/postgres.go", "services/ledger/README.md"]}`,
			c, randid.GitSHA(fmt.Sprintf("tree-%d", i)), i+1, i, c))
	}
	body := fmt.Sprintf(`{
  "ref": "refs/heads/main",
  "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  "after": "%s",
  "repository": {"id": 186853002, "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=", "name": "hookmesh", "full_name": "octo-org/hookmesh", "private": true,
    "owner": {"name": "octo-org", "email": null, "login": "octo-org", "id": 6811672, "node_id": "MDEyOk9yZ2FuaXphdGlvbjY4MTE2NzI=", "type": "Organization", "site_admin": false},
    "html_url": "https://github.com/octo-org/hookmesh", "description": "Webhook gateway", "fork": false,
    "url": "https://api.github.com/repos/octo-org/hookmesh", "git_url": "git://github.com/octo-org/hookmesh.git",
    "ssh_url": "git@github.com:octo-org/hookmesh.git", "clone_url": "https://github.com/octo-org/hookmesh.git",
    "created_at": 1557933565, "updated_at": "2026-11-28T23:40:13Z", "pushed_at": %d,
    "default_branch": "main", "master_branch": "main", "size": 7120, "stargazers_count": 42, "watchers_count": 42,
    "language": "Go", "has_issues": true, "open_issues_count": 3, "topics": ["webhooks", "gateway"], "visibility": "private"},
  "pusher": {"name": "monalisa", "email": "mona@github.com"},
  "organization": {"login": "octo-org", "id": 6811672, "node_id": "MDEyOk9yZ2FuaXphdGlvbjY4MTE2NzI=", "url": "https://api.github.com/orgs/octo-org"},
  "sender": {"login": "monalisa", "id": 21031067, "node_id": "MDQ6VXNlcjIxMDMxMDY3", "type": "User", "site_admin": false},
  "installation": {"id": 2311213, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw=="},
  "created": false, "deleted": false, "forced": false, "base_ref": null,
  "compare": "https://github.com/octo-org/hookmesh/compare/6113728f27ae...%s",
  "commits": [%s],
  "head_commit": %s
}`, randid.GitSHA(fmt.Sprintf("commit-%d", githubPushCommits-1)), now.Unix(), randid.GitSHA(fmt.Sprintf("commit-%d", githubPushCommits-1))[:12],
		strings.Join(commits, ",\n    "), commits[len(commits)-1])
	return body, githubHeaders("push")
}

func githubHeaders(event string) http.Header {
	return http.Header{"X-Github-Event": {event}, "X-Github-Hook-Id": {githubHookID},
		"X-Github-Hook-Installation-Target-Type": {"integration"}, "X-Github-Hook-Installation-Target-Id": {"79929171"}}
}

func githubPullRequest(_ string, now time.Time) (string, http.Header) {
	body := fmt.Sprintf(`{"action": "opened", "number": 7,
  "pull_request": {"id": 9007199254740993, "number": 7, "state": "open", "draft": false, "title": "Claim fairly across subscriptions", "user": {"login": "monalisa", "id": 21031067},
    "created_at": "%s", "updated_at": "%s", "head": {"ref": "fair-claim", "sha": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5"}, "base": {"ref": "main"}},
  "repository": {"id": 186853002, "full_name": "octo-org/hookmesh", "created_at": "2019-05-15T15:19:25Z", "pushed_at": "2026-11-28T23:40:13Z"},
  "sender": {"login": "monalisa", "id": 21031067}, "installation": {"id": 2311213}}`, now.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	return body, githubHeaders("pull_request")
}

func githubPing(_ string, _ time.Time) (string, http.Header) {
	body := `{"zen": "Design for failure.", "hook_id": 412345678, "hook": {"type": "Repository", "id": 412345678, "active": true, "events": ["push", "pull_request"]}, "repository": {"id": 186853002, "full_name": "octo-org/hookmesh"}, "sender": {"login": "monalisa", "id": 21031067}}`
	return body, githubHeaders("ping")
}
