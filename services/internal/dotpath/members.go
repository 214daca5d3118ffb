package dotpath

import (
	"slices"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
)

// Members is a set of member paths compiled for Object.Members: a tree of
// keys, so that paths sharing a prefix share its walk. Safe for
// concurrent use once compiled.
type Members struct {
	root pathNode
	n    int
}

// CompileMembers compiles paths, each a list of object keys from the
// object down (keys compare as in Lookup; a key may hold a dot). The empty
// path is the object itself. Object.Members returns the values in the
// order of paths.
func CompileMembers(paths [][]string) *Members {
	m := &Members{n: len(paths)}
	for i, p := range paths {
		m.root.add(i, slices.Values(p))
	}
	return m
}

// Len is the number of paths compiled.
func (m *Members) Len() int { return m.n }

// Members finds the values of all of m's paths in one pass over o,
// descending only into the members on their way: vals[i] is the exact JSON
// text of the value at path i (null included, as Member), or nil when o
// has none (a key missing, or a value on the way that is not an object).
// A repeated key counts only in its last occurrence, as in Member and
// encoding/json. vals reuses dst's memory, so a caller holding a slice of
// capacity m.Len() allocates nothing.
//
// Why: a filter (or any reader of several paths) reading each path with
// its own Member walks the top level once per path, and an object on the
// way once per path below it; a 15 KB body's top level is most of its
// bytes.
func (o Object) Members(m *Members, dst [][]byte) (vals [][]byte) {
	if cap(dst) < m.n {
		dst = make([][]byte, m.n)
	}
	vals = dst[:m.n]
	clear(vals)
	if o.b == nil {
		return vals
	}
	end := walkMembers(o.b, o.start, &m.root, vals)
	for _, p := range m.root.paths {
		vals[p] = o.b[o.start:end]
	}
	return vals
}

// walkMembers reads the object at b[at], setting vals for the paths below
// n, and returns the index just past it.
func walkMembers(b []byte, at int, n *pathNode, vals [][]byte) int {
	return n.eachChild(b, at, func(c *pathNode, v int) int {
		// A repeated key: the last one's value replaces what an earlier
		// one held, below it too.
		setBelow(c, vals, nil)
		var vend int
		if b[v] == '{' && len(c.children) > 0 {
			vend = walkMembers(b, v, c, vals)
		} else {
			vend = jsonscan.ValueEnd(b, v)
		}
		for _, p := range c.paths {
			vals[p] = b[v:vend]
		}
		return vend
	})
}
