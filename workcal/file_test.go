package workcal

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseFile(t *testing.T) {
	days2028 := []Override{
		{Name: "元旦", Date: "2028-01-01", IsOffDay: true},
		{Name: "国庆节", Date: "2028-09-30", IsOffDay: false},
		{Name: "国庆节", Date: "2028-10-02", IsOffDay: true},
	}
	days2027 := []Override{
		{Name: "元旦", Date: "2027-01-01", IsOffDay: true},
		{Name: "春节", Date: "2027-02-14", IsOffDay: false},
	}
	const notice2027 = "国务院办公厅关于2027年部分节假日安排的通知"
	tests := []struct {
		name string
		in   string
		want File
	}{
		{"per-date JSON", `{"days": [
    {"name": "元旦", "date": "2028-01-01", "isOffDay": true},
    {"name": "国庆节", "date": "2028-09-30", "isOffDay": false},
    {"name": "国庆节", "date": "2028-10-02", "isOffDay": true}
  ]}`, File{Overrides: days2028}},
		{"per-date YAML", `
# 2028, from the State Council notice
days:
  - name: 元旦
    date: 2028-01-01
    isOffDay: true
  - name: 国庆节
    date: "2028-09-30"
    isOffDay: false
  - {name: 国庆节, date: 2028-10-02, isOffDay: true}
`, File{Overrides: days2028}},
		{"per-date YAML flow", `{days: [{name: 元旦, date: 2028-01-01, isOffDay: true}, {name: 国庆节, date: 2028-09-30, isOffDay: false}, {name: 国庆节, date: 2028-10-02, isOffDay: true}]}`,
			File{Overrides: days2028}},
		{"per-date with papers but no year", `{"papers": ["x"], "days": [{"name": "元旦", "date": "2028-01-01", "isOffDay": true}]}`,
			File{Overrides: days2028[:1]}},
		{"holiday-cn year JSON", `{
  "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
  "$id": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2028.json",
  "year": 2028,
  "papers": ["https://www.gov.cn/"],
  "days": [
    {"name": "元旦", "date": "2028-01-01", "isOffDay": true},
    {"name": "国庆节", "date": "2028-09-30", "isOffDay": false},
    {"name": "国庆节", "date": "2028-10-02", "isOffDay": true}
  ]
}`, File{Years: []Year{{Year: 2028, Papers: []string{"https://www.gov.cn/"}, Days: days2028}}}},
		{"one year YAML with source", `
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知
days:
  - {name: 元旦, date: 2027-01-01, isOffDay: true}
  - {name: 春节, date: 2027-02-14, isOffDay: false}
`, File{Years: []Year{{Year: 2027, Source: notice2027, Days: days2027}}}},
		{"several years JSON", `{"years": [
  {"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知", "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
    {"name": "春节", "date": "2027-02-14", "isOffDay": false}]},
  {"year": 2028, "papers": ["a", "b"], "days": [
    {"name": "元旦", "date": "2028-01-01", "isOffDay": true},
    {"name": "国庆节", "date": "2028-09-30", "isOffDay": false},
    {"name": "国庆节", "date": "2028-10-02", "isOffDay": true}]}
]}`, File{Years: []Year{
			{Year: 2027, Source: notice2027, Days: days2027},
			{Year: 2028, Papers: []string{"a", "b"}, Days: days2028},
		}}},
		{"several years YAML", `
years:
  - year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    days:
      - {name: 元旦, date: 2027-01-01, isOffDay: true}
      - {name: 春节, date: 2027-02-14, isOffDay: false}
  - year: 2028
    papers: [a, b]
    days:
      - {name: 元旦, date: 2028-01-01, isOffDay: true}
      - {name: 国庆节, date: 2028-09-30, isOffDay: false}
      - {name: 国庆节, date: 2028-10-02, isOffDay: true}
`, File{Years: []Year{
			{Year: 2027, Source: notice2027, Days: days2027},
			{Year: 2028, Papers: []string{"a", "b"}, Days: days2028},
		}}},
		// Not JSON, but YAML flow style accepts the trailing comma.
		{"trailing comma", `{"days":[{"name":"元旦","date":"2028-01-01","isOffDay":true},]}`, File{Overrides: days2028[:1]}},
		{"null papers", `{"year": 2028, "papers": null, "days": [{"name": "元旦", "date": "2028-01-01", "isOffDay": true}]}`,
			File{Years: []Year{{Year: 2028, Days: days2028[:1]}}}},
		{"empty days", `{"days": []}`, File{Overrides: []Override{}}},
		{"a year without holidays", `{"year": 2029, "days": []}`, File{Years: []Year{{Year: 2029, Days: []Override{}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFile([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", tt.want); g != w {
				t.Errorf("ParseFile =\n%s\nwant\n%s", g, w)
			}
			if _, err := NewFromFile(shanghai(t), got); err != nil {
				t.Errorf("NewFromFile: %v", err)
			}
		})
	}
}

// yearErr is what a test expects of a *YearError; index -2 means none.
type yearErr struct {
	index, year int
}

var noYear = yearErr{index: -2}

func TestParseFileErrors(t *testing.T) {
	ok27 := `{"name": "元旦", "date": "2027-01-01", "isOffDay": true}`
	tests := []struct {
		name     string
		in       string
		year     yearErr
		day      int   // index of the day an *OverrideError names; -1: none
		sentinel error // nil: any
		msg      string
	}{
		// Per-date overrides.
		{"JSON bad date", `{"days":[{"name":"a","date":"2028-10-01","isOffDay":true},{"name":"b","date":"2028-02-30","isOffDay":true}]}`,
			noYear, 1, ErrInvalidDate, `override 1 (date "2028-02-30")`},
		{"JSON missing date", `{"days":[{"name":"a","date":"2028-10-01","isOffDay":true},{"name":"b","date":"2028-10-02","isOffDay":true},{"name":"c","isOffDay":true}]}`,
			noYear, 2, ErrMissingDate, "override 2: missing date"},
		{"JSON empty date", `{"days":[{"name":"c","date":"","isOffDay":true}]}`,
			noYear, 0, ErrMissingDate, "override 0"},
		{"JSON duplicate", `{"days":[{"name":"a","date":"2028-10-01","isOffDay":true},{"name":"b","date":"2028-10-01","isOffDay":false}]}`,
			noYear, 1, ErrDuplicateDate, `override 1 (date "2028-10-01"): duplicate date, also at index 0`},
		{"JSON missing isOffDay", `{"days":[{"name":"a","date":"2028-10-01"}]}`,
			noYear, 0, ErrMissingOffDay, `override 0 (date "2028-10-01"): missing isOffDay`},
		{"JSON wrong type", `{"days":[{"name":"a","date":"2028-10-01","isOffDay":true},{"name":"b","date":"2028-10-02","isOffDay":"yes"}]}`,
			noYear, 1, nil, "override 1:"},
		{"JSON days not a list", `{"days": 5}`, noYear, -1, nil, `"days": json: cannot unmarshal number`},
		{"JSON syntax", `{"days":[{"name":"a","date":"2028-10-01","isOffDay":true}`,
			noYear, -1, nil, "invalid JSON: unexpected end of JSON input"},
		{"JSON list at top", `[{"name":"a","date":"2028-10-01","isOffDay":true}]`, noYear, -1, nil, "invalid YAML"},
		{"YAML bad date", "days:\n  - {name: a, date: 2028-10-01, isOffDay: true}\n  - {name: b, date: 2028-10-1, isOffDay: true}\n",
			noYear, 1, ErrInvalidDate, `override 1 (date "2028-10-1")`},
		{"YAML missing date", "days:\n  - name: a\n    isOffDay: true\n",
			noYear, 0, ErrMissingDate, "override 0: missing date"},
		{"YAML duplicate", "days:\n  - {name: a, date: 2028-10-01, isOffDay: true}\n  - {name: b, date: 2028-10-02, isOffDay: true}\n  - {name: c, date: '2028-10-01', isOffDay: true}\n",
			noYear, 2, ErrDuplicateDate, "also at index 0"},
		{"YAML entry not a mapping", "days:\n  - {name: a, date: 2028-10-01, isOffDay: true}\n  - 2028-10-02\n",
			noYear, 1, nil, "override 1:"},
		{"YAML syntax", "days: [\n", noYear, -1, nil, "invalid YAML"},
		{"YAML list at top", "- {name: a, date: 2028-10-01, isOffDay: true}\n", noYear, -1, nil, "invalid YAML"},
		{"empty", "", noYear, -1, nil, `no "days", "year" or "years"`},
		{"null days", "days:\n", noYear, -1, nil, `no "days", "year" or "years"`},

		// One whole year.
		{"year without days", `{"year": 2028}`, yearErr{-1, 2028}, -1, nil, `year 2028: no "days" list`},
		{"day outside its year", `{"year": 2027, "days": [` + ok27 + `, {"name": "元旦", "date": "2028-01-01", "isOffDay": true}]}`,
			yearErr{-1, 2027}, 1, ErrOutsideYear, `year 2027: day 1 (date "2028-01-01"): date outside the year`},
		{"bad day in a year", "year: 2027\ndays:\n  - {name: a, date: 2027-02-30, isOffDay: true}\n",
			yearErr{-1, 2027}, 0, ErrInvalidDate, `year 2027: day 0 (date "2027-02-30"): invalid date`},
		{"duplicate day in a year", `{"year": 2027, "days": [` + ok27 + `, ` + ok27 + `]}`,
			yearErr{-1, 2027}, 1, ErrDuplicateDate, `year 2027: day 1 (date "2027-01-01"): duplicate date, also at index 0`},
		{"year not a number", `{"year": "2027", "days": []}`, yearErr{-1, 0}, -1, ErrInvalidYear, "year: invalid year: json: cannot unmarshal string"},
		{"year zero", `{"year": 0, "days": []}`, yearErr{-1, 0}, -1, ErrInvalidYear, "year: invalid year"},
		{"papers not a list", `{"year": 2027, "papers": "x", "days": []}`, yearErr{-1, 2027}, -1, nil, `year 2027: "papers": json: cannot unmarshal string`},
		{"source not a string", "year: 2027\nsource: [a]\ndays: []\n", yearErr{-1, 2027}, -1, nil, `year 2027: "source": yaml:`},

		// Several whole years.
		{"day outside its year in a list", `{"years": [{"year": 2027, "days": [` + ok27 + `]}, {"year": 2028, "days": [{"name": "元旦", "date": "2027-12-31", "isOffDay": true}]}]}`,
			yearErr{1, 2028}, 0, ErrOutsideYear, `years[1] (2028): day 0 (date "2027-12-31"): date outside the year`},
		{"duplicate year", "years:\n  - {year: 2027, days: []}\n  - {year: 2028, days: []}\n  - {year: 2027, days: []}\n",
			yearErr{2, 2027}, -1, ErrDuplicateYear, `years[2] (2027): duplicate year, also at years[0]`},
		{"missing year", `{"years": [{"days": []}]}`, yearErr{0, 0}, -1, ErrMissingYear, "years[0]: missing year"},
		{"year entry not a mapping", `{"years": [5]}`, yearErr{0, 0}, -1, nil, "years[0]: json: cannot unmarshal number"},
		{"years not a list", "years: 2027\n", noYear, -1, nil, `"years": yaml:`},
		{"years beside days", `{"days": [` + ok27 + `], "years": [{"year": 2027, "days": []}]}`,
			noYear, -1, ErrMixedForms, `top-level "years" and "days": per-date overrides and whole years mixed; give either a "days" list`},
		{"years beside year", "year: 2027\nyears: []\n", noYear, -1, ErrMixedForms, `top-level "years" and "year"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFile([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseFile = %+v, nil error; want an error", got)
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "workcal: parse calendar file: ") {
				t.Errorf("error %q lacks context", err)
			}
			checkFileError(t, err, tt.year, tt.day, tt.sentinel, tt.msg)
		})
	}
}

// checkFileError checks err against what a test expects: the *YearError
// and the day index of the *OverrideError it wraps (-1: none).
func checkFileError(t *testing.T, err error, year yearErr, day int, sentinel error, msg string) {
	t.Helper()
	var ye *YearError
	switch {
	case year.index == -2 && errors.As(err, &ye):
		t.Errorf("error %q: unexpected *YearError", err)
	case year.index != -2 && !errors.As(err, &ye):
		t.Errorf("error %q is not a *YearError", err)
	case year.index != -2 && (ye.Index != year.index || ye.Year != year.year):
		t.Errorf("error %q: YearError{Index: %d, Year: %d}, want {%d, %d}", err, ye.Index, ye.Year, year.index, year.year)
	}
	if day >= 0 {
		checkOverrideError(t, err, day, sentinel, msg)
		return
	}
	var oe *OverrideError
	if errors.As(err, &oe) {
		t.Errorf("error %q: unexpected *OverrideError", err)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("error %q is not %v", err, sentinel)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
}

// A whole year from a file replaces the built-in year: a date the table has
// off is a workday when the file does not list it, and the file's own off
// days count.
func TestWholeYearReplacesBuiltin(t *testing.T) {
	var days []Override
	for _, d := range []string{"01-01", "01-02", "01-03", "10-01", "10-02", "10-03", "10-04", "10-05", "10-06", "10-09"} {
		days = append(days, Override{Name: "国庆节", Date: "2026-" + d, IsOffDay: true})
	}
	days = append(days, Override{Name: "国庆节", Date: "2026-09-20", IsOffDay: false})
	loc := shanghai(t)
	c, err := NewFromFile(loc, File{Name: "2026.json", Years: []Year{{Year: 2026, Source: "test notice", Days: days}}})
	if err != nil {
		t.Fatal(err)
	}
	plain := newCal(t)
	tests := []struct {
		date       string
		want       string // dayString without the date
		wantPlain  string
		whyChanged string
	}{
		{"2026-10-07", "Wed work", "Wed off 国庆节", "built-in off day the file does not list"},
		{"2026-02-16", "Mon work", "Mon off 春节", "built-in 春节 the file does not list"},
		{"2026-10-10", "Sat off", "Sat work 国庆节 makeup", "built-in make-up day the file does not list"},
		{"2026-10-09", "Fri off 国庆节 override", "Fri work", "the file's own off day"},
		{"2026-10-05", "Mon off 国庆节 override", "Mon off 国庆节", ""},
		{"2026-09-20", "Sun work 国庆节 makeup override", "Sun work 国庆节 makeup", ""},
		{"2025-10-01", "Wed off 国庆中秋", "Wed off 国庆中秋", "other years keep the table"},
		{"2027-10-04", "Mon off 国庆节", "Mon off 国庆节", "other years keep the table"},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			when := date(loc, tt.date)
			if got, want := dayString(c.Day(when)), tt.date+" "+tt.want; got != want {
				t.Errorf("Day = %q, want %q (%s)", got, want, tt.whyChanged)
			}
			if got, want := c.IsWorkday(when), strings.Contains(tt.want, "work"); got != want {
				t.Errorf("IsWorkday = %v, want %v", got, want)
			}
			if got, want := dayString(plain.Day(when)), tt.date+" "+tt.wantPlain; got != want {
				t.Errorf("built-in Day = %q, want %q", got, want)
			}
		})
	}
	var got []string
	for _, d := range c.Holidays(2026) {
		got = append(got, ymd(d.Date))
	}
	if g, w := strings.Join(got, " "), "2026-01-01 2026-01-02 2026-01-03 2026-09-20 2026-10-01 2026-10-02 2026-10-03 2026-10-04 2026-10-05 2026-10-06 2026-10-09"; g != w {
		t.Errorf("Holidays(2026) = %s, want %s", g, w)
	}
	// 2026 by the Monday-to-Friday rule has 261 workdays; the file takes 7
	// weekdays off (01-01, 01-02, 10-01, 10-02, 10-05, 10-06, 10-09) and
	// adds one make-up Sunday.
	if got := c.Workdays(date(loc, "2026-01-01"), date(loc, "2026-12-31")); got != 261-7+1 {
		t.Errorf("Workdays(2026) = %d, want %d", got, 261-7+1)
	}
	if got := c.NextWorkday(date(loc, "2026-10-06")); ymd(got) != "2026-10-07" {
		t.Errorf("NextWorkday(10-06) = %s, want 2026-10-07", ymd(got))
	}
}

func TestSeveralWholeYears(t *testing.T) {
	loc := shanghai(t)
	f, err := ParseFile([]byte(`
years:
  - year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    days:
      - {name: 元旦, date: 2027-01-01, isOffDay: true}
      - {name: 国庆节, date: 2027-10-08, isOffDay: true}
  - year: 2028
    days:
      - {name: 元旦, date: 2028-01-03, isOffDay: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewFromFile(loc, f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		date string
		work bool
	}{
		{"2027-01-01", false}, // in the file
		{"2027-02-08", true},  // lunar-go's 春节 Monday, not in the file
		{"2027-01-31", false}, // lunar-go's make-up Sunday, not in the file
		{"2027-10-04", true},  // lunar-go's 国庆 Monday, not in the file
		{"2027-10-08", false}, // the file's
		{"2028-01-03", false},
		{"2028-10-02", true}, // no data: an ordinary Monday
		{"2026-10-05", false},
	}
	for _, tt := range tests {
		if got := c.IsWorkday(date(loc, tt.date)); got != tt.work {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.work)
		}
	}
	if !c.HasData(2027) || !c.HasData(2028) || c.HasData(2029) {
		t.Errorf("HasData 2027, 2028, 2029 = %v, %v, %v; want true, true, false", c.HasData(2027), c.HasData(2028), c.HasData(2029))
	}
}

func TestNewFromFileErrors(t *testing.T) {
	off := func(d string) Override { return Override{Name: "x", Date: d, IsOffDay: true} }
	tests := []struct {
		name     string
		f        File
		year     yearErr
		day      int
		sentinel error
		msg      string
	}{
		{"overrides and years", File{Overrides: []Override{off("2028-10-02")}, Years: []Year{{Year: 2027}}},
			noYear, -1, ErrMixedForms, "a file holds either per-date overrides or whole years"},
		{"day outside its year", File{Years: []Year{{Year: 2027, Days: []Override{off("2027-01-01"), off("2026-12-31")}}}},
			yearErr{0, 2027}, 1, ErrOutsideYear, `years[0] (2027): day 1 (date "2026-12-31")`},
		{"duplicate year", File{Years: []Year{{Year: 2027}, {Year: 2027}}},
			yearErr{1, 2027}, -1, ErrDuplicateYear, "also at years[0]"},
		{"no year", File{Years: []Year{{Days: []Override{off("2027-01-01")}}}},
			yearErr{0, 0}, -1, ErrInvalidYear, "years[0]: invalid year"},
		{"bad override", File{Overrides: []Override{off("2028-10-32")}}, noYear, 0, ErrInvalidDate, "override 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewFromFile(shanghai(t), tt.f)
			if err == nil {
				t.Fatalf("NewFromFile = %v, nil error; want an error", c)
			}
			if !strings.HasPrefix(err.Error(), "workcal: new calendar: ") {
				t.Errorf("error %q lacks context", err)
			}
			checkFileError(t, err, tt.year, tt.day, tt.sentinel, tt.msg)
		})
	}
}
