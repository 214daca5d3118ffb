package eventid

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"evt_1", "evt_1"},
		{"", ""},
		{"evt_é_1", "evt_é_1"},
		{"msg_\t_1", "msg_\t_1"},
		{"日本\U0001F600", "日本\U0001F600"},
		{"evt_\xff", "evt_\uFFFDFF"},
		{"evt_\xfe", "evt_\uFFFDFE"},
		{"a\x00b", "a\uFFFD00b"},
		{"evt_\uFFFD", "evt_\uFFFDEF\uFFFDBF\uFFFDBD"},
		{"\xc3", "\uFFFDC3"},          // a truncated é
		{"\xc3\xa9\xc3", "é\uFFFDC3"}, // é, then its first byte alone
		{"\xed\xa0\x80", "\uFFFDED\uFFFDA0\uFFFD80"},
		{"\uFFFDFF", "\uFFFDEF\uFFFDBF\uFFFDBDFF"}, // looks encoded, is not
	} {
		got := Encode(tt.in)
		if got != tt.want {
			t.Errorf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := Decode(got); err != nil || back != tt.in {
			t.Errorf("Decode(%q) = %q, %v; want %q", got, back, err, tt.in)
		}
	}
}

func TestDecodeRefusesWhatEncodeNeverReturns(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"\uFFFD",           // no digits
		"a\uFFFDF",         // one digit
		"\uFFFDff",         // lower case
		"\uFFFDGG",         // not hex
		"\uFFFD41",         // 'A' is never escaped
		"\uFFFDC3\uFFFDA9", // é is never escaped
		"a\xffb",           // raw invalid UTF-8
		"a\x00b",           // raw NUL
	} {
		if got, err := Decode(s); !errors.Is(err, ErrNotEncoded) {
			t.Errorf("Decode(%q) = %q, %v; want ErrNotEncoded", s, got, err)
		}
	}
}

// FuzzEncode checks, for any bytes, the properties the pipeline relies on:
// the encoded id is storable (valid UTF-8, no NUL), Decode gives the bytes
// back (so Encode is injective), ids that were always storable are kept
// as they are, and two different ids never share an encoded form.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"evt_1", "", "evt_é", "\t", "\xff", "\xfe", "\x00", "\uFFFD", "\uFFFDFF", "\xed\xa0\x80", "a\xc3"} {
		f.Add(s, s+"\xff")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ea := Encode(a)
		if !utf8.ValidString(ea) || strings.ContainsRune(ea, 0) {
			t.Fatalf("Encode(%q) = %q: not valid UTF-8 without NUL", a, ea)
		}
		if back, err := Decode(ea); err != nil || back != a {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", a, back, err)
		}
		if utf8.ValidString(a) && !strings.ContainsRune(a, 0) && !strings.ContainsRune(a, utf8.RuneError) && ea != a {
			t.Fatalf("Encode(%q) = %q: changed an id that needs no escape", a, ea)
		}
		if a != b && ea == Encode(b) {
			t.Fatalf("Encode(%q) == Encode(%q) == %q", a, b, ea)
		}
	})
}

// FuzzDecode checks that Decode accepts exactly Encode's results: whatever
// it decodes encodes back to the same string.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"evt_1", "\uFFFDFF", "\uFFFD", "\uFFFD41", "\uFFFDEF\uFFFDBF\uFFFDBD", "a\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Decode(s)
		if err != nil {
			return
		}
		if e := Encode(d); e != s {
			t.Fatalf("Decode(%q) = %q, which encodes to %q", s, d, e)
		}
	})
}
