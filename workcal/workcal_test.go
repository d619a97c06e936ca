package workcal

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatalf("load Asia/Shanghai: %v", err)
	}
	return loc
}

func newCal(t testing.TB, overrides ...Override) *Calendar {
	t.Helper()
	c, err := New(shanghai(t), overrides)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// date returns noon of the given date in loc, so that tests do not depend on
// midnight handling.
func date(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format(time.DateOnly)
}

// checkMidnight fails unless got is midnight of want (YYYY-MM-DD) in loc.
func checkMidnight(t *testing.T, what string, got time.Time, want string, loc *time.Location) {
	t.Helper()
	if ymd(got) != want {
		t.Errorf("%s = %s, want %s", what, ymd(got), want)
		return
	}
	if got.Location() != loc || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
		t.Errorf("%s = %v, want midnight in %v", what, got, loc)
	}
}

func dayString(d Day) string {
	s := ymd(d.Date) + " " + d.Date.Weekday().String()[:3]
	if d.Workday {
		s += " work"
	} else {
		s += " off"
	}
	if d.Holiday != "" {
		s += " " + d.Holiday
	}
	if d.MakeUp {
		s += " makeup"
	}
	if d.Override {
		s += " override"
	}
	return s
}

// The 2026 schedule as embedded in lunar-go v1.4.7 (printed from
// HolidayUtil.GetHolidaysByYear(2026) first, then asserted here); it matches
// the State Council notice for 2026.
func TestDay2026(t *testing.T) {
	c := newCal(t)
	loc := c.Location()
	tests := []struct {
		name, date string
		want       string // dayString without the date
	}{
		// 中秋节 and 国庆节, with the make-up days around them.
		{"国庆 make-up Sunday before", "2026-09-20", "Sun work 国庆节 makeup"},
		{"ordinary Thursday before 中秋", "2026-09-24", "Thu work"},
		{"中秋 Friday", "2026-09-25", "Fri off 中秋节"},
		{"中秋 Saturday", "2026-09-26", "Sat off 中秋节"},
		{"中秋 Sunday", "2026-09-27", "Sun off 中秋节"},
		{"ordinary workday before 国庆", "2026-09-30", "Wed work"},
		{"国庆 1", "2026-10-01", "Thu off 国庆节"},
		{"国庆 2", "2026-10-02", "Fri off 国庆节"},
		{"国庆 3", "2026-10-03", "Sat off 国庆节"},
		{"国庆 4", "2026-10-04", "Sun off 国庆节"},
		{"国庆 5", "2026-10-05", "Mon off 国庆节"},
		{"国庆 6", "2026-10-06", "Tue off 国庆节"},
		{"国庆 7", "2026-10-07", "Wed off 国庆节"},
		{"first day back after 国庆", "2026-10-08", "Thu work"},
		{"国庆 make-up Saturday after", "2026-10-10", "Sat work 国庆节 makeup"},
		{"ordinary Sunday after 国庆", "2026-10-11", "Sun off"},
		// 春节 and its make-up days.
		{"春节 make-up Saturday before", "2026-02-14", "Sat work 春节 makeup"},
		{"春节 first day", "2026-02-15", "Sun off 春节"},
		{"春节 除夕 workday-of-week", "2026-02-16", "Mon off 春节"},
		{"春节 初一", "2026-02-17", "Tue off 春节"},
		{"春节 Friday", "2026-02-20", "Fri off 春节"},
		{"春节 last day", "2026-02-23", "Mon off 春节"},
		{"day after 春节", "2026-02-24", "Tue work"},
		{"春节 make-up Saturday after", "2026-02-28", "Sat work 春节 makeup"},
		// 元旦.
		{"元旦", "2026-01-01", "Thu off 元旦节"},
		{"元旦 make-up Sunday", "2026-01-04", "Sun work 元旦节 makeup"},
		// Ordinary days.
		{"ordinary Saturday", "2026-03-14", "Sat off"},
		{"ordinary Sunday", "2026-03-15", "Sun off"},
		{"ordinary Monday", "2026-03-16", "Mon work"},
		{"ordinary Friday", "2026-11-13", "Fri work"},
		// lunar-go marks 2012-05-02 (a Wednesday) as a working 劳动节 day;
		// it is an ordinary working day, not a make-up day.
		{"lunar-go weekday work entry", "2012-05-02", "Wed work"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			when := date(loc, tt.date)
			d := c.Day(when)
			want := tt.date + " " + tt.want
			if got := dayString(d); got != want {
				t.Errorf("Day(%s) = %q, want %q", tt.date, got, want)
			}
			checkMidnight(t, "Day.Date", d.Date, tt.date, loc)
			wantWork := strings.Contains(tt.want, " work")
			if got := c.IsWorkday(when); got != wantWork {
				t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, wantWork)
			}
		})
	}
}

