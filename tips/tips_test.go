package tips

import (
	"errors"
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

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testYAML: 应急办 (yjb) triages tips, its head is 吴敏; 城管大队 (cgdd) has
// a head 陈杰 and a staff member 钱进; 安监站 (ajz) has no head.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
  - {id: cgdd, name: 城管大队, head: o-chen, leader: o-liu}
  - {id: ajz, name: 安监站, leader: o-liu}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
  - {id: o-chen, name: 陈杰, phone: "13800000008", unit: cgdd, roles: [unit_head]}
  - {id: o-qian, name: 钱进, phone: "13800000009", unit: cgdd, roles: [staff]}
  - {id: o-sun, name: 孙丽, phone: "13800000010", unit: ajz, roles: [staff]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 30m, action: escalate, to: leader}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

type fixture struct {
	t   *testing.T
	db  *storage.DB
	clk *clock.Fake
	s   *Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := callout.New(cfg, db, clk, cat, nil, log)
	f := &fixture{t: t, db: db, clk: clk, s: New(cfg, db, e, cat, clk, log)}
	// Bind everyone to a chat equal to their index, so messages queue.
	if err := db.Update(func(tx *storage.Tx) error {
		for i, o := range cfg.Officials {
			if err := tx.PutBinding(storage.Binding{Official: o.ID, ChatID: int64(100 + i), UserID: int64(100 + i)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// submit sends an anonymous tip from chat 9001.
func (f *fixture) submit() Tip {
	f.t.Helper()
	tip, err := f.s.Submit(Report{Text: "仓库堆放易燃物", Place: "工业园", Anonymous: true,
		Tipster: Tipster{ChatID: 9001, UserID: 9001, Name: "赵某"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return tip
}

// state reads a tip, its events, the queued jobs and the deadlines.
func (f *fixture) state(ref string) (Tip, []string, []storage.Job, []storage.Deadline) {
	f.t.Helper()
	var tip Tip
	var types []string
	var jobs []storage.Job
	var due []storage.Deadline
	if err := f.db.View(func(tx *storage.Tx) error {
		var err error
		if tip, err = LoadTip(tx, ref); err != nil {
			return err
		}
		evs, err := tx.AlertEvents(ref)
		for _, e := range evs {
			types = append(types, e.Type)
		}
		if err != nil {
			return err
		}
		if jobs, err = tx.Jobs(); err != nil {
			return err
		}
		due = tx.DueDeadlines(t0.AddDate(10, 0, 0), 1000)
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	return tip, types, jobs, due
}

func TestSubmitRefusesBadReports(t *testing.T) {
	f := newFixture(t)
	who := Tipster{ChatID: 1}
	for _, tc := range []struct {
		name string
		r    Report
		want error
	}{
		{"no text", Report{Text: "  ", Place: "x", Tipster: who}, ErrNoText},
		{"no place", Report{Text: "x", Tipster: who}, ErrNoPlace},
		{"text too long", Report{Text: strings.Repeat("险", MaxText+1), Place: "x", Tipster: who}, ErrTooLong},
		{"place too long", Report{Text: "x", Place: strings.Repeat("地", MaxPlace+1), Tipster: who}, ErrTooLong},
		{"too many photos", Report{Text: "x", Place: "x", Photos: make([]string, MaxPhotos+1), Tipster: who}, ErrTooMany},
		{"no way back", Report{Text: "x", Place: "x"}, ErrNoTipster},
	} {
		if _, err := f.s.Submit(tc.r); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	var n int
	_ = f.db.View(func(tx *storage.Tx) error {
		tips, _ := AllTips(tx)
		n = len(tips) + tx.QueueLen()
		return nil
	})
	if n != 0 {
		t.Errorf("refused reports left %d tips and messages", n)
	}
}

// TestAuthorisation checks who may do what; a refused action changes
// nothing.
func TestAuthorisation(t *testing.T) {
	f := newFixture(t)
	tip := f.submit()
	for _, who := range []string{"o-zhang", "o-chen", "o-he", "o-liu", "", "o-nobody"} {
		if _, err := f.s.Assign(who, tip.Ref, "cgdd", 0, false); !errors.Is(err, ErrForbidden) {
			t.Errorf("Assign by %q: %v, want ErrForbidden", who, err)
		}
	}
	if _, err := f.s.Assign("o-wu", "T2611-0099", "cgdd", 0, false); !errors.Is(err, ErrUnknown) {
		t.Errorf("Assign of an unknown tip: %v", err)
	}
	if _, err := f.s.Assign("o-wu", tip.Ref, "nope", 0, false); !errors.Is(err, ErrBadUnit) {
		t.Errorf("Assign to an unknown unit: %v", err)
	}
	for _, d := range []time.Duration{time.Minute, (MaxDays + 1) * 24 * time.Hour} {
		if _, err := f.s.Assign("o-wu", tip.Ref, "cgdd", d, false); !errors.Is(err, ErrBadWithin) {
			t.Errorf("Assign within %s: %v", d, err)
		}
	}
	// Before assignment only the triagers may close; others who cannot
	// see the tip are told it does not exist.
	if _, err := f.s.Close("o-qian", tip.Ref, true, "x"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Close by another unit before assignment: %v", err)
	}
	if _, err := f.s.Close("o-he", tip.Ref, true, "x"); !errors.Is(err, ErrForbidden) {
		t.Errorf("Close by the principal: %v", err)
	}
	if _, err := f.s.Close("o-wu", tip.Ref, true, "  "); !errors.Is(err, ErrNoResult) {
		t.Errorf("Close without a result: %v", err)
	}
	for _, who := range []string{"o-wu", "o-admin", "o-chen", "o-zhang"} {
		if _, err := f.s.Reveal(who, tip.Ref, "理由"); !errors.Is(err, ErrForbidden) {
			t.Errorf("Reveal by %s: %v, want ErrForbidden", who, err)
		}
	}
	if _, err := f.s.Reveal("o-he", tip.Ref, " "); !errors.Is(err, ErrNoReason) {
		t.Errorf("Reveal without a reason: %v", err)
	}
	if _, err := f.s.Reward("o-wu", tip.Ref, "100"); !errors.Is(err, ErrForbidden) {
		t.Errorf("Reward by the office head: %v", err)
	}
	if _, err := f.s.Reward("o-he", tip.Ref, "100"); !errors.Is(err, ErrNotVerified) {
		t.Errorf("Reward of an open tip: %v", err)
	}
	got, types, _, due := f.state(tip.Ref)
	if got.State != StateNew || !slices.Equal(types, []string{EvReceived}) || len(due) != 0 {
		t.Fatalf("after refused actions: state %s, events %v, deadlines %v", got.State, types, due)
	}

	if _, err := f.s.Assign("o-admin", tip.Ref, "cgdd", 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Assign("o-wu", tip.Ref, "ajz", 0, false); !errors.Is(err, ErrAssigned) {
		t.Errorf("second Assign without reassign: %v", err)
	}
	if _, err := f.s.Close("o-sun", tip.Ref, true, "x"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Close by another unit: %v", err)
	}
	// Any official of the assigned unit may close it.
	if _, err := f.s.Close("o-qian", tip.Ref, false, "未发现"); err != nil {
		t.Errorf("Close by the unit's staff: %v", err)
	}
	if _, err := f.s.Close("o-chen", tip.Ref, true, "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.s.Reward("o-he", tip.Ref, "100"); !errors.Is(err, ErrNotVerified) {
		t.Errorf("Reward of a tip not found true: %v", err)
	}
}

// TestReassignMovesTheDeadline: a reassigned tip keeps one deadline, the
// old one fires nothing, and a unit without a head is told as a whole.
func TestReassignMovesTheDeadline(t *testing.T) {
	f := newFixture(t)
	tip := f.submit()
	first, err := f.s.Assign("o-wu", tip.Ref, "cgdd", 48*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Hour)
	second, err := f.s.Assign("o-wu", tip.Ref, "ajz", 24*time.Hour, true)
	if err != nil {
		t.Fatal(err)
	}
	got, types, jobs, due := f.state(tip.Ref)
	if got.Unit != "ajz" || got.Assignments != 2 || !got.Due.Equal(t0.Add(25*time.Hour)) {
		t.Errorf("after reassignment: %+v", got)
	}
	if len(due) != 1 || !due[0].At.Equal(second.Due) || due[0].Key != "t:"+tip.Ref {
		t.Errorf("deadlines = %+v, want one at %s", due, second.Due)
	}
	if want := []string{EvReceived, EvAssigned, EvAssigned}; !slices.Equal(types, want) {
		t.Errorf("events = %v", types)
	}
	told := 0
	for _, j := range jobs {
		if j.ChatID == 107 && strings.Contains(j.Text, "安监站") { // 孙丽, the unit without a head
			told++
		}
	}
	if told != 1 {
		t.Errorf("安监站 without a head: its staff was told %d times", told)
	}
	// The first assignment's deadline, fired late, does nothing.
	if err := f.db.Update(func(tx *storage.Tx) error {
		return f.s.Fire(tx, []storage.Deadline{{At: first.Due, Key: "t:" + tip.Ref}}, first.Due)
	}); err != nil {
		t.Fatal(err)
	}
	if got, _, _, _ := f.state(tip.Ref); got.Overdue {
		t.Error("the old deadline made the tip overdue")
	}
	// The current one raises a 叫应 to the unit: no head, so its officials.
	if err := f.db.Update(func(tx *storage.Tx) error {
		return f.s.Fire(tx, []storage.Deadline{{At: second.Due, Key: "t:" + tip.Ref}}, second.Due)
	}); err != nil {
		t.Fatal(err)
	}
	got, types, _, _ = f.state(tip.Ref)
	if !got.Overdue || types[len(types)-1] != EvOverdue {
		t.Fatalf("after the deadline: overdue %v, events %v", got.Overdue, types)
	}
	var alert callout.Alert
	var recips []string
	if err := f.db.View(func(tx *storage.Tx) error {
		id, ok := callout.LinkedAlert(tx, OverdueLink(tip.Ref, 2))
		if !ok {
			return errors.New("no overdue alert")
		}
		var err error
		if alert, err = callout.LoadAlert(tx, id); err != nil {
			return err
		}
		rs, err := callout.Recipients(tx, id)
		for _, r := range rs {
			recips = append(recips, r.Official)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if alert.Kind != KindTip || alert.Level != "yellow" || !slices.Equal(recips, []string{"o-sun"}) {
		t.Errorf("overdue alert = %+v to %v, want 孙丽 of 安监站", alert, recips)
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"500", "500", true},
		{"500元", "500", true},
		{"¥ 500", "500", true},
		{"500.5", "500.50", true},
		{"500.05 元", "500.05", true},
		{"0500.00", "500", true},
		{"0.5", "0.50", true},
		{"0", "", false},
		{"0.00", "", false},
		{"-5", "", false},
		{"五百", "", false},
		{"5.123", "", false},
		{"12345678", "", false},
		{"", "", false},
	} {
		got, ok := ParseAmount(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseAmount(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPressRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		data string
		want Press
		ok   bool
	}{
		{"tip:u:T2611-0001:cgdd", Press{Action: ActUnit, Ref: "T2611-0001", Unit: "cgdd"}, true},
		{"tip:a:T2611-0001:cgdd", Press{Action: ActAssign, Ref: "T2611-0001", Unit: "cgdd"}, true},
		{"tip:k:T2611-0001:cgdd", Press{Action: ActDays, Ref: "T2611-0001", Unit: "cgdd"}, true},
		{"tip:c1:T2611-0001", Press{Action: ActVerified, Ref: "T2611-0001"}, true},
		{"tip:c0:T2611-0001", Press{Action: ActNotVerified, Ref: "T2611-0001"}, true},
		{"tip:p:T2611-0001", Press{Action: ActPhotos, Ref: "T2611-0001"}, true},
		{"tip:b:T2611-0001", Press{Action: ActBack, Ref: "T2611-0001"}, true},
		{"tip:u:T2611-0001", Press{}, false},    // no unit
		{"tip:c1:T2611-0001:x", Press{}, false}, // a unit where none belongs
		{"tip:d:send", Press{}, false},          // the tipster's flow
		{"tip:x:T2611-0001", Press{}, false},
		{"tip:u::cgdd", Press{}, false},
		{"tp:2", Press{}, false},
	} {
		got, ok := ParsePress(tc.data)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParsePress(%q) = %+v, %v; want %+v, %v", tc.data, got, ok, tc.want, tc.ok)
		}
		if ok && got.Data() != tc.data {
			t.Errorf("Press%+v.Data() = %q, want %q", got, got.Data(), tc.data)
		}
	}
}

func TestCountByMonth(t *testing.T) {
	cst := t0.Location()
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, cst) }
	all := []Tip{
		{ReceivedAt: at(1, 31), State: StateClosed, Verified: true, ClosedAt: at(2, 1), Reward: "100", RewardedAt: at(3, 1)},
		{ReceivedAt: at(3, 1), State: StateClosed, Verified: false, ClosedAt: at(3, 2)},
		{ReceivedAt: at(3, 5), State: StateAssigned},
		{ReceivedAt: time.Date(2025, 12, 31, 23, 0, 0, 0, cst)}, // before the window
		// 2026-02-28 16:30 UTC is 2026-03-01 00:30 in the town.
		{ReceivedAt: time.Date(2026, 2, 28, 16, 30, 0, 0, time.UTC)},
	}
	got := count(all, at(3, 20), 3)
	want := []Month{
		{Month: "2026-01", Received: 1},
		{Month: "2026-02", Verified: 1},
		{Month: "2026-03", Received: 3, Rewarded: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("count = %+v, want %+v", got, want)
	}
	// Across a year's end.
	got = count(nil, time.Date(2027, 1, 15, 0, 0, 0, 0, cst), 3)
	if got[0].Month != "2026-11" || got[2].Month != "2027-01" {
		t.Errorf("months across the year = %+v", got)
	}
}
