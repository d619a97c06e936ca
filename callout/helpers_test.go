package callout

import (
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/metrics"
	"dutybot/storage"
)

// testStart is 08:00 Beijing time.
var testStart = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testYAML is a small town: 应急办 (yjb) with two staff, a head and the
// 分管领导 刘洋; 党政办 (dzb) whose head and leader is the principal 何军;
// 城管大队 (cgdd) without a head; an empty unit; two duty leaders and an
// admin. Blue alerts use a policy that escalates before it reminds.
const testYAML = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
  - {id: cgdd, name: 城管大队, leader: o-liu}
  - {id: kong, name: 空单位}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-duty, name: 杜峰, phone: "13800000006", unit: yjb, roles: [duty_leader]}
  - {id: o-duty2, name: 邓涛, phone: "13800000009", unit: dzb, roles: [duty_leader, staff]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
  - {id: o-qian, name: 钱进, phone: "13800000008", unit: cgdd, roles: [staff]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 20m, action: escalate, to: unit_head}
      - {after: 30m, action: escalate, to: leader}
      - {after: 45m, action: escalate, to: principal}
    escalate_first:
      - {after: 5m, action: escalate, to: unit_head}
      - {after: 10m, action: remind}
      - {after: 15m, action: escalate, to: duty_leader}
  levels: {blue: escalate_first, yellow: default, orange: default, red: default}
`

// allOfficials is every official in configuration order.
var allOfficials = []string{"o-zhang", "o-li", "o-wu", "o-liu", "o-he", "o-duty", "o-duty2", "o-admin", "o-qian"}

type fixture struct {
	t   *testing.T
	cfg *config.Config
	db  *storage.DB
	clk *clock.Fake
	e   *Engine
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureYAML(t, testYAML)
}

func newFixtureYAML(t *testing.T, yaml string) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatalf("storage: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	tr, err := locales.New("zh-CN")
	if err != nil {
		t.Fatalf("locales: %v", err)
	}
	clk := clock.NewFake(testStart)
	e := New(cfg, db, clk, tr, metrics.New(nil), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &fixture{t: t, cfg: cfg, db: db, clk: clk, e: e}
}

// chat is the private chat id of an official in the tests.
func (f *fixture) chat(official string) int64 {
	i := slices.Index(allOfficials, official)
	if i < 0 {
		f.t.Fatalf("no chat for %q", official)
	}
	return 5001 + int64(i)
}

func (f *fixture) update(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.Update(fn); err != nil {
		f.t.Fatalf("update: %v", err)
	}
}

func (f *fixture) view(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.View(fn); err != nil {
		f.t.Fatalf("view: %v", err)
	}
}

// bind links officials to their test chats.
func (f *fixture) bind(ids ...string) {
	f.t.Helper()
	now := f.clk.Now()
	f.update(func(tx *storage.Tx) error {
		for _, id := range ids {
			c := f.chat(id)
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: c, UserID: c, BoundAt: now, Source: "config"}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *fixture) binding(id string) storage.Binding {
	f.t.Helper()
	var b storage.Binding
	f.view(func(tx *storage.Tx) error {
		var err error
		b, err = tx.Binding(id)
		return err
	})
	return b
}

// setClock moves the fake clock to at (never backwards).
func (f *fixture) setClock(at time.Time) {
	if d := at.Sub(f.clk.Now()); d > 0 {
		f.clk.Advance(d)
	}
}

func (f *fixture) create(req Request) Alert {
	f.t.Helper()
	a, err := f.e.Create(req)
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return a
}

func (f *fixture) jobs() []storage.Job {
	f.t.Helper()
	var js []storage.Job
	f.view(func(tx *storage.Tx) error {
		var err error
		js, err = tx.Jobs()
		return err
	})
	return js
}

// jobsFor returns the queued jobs of a kind concerning an official ("" for
// any official).
func (f *fixture) jobsFor(kind, official string) []storage.Job {
	f.t.Helper()
	var out []storage.Job
	for _, j := range f.jobs() {
		if j.Ref.Kind == kind && (official == "" || j.Ref.Official == official) {
			out = append(out, j)
		}
	}
	return out
}

// oneJob returns the single queued job of a kind for an official.
func (f *fixture) oneJob(kind, official string) storage.Job {
	f.t.Helper()
	js := f.jobsFor(kind, official)
	if len(js) != 1 {
		f.t.Fatalf("%s jobs for %q: got %d, want 1: %+v", kind, official, len(js), js)
	}
	return js[0]
}

// drain empties the outgoing queue without delivering anything.
func (f *fixture) drain() {
	f.t.Helper()
	f.update(func(tx *storage.Tx) error {
		js, err := tx.Jobs()
		if err != nil {
			return err
		}
		for _, j := range js {
			if err := tx.DeleteJob(j); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliver records a job as delivered and removes it, as the dispatcher does.
func (f *fixture) deliver(j storage.Job, msgID int, at time.Time) {
	f.t.Helper()
	f.update(func(tx *storage.Tx) error {
		if err := f.e.Delivered(tx, j, msgID, at); err != nil {
			return err
		}
		return tx.DeleteJob(j)
	})
}

// deliverKind delivers every queued job of a kind at at, numbering the
// messages from 100; it returns the delivered jobs.
func (f *fixture) deliverKind(kind string, at time.Time) []storage.Job {
	f.t.Helper()
	js := f.jobsFor(kind, "")
	for i, j := range js {
		f.deliver(j, 100+int(j.Seq)*10+i, at)
	}
	return js
}

// fail records a job as given up and removes it, as the dispatcher does.
func (f *fixture) fail(j storage.Job, reason string, unreachable bool, at time.Time) {
	f.t.Helper()
	f.update(func(tx *storage.Tx) error {
		if err := f.e.Failed(tx, j, reason, unreachable, at); err != nil {
			return err
		}
		return tx.DeleteJob(j)
	})
}

// fireOnce moves the clock to now and fires the deadlines due then in one
// transaction, removing them first as scheduler.Deadlines.fireDue does.
func (f *fixture) fireOnce(now time.Time) []storage.Deadline {
	f.t.Helper()
	f.setClock(now)
	var due []storage.Deadline
	f.update(func(tx *storage.Tx) error {
		due = tx.DueDeadlines(now, 512)
		if len(due) == 0 {
			return nil
		}
		for _, d := range due {
			if err := tx.DeleteDeadline(d); err != nil {
				return err
			}
		}
		return f.e.Fire(tx, due, now)
	})
	return due
}

// fireAll fires until nothing is due at now, as the scheduler's loop does
// after an outage; it returns every deadline fired.
func (f *fixture) fireAll(now time.Time) []storage.Deadline {
	f.t.Helper()
	var all []storage.Deadline
	for i := 0; ; i++ {
		if i > 100 {
			f.t.Fatal("deadlines keep firing")
		}
		due := f.fireOnce(now)
		if len(due) == 0 {
			return all
		}
		all = append(all, due...)
	}
}

// deadlines lists every stored deadline.
func (f *fixture) deadlines() []storage.Deadline {
	f.t.Helper()
	var ds []storage.Deadline
	f.view(func(tx *storage.Tx) error {
		ds = tx.DueDeadlines(time.Unix(1<<40, 0), 1<<20)
		return nil
	})
	return ds
}

// deadlineOf returns the stored deadline of a recipient, if any.
func (f *fixture) deadlineOf(alertID, official string) (storage.Deadline, bool) {
	f.t.Helper()
	for _, d := range f.deadlines() {
		if d.Key == deadlineKey(alertID, official) {
			return d, true
		}
	}
	return storage.Deadline{}, false
}

// render renders a job as the dispatcher does just before sending it.
func (f *fixture) render(j storage.Job) (string, [][]storage.Button) {
	f.t.Helper()
	if !j.Lazy {
		return j.Text, j.Buttons
	}
	var text string
	var buttons [][]storage.Button
	f.view(func(tx *storage.Tx) error {
		var ok bool
		var err error
		text, buttons, ok, err = f.e.Render(tx, j)
		if err == nil && !ok {
			f.t.Errorf("job %+v dropped by Render", j)
		}
		return err
	})
	return text, buttons
}

func (f *fixture) alert(id string) Alert {
	f.t.Helper()
	var a Alert
	f.view(func(tx *storage.Tx) error {
		var err error
		a, err = LoadAlert(tx, id)
		return err
	})
	return a
}

func (f *fixture) recipient(alertID, official string) Recipient {
	f.t.Helper()
	var r Recipient
	f.view(func(tx *storage.Tx) error {
		var err error
		r, err = LoadRecipient(tx, alertID, official)
		return err
	})
	return r
}

func (f *fixture) notice(alertID, target string) Notice {
	f.t.Helper()
	var n Notice
	f.view(func(tx *storage.Tx) error {
		var err error
		n, err = LoadNotice(tx, alertID, target)
		return err
	})
	return n
}

func (f *fixture) events(alertID string) []storage.Event {
	f.t.Helper()
	var evs []storage.Event
	f.view(func(tx *storage.Tx) error {
		var err error
		evs, err = tx.AlertEvents(alertID)
		return err
	})
	return evs
}

// countEvents counts an alert's events of a type concerning an official
// ("" for anyone).
func (f *fixture) countEvents(alertID, typ, official string) int {
	f.t.Helper()
	n := 0
	for _, e := range f.events(alertID) {
		if e.Type == typ && (official == "" || e.Official == official) {
			n++
		}
	}
	return n
}

// deliveredAlert creates an alert for officials (all bound) at level red and
// delivers its calls at at.
func (f *fixture) deliveredAlert(at time.Time, officials ...string) Alert {
	f.t.Helper()
	a := f.create(Request{Level: "red", Title: "暴雨红色预警", Body: "请立即到岗", Source: "api",
		Targets: Targets{Officials: officials}})
	f.deliverKind(storage.RefCall, at)
	f.drain()
	return a
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func mustNotContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("%s contains %q:\n%s", what, sub, s)
		}
	}
}
