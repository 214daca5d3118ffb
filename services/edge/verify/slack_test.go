package verify

import (
	"strings"
	"testing"
	"time"
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
	sig, ts := SignSlack(slackDocSecret, time.Unix(1531420618, 0), []byte(slackDocBody))
	if sig != slackDocSig || ts != slackDocTS {
		t.Errorf("SignSlack = %s, %s; want %s, %s", sig, ts, slackDocSig, slackDocTS)
	}
	v := Slack([]string{slackDocSecret}, 0)
	r := Request{
		Header: h("X-Slack-Signature", slackDocSig, "X-Slack-Request-Timestamp", slackDocTS),
		Body:   []byte(slackDocBody),
		Now:    time.Unix(1531420618, 0).Add(time.Minute),
	}
	checkErr(t, v.Verify(r), "")
	r.Now = time.Unix(1531420618, 0).Add(time.Hour)
	checkErr(t, v.Verify(r), reasonTooOld)
}

func TestSlack(t *testing.T) {
	t.Parallel()
	const secret, rotated = "slack-secret", "slack-secret-next"
	v := Slack([]string{secret, rotated}, 0)
	sig, ts := SignSlack(secret, testNow, testBody)
	rotSig, _ := SignSlack(rotated, testNow, testBody)
	wrongSig, _ := SignSlack("other", testNow, testBody)
	hexSig := strings.TrimPrefix(sig, "v0=")
	sl := func(name, sig, ts, want string) verifyCase {
		return verifyCase{name: name, header: h("X-Slack-Signature", sig, "X-Slack-Request-Timestamp", ts), want: want}
	}
	at := func(c verifyCase, d time.Duration) verifyCase { c.now = testNow.Add(d); return c }

	runCases(t, v, []verifyCase{
		sl("valid", sig, ts, ""),
		sl("rotation: second secret", rotSig, ts, ""),
		{name: "tampered body", header: h("X-Slack-Signature", sig, "X-Slack-Request-Timestamp", ts), body: tamperedBody, want: "no v0 match"},
		sl("wrong secret", wrongSig, ts, "no v0 match"),
		sl("timestamp changed, signature kept", sig, "1700000001", "no v0 match"),
		{name: "missing signature", header: h("X-Slack-Request-Timestamp", ts), want: "missing X-Slack-Signature header"},
		{name: "missing timestamp", header: h("X-Slack-Signature", sig), want: "missing X-Slack-Request-Timestamp header"},
		sl("malformed: no version", hexSig, ts, "unsupported signature version"),
		sl("malformed: other version", "v1="+hexSig, ts, "unsupported signature version"),
		sl("malformed: short", sig[:len(sig)-2], ts, reasonMalformed),
		sl("malformed: not hex", sig[:len(sig)-2]+"zz", ts, reasonMalformed),
		sl("malformed: empty after v0=", "v0=", ts, reasonMalformed),
		sl("malformed: timestamp with fraction", sig, ts+".5", reasonBadTimestamp),
		sl("malformed: negative timestamp", sig, "-"+ts, reasonBadTimestamp),
		sl("malformed: timestamp with plus", sig, "+"+ts, reasonBadTimestamp),
		sl("upper-case hex", "v0="+strings.ToUpper(hexSig), ts, ""),
		at(sl("exactly 5 minutes old", sig, ts, ""), DefaultSlackTolerance),
		at(sl("exactly 5 minutes ahead", sig, ts, ""), -DefaultSlackTolerance),
		at(sl("too old", sig, ts, reasonTooOld), DefaultSlackTolerance+time.Second),
		at(sl("too far in the future", sig, ts, reasonFuture), -DefaultSlackTolerance-time.Second),
		{
			name:   "lower-case header names",
			header: map[string][]string{"x-slack-signature": {sig}, "x-slack-request-timestamp": {ts}},
		},
	})
}
