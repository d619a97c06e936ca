package roster

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// fold maps the full-width digits and punctuation that Chinese input
// methods produce to their ASCII forms, for dates and hours. It leaves 、
// and other ideographic punctuation alone.
var fold = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"：", ":", "－", "-", "／", "/", "．", ".", "（", "(", "）", ")",
	"～", "~", "　", " ",
)

// date is a civil date.
type date struct {
	y int
	m time.Month
	d int
}

func (d date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }

func (d date) in(loc *time.Location) time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc) }

// Dates outside these years are taken for a misread cell (a serial number
// that is not a date, a typo in the year).
const minYear, maxYear = 2000, 2099

var (
	dateRE     = regexp.MustCompile(`^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?`)
	dateTailRE = regexp.MustCompile(`^[\s(]*(?:(?:星期|周|礼拜)[一二三四五六日天]|\d{1,2}:\d{2}(?::\d{2})?)?[\s)]*$`)
	numberRE   = regexp.MustCompile(`^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$`)
)

// errNoYear is returned by parseDate for a date written without a year
// ("10月1日") when there is no earlier date to take the year from.
var errNoYear = errors.New("no year")

// parseDate reads a date cell: an Excel serial number (date1904 selects
// the 1904 date system), YYYYMMDD, or text such as "2026-10-01",
// "2026/10/1", "2026.10.01", "2026年10月1日" or "10月1日", optionally
// followed by a weekday or a midnight time. A date without a year takes it
// from prev (valid if havePrev), moving to the next year if the date would
// otherwise fall more than half a year before prev.
func parseDate(s string, date1904 bool, prev date, havePrev bool) (date, error) {
	s = strings.TrimSpace(fold.Replace(s))
	if numberRE.MatchString(s) {
		return parseSerial(s, date1904)
	}
	m := dateRE.FindStringSubmatchIndex(s)
	if m == nil || !dateTailRE.MatchString(s[m[1]:]) {
		return date{}, problem("RosterProblemDateUnreadable", "Value", quoted(s))
	}
	month, _ := strconv.Atoi(s[m[4]:m[5]])
	day, _ := strconv.Atoi(s[m[6]:m[7]])
	var year int
	if m[2] >= 0 {
		year, _ = strconv.Atoi(s[m[2]:m[3]])
	} else {
		if !havePrev {
			return date{}, problem("RosterProblemDateNoYear", "Value", quoted(s))
		}
		year = prev.y
		if d, ok := makeDate(year, month, day); ok && prev.in(time.UTC).Sub(d.in(time.UTC)) > 183*24*time.Hour {
			year++
		}
	}
	d, ok := makeDate(year, month, day)
	if !ok {
		return date{}, problem("RosterProblemDateInvalid", "Value", quoted(s))
	}
	if d.y < minYear || d.y > maxYear {
		return date{}, problem("RosterProblemDateRange", "Value", quoted(s), "Min", minYear, "Max", maxYear)
	}
	return d, nil
}

