package hazard

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Errors of a typed 整改期限.
var (
	ErrNotADate     = errors.New("not a date: write 12-10, 2026-12-10 or 7天")
	ErrDeadlinePast = errors.New("the deadline has passed")
	ErrDeadlineFar  = errors.New("the deadline is more than a year ahead")
)

var (
	reDays   = regexp.MustCompile(`^(\d{1,4})\s*(天内|日内|天|日|d|days?)?$`)
	reDate   = regexp.MustCompile(`^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$`)
	reMinute = regexp.MustCompile(`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})\s+(\d{1,2}):(\d{2})$`)
)

// ParseDeadline reads a 整改期限 as officials type it, in the town's time
// zone: a number of days (“7天”, “7天内”, “7d”, “7”) is the end of the
// seventh day from now; a day (“12-10”, “12月10日”, “12/10”; one already past
// this year is next year's) or a full date (“2026-12-10”, “2026年12月10日”)
// the end of that day, 23:59; “2026-12-10 18:00” that minute. It must lie
// ahead, within MaxDays.
func ParseDeadline(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	now = now.In(loc)
	endOf := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 0, 0, loc) }
	num := func(v string) int { n, _ := strconv.Atoi(v); return n }
	var due time.Time
	if m := reDays.FindStringSubmatch(s); m != nil {
		n := num(m[1])
		if n == 0 {
			return time.Time{}, ErrDeadlinePast
		}
		if n > MaxDays {
			return time.Time{}, ErrDeadlineFar
		}
		due = endOf(now.Year(), now.Month(), now.Day()+n)
	} else if m := reMinute.FindStringSubmatch(s); m != nil {
		y, mon, day, h, mi := num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5])
		due = time.Date(y, time.Month(mon), day, h, mi, 0, 0, loc)
		if due.Month() != time.Month(mon) || due.Day() != day || h > 23 || mi > 59 {
			return time.Time{}, ErrNotADate
		}
	} else if m := reDate.FindStringSubmatch(s); m != nil {
		mon, day, year := num(m[2]), num(m[3]), now.Year()
		if m[1] != "" {
			year = num(m[1])
		}
		due = endOf(year, time.Month(mon), day)
		if mon < 1 || due.Month() != time.Month(mon) || due.Day() != day {
			return time.Time{}, ErrNotADate // 2-30, 13-01
		}
		if m[1] == "" && !due.After(now) {
			due = endOf(year+1, time.Month(mon), day)
		}
	} else {
		return time.Time{}, ErrNotADate
	}
	switch {
	case !due.After(now):
		return time.Time{}, ErrDeadlinePast
	case due.After(now.AddDate(0, 0, MaxDays)):
		return time.Time{}, ErrDeadlineFar
	}
	return due, nil
}
