package stripe

import (
	"strconv"

	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// lazyInt, lazyString and lazyBool read a field of type *int64, string
// and *bool without ever failing, for a field that is judged only in some
// events (Stripe's amounts). They take exactly the values those types take
// from the common literals, a later key overriding an earlier one as in
// encoding/json; any other value marks the field odd, for the caller to
// hand the whole object to json.Unmarshal and get its result and error.
type lazyInt struct {
	v        int64
	set, odd bool
}

// UnmarshalJSON takes an integer literal or null.
func (n *lazyInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		n.set = false // a *int64 is set to nil
		return nil
	}
	// encoding/json reads an int64 with this very call.
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		n.odd = true
		return nil
	}
	n.v, n.set = v, true
	return nil
}

// ptr returns the field as the *int64 it stands for.
func (n lazyInt) ptr() *int64 {
	if !n.set {
		return nil
	}
	return &n.v
}

// lazyString is a string field; see lazyInt.
type lazyString struct {
	s   string
	odd bool
}

// UnmarshalJSON takes a string literal without escapes or non-ASCII bytes,
// or null (which leaves a string as it was).
func (f *lazyString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if s, ok := norm.PlainString(b); ok {
		f.s = s
	} else {
		f.odd = true
	}
	return nil
}

// lazyBool is a *bool field; see lazyInt.
type lazyBool struct {
	v, set, odd bool
}

// UnmarshalJSON takes true, false or null.
func (f *lazyBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		f.set = false
	case "true", "false":
		f.v, f.set = b[0] == 't', true
	default:
		f.odd = true
	}
	return nil
}

// ptr returns the field as the *bool it stands for.
func (f lazyBool) ptr() *bool {
	if !f.set {
		return nil
	}
	return &f.v
}
