package filter

import (
	"strings"
	"testing"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

func input() *Input {
	return &Input{
		Event: &eventv1.NormalizedEvent{
			Platform: "stripe", SourceEventType: "invoice.paid", EventType: eventv1.EventType_EVENT_TYPE_UNMAPPED,
			EntityId: "in_1", Amount: &eventv1.Money{MinorUnits: 12000, Currency: "EUR"},
		},
		Platform: "stripe",
		Headers:  map[string]string{"x-github-event": "push"},
		Body:     []byte(`{"ref":"refs/heads/main","total":150.5,"items":[1,2,3]}`),
	}
}

func TestEval(t *testing.T) {
	for expr, want := range map[string]bool{
		`source_type == "invoice.paid"`:                               true,
		`source_type == "invoice.created"`:                            false,
		`payload.ref == "refs/heads/main"`:                            true,
		`payload.ref == "refs/heads/dev"`:                             false,
		`event.amount.minor_units > 10000`:                            true,
		`event.amount.minor_units > 20000`:                            false,
		`payload.total > 100`:                                         true,
		`platform == "stripe" && headers["x-github-event"] == "push"`: true,
		`event.event_type == EventType.EVENT_TYPE_UNMAPPED`:           true,
		`has(payload.missing)`:                                        false,
		`size(payload.items) == 3`:                                    true,
		`platform == "github" && payload.missing == "x"`:              false,
	} {
		p, err := Compile(expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", expr, err)
		}
		got, cost, err := p.Eval(input())
		if err != nil {
			t.Fatalf("Eval(%q): %v", expr, err)
		}
		if got != want {
			t.Errorf("Eval(%q) = %v, want %v", expr, got, want)
		}
		if cost == 0 {
			t.Errorf("Eval(%q): cost 0", expr)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for expr, want := range map[string]string{
		`event.no_such_field == "x"`: "1:6",
		`source_typ == "x"`:          "1:1",
		`source_type ==`:             "1:15",
		`source_type`:                "must be a bool",
		`  `:                         "empty",
	} {
		_, err := Compile(expr)
		if err == nil || !IsCompileError(err) {
			t.Fatalf("Compile(%q) = %v, want a compile error", expr, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %q, want it to say %q", expr, err, want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	for expr, want := range map[string]string{
		`payload.missing == "x"`: "no such key",
		`payload.ref`:            "not a bool",
		// 10^6 list elements visited, over the cost limit.
		`[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, a+b+c+d+e+f > 0))))))`: "cost",
	} {
		p, err := Compile(expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", expr, err)
		}
		got, _, err := p.Eval(input())
		if err == nil || got {
			t.Fatalf("Eval(%q) = %v, %v, want an error", expr, got, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Eval(%q) = %q, want it to say %q", expr, err, want)
		}
	}
}

func TestNotJSONBodyIsNull(t *testing.T) {
	in := input()
	in.Body = []byte("payload=form%20encoded")
	p, err := Compile(`payload == null`)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := p.Eval(in); err != nil || !got {
		t.Fatalf("Eval = %v, %v, want true", got, err)
	}
}

func TestCachedRecompilesNewExpression(t *testing.T) {
	a, err := Cached(`platform == "a"`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Cached(`platform == "a"`)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("same expression compiled twice")
	}
	c, err := Cached(`platform == "b"`)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c.Expr() != `platform == "b"` {
		t.Errorf("new expression got program of %q", c.Expr())
	}
}

// FuzzCompile: any expression compiles or fails with an error, and a
// compiled one evaluates or fails with an error, never a panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`source_type == "x"`, `payload.a.b[0] > 1`, `event.amount.minor_units > 1`,
		`headers["a"].startsWith("b")`, `[1].map(x, x * 2).size() > 0`, `"a" + "b"`, `(((`, `event.`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Compile(expr)
		if err != nil {
			return
		}
		_, _, _ = p.Eval(input())
	})
}

// FuzzCompileKey: any ordering key expression (an admin's input) compiles
// or is refused, and a compiled one evaluates to a string or an error,
// never a panic.
func FuzzCompileKey(f *testing.F) {
	for _, s := range []string{`event.entity_id`, `payload.customer`, `platform + ":" + event.user_id`,
		`string(event.amount.minor_units)`, `headers["x"]`, `(((`, `event.`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := CompileKey(expr)
		if err != nil {
			return
		}
		_, _ = p.EvalKey(input())
	})
}

func TestCheckKey(t *testing.T) {
	if err := CheckKey(`event.entity_id`); err != nil {
		t.Errorf("CheckKey(event.entity_id) = %v", err)
	}
	for _, expr := range []string{`event.amount.minor_units`, `event.nope`, `(`} {
		if err := CheckKey(expr); !IsCompileError(err) {
			t.Errorf("CheckKey(%q) = %v, want a compile error", expr, err)
		}
	}
}

// TestEvalKey: a key expression yields the event's string; a payload key
// that is missing or not a string is an evaluation error, never a panic
// and never a key.
func TestEvalKey(t *testing.T) {
	in := &Input{Event: &eventv1.NormalizedEvent{EntityId: "ord_1"}, Body: []byte(`{"customer":"c9","n":3}`)}
	for expr, want := range map[string]string{
		`event.entity_id`:                     "ord_1",
		`payload.customer`:                    "c9",
		`event.entity_id + "/" + platform`:    "ord_1/",
		`has(payload.x) ? payload.x : "none"`: "none",
	} {
		p, err := CachedKey(expr)
		if err != nil {
			t.Fatalf("CachedKey(%q): %v", expr, err)
		}
		if got, err := p.EvalKey(in); err != nil || got != want {
			t.Errorf("EvalKey(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
	for _, expr := range []string{`payload.n`, `payload.missing`} {
		p, err := CachedKey(expr)
		if err != nil {
			t.Fatalf("CachedKey(%q): %v", expr, err)
		}
		if got, err := p.EvalKey(in); err == nil {
			t.Errorf("EvalKey(%q) = %q, want an error", expr, got)
		}
	}
	// The same text as a filter and as a key: two programs.
	if _, err := Cached(`payload.customer`); err != nil {
		t.Fatal(err)
	}
	if p, _ := CachedKey(`payload.customer`); p == nil {
		t.Fatal("CachedKey after Cached of the same text: no program")
	} else if got, err := p.EvalKey(in); err != nil || got != "c9" {
		t.Errorf("key after filter of the same text = %q, %v", got, err)
	}
}

// BenchmarkEval is the cost of one filter on one event, the body parsed
// (as for the first filter of an event that reads payload): what a
// filtered subscription adds to each Record.
func BenchmarkEval(b *testing.B) {
	p, err := Compile(`source_type == "invoice.paid" && payload.total > 100 && event.amount.minor_units > 10000`)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if m, _, err := p.Eval(input()); err != nil || !m {
			b.Fatalf("Eval = %v, %v", m, err)
		}
	}
}
