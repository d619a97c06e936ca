package coverage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/weather"
)

func TestUncovered(t *testing.T) {
	h := func(hh int) time.Time { return at(2026, 10, 1, 0, 0).Add(time.Duration(hh) * time.Hour) }
	sh := func(from, to int, kind string) rota.Shift {
		return rota.Shift{Start: h(from), End: h(to), Leader: "o-liu", Staff: []string{"o-zhang"}, Kind: kind}
	}
	day := Range{h(8), h(32)}
	tests := []struct {
		name    string
		shifts  []rota.Shift
		standby bool
		want    []Range
	}{
		{"none", nil, false, []Range{day}},
		{"one 24h shift", []rota.Shift{sh(8, 32, "holiday")}, false, nil},
		{"shift from the day before runs in", []rota.Shift{sh(-16, 8, "daily"), sh(8, 20, "daily")}, false,
			[]Range{{h(20), h(32)}}},
		{"hole in the middle", []rota.Shift{sh(8, 12, "daily"), sh(14, 32, "daily")}, false,
			[]Range{{h(12), h(14)}}},
		{"overlapping shifts", []rota.Shift{sh(6, 20, "daily"), sh(10, 18, "daily"), sh(19, 40, "daily")}, false, nil},
		{"standby ignored", []rota.Shift{sh(8, 32, rota.ShiftExtreme)}, false, []Range{day}},
		{"standby counted", []rota.Shift{sh(8, 20, rota.ShiftExtreme), sh(20, 32, "daily")}, true, nil},
		{"no staff counts for nothing", []rota.Shift{{Start: h(8), End: h(32), Leader: "o-liu"}}, false, []Range{day}},
		{"after the window", []rota.Shift{sh(33, 40, "daily")}, false, []Range{day}},
		{"two holes", []rota.Shift{sh(10, 12, "daily"), sh(20, 30, "daily")}, false,
			[]Range{{h(8), h(10)}, {h(12), h(20)}, {h(30), h(32)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := uncovered(day, tt.shifts, tt.standby)
			if !slices.Equal(got, tt.want) {
				t.Errorf("uncovered = %v, want %v", got, tt.want)
			}
		})
	}
}

// noFlood drops the flood season from the test configuration.
func noFlood(y string) string {
	return strings.Replace(y, `flood_season: {from: "04-01", to: "09-30"}`, "", 1)
}

func TestUpcomingGaps(t *testing.T) {
	midAutumn := days24(day(9, 25), day(9, 27), roster.Holiday)
	national := func(last int) []roster.Shift { return days24(day(10, 1), day(10, last), roster.Holiday) }
	warning := func(dutyMode bool, state string) weather.Warning {
		return weather.Warning{ID: "w1", Type: "rainstorm", Level: "red", IssuedAt: at(2026, 11, 30, 10, 30),
			State: state, DutyMode: dutyMode, Source: "chat"}
	}
	tests := []struct {
		name     string
		edit     func(string) string
		shifts   []roster.Shift
		warnings []weather.Warning
		now      time.Time
		want     []string
	}{
		{
			name:   "国庆 more than 7 days ahead is not reported yet",
			edit:   noFlood,
			shifts: append(slices.Clone(midAutumn), national(5)...),
			now:    at(2026, 9, 23, 9, 0),
		},
		{
			name:   "国庆 7 days ahead: the days after 10-05 are gaps",
			edit:   noFlood,
			shifts: append(slices.Clone(midAutumn), national(5)...),
			now:    at(2026, 9, 24, 9, 0),
			want:   []string{"国庆节 10-06 whole", "国庆节 10-07 whole"},
		},
		{
			name:   "中秋 uncovered is reported too",
			edit:   noFlood,
			shifts: national(7),
			now:    at(2026, 9, 24, 9, 0),
			want:   []string{"中秋节 09-25 whole", "中秋节 09-26 whole", "中秋节 09-27 whole"},
		},
		{
			name: "a half-covered day",
			edit: noFlood,
			shifts: slices.Concat(midAutumn, days24(day(10, 1), day(10, 2), roster.Holiday),
				[]roster.Shift{shift(at(2026, 10, 3, 8, 0), 12, roster.Holiday)},
				days24(day(10, 4), day(10, 7), roster.Holiday)),
			now:  at(2026, 9, 24, 9, 0),
			want: []string{"国庆节 10-03 10-03T20:00/10-04T08:00"},
		},
		{
			name:   "standby shifts do not cover a holiday",
			edit:   noFlood,
			shifts: slices.Concat(midAutumn, national(5), days24(day(10, 6), day(10, 7), roster.ExtremeWeather)),
			now:    at(2026, 9, 24, 9, 0),
			want:   []string{"国庆节 10-06 whole", "国庆节 10-07 whole"},
		},
		{
			name: "holidays: false",
			edit: func(y string) string {
				return strings.Replace(noFlood(y), "gap_days_ahead: 7", "gap_days_ahead: 7\n  holidays: false", 1)
			},
			now: at(2026, 9, 24, 9, 0),
		},
		{
			name:   "during the holiday only the time from now on counts",
			edit:   noFlood,
			shifts: national(5),
			now:    at(2026, 10, 6, 9, 0),
			want:   []string{"国庆节 10-06 10-06T09:00/10-07T08:00", "国庆节 10-07 whole"},
		},
		{
			name: "important dates 7 days ahead",
			edit: noFlood,
			now:  at(2026, 12, 7, 9, 0),
			want: []string{"区安全生产专项检查 12-14 whole", "区安全生产专项检查 12-15 whole", "区安全生产专项检查 12-16 whole",
				"区安全生产专项检查 12-17 whole", "区安全生产专项检查 12-18 whole"},
		},
		{
			name: "important dates 8 days ahead",
			edit: noFlood,
			now:  at(2026, 12, 6, 9, 0),
		},
		{
			name:     "warning with duty mode: from its issue, today and tomorrow",
			edit:     noFlood,
			warnings: []weather.Warning{warning(true, weather.WarningActive)},
			now:      at(2026, 11, 30, 9, 0),
			want: []string{"warning w1 (rainstorm red) 11-30 11-30T10:30/12-01T08:00",
				"warning w1 (rainstorm red) 12-01 whole"},
		},
		{
			name:     "warning covered by standby shifts",
			edit:     noFlood,
			shifts:   []roster.Shift{shift(at(2026, 11, 30, 8, 0), 48, roster.ExtremeWeather)},
			warnings: []weather.Warning{warning(true, weather.WarningActive)},
			now:      at(2026, 11, 30, 11, 0),
		},
		{
			name:     "warning partly covered by a daily shift",
			edit:     noFlood,
			shifts:   []roster.Shift{shift(at(2026, 11, 30, 8, 0), 24, roster.Daily)},
			warnings: []weather.Warning{warning(true, weather.WarningActive)},
			now:      at(2026, 11, 30, 11, 0),
			want:     []string{"warning w1 (rainstorm red) 12-01 whole"},
		},
		{
			name:     "warning without duty mode",
			edit:     noFlood,
			warnings: []weather.Warning{warning(false, weather.WarningActive)},
			now:      at(2026, 11, 30, 11, 0),
		},
		{
			name:     "lifted warning",
			edit:     noFlood,
			warnings: []weather.Warning{warning(true, weather.WarningLifted)},
			now:      at(2026, 11, 30, 11, 0),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.now, tt.edit)
			if len(tt.shifts) > 0 {
				e.importShifts(tt.shifts...)
			}
			if err := e.db.Update(func(tx *storage.Tx) error {
				for _, w := range tt.warnings {
					if err := weather.PutWarning(tx, w); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			equalLines(t, "gaps", describe(e.upcoming(tt.now)), tt.want)
		})
	}
}

func TestFloodSeason(t *testing.T) {
	e := newEnv(t, at(2026, 3, 20, 9, 0), func(y string) string {
		return strings.Replace(y, "gap_days_ahead: 7", "gap_days_ahead: 7\n  holidays: false", 1)
	})
	// More than a week before 04-01: nothing.
	if gaps := e.upcoming(at(2026, 3, 24, 9, 0)); len(gaps) != 0 {
		t.Errorf("03-24: %v", describe(gaps))
	}
	// A week before: the first month of the season, 04-01 to 05-01.
	gaps := e.upcoming(at(2026, 3, 25, 9, 0))
	if len(gaps) != maxCheckedDays || !gaps[0].Day.Equal(day(4, 1)) || !gaps[len(gaps)-1].Day.Equal(day(5, 1)) {
		t.Fatalf("03-25: %d gaps %v", len(gaps), describe(gaps))
	}
	// April imported: only 05-01 is missing.
	e.importShifts(days24(day(4, 1), day(4, 30), roster.FloodSeason)...)
	equalLines(t, "after April", describe(e.upcoming(at(2026, 3, 25, 9, 0))), []string{"flood season 05-01 whole"})
	// In the season, a month from today; the season ends on 09-30.
	gaps = e.upcoming(at(2026, 9, 20, 9, 0))
	if len(gaps) != 11 || !gaps[0].Day.Equal(day(9, 20)) || !gaps[10].Day.Equal(day(9, 30)) || gaps[0].Whole {
		t.Errorf("09-20: %v", describe(gaps))
	}
	if gaps := e.upcoming(at(2026, 10, 1, 9, 0)); len(gaps) != 0 {
		t.Errorf("after the season: %v", describe(gaps))
	}
}

func TestFloodSeasonAcrossNewYear(t *testing.T) {
	ps := floodPeriods(configRange("11-15", "02-15"), days{loc: cst, start: 8 * time.Hour}, day(1, 10), day(1, 10))
	if len(ps) != 1 || !ps[0].First.Equal(at(2025, 11, 15, 0, 0)) || !ps[0].Last.Equal(day(2, 15)) {
		t.Errorf("periods = %+v", ps)
	}
}

func TestHolidayPeriods2026(t *testing.T) {
	e := newEnv(t, at(2026, 1, 1, 9, 0), nil)
	var got []string
	for _, p := range holidayPeriods(e.c.cal, e.c.days, day(1, 1), day(12, 31)) {
		got = append(got, fmt.Sprintf("%s %s..%s", p.Name, p.First.Format("01-02"), p.Last.Format("01-02")))
	}
	// Make-up working days (09-20, 10-10) are not part of any period.
	equalLines(t, "2026 holidays", got, []string{"元旦节 01-01..01-03", "春节 02-15..02-23", "清明节 04-04..04-06",
		"劳动节 05-01..05-05", "端午节 06-19..06-21", "中秋节 09-25..09-27", "国庆节 10-01..10-07"})
}

func TestWithinAfterImport(t *testing.T) {
	e := newEnv(t, at(2026, 9, 1, 10, 0), noFlood)
	out := e.importShifts(days24(day(10, 1), day(10, 5), roster.Holiday)...)
	if out.Added != 5 || !out.From.Equal(at(2026, 10, 1, 8, 0)) || !out.To.Equal(at(2026, 10, 6, 8, 0)) {
		t.Errorf("outcome = %+v", out)
	}
	// The whole of 国庆 is checked, not only the imported days; 中秋 does
	// not overlap the import and is left to the daily check.
	equalLines(t, "gaps after import", describe(out.Gaps), []string{"国庆节 10-06 whole", "国庆节 10-07 whole"})

	// A file with a bad row stores nothing.
	bad := []byte("日期,时间,带班领导,值班人员\n2026-10-06,08:00-次日08:00,刘洋,张明\n2026-10-07,08:00-次日08:00,刘洋,王某\n")
	_, err := e.c.ImportFile("国庆.csv", bad, "o-admin", "国庆.csv")
	var rows roster.Errors
	if !errors.As(err, &rows) || rows.Total != 1 || rows.List[0].Row != 3 {
		t.Fatalf("bad file: %v", err)
	}
	shifts, err := e.c.Shifts(day(10, 1), day(10, 31))
	if err != nil || len(shifts) != 5 {
		t.Fatalf("stored %d shifts (%v), want 5", len(shifts), err)
	}
	good := []byte("日期,时间,带班领导,值班人员\n2026-10-06,08:00-次日08:00,刘洋,张明\n2026-10-07,08:00-次日08:00,刘洋,李芳\n")
	out, err = e.c.ImportFile("国庆.csv", good, "o-admin", "国庆.csv")
	if err != nil || out.Added != 2 || len(out.Gaps) != 0 {
		t.Fatalf("good file: %+v %v", out, err)
	}
	for _, name := range []string{"国庆.xls", "国庆.et"} {
		if _, err := e.c.ImportFile(name, good, "o-admin", name); !errors.Is(err, roster.ErrUnsupportedFormat) ||
			!strings.Contains(err.Error(), ".xlsx") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := e.c.ImportFile("国庆.pdf", good, "o-admin", "x"); !errors.Is(err, roster.ErrUnsupportedFormat) {
		t.Errorf("pdf: %v", err)
	}
}

func TestCheckNowOncePerDayUntilFilled(t *testing.T) {
	e := newEnv(t, at(2026, 9, 24, 9, 0), noFlood)
	e.bind("o-wu", "o-admin", "o-zhang")
	e.importShifts(slices.Concat(days24(day(9, 25), day(9, 27), roster.Holiday),
		days24(day(10, 1), day(10, 5), roster.Holiday))...)
	e.clearJobs()

	check := func(now time.Time) []Gap {
		t.Helper()
		gaps, err := e.c.CheckNow(now, e.c.days.date(now))
		if err != nil {
			t.Fatal(err)
		}
		return gaps
	}
	gaps := check(at(2026, 9, 24, 9, 0))
	equalLines(t, "09-24", describe(gaps), []string{"国庆节 10-06 whole", "国庆节 10-07 whole"})
	jobs := e.jobs()
	var chats []int64
	for _, j := range jobs {
		chats = append(chats, j.ChatID)
		if !strings.Contains(j.Text, "值班表缺口") || !strings.Contains(j.Text, "【国庆节】2026-10-01 至 2026-10-07") ||
			!strings.Contains(j.Text, "10-06 至 10-07 全天无人值班（2 天）") {
			t.Errorf("notice:\n%s", j.Text)
		}
	}
	// The office head (吴敏, chat 100) and the admin (安琪, chat 101), not 张明.
	if !slices.Equal(chats, []int64{100, 101}) {
		t.Errorf("told chats %v, want [100 101]", chats)
	}
	if ev := e.events(EvRosterGaps); len(ev) != 1 || !strings.Contains(ev[0].Detail, "国庆节: 10-06,10-07") {
		t.Errorf("events = %+v", ev)
	}
	// Again the same day: nothing.
	e.clearJobs()
	if gaps := check(at(2026, 9, 24, 15, 0)); gaps != nil || len(e.jobs()) != 0 {
		t.Errorf("second check the same day reported %v", describe(gaps))
	}
	// The next day: again.
	if gaps := check(at(2026, 9, 25, 9, 0)); len(gaps) != 2 || len(e.jobs()) != 2 {
		t.Errorf("09-25: %v, %d jobs", describe(gaps), len(e.jobs()))
	}
	// Filled: silence.
	e.clearJobs()
	e.importShifts(days24(day(10, 6), day(10, 7), roster.Holiday)...)
	e.clearJobs()
	if gaps := check(at(2026, 9, 26, 9, 0)); len(gaps) != 0 || len(e.jobs()) != 0 {
		t.Errorf("filled: %v, %d jobs", describe(gaps), len(e.jobs()))
	}
	if n := len(e.events(EvRosterGaps)); n != 2 {
		t.Errorf("%d gap events, want 2", n)
	}
}

func TestRunDailyAndCatchUp(t *testing.T) {
	e := newEnv(t, at(2026, 9, 24, 7, 0), noFlood)
	e.bind("o-wu")
	e.importShifts(days24(day(9, 25), day(9, 27), roster.Holiday)...)
	e.clearJobs()
	stop := e.runChecker(e.c)
	// Before 09:00 it waits.
	e.waitNext(e.c, at(2026, 9, 24, 9, 0))
	if n := len(e.jobs()); n != 0 {
		t.Fatalf("%d messages before 09:00", n)
	}
	e.clk.Advance(2 * time.Hour)
	e.waitNext(e.c, at(2026, 9, 25, 9, 0))
	if n := len(e.jobs()); n != 1 {
		t.Fatalf("%d messages after 09:00, want 1", n)
	}
	e.clearJobs()

	// Down from 09-24 11:00 to 09-26 14:00: on restart the missed check
	// runs at once, and only once.
	stop()
	e.clk.Advance(at(2026, 9, 26, 14, 0).Sub(e.clk.Now()))
	c2 := e.restarted()
	stop = e.runChecker(c2)
	e.waitNext(c2, at(2026, 9, 27, 9, 0))
	if n := len(e.jobs()); n != 1 {
		t.Fatalf("%d messages after catching up, want 1", n)
	}
	stop()
	e.clk.Advance(time.Hour)
	c3 := e.restarted()
	e.runChecker(c3)
	e.waitNext(c3, at(2026, 9, 27, 9, 0))
	if n := len(e.jobs()); n != 1 {
		t.Fatalf("%d messages after a second restart the same day, want still 1", n)
	}
	if n := len(e.events(EvRosterGaps)); n != 2 {
		t.Errorf("%d gap events, want 2 (09-24 and 09-26)", n)
	}
}

func TestNoticeRendering(t *testing.T) {
	e := newEnv(t, at(2026, 9, 24, 9, 0), noFlood)
	p := Period{Kind: KindHoliday, Name: "国庆节", First: day(10, 1), Last: day(10, 7)}
	full := func(d time.Time) Gap {
		return Gap{Period: p, Day: d, Whole: true,
			Missing: []Range{{d.Add(8 * time.Hour), d.Add(32 * time.Hour)}}}
	}
	gaps := []Gap{full(day(10, 1)), full(day(10, 2)),
		{Period: p, Day: day(10, 3), Missing: []Range{{at(2026, 10, 3, 8, 0), at(2026, 10, 3, 9, 0)},
			{at(2026, 10, 3, 20, 0), at(2026, 10, 4, 8, 0)}}},
		full(day(10, 5))}
	got := e.c.Notice("zh-CN", gaps)
	for _, want := range []string{
		"⚠️ 值班表缺口", "每天 08:00 至次日 08:00",
		"【国庆节】2026-10-01 至 2026-10-07\n• 10-01 至 10-02 全天无人值班（2 天）\n• 10-03 值班日：10-03 08:00 至 10-03 09:00，10-03 20:00 至 10-04 08:00 无人值班\n• 10-05 全天无人值班",
		"每天 09:00 复查",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notice lacks %q:\n%s", want, got)
		}
	}
	en := e.c.Notice("en", []Gap{{Period: Period{Kind: KindWarning, Warning: "w1", Type: "rainstorm", Level: "red",
		First: day(11, 30), NotBefore: at(2026, 11, 30, 10, 30)}, Day: day(11, 30),
		Missing: []Range{{at(2026, 11, 30, 10, 30), at(2026, 12, 1, 8, 0)}}}})
	if !strings.Contains(en, "[red Rainstorm warning (extreme-weather duty)] since 2026-11-30 10:30") {
		t.Errorf("English notice:\n%s", en)
	}
	// A long list is cut below Telegram's limit and says how much is left.
	var many []Gap
	for i := range 200 {
		p := Period{Kind: KindImportant, Name: fmt.Sprintf("重要节点%03d", i), First: day(10, 1), Last: day(10, 1)}
		many = append(many, Gap{Period: p, Day: day(10, 1), Whole: true})
	}
	long := e.c.Notice("zh-CN", many)
	if n := len([]rune(long)); n > 4096 || !strings.Contains(long, "……另有") {
		t.Errorf("long notice: %d characters, ends %q", n, long[max(0, len(long)-200):])
	}
}

func TestCheckNowWithNobodyToTell(t *testing.T) {
	e := newEnv(t, at(2026, 9, 24, 9, 0), noFlood)
	e.bind("o-zhang") // staff only
	gaps, err := e.c.CheckNow(at(2026, 9, 24, 9, 0), day(9, 24))
	if err != nil || len(gaps) == 0 {
		t.Fatalf("gaps %v, %v", describe(gaps), err)
	}
	if n := len(e.jobs()); n != 0 {
		t.Errorf("%d messages queued", n)
	}
	if ev := e.events(EvRosterGaps); len(ev) != 1 || !strings.Contains(ev[0].Detail, "nobody to tell") {
		t.Errorf("events = %+v", ev)
	}
}
