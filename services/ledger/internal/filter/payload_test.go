package filter

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// wholePaths lists the paths u decodes whole, "*" for all of payload.
func wholePaths(u payloadUse) []string {
	if u.full {
		return []string{"*"}
	}
	var out []string
	var walk func(prefix string, t *pathTree)
	walk = func(prefix string, t *pathTree) {
		if t.whole {
			out = append(out, prefix)
			return
		}
		for _, k := range t.keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, t.children[k])
		}
	}
	if u.tree != nil {
		walk("", u.tree)
	}
	slices.Sort(out)
	return out
}

func TestUsePayload(t *testing.T) {
	for expr, want := range map[string][]string{
		`payload.ref == "refs/heads/main"`:                                   {"ref"},
		`payload["total-price"] > 1.0 && has(payload.customer)`:              {"customer", "total-price"},
		`payload.data.object.amount > 100.0 || payload.data.id == "x"`:       {"data.id", "data.object.amount"},
		`payload.data.object.amount > 100.0 && payload.data.object == {}`:    {"data.object"},
		`has(payload.data.object.customer) && payload.data["object"].x == 1`: {"data.object.customer", "data.object.x"},
		`payload.items.exists(i, i.sku == "A")`:                              {"items"},
		`source_type == "push"`:                                              nil,
		`payload == null`:                                                    {"*"},
		`payload[source_type] == 1`:                                          {"*"},
		`size(payload) > 2`:                                                  {"*"},
		`"ref" in payload`:                                                   {"*"},
		`payload.a[source_type] == 1`:                                        {"a"},
		// A comprehension variable named payload shadows it: reading more
		// members than needed is harmless.
		`[{"a": 1}].exists(payload, payload.a == 1) && payload.b == 2.0`: {"a", "b"},
	} {
		p, err := Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got := wholePaths(p.payload); !slices.Equal(got, want) {
			t.Errorf("%s: decodes %v whole; want %v", expr, got, want)
		}
	}
}

// lazyExprs read payload through constant keys, so they are evaluated
// lazily; each is compared with its full-parse twin.
var lazyExprs = []string{
	`payload.ref == "refs/heads/main"`,
	`payload.data.object.amount > 100.0 || payload.data.id == "x"`,
	`has(payload.data.object.customer) && payload.data["object"].x == 1.0`,
	`payload.a.b.c == null`,
	`payload.data.object == {"x": 1.0}`,
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
		`{"data":{"object":{"amount":150,"customer":null,"x":1},"id":"x"}}`, `{"data":null}`, `{"data":{"object":"s"}}`,
		`{"data":{"object":{"x":1},"object":{"x":2}}}`, `{"a":{"b":{"c":null}}}`, `{"a":{"b":[]}}`, `{"data":[{"object":1}]}`,
		`{"a":"\ud800","b":"\xff"}`, `{"k\u00e9y":true}`, `{"kéy":true}`, `{"a":[1,2],"items":null}`,
		`{"n":1e300,"a":-0,"b":-1.5E-3}`, `{"ref":"refs/heads/caf\u00e9","a":"x\"y","b":"\/"}`, `{"a":false,"b":true}`,
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

// stripeBody is a payment_intent.succeeded event of about 2 KB.
func stripeBody() []byte {
	var meta []string
	for i := range 30 {
		meta = append(meta, fmt.Sprintf(`"key_%02d":"value number %02d of the metadata"`, i, i))
	}
	return []byte(`{"id":"evt_3MtwBwLkdIwHu7ix","object":"event","api_version":"2024-06-20","created":1733450000,"type":"payment_intent.succeeded",` +
		`"data":{"object":{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd",` +
		`"customer":"cus_NffrFeUfNV2Hib","status":"succeeded","metadata":{` + strings.Join(meta, ",") + `}}},"livemode":false}`)
}

// BenchmarkPayload: filters reading a few members of a 15 KB push and of a
// 2 KB Stripe event, lazily and parsing the whole body.
func BenchmarkPayload(b *testing.B) {
	for _, c := range []struct {
		name, expr string
		body       []byte
	}{
		{"push", `payload.ref == "refs/heads/main"`, pushBody(20)},
		{"stripe", `payload.type.startsWith("payment_intent.") && payload.data.object.amount > 0.0`, stripeBody()},
	} {
		p, err := Compile(c.expr)
		if err != nil {
			b.Fatal(err)
		}
		full := *p
		full.payload = payloadUse{full: true}
		for _, v := range []struct {
			name string
			prg  *Program
		}{{"lazy", p}, {"full", &full}} {
			b.Run(c.name+"/"+v.name, func(b *testing.B) {
				b.SetBytes(int64(len(c.body)))
				for b.Loop() {
					if m, _, err := v.prg.Eval(&Input{Platform: "x", Body: c.body}); err != nil || !m {
						b.Fatalf("Eval = %v, %v", m, err)
					}
				}
			})
		}
	}
}
