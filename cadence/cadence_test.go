package cadence

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/storage"
	"dutybot/workcal"
)

var sh = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, sh) }

func cal(t testing.TB) *workcal.Calendar {
	t.Helper()
	c, err := workcal.New(sh, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCompileErrors(t *testing.T) {
	c := cal(t)
	for _, tt := range []struct {
		spec   string
		filter Filter
		want   string
	}{
		{"61 8 * * *", "", `cron "61 8 * * *"`},
		{"8 * * *", "", `cron "8 * * *"`},
		{"30 8 * * *", "sometimes", `calendar "sometimes" is not one of`},
	} {
		if _, err := Compile(tt.spec, tt.filter, c); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q, %q) = %v, want %q", tt.spec, tt.filter, err, tt.want)
		}
	}
}

// Next across 国庆 2026, 调休 working weekends, and month, quarter and year
// ends.
func TestNext(t *testing.T) {
	c := cal(t)
	tests := []struct {
		name   string
		spec   string
		filter Filter
		after  time.Time
		want   time.Time
	}{
		{"daily", "30 8 * * *", EveryDay, at(9, 30, 9, 0), at(10, 1, 8, 30)},
		{"workdays skip 国庆", "30 8 * * *", Workdays, at(9, 30, 9, 0), at(10, 8, 8, 30)},
		{"workdays fire on the 调休 Saturday", "30 8 * * *", Workdays, at(10, 9, 9, 0), at(10, 10, 8, 30)},
		{"a 调休 Sunday before 国庆", "30 8 * * *", Workdays, at(9, 19, 9, 0), at(9, 20, 8, 30)},
		{"ordinary weekend skipped", "30 8 * * *", Workdays, at(11, 27, 9, 0), at(11, 30, 8, 30)},
		{"Monday dispatch moves off a holiday Monday", "0 9 * * 1", Workdays, at(9, 29, 0, 0), at(10, 8, 9, 0)}, // 10-05 to 10-07 are 国庆
		{"first workday of October", "0 9 * * *", FirstWorkdayOfMonth, at(9, 15, 0, 0), at(10, 8, 9, 0)},
		{"last workday of September", "0 17 * * *", LastWorkdayOfMonth, at(9, 1, 0, 0), at(9, 30, 17, 0)},
		{"last workday of February is a 调休 Saturday", "0 17 * * *", LastWorkdayOfMonth, at(2, 1, 0, 0), at(2, 28, 17, 0)},
		{"first workday of Q4", "0 9 * * *", FirstWorkdayOfQuarter, at(7, 2, 0, 0), at(10, 8, 9, 0)},
		{"last workday of the quarter at the year end", "0 17 * * *", LastWorkdayOfQuarter, at(10, 1, 0, 0), at(12, 31, 17, 0)},
		{"year end to January", "0 9 * * *", FirstWorkdayOfMonth, at(12, 31, 12, 0), time.Date(2027, 1, 4, 9, 0, 0, 0, sh)},
		{"never", "0 9 31 2 *", EveryDay, at(1, 1, 0, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Compile(tt.spec, tt.filter, c)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(tt.after); !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got, tt.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	c := cal(t)
	s, err := Compile("30 8 * * *", Workdays, c)
	if err != nil {
		t.Fatal(err)
	}
	grace := time.Hour
	tests := []struct {
		name      string
		last, now time.Time
		at        time.Time
		fire      bool
	}{
		{"on time", at(11, 26, 8, 30), at(11, 27, 8, 30), at(11, 27, 8, 30), true},
		{"already fired", at(11, 27, 8, 30), at(11, 27, 9, 0), time.Time{}, false},
		{"late within grace", at(11, 26, 8, 30), at(11, 27, 9, 15), at(11, 27, 8, 30), true},
		{"too late", at(11, 26, 8, 30), at(11, 27, 10, 0), at(11, 27, 8, 30), false},
		{"three missed: the latest once", at(11, 23, 8, 30), at(11, 26, 8, 40), at(11, 26, 8, 30), true},
		{"long downtime, latest too old", at(10, 8, 8, 30), at(11, 27, 12, 0), at(11, 27, 8, 30), false},
		{"beyond the look-back", at(1, 5, 8, 30), at(11, 27, 8, 40), at(11, 27, 8, 30), true},
		{"first start just after a firing", time.Time{}, at(11, 27, 8, 45), at(11, 27, 8, 30), true},
		{"first start long after", time.Time{}, at(11, 27, 12, 0), time.Time{}, false},
		{"nothing due yet", at(11, 27, 8, 30), at(11, 28, 8, 30), time.Time{}, false}, // Saturday
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotAt, fire := s.Due(tt.last, tt.now, grace)
			if !gotAt.Equal(tt.at) || fire != tt.fire {
				t.Errorf("Due = %s %v, want %s %v", gotAt, fire, tt.at, tt.fire)
			}
		})
	}
}

type recorder struct {
	mu    sync.Mutex
	fired []string
}

func (r *recorder) fire(rule string, at time.Time) ([]storage.Job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fired = append(r.fired, rule+"@"+at.In(sh).Format("01-02 15:04"))
	return []storage.Job{{ChatID: 1, Op: storage.OpSend, Text: rule}}, nil
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fired...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The runner fires on workdays under a fake clock, survives a restart
// without firing twice, and catches up a firing missed while down.
func TestRunnerRestartAndCatchUp(t *testing.T) {
	c := cal(t)
	s, err := Compile("30 8 * * *", Workdays, c)
	if err != nil {
		t.Fatal(err)
	}
	f := newRunnerFixture(t, Rule{Name: "inspect", Schedule: s}, at(9, 29, 8, 0))
	db, clk, rec, start, asleep := f.db, f.clk, f.rec, f.start, f.asleep
	stop := start()
	asleep()
	clk.Advance(30 * time.Minute) // 09-29 08:30
	waitFor(t, "09-29", func() bool { return len(rec.list()) == 1 })
	asleep()
	clk.Advance(24 * time.Hour) // 09-30 08:30
	waitFor(t, "09-30", func() bool { return len(rec.list()) == 2 })
	asleep()
	stop()

	// Restart at once: nothing fires twice.
	stop = start()
	asleep()
	if got := rec.list(); len(got) != 2 {
		t.Fatalf("restart fired again: %v", got)
	}
	stop()

	// Down across 国庆: on 10-08 at 09:00 the 08:30 firing is caught up once.
	clk.Advance(8*24*time.Hour + 30*time.Minute)
	stop = start()
	waitFor(t, "catch-up", func() bool { return len(rec.list()) == 3 })
	asleep()
	stop()
	// Down until 10-10 (a 调休 Saturday) 11:30: that firing is too old and
	// skipped, the next workday's fires.
	clk.Advance(2*24*time.Hour + 2*time.Hour + 30*time.Minute)
	stop = start()
	asleep()
	if got := rec.list(); len(got) != 3 {
		t.Fatalf("a firing older than the grace was sent: %v", got)
	}
	clk.Advance(45 * time.Hour) // 10-12 08:30
	waitFor(t, "10-12", func() bool { return len(rec.list()) == 4 })
	stop()
	want := []string{"inspect@09-29 08:30", "inspect@09-30 08:30", "inspect@10-08 08:30", "inspect@10-12 08:30"}
	var queued int
	db.View(func(tx *storage.Tx) error { queued = tx.QueueLen(); return nil })
	if queued != len(want) {
		t.Errorf("%d messages queued for %d firings", queued, len(want))
	}
	if got := rec.list(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fired %v, want %v", got, want)
	}
}

// runnerFixture runs one rule's runner on a real bbolt file and a fake
// clock, recording its firings; start runs it (again) and returns its stop.
type runnerFixture struct {
	db     *storage.DB
	clk    *clock.Fake
	rec    *recorder
	start  func() context.CancelFunc
	asleep func() // waits until the runner sleeps on its timer
}

func newRunnerFixture(t *testing.T, rule Rule, now time.Time) *runnerFixture {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &runnerFixture{db: db, clk: clock.NewFake(now), rec: &recorder{}}
	f.start = func() context.CancelFunc {
		ctx, cancel := context.WithCancel(context.Background())
		r := NewRunner(db, f.clk, []Rule{rule}, f.rec.fire,
			RunnerOptions{Grace: time.Hour, Log: slog.New(slog.DiscardHandler)})
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		return func() { cancel(); <-done }
	}
	f.asleep = func() { waitFor(t, "the runner to sleep", func() bool { return f.clk.Timers() > 0 }) }
	return f
}

// The two working days before the month's last: a quota still has time.
func TestWorkdaysBeforeMonthEnd(t *testing.T) {
	s, err := Compile("0 9 * * *", WorkdaysBeforeMonthEnd, cal(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for next := at(11, 1, 0, 0); ; {
		next = s.Next(next)
		if next.Year() != 2026 {
			break
		}
		got = append(got, next.Format("01-02 15:04"))
	}
	// November 2026 ends on Monday the 30th: Thursday 26 and Friday 27;
	// December on Thursday the 31st: Tuesday 29 and Wednesday 30.
	want := []string{"11-26 09:00", "11-27 09:00", "12-29 09:00", "12-30 09:00"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("firings %v, want %v", got, want)
	}
}
