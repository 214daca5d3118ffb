package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hookmesh/hookmesh/services/internal/target"
)

// MaxExcerpt bounds the part of a refused answer's body kept in the
// attempt's message: enough for an error text, and the ledger stores at
// most 2 KiB anyway.
const MaxExcerpt = 256

// Code maps an HTTP status to the gRPC code whose retry class it belongs
// to (see the package documentation). throttled says the answer carried a
// Retry-After the dispatcher honours (on 429 and 503).
func Code(httpStatus int, throttled bool) codes.Code {
	switch {
	case httpStatus >= 200 && httpStatus < 300:
		return codes.OK
	case httpStatus == http.StatusTooManyRequests, httpStatus == http.StatusServiceUnavailable && throttled:
		return codes.ResourceExhausted
	case httpStatus == http.StatusRequestTimeout:
		return codes.DeadlineExceeded
	case httpStatus == http.StatusBadGateway, httpStatus == http.StatusServiceUnavailable, httpStatus == http.StatusGatewayTimeout:
		// The proxy in front of the handler could not reach it: down, as
		// an unreachable handler is, and counted by its breaker.
		return codes.Unavailable
	case httpStatus >= 500 && httpStatus < 600:
		return codes.Internal
	case httpStatus == http.StatusBadRequest:
		return codes.InvalidArgument
	case httpStatus == http.StatusUnauthorized:
		return codes.Unauthenticated
	case httpStatus == http.StatusForbidden:
		return codes.PermissionDenied
	case httpStatus == http.StatusNotFound:
		return codes.NotFound
	}
	// Redirects (never followed), the other 4xx and anything else: the
	// request as it stands will not succeed, so a dead letter, replayable
	// once the target or the handler is fixed.
	return codes.FailedPrecondition
}

// answerError is the status error of a non-2xx answer: the code of its
// class, a message naming the HTTP status with an excerpt of the body (a
// redirect's Location instead), and the Retry-After hint as RetryInfo.
func answerError(resp *http.Response, body []byte, now time.Time) error {
	var hint time.Duration
	var throttled bool
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		hint, throttled = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	msg := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += ": redirects are not followed; point the subscription at the final URL"
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += " (Location: " + excerpt([]byte(loc)) + ")"
		}
	} else if e := excerpt(body); e != "" {
		msg += ": " + e
	}
	st := status.New(Code(resp.StatusCode, throttled), msg)
	if hint > 0 {
		if d, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(hint)}); err == nil {
			st = d
		}
	}
	return st.Err()
}

// excerpt returns the start of b as one line of valid UTF-8, at most
// MaxExcerpt bytes: what the destination said, fit for a log line and
// last_error.
func excerpt(b []byte) string {
	if len(b) > MaxExcerpt {
		n := MaxExcerpt
		for n > 0 && !utf8.RuneStart(b[n]) {
			n-- // not inside a rune
		}
		b = b[:n]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// transportError is the status error of a request that got no answer:
// UNAVAILABLE (refused by the policy, unresolvable, unreachable, a TLS
// failure) or DEADLINE_EXCEEDED (no answer within the subscription's
// timeout), both in the network class, as for a gRPC handler.
func transportError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err // the URL is the subscription's target: no need to repeat it
	}
	_, refused := errors.AsType[*target.RefusedError](err)
	_, lookup := errors.AsType[*target.LookupError](err)
	switch {
	case refused || lookup:
		return status.Error(codes.Unavailable, "not dialled: "+err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "no answer before the subscription's timeout: "+err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(codes.Unavailable, err.Error())
}
