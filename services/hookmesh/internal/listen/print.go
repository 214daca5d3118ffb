package listen

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Output formats (Options.Output).
const (
	// OutputText is one aligned line per event, for people.
	OutputText = "text"
	// OutputJSON is one JSON object per line, for jq and scripts.
	OutputJSON = "json"
)

// printer writes one line per event to out.
type printer struct {
	out    io.Writer
	json   bool
	target string // the forward target, "" when not forwarding
}

// jsonLine is an event in OutputJSON.
type jsonLine struct {
	Cursor  string          `json:"cursor"`
	Event   json.RawMessage `json:"event"`
	Forward *jsonForward    `json:"forward,omitempty"`
}

type jsonForward struct {
	Target    string  `json:"target"`
	Status    string  `json:"status,omitempty"`
	OK        bool    `json:"ok"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
	Skipped   string  `json:"skipped,omitempty"`
}

// event prints msg and, when res is not nil, what its forward did.
func (p printer) event(msg *ledgerv1.WatchEventsResponse, res *Result) error {
	if p.json {
		ev, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(msg.GetEvent())
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		line := jsonLine{Cursor: msg.GetCursor(), Event: ev}
		if res != nil {
			line.Forward = &jsonForward{Target: p.target, Status: res.Status, OK: res.OK,
				LatencyMS: float64(res.Latency.Microseconds()) / 1000, Error: res.Error, Skipped: res.Skipped}
		}
		b, err := json.Marshal(line)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		_, err = fmt.Fprintf(p.out, "%s\n", b)
		return err
	}
	ev := msg.GetEvent()
	what := strings.TrimPrefix(ev.GetEvent().GetEventType().String(), "EVENT_TYPE_")
	if src := ev.GetEvent().GetSourceEventType(); src != "" {
		what += " (" + src + ")"
	}
	if ev.GetEvent() == nil {
		what = "not normalized: " + truncate(ev.GetNormalizationError(), 60)
	}
	line := fmt.Sprintf("%s  %-10s %-40s %s", ev.GetReceivedAt().AsTime().Local().Format(time.TimeOnly),
		ev.GetPlatform(), ev.GetEventId(), what)
	if res != nil {
		line += "  -> " + res.String()
	}
	_, err := fmt.Fprintln(p.out, line)
	return err
}

// String is the result as the text output shows it.
func (r Result) String() string {
	switch {
	case r.Skipped != "":
		return "skipped: " + r.Skipped
	case r.Status == "":
		return fmt.Sprintf("error: %s (%s)", r.Error, roundLatency(r.Latency))
	case !r.OK && r.Error != "":
		return fmt.Sprintf("[%s] %s (%s)", r.Status, truncate(r.Error, 80), roundLatency(r.Latency))
	default:
		return fmt.Sprintf("[%s] %s", r.Status, roundLatency(r.Latency))
	}
}

func roundLatency(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
