package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"dutybot/api"
	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/phone"
	"dutybot/phone/tencentfake"
)

// The phone load's fictional credentials: the fake accepts only these, so
// a request the provider would refuse for its signature shows as refused.
const (
	loadSecretID  = "AKIDdutyloadPHONE000000000000000000"
	loadSecretKey = "dutyload-phone-secret-key"
	loadCallback  = "dutyload-callback-token"
	loadAPIToken  = "dutyload-api-token"
)

// phoneSteps ring every silent recipient 2 s after their call reached
// them, and escalate long after the run is over.
const phoneSteps = "      - {after: 2s, action: call}\n      - {after: 10m, action: escalate, to: unit_head}\n"

// phoneOptions are what one phone load is run with.
type phoneOptions struct {
	n           int
	concurrency int           // the provider's stated concurrency, and phone.concurrency
	latency     time.Duration // how long the fake takes to answer each request
	perSecond   float64       // phone.per_second; 0 = no cap
}

// phoneResult is what one phone load measured.
type phoneResult struct {
	opts     phoneOptions
	driver   string
	dueSpan  time.Duration   // first to last call step falling due
	sent     []time.Duration // due → request sent (the fake's At less its latency), sorted
	accepted []time.Duration // due → the fake's At, sorted
	calls    int             // calls the fake accepted
	span     time.Duration   // first to last call the fake accepted
	refusals map[string]int  // the fake's error answers, by code
	twice    int             // numbers called more than once
	never    int             // staff numbers never called
	strays   int             // calls to numbers no staff member has
	states   map[string]int  // the app's calls by state
	cost     int             // phone_calls of the alert, as the API shows it
}

// rate is the calls the fake accepted per second, first to last: calls − 1
// gaps over the span between them.
func (r phoneResult) rate() float64 {
	if r.span <= 0 || r.calls < 2 {
		return 0
	}
	return float64(r.calls-1) / r.span.Seconds()
}

// ceiling is the most calls a second the provider's stated concurrency
// allows at its latency, or per_second when that is lower.
func (r phoneResult) ceiling() float64 {
	var c float64 // 0: no ceiling besides per_second
	if r.opts.latency > 0 {
		c = float64(r.opts.concurrency) / r.opts.latency.Seconds()
	}
	if p := r.opts.perSecond; p > 0 && (c == 0 || p < c) {
		return p
	}
	return c
}

