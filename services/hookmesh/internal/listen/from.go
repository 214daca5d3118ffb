package listen

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// FromNow starts at the events recorded from now on.
const FromNow = "now"

// applyFrom sets where req starts from from: "now", an RFC 3339 time, a
// duration meaning that long ago ("15m"), or a cursor (which always
// starts with a letter: the ledger's cursors begin with a version byte).
// It reports whether from said anything ("" leaves the choice to the
// state file).
func applyFrom(req *ledgerv1.WatchEventsRequest, from string, now time.Time) (bool, error) {
	from = strings.TrimSpace(from)
	switch {
	case from == "":
		return false, nil
	case from == FromNow:
		return true, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, from); err == nil {
		req.StartTime = timestamppb.New(t)
		return true, nil
	}
	if d, err := time.ParseDuration(from); err == nil {
		if d < 0 {
			return false, fmt.Errorf("--from %q: a duration means that long ago; give it without a sign", from)
		}
		req.StartTime = timestamppb.New(now.Add(-d))
		return true, nil
	}
	if looksLikeCursor(from) {
		req.Cursor = from // the ledger says whether it is one of its own
		return true, nil
	}
	return false, fmt.Errorf("--from %q: want now, a cursor, an RFC 3339 time (2026-03-01T12:00:00Z) or a duration ago (15m)", from)
}

// looksLikeCursor reports whether s has a cursor's shape: base64url,
// starting with a letter (the ledger's cursors begin with a version
// byte), 11 to 64 characters (the shortest and the longest the ledger
// makes or reads). A typo such as "yesterday" is then a usage error, not
// a cursor the ledger refuses.
func looksLikeCursor(s string) bool {
	if len(s) < 11 || len(s) > 64 || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
