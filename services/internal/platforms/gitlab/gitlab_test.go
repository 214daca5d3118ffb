package gitlab_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/gitlab"
)

func TestToken(t *testing.T) {
	t.Parallel()
	v := gitlab.NewVerifier([]string{"tok-1", "tok-22"})
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "first token", Header: platformtest.H("X-Gitlab-Token", "tok-1")},
		{Name: "second token", Header: platformtest.H("X-Gitlab-Token", "tok-22")},
		{Name: "prefix of a token", Header: platformtest.H("X-Gitlab-Token", "tok-2"), Want: "no token match"},
		{Name: "token plus suffix", Header: platformtest.H("X-Gitlab-Token", "tok-1 "), Want: "no token match"},
		{Name: "case differs", Header: platformtest.H("X-Gitlab-Token", "TOK-1"), Want: "no token match"},
		{Name: "huge", Header: platformtest.H("X-Gitlab-Token", strings.Repeat("t", gitlab.MaxTokenLen+1)), Want: sig.ReasonMalformed},
		{Name: "missing", Header: http.Header{}, Want: "missing X-Gitlab-Token header"},
	})
}
