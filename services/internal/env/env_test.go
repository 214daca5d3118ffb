package env

import (
	"strings"
	"testing"
	"time"
)

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestReader(t *testing.T) {
	t.Parallel()
	r := New(lookupFrom(map[string]string{
		"D": "90s", "N": "42", "B": "yes", "L": " a, ,b ", "EMPTY": "  ",
		"BAD_D": "soon", "BAD_N": "-1", "BAD_B": "maybe",
	}))
	if got := r.Duration("D", time.Second); got != 90*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if got := r.Int64("N", 1); got != 42 {
		t.Errorf("Int64 = %v", got)
	}
	if !r.Bool("B", false) {
		t.Error("Bool = false")
	}
	if got := strings.Join(r.List("L"), "|"); got != "a|b" {
		t.Errorf("List = %q", got)
	}
	if got := r.String("EMPTY", "def"); got != "def" {
		t.Errorf("blank value should fall back to default, got %q", got)
	}
	if r.Err() != nil {
		t.Fatalf("unexpected error: %v", r.Err())
	}
	r.Duration("BAD_D", 0)
	r.Int64("BAD_N", 0)
	r.Bool("BAD_B", false)
	err := r.Err()
	for _, key := range []string{"BAD_D", "BAD_N", "BAD_B"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}
