package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// subscriptions lists the subscriptions with their state, backlog and
// breaker.
func (c *Console) subscriptions(w http.ResponseWriter, r *http.Request, s session) error {
	resp := &ledgerv1.ListSubscriptionsResponse{}
	if err := c.get(r, s, "/v1/subscriptions", nil, resp); err != nil {
		return err
	}
	_, bySub, _, err := c.deliveryStats(r, s)
	if err != nil {
		return err
	}
	c.pages.render(w, r, "subscriptions", s, map[string]any{
		"Title": "Subscriptions", "Subscriptions": resp.GetSubscriptions(), "SubStats": bySub,
		"Notice": r.URL.Query().Get("notice"),
	})
	return nil
}

// subForm is the subscription form: the values as typed, and the errors
// to show next to each field.
type subForm struct {
	Edit           bool
	Name           string
	Target         string
	Platforms      string
	EventTypes     map[string]bool
	Timeout        string
	MaxConcurrency string
	Filter         string
	RatePerSecond  string
	RateBurst      string
	OrderingKey    string
	// Payload is "", "normalized" or "raw".
	Payload string
	// StartFrom is the backfill's start as typed (create), or as stored
	// (edit: shown, not changeable).
	StartFrom string
	// Secrets are the stored signing secrets, by id: their values are
	// never sent to the browser (the API does not return them either).
	Secrets []secretView
	Errors  map[string]string
}

// secretView is one stored signing secret as the form shows it.
type secretView struct {
	ID, Created, Expires string
	// Remove is the operator's ticked "remove" box, kept when the form
	// comes back with an error.
	Remove bool
}

// payloadNames are the form's values of the payload select.
var payloadNames = map[ledgerv1.PayloadFormat]string{
	ledgerv1.PayloadFormat_PAYLOAD_FORMAT_NORMALIZED: "normalized",
	ledgerv1.PayloadFormat_PAYLOAD_FORMAT_RAW:        "raw",
}

func formOf(sub *ledgerv1.Subscription) subForm {
	f := subForm{EventTypes: map[string]bool{}, Errors: map[string]string{}}
	if sub == nil {
		return f
	}
	f.Name, f.Target, f.Filter = sub.GetName(), sub.GetTarget(), sub.GetFilter()
	f.Platforms = strings.Join(sub.GetPlatforms(), ", ")
	for _, t := range sub.GetEventTypes() {
		f.EventTypes[eventTypeName(t)] = true
	}
	if d := sub.GetTimeout(); d != nil {
		f.Timeout = d.AsDuration().String()
	}
	if n := sub.GetMaxConcurrency(); n != 0 {
		f.MaxConcurrency = strconv.Itoa(int(n))
	}
	if rt := sub.GetRate(); rt != nil {
		f.RatePerSecond = strconv.FormatFloat(rt.GetPerSecond(), 'g', -1, 64)
		if rt.GetBurst() != 0 {
			f.RateBurst = strconv.Itoa(int(rt.GetBurst()))
		}
	}
	f.OrderingKey, f.Payload = sub.GetOrderingKey(), payloadNames[sub.GetPayload()]
	f.StartFrom = fmtTime(sub.GetStartFrom())
	for _, sec := range sub.GetSecrets() {
		f.Secrets = append(f.Secrets, secretView{ID: sec.GetId(), Created: fmtTime(sec.GetCreatedAt()), Expires: fmtTime(sec.GetExpiresAt())})
	}
	return f
}

// readForm reads the posted form into f and onto sub (the stored
// subscription when editing, so that fields the form lacks are kept).
// Values that are not even of their type get an error here; everything
// else is the API's to judge.
func readForm(r *http.Request, f *subForm, sub *ledgerv1.Subscription) {
	f.Target = strings.TrimSpace(r.PostFormValue("target"))
	f.Platforms = r.PostFormValue("platforms")
	f.Timeout = strings.TrimSpace(r.PostFormValue("timeout"))
	f.MaxConcurrency = strings.TrimSpace(r.PostFormValue("max_concurrency"))
	f.Filter = r.PostFormValue("filter")
	f.EventTypes = map[string]bool{}
	sub.Target, sub.Filter = f.Target, f.Filter
	sub.Platforms, sub.EventTypes = nil, nil
	for _, p := range strings.Split(f.Platforms, ",") {
		if p = strings.TrimSpace(p); p != "" {
			sub.Platforms = append(sub.Platforms, p)
		}
	}
	for _, t := range r.PostForm["event_types"] {
		if v, ok := eventv1.EventType_value["EVENT_TYPE_"+t]; ok {
			f.EventTypes[t] = true
			sub.EventTypes = append(sub.EventTypes, eventv1.EventType(v))
		}
	}
	sub.Timeout = nil
	if f.Timeout != "" {
		d, err := time.ParseDuration(f.Timeout)
		if err != nil {
			f.Errors["timeout"] = "want a duration such as 10s or 1m30s"
		} else {
			sub.Timeout = durationpb.New(d)
		}
	}
	sub.MaxConcurrency = 0
	if f.MaxConcurrency != "" {
		n, err := strconv.ParseInt(f.MaxConcurrency, 10, 32)
		if err != nil {
			f.Errors["max_concurrency"] = "want a whole number"
		} else {
			sub.MaxConcurrency = int32(n)
		}
	}
	readShape(r, f, sub)
}

