package console

import (
	"bytes"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// pageNames are the templates/<name>.html files; each defines "content"
// (rendered inside base.html) and may define fragments htmx asks for.
var pageNames = []string{"signin", "error", "overview", "events", "event", "deadletters", "subscriptions", "subscription_form", "live", "redeliver", "jobs"}

// pages holds one template set per page: base.html plus the page.
type pages struct {
	sets map[string]*template.Template
	log  *slog.Logger
}

func mustPages(log *slog.Logger) *pages {
	p := &pages{sets: map[string]*template.Template{}, log: log}
	base := template.Must(template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
	for _, name := range pageNames {
		set := template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
		p.sets[name] = set
	}
	return p
}

// render writes a whole page. data gets the fields every page uses.
func (p *pages) render(w http.ResponseWriter, r *http.Request, page string, s session, data map[string]any) {
	p.execute(w, page, "base", s, data)
}

// fragment writes one named template of a page (an htmx swap).
func (p *pages) fragment(w http.ResponseWriter, page, name string, s session, data map[string]any) {
	p.execute(w, page, name, s, data)
}

func (p *pages) execute(w http.ResponseWriter, page, name string, s session, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["CSRF"] = s.csrf
	data["Page"] = page
	data["SignedIn"] = s.token != ""
	var buf bytes.Buffer
	if err := p.sets[page].ExecuteTemplate(&buf, name, data); err != nil {
		// A template bug: say so without a half-written page.
		p.log.Error("console template", slog.String("page", page), slog.String("error", err.Error()))
		http.Error(w, "console: cannot render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"ts":        fmtTime,
	"ago":       ago,
	"dur":       fmtDuration,
	"eventType": eventTypeName,
	"amount":    fmtAmount,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"join":      strings.Join,
	"path":      url.PathEscape,
	"lower":     strings.ToLower,
	"trimState": func(s fmt.Stringer) string { return strings.ToLower(strings.TrimPrefix(s.String(), "DELIVERY_STATE_")) },
	"trimJob": func(s fmt.Stringer) string {
		v := strings.ToLower(s.String())
		return v[strings.LastIndex(v, "_")+1:]
	},
	"num":       func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) },
	"payload":   func(p fmt.Stringer) string { return strings.ToLower(strings.TrimPrefix(p.String(), "PAYLOAD_FORMAT_")) },
	"trimClass": func(s fmt.Stringer) string { return strings.ToLower(strings.TrimPrefix(s.String(), "ERROR_CLASS_")) },
}

// fmtTime shows a timestamp in UTC to the second ("" when unset).
func fmtTime(t *timestamppb.Timestamp) string {
	if t == nil || (t.GetSeconds() == 0 && t.GetNanos() == 0) {
		return ""
	}
	return t.AsTime().UTC().Format("2006-01-02 15:04:05Z")
}

// ago is a rough age for lists ("3m ago").
func ago(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	d := time.Since(t.AsTime()).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// eventTypeName is the normalized type without its enum prefix.
func eventTypeName(t eventv1.EventType) string {
	return strings.TrimPrefix(t.String(), "EVENT_TYPE_")
}

// zeroDecimal are ISO 4217 currencies without minor units.
var zeroDecimal = map[string]bool{"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true,
	"MGA": true, "PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true}

// fmtAmount shows money as "19.99 USD" (two decimals but for the
// zero-decimal currencies), and the exact minor units beside it.
func fmtAmount(m *eventv1.Money) string {
	if m == nil {
		return ""
	}
	cur := strings.ToUpper(m.GetCurrency())
	if zeroDecimal[cur] {
		return fmt.Sprintf("%d %s", m.GetMinorUnits(), cur)
	}
	units := m.GetMinorUnits()
	sign := ""
	if units < 0 {
		sign, units = "-", -units
	}
	if units == math.MinInt64 {
		return fmt.Sprintf("%d minor units %s", m.GetMinorUnits(), cur)
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, units/100, units%100, cur)
}

// fmtDuration is an attempt's call duration for people: "12.3 ms",
// "1.52 s"; "" when unknown.
func fmtDuration(d *durationpb.Duration) string {
	if d == nil {
		return ""
	}
	v := d.AsDuration()
	if v < time.Second {
		return fmt.Sprintf("%.1f ms", float64(v.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2f s", v.Seconds())
}
