package workcal

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The built-in 2026 is the State Council's notice of 2025-11-04, as noted in
// the domain notes, independently of lunar-go's own list.
func TestBuiltin2026IsTheNotice(t *testing.T) {
	loc := shanghai(t)
	off := map[string]bool{}
	for _, r := range []struct {
		month    time.Month
		from, to int
	}{
		{1, 1, 3}, {2, 15, 23}, {4, 4, 6}, {5, 1, 5}, {6, 19, 21}, {9, 25, 27}, {10, 1, 7},
	} {
		for d := r.from; d <= r.to; d++ {
			off[time.Date(2026, r.month, d, 0, 0, 0, 0, loc).Format(time.DateOnly)] = true
		}
	}
	makeUp := map[string]bool{"2026-01-04": true, "2026-02-14": true, "2026-02-28": true,
		"2026-05-09": true, "2026-09-20": true, "2026-10-10": true}

	c := newCal(t)
	want := 0
	for d := time.Date(2026, 1, 1, 12, 0, 0, 0, loc); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		key := d.Format(time.DateOnly)
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		work := makeUp[key] || (!weekend && !off[key])
		if work {
			want++
		}
		day := c.Day(d)
		if day.Workday != work || c.IsWorkday(d) != work {
			t.Errorf("%s: %q, want workday %v", key, dayString(day), work)
		}
		if (off[key] || makeUp[key]) && day.Holiday == "" {
			t.Errorf("%s: %q has no holiday name", key, dayString(day))
		}
	}
	if want != 248 {
		t.Fatalf("the notice as written here has %d workdays, want 248", want)
	}
	if got := c.Workdays(time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 12, 31, 0, 0, 0, 0, loc)); got != 248 {
		t.Errorf("Workdays(2026) = %d, want 248", got)
	}
	if s := c.Source(2026); !s.Confirmed || s.Origin != OriginBuiltin {
		t.Errorf("Source(2026) = %+v, want confirmed built-in", s)
	}
}

func TestSources(t *testing.T) {
	loc := shanghai(t)
	mk := func(f File) *Calendar {
		t.Helper()
		c, err := NewFromFile(loc, f)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	off := func(d string) Override { return Override{Name: "x", Date: d, IsOffDay: true} }
	plain := mk(File{})
	overridden := mk(File{Name: "holidays.json", Overrides: []Override{
		off("2026-03-02"), off("2026-03-03"), off("2026-03-04"), // three in a confirmed year
		off("2027-03-01"),                    // one in the unconfirmed year
		off("2028-10-02"), off("2028-10-03"), // two in a year without built-in data
	}})
	whole := mk(File{Name: "years.yaml", Years: []Year{
		{Year: 2027, Source: "国务院办公厅关于2027年部分节假日安排的通知", Papers: []string{"p"}, Days: []Override{off("2027-10-01")}},
		{Year: 2028, Papers: []string{"https://example.gov.cn/2028.htm", "q"}, Days: []Override{off("2028-10-02")}},
		{Year: 2029, Days: []Override{off("2029-10-01")}},
		{Year: 2026, Days: []Override{off("2026-10-01")}},
	}})
	unnamed := mk(File{Years: []Year{{Year: 2030, Source: "s"}}}) // a year without holidays

	tests := []struct {
		name string
		c    *Calendar
		year int
		want YearSource
	}{
		{"built-in 2026", plain, 2026, YearSource{2026, OriginBuiltin, "State Council notice, built-in", true, 0}},
		{"built-in 2002", plain, 2002, YearSource{2002, OriginBuiltin, "State Council notice, built-in", true, 0}},
		{"built-in 2027 is unconfirmed", plain, 2027, YearSource{2027, OriginBuiltin, "lunar-go table, unconfirmed", false, 0}},
		{"no data 2028", plain, 2028, YearSource{2028, OriginNone, "no data", false, 0}},
		{"2001 has only make-up days", plain, 2001, YearSource{2001, OriginNone, "no data", false, 0}},
		{"no data 1999", plain, 1999, YearSource{1999, OriginNone, "no data", false, 0}},
		{"built-in with overrides", overridden, 2026,
			YearSource{2026, OriginBuiltin, "State Council notice, built-in, 3 dates overridden by holidays.json", true, 3}},
		{"unconfirmed with an override stays unconfirmed", overridden, 2027,
			YearSource{2027, OriginBuiltin, "lunar-go table, unconfirmed, 1 date overridden by holidays.json", false, 1}},
		{"per-date overrides of a year without data", overridden, 2028,
			YearSource{2028, OriginFile, "2 dates from holidays.json", true, 2}},
		{"untouched built-in year beside overrides", overridden, 2025, YearSource{2025, OriginBuiltin, "State Council notice, built-in", true, 0}},
		{"whole year with a source", whole, 2027,
			YearSource{2027, OriginFile, "from years.yaml, 国务院办公厅关于2027年部分节假日安排的通知", true, 0}},
		{"whole year with papers", whole, 2028,
			YearSource{2028, OriginFile, "from years.yaml, https://example.gov.cn/2028.htm, q", true, 0}},
		{"whole year with neither", whole, 2029, YearSource{2029, OriginFile, "from years.yaml", true, 0}},
		{"whole year replacing a confirmed one", whole, 2026, YearSource{2026, OriginFile, "from years.yaml", true, 0}},
		{"unnamed file", unnamed, 2030, YearSource{2030, OriginFile, "from the calendar file, s", true, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Source(tt.year); got != tt.want {
				t.Errorf("Source(%d) = %+v, want %+v", tt.year, got, tt.want)
			}
		})
	}

	if got, want := fmt.Sprint(plain.Sources(2026, 2028)), "[2026: State Council notice, built-in 2027: lunar-go table, unconfirmed 2028: no data]"; got != want {
		t.Errorf("Sources(2026, 2028) = %s, want %s", got, want)
	}
	if got := plain.Sources(2028, 2027); len(got) != 0 {
		t.Errorf("Sources(2028, 2027) = %v, want none", got)
	}
	for _, tt := range []struct {
		c    *Calendar
		want []int
	}{
		{plain, nil},
		{overridden, []int{2026, 2027, 2028}},
		{whole, []int{2026, 2027, 2028, 2029}},
		{unnamed, []int{2030}},
	} {
		if got := tt.c.FileYears(); !slices.Equal(got, tt.want) {
			t.Errorf("FileYears = %v, want %v", got, tt.want)
		}
	}
}

// Every built-in year up to confirmedThrough is confirmed, the later ones
// are not, and each has data.
func TestBuiltinYearsConfirmedThrough(t *testing.T) {
	c := newCal(t)
	for y := 2002; y <= 2027; y++ {
		s := c.Source(y)
		if s.Origin != OriginBuiltin || !c.HasData(y) {
			t.Errorf("Source(%d) = %+v, HasData %v; want built-in data", y, s, c.HasData(y))
		}
		if want := y <= 2026; s.Confirmed != want || strings.Contains(s.Detail, "unconfirmed") == want {
			t.Errorf("Source(%d) = %+v, want confirmed %v", y, s, want)
		}
	}
}
