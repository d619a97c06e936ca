package cadence

import (
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

// A weekly workdays rule whose day is a holiday fires at the same time on
// the first working day after it in the same Monday-to-Sunday week, or not
// at all that week; other rules are not moved.
func TestNextWeeklyOnHolidays(t *testing.T) {
	c := cal(t)
	y27 := func(m time.Month, d, h, min int) time.Time { return time.Date(2027, m, d, h, min, 0, 0, sh) }
	tests := []struct {
		name   string
		spec   string
		filter Filter
		after  time.Time
		want   time.Time
	}{
		{"国庆 Monday 10-05 to Thursday 10-08", "0 9 * * 1", Workdays, at(10, 5, 0, 0), at(10, 8, 9, 0)},
		{"after the Monday's own time, still this week", "0 9 * * 1", Workdays, at(10, 6, 12, 0), at(10, 8, 9, 0)},
		{"just before the moved firing", "0 9 * * 1", Workdays, at(10, 8, 8, 59), at(10, 8, 9, 0)},
		{"after the moved firing: next Monday", "0 9 * * 1", Workdays, at(10, 8, 9, 0), at(10, 12, 9, 0)},
		{"春节's last day 02-23 to Tuesday 02-24", "0 9 * * 1", Workdays, at(2, 23, 0, 0), at(2, 24, 9, 0)},
		{"劳动节 Monday 05-04 to Wednesday 05-06", "0 9 * * 1", Workdays, at(5, 4, 0, 0), at(5, 6, 9, 0)},
		{"清明 Monday 04-06 to Tuesday 04-07", "0 9 * * 1", Workdays, at(4, 6, 0, 0), at(4, 7, 9, 0)},
		{"the week of 02-16 has none", "0 9 * * 1", Workdays, at(2, 9, 9, 0), at(2, 24, 9, 0)},
		{"an ordinary week", "0 9 * * 1", Workdays, at(3, 9, 9, 0), at(3, 16, 9, 0)},
		{"an ordinary Monday before its time", "0 9 * * 1", Workdays, at(3, 16, 8, 0), at(3, 16, 9, 0)},
		{"named day of the week", "0 9 * * MON", Workdays, at(10, 5, 0, 0), at(10, 8, 9, 0)},
		{"several times on the day move together", "0 9,15 * * 1", Workdays, at(10, 8, 9, 0), at(10, 8, 15, 0)},
		{"two days of the week: not moved", "0 9 * * 1,3", Workdays, at(10, 4, 0, 0), at(10, 12, 9, 0)},
		{"every_day: not moved", "0 9 * * 1", EveryDay, at(10, 4, 0, 0), at(10, 5, 9, 0)},
		{"a day of the month named too: not moved", "0 9 5 * 1", Workdays, at(10, 4, 0, 0), at(10, 12, 9, 0)},
		{"first workday of the month: not moved", "0 9 * * 1", FirstWorkdayOfMonth, at(9, 8, 0, 0), at(11, 2, 9, 0)},
		{"Friday 10-02: no working day left in the week", "0 9 * * 5", Workdays, at(9, 26, 0, 0), at(10, 9, 9, 0)},
		{"an ordinary Saturday moves to a 调休 Sunday", "0 9 * * 6", Workdays, at(9, 14, 0, 0), at(9, 20, 9, 0)},
		{"a 调休 Saturday fires itself", "0 9 * * 6", Workdays, at(2, 9, 0, 0), at(2, 14, 9, 0)},
		{"@weekly is Sunday's: only 调休 Sundays", "@weekly", Workdays, at(9, 20, 0, 0), y27(1, 31, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Compile(tt.spec, tt.filter, c)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Next(tt.after)
			if !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got, tt.want)
			}
			if !s.Matches(got) {
				t.Errorf("Matches(%s) = false for a firing", got)
			}
		})
	}
}