// TestHolidays2026 asserts the whole 2026 list as lunar-go v1.4.7 has it.
func TestHolidays2026(t *testing.T) {
	c := newCal(t)
	want := []string{
		"2026-01-01 Thu off 元旦节",
		"2026-01-02 Fri off 元旦节",
		"2026-01-03 Sat off 元旦节",
		"2026-01-04 Sun work 元旦节 makeup",
		"2026-02-14 Sat work 春节 makeup",
		"2026-02-15 Sun off 春节",
		"2026-02-16 Mon off 春节",
		"2026-02-17 Tue off 春节",
		"2026-02-18 Wed off 春节",
		"2026-02-19 Thu off 春节",
		"2026-02-20 Fri off 春节",
		"2026-02-21 Sat off 春节",
		"2026-02-22 Sun off 春节",
		"2026-02-23 Mon off 春节",
		"2026-02-28 Sat work 春节 makeup",
		"2026-04-04 Sat off 清明节",
		"2026-04-05 Sun off 清明节",
		"2026-04-06 Mon off 清明节",
		"2026-05-01 Fri off 劳动节",
		"2026-05-02 Sat off 劳动节",
		"2026-05-03 Sun off 劳动节",
		"2026-05-04 Mon off 劳动节",
		"2026-05-05 Tue off 劳动节",
		"2026-05-09 Sat work 劳动节 makeup",
		"2026-06-19 Fri off 端午节",
		"2026-06-20 Sat off 端午节",
		"2026-06-21 Sun off 端午节",
		"2026-09-20 Sun work 国庆节 makeup",
		"2026-09-25 Fri off 中秋节",
		"2026-09-26 Sat off 中秋节",
		"2026-09-27 Sun off 中秋节",
		"2026-10-01 Thu off 国庆节",
		"2026-10-02 Fri off 国庆节",
		"2026-10-03 Sat off 国庆节",
		"2026-10-04 Sun off 国庆节",
		"2026-10-05 Mon off 国庆节",
		"2026-10-06 Tue off 国庆节",
		"2026-10-07 Wed off 国庆节",
		"2026-10-10 Sat work 国庆节 makeup",
	}
	got := c.Holidays(2026)
	var gotS []string
	for _, d := range got {
		t.Log(dayString(d))
		gotS = append(gotS, dayString(d))
		checkMidnight(t, "Holidays date", d.Date, ymd(d.Date), c.Location())
	}
	if g, w := strings.Join(gotS, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("Holidays(2026):\n%s\nwant:\n%s", g, w)
	}
	if got := c.Holidays(2029); len(got) != 0 {
		t.Errorf("Holidays(2029) = %v, want none", got)
	}
}

func TestFirstLastWorkday(t *testing.T) {
	c := newCal(t)
	loc := c.Location()
	tests := []struct {
		name string
		got  time.Time
		want string
	}{
		{"FirstWorkday 2026-10", c.FirstWorkday(2026, time.October), "2026-10-08"},
		{"LastWorkday 2026-10", c.LastWorkday(2026, time.October), "2026-10-30"},
		{"FirstWorkday 2026-01 is the make-up Sunday", c.FirstWorkday(2026, time.January), "2026-01-04"},
		{"LastWorkday 2026-02 is the make-up Saturday", c.LastWorkday(2026, time.February), "2026-02-28"},
		{"LastWorkday 2026-09", c.LastWorkday(2026, time.September), "2026-09-30"},
		{"FirstWorkday 2026-03 ordinary", c.FirstWorkday(2026, time.March), "2026-03-02"},
		{"FirstWorkday month 13 normalised", c.FirstWorkday(2025, 13), "2026-01-04"},
		{"Q4 starts on 国庆", c.FirstWorkdayOfQuarter(date(loc, "2026-11-15")), "2026-10-08"},
		{"Q4 from its first day", c.FirstWorkdayOfQuarter(date(loc, "2026-10-01")), "2026-10-08"},
		{"Q4 last", c.LastWorkdayOfQuarter(date(loc, "2026-10-01")), "2026-12-31"},
		{"Q1 first", c.FirstWorkdayOfQuarter(date(loc, "2026-03-31")), "2026-01-04"},
		{"Q1 last", c.LastWorkdayOfQuarter(date(loc, "2026-02-01")), "2026-03-31"},
		{"Q3 last", c.LastWorkdayOfQuarter(date(loc, "2026-07-01")), "2026-09-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMidnight(t, tt.name, tt.got, tt.want, loc)
		})
	}
}