// failures are the checks the run failed: the issue's "within the
// provider's stated concurrency" and "cost counted per alert".
func (r phoneResult) failures() []string {
	var f []string
	if k := r.refusals["RequestLimitExceeded"]; k > 0 {
		f = append(f, fmt.Sprintf("%d requests over the stated concurrency (RequestLimitExceeded)", k))
	}
	if k := total(r.refusals) - r.refusals["RequestLimitExceeded"]; k > 0 {
		f = append(f, fmt.Sprintf("%d other refusals: %v", k, r.refusals))
	}
	if r.twice > 0 {
		f = append(f, fmt.Sprintf("%d numbers called twice", r.twice))
	}
	if r.never > 0 {
		f = append(f, fmt.Sprintf("%d staff never called", r.never))
	}
	if r.strays > 0 {
		f = append(f, fmt.Sprintf("%d calls to numbers of nobody on the alert", r.strays))
	}
	if r.cost != r.opts.n {
		f = append(f, fmt.Sprintf("the alert's phone_calls is %d, want %d", r.cost, r.opts.n))
	}
	return f
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// phoneLoad sends one red alert to n bound staff, nobody answering in the
// chat, with 电话叫应 2 s after each call reached its recipient: the real
// app (outbox with paid broadcast, deadlines, phone dialer, Tencent
// provider with the SDK) against fake Telegram and a fake Tencent that
// answers RequestLimitExceeded past the stated concurrency. It measures
// how long after a step fell due its request went to the provider, the
// calls placed a second against the ceiling the concurrency allows, and
// what the alert says it cost, and prints them to w.
func phoneLoad(b *backend, o phoneOptions, w io.Writer) (res phoneResult, err error) {
	res = phoneResult{opts: o, driver: b.driver}
	tg := fakeTelegram(o.n, fakeapi.TelegramLimits())
	defer tg.Close()
	tc := tencentfake.New(tencentfake.Options{SecretID: loadSecretID, SecretKey: loadSecretKey,
		Concurrency: o.concurrency, Latency: o.latency})
	defer tc.Close()
	t, err := phoneTown(b, o, tg.URL(), tc.Host())
	if err != nil {
		return res, err
	}
	defer t.close()
	// The staff's calls go out paid, 1,000 a second, as a town that wants
	// a red alert everywhere at once sets it: the call steps then fall due
	// within about a second, and the dialer is what is measured.
	t.cfg.Delivery.PaidBroadcast.Levels = []string{"red"}
	t.cfg.Delivery.ChatBurst = 1 // one message a second per chat, as the fake enforces
	t.cfg.Phone.Tencent.SecretID, t.cfg.Phone.Tencent.SecretKey = loadSecretID, loadSecretKey
	t.cfg.Phone.CallbackToken, t.cfg.HTTP.APIToken = loadCallback, loadAPIToken
	a, err := t.open(app.Options{})
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	alert, err := t.callStaff(a)
	if err != nil {
		return res, err
	}
	a.Dispatcher.Wake()
	// Every call at the fake, accepted or refused, while they keep coming.
	answered := func() int { return len(tc.Calls()) + total(tc.Refusals()) }
	if err := untilStill(answered, o.n, time.Minute); err != nil {
		return res, fmt.Errorf("requests at the provider: %w", err)
	}
	// Every answer recorded: no call queued or under way.
	var calls []phone.Call
	var readErr error
	recorded := func() int {
		if calls, readErr = a.Phone.Calls(alert.ID); readErr != nil {
			return -1
		}
		k := 0
		for _, c := range calls {
			if c.State != phone.StateQueued && c.State != phone.StatePlacing {
				k++
			}
		}
		return k
	}
	if err := untilStill(recorded, o.n, time.Minute); err != nil {
		if readErr != nil {
			err = readErr
		}
		return res, fmt.Errorf("calls recorded: %w", err)
	}
	if res.cost, err = phoneCalls(a, alert.ID); err != nil {
		return res, err
	}
	res.measure(t.cfg, calls, tc.Calls(), tc.Refusals())
	return res, res.print(w)
}

// measure matches the app's calls (when each fell due) with the fake's
// (when each request came) by number.
func (r *phoneResult) measure(cfg *config.Config, calls []phone.Call, got []tencentfake.Call, refusals map[string]int) {
	r.refusals, r.calls, r.states = refusals, len(got), map[string]int{}
	due := map[string]time.Time{}
	var first, last time.Time
	for _, c := range calls {
		r.states[c.State]++
		due[c.Number] = c.DueAt
		if first.IsZero() || c.DueAt.Before(first) {
			first = c.DueAt
		}
		last = maxTime(last, c.DueAt)
	}
	r.dueSpan = last.Sub(first)
	times := map[string]int{}
	first, last = time.Time{}, time.Time{}
	for _, c := range got {
		times[c.Number]++
		if first.IsZero() || c.At.Before(first) {
			first = c.At
		}
		last = maxTime(last, c.At)
		d, ok := due[c.Number]
		if !ok || times[c.Number] > 1 {
			continue
		}
		r.accepted = append(r.accepted, c.At.Sub(d))
		r.sent = append(r.sent, c.At.Add(-r.opts.latency).Sub(d))
	}
	r.span = last.Sub(first)
	slices.Sort(r.accepted)
	slices.Sort(r.sent)
	staff := map[string]bool{}
	for _, id := range staffIDs(r.opts.n) {
		o, _ := cfg.Official(id)
		if n, ok := phone.E164(o.Phone); ok {
			staff[n] = true
		}
	}
	for n, k := range times {
		if k > 1 {
			r.twice++
		}
		if !staff[n] {
			r.strays++
		}
	}
	for n := range staff {
		if times[n] == 0 {
			r.never++
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// print writes the figures as one table.
func (r phoneResult) print(w io.Writer) error {
	o := r.opts
	pace := "no per_second cap"
	if o.perSecond > 0 {
		pace = fmt.Sprintf("per_second %g", o.perSecond)
	}
	fmt.Fprintf(w, "phone (%s): one red alert to %d silent staff, {after: 2s, action: call}; provider concurrency %d, latency %s, %s\n",
		r.driver, o.n, o.concurrency, o.latency, pace)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tvalue\tcheck\n")
	fmt.Fprintf(tw, "call steps falling due\t%d within %s (the calls went out paid, 1,000/s)\t\n", total(r.states), roundLate(r.dueSpan))
	fmt.Fprintf(tw, "due → request sent (At − latency) p50/p90/p99/max\t%s\t\n", quants(r.sent))
	fmt.Fprintf(tw, "due → accepted by the fake (At) p50/p90/p99/max\t%s\t\n", quants(r.accepted))
	c := r.ceiling()
	share := ""
	if c > 0 {
		share = fmt.Sprintf(", %.0f%%", 100*r.rate()/c)
	}
	how := fmt.Sprintf("%d / %s", o.concurrency, o.latency)
	if o.perSecond > 0 && c == o.perSecond {
		how = fmt.Sprintf("per_second, under %s", how)
	}
	fmt.Fprintf(tw, "calls placed per second\t%.1f/s over %s (ceiling %s = %.0f/s%s)\t\n", r.rate(), roundLate(r.span), how, c, share)
	fmt.Fprintf(tw, "refusals by code\t%s\t%s\n", codes(r.refusals), okIf(r.refusals["RequestLimitExceeded"] == 0 && total(r.refusals) == 0))
	fmt.Fprintf(tw, "numbers called twice / staff never called\t%d / %d\t%s\n", r.twice, r.never, okIf(r.twice == 0 && r.never == 0 && r.strays == 0))
	fmt.Fprintf(tw, "the app's calls by state\t%s\t\n", codes(r.states))
	fmt.Fprintf(tw, "phone_calls of the alert (GET /api/v1/alerts/{id})\t%d\t%s\n", r.cost, okIf(r.cost == o.n))
	return tw.Flush()
}

func okIf(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// quants shows p50/p90/p99/max of sorted durations.
func quants(d []time.Duration) string {
	if len(d) == 0 {
		return "-"
	}
	q := func(p float64) string { return roundLate(d[min(len(d)-1, int(p*float64(len(d))))]) }
	return strings.Join([]string{q(0.5), q(0.9), q(0.99), roundLate(d[len(d)-1])}, " / ")
}

// codes shows counts by key, "none" when empty.
func codes(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// untilStill polls count until it reaches want, or fails once it has not
// moved for still.
func untilStill(count func() int, want int, still time.Duration) error {
	last, moved := -1, time.Now()
	for {
		k := count()
		if k >= want {
			return nil
		}
		if k != last {
			last, moved = k, time.Now()
		}
		if time.Since(moved) > still {
			return fmt.Errorf("%d of %d, none in the last %s", k, want, still)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// phoneCalls reads the alert's phone_calls through the API, as the town's
// own systems would: what 电话叫应 cost for it.
func phoneCalls(a *app.App, id string) (int, error) {
	req := httptest.NewRequest(http.MethodGet, "/api/v1/alerts/"+url.PathEscape(id), nil)
	req.Header.Set("Authorization", "Bearer "+loadAPIToken)
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return 0, fmt.Errorf("GET /api/v1/alerts/%s: %d %s", id, rec.Code, rec.Body.String())
	}
	var v api.AlertJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		return 0, fmt.Errorf("GET /api/v1/alerts/%s: %w", id, err)
	}
	return v.PhoneCalls, nil
}

// phoneTown generates the town of n staff with 电话叫应 through Tencent
// at tencentHost (the fake), on the driver's storage.
func phoneTown(b *backend, o phoneOptions, apiURL, tencentHost string) (*town, error) {
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return nil, err
	}
	t := &town{dir: dir, n: o.n}
	var dsn string
	if b.postgres() {
		if dsn, t.drop, err = b.database("phone"); err != nil {
			t.close()
			return nil, err
		}
	}
	// Each number is called once here; the limits only must not be why not.
	extra := fmt.Sprintf(`phone:
  provider: tencent
  caller: 压测镇应急办
  concurrency: %d
  per_second: %g
  limits: {calls_per_hour: 100, calls_per_day: 100}
  tencent:
    endpoint: %s
    scheme: http
    voice_app_id: "1400000000"
    voice_template_id: "100001"
    sms_app_id: "1400000001"
    sms_sign: 压测镇人民政府
    sms_template_id: "100002"
`, o.concurrency, o.perSecond, tencentHost)
	spec := townSpec{storageYAML: b.storageYAML(filepath.Join(dir, "db")) + extra}
	cfg, err := config.Parse([]byte(townConfig(o.n, apiURL, "127.0.0.1:0", phoneSteps, spec)))
	if err != nil {
		t.close()
		return nil, err
	}
	cfg.Telegram.Token = token
	cfg.Storage.DSN = dsn
	t.cfg = cfg
	return t, nil
}
