package filter

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"

	"github.com/hookmesh/hookmesh/services/internal/dotpath"
)

// payloadUse is what an expression reads of payload: the members it
// selects by constant names (payload.data.object.amount,
// payload["total-price"], has(payload.customer.id)), as a tree, or all of
// it (full) when it uses payload any other way (payload itself, a computed
// index, a function of it).
//
// Why: parsing the whole body into maps was most of a filter's cost (the
// benchmark's filter on every subscription: about 160 µs per delivery, a
// third of the ledger's CPU per webhook, for bodies of 2 to 15 KB); a
// filter like payload.ref == "refs/heads/main" reads one short member of a
// 15 KB push. With the paths known, they are all found in one pass over
// the body (dotpath.Members) and only the values at their ends are decoded
// (the objects on the way are maps of just the members read); the body is
// still checked to be valid JSON (jsonscan.Valid, json.Valid's rules,
// allocating nothing), so an expression sees exactly the values, the nulls
// and the missing keys a full parse would give it
// (FuzzLazyPayloadMatchesFull).
type payloadUse struct {
	full bool
	tree *pathTree // nil: payload is not read
	// members are the tree's paths, found in one pass over the body:
	// each node's value is members' result at the node's index.
	members *dotpath.Members
}

// pathTree is the members read below one object of the body.
type pathTree struct {
	// whole: the value here is used as a whole (compared, sized, passed
	// to a function), not only looked into, so it is decoded whole.
	whole    bool
	keys     []string // children in the order first read
	children map[string]*pathTree
	index    int // this node's path among payloadUse.members
}

func (t *pathTree) child(k string) *pathTree {
	if c, ok := t.children[k]; ok {
		return c
	}
	if t.children == nil {
		t.children = map[string]*pathTree{}
	}
	c := &pathTree{}
	t.children[k] = c
	t.keys = append(t.keys, k)
	return c
}

// usePayload walks the checked expression.
func usePayload(checked *cel.Ast) payloadUse {
	expr := checked.NativeRep().Expr()
	// step returns the operand and the constant member name of a member
	// read (a.b, a["b"]).
	step := func(e ast.Expr) (ast.Expr, string, bool) {
		switch e.Kind() {
		case ast.SelectKind:
			s := e.AsSelect()
			return s.Operand(), s.FieldName(), true
		case ast.CallKind:
			c := e.AsCall()
			if c.FunctionName() != operators.Index || c.IsMemberFunction() || len(c.Args()) != 2 {
				return nil, "", false
			}
			if k := c.Args()[1]; k.Kind() == ast.LiteralKind && k.AsLiteral().Type() == types.StringType {
				return c.Args()[0], k.AsLiteral().Value().(string), true
			}
		}
		return nil, "", false
	}
	isPayload := func(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == varPayload }
	// path returns the member names from payload down to e, when e is a
	// chain of constant member reads rooted at payload.
	var path func(e ast.Expr) ([]string, bool)
	path = func(e ast.Expr) ([]string, bool) {
		op, name, ok := step(e)
		if !ok {
			return nil, false
		}
		if isPayload(op) {
			return []string{name}, true
		}
		p, ok := path(op)
		return append(p, name), ok
	}
	inner := map[int64]bool{} // nodes that are the operand of a member read
	var reads []ast.Expr      // member reads rooted at payload
	var idents []int64
	ast.PreOrderVisit(expr, ast.NewExprVisitor(func(e ast.Expr) {
		if isPayload(e) {
			idents = append(idents, e.ID())
			return
		}
		if op, _, ok := step(e); ok {
			inner[op.ID()] = true
			if _, rooted := path(e); rooted {
				reads = append(reads, e)
			}
		}
	}))
	for _, id := range idents {
		if !inner[id] {
			return payloadUse{full: true} // payload itself is used
		}
	}
	if len(reads) == 0 {
		return payloadUse{}
	}
	root := &pathTree{}
	for _, e := range reads {
		p, _ := path(e)
		t := root
		for _, k := range p {
			t = t.child(k)
		}
		if !inner[e.ID()] {
			t.whole = true // the end of a chain: its value is used
		}
	}
	return payloadUse{tree: root, members: root.compile()}
}

// compile numbers the nodes of t below the root and compiles their paths,
// down to the nodes decoded whole (what is below those is never read
// apart).
func (t *pathTree) compile() *dotpath.Members {
	var paths [][]string
	var walk func(prefix []string, t *pathTree)
	walk = func(prefix []string, t *pathTree) {
		for _, k := range t.keys {
			c := t.children[k]
			p := append(slices.Clip(prefix), k)
			c.index = len(paths)
			paths = append(paths, p)
			if !c.whole {
				walk(p, c)
			}
		}
	}
	walk(nil, t)
	return dotpath.CompileMembers(paths)
}

// payloadFor is payload as the program u reads it: for a body that is one
// valid JSON object, a map of the members u reads, each decoded as a full
// parse would decode it; the full parse otherwise (a body that is not an
// object is what it is, one that is not JSON is null).
func (in *Input) payloadFor(u payloadUse) any {
	if u.full || u.tree == nil {
		return in.parsedPayload()
	}
	in.lazyOnce.Do(func() {
		o, err := dotpath.ParseObject(in.Body)
		in.object, in.isObject = o, err == nil
	})
	if !in.isObject {
		return in.parsedPayload()
	}
	in.lazyMu.Lock()
	defer in.lazyMu.Unlock()
	if m, ok := in.lazy[u.tree]; ok {
		return m
	}
	// Most filters read a few paths: their values fit on the stack.
	var buf [8][]byte
	m := decodeTree(in.object.Members(u.members, buf[:0]), u.tree)
	if in.lazy == nil {
		in.lazy = map[*pathTree]map[string]any{}
	}
	in.lazy[u.tree] = m
	return m
}

// decodeTree builds the map of the members t reads from their values
// (vals, Object.Members' answer for the tree's paths): a member read only
// to look into it, when it is an object, as such a map again; any other
// member decoded whole (a null, a string, an array: what the expression
// then does with it fails or succeeds as on the full parse). An absent
// member is left out.
func decodeTree(vals [][]byte, t *pathTree) map[string]any {
	m := make(map[string]any, len(t.keys))
	for _, k := range t.keys {
		c := t.children[k]
		raw := vals[c.index]
		if raw == nil {
			continue
		}
		if !c.whole && raw[0] == '{' {
			m[k] = decodeTree(vals, c)
			continue
		}
		if v, ok := decodeValue(raw); ok {
			m[k] = v
		}
	}
	return m
}

// decodeValue decodes one JSON value as json.Unmarshal into an any does.
// A filter's values are mostly plain strings, numbers and booleans, which
// are read directly: the decoder's own state and reflection cost more
// than the value. Anything else goes through json.Unmarshal, which cannot
// fail on the valid JSON ParseObject checked (a failure reads as absent).
func decodeValue(raw []byte) (any, bool) {
	switch raw[0] {
	case 't':
		return true, true
	case 'f':
		return false, true
	case 'n':
		return nil, true
	case '"':
		// Without escapes and with valid UTF-8, the text is the string;
		// Unmarshal would unescape or replace bytes otherwise.
		if s := raw[1 : len(raw)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			return string(s), true
		}
	case '{', '[':
	default:
		// A number: Unmarshal's own conversion; out of range it fails
		// there as here.
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return f, true
		}
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	return v, true
}

// lazyState is Input's cache of the maps programs read.
type lazyState struct {
	lazyOnce sync.Once
	object   dotpath.Object
	isObject bool
	lazyMu   sync.Mutex
	lazy     map[*pathTree]map[string]any
}
