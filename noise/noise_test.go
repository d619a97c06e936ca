package noise

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/config"
)

// town is a small town: 应急办 with two staff (inspectors) and a head,
// 党政办 with the 分管领导, the principal and an admin, 城管大队 with nobody
// of its own (the 分管领导 is its head, so its unit items are his), and
// 经发办 with neither members nor a head (nobody owes its items, so none
// exist); one cadence rule, the workday inspection reminder of 14.2 to
// staff.
const town = `
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu, tags: [supervisory]}
  - {id: dzb, name: 党政办, head: o-he, leader: o-liu}
  - {id: cgdd, name: 城管大队, head: o-liu, leader: o-liu, tags: [yigang, supervisory]}
  - {id: jfb, name: 经发办, leader: o-liu, tags: [yigang, supervisory]}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
cadence:
  rules:
    - {name: inspection, title: 工作日检查执法, cron: "30 8 * * *", calendar: workdays, audience: {roles: [staff]}, tasks: ["14.2"], need: report}
`

// simulate runs two weeks of December 2026, Monday 7 to Sunday 20, in the
// small town.
func simulate(t *testing.T, onTime float64) *Report {
	t.Helper()
	cfg, err := config.Parse([]byte(town))
	if err != nil {
		t.Fatalf("town: %v", err)
	}
	from := time.Date(2026, 12, 7, 0, 0, 0, 0, cfg.Location)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := Simulate(context.Background(), Options{Config: cfg, From: from, To: from.AddDate(0, 0, 14), OnTime: onTime, Seed: 1, Log: log})
	if err != nil {
		t.Fatalf("Simulate: %v\nthe app's warnings:\n%s", err, logs.String())
	}
	if testing.Verbose() {
		var b bytes.Buffer
		_ = r.WriteTable(&b)
		t.Logf("report:\n%s", b.String())
	}
	return r
}

// syncBuffer is a buffer the app's goroutines may log to at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func official(t *testing.T, r *Report, id string) Official {
	t.Helper()
	for _, o := range r.Officials {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no official %s in the report", id)
	return Official{}
}

// Every item reported late: the staff hear the workday reminder once per
// working day and nothing at the weekend, each inspector's late 14.2 calls
// them once, the chain reaches the principal as notices, not calls, the
// 分管领导's own 8.2 calls him once a day however many units he leads, and
// nobody is sent an item they do not owe.
func TestSimulateLate(t *testing.T) {
	t.Parallel()
	r := simulate(t, 0)
	if r.WorkingDays != 10 || r.Late != r.Items || r.Items == 0 {
		t.Fatalf("%d working days, %d items, %d late; want 10 working days and every item late", r.WorkingDays, r.Items, r.Late)
	}
	loc := r.loc
	for day := 7; day < 21; day++ {
		d := time.Date(2026, 12, day, 12, 0, 0, 0, loc)
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		for _, staff := range []string{"o-zhang", "o-li"} {
			want := 1
			if weekend {
				want = 0
			}
			if got := r.Count(staff, d, TopicReminder); got != want {
				t.Errorf("%s on %s: %d reminders counted, want %d", staff, d.Format("01-02 Mon"), got, want)
			}
			if got := r.Routine(staff, d); got != want {
				t.Errorf("%s on %s: %d routine pushes, want %d", staff, d.Format("01-02 Mon"), got, want)
			}
			// Each working day's 14.2 is reported the next working day at
			// 10:00: the last Friday's is still open when the span ends.
			duty := "14.2 " + d.Format(time.DateOnly)
			if got := r.Calls(staff, duty); !weekend && got != 1 {
				t.Errorf("%s: %d calls for %s, want 1", staff, got, duty)
			}
			if got := r.Count(staff, d, CatTaskCall); weekend && got != 0 {
				t.Errorf("%s on %s: %d calls counted at the weekend", staff, d.Format("01-02 Mon"), got)
			}
		}
		if got := r.Calls("o-he", "14.2 "+d.Format(time.DateOnly)); got != 0 {
			t.Errorf("the principal got %d calls for 14.2 of %s; the staff owe it", got, d.Format("01-02"))
		}
		if got := r.Count("o-he", d, TopicWitness); got != 1 {
			t.Errorf("the principal got %d ledger witnesses on %s, want 1 (daily)", got, d.Format("01-02 Mon"))
		}
	}
	for _, id := range []string{"o-zhang", "o-li"} {
		o := official(t, r, id)
		if o.MaxRoutine != 1 || o.MedianRoutine != 1 || o.OverBudget != 0 || o.Routine != 10 || o.RoutineOff != 0 {
			t.Errorf("%s: %+v, want one routine push on each of the 10 working days", id, o)
		}
		if o.TaskCalls < 10 || o.Reminds != o.TaskCalls {
			t.Errorf("%s: %d overdue calls and %d reminders, want at least 10 and a reminder each (nobody answers)", id, o.TaskCalls, o.Reminds)
		}
	}
	he := official(t, r, "o-he")
	if he.RoutineOff != 4 || he.Notices == 0 {
		t.Errorf("principal: %d routine pushes on the 4 days off (the daily witness), %d notices; want 4 and some", he.RoutineOff, he.Notices)
	}
	if r.Duties.Uncalled != 0 {
		t.Errorf("%d late items called nobody, of %v; want none (an item nobody owes is not made)", r.Duties.Uncalled, r.Duties.UncalledUnits)
	}
	if r.Duties.Late < 10 || r.Duties.Max != 1 || r.Duties.Repeated != 0 {
		t.Errorf("duty calls %+v: want every working day's 14.2 among the late duties, each one call per person", r.Duties)
	}
	if len(r.UnitMonths) == 0 || r.UnitMonths[0].Month != "2026-12" {
		t.Errorf("items per unit and month: %+v", r.UnitMonths)
	}
	if got := r.Calls("o-liu", "14.2 2026-12-07"); got != 0 {
		t.Errorf("the head of 城管大队 got %d calls for 14.2 of 12-07; only inspectors owe it", got)
	}
	// 8.2 (每日了解掌握) is the 分管领导's own: one call a day, not one per
	// unit he leads.
	if got := r.Calls("o-liu", "8.2 2026-12-07"); got != 1 {
		t.Errorf("the 分管领导 got %d calls for 8.2 of 12-07, want 1", got)
	}
	if len(r.Foreign) != 0 {
		t.Errorf("officials sent items they do not owe: %+v", r.Foreign)
	}
}

// Every item reported on time: nothing overdue, so no call at all.
func TestSimulateOnTime(t *testing.T) {
	t.Parallel()
	r := simulate(t, 1)
	if r.Late != 0 {
		t.Fatalf("%d items late, want none", r.Late)
	}
	for _, o := range r.Officials {
		if o.TaskCalls+o.OtherCalls+o.Reminds+o.Notices != 0 {
			t.Errorf("%s: %d calls, %d reminders, %d notices with everything on time", o.ID, o.TaskCalls, o.Reminds, o.Notices)
		}
	}
	if r.Duties.Late != 0 || len(r.Foreign) != 0 {
		t.Errorf("duties %+v, foreign %+v; want none", r.Duties, r.Foreign)
	}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"张明", "o-zhang", "应急办", "days", "Worst working day", "reminder", fmt.Sprint(r.Items)} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, b.String())
		}
	}
}
