package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/config"
)

// 50 silent staff are each called once through the fake Tencent, within
// its stated concurrency, and the alert counts 50 calls: the checks the
// load reports pass, and the table says so.
func TestPhoneLoad(t *testing.T) {
	var out strings.Builder
	o := phoneOptions{n: 50, concurrency: 5, latency: 20 * time.Millisecond}
	res, err := phoneLoad(&backend{driver: config.DriverBolt}, o, &out)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.failures(); len(f) != 0 {
		t.Errorf("checks failed: %v\n%s", f, out.String())
	}
	if res.calls != 50 || res.twice != 0 || res.never != 0 || res.strays != 0 {
		t.Errorf("the fake took %d calls (%d numbers twice, %d staff never, %d strays); want each of 50 once",
			res.calls, res.twice, res.never, res.strays)
	}
	if len(res.refusals) != 0 {
		t.Errorf("refusals %v; want none within the stated concurrency", res.refusals)
	}
	if res.cost != 50 || res.states["placed"] != 50 {
		t.Errorf("phone_calls %d, calls by state %v; want 50 placed", res.cost, res.states)
	}
	if len(res.sent) != 50 || res.sent[0] < 0 {
		t.Errorf("%d delays, the least %v; want 50, none before its step fell due", len(res.sent), res.sent)
	}
	// Five in flight at 20 ms each: 50 calls take at least 180 ms from
	// the first to the last, so no more than the ceiling a second.
	if res.rate() > res.ceiling() {
		t.Errorf("%.1f calls a second, over the ceiling of %.0f", res.rate(), res.ceiling())
	}
	for _, want := range []string{"due → request sent", "calls placed per second", "phone_calls of the alert", "ok"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "FAIL") {
		t.Errorf("the table reports a failed check:\n%s", out.String())
	}
}

// A run that broke the stated concurrency, called a number twice, missed
// one or counted a different cost fails, saying which.
func TestPhoneResultFailures(t *testing.T) {
	good := phoneResult{opts: phoneOptions{n: 3}, calls: 3, cost: 3, refusals: map[string]int{}}
	for _, c := range []struct {
		name string
		edit func(*phoneResult)
		want string // "" = passes
	}{
		{"all well", func(*phoneResult) {}, ""},
		{"over the concurrency", func(r *phoneResult) { r.refusals = map[string]int{"RequestLimitExceeded": 2} }, "2 requests over the stated concurrency"},
		{"another refusal", func(r *phoneResult) { r.refusals = map[string]int{"AuthFailure.SignatureFailure": 1} }, "1 other refusals"},
		{"called twice", func(r *phoneResult) { r.twice = 1 }, "1 numbers called twice"},
		{"never called", func(r *phoneResult) { r.never = 1 }, "1 staff never called"},
		{"a stray call", func(r *phoneResult) { r.strays = 1 }, "1 calls to numbers of nobody"},
		{"cost miscounted", func(r *phoneResult) { r.cost = 2 }, "phone_calls is 2, want 3"},
	} {
		r := good
		c.edit(&r)
		f := strings.Join(r.failures(), "; ")
		if (c.want == "") != (f == "") || !strings.Contains(f, c.want) {
			t.Errorf("%s: failures %q, want %q", c.name, f, c.want)
		}
	}
}

// BenchmarkPhoneDueToRequest measures the time from a call step falling
// due to the provider's request when the provider keeps up (concurrency
// 100, 5 ms a request): what dutybot itself adds. b.N is the number of
// silent staff called; it reports the p50 and p99 of that delay.
func BenchmarkPhoneDueToRequest(b *testing.B) {
	o := phoneOptions{n: max(b.N, 10), concurrency: 100, latency: 5 * time.Millisecond}
	var out strings.Builder
	b.ResetTimer()
	res, err := phoneLoad(&backend{driver: config.DriverBolt}, o, &out)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if f := res.failures(); len(f) != 0 {
		b.Fatalf("checks failed: %v\n%s", f, out.String())
	}
	d := slices.Clone(res.sent)
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
}
