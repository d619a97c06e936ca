package ledger

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

var cst = time.FixedZone("CST", 8*3600)

const testConfig = `
timezone: Asia/Shanghai
telegram: {api_url: "http://127.0.0.1:9"}
storage: {path: /nonexistent}
units:
  - {id: yjb, name: 应急办, head: o-wu}
  - {id: cgdd, name: 城管大队}
  - {id: idle, name: 无叫应单位}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-chen, name: 陈杰, phone: "13800000004", unit: cgdd, roles: [unit_head, principal, admin]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

func testLedger(t *testing.T) (*Ledger, *storage.DB) {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return New(cfg, db, testCatalog(t)), db
}

func testCatalog(t testing.TB) *locales.Catalog {
	t.Helper()
	tr, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// call stores an alert to the officials, answered after the given delays
// (negative: not answered), as the engine records it.
func call(t *testing.T, db *storage.DB, id, kind string, at time.Time, answers map[string]time.Duration) {
	t.Helper()
	err := db.Update(func(tx *storage.Tx) error {
		if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvCreated, Alert: id, Actor: "api"}); err != nil {
			return err
		}
		if err := callout.PutAlert(tx, callout.Alert{ID: id, Kind: kind, Level: "red", Title: id, CreatedAt: at, Total: len(answers)}); err != nil {
			return err
		}
		for o, d := range answers {
			r := callout.Recipient{AlertID: id, Official: o, State: callout.StatePending, QueuedAt: at, SentAt: at.Add(time.Second)}
			if d >= 0 {
				r.State, r.AckedAt, r.AckedBy = callout.StateAcked, r.SentAt.Add(d), o
			}
			if err := callout.PutRecipient(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, cst)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, cst) }
	tests := []struct {
		in       string
		from, to time.Time
		label    string
	}{
		{"", d(2026, 11, 1), d(2026, 12, 1), "2026-11-01 至 2026-11-30"},
		{"本月", d(2026, 11, 1), d(2026, 12, 1), ""},
		{"上月", d(2026, 10, 1), d(2026, 11, 1), "2026-10-01 至 2026-10-31"},
		{"今年", d(2026, 1, 1), d(2027, 1, 1), "2026-01-01 至 2026-12-31"},
		{"去年", d(2025, 1, 1), d(2026, 1, 1), ""},
		{"2026-02", d(2026, 2, 1), d(2026, 3, 1), "2026-02-01 至 2026-02-28"},
		{"2025", d(2025, 1, 1), d(2026, 1, 1), ""},
		{"2026-11-30", d(2026, 11, 30), d(2026, 12, 1), "2026-11-30 至 2026-11-30"},
		{"2026-11-01 2026-11-15", d(2026, 11, 1), d(2026, 11, 16), ""},
		{"2026-11-01至2026-11-15", d(2026, 11, 1), d(2026, 11, 16), ""},
		{" 2026-11-01 ~ 2026-11-15 ", d(2026, 11, 1), d(2026, 11, 16), ""},
	}
	for _, tc := range tests {
		p, err := ParsePeriod(tc.in, now, cst)
		if err != nil || !p.From.Equal(tc.from) || !p.To.Equal(tc.to) {
			t.Errorf("ParsePeriod(%q) = %v – %v, %v; want %v – %v", tc.in, p.From, p.To, err, tc.from, tc.to)
		}
		if tc.label != "" && p.Label(cst) != tc.label {
			t.Errorf("ParsePeriod(%q).Label = %q, want %q", tc.in, p.Label(cst), tc.label)
		}
	}
	for _, bad := range []string{"2026-13", "soon", "2026-11-15 2026-11-01", "2026-11-01 2026-11-02 2026-11-03", "11/30"} {
		if _, err := ParsePeriod(bad, now, cst); !errors.Is(err, ErrPeriod) {
			t.Errorf("ParsePeriod(%q) = %v, want ErrPeriod", bad, err)
		}
	}
}

func TestParseHead(t *testing.T) {
	full := strings.Repeat("ab", 32)
	good := map[string]Head{
		"12:" + full:                   {12, full},
		"#12 " + strings.ToUpper(full): {12, full},
		" 7:0123456789abcdef ":         {7, "0123456789abcdef"},
		"7:0123456789abcdef0":          {7, "0123456789abcdef0"},
	}
	for in, want := range good {
		if got, err := ParseHead(in); err != nil || got != want {
			t.Errorf("ParseHead(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "12:", "x:" + full, "0:" + full, "12:0123456789abcde", "12:" + full + "00", "12:" + strings.Repeat("zz", 8)} {
		if _, err := ParseHead(bad); err == nil {
			t.Errorf("ParseHead(%q) succeeded", bad)
		}
	}
}

func TestTallyMedianAndRate(t *testing.T) {
	tests := []struct {
		latency []time.Duration
		calls   int
		median  time.Duration
		rate    float64
	}{
		{nil, 0, 0, -1},
		{nil, 3, 0, 0},
		{[]time.Duration{5 * time.Minute}, 1, 5 * time.Minute, 1},
		{[]time.Duration{9, 1, 5}, 4, 5, 0.75},
		{[]time.Duration{9, 1, 5, 3}, 4, 4, 1},
	}
	for _, tc := range tests {
		tl := Tally{Calls: tc.calls, Answered: len(tc.latency), latency: tc.latency}
		m, ok := tl.Median()
		if ok != (len(tc.latency) > 0) || m != tc.median {
			t.Errorf("Median(%v) = %v, %v; want %v", tc.latency, m, ok, tc.median)
		}
		r, ok := tl.Rate()
		if ok != (tc.rate >= 0) || ok && r != tc.rate {
			t.Errorf("Rate(%d of %d) = %v, %v; want %v", len(tc.latency), tc.calls, r, ok, tc.rate)
		}
	}
}

func TestMonthlyRatesAndChart(t *testing.T) {
	l, db := testLedger(t)
	l.ChartFonts = []string{"/nonexistent.ttf"} // the built-in font, labels by unit id
	sep := time.Date(2026, 9, 15, 9, 0, 0, 0, cst)
	oct := time.Date(2026, 10, 15, 9, 0, 0, 0, cst)
	nov := time.Date(2026, 11, 2, 9, 0, 0, 0, cst)
	call(t, db, "20260915-0001", "alert", sep, map[string]time.Duration{"o-zhang": time.Minute})
	call(t, db, "20261015-0001", "alert", oct, map[string]time.Duration{"o-zhang": time.Minute, "o-li": -1, "o-chen": 2 * time.Minute})
	call(t, db, "20261015-0002", "task", oct.Add(time.Hour), map[string]time.Duration{"o-li": 3 * time.Minute, "o-chen": -1})
	call(t, db, "20261102-0001", "alert", nov, map[string]time.Duration{"o-zhang": -1, "o-wu": time.Minute})
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, cst)

	r, err := l.MonthlyRates(now, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantMonths := []time.Time{time.Date(2026, 9, 1, 0, 0, 0, 0, cst), time.Date(2026, 10, 1, 0, 0, 0, 0, cst), time.Date(2026, 11, 1, 0, 0, 0, 0, cst)}
	if len(r.Months) != 3 || !r.Months[0].Equal(wantMonths[0]) || !r.Months[1].Equal(wantMonths[1]) || !r.Months[2].Equal(wantMonths[2]) {
		t.Errorf("months %v", r.Months)
	}
	if len(r.Units) != 2 || r.Units[0].ID != "yjb" || r.Units[1].ID != "cgdd" {
		t.Fatalf("units %+v (the unit without calls is left out)", r.Units)
	}
	want := [][]float64{{1, 2.0 / 3, 0.5}, {math.NaN(), 0.5, math.NaN()}}
	for u := range want {
		for m := range want[u] {
			g, w := r.Rates[u][m], want[u][m]
			if math.IsNaN(w) != math.IsNaN(g) || !math.IsNaN(w) && math.Abs(g-w) > 1e-9 {
				t.Errorf("rate of %s in %s = %v, want %v", r.Units[u].ID, r.Months[m].Format("2006-01"), g, w)
			}
		}
	}

	img, err := l.AnswerRateChart(now)
	if err != nil {
		t.Fatal(err)
	}
	pic, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if b := pic.Bounds(); b.Dx() != 800 || b.Dy() < 320 {
		t.Errorf("chart is %v", b)
	}

	// With a Chinese font, when the machine has one.
	l.ChartFonts = nil
	if l.chartFont() != nil {
		if img2, err := l.AnswerRateChart(now); err != nil || bytes.Equal(img, img2) {
			t.Errorf("chart with a Chinese font: %v (same picture: %v)", err, bytes.Equal(img, img2))
		}
	} else {
		t.Log("no Chinese font on this machine: the chart labels units by id")
	}

	// A quarter without calls has no chart.
	if _, err := l.AnswerRateChart(time.Date(2027, 6, 1, 0, 0, 0, 0, cst)); !errors.Is(err, ErrNoCalls) {
		t.Errorf("chart of months without calls: %v", err)
	}
}

func TestVerifyAgainstWitnessedHeads(t *testing.T) {
	l, db := testLedger(t)
	for i := range 5 {
		_ = db.Update(func(tx *storage.Tx) error {
			return tx.AppendEvent(storage.Event{At: time.Date(2026, 11, 30, 8, i, 0, 0, cst), Type: storage.EvAcked, Official: "o-li"})
		})
	}
	var hashes []string
	_ = db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 10)
		for _, e := range evs {
			hashes = append(hashes, e.Hash)
		}
		return nil
	})
	// A witness post's record, as Witness.Post writes it.
	_ = db.Update(func(tx *storage.Tx) error {
		return tx.AppendEvent(storage.Event{At: time.Date(2026, 11, 30, 9, 0, 0, 0, cst), Type: storage.EvWitness,
			Actor: "system", Detail: WitnessDetail(5, hashes[4], []string{"o-chen"})})
	})
	v, err := l.Verify([]Head{{3, hashes[2]}, {5, hashes[4][:MinHashPrefix]}, {4, hashes[2]}, {99, hashes[0]}})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Chain.OK() || v.Chain.Events != 6 {
		t.Errorf("chain %+v", v.Chain)
	}
	ok := []bool{true, true, false, false}
	for i, c := range v.Witnesses {
		if c.OK != ok[i] {
			t.Errorf("witness %d (#%d): ok %v, want %v (%s)", i, c.Seq, c.OK, ok[i], c.Why)
		}
	}
	if !strings.Contains(v.Witnesses[2].Why, "rewritten") || !strings.Contains(v.Witnesses[3].Why, "not in the log") {
		t.Errorf("reasons: %q %q", v.Witnesses[2].Why, v.Witnesses[3].Why)
	}
	if v.OK() {
		t.Error("a mismatching witness passes")
	}
	if v.LastWitness == nil || v.LastWitness.Seq != 6 {
		t.Errorf("last witness %+v", v.LastWitness)
	}
	if seq, hash, ok := ParseWitness(v.LastWitness.Detail); !ok || seq != 5 || hash != hashes[4] {
		t.Errorf("ParseWitness(%q) = %d %s %v", v.LastWitness.Detail, seq, hash, ok)
	}
	if v, _ := l.Verify(nil); !v.OK() {
		t.Errorf("no witnesses: %+v", v)
	}
}

func TestStoryOfEventsWithoutAlert(t *testing.T) {
	l, db := testLedger(t)
	_ = db.Update(func(tx *storage.Tx) error {
		return tx.AppendEvent(storage.Event{At: time.Date(2026, 11, 30, 8, 0, 0, 0, cst), Type: "incident_reported",
			Alert: "SG-1", Official: "o-zhang", Actor: "o-zhang", Detail: "建设施工"})
	})
	s, err := l.Story("SG-1")
	if err != nil || !strings.Contains(s, "SG-1：没有这个编号的叫应，有 1 条记录带此编号") || !strings.Contains(s, "事故报告") {
		t.Errorf("story of an incident: %v\n%s", err, s)
	}
	if _, err := l.Story("nothing"); !errors.Is(err, ErrUnknownAlert) {
		t.Errorf("story of nothing: %v", err)
	}
}
