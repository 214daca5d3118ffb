package filter

import (
	"encoding/json"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"

	"github.com/hookmesh/hookmesh/services/internal/dotpath"
)

// payloadUse is what an expression reads of payload: the top-level keys it
// selects (payload.ref, payload["some-key"], has(payload.x)), or all of it
// (full) when it uses payload any other way (payload itself, a computed
// index, a function of it).
//
// Why: parsing the whole body into maps was most of a filter's cost (the
// benchmark's filter on every subscription: about 160 µs per delivery, a
// third of the ledger's CPU per webhook, for bodies of 2 to 15 KB); a
// filter like payload.ref == "refs/heads/main" reads one short member of a
// 15 KB push. With the keys known, only those members are decoded; the
// body is still checked to be valid JSON (encoding/json's own check,
// which allocates nothing), so an expression sees exactly the values, the
// nulls and the missing keys a full parse would give it
// (FuzzLazyPayloadMatchesFull).
type payloadUse struct {
	keys []string
	full bool
}

// usePayload walks the checked expression.
func usePayload(checked *cel.Ast) payloadUse {
	expr := checked.NativeRep().Expr()
	covered := map[int64]bool{} // payload idents read through a constant key
	var idents []int64
	seen := map[string]bool{}
	var u payloadUse
	isPayload := func(e ast.Expr) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == varPayload }
	addKey := func(k string) {
		if !seen[k] {
			seen[k] = true
			u.keys = append(u.keys, k)
		}
	}
	ast.PreOrderVisit(expr, ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.IdentKind:
			if isPayload(e) {
				idents = append(idents, e.ID())
			}
		case ast.SelectKind:
			if s := e.AsSelect(); isPayload(s.Operand()) {
				covered[s.Operand().ID()] = true
				addKey(s.FieldName())
			}
		case ast.CallKind:
			c := e.AsCall()
			if c.FunctionName() != operators.Index || c.IsMemberFunction() || len(c.Args()) != 2 || !isPayload(c.Args()[0]) {
				return
			}
			if k := c.Args()[1]; k.Kind() == ast.LiteralKind && k.AsLiteral().Type() == types.StringType {
				covered[c.Args()[0].ID()] = true
				addKey(k.AsLiteral().Value().(string))
			}
		}
	}))
	for _, id := range idents {
		if !covered[id] {
			return payloadUse{full: true}
		}
	}
	return u
}

// payloadFor is payload as the program u reads it: the members of u.keys
// of a body that is one valid JSON object, each decoded as a full parse
// would decode it; the full parse otherwise (a body that is not an object
// is what it is, one that is not JSON is null).
func (in *Input) payloadFor(u payloadUse) any {
	if u.full {
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
	m := make(map[string]any, len(u.keys))
	for _, k := range u.keys {
		if v, ok := in.members[k]; ok {
			if v.present {
				m[k] = v.value
			}
			continue
		}
		var v member
		if raw, ok := in.object.Member(k); ok {
			// Valid JSON (ParseObject checked the whole body), so this
			// cannot fail; a failure would read as absent.
			v.present = json.Unmarshal(raw, &v.value) == nil
		}
		if in.members == nil {
			in.members = map[string]member{}
		}
		in.members[k] = v
		if v.present {
			m[k] = v.value
		}
	}
	return m
}

// member is a decoded top-level member of the body.
type member struct {
	value   any
	present bool
}

// lazyState is Input's cache of the members programs read.
type lazyState struct {
	lazyOnce sync.Once
	object   dotpath.Object
	isObject bool
	lazyMu   sync.Mutex
	members  map[string]member
}