// readShape reads the fields of #15 (rate, ordering key, payload,
// secrets) into f and onto sub.
func readShape(r *http.Request, f *subForm, sub *ledgerv1.Subscription) {
	f.RatePerSecond = strings.TrimSpace(r.PostFormValue("rate_per_second"))
	f.RateBurst = strings.TrimSpace(r.PostFormValue("rate_burst"))
	f.OrderingKey = r.PostFormValue("ordering_key")
	sub.OrderingKey = f.OrderingKey
	sub.Rate = nil
	switch {
	case f.RatePerSecond == "" && f.RateBurst != "":
		f.Errors["rate_per_second"] = "a burst needs a rate per second"
	case f.RatePerSecond != "":
		rt := &ledgerv1.Rate{}
		ps, err := strconv.ParseFloat(f.RatePerSecond, 64)
		if err != nil {
			f.Errors["rate_per_second"] = "want a number such as 20 or 0.5"
		}
		rt.PerSecond = ps
		if f.RateBurst != "" {
			b, err := strconv.ParseInt(f.RateBurst, 10, 32)
			if err != nil {
				f.Errors["rate_burst"] = "want a whole number"
			}
			rt.Burst = int32(b)
		}
		sub.Rate = rt
	}
	f.Payload = r.PostFormValue("payload")
	switch f.Payload {
	case "":
		sub.Payload = ledgerv1.PayloadFormat_PAYLOAD_FORMAT_UNSPECIFIED
	case "normalized":
		sub.Payload = ledgerv1.PayloadFormat_PAYLOAD_FORMAT_NORMALIZED
	case "raw":
		sub.Payload = ledgerv1.PayloadFormat_PAYLOAD_FORMAT_RAW
	default:
		f.Errors["payload"] = "want normalized or raw"
	}
	// Secrets: the stored ones go back by id alone (the API keeps their
	// values), less those ticked for removal, plus the new one. The new
	// value is never put back into the form.
	remove := map[string]bool{}
	for _, id := range r.PostForm["remove_secret"] {
		remove[id] = true
	}
	var keep []*ledgerv1.SigningSecret
	for i, sec := range sub.GetSecrets() {
		if remove[sec.GetId()] {
			f.Secrets[i].Remove = true
			continue
		}
		keep = append(keep, &ledgerv1.SigningSecret{Id: sec.GetId(), CreatedAt: sec.GetCreatedAt(), ExpiresAt: sec.GetExpiresAt()})
	}
	if v := strings.TrimSpace(r.PostFormValue("new_secret")); v != "" {
		keep = append(keep, &ledgerv1.SigningSecret{Secret: v})
	}
	sub.Secrets = keep
}

// fieldKeywords map words of the API's validation messages to the form
// field they are about; the earliest in the message wins.
var fieldKeywords = []struct{ word, field string }{
	{"subscription name", "name"},
	{"name", "name"},
	{"target", "target"},
	{"platform", "platforms"},
	{"event type", "event_types"},
	{"timeout", "timeout"},
	{"max_concurrency", "max_concurrency"},
	{"filter", "filter"},
	{"ordering_key", "ordering_key"},
	{"rate.per_second", "rate_per_second"},
	{"rate.burst", "rate_burst"},
	{"start_from", "start_from"},
	{"payload", "payload"},
	{"secret", "secrets"},
}

// fieldOf returns the subscription form's field an API error message is
// about, or "" (then it is shown above the form).
func fieldOf(msg string) string { return fieldIn(msg, fieldKeywords) }

// fieldIn returns the field of keywords that msg names first, or "".
func fieldIn(msg string, keywords []struct{ word, field string }) string {
	lower := strings.ToLower(msg)
	// The operation prefix ("create subscription \"x\": ") names no field.
	if i := strings.Index(lower, ": "); i >= 0 && strings.Contains(lower[:i], "subscription \"") {
		lower = lower[i+2:]
	}
	best, at := "", len(lower)+1
	for _, k := range keywords {
		if i := strings.Index(lower, k.word); i >= 0 && i < at {
			best, at = k.field, i
		}
	}
	return best
}

