package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// pageSize is the rows of one page of events or dead letters.
const pageSize = 50

// eventTypes are the normalized types a filter can pick, in enum order.
func eventTypes() []string {
	var out []string
	vals := make([]int32, 0, len(eventv1.EventType_name))
	for v := range eventv1.EventType_name {
		if v != 0 {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	for _, v := range vals {
		out = append(out, strings.TrimPrefix(eventv1.EventType_name[v], "EVENT_TYPE_"))
	}
	return out
}

// timeLocal is the layout of <input type="datetime-local">, read as UTC.
const timeLocal = "2006-01-02T15:04"

// events lists events newest first. Every filter goes to the API, so the
// pages it returns are pages of the filtered list.
func (c *Console) events(w http.ResponseWriter, r *http.Request, s session) error {
	f := r.URL.Query()
	q := url.Values{"page_size": {fmt.Sprint(pageSize)}}
	for form, api := range map[string]string{"platform": "platform", "page_token": "page_token",
		"source_type": "source_event_type", "entity": "entity_id", "user": "user_id"} {
		if v := strings.TrimSpace(f.Get(form)); v != "" {
			q.Set(api, v)
		}
	}
	if v := f.Get("type"); v != "" {
		q.Set("event_type", "EVENT_TYPE_"+v)
	}
	var formErr string
	for _, k := range []string{"after", "before"} {
		if v := f.Get(k); v != "" {
			t, err := time.Parse(timeLocal, v)
			if err != nil {
				formErr = fmt.Sprintf("%s: want a date and time such as 2026-01-31T13:45", k)
				continue
			}
			q.Set("received_"+k, t.UTC().Format(time.RFC3339))
		}
	}
	resp := &ledgerv1.ListEventsResponse{}
	if formErr == "" {
		if err := c.get(r, s, "/v1/events", q, resp); err != nil {
			if ae, ok := err.(*apiError); ok && ae.Status == http.StatusBadRequest {
				formErr = ae.Message
			} else {
				return err
			}
		}
	}
	rows := resp.GetEvents()
	next := nextPage("events", f, resp.GetNextPageToken())
	c.pages.render(w, r, "events", s, map[string]any{
		"Title": "Events", "Events": rows, "Filter": f, "Types": eventTypes(), "Next": next, "FormError": formErr,
		"FirstPage": f.Get("page_token") == "", "Notice": f.Get("notice"),
	})
	return nil
}

// nextPage is the link to the page after this one: the same filters and
// the API's page token ("" when this is the last page).
func nextPage(page string, filters url.Values, token string) template.URL {
	if token == "" {
		return ""
	}
	q := url.Values{}
	for k, vs := range filters {
		q[k] = slices.Clone(vs)
	}
	q.Del("notice")
	q.Set("page_token", token)
	return template.URL(Prefix + page + "?" + q.Encode()) //nolint:gosec // a path of ours and an encoded query
}

// findEvent is the id search: it opens the event page, or says that no
// such event exists.
func (c *Console) findEvent(w http.ResponseWriter, r *http.Request, s session) error {
	platform, id := strings.TrimSpace(r.URL.Query().Get("platform")), strings.TrimSpace(r.URL.Query().Get("id"))
	if platform == "" || id == "" {
		http.Redirect(w, r, Prefix+"events?notice="+url.QueryEscape("Give both the platform and the event id."), http.StatusSeeOther)
		return nil
	}
	err := c.get(r, s, "/v1/events/"+url.PathEscape(platform)+"/"+url.PathEscape(id), nil, &ledgerv1.GetEventResponse{})
	if ae, ok := err.(*apiError); ok && ae.Status == http.StatusNotFound {
		http.Redirect(w, r, Prefix+"events?notice="+url.QueryEscape(fmt.Sprintf("No event %s from %s.", id, platform)), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"events/"+url.PathEscape(platform)+"/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// bodyView is a raw body for display: pretty JSON when it parses, the
// text when it is UTF-8, else the bytes escaped.
type bodyView struct {
	Text   string
	Kind   string // "json", "text" or "binary"
	Length int
}

func viewBody(b []byte) bodyView {
	v := bodyView{Length: len(b)}
	if len(b) == 0 {
		// Retention clears old bodies (HOOKMESH_RETENTION); the event
		// stays readable.
		v.Kind = "empty: none was sent, or retention dropped it"
		return v
	}
	var buf strings.Builder
	var pretty bytes.Buffer
	if json.Valid(b) && json.Indent(&pretty, b, "", "  ") == nil {
		// Indent keeps every number and string exactly as sent.
		v.Text, v.Kind = pretty.String(), "json"
		return v
	}
	if utf8.Valid(b) {
		v.Text, v.Kind = string(b), "text"
		return v
	}
	// Exact bytes: printable ASCII as is, every other byte as \xNN.
	for _, c := range b {
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			buf.WriteByte(c)
		} else {
			fmt.Fprintf(&buf, `\x%02x`, c)
		}
	}
	v.Text, v.Kind = buf.String(), "binary"
	return v
}

// event shows one event: receipt, normalized event, deliveries.
func (c *Console) event(w http.ResponseWriter, r *http.Request, s session) error {
	platform, id := r.PathValue("platform"), r.PathValue("id")
	q := url.Values{}
	if src := r.URL.Query().Get("source"); src != "" {
		q.Set("source", src)
	}
	base := "/v1/events/" + url.PathEscape(platform) + "/" + url.PathEscape(id)
	ev := &ledgerv1.GetEventResponse{}
	if err := c.get(r, s, base, q, ev); err != nil {
		return err
	}
	dl := &ledgerv1.ListDeliveriesResponse{}
	if err := c.get(r, s, base+"/deliveries", q, dl); err != nil {
		return err
	}
	var headers [][2]string
	for k, v := range ev.GetReceipt().GetHeaders() {
		headers = append(headers, [2]string{k, v})
	}
	slices.SortFunc(headers, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	normalized := ""
	if ne := ev.GetEvent().GetEvent(); ne != nil {
		// protojson varies its spacing on purpose; json.Indent gives the
		// page one stable layout.
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(ne)
		if err != nil {
			return fmt.Errorf("show the normalized event: %w", err)
		}
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return fmt.Errorf("show the normalized event: %w", err)
		}
		normalized = out.String()
	}
	c.pages.render(w, r, "event", s, map[string]any{
		"Title": "Event " + id, "Event": ev.GetEvent(), "Receipt": ev.GetReceipt(), "Body": viewBody(ev.GetReceipt().GetBody()),
		"Headers": headers, "Normalized": normalized, "Deliveries": dl.GetDeliveries(), "Notice": r.URL.Query().Get("notice"),
	})
	return nil
}

// renormalize asks the API to normalize this one event again (scope=one,
// the button's default) or every failed event of its platform
// (scope=platform).
func (c *Console) renormalize(w http.ResponseWriter, r *http.Request, s session) error {
	platform, id, source := r.PathValue("platform"), r.PathValue("id"), r.PostFormValue("source")
	req := &ledgerv1.RenormalizeEventsRequest{Platform: platform, EventId: id, Source: source}
	if r.PostFormValue("scope") == "platform" {
		req = &ledgerv1.RenormalizeEventsRequest{Platform: platform, Limit: 1000}
	}
	resp := &ledgerv1.RenormalizeEventsResponse{}
	if _, err := c.call(r, s, http.MethodPost, "/v1/events:renormalize", req, resp); err != nil {
		return err
	}
	var notice string
	switch {
	case req.GetEventId() == "":
		notice = fmt.Sprintf("Re-normalization scheduled for %d %s event(s) that failed to normalize.", resp.GetScheduled(), platform)
	case resp.GetScheduled() > 0:
		notice = "Re-normalization scheduled for this event: reload in a moment to see the result."
	default:
		notice = "Nothing scheduled: this event is normalized, or its re-normalization is already scheduled."
	}
	back := Prefix + "events/" + url.PathEscape(platform) + "/" + url.PathEscape(id)
	q := url.Values{"notice": {notice}}
	if source != "" {
		q.Set("source", source)
	}
	http.Redirect(w, r, back+"?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// deadLetters lists dead deliveries, filtered by subscription and
// platform, with replay forms.
func (c *Console) deadLetters(w http.ResponseWriter, r *http.Request, s session) error {
	f := r.URL.Query()
	q := url.Values{"page_size": {fmt.Sprint(pageSize)}}
	for _, k := range []string{"subscription", "platform", "page_token"} {
		if v := strings.TrimSpace(f.Get(k)); v != "" {
			q.Set(k, v)
		}
	}
	resp := &ledgerv1.ListDeadLettersResponse{}
	if err := c.get(r, s, "/v1/deadletters", q, resp); err != nil {
		return err
	}
	next := nextPage("deadletters", f, resp.GetNextPageToken())
	c.pages.render(w, r, "deadletters", s, map[string]any{
		"Title": "Dead letters", "DeadLetters": resp.GetDeadLetters(), "Filter": f, "Next": next,
	})
	return nil
}

// replayDeadLetter replays one dead letter and renders its new row state.
func (c *Console) replayDeadLetter(w http.ResponseWriter, r *http.Request, s session) error {
	id := r.PathValue("id")
	resp := &ledgerv1.ReplayDeadLetterResponse{}
	_, err := c.call(r, s, http.MethodPost, "/v1/deadletters/"+url.PathEscape(id)+":replay", &ledgerv1.ReplayDeadLetterRequest{}, resp)
	data := map[string]any{"ID": id}
	if ae, ok := err.(*apiError); ok && ae.Status != http.StatusUnauthorized {
		data["Error"] = ae.Message
	} else if err != nil {
		return err
	} else {
		data["Delivery"] = resp.GetDelivery()
	}
	if r.Header.Get("HX-Request") == "" {
		back := r.PostFormValue("back")
		if !strings.HasPrefix(back, Prefix) {
			back = Prefix + "deadletters"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	c.pages.fragment(w, "deadletters", "replayed", s, data)
	return nil
}

// replayBatch is how many dead letters one "replay all" step replays:
// each step is one request, so the page shows progress between them.
const replayBatch = 100

// replayDeadLetters replays the selected dead letters (ids), or one batch
// of all those matching the filters (all=1); the answer says how many
// are done and, while some remain, asks htmx for the next batch.
func (c *Console) replayDeadLetters(w http.ResponseWriter, r *http.Request, s session) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	data := map[string]any{}
	if r.PostForm.Get("all") == "1" {
		prev := 0
		fmt.Sscan(r.PostForm.Get("done"), &prev)
		resp := &ledgerv1.ReplayDeadLettersResponse{}
		req := &ledgerv1.ReplayDeadLettersRequest{Subscription: r.PostForm.Get("subscription"), Platform: r.PostForm.Get("platform"), Limit: replayBatch}
		if _, err := c.call(r, s, http.MethodPost, "/v1/deadletters:replay", req, resp); err != nil {
			return err
		}
		done := prev + int(resp.GetReplayed())
		data["All"], data["Done"], data["Remaining"] = true, done, resp.GetRemaining()
		data["Total"] = done + int(resp.GetRemaining())
		data["More"] = resp.GetRemaining() > 0 && resp.GetReplayed() > 0
		data["Subscription"], data["Platform"] = req.GetSubscription(), req.GetPlatform()
	} else {
		ids := r.PostForm["id"]
		var failed []string
		done := 0
		for _, id := range ids {
			_, err := c.call(r, s, http.MethodPost, "/v1/deadletters/"+url.PathEscape(id)+":replay", &ledgerv1.ReplayDeadLetterRequest{}, nil)
			if ae, ok := err.(*apiError); ok && ae.Status == http.StatusUnauthorized {
				return err
			}
			if err != nil {
				failed = append(failed, id+": "+errMessage(err))
				continue
			}
			done++
		}
		data["Done"], data["Failed"], data["Selected"] = done, failed, len(ids)
	}
	// The list the replays came from, to show what is left.
	lq := url.Values{}
	for _, k := range []string{"subscription", "platform"} {
		if v := r.PostForm.Get(k); v != "" {
			lq.Set(k, v)
		}
	}
	data["ListURL"] = template.URL(Prefix + "deadletters?" + lq.Encode()) //nolint:gosec // a path of ours and an encoded query
	c.pages.fragment(w, "deadletters", "progress", s, data)
	return nil
}

func errMessage(err error) string {
	if ae, ok := err.(*apiError); ok {
		return ae.Message
	}
	return err.Error()
}

// live is the page of events as they arrive.
func (c *Console) live(w http.ResponseWriter, r *http.Request, s session) error {
	p := r.URL.Query().Get("platform")
	stream := Prefix + "live/stream"
	if p != "" {
		stream += "?" + url.Values{"platform": {p}}.Encode()
	}
	c.pages.render(w, r, "live", s, map[string]any{"Title": "Live", "Platform": p, "Stream": stream})
	return nil
}

// liveStream passes the API's event stream (GET /v1/events:watch,
// server-sent events) through to the browser, with the operator's token:
// an EventSource cannot send an Authorization header.
func (c *Console) liveStream(w http.ResponseWriter, r *http.Request, s session) error {
	q := url.Values{}
	if p := r.URL.Query().Get("platform"); p != "" {
		q.Set("platform", p)
	}
	if r.Header.Get("Last-Event-ID") == "" {
		// A new page starts at now; a reconnecting one resumes.
		q.Set("start_time", time.Now().UTC().Format(time.RFC3339Nano))
	}
	req := r.Clone(r.Context())
	req.URL = &url.URL{Path: "/v1/events:watch", RawQuery: q.Encode()}
	req.RequestURI = ""
	req.Header.Del("Cookie")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	c.api.ServeHTTP(w, req)
	return nil
}
