package weather

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

var testStart = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testYAML: 应急办 (yjb, a village-like unit tagged river) with a head,
// 城管大队 (cgdd) without one, 党政办 (dzb) with no checklist items.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu, tags: [river]}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
  - {id: cgdd, name: 城管大队, leader: o-liu, tags: [river]}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-duty, name: 杜峰, phone: "13800000006", unit: yjb, roles: [duty_leader]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
  - {id: o-qian, name: 钱进, phone: "13800000008", unit: cgdd, roles: [staff]}
  - {id: o-sun, name: 孙立, phone: "13800000009", unit: cgdd, roles: [staff]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 20m, action: escalate, to: unit_head}
    urgent:
      - {after: 3m, action: remind}
      - {after: 6m, action: escalate, to: principal}
  levels: {blue: default, yellow: default, orange: default, red: default}
weather:
  levels: {red: urgent}
  meltdown:
    confirm_within: 20m
    triggers: {heat: red, gale: "off", fog: orange}
    checklist:
      - {action: evacuate, text: 转移低洼地带群众, units: ["@river"], types: [rainstorm], count: true}
      - {action: stop, text: 停止户外作业, units: [cgdd, yjb], count: true}
      - {action: disperse, text: 疏散集市人群, units: [cgdd]}
`

type fixture struct {
	s     *Service
	db    *storage.DB
	clk   *clock.Fake
	duty  []string
	alert *callout.Engine
}

func newFixture(t *testing.T, bound ...string) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(testStart)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := callout.New(cfg, db, clk, cat, nil, log)
	f := &fixture{s: New(cfg, db, e, cat, clk, log), db: db, clk: clk, alert: e}
	f.s.DutyMode = func(tx *storage.Tx, w Warning, on bool, now time.Time) error {
		f.duty = append(f.duty, fmt.Sprintf("%s %v", w.ID, on))
		return nil
	}
	err = db.Update(func(tx *storage.Tx) error {
		for i, o := range bound {
			if err := tx.PutBinding(storage.Binding{Official: o, ChatID: int64(100 + i), UserID: int64(100 + i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) view(t *testing.T, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := f.db.View(fn); err != nil {
		t.Fatal(err)
	}
}

func TestParseNames(t *testing.T) {
	f := newFixture(t)
	types := []struct{ in, want string }{
		{"暴雨", "rainstorm"}, {"暴雨预警", "rainstorm"}, {"Rainstorm", "rainstorm"}, {"rainstorm", "rainstorm"},
		{"cold_wave", "cold_wave"}, {"Cold wave", "cold_wave"}, {"寒潮", "cold_wave"}, {"道路结冰", "road_icing"},
		{"road-icing", "road_icing"}, {"森林火险预警信号", "forest_fire"}, {"霾", "haze"}, {"沙暴", ""}, {"", ""}, {"红", ""},
	}
	for _, tt := range types {
		got, ok := f.s.ParseType(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ParseType(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	levels := []struct{ in, want string }{
		{"红", "red"}, {"红色", "red"}, {"红色预警", "red"}, {"RED", "red"}, {"Ⅰ", "red"}, {"I", "red"},
		{"蓝", "blue"}, {"Ⅳ", "blue"}, {"黄色", "yellow"}, {"橙", "orange"}, {"2级", "orange"}, {"紫", ""}, {"", ""},
	}
	for _, tt := range levels {
		got, ok := ParseLevel(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ParseLevel(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	both := []struct{ in, typ, level string }{
		{"暴雨红色预警", "rainstorm", "red"}, {"高温橙色", "heat", "orange"}, {"大风蓝", "gale", "blue"},
		{"道路结冰黄色预警信号", "road_icing", "yellow"}, {"暴雨", "", ""}, {"暴雨紫色", "", ""}, {"红色暴雨", "", ""},
	}
	for _, tt := range both {
		typ, level, ok := f.s.ParseTypeLevel(tt.in)
		if typ != tt.typ || level != tt.level || ok != (tt.typ != "") {
			t.Errorf("ParseTypeLevel(%q) = %q, %q, %v; want %q, %q", tt.in, typ, level, ok, tt.typ, tt.level)
		}
	}
	if got := f.s.LevelError(locales.ZH, "heat", "blue"); got != "❌ 高温预警没有蓝色等级，可选：黄色、橙色、红色。" {
		t.Errorf("LevelError zh = %q", got)
	}
	// 霾 has had a red level since 2013.
	if typ, level, ok := f.s.ParseTypeLevel("霾红色预警"); !ok || typ != "haze" || level != "red" {
		t.Errorf("ParseTypeLevel(霾红色预警) = %q, %q, %v", typ, level, ok)
	}
	if got := f.s.LevelError(locales.ZH, "haze", "blue"); got != "❌ 霾预警没有蓝色等级，可选：黄色、橙色、红色。" {
		t.Errorf("LevelError haze = %q", got)
	}
	if got := f.s.LevelError(locales.EN, "hail", "yellow"); got != "❌ Hail warnings have no yellow level; valid: orange, red." {
		t.Errorf("LevelError en = %q", got)
	}
	if got := f.s.Title(locales.ZH, "road_icing", "orange"); got != "道路结冰橙色预警" {
		t.Errorf("Title = %q", got)
	}
	// Every type has a name in both languages.
	for _, typ := range config.WarningTypes {
		for _, lang := range []string{locales.ZH, locales.EN} {
			if n := f.s.TypeName(lang, typ); n == "WarnType_"+typ || n == "" {
				t.Errorf("type %s has no %s name", typ, lang)
			}
		}
	}
}

func TestExpand(t *testing.T) {
	f := newFixture(t)
	type item struct{ unit, action string }
	tests := []struct {
		typ   string
		units []string
		want  []item
	}{
		{"rainstorm", nil, []item{{"yjb", "evacuate"}, {"yjb", "stop"}, {"cgdd", "evacuate"}, {"cgdd", "stop"}, {"cgdd", "disperse"}}},
		{"heat", nil, []item{{"yjb", "stop"}, {"cgdd", "stop"}, {"cgdd", "disperse"}}},
		{"rainstorm", []string{"cgdd", "dzb"}, []item{{"cgdd", "evacuate"}, {"cgdd", "stop"}, {"cgdd", "disperse"}}},
		{"rainstorm", []string{"dzb"}, nil},
	}
	for _, tt := range tests {
		items := f.s.expand(Warning{ID: "w", Type: tt.typ, Units: tt.units})
		var got []item
		for i, it := range items {
			got = append(got, item{it.Unit, it.Action})
			if it.No != i+1 || it.State != ItemOpen || it.Warning != "w" {
				t.Errorf("%s %v: item %d = %+v", tt.typ, tt.units, i, it)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("expand(%s, %v) = %v, want %v", tt.typ, tt.units, got, tt.want)
		}
	}
}

func TestIssueRefusesBadRequestsAndCreatesNothing(t *testing.T) {
	f := newFixture(t, "o-duty")
	tests := []struct {
		req    Request
		reason string
	}{
		{Request{Type: "tsunami", Level: "red"}, `type: "tsunami" is not a warning type`},
		{Request{Type: "heat", Level: "blue"}, `level: "blue" is not a level of heat warnings; use yellow, orange, red`},
		{Request{Type: "hail", Level: "yellow"}, "use orange, red"},
		{Request{Type: "rainstorm", Level: "red", Units: []string{"yjb", "mars"}}, `targets.units: unknown unit "mars"`},
		{Request{Type: "rainstorm", Level: "red", Text: strings.Repeat("雨", 2001)}, "body: longer than 2000"},
	}
	for _, tt := range tests {
		_, err := f.s.Issue(tt.req)
		var verr *callout.ValidationError
		if !errors.As(err, &verr) || !strings.Contains(verr.Reason, tt.reason) {
			t.Errorf("Issue(%+v) = %v, want %q", tt.req, err, tt.reason)
		}
	}
	if _, err := f.s.Issue(Request{Type: "rainstorm", Level: "red", Issuer: "o-zhang"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("staff issuing = %v", err)
	}
	// A failing duty-mode hook undoes everything.
	f.s.DutyMode = func(*storage.Tx, Warning, bool, time.Time) error { return errors.New("roster broken") }
	if _, err := f.s.Issue(Request{Type: "rainstorm", Level: "red", Issuer: "o-duty"}); err == nil {
		t.Error("Issue with a failing duty-mode hook succeeded")
	}
	f.view(t, func(tx *storage.Tx) error {
		ws, _ := Warnings(tx)
		alerts, _ := callout.OpenAlerts(tx)
		if len(ws) != 0 || len(alerts) != 0 || tx.QueueLen() != 0 || tx.DeadlineCount() != 0 {
			t.Errorf("refused requests left %d warnings, %d alerts, %d messages, %d deadlines",
				len(ws), len(alerts), tx.QueueLen(), tx.DeadlineCount())
		}
		return nil
	})
}

func TestIssueStoresEverythingInOneGo(t *testing.T) {
	f := newFixture(t, "o-duty", "o-wu", "o-qian", "o-sun")
	res, err := f.s.Issue(Request{Type: "rainstorm", Level: "red", Text: "  雨量大  ", Issuer: "o-duty", Source: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Warning
	if res.Recipients != 8 || res.Items != 5 || res.ItemUnits != 2 || !w.DutyMode || !w.Meltdown || w.Text != "雨量大" ||
		w.Title != "暴雨红色预警" || !w.ConfirmBy.Equal(testStart.Add(20*time.Minute)) || !slices.Equal(w.Watchers, []string{"o-duty"}) {
		t.Fatalf("result = %+v", res)
	}
	if !slices.Equal(f.duty, []string{w.ID + " true"}) {
		t.Errorf("duty mode hook = %q", f.duty)
	}
	f.view(t, func(tx *storage.Tx) error {
		a, err := callout.LoadAlert(tx, w.ID)
		if err != nil {
			return err
		}
		want := []callout.Step{{After: 3 * time.Minute, Action: "remind"}, {After: 6 * time.Minute, Action: "escalate", To: "principal"}}
		if a.Kind != KindWeather || a.Level != "red" || a.Title != "暴雨红色预警" || !slices.Equal(a.Steps, want) ||
			!strings.Contains(a.Body, "雨量大\n请立即到岗就位、逐级叫应") {
			t.Errorf("alert = %+v", a)
		}
		if due := tx.DueDeadlines(w.ConfirmBy, 100); !slices.ContainsFunc(due, func(d storage.Deadline) bool {
			return d.Key == "w:m:"+w.ID && d.At.Equal(w.ConfirmBy)
		}) {
			t.Errorf("no confirmation deadline among %v", due)
		}
		// The checklist goes to 应急办's head and to both staff of
		// 城管大队, which has none; the board to the issuer.
		for _, v := range []struct{ scope, official string }{
			{"checklist/" + w.ID + "/yjb", "o-wu"}, {"checklist/" + w.ID + "/cgdd", "o-qian"},
			{"checklist/" + w.ID + "/cgdd", "o-sun"}, {"board/" + w.ID, "o-duty"},
		} {
			if _, err := tx.View(v.scope, v.official); err != nil {
				t.Errorf("%s not shown to %s: %v", v.scope, v.official, err)
			}
		}
		if got, _ := viewers(tx, "checklist/"+w.ID+"/yjb"); !slices.Equal(got, []string{"o-wu"}) {
			t.Errorf("应急办's checklist shown to %v", got)
		}
		evs, _ := tx.AlertEvents(w.ID)
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
		}
		for _, want := range []string{storage.EvCreated, EvWarningIssued, EvMeltdownStarted} {
			if !slices.Contains(types, want) {
				t.Errorf("event %s missing from %v", want, types)
			}
		}
		return nil
	})

	// Levels below the duty-mode levels, and types whose trigger is off.
	for _, r := range []Request{{Type: "gale", Level: "red"}, {Type: "heat", Level: "yellow"}} {
		res, err := f.s.Issue(r)
		if err != nil {
			t.Fatal(err)
		}
		if res.Warning.Meltdown || res.Items != 0 || !res.Warning.ConfirmBy.IsZero() {
			t.Errorf("%s %s: %+v", r.Type, r.Level, res)
		}
		if res.Warning.DutyMode != (r.Level == "red") {
			t.Errorf("%s %s: duty mode %v", r.Type, r.Level, res.Warning.DutyMode)
		}
	}
	if got := f.s.Preview(Request{Type: "fog", Level: "orange"}); !got.Meltdown || got.Items != 3 || got.ItemUnits != 2 {
		t.Errorf("fog orange (trigger lowered to orange) = %+v", got)
	}
}

func TestConfirmAndFire(t *testing.T) {
	f := newFixture(t, "o-duty", "o-wu", "o-qian")
	res, err := f.s.Issue(Request{Type: "rainstorm", Level: "red", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Warning.ID
	// Items: 1 yjb evacuate, 2 yjb stop, 3 cgdd evacuate, 4 cgdd stop, 5 cgdd disperse.
	checks := []struct {
		who  string
		no   int
		want error
	}{
		{"o-qian", 1, ErrNotYourUnit},
		{"o-duty", 3, ErrNotYourUnit},
		{"o-zhang", 9, ErrUnknownItem},
		{"o-ghost", 1, ErrNotYourUnit},
	}
	for _, c := range checks {
		if _, err := f.s.Confirm(c.who, id, c.no, 1, ""); !errors.Is(err, c.want) {
			t.Errorf("Confirm(%s, %d) = %v, want %v", c.who, c.no, err, c.want)
		}
	}
	if _, err := f.s.Confirm("o-zhang", "20261130-0099", 1, 1, ""); !errors.Is(err, ErrUnknownWarning) {
		t.Errorf("unknown warning = %v", err)
	}
	f.clk.Advance(2 * time.Minute)
	it, err := f.s.Confirm("o-zhang", id, 1, 35, "已全部撤离")
	if err != nil || it.Value != 35 || it.Note != "已全部撤离" || it.By != "o-zhang" || !it.At.Equal(testStart.Add(2*time.Minute)) {
		t.Fatalf("Confirm = %+v, %v", it, err)
	}
	if _, err := f.s.Confirm("o-wu", id, 1, 40, ""); !errors.Is(err, ErrConfirmed) {
		t.Errorf("second confirmation = %v", err)
	}
	if _, err := f.s.Confirm("o-admin", id, 2, 0, "无"); err != nil {
		t.Errorf("admin confirming = %v", err)
	}
	if _, err := f.s.Confirm("o-qian", id, 5, -1, ""); err == nil {
		t.Error("a negative count was accepted")
	}

	// A deadline that does not match the warning's is stale.
	fire := func(at time.Time) {
		t.Helper()
		if err := f.db.Update(func(tx *storage.Tx) error {
			return f.s.Fire(tx, []storage.Deadline{{At: at, Key: "w:m:" + id}}, at)
		}); err != nil {
			t.Fatal(err)
		}
	}
	fire(testStart.Add(19 * time.Minute))
	f.view(t, func(tx *storage.Tx) error {
		if _, ok := callout.LinkedAlert(tx, MeltdownLink(id, "cgdd")); ok {
			t.Error("a stale deadline raised an alert")
		}
		return nil
	})
	at := testStart.Add(20 * time.Minute)
	fire(at)
	fire(at) // once only
	f.view(t, func(tx *storage.Tx) error {
		if _, ok := callout.LinkedAlert(tx, MeltdownLink(id, "yjb")); ok {
			t.Error("应急办 confirmed everything but was called")
		}
		aid, ok := callout.LinkedAlert(tx, MeltdownLink(id, "cgdd"))
		if !ok {
			t.Fatal("城管大队 was not called")
		}
		a, _ := callout.LoadAlert(tx, aid)
		rs, _ := callout.Recipients(tx, aid)
		var who []string
		for _, r := range rs {
			who = append(who, r.Official)
		}
		// No head: every official of the unit is called.
		if a.Kind != KindMeltdown || a.Level != "red" || !slices.Equal(who, []string{"o-qian", "o-sun"}) ||
			!strings.Contains(a.Body, "• 撤离：转移低洼地带群众\n• 停止：停止户外作业\n• 疏散：疏散集市人群") {
			t.Errorf("meltdown alert = %+v to %v", a, who)
		}
		w, _ := LoadWarning(tx, id)
		if !w.Overdue {
			t.Error("warning not marked overdue")
		}
		alerts, _ := callout.OpenAlerts(tx)
		if len(alerts) != 2 {
			t.Errorf("%d open alerts, want the warning and one meltdown alert", len(alerts))
		}
		return nil
	})
	// The unit's last item closes its alert.
	for _, no := range []int{3, 4, 5} {
		if _, err := f.s.Confirm("o-sun", id, no, 1, ""); err != nil {
			t.Fatal(err)
		}
		f.view(t, func(tx *storage.Tx) error {
			aid, _ := callout.LinkedAlert(tx, MeltdownLink(id, "cgdd"))
			a, _ := callout.LoadAlert(tx, aid)
			if (a.State == callout.AlertOpen) != (no < 5) {
				t.Errorf("after item %d the meltdown alert is %s", no, a.State)
			}
			return nil
		})
	}
}

func TestLiftEndsDutyModeWithTheLastWarning(t *testing.T) {
	f := newFixture(t, "o-duty", "o-qian")
	a, err := f.s.Issue(Request{Type: "rainstorm", Level: "orange", Issuer: "o-duty"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.s.Issue(Request{Type: "heat", Level: "red", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.s.Issue(Request{Type: "fog", Level: "yellow", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Lift("o-zhang", a.Warning.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("staff lifting = %v", err)
	}
	if _, err := f.s.Lift("o-he", "20261130-0099"); !errors.Is(err, ErrUnknownWarning) {
		t.Errorf("unknown = %v", err)
	}
	steps := []struct {
		id      string
		dutyOff bool
		duty    []string
	}{
		{c.Warning.ID, false, []string{a.Warning.ID + " true", b.Warning.ID + " true"}},
		{a.Warning.ID, false, []string{a.Warning.ID + " true", b.Warning.ID + " true"}},
		{b.Warning.ID, true, []string{a.Warning.ID + " true", b.Warning.ID + " true", b.Warning.ID + " false"}},
	}
	for _, st := range steps {
		out, err := f.s.Lift("o-he", st.id)
		if err != nil {
			t.Fatal(err)
		}
		if out.DutyOff != st.dutyOff || !slices.Equal(f.duty, st.duty) || out.Warning.State != WarningLifted ||
			out.Warning.LiftedBy != "o-he" || out.Warning.DutyMode {
			t.Errorf("lift %s = %+v, duty hook %q", st.id, out, f.duty)
		}
	}
	if _, err := f.s.LiftByAPI(b.Warning.ID); !errors.Is(err, ErrLifted) {
		t.Errorf("lifting twice = %v", err)
	}
	f.view(t, func(tx *storage.Tx) error {
		on, _ := DutyModeOn(tx)
		alerts, _ := callout.OpenAlerts(tx)
		if on || len(alerts) != 0 || tx.DeadlineCount() != 0 {
			t.Errorf("after lifting all: duty mode %v, %d open alerts, %d deadlines", on, len(alerts), tx.DeadlineCount())
		}
		return nil
	})
}

func TestBoardFitsOneMessage(t *testing.T) {
	f := newFixture(t)
	w := Warning{ID: "20261130-0001", Type: "rainstorm", Level: "red", State: WarningActive,
		ConfirmBy: testStart.Add(30 * time.Minute)}
	var items []ChecklistItem
	for i := 1; i <= 300; i++ {
		it := ChecklistItem{Warning: w.ID, No: i, Unit: fmt.Sprintf("u%03d", i/3), Action: "evacuate",
			Text: strings.Repeat("转移撤离", 10), Count: true, State: ItemOpen}
		if i%2 == 0 {
			it.State, it.Value, it.Note, it.By, it.At = ItemDone, i, "已完成", "o-zhang", testStart
		}
		items = append(items, it)
	}
	text := f.s.BoardText(locales.ZH, w, items, testStart)
	if n := len([]rune(text)); n > 4096 {
		t.Fatalf("board is %d characters", n)
	}
	for _, want := range []string{"📋 熔断看板 · 暴雨红色预警 #20261130-0001", "已落实 150/300 项", "项未列出", "⏰ 08:30 前未落实"} {
		if !strings.Contains(text, want) {
			t.Errorf("board lacks %q:\n%s", want, text)
		}
	}
	// A small board shows every item with its text.
	small := f.s.BoardText(locales.EN, w, items[:4], testStart)
	for _, want := range []string{"2/4 actions confirmed", "✅ Evacuate 转移撤离转移撤离转移撤离转移撤离… — 2 (已完成) · 张明 08:00", "⏳ Evacuate"} {
		if !strings.Contains(small, want) {
			t.Errorf("board lacks %q:\n%s", want, small)
		}
	}
	if strings.Contains(small, "not shown") {
		t.Errorf("a small board was cut:\n%s", small)
	}
}

func TestParseItemData(t *testing.T) {
	tests := []struct {
		data string
		want ItemPress
		ok   bool
	}{
		{ConfirmData("20261130-0001", 3), ItemPress{Warning: "20261130-0001", No: 3}, true},
		{NoNoteData("20261130-0001", 12), ItemPress{NoNote: true, Warning: "20261130-0001", No: 12}, true},
		{"wc:20261130-0001:0", ItemPress{}, false},
		{"wc:20261130-0001:-1", ItemPress{}, false},
		{"wc:20261130-0001:x", ItemPress{}, false},
		{"wc::1", ItemPress{}, false},
		{"wc:20261130-0001", ItemPress{}, false},
		{"wc:a:1:2", ItemPress{}, false},
		{"ack:20261130-0001:o-zhang", ItemPress{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseItemData(tt.data)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseItemData(%q) = %+v, %v", tt.data, got, ok)
		}
		if isItem := !strings.HasPrefix(tt.data, "ack:"); IsItemData(tt.data) != isItem {
			t.Errorf("IsItemData(%q) = %v", tt.data, !isItem)
		}
	}
	if n := len(ConfirmData("20261130-99999", 999999)); n > 64 {
		t.Errorf("button data of %d bytes", n)
	}
}

// The answer button says what the level demands: blue and yellow ask for
// readiness (收到预警), orange and red for 到岗就位 (收到预警，已到岗); so
// does the call's standing instruction. In both languages.
func TestAnswerButtonPerLevel(t *testing.T) {
	f := newFixture(t, "o-zhang", "o-wu")
	if err := f.db.Update(func(tx *storage.Tx) error {
		b, err := tx.Binding("o-wu")
		if err != nil {
			return err
		}
		b.Language = locales.EN
		return tx.PutBinding(b)
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ, level  string
		zh, en      string
		instruction string
	}{
		{"gale", "blue", "✅ 收到预警", "✅ Warning received", "请加强值班值守"},
		{"rainstorm", "yellow", "✅ 收到预警", "✅ Warning received", "请加强值班值守"},
		{"cold_wave", "orange", "✅ 收到预警，已到岗", "✅ Warning received, at my post", "请立即到岗就位"},
		{"typhoon", "red", "✅ 收到预警，已到岗", "✅ Warning received, at my post", "请立即到岗就位"},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			res, err := f.s.Issue(Request{Type: tt.typ, Level: tt.level, Units: []string{"yjb"}, Issuer: "o-duty", Source: "chat"})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			f.view(t, func(tx *storage.Tx) error {
				js, err := tx.Jobs()
				for _, j := range js {
					if j.Ref.Kind == storage.RefCall && j.Ref.Alert == res.Warning.ID && len(j.Buttons) == 1 {
						got[j.Ref.Official] = j.Buttons[0][0].Text
						if j.Ref.Official == "o-zhang" && !strings.Contains(j.Text, tt.instruction) {
							t.Errorf("the call lacks %q:\n%s", tt.instruction, j.Text)
						}
					}
				}
				return err
			})
			if got["o-zhang"] != tt.zh || got["o-wu"] != tt.en {
				t.Errorf("buttons %q, want %q (zh-CN) and %q (en)", got, tt.zh, tt.en)
			}
			if (tt.level == "blue" || tt.level == "yellow") && strings.Contains(got["o-zhang"]+got["o-wu"], "到岗") {
				t.Errorf("a %s warning asks for 到岗: %q", tt.level, got)
			}
		})
	}
}

// The 熔断 confirmation deadline on the board and on a unit's checklist is
// shown to the minute, and to the second when the configuration asks for it
// (the sandbox divides confirm_within).
func TestMeltdownDeadlineShowsSecondsWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		seconds          bool
		board, checklist string
	}{
		{false, "⏰ 08:30 前未落实", "（08:30 前，"},
		{true, "⏰ 08:30:15 前未落实", "（08:30:15 前，"},
	} {
		f := newFixture(t)
		f.s.cfg.ShowSeconds = tc.seconds
		w := Warning{ID: "20261130-0001", Type: "rainstorm", Level: "red", State: WarningActive,
			ConfirmBy: testStart.Add(30*time.Minute + 15*time.Second)}
		items := []ChecklistItem{{Warning: w.ID, No: 1, Unit: "yjb", Action: "evacuate", Text: "转移撤离", State: ItemOpen}}
		if board := f.s.BoardText(locales.ZH, w, items, testStart); !strings.Contains(board, tc.board) {
			t.Errorf("ShowSeconds=%v: board lacks %q:\n%s", tc.seconds, tc.board, board)
		}
		if list, _ := f.s.unitText(locales.ZH, w, "yjb", items); !strings.Contains(list, tc.checklist) {
			t.Errorf("ShowSeconds=%v: checklist lacks %q:\n%s", tc.seconds, tc.checklist, list)
		}
	}
}
