package retention

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// maxAge bounds every age a policy may hold: 100 years is "forever" for
// any ledger, and the bound keeps the arithmetic on times from overflowing.
const maxAge = 100 * 365 * 24 * time.Hour

// units are the suffixes an age may use, with what each is worth.
var units = map[byte]time.Duration{
	's': time.Second,
	'm': time.Minute,
	'h': time.Hour,
	'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour,
}

// Parse reads a HOOKMESH_RETENTION value: settings separated by spaces or
// commas, each key=age, where an age is one or more number-unit pairs
// (units s, m, h, d, w: "90d", "1d12h"). The keys:
//
//	bodies=7d          receipts' bodies and headers go after 7 days
//	events=90d         events go after 90 days, with their receipts,
//	                   finished deliveries and attempt history
//	dedup=30d          dedup keys are kept 30 days after the first receipt
//	                   (DefaultDedupHorizon when absent)
//	stripe.bodies=3d   a per-platform override (also <platform>.events)
//
// An empty string (or only blanks) is the empty policy: keep everything.
// Ages must be positive (omit a key to keep forever) and at most 100
// years; a key may appear once. An events age shorter than a bodies age
// it is paired with (bodies and events, or a platform's bodies and its
// events, its own or the overall one) is refused: the body goes with its
// event, so that bodies age would never apply, and the policy surely says
// something else than was meant. A platform's events age alone may be
// shorter than the overall bodies age: its bodies then go with its
// events. Errors name the offending setting.
func Parse(s string) (Policy, error) {
	var p Policy
	seen := map[string]bool{}
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r'
	}) {
		key, val, ok := strings.Cut(tok, "=")
		if !ok {
			return Policy{}, fmt.Errorf("retention setting %q: want key=age, e.g. bodies=7d", tok)
		}
		if seen[key] {
			return Policy{}, fmt.Errorf("retention setting %q: %s is set twice", tok, key)
		}
		seen[key] = true
		age, err := parseAge(val)
		if err != nil {
			return Policy{}, fmt.Errorf("retention setting %q: %w", tok, err)
		}
		platform, field := "", key
		if i := strings.LastIndexByte(key, '.'); i >= 0 {
			platform, field = key[:i], key[i+1:]
			if err := checkPlatform(platform); err != nil {
				return Policy{}, fmt.Errorf("retention setting %q: %w", tok, err)
			}
		}
		l := p.Limits
		if platform != "" {
			l = p.Platforms[platform]
		}
		switch {
		case field == "bodies":
			l.Bodies = age
		case field == "events":
			l.Events = age
		case field == "dedup" && platform == "":
			p.DedupHorizon = age
		case platform != "":
			return Policy{}, fmt.Errorf("retention setting %q: unknown key %q (a platform takes bodies or events)", tok, field)
		default:
			return Policy{}, fmt.Errorf("retention setting %q: unknown key %q (want bodies, events, dedup or <platform>.bodies, <platform>.events)", tok, field)
		}
		if platform == "" {
			p.Limits = l
			continue
		}
		if p.Platforms == nil {
			p.Platforms = map[string]Limits{}
		}
		p.Platforms[platform] = l
	}
	if err := checkOrder("", p.Limits); err != nil {
		return Policy{}, err
	}
	for _, name := range slices.Sorted(maps.Keys(p.Platforms)) {
		// An override of events alone may be shorter than the overall
		// bodies age (its bodies then go with its events); one that names
		// a bodies age must not outlast its events.
		o := p.Platforms[name]
		if o.Bodies == 0 {
			continue
		}
		if err := checkOrder(name, Limits{Bodies: o.Bodies, Events: p.For(name).Events}); err != nil {
			return Policy{}, err
		}
	}
	return p, nil
}

// checkOrder refuses limits whose events go before their bodies would.
func checkOrder(platform string, l Limits) error {
	if l.Events == 0 || l.Bodies == 0 || l.Events >= l.Bodies {
		return nil
	}
	prefix := ""
	if platform != "" {
		prefix = platform + ": "
	}
	return fmt.Errorf("retention: %sevents=%s is shorter than bodies=%s: a body goes with its event, so bodies would never apply",
		prefix, FormatAge(l.Events), FormatAge(l.Bodies))
}

// checkPlatform accepts platform and source names: letters, digits, '-'
// and '_'.
func checkPlatform(name string) error {
	if name == "" {
		return fmt.Errorf("empty platform name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("platform name %q: only letters, digits, '-' and '_' are allowed", name)
		}
	}
	return nil
}

// parseAge reads one or more number-unit pairs ("7d", "1d12h").
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty age (want e.g. 7d; units s m h d w)")
	}
	var total time.Duration
	for rest := s; rest != ""; {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("age %q: want a number followed by a unit (s m h d w)", s)
		}
		unit, ok := units[rest[i]]
		if !ok {
			return 0, fmt.Errorf("age %q: unknown unit %q (want s m h d w)", s, rest[i])
		}
		if i > 12 { // more digits than any age below maxAge needs
			return 0, fmt.Errorf("age %q: longer than 100 years", s)
		}
		var n int64
		for _, c := range rest[:i] {
			n = n*10 + int64(c-'0')
		}
		if n > int64(maxAge/unit) || total+time.Duration(n)*unit > maxAge {
			return 0, fmt.Errorf("age %q: longer than 100 years", s)
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	if total <= 0 {
		return 0, fmt.Errorf("age %q: must be positive (omit the setting to keep forever)", s)
	}
	return total, nil
}

// FormatAge writes d in the largest units Parse reads ("90d", "1d12h",
// "1w"), so an age reads back as it was written; "0" for zero.
func FormatAge(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	var b strings.Builder
	for _, u := range []struct {
		c byte
		d time.Duration
	}{{'w', units['w']}, {'d', units['d']}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%c", n, u.c)
			d -= n * u.d
		}
	}
	if d > 0 { // below a second: not something Parse makes
		fmt.Fprintf(&b, "%dns", d)
	}
	return b.String()
}

// For returns the limits that apply to platform: its override, each zero
// field falling back to the policy's own.
func (p Policy) For(platform string) Limits {
	l := p.Limits
	if o, ok := p.Platforms[platform]; ok {
		if o.Bodies > 0 {
			l.Bodies = o.Bodies
		}
		if o.Events > 0 {
			l.Events = o.Events
		}
	}
	return l
}

// Horizon is the policy's dedup horizon: DedupHorizon, or
// DefaultDedupHorizon when unset.
func (p Policy) Horizon() time.Duration {
	if p.DedupHorizon > 0 {
		return p.DedupHorizon
	}
	return DefaultDedupHorizon
}

// String writes the policy back in Parse's syntax, keys in a fixed order,
// for logs.
func (p Policy) String() string {
	var parts []string
	add := func(key string, d time.Duration) {
		if d > 0 {
			parts = append(parts, key+"="+FormatAge(d))
		}
	}
	add("bodies", p.Bodies)
	add("events", p.Events)
	add("dedup", p.DedupHorizon)
	for _, name := range slices.Sorted(maps.Keys(p.Platforms)) {
		add(name+".bodies", p.Platforms[name].Bodies)
		add(name+".events", p.Platforms[name].Events)
	}
	return strings.Join(parts, " ")
}
