package eventkey

import (
	"fmt"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/dotpath"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// ItemKeys returns the key of every item of a batched delivery (the
// registered platform's Items), in the
// body's order: SendGrid's sg_event_id, HubSpot's eventId (scoped by its
// portalId), Adyen's "pspReference:eventCode:success" (scoped by its
// merchantAccountCode). Each is the key the item would get were it sent
// alone, so a one-item batch's only key is Derive's. Other platforms
// deliver one event per request and get ok false (use Derive); errors
// are Derive's (apperr.ErrInvalid).
func ItemKeys(platform string, body []byte) (keys []Key, ok bool, err error) {
	p, moved := platforms.Lookup(platform)
	if !moved || p.Items == nil {
		return nil, false, nil
	}
	keys, err = p.Items.Keys(body)
	return keys, true, err
}

// DeriveWith returns the key of a webhook of a configured source: the
// value of d.Header (headers as for Derive: lower-case names, encoded
// values), else of the dotted JSON path d.JSONPath into the body (a string
// or a number, kept as written, then encoded; see CompileDedup), scoped by
// d.SourceHeader when set. Errors are those of Derive: apperr.ErrInvalid
// when no usable id is found. The body is read only when the header gives
// no id. The rule is compiled on each call: a caller that holds the source
// for many requests compiles it once (CompileDedup) and calls DeriveBody.
func DeriveWith(d sources.Dedup, headers map[string]string, body []byte) (Key, error) {
	c, _ := CompileDedup(d) // a path that does not compile finds nothing
	return c.DeriveBody(headers, body)
}

// Dedup is a configured source's dedup rule with its JSON path compiled,
// for a caller that holds the source for many requests. Safe for
// concurrent use.
type Dedup struct {
	rule  sources.Dedup
	path  dotpath.Path
	paths *dotpath.Paths // path alone, for DeriveBody and Derive
}

// CompileDedup compiles d.JSONPath. The path means what it means to the
// normalizer's paths (package dotpath): object keys, decimal indexes into
// arrays, the last of a repeated key.
func CompileDedup(d sources.Dedup) (Dedup, error) {
	c := Dedup{rule: d}
	if d.JSONPath == "" {
		return c, nil
	}
	p, err := dotpath.Compile(d.JSONPath)
	if err != nil {
		return c, fmt.Errorf("dedup.json_path %q: %w", d.JSONPath, err)
	}
	c.path, c.paths = p, dotpath.CompilePaths(p)
	return c, nil
}

// Path is the compiled dedup.json_path, zero when there is none: a caller
// reading other paths of the body too compiles it with them
// (dotpath.CompilePaths), so that one pass finds them all, and gives what
// it found to DeriveFound.
func (c Dedup) Path() dotpath.Path { return c.path }

// DeriveBody is DeriveWith with the rule compiled once.
func (c Dedup) DeriveBody(headers map[string]string, body []byte) (Key, error) {
	return c.derive(headers, func() dotpath.Result {
		o, _ := dotpath.ParseObject(body) // not a JSON object: nothing found
		return c.lookup(o)
	})
}

// Derive is DeriveWith on a body already checked by dotpath.ParseObject.
func (c Dedup) Derive(headers map[string]string, body dotpath.Object) (Key, error) {
	return c.derive(headers, func() dotpath.Result { return c.lookup(body) })
}

// DeriveFound is DeriveWith with what c.Path() finds in the body already
// looked up (dotpath.Object.LookupAll), so that the normalizer reads the
// key and its fields in one pass over one validated body.
func (c Dedup) DeriveFound(headers map[string]string, found dotpath.Result) (Key, error) {
	return c.derive(headers, func() dotpath.Result { return found })
}

// lookup finds c's path in o.
func (c Dedup) lookup(o dotpath.Object) dotpath.Result {
	if c.paths == nil {
		return dotpath.Result{}
	}
	var dst [1]dotpath.Result
	return o.LookupAll(c.paths, dst[:0])[0]
}

// derive is DeriveWith with what the path finds obtained only when needed.
func (c Dedup) derive(headers map[string]string, found func() dotpath.Result) (Key, error) {
	var k Key
	if c.rule.Header != "" {
		k.EventID = headers[strings.ToLower(c.rule.Header)]
	}
	if k.EventID == "" && !c.path.IsZero() {
		k.EventID = Encode(pathID(found()))
	}
	if c.rule.SourceHeader != "" {
		k.Source = headers[strings.ToLower(c.rule.SourceHeader)]
	}
	if k.EventID == "" {
		return Key{}, fmt.Errorf("configured source: no event id in the request: %w", apperr.ErrInvalid)
	}
	if len(k.EventID) > MaxLen || len(k.Source) > MaxLen {
		return Key{}, fmt.Errorf("configured source: encoded event id or source longer than %d bytes: %w", MaxLen, apperr.ErrInvalid)
	}
	return k, nil
}

// pathID returns the string (its exact bytes: unquoteBytes) or number (as
// written) a path found, or "" for anything else, for nothing, and for a
// path that cannot be followed.
func pathID(r dotpath.Result) string {
	if r.Err != nil {
		return ""
	}
	switch r.Kind {
	case dotpath.String:
		s, _ := unquoteBytes(r.Raw)
		return s
	case dotpath.Number:
		return string(r.Raw) // valid JSON: what json.Number would hold
	}
	return ""
}
