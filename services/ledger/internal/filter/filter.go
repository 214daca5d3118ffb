// Package filter compiles and evaluates subscription filters: CEL
// expressions (github.com/google/cel-go) over one recorded event. The
// ledger evaluates them when it records an event, because it holds
// everything a filter may read (the normalized event, the receipt's stored
// headers and its body) at the moment it decides which deliveries to
// create: an event a filter rejects gets no delivery at all, so filtering
// costs the dispatchers and the handlers nothing.
package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// Bounds of a filter. CostLimit is in CEL's cost units (about one per
// field access, comparison or list element visited): a filter comparing a
// few fields costs under 20, and a comprehension over a 1,000-element
// payload array about 3,000.
const (
	// MaxLength bounds an expression's text.
	MaxLength = 4096
	// CostLimit stops one evaluation: beyond it the evaluation fails with
	// an error (recorded on the event's delivery) instead of running on.
	CostLimit = 100_000
)

// Variable names, as a filter's author writes them.
const (
	varEvent      = "event"
	varSourceType = "source_type"
	varPlatform   = "platform"
	varHeaders    = "headers"
	varPayload    = "payload"
)

// env is the one CEL environment of every filter. Building it costs about
// a millisecond (it reflects the event's descriptor), so it is built once.
var env = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		// event_type compares with EventType.EVENT_TYPE_CODE_PUSHED.
		cel.Container("hookmesh.event.v1"),
		cel.Types(&eventv1.NormalizedEvent{}),
		cel.Variable(varEvent, cel.ObjectType("hookmesh.event.v1.NormalizedEvent")),
		cel.Variable(varSourceType, cel.StringType),
		cel.Variable(varPlatform, cel.StringType),
		cel.Variable(varHeaders, cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable(varPayload, cel.DynType),
		// A JSON number is a double; event.amount.minor_units an int:
		// payload.total > 100 must compare them.
		cel.CrossTypeNumericComparisons(true),
		cel.ParserExpressionSizeLimit(MaxLength),
		cel.DefaultUTCTimeZone(true),
	)
})

// Error is an expression that does not compile: its message is CEL's,
// with the line and column of each problem.
type Error struct {
	// Expr is the expression.
	Expr string
	// Message is CEL's report ("ERROR: <input>:1:7: undeclared reference
	// to 'foo' ..."), one problem per line, with a caret under each.
	Message string
}

func (e *Error) Error() string { return e.Message }

// Program is a compiled filter. Safe for concurrent use.
type Program struct {
	expr string
	prg  cel.Program
	// payload is what the expression reads of the body.
	payload payloadUse
}

// Expr returns the expression the program was compiled from.
func (p *Program) Expr() string { return p.expr }

// Compile parses and type-checks expr. An empty expression is not a
// filter: callers keep "" as "every event". The error is an *Error when
// the expression is wrong, anything else when the environment failed.
func Compile(expr string) (*Program, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, &Error{Expr: expr, Message: "filter is empty"}
	}
	if len(expr) > MaxLength {
		return nil, &Error{Expr: expr, Message: fmt.Sprintf("filter is %d bytes, longer than %d", len(expr), MaxLength)}
	}
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("filter environment: %w", err)
	}
	ast, iss := e.Compile(expr)
	if iss.Err() != nil {
		return nil, &Error{Expr: expr, Message: iss.Err().Error()}
	}
	// dyn (a bare payload field) is checked at evaluation.
	if out := ast.OutputType(); !out.IsExactType(types.BoolType) && !out.IsExactType(types.DynType) {
		return nil, &Error{Expr: expr, Message: fmt.Sprintf("filter must be a bool expression, not %s", out)}
	}
	prg, err := e.Program(ast, cel.CostLimit(CostLimit))
	if err != nil {
		return nil, &Error{Expr: expr, Message: err.Error()}
	}
	return &Program{expr: expr, prg: prg, payload: usePayload(ast)}, nil
}

// CheckKey type-checks an ordering key: an expression over the filter's
// variables that evaluates to a string. The error is an *Error when the
// expression is wrong.
func CheckKey(expr string) error {
	_, err := CompileKey(expr)
	return err
}