func TestNoWorkdayInMonth(t *testing.T) {
	// Overrides can make a whole month off; then there is no answer.
	var ov []Override
	for d := 1; d <= 28; d++ {
		ov = append(ov, Override{Name: "test", Date: fmt.Sprintf("2029-02-%02d", d), IsOffDay: true})
	}
	c := newCal(t, ov...)
	if got := c.FirstWorkday(2029, time.February); !got.IsZero() {
		t.Errorf("FirstWorkday = %v, want zero", got)
	}
	if got := c.LastWorkday(2029, time.February); !got.IsZero() {
		t.Errorf("LastWorkday = %v, want zero", got)
	}
	if got := c.FirstWorkdayOfQuarter(date(c.Location(), "2029-02-10")); ymd(got) != "2029-01-01" {
		t.Errorf("FirstWorkdayOfQuarter = %s, want 2029-01-01", ymd(got))
	}
	if got := c.NextWorkday(date(c.Location(), "2029-01-31")); ymd(got) != "2029-03-01" {
		t.Errorf("NextWorkday = %s, want 2029-03-01", ymd(got))
	}
}

func TestNextWorkday(t *testing.T) {
	c := newCal(t)
	loc := c.Location()
	tests := []struct {
		name string
		from time.Time
		want string
	}{
		{"across 国庆 from the last day before", date(loc, "2026-09-30"), "2026-10-08"},
		{"late evening before 国庆", time.Date(2026, 9, 30, 23, 59, 59, 0, loc), "2026-10-08"},
		{"from inside 国庆", date(loc, "2026-10-03"), "2026-10-08"},
		{"from the last day of 国庆", date(loc, "2026-10-07"), "2026-10-08"},
		{"to the make-up Saturday", date(loc, "2026-10-09"), "2026-10-10"},
		{"from the make-up Saturday", date(loc, "2026-10-10"), "2026-10-12"},
		{"across 中秋", date(loc, "2026-09-24"), "2026-09-28"},
		{"to the make-up Sunday", date(loc, "2026-09-19"), "2026-09-20"},
		{"across 春节", date(loc, "2026-02-13"), "2026-02-14"},
		{"from the 春节 make-up Saturday", date(loc, "2026-02-14"), "2026-02-24"},
		{"ordinary Friday", date(loc, "2026-03-13"), "2026-03-16"},
		{"ordinary Monday", date(loc, "2026-03-16"), "2026-03-17"},
		{"from midnight", time.Date(2026, 3, 16, 0, 0, 0, 0, loc), "2026-03-17"},
		// 16:30 UTC on 10-07 is 00:30 on 10-08 in Shanghai.
		{"UTC evening already next day", time.Date(2026, 10, 7, 16, 30, 0, 0, time.UTC), "2026-10-09"},
		{"no data year", date(loc, "2029-12-28"), "2029-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMidnight(t, "NextWorkday", c.NextWorkday(tt.from), tt.want, loc)
		})
	}
}

