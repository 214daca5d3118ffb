// Package env reads typed configuration from environment variables and
// collects every problem at once, so a misconfigured service says all that
// is wrong in one start-up error instead of one per restart.
package env

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables through a lookup function and remembers errors.
type Reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

// New returns a Reader over lookup; nil means os.LookupEnv.
func New(lookup func(string) (string, bool)) *Reader {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return &Reader{lookup: lookup}
}

// Lookup returns the raw value of key and whether it is set and non-empty.
func (r *Reader) Lookup(key string) (string, bool) {
	v, ok := r.lookup(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// String returns key's value or def.
func (r *Reader) String(key, def string) string {
	if v, ok := r.Lookup(key); ok {
		return v
	}
	return def
}

// Duration returns key's value parsed by time.ParseDuration, or def.
func (r *Reader) Duration(key string, def time.Duration) time.Duration {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a non-negative duration such as 300s or 5m", key, v))
		return def
	}
	return d
}

// Int64 returns key's value as a non-negative integer, or def.
func (r *Reader) Int64(key string, def int64) int64 {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a non-negative integer", key, v))
		return def
	}
	return n
}

// Bool returns key's value as a boolean (1/true/yes or 0/false/no), or def.
func (r *Reader) Bool(key string, def bool) bool {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	r.errs = append(r.errs, fmt.Errorf("%s=%q: want true or false", key, v))
	return def
}

// List returns key's comma-separated values, trimmed, empties dropped.
func (r *Reader) List(key string) []string {
	v, ok := r.Lookup(key)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Fail records a validation problem found by the caller.
func (r *Reader) Fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// Err returns every problem seen, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }
