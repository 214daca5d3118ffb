package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// jobsLimit is how many jobs the Jobs page lists (newest first).
const jobsLimit = 100

// parseLocal reads an <input type="datetime-local"> value as UTC; a
// browser sends seconds only when the value has them.
func parseLocal(v string) (time.Time, error) {
	t, err := time.Parse(timeLocal, v)
	if err != nil {
		t, err = time.Parse(timeLocal+":05", v)
	}
	return t, err
}

// redeliverForm is the redelivery form: the values as typed and the
// errors to show next to each field.
type redeliverForm struct {
	Name, From, To, Filter string
	Errors                 map[string]string
}

// redeliverKeywords map words of RedeliverSubscription's refusals to the
// form's fields (the earliest in the message wins).
var redeliverKeywords = []struct{ word, field string }{
	{"filter", "filter"},
	{"from", "from"},
	{"to:", "to"},
}

// redeliverPage shows the form, "from" a day ago by default.
func (c *Console) redeliverPage(w http.ResponseWriter, r *http.Request, s session) error {
	name := r.PathValue("name")
	// The subscription must exist: a typo in the URL is a 404, not a form.
	if err := c.get(r, s, "/v1/subscriptions/"+url.PathEscape(name), nil, &ledgerv1.GetSubscriptionResponse{}); err != nil {
		return err
	}
	f := redeliverForm{Name: name, From: time.Now().UTC().Add(-24 * time.Hour).Format(timeLocal), Errors: map[string]string{}}
	c.renderRedeliver(w, r, s, f, http.StatusOK)
	return nil
}

func (c *Console) renderRedeliver(w http.ResponseWriter, r *http.Request, s session, f redeliverForm, status int) {
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	c.pages.render(w, r, "redeliver", s, map[string]any{"Title": "Redeliver " + f.Name, "Form": f})
}

// redeliver starts a redelivery job and shows it on the Jobs page; a
// refusal comes back as the form with the API's message next to its
// field.
func (c *Console) redeliver(w http.ResponseWriter, r *http.Request, s session) error {
	f := redeliverForm{
		Name: r.PathValue("name"), From: strings.TrimSpace(r.PostFormValue("from")),
		To: strings.TrimSpace(r.PostFormValue("to")), Filter: r.PostFormValue("filter"), Errors: map[string]string{},
	}
	req := &ledgerv1.RedeliverSubscriptionRequest{Filter: f.Filter}
	for _, fld := range []struct {
		name, value string
		dst         **timestamppb.Timestamp
	}{{"from", f.From, &req.From}, {"to", f.To, &req.To}} {
		if fld.value == "" {
			continue
		}
		t, err := parseLocal(fld.value)
		if err != nil {
			f.Errors[fld.name] = "want a date and time such as 2026-01-31T13:45 (UTC)"
			continue
		}
		*fld.dst = timestamppb.New(t)
	}
	if f.From == "" {
		f.Errors["from"] = "give the start of the range"
	}
	if len(f.Errors) > 0 {
		c.renderRedeliver(w, r, s, f, http.StatusBadRequest)
		return nil
	}
	resp := &ledgerv1.RedeliverSubscriptionResponse{}
	_, err := c.call(r, s, http.MethodPost, "/v1/subscriptions/"+url.PathEscape(f.Name)+":redeliver", req, resp)
	if ae, ok := err.(*apiError); ok && ae.Status == http.StatusBadRequest {
		field := fieldIn(ae.Message, redeliverKeywords)
		if field == "" {
			field = "form"
		}
		f.Errors[field] = ae.Message
		c.renderRedeliver(w, r, s, f, ae.Status)
		return nil
	}
	if err != nil {
		return err
	}
	notice := fmt.Sprintf("Started redelivery job %s of %s.", resp.GetJob().GetJobId(), f.Name)
	http.Redirect(w, r, Prefix+"jobs?"+url.Values{"subscription": {f.Name}, "notice": {notice}}.Encode(), http.StatusSeeOther)
	return nil
}

// jobsData is what the Jobs page and its refreshed list show.
func (c *Console) jobsData(r *http.Request, s session) (map[string]any, error) {
	sub := strings.TrimSpace(r.URL.Query().Get("subscription"))
	q := url.Values{"limit": {fmt.Sprint(jobsLimit)}}
	if sub != "" {
		q.Set("subscription", sub)
	}
	resp := &ledgerv1.ListJobsResponse{}
	if err := c.get(r, s, "/v1/jobs", q, resp); err != nil {
		return nil, err
	}
	running := false
	for _, j := range resp.GetJobs() {
		running = running || j.GetState() == ledgerv1.JobState_JOB_STATE_RUNNING
	}
	return map[string]any{
		"Title": "Jobs", "Jobs": resp.GetJobs(), "Subscription": sub, "Running": running,
		"Refresh": Prefix + "jobs/list?" + url.Values{"subscription": {sub}}.Encode(),
		"Notice":  r.URL.Query().Get("notice"),
	}, nil
}

// jobs lists the background jobs (redeliveries, backfills), newest
// first, optionally of one subscription.
func (c *Console) jobs(w http.ResponseWriter, r *http.Request, s session) error {
	data, err := c.jobsData(r, s)
	if err != nil {
		return err
	}
	c.pages.render(w, r, "jobs", s, data)
	return nil
}

// jobsList is the list alone, which the page polls while a job runs.
func (c *Console) jobsList(w http.ResponseWriter, r *http.Request, s session) error {
	data, err := c.jobsData(r, s)
	if err != nil {
		return err
	}
	c.pages.fragment(w, "jobs", "list", s, data)
	return nil
}

// cancelJob stops a running job; its deliveries stay.
func (c *Console) cancelJob(w http.ResponseWriter, r *http.Request, s session) error {
	id := r.PathValue("id")
	resp := &ledgerv1.CancelJobResponse{}
	if _, err := c.call(r, s, http.MethodPost, "/v1/jobs/"+url.PathEscape(id)+":cancel", &ledgerv1.CancelJobRequest{}, resp); err != nil {
		return err
	}
	notice := fmt.Sprintf("Job %s is %s; the %d deliveries it created stay.", id,
		strings.ToLower(strings.TrimPrefix(resp.GetJob().GetState().String(), "JOB_STATE_")), resp.GetJob().GetDeliveriesCreated())
	q := url.Values{"notice": {notice}}
	if sub := r.PostFormValue("subscription"); sub != "" {
		q.Set("subscription", sub)
	}
	http.Redirect(w, r, Prefix+"jobs?"+q.Encode(), http.StatusSeeOther)
	return nil
}