func TestWorkdays(t *testing.T) {
	c := newCal(t)
	loc := c.Location()
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		// October 2026: 22 Mondays–Fridays, 5 of them (1, 2, 5, 6, 7) off,
		// plus the make-up Saturday 10-10.
		{"October 2026", date(loc, "2026-10-01"), date(loc, "2026-10-31"), 18},
		{"October 2026 midnight to last instant",
			time.Date(2026, 10, 1, 0, 0, 0, 0, loc), time.Date(2026, 10, 31, 23, 59, 59, 0, loc), 18},
		// September 2026: 22 Mondays–Fridays, 09-25 off, 09-20 make-up.
		{"September 2026", date(loc, "2026-09-01"), date(loc, "2026-09-30"), 22},
		// 2026: 261 Mondays–Fridays, 19 of them off, 6 make-up days.
		{"year 2026", date(loc, "2026-01-01"), date(loc, "2026-12-31"), 248},
		{"one holiday", date(loc, "2026-10-01"), date(loc, "2026-10-01"), 0},
		{"one make-up day", date(loc, "2026-10-10"), date(loc, "2026-10-10"), 1},
		{"reversed", date(loc, "2026-10-31"), date(loc, "2026-10-01"), 0},
		{"ordinary week", date(loc, "2026-03-14"), date(loc, "2026-03-22"), 5},
		// In Shanghai these are 10-08 00:30 to 10-08 23:00: one workday.
		{"UTC times", time.Date(2026, 10, 7, 16, 30, 0, 0, time.UTC), time.Date(2026, 10, 8, 15, 0, 0, 0, time.UTC), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Workdays(tt.from, tt.to); got != tt.want {
				t.Errorf("Workdays(%s, %s) = %d, want %d", ymd(tt.from), ymd(tt.to), got, tt.want)
			}
		})
	}
}

// TestWorkdaysMatchesIsWorkday checks the arithmetic of Workdays against
// counting IsWorkday day by day, overrides included.
func TestWorkdaysMatchesIsWorkday(t *testing.T) {
	c := newCal(t,
		Override{Name: "国庆节", Date: "2028-10-02", IsOffDay: true},
		Override{Name: "国庆节", Date: "2028-09-30", IsOffDay: false},
	)
	loc := c.Location()
	start := time.Date(2025, 12, 20, 0, 0, 0, 0, loc)
	for _, span := range []int{0, 1, 2, 6, 7, 8, 13, 30, 45, 100, 400, 1100} {
		for off := 0; off < 400; off += 37 {
			from := start.AddDate(0, 0, off)
			to := from.AddDate(0, 0, span)
			want := 0
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				if c.IsWorkday(d) {
					want++
				}
			}
			if got := c.Workdays(from, to); got != want {
				t.Errorf("Workdays(%s, %s) = %d, want %d", ymd(from), ymd(to), got, want)
			}
		}
	}
}

// TestMatchesLunarGo checks every date of the built-in table against
// HolidayUtil.GetHoliday.
func TestMatchesLunarGo(t *testing.T) {
	c := newCal(t)
	loc := c.Location()
	for d := time.Date(2001, 12, 1, 12, 0, 0, 0, loc); d.Year() <= 2027; d = d.AddDate(0, 0, 1) {
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		want := !weekend
		name := ""
		if h := HolidayUtil.GetHoliday(d.Format(time.DateOnly)); h != nil {
			want = h.IsWork()
			if !h.IsWork() || weekend {
				name = h.GetName()
			}
		}
		got := c.Day(d)
		if got.Workday != want || got.Holiday != name || c.IsWorkday(d) != want {
			t.Errorf("%s: Day = %q, want workday %v, holiday %q", ymd(d), dayString(got), want, name)
		}
	}
}

func TestTimeZone(t *testing.T) {
	c := newCal(t)
	loc := c.Location()
	// 17:00 UTC on 09-30 is 01:00 on 10-01 in Shanghai: 国庆, not a workday,
	// although 09-30 is a working Wednesday.
	late := time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)
	if c.IsWorkday(late) {
		t.Errorf("IsWorkday(%v) = true, want false (already 2026-10-01 in Shanghai)", late)
	}
	d := c.Day(late)
	if d.Holiday != "国庆节" || d.Workday {
		t.Errorf("Day(%v) = %q, want 国庆节 off", late, dayString(d))
	}
	checkMidnight(t, "Day.Date", d.Date, "2026-10-01", loc)
	// 15:59 UTC is still 09-30 in Shanghai.
	if early := time.Date(2026, 9, 30, 15, 59, 0, 0, time.UTC); !c.IsWorkday(early) {
		t.Errorf("IsWorkday(%v) = false, want true (2026-09-30 23:59 in Shanghai)", early)
	}

	// The same instant, for a calendar in UTC, is still 09-30.
	cu, err := New(time.UTC, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cu.IsWorkday(late) {
		t.Errorf("UTC calendar: IsWorkday(%v) = false, want true", late)
	}
	checkMidnight(t, "UTC Day.Date", cu.Day(late).Date, "2026-09-30", time.UTC)
}

