package retention

import (
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Policy
	}{
		{"", Policy{}},
		{"  \t", Policy{}},
		{"bodies=7d events=90d", Policy{Limits: Limits{Bodies: 7 * day, Events: 90 * day}}},
		{"bodies=7d,events=90d,dedup=30d", Policy{Limits: Limits{Bodies: 7 * day, Events: 90 * day}, DedupHorizon: 30 * day}},
		{"events=1w", Policy{Limits: Limits{Events: 7 * day}}},
		{"bodies=1d12h30m15s", Policy{Limits: Limits{Bodies: 36*time.Hour + 30*time.Minute + 15*time.Second}}},
		{"bodies=7d events=90d stripe.bodies=3d", Policy{
			Limits:    Limits{Bodies: 7 * day, Events: 90 * day},
			Platforms: map[string]Limits{"stripe": {Bodies: 3 * day}},
		}},
		{"bodies=7d stripe.events=3d", Policy{
			Limits:    Limits{Bodies: 7 * day},
			Platforms: map[string]Limits{"stripe": {Events: 3 * day}},
		}},
		{"shop-1_x.events=2d shop-1_x.bodies=1d", Policy{
			Platforms: map[string]Limits{"shop-1_x": {Bodies: day, Events: 2 * day}},
		}},
	} {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got.String() != c.want.String() || len(got.Platforms) != len(c.want.Platforms) {
			t.Errorf("Parse(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: a part of the message, naming the bad token
	}{
		{"bodies", `"bodies": want key=age`},
		{"bodies=", `"bodies=": empty age`},
		{"bodies=7", `"bodies=7": age "7"`},
		{"bodies=d", `"bodies=d"`},
		{"bodies=7y", `unknown unit 'y'`},
		{"bodies=0d", `must be positive`},
		{"bodies=-1d", `"bodies=-1d"`},
		{"bodies=7d bodies=8d", `bodies is set twice`},
		{"body=7d", `unknown key "body"`},
		{"stripe.dedup=7d", `unknown key "dedup" (a platform`},
		{".bodies=7d", `empty platform name`},
		{"str ipe.bodies=7d", `"str": want key=age`},
		{"st/ripe.bodies=7d", `platform name "st/ripe"`},
		{"events=101000d", `longer than 100 years`},
		{"events=99999999999999999999d", `longer than 100 years`},
		{"events=36500d1w", `longer than 100 years`},
		{"bodies=7d events=1d", `events=1d is shorter than bodies=1w`},
		{"events=7d stripe.bodies=8d", `stripe: events=1w is shorter than bodies=1w1d`},
		{"stripe.bodies=7d stripe.events=3d", `stripe: events=3d`},
	} {
		_, err := Parse(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
}

func TestPolicyFor(t *testing.T) {
	p, err := Parse("bodies=7d events=90d stripe.bodies=3d github.events=180d")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		platform string
		want     Limits
	}{
		{"shopify", Limits{Bodies: 7 * day, Events: 90 * day}},
		{"stripe", Limits{Bodies: 3 * day, Events: 90 * day}},
		{"github", Limits{Bodies: 7 * day, Events: 180 * day}},
	} {
		if got := p.For(c.platform); got != c.want {
			t.Errorf("For(%s) = %+v, want %+v", c.platform, got, c.want)
		}
	}
	if !p.Enabled() || (Policy{DedupHorizon: day}).Enabled() {
		t.Error("Enabled is wrong")
	}
	if p.Horizon() != DefaultDedupHorizon {
		t.Errorf("Horizon() = %v, want the default", p.Horizon())
	}
}

// FuzzParse checks that Parse never panics, and that what it accepts
// writes back (String) to a policy that parses to the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "bodies=7d events=90d dedup=30d stripe.bodies=3d", "bodies=1d12h", "events=1w,bodies=1s",
		"bodies=7d events=1d", "x.y.bodies=1d", "bodies==1d", "bodies=1d=2d", "events=99999999999999d",
		"a.bodies=1m a.events=1h", "bodies=0s", "\tbodies=1d\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		q, err := Parse(p.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, p, err)
		}
		if q.String() != p.String() {
			t.Fatalf("Parse(%q) = %q, but that reads back as %q", s, p, q)
		}
		if p.Events > 0 && p.Bodies > p.Events {
			t.Fatalf("Parse(%q) accepted events shorter than bodies", s)
		}
		for name, o := range p.Platforms {
			if l := p.For(name); o.Bodies > 0 && l.Events > 0 && o.Bodies > l.Events {
				t.Fatalf("Parse(%q) accepted %s with events shorter than bodies", s, name)
			}
		}
	})
}