// parseSerial reads an Excel date serial number, or an 8-digit YYYYMMDD.
func parseSerial(s string, date1904 bool) (date, error) {
	if len(s) == 8 && (strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20")) {
		y, _ := strconv.Atoi(s[:4])
		mo, _ := strconv.Atoi(s[4:6])
		d, _ := strconv.Atoi(s[6:])
		if dt, ok := makeDate(y, mo, d); ok && y >= minYear && y <= maxYear {
			return dt, nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 1 || v > 2958465 {
		return date{}, problem("RosterProblemDateSerial", "Value", quoted(s))
	}
	t, err := excelize.ExcelDateToTime(math.Floor(v), date1904)
	if err != nil {
		return date{}, problem("RosterProblemDateSerial", "Value", quoted(s))
	}
	d := date{t.Year(), t.Month(), t.Day()}
	if d.y < minYear || d.y > maxYear {
		return date{}, problem("RosterProblemNotADate", "Value", quoted(s), "Date", d.String())
	}
	return d, nil
}

func makeDate(y, m, d int) (date, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return date{}, false
	}
	return date{y, time.Month(m), d}, true
}

// excelSerial returns the Excel (1900 system) serial number of d.
func excelSerial(d date) int {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return int(d.in(time.UTC).Sub(epoch).Hours() / 24)
}

// Default hours of a shift given as "全天" or not given at all.
const defaultStart = 8 * 60

var (
	clockRE   = regexp.MustCompile(`(\d{1,2})\s*(?::\s*(\d{2})(?::\d{2})?|[时点](?:(半)|(\d{1,2})分?)?)`)
	nextDayRE = regexp.MustCompile(`次日|翌日|第二天|次晨|隔天`)
	allDayRE  = regexp.MustCompile(`^(?:全天|全日|24小时|二十四小时|24h|整天)(?:值班)?$`)
)

// parseHours reads the hours of a shift and returns its start and end in
// minutes after midnight of its date; the end may fall on the next day (end
// >= 1440). An end written as "次日…" is on the next day; otherwise an end
// not after the start is on the next day. One time alone, "全天" or an empty
// cell mean 24 hours from that time (from 08:00).
func parseHours(s string) (start, end int, err error) {
	s = strings.TrimSpace(fold.Replace(s))
	if s == "" || allDayRE.MatchString(strings.ToLower(strings.ReplaceAll(s, " ", ""))) {
		return defaultStart, defaultStart + 24*60, nil
	}
	if numberRE.MatchString(s) {
		// A time of day typed into a cell formatted as time: 0.3333 is 08:00.
		if v, err := strconv.ParseFloat(s, 64); err == nil && v >= 0 && v < 1 {
			start = int(math.Round(v * 24 * 60))
			if start < 24*60 {
				return start, start + 24*60, nil
			}
		}
	}
	bad := problem("RosterProblemHoursUnreadable", "Value", quoted(s))
	ms := clockRE.FindAllStringSubmatchIndex(s, -1)
	if len(ms) == 0 || len(ms) > 2 {
		return 0, 0, bad
	}
	clocks := make([]int, len(ms))
	for i, m := range ms {
		h, _ := strconv.Atoi(s[m[2]:m[3]])
		var mins int
		switch {
		case m[4] >= 0:
			mins, _ = strconv.Atoi(s[m[4]:m[5]])
		case m[6] >= 0:
			mins = 30
		case m[8] >= 0:
			mins, _ = strconv.Atoi(s[m[8]:m[9]])
		}
		if h > 24 || mins > 59 || h == 24 && mins != 0 {
			return 0, 0, problem("RosterProblemTimeInvalid", "Time", quoted(s[m[0]:m[1]]), "Value", quoted(s))
		}
		clocks[i] = h*60 + mins
	}
	if nextDayRE.MatchString(s[:ms[0][0]]) {
		return 0, 0, bad
	}
	start = clocks[0]
	if start == 24*60 {
		return 0, 0, problem("RosterProblemStartsAt24", "Value", quoted(s))
	}
	if len(clocks) == 1 {
		return start, start + 24*60, nil
	}
	end = clocks[1]
	switch {
	case nextDayRE.MatchString(s[ms[0][1]:ms[1][0]]):
		end += 24 * 60
	case end <= start:
		end += 24 * 60
	}
	return start, end, nil
}

// formatHours writes the hours of a shift as parseHours reads them, or
// returns false if they cannot be written that way (seconds, or an end more
// than a day after the start date).
func formatHours(start, end time.Time) (string, bool) {
	if start.Second() != 0 || start.Nanosecond() != 0 || end.Second() != 0 || end.Nanosecond() != 0 {
		return "", false
	}
	sy, sm, sd := start.Date()
	next := time.Date(sy, sm, sd+1, 0, 0, 0, 0, start.Location())
	ey, em, ed := end.Date()
	clock := func(t time.Time) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }
	switch {
	case ey == sy && em == sm && ed == sd:
		return clock(start) + "-" + clock(end), true
	case ey == next.Year() && em == next.Month() && ed == next.Day():
		return clock(start) + "-次日" + clock(end), true
	}
	return "", false
}

// kindLabels are the Chinese names of the kinds, as written by Template and
// Export.
var kindLabels = []struct{ kind, label string }{
	{Daily, "日常"},
	{Holiday, "节假日"},
	{ImportantDate, "重要节点"},
	{FloodSeason, "汛期"},
	{ExtremeWeather, "极端天气"},
}

var kindNames = map[string]string{
	"日常": Daily, "常规": Daily, "平时": Daily, "工作日": Daily, "daily": Daily,
	"节假日": Holiday, "节日": Holiday, "假日": Holiday, "假期": Holiday, "holiday": Holiday,
	"重要节点": ImportantDate, "重要时段": ImportantDate, "重要节点日": ImportantDate, "重要时期": ImportantDate,
	"重要节日": ImportantDate, "important": ImportantDate, "importantdate": ImportantDate,
	"汛期": FloodSeason, "防汛": FloodSeason, "flood": FloodSeason, "floodseason": FloodSeason,
	"极端天气": ExtremeWeather, "extreme": ExtremeWeather, "extremeweather": ExtremeWeather,
}

// parseKind reads a 类型 cell; empty means Daily.
func parseKind(s string) (string, error) {
	k := strings.ToLower(strings.Join(strings.Fields(s), ""))
	if k == "" {
		return Daily, nil
	}
	if kind, ok := kindNames[k]; ok {
		return kind, nil
	}
	if kind, ok := kindNames[strings.TrimSuffix(k, "值班")]; ok {
		return kind, nil
	}
	return "", problem("RosterProblemKindUnknown", "Value", quoted(strings.TrimSpace(s)))
}

// kindLabel returns the Chinese name of kind, "" for "".
func kindLabel(kind string) (string, bool) {
	if kind == "" {
		return "", true
	}
	for _, kl := range kindLabels {
		if kl.kind == kind {
			return kl.label, true
		}
	}
	return "", false
}