func TestOverrides(t *testing.T) {
	c := newCal(t,
		Override{Name: "国庆节", Date: "2028-10-02", IsOffDay: true},  // a Monday off
		Override{Name: "国庆节", Date: "2028-09-30", IsOffDay: false}, // a Saturday make-up day
		Override{Name: "临时", Date: "2026-10-10", IsOffDay: true},   // built-in make-up Saturday, now off
		Override{Name: "", Date: "2026-10-05", IsOffDay: false},    // built-in holiday, now a workday
	)
	loc := c.Location()
	tests := []struct {
		date string
		want string
	}{
		{"2028-10-02", "Mon off 国庆节 override"},
		{"2028-09-30", "Sat work 国庆节 makeup override"},
		{"2028-10-03", "Tue work"}, // no data beyond the overrides
		{"2026-10-10", "Sat off 临时 override"},
		{"2026-10-05", "Mon work override"},
		{"2026-10-06", "Tue off 国庆节"}, // the built-in table still applies
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			when := date(loc, tt.date)
			want := tt.date + " " + tt.want
			if got := dayString(c.Day(when)); got != want {
				t.Errorf("Day = %q, want %q", got, want)
			}
			if got, w := c.IsWorkday(when), strings.Contains(tt.want, "work"); got != w {
				t.Errorf("IsWorkday = %v, want %v", got, w)
			}
		})
	}
	checkMidnight(t, "NextWorkday 2026-10-09", c.NextWorkday(date(loc, "2026-10-09")), "2026-10-12", loc)
	checkMidnight(t, "NextWorkday 2028-09-29", c.NextWorkday(date(loc, "2028-09-29")), "2028-09-30", loc)
	if got := c.Workdays(date(loc, "2026-10-01"), date(loc, "2026-10-31")); got != 18 {
		// 18 built-in, -1 for 10-10 now off, +1 for 10-05 now a workday.
		t.Errorf("Workdays(October 2026) = %d, want 18", got)
	}

	var got []string
	for _, d := range c.Holidays(2028) {
		got = append(got, dayString(d))
	}
	want := []string{"2028-09-30 Sat work 国庆节 makeup override", "2028-10-02 Mon off 国庆节 override"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Holidays(2028) = %q, want %q", got, want)
	}
	// 10-05 became an ordinary workday and 10-10 an off day.
	var oct []string
	for _, d := range c.Holidays(2026) {
		if d.Date.Month() == time.October {
			oct = append(oct, ymd(d.Date))
		}
	}
	if g, w := strings.Join(oct, " "), "2026-10-01 2026-10-02 2026-10-03 2026-10-04 2026-10-06 2026-10-07 2026-10-10"; g != w {
		t.Errorf("Holidays(2026) in October = %s, want %s", g, w)
	}

	// Overrides do not leak into other calendars.
	plain := newCal(t)
	if !plain.IsWorkday(date(loc, "2026-10-10")) || plain.IsWorkday(date(loc, "2026-10-05")) {
		t.Error("overrides of one Calendar changed another")
	}
}

func TestHasData(t *testing.T) {
	plain := newCal(t)
	with := newCal(t,
		Override{Name: "国庆节", Date: "2028-10-02", IsOffDay: true},
		Override{Name: "国庆节", Date: "2029-09-29", IsOffDay: false}, // a make-up day only
	)
	tests := []struct {
		name string
		c    *Calendar
		year int
		want bool
	}{
		{"2026 built in", plain, 2026, true},
		{"2027 built in", plain, 2027, true},
		{"2002 built in", plain, 2002, true},
		{"2001 has only make-up days", plain, 2001, false},
		{"2000", plain, 2000, false},
		{"2028 without overrides", plain, 2028, false},
		{"2029 without overrides", plain, 2029, false},
		{"2028 with an override off day", with, 2028, true},
		{"2029 with only a make-up override", with, 2029, false},
		{"2026 with overrides", with, 2026, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.HasData(tt.year); got != tt.want {
				t.Errorf("HasData(%d) = %v, want %v", tt.year, got, tt.want)
			}
		})
	}
	c29 := newCal(t, Override{Name: "元旦", Date: "2029-01-01", IsOffDay: true})
	if !c29.HasData(2029) {
		t.Error("HasData(2029) = false with a 2029 off-day override")
	}
}