// Over 2026, each firing of a weekly workdays rule is on a working day,
// once a week at most, and exactly once in a week with a working day on or
// after the rule's day; Next from any time between two firings gives the
// later one, and Due catches it up once.
func TestWeeklyConsistent(t *testing.T) {
	c := cal(t)
	for _, spec := range []string{"0 9 * * 1", "30 17 * * 3", "0 8 * * 6"} {
		t.Run(spec, func(t *testing.T) {
			s, err := Compile(spec, Workdays, c)
			if err != nil {
				t.Fatal(err)
			}
			nominal, _ := parser.Parse("CRON_TZ=Asia/Shanghai " + spec)
			perWeek := map[time.Time]int{}
			prev := at(1, 1, 0, 0)
			for {
				next := s.Next(prev)
				if next.Year() != 2026 {
					break
				}
				if !next.After(prev) || !c.IsWorkday(next) || !s.Matches(next) {
					t.Fatalf("Next(%s) = %s", prev, next)
				}
				for _, mid := range []time.Time{prev.Add(time.Second), prev.Add(next.Sub(prev) / 2), next.Add(-time.Second)} {
					if got := s.Next(mid); !got.Equal(next) {
						t.Errorf("Next(%s) = %s, want %s", mid, got, next)
					}
				}
				if got, fire := s.Due(prev, next.Add(time.Minute), time.Hour); !got.Equal(next) || !fire {
					t.Errorf("Due(%s, %s) = %s %v, want %s true", prev, next.Add(time.Minute), got, fire, next)
				}
				if got, _ := s.Due(next, next.Add(time.Minute), time.Hour); !got.IsZero() {
					t.Errorf("Due(%s, just after) = %s, want nothing: fired twice", next, got)
				}
				perWeek[weekStart(next, sh)]++
				prev = next
			}
			// Every week of 2026 whose rule day or a later day is a working
			// day has exactly one firing, on the first such day.
			for w := weekStart(at(1, 5, 0, 0), sh); w.Year() == 2026; w = w.AddDate(0, 0, 7) {
				day := nominal.Next(w.Add(-time.Second))
				want := 0
				for d := day; d.Before(w.AddDate(0, 0, 7)); d = d.AddDate(0, 0, 1) {
					if c.IsWorkday(d) {
						want = 1
						break
					}
				}
				if perWeek[w] != want {
					t.Errorf("week of %s: %d firings, want %d", w.Format("01-02"), perWeek[w], want)
				}
			}
		})
	}
}

func TestDueWeekly(t *testing.T) {
	c := cal(t)
	s, err := Compile("0 9 * * 1", Workdays, c)
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
		{"nothing on the holiday Monday", at(9, 28, 9, 0), at(10, 5, 9, 30), time.Time{}, false},
		{"nothing before the moved firing", at(9, 28, 9, 0), at(10, 8, 8, 59), time.Time{}, false},
		{"the moved firing on time", at(9, 28, 9, 0), at(10, 8, 9, 0), at(10, 8, 9, 0), true},
		{"the moved firing caught up", at(9, 28, 9, 0), at(10, 8, 9, 40), at(10, 8, 9, 0), true},
		{"the moved firing too old", at(9, 28, 9, 0), at(10, 8, 12, 0), at(10, 8, 9, 0), false},
		{"never twice", at(10, 8, 9, 0), at(10, 8, 9, 30), time.Time{}, false},
		{"first start just after the moved firing", time.Time{}, at(10, 8, 9, 10), at(10, 8, 9, 0), true},
		{"down across it: the latest firing", at(9, 28, 9, 0), at(10, 12, 9, 5), at(10, 12, 9, 0), true},
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

// The runner sends the Monday dispatch of a 国庆 week on its Thursday, both
// when running through the week and when started after the moved firing,
// and a restart after it sends nothing more.
func TestRunnerWeeklyAcrossRestart(t *testing.T) {
	c := cal(t)
	s, err := Compile("0 9 * * 1", Workdays, c)
	if err != nil {
		t.Fatal(err)
	}
	f := newRunnerFixture(t, Rule{Name: "dispatch", Schedule: s}, at(4, 27, 8, 0))
	db, clk, rec, start, asleep := f.db, f.clk, f.rec, f.start, f.asleep
	advanceTo := func(to time.Time) { clk.Advance(to.Sub(clk.Now())) }
	fired := func(n int) {
		t.Helper()
		waitFor(t, "firings", func() bool { return len(rec.list()) >= n })
		asleep()
		if got := rec.list(); len(got) != n {
			t.Fatalf("fired %v, want %d firings", got, n)
		}
	}

	stop := start()
	asleep()
	advanceTo(at(4, 27, 9, 0))
	fired(1)
	stop()
	// Down over 劳动节 (05-01 to 05-05); up again at 05-06 09:40, within
	// the grace of the firing moved from 05-04 to 05-06 09:00.
	advanceTo(at(5, 6, 9, 40))
	stop = start()
	fired(2)
	stop()
	stop = start() // a restart sends nothing more
	fired(2)

	// Running through 国庆: nothing on Monday 10-05, the dispatch on
	// Thursday 10-08 at 09:00.
	stop()
	advanceTo(at(9, 28, 8, 0))
	stop = start()
	asleep()
	advanceTo(at(9, 28, 9, 0))
	fired(3)
	advanceTo(at(10, 5, 9, 0))
	fired(3)
	advanceTo(at(10, 8, 9, 0))
	fired(4)
	stop()
	stop = start()
	fired(4)
	advanceTo(at(10, 12, 9, 0))
	fired(5)
	stop()

	want := []string{"dispatch@04-27 09:00", "dispatch@05-06 09:00", "dispatch@09-28 09:00", "dispatch@10-08 09:00", "dispatch@10-12 09:00"}
	if got := rec.list(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fired %v, want %v", got, want)
	}
	var queued int
	db.View(func(tx *storage.Tx) error { queued = tx.QueueLen(); return nil })
	if queued != len(want) {
		t.Errorf("%d messages queued for %d firings", queued, len(want))
	}
}
