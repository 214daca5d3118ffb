package filter

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestUsePayload(t *testing.T) {
	for expr, want := range map[string]payloadUse{
		`payload.ref == "refs/heads/main"`:                             {keys: []string{"ref"}},
		`payload["total-price"] > 1.0 && has(payload.customer)`:        {keys: []string{"total-price", "customer"}},
		`payload.data.object.amount > 100.0 || payload.data.id == "x"`: {keys: []string{"data"}},
		`payload.items.exists(i, i.sku == "A")`:                        {keys: []string{"items"}},
		`source_type == "push"`:                                        {},
		`payload == null`:                                              {full: true},
		`payload[source_type] == 1`:                                    {full: true},
		`size(payload) > 2`:                                            {full: true},
		`"ref" in payload`:                                             {full: true},
		// A comprehension variable named payload shadows it: reading more
		// members than needed is harmless.
		`[{"a": 1}].exists(payload, payload.a == 1) && payload.b == 2.0`: {keys: []string{"a", "b"}},
	} {
		p, err := Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if p.payload.full != want.full || !slices.Equal(p.payload.keys, want.keys) {
			t.Errorf("%s: reads %+v; want %+v", expr, p.payload, want)
		}
	}
}

// lazyExprs read payload through constant keys, so they are evaluated
// lazily; each is compared with its full-parse twin.
var lazyExprs = []string{
	`payload.ref == "refs/heads/main"`,
	`has(payload.a) && payload.a == null`,
	`has(payload.a)`,
	`payload.a.b > 1.0`,
	`payload["a"].size() > 1`,
	`payload.items.exists(i, i.id == "x")`,
	`payload.a == payload.b`,
	`string(payload.n) == "1"`,
	`payload["kéy"] == true`,
}

// lazyKeys are ordering keys read the same way.
var lazyKeys = []string{`payload.ref`, `string(payload.a) + "/" + string(payload.b)`}

// FuzzLazyPayloadMatchesFull: on any body, a filter or an ordering key
// that reads payload through constant keys gives the same result, the same
// error, as when the whole body is parsed.
func FuzzLazyPayloadMatchesFull(f *testing.F) {
	for _, s := range []string{
		`{"ref":"refs/heads/main","a":{"b":2},"items":[{"id":"x"}]}`, `{"a":null}`, `{"a":1,"a":{"b":3}}`,
		`[{"ref":1}]`, `"ref"`, `{"ref":"x"`, `{"ref":"refs/heads/main"} x`, `{}`, ``, `null`, `{"n":1,"b":"y"}`,
		`{"a":"\ud800","b":"\xff"}`, `{"k\u00e9y":true}`, `{"kéy":true}`, `{"a":[1,2],"items":null}`,
	} {
		for i := range len(lazyExprs) + len(lazyKeys) {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		i := int(which) % (len(lazyExprs) + len(lazyKeys))
		var p *Program
		var err error
		if i < len(lazyExprs) {
			p, err = Cached(lazyExprs[i])
		} else {
			p, err = CachedKey(lazyKeys[i-len(lazyExprs)])
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.payload.full {
			t.Fatalf("%s is read in full", p.expr)
		}
		full := *p
		full.payload = payloadUse{full: true}
		result := func(p *Program) string {
			in := &Input{Platform: "github", Body: body}
			if i < len(lazyExprs) {
				m, _, err := p.Eval(in)
				return fmt.Sprint(m, err)
			}
			k, err := p.EvalKey(in)
			return fmt.Sprint(k, err)
		}
		if got, want := result(p), result(&full); got != want {
			t.Fatalf("%s on %q: lazily %s; parsed in full %s", p.expr, body, got, want)
		}
	})
}

// pushBody is a GitHub push of n commits, about 15 KB for n = 20: the
// benchmark mix's largest body.
func pushBody(n int) []byte {
	var commits []string
	for i := range n {
		commits = append(commits, fmt.Sprintf(`{"id":"%040d","distinct":true,"message":"commit %d: fix the thing that was broken in the module","timestamp":"2026-12-06T04:00:00Z","url":"https://github.com/octo/repo/commit/%040d","author":{"name":"Octo Cat","email":"octo@example.com","username":"octocat"},"committer":{"name":"GitHub","email":"noreply@github.com","username":"web-flow"},"added":["a/b/c.go"],"removed":[],"modified":["README.md","go.mod"]}`, i, i, i))
	}
	return []byte(`{"ref":"refs/heads/main","before":"` + strings.Repeat("a", 40) + `","after":"` + strings.Repeat("b", 40) +
		`","repository":{"id":1296269,"full_name":"octo/repo","owner":{"login":"octo","id":1}},"commits":[` +
		strings.Join(commits, ",") + `]}`)
}

// BenchmarkPayload: a filter reading one member of a 15 KB push, lazily
// and parsing the whole body.
func BenchmarkPayload(b *testing.B) {
	p, err := Compile(`payload.ref == "refs/heads/main"`)
	if err != nil {
		b.Fatal(err)
	}
	full := *p
	full.payload = payloadUse{full: true}
	body := pushBody(20)
	for name, prg := range map[string]*Program{"lazy": p, "full": &full} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if m, _, err := prg.Eval(&Input{Platform: "github", Body: body}); err != nil || !m {
					b.Fatalf("Eval = %v, %v", m, err)
				}
			}
		})
	}
}