// CompileKey parses and type-checks an ordering key and compiles it with
// the filters' cost limit; evaluate it with EvalKey. The error is an
// *Error when the expression is wrong, anything else when the environment
// failed.
func CompileKey(expr string) (*Program, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, &Error{Expr: expr, Message: "ordering_key is empty"}
	}
	if len(expr) > MaxLength {
		return nil, &Error{Expr: expr, Message: fmt.Sprintf("ordering_key is %d bytes, longer than %d", len(expr), MaxLength)}
	}
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("filter environment: %w", err)
	}
	ast, iss := e.Compile(expr)
	if iss.Err() != nil {
		return nil, &Error{Expr: expr, Message: iss.Err().Error()}
	}
	// dyn (a bare payload field) is checked at evaluation.
	if out := ast.OutputType(); !out.IsExactType(types.StringType) && !out.IsExactType(types.DynType) {
		return nil, &Error{Expr: expr, Message: fmt.Sprintf("ordering_key must be a string expression, not %s", out)}
	}
	prg, err := e.Program(ast, cel.CostLimit(CostLimit))
	if err != nil {
		return nil, &Error{Expr: expr, Message: err.Error()}
	}
	return &Program{expr: expr, prg: prg, payload: usePayload(ast)}, nil
}

// Input is what a filter reads: one event as recorded.
type Input struct {
	// Event is the normalized event; nil reads as an empty event.
	Event *eventv1.NormalizedEvent
	// Platform is the receipt's platform.
	Platform string
	// Headers are the receipt's headers as stored (lower-case names,
	// credentials redacted).
	Headers map[string]string
	// Body is the receipt's body.
	Body []byte

	payloadOnce sync.Once
	payload     any
	lazyState
}

// parsedPayload is the body as JSON, parsed once however many filters read
// it; nil (CEL null) when the body is not JSON.
func (in *Input) parsedPayload() any {
	in.payloadOnce.Do(func() {
		var v any
		if json.Unmarshal(in.Body, &v) == nil {
			in.payload = v
		}
	})
	return in.payload
}

// activation gives the variables lazily: a filter that never reads
// payload never parses the body.
type activation struct {
	in      *Input
	payload payloadUse
}

// ResolveName implements interpreter.Activation.
func (a activation) ResolveName(name string) (any, bool) {
	switch name {
	case varEvent:
		if a.in.Event == nil {
			return &eventv1.NormalizedEvent{}, true
		}
		return a.in.Event, true
	case varSourceType:
		return a.in.Event.GetSourceEventType(), true
	case varPlatform:
		return a.in.Platform, true
	case varHeaders:
		if a.in.Headers == nil {
			return map[string]string{}, true
		}
		return a.in.Headers, true
	case varPayload:
		return a.in.payloadFor(a.payload), true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a activation) Parent() interpreter.Activation { return nil }

// Eval evaluates the program on in. It reports whether the event matches
// and the evaluation's cost; err is the evaluation's failure (a missing
// payload key, the cost limit, a result that is not a bool), never a
// panic.
func (p *Program) Eval(in *Input) (matched bool, cost uint64, err error) {
	out, det, err := p.prg.Eval(activation{in: in, payload: p.payload})
	if det != nil && det.ActualCost() != nil {
		cost = *det.ActualCost()
	}
	if err != nil {
		return false, cost, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, cost, fmt.Errorf("filter evaluated to %s, not a bool", out.Type())
	}
	return b, cost, nil
}

// EvalKey evaluates an ordering key program (CompileKey) on in: the key,
// or the evaluation's failure (a missing payload key, the cost limit, a
// result that is not a string), never a panic.
func (p *Program) EvalKey(in *Input) (string, error) {
	out, _, err := p.prg.Eval(activation{in: in, payload: p.payload})
	if err != nil {
		return "", err
	}
	k, ok := out.Value().(string)
	if !ok {
		return "", fmt.Errorf("ordering_key evaluated to %s, not a string", out.Type())
	}
	return k, nil
}

// IsCompileError reports whether err is an expression that does not
// compile.
func IsCompileError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// cacheMax bounds the cache of compiled programs: subscriptions are few,
// and an expression no longer used is dropped when the cache is cleared.
const cacheMax = 1024

// cache maps an expression to its compiled program, so each filter is
// compiled once per process, not per event: a subscription's program is
// found by its current expression, so an update recompiles it.
var cache struct {
	sync.Mutex
	m map[string]*Program
}

// Cached returns the compiled program of expr, compiling it on first use.
func Cached(expr string) (*Program, error) {
	return cached(expr, expr, Compile)
}

// CachedKey returns the compiled ordering key program of expr (CompileKey),
// compiling it on first use.
func CachedKey(expr string) (*Program, error) {
	// The prefix keeps a key apart from a filter of the same text (a bare
	// payload field is both): they are compiled for different results.
	return cached("key\x00"+expr, expr, CompileKey)
}

func cached(id, expr string, compile func(string) (*Program, error)) (*Program, error) {
	cache.Lock()
	p, ok := cache.m[id]
	cache.Unlock()
	if ok {
		return p, nil
	}
	p, err := compile(expr)
	if err != nil {
		return nil, err
	}
	cache.Lock()
	defer cache.Unlock()
	if cache.m == nil || len(cache.m) >= cacheMax {
		cache.m = map[string]*Program{}
	}
	cache.m[id] = p
	return p, nil
}
