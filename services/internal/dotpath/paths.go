package dotpath

import (
	"iter"
	"strconv"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
)

// Paths is a set of dotted paths (Compile's) compiled for Object.LookupAll:
// a tree of segments, so that paths sharing a prefix share its walk. Safe
// for concurrent use once compiled.
type Paths struct {
	root pathNode
	n    int
}

// pathNode is one segment of a compiled tree (Paths, Members): what it
// means in an array (index, or -1 when it is no decimal index), the
// segments below it, and which of the requested paths ends here.
type pathNode struct {
	key      string
	index    int
	paths    []int // the paths ending here (a path may be given twice)
	children []pathNode
}

// CompilePaths compiles paths for Object.LookupAll, which returns what
// Lookup would for each, in the order of paths. A zero Path finds
// nothing, as in Lookup.
func CompilePaths(paths ...Path) *Paths {
	ps := &Paths{n: len(paths)}
	for i, p := range paths {
		if !p.IsZero() {
			ps.root.add(i, strings.SplitSeq(p.text, "."))
		}
	}
	return ps
}

// Len is the number of paths compiled.
func (ps *Paths) Len() int { return ps.n }

// add adds path i, of segments segs, below n.
func (n *pathNode) add(i int, segs iter.Seq[string]) {
	for seg := range segs {
		n = n.child(seg)
	}
	n.paths = append(n.paths, i)
}

func (n *pathNode) child(seg string) *pathNode {
	for i := range n.children {
		if n.children[i].key == seg {
			return &n.children[i]
		}
	}
	// The index as Lookup reads it: strconv.Atoi, not negative.
	index, err := strconv.Atoi(seg)
	if err != nil || index < 0 {
		index = -1
	}
	n.children = append(n.children, pathNode{key: seg, index: index})
	return &n.children[len(n.children)-1]
}

// Result is what Lookup returns for one path: the value found (zero when
// nothing is), or the error.
type Result struct {
	Value
	Err error

	// During the walk, a path that cannot be followed records where
	// (stuck: the segment; in: the kind of value it is applied to), and
	// LookupAll makes its error once at the end: a body repeating a key
	// costs no allocation per repetition.
	stuck string
	in    Kind
}

// LookupAll returns, for each of ps's paths, what Lookup returns for it
// (the same value, the same error text), finding them all in one pass over
// o that descends only into the objects and arrays on their way. The
// results reuse dst's memory, so a caller holding a slice of capacity
// ps.Len() allocates nothing (an error allocates its text).
//
// Why: a configured source reads its event type, ids, time, amount and
// dedup id from one body; each Lookup walks the body's top level, most of
// its bytes, once per path.
func (o Object) LookupAll(ps *Paths, dst []Result) []Result {
	if cap(dst) < ps.n {
		dst = make([]Result, ps.n)
	}
	res := dst[:ps.n]
	clear(res)
	if o.b == nil {
		return res
	}
	walkObject(o.b, o.start, &ps.root, res)
	for i := range res {
		if r := &res[i]; r.in != Absent {
			r.Err = stepError(r.stuck, r.in)
			r.stuck, r.in = "", Absent
		}
	}
	return res
}

// walkValue sets the results of n's paths and of those below it for the
// value at b[at], and returns the index just past the value.
func walkValue(b []byte, at int, n *pathNode, res []Result) int {
	var end int
	switch {
	case len(n.children) == 0:
		end = jsonscan.ValueEnd(b, at)
	case b[at] == '{':
		end = walkObject(b, at, n, res)
	case b[at] == '[':
		end = walkArray(b, at, n, res)
	case b[at] == 'n':
		end = jsonscan.ValueEnd(b, at) // a null on the way: nothing found
	default:
		k := kindAt(b, at)
		for i := range n.children {
			c := &n.children[i]
			setBelow(c, res, Result{stuck: c.key, in: k})
		}
		end = jsonscan.ValueEnd(b, at)
	}
	if len(n.paths) > 0 {
		v := Value{}
		if k := kindAt(b, at); k != Absent {
			v = Value{Kind: k, Raw: b[at:end]}
		}
		for _, p := range n.paths {
			res[p] = Result{Value: v}
		}
	}
	return end
}

// walkObject walks the object at b[at] for n's children, and returns the
// index just past it.
func walkObject(b []byte, at int, n *pathNode, res []Result) int {
	return n.eachChild(b, at, func(c *pathNode, v int) int {
		// A repeated key: the last one's value replaces what an earlier
		// one held, below it too.
		setBelow(c, res, Result{})
		return walkValue(b, v, c, res)
	})
}

// eachChild walks the object at b[at], calling visit for each member
// whose key is one of n's children, with where its value starts (visit
// returns where it ends), and returns the index just past the object.
func (n *pathNode) eachChild(b []byte, at int, visit func(c *pathNode, v int) int) int {
	return jsonscan.EachMember(b, at, func(key []byte, v int) int {
		if c := n.member(key); c != nil {
			return visit(c, v)
		}
		return jsonscan.ValueEnd(b, v)
	})
}

// member is n's child whose key is the JSON string literal lit, or nil.
func (n *pathNode) member(lit []byte) *pathNode {
	for k := range n.children {
		if keyEqual(lit, n.children[k].key) {
			return &n.children[k]
		}
	}
	return nil
}

// walkArray walks the array at b[at] for n's children (indexes), and
// returns the index just past it.
func walkArray(b []byte, at int, n *pathNode, res []Result) int {
	for i := range n.children {
		if c := &n.children[i]; c.index < 0 {
			setBelow(c, res, Result{stuck: c.key, in: Array})
		}
	}
	i := jsonscan.SkipSpace(b, at+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for elem := 0; i < len(b); elem++ {
		vend := -1
		for k := range n.children {
			if c := &n.children[k]; c.index == elem {
				// Several segments may name one element ("1", "01").
				vend = walkValue(b, i, c, res)
			}
		}
		if vend < 0 {
			vend = jsonscan.ValueEnd(b, i)
		}
		var more bool
		if i, more = jsonscan.NextItem(b, vend); !more {
			break
		}
	}
	return min(i+1, len(b)) // past the closing bracket
}

// setBelow sets vals[p] to v for n's paths and for those below it: one
// walk of the tree for every result type (LookupAll's []Result, Members'
// [][]byte). With the zero v it unsets what an earlier member of a
// repeated key found; LookupAll also records with it, for the paths below
// a segment that cannot go into a value, the segment and the value's kind.
func setBelow[T any](n *pathNode, vals []T, v T) {
	for _, p := range n.paths {
		vals[p] = v
	}
	for i := range n.children {
		setBelow(&n.children[i], vals, v)
	}
}