func (c *Console) newSubscription(w http.ResponseWriter, r *http.Request, s session) error {
	c.renderForm(w, r, s, formOf(nil), http.StatusOK)
	return nil
}

func (c *Console) editSubscription(w http.ResponseWriter, r *http.Request, s session) error {
	resp := &ledgerv1.GetSubscriptionResponse{}
	if err := c.get(r, s, "/v1/subscriptions/"+url.PathEscape(r.PathValue("name")), nil, resp); err != nil {
		return err
	}
	f := formOf(resp.GetSubscription())
	f.Edit = true
	c.renderForm(w, r, s, f, http.StatusOK)
	return nil
}

func (c *Console) renderForm(w http.ResponseWriter, r *http.Request, s session, f subForm, status int) {
	title := "New subscription"
	if f.Edit {
		title = "Edit " + f.Name
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	c.pages.render(w, r, "subscription_form", s, map[string]any{"Title": title, "Form": f, "Types": eventTypes()})
}

func (c *Console) createSubscription(w http.ResponseWriter, r *http.Request, s session) error {
	f := formOf(nil)
	f.Name = strings.TrimSpace(r.PostFormValue("name"))
	sub := &ledgerv1.Subscription{Name: f.Name, Paused: r.PostFormValue("paused") == "on"}
	readForm(r, &f, sub)
	notice := "Created " + f.Name + "."
	if f.StartFrom = strings.TrimSpace(r.PostFormValue("start_from")); f.StartFrom != "" {
		t, err := parseLocal(f.StartFrom)
		if err != nil {
			f.Errors["start_from"] = "want a date and time such as 2026-01-31T13:45 (UTC)"
		} else {
			sub.StartFrom = timestamppb.New(t)
			notice = "Created " + f.Name + "; its backfill from " + fmtTime(sub.StartFrom) + " runs as a job (see Jobs)."
		}
	}
	return c.saveSubscription(w, r, s, f, http.MethodPost, "/v1/subscriptions", sub, notice)
}

func (c *Console) updateSubscription(w http.ResponseWriter, r *http.Request, s session) error {
	name := r.PathValue("name")
	got := &ledgerv1.GetSubscriptionResponse{}
	if err := c.get(r, s, "/v1/subscriptions/"+url.PathEscape(name), nil, got); err != nil {
		return err
	}
	sub := got.GetSubscription()
	f := formOf(sub)
	f.Edit = true
	readForm(r, &f, sub)
	// start_from is the stored one (it cannot change): unset keeps it.
	sub.StartFrom = nil
	return c.saveSubscription(w, r, s, f, http.MethodPut, "/v1/subscriptions/"+url.PathEscape(name), sub, "Saved "+name+".")
}

// saveSubscription sends sub to the API; a refusal comes back as the form
// with the API's message next to its field.
func (c *Console) saveSubscription(w http.ResponseWriter, r *http.Request, s session, f subForm, method, path string,
	sub *ledgerv1.Subscription, notice string) error {
	if len(f.Errors) > 0 {
		c.renderForm(w, r, s, f, http.StatusBadRequest)
		return nil
	}
	_, err := c.call(r, s, method, path, sub, nil)
	if ae, ok := err.(*apiError); ok && ae.Status != http.StatusUnauthorized && ae.Status < 500 {
		field := fieldOf(ae.Message)
		if field == "" {
			field = "form"
		}
		f.Errors[field] = ae.Message
		c.renderForm(w, r, s, f, ae.Status)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"subscriptions?notice="+url.QueryEscape(notice), http.StatusSeeOther)
	return nil
}

// subscriptionAction pauses, resumes or deletes a subscription.
func (c *Console) subscriptionAction(w http.ResponseWriter, r *http.Request, s session) error {
	name, action := r.PathValue("name"), r.PathValue("action")
	path := "/v1/subscriptions/" + url.PathEscape(name)
	var err error
	var notice string
	switch action {
	case "pause", "resume":
		_, err = c.call(r, s, http.MethodPost, path+":"+action, &ledgerv1.PauseSubscriptionRequest{}, nil)
		notice = map[string]string{"pause": "Paused ", "resume": "Resumed "}[action] + name + "."
	case "delete":
		resp := &ledgerv1.DeleteSubscriptionResponse{}
		_, err = c.call(r, s, http.MethodDelete, path, nil, resp)
		notice = "Deleted " + name + " (" + strconv.FormatInt(resp.GetCancelled(), 10) + " pending deliveries cancelled)."
	default:
		http.NotFound(w, r)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"subscriptions?notice="+url.QueryEscape(notice), http.StatusSeeOther)
	return nil
}
