// Package jsonscan finds where the parts of a JSON text end, without
// decoding them: the shared primitives of the scanners that read one field
// or one path of a webhook body (eventid, dotpath) on every request, and
// Valid, the check those scanners rely on. Apart from Valid, the text is
// expected to be valid JSON (the callers validate it first); every index
// is still checked against the length, so any input is safe, only the
// answer is then meaningless.
package jsonscan

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// StringEnd returns the index just past the string whose opening quote is
// b[i]: the first quote that is not escaped, eight bytes at a time while
// there is neither a quote nor a backslash (most of a body's bytes are in
// strings, most of them short).
func StringEnd(b []byte, i int) int {
	j := i + 1
	for {
		j = skipWords(b, j, false)
		for j < len(b) && b[j] != '"' && b[j] != '\\' {
			j++
		}
		if j >= len(b) {
			return len(b)
		}
		if b[j] == '"' {
			return j + 1
		}
		j += 2 // an escape: the byte after the backslash never ends the string
	}
}

// ValueEnd returns the index just past the value starting at b[i].
// Objects and arrays are skipped by counting brackets outside strings, in
// a loop rather than by recursion: depth costs nothing.
func ValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return StringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = StringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for ; i < len(b); i++ { // a number, true, false or null
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// Hex4 reads the four hex digits of a \u escape at the start of b.
func Hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// EachMember walks the object whose opening brace is b[at], calling visit
// for each member in order with its key's literal (quotes and escapes
// included) and the index where its value starts. visit returns the index
// just past the value: ValueEnd's answer, or that of its own walk into the
// value, so a value is read once. A negative answer stops the walk and
// EachMember returns it; otherwise EachMember returns the index just past
// the object (len(b) on a text that ends or breaks off early).
//
// Why: the scanners that read one field or one path of a body (eventid's
// top-level id, dotpath's lookups) all walk an object's members this way;
// they differ only in what a member means to them.
func EachMember(b []byte, at int, visit func(key []byte, value int) (end int)) int {
	i := SkipSpace(b, at+1)
	for i < len(b) && b[i] == '"' {
		keyEnd := StringEnd(b, i)
		v := SkipSpace(b, keyEnd)
		if v >= len(b) || b[v] != ':' {
			return len(b)
		}
		if v = SkipSpace(b, v+1); v >= len(b) {
			return len(b)
		}
		end := visit(b[i:keyEnd], v)
		if end < 0 {
			return end
		}
		var more bool
		if i, more = NextItem(b, end); !more {
			break
		}
	}
	return min(i+1, len(b)) // past the closing brace
}

// NextItem returns where the member or element after the value ending at
// b[end] starts, and whether there is one; when there is none, i is at the
// closing brace or bracket.
func NextItem(b []byte, end int) (i int, more bool) {
	i = SkipSpace(b, end)
	if i >= len(b) || b[i] != ',' {
		return i, false
	}
	return SkipSpace(b, i+1), true
}
