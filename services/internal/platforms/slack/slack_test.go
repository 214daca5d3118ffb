package slack_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
)

// The worked example of Slack's "Verifying requests from Slack" page.
const (
	slackDocSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	slackDocTS     = "1531420618"
	slackDocBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackDocSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSlackVector(t *testing.T) {
	t.Parallel()
	signature, ts := slack.Signature(slackDocSecret, time.Unix(1531420618, 0), []byte(slackDocBody))
	if signature != slackDocSig || ts != slackDocTS {
		t.Errorf("Signature = %s, %s; want %s, %s", signature, ts, slackDocSig, slackDocTS)
	}
	v := slack.NewVerifier([]string{slackDocSecret}, 0)
	r := platform.Request{
		Header: platformtest.H("X-Slack-Signature", slackDocSig, "X-Slack-Request-Timestamp", slackDocTS),
		Body:   []byte(slackDocBody),
		Now:    time.Unix(1531420618, 0).Add(time.Minute),
	}
	platformtest.CheckErr(t, v.Verify(r), "")
	r.Now = time.Unix(1531420618, 0).Add(time.Hour)
	platformtest.CheckErr(t, v.Verify(r), sig.ReasonTooOld)
}

func TestSlack(t *testing.T) {
	t.Parallel()
	const secret, rotated = "slack-secret", "slack-secret-next"
	v := slack.NewVerifier([]string{secret, rotated}, 0)
	signature, ts := slack.Signature(secret, platformtest.Now, platformtest.Body)
	rotSig, _ := slack.Signature(rotated, platformtest.Now, platformtest.Body)
	wrongSig, _ := slack.Signature("other", platformtest.Now, platformtest.Body)
	hexSig := strings.TrimPrefix(signature, "v0=")
	sl := func(name, signature, ts, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-Slack-Signature", signature, "X-Slack-Request-Timestamp", ts), Want: want}
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}

	platformtest.RunCases(t, v, []platformtest.Case{
		sl("valid", signature, ts, ""),
		sl("rotation: second secret", rotSig, ts, ""),
		{Name: "tampered body", Header: platformtest.H("X-Slack-Signature", signature, "X-Slack-Request-Timestamp", ts), Body: platformtest.TamperedBody, Want: "no v0 match"},
		sl("wrong secret", wrongSig, ts, "no v0 match"),
		sl("timestamp changed, signature kept", signature, "1700000001", "no v0 match"),
		{Name: "missing signature", Header: platformtest.H("X-Slack-Request-Timestamp", ts), Want: "missing X-Slack-Signature header"},
		{Name: "missing timestamp", Header: platformtest.H("X-Slack-Signature", signature), Want: "missing X-Slack-Request-Timestamp header"},
		sl("malformed: no version", hexSig, ts, "unsupported signature version"),
		sl("malformed: other version", "v1="+hexSig, ts, "unsupported signature version"),
		sl("malformed: short", signature[:len(signature)-2], ts, sig.ReasonMalformed),
		sl("malformed: not hex", signature[:len(signature)-2]+"zz", ts, sig.ReasonMalformed),
		sl("malformed: empty after v0=", "v0=", ts, sig.ReasonMalformed),
		sl("malformed: timestamp with fraction", signature, ts+".5", sig.ReasonBadTimestamp),
		sl("malformed: negative timestamp", signature, "-"+ts, sig.ReasonBadTimestamp),
		sl("malformed: timestamp with plus", signature, "+"+ts, sig.ReasonBadTimestamp),
		sl("upper-case hex", "v0="+strings.ToUpper(hexSig), ts, ""),
		at(sl("exactly 5 minutes old", signature, ts, ""), slack.DefaultTolerance),
		at(sl("exactly 5 minutes ahead", signature, ts, ""), -slack.DefaultTolerance),
		at(sl("too old", signature, ts, sig.ReasonTooOld), slack.DefaultTolerance+time.Second),
		at(sl("too far in the future", signature, ts, sig.ReasonFuture), -slack.DefaultTolerance-time.Second),
		{
			Name:   "lower-case header names",
			Header: map[string][]string{"x-slack-signature": {signature}, "x-slack-request-timestamp": {ts}},
		},
	})
}