func TestNewErrors(t *testing.T) {
	ok := Override{Name: "国庆节", Date: "2028-10-02", IsOffDay: true}
	tests := []struct {
		name      string
		overrides []Override
		index     int
		sentinel  error
		msg       string
	}{
		{"bad month", []Override{ok, {Date: "2028-13-01"}}, 1, ErrInvalidDate, `override 1 (date "2028-13-01")`},
		{"one-digit month", []Override{{Date: "2028-1-01"}}, 0, ErrInvalidDate, `override 0 (date "2028-1-01")`},
		{"slashes", []Override{ok, {Date: "2028-10-03"}, {Date: "2028/10/04"}}, 2, ErrInvalidDate, `override 2 (date "2028/10/04")`},
		{"not a leap year", []Override{{Date: "2027-02-29"}}, 0, ErrInvalidDate, "override 0"},
		{"with time", []Override{{Date: "2028-10-02T00:00:00Z"}}, 0, ErrInvalidDate, "override 0"},
		{"missing date", []Override{ok, {Name: "x", IsOffDay: true}}, 1, ErrMissingDate, "override 1: missing date"},
		{"duplicate", []Override{ok, {Date: "2028-10-01"}, {Date: "2028-10-02"}}, 2, ErrDuplicateDate,
			`override 2 (date "2028-10-02"): duplicate date, also at index 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(shanghai(t), tt.overrides)
			if err == nil {
				t.Fatalf("New = %v, nil error; want an error", c)
			}
			checkOverrideError(t, err, tt.index, tt.sentinel, tt.msg)
			if !strings.HasPrefix(err.Error(), "workcal: new calendar: ") {
				t.Errorf("error %q lacks context", err)
			}
		})
	}
	if _, err := New(nil, nil); err == nil {
		t.Error("New(nil, nil): no error")
	}
}

func checkOverrideError(t *testing.T, err error, index int, sentinel error, msg string) {
	t.Helper()
	var oe *OverrideError
	if !errors.As(err, &oe) {
		t.Fatalf("error %q is not an *OverrideError", err)
	}
	if oe.Index != index {
		t.Errorf("error %q: Index = %d, want %d", err, oe.Index, index)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("error %q is not %v", err, sentinel)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
}

// TestConcurrent is meant for the race detector.
func TestConcurrent(t *testing.T) {
	loc := shanghai(t)
	shared := newCal(t, Override{Name: "国庆节", Date: "2028-10-02", IsOffDay: true})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			c := shared
			if g%2 == 0 {
				var err error
				c, err = New(loc, []Override{{Name: "x", Date: "2028-10-03", IsOffDay: true}})
				if err != nil {
					t.Error(err)
					return
				}
			}
			for i := range 200 {
				d := time.Date(2026, 9, 1+i, 10, 0, 0, 0, loc)
				c.IsWorkday(d)
				c.Day(d)
				c.NextWorkday(d)
				shared.IsWorkday(d)
			}
			shared.Workdays(time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2028, 12, 31, 0, 0, 0, 0, loc))
			shared.FirstWorkdayOfQuarter(time.Date(2026, 10, 1, 0, 0, 0, 0, loc))
			shared.Holidays(2026)
			shared.HasData(2028)
		})
	}
	wg.Wait()
}

func BenchmarkIsWorkday(b *testing.B) {
	c := newCal(b)
	loc := c.Location()
	for _, bc := range []struct {
		name string
		t    time.Time
	}{
		{"ordinary", time.Date(2026, 3, 16, 9, 0, 0, 0, loc)},
		{"holiday", time.Date(2026, 10, 1, 9, 0, 0, 0, loc)},
		{"utc", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				c.IsWorkday(bc.t)
			}
		})
	}
}

// BenchmarkLunarGoGetHoliday measures the library lookup that the Calendar
// precomputes, for comparison with BenchmarkIsWorkday.
func BenchmarkLunarGoGetHoliday(b *testing.B) {
	for _, day := range []string{"2026-03-16", "2026-10-01"} {
		b.Run(day, func(b *testing.B) {
			for b.Loop() {
				HolidayUtil.GetHoliday(day)
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	loc := shanghai(b)
	builtinTable() // the one-time load is measured by BenchmarkLoadBuiltin
	for b.Loop() {
		if _, err := New(loc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadBuiltin(b *testing.B) {
	for b.Loop() {
		loadBuiltin()
	}
}

func BenchmarkWorkdaysYear(b *testing.B) {
	c := newCal(b)
	loc := c.Location()
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 12, 31, 0, 0, 0, 0, loc)
	for b.Loop() {
		c.Workdays(from, to)
	}
}
