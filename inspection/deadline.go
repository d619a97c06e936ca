package inspection

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"dutybot/hazard"
)

// Errors of a typed deadline.
var (
	ErrBadDate      = errors.New("not a date: write 12-10, 2026-12-10 or 7天")
	ErrDeadlinePast = errors.New("the deadline has passed")
	ErrDeadlineFar  = errors.New("the deadline is more than a year ahead")
)

var (
	reDays = regexp.MustCompile(`^(\d{1,3})\s*(天|日|d|day|days)$`)
	reDate = regexp.MustCompile(`^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
)

// ParseDeadline reads a 整改 deadline as officials type it on site: a
// number of days (“7天”, “7d”), a day of this year (“12-10”, “12月10日”;
// one already past means next year's) or a full date (“2026-12-10”). A
// deadline runs to 23:59 of its day in loc; it must lie in the future and
// within the hazard loop's limit.
func ParseDeadline(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	now = now.In(loc)
	endOf := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 23, 59, 0, 0, loc)
	}
	var due time.Time
	if m := reDays.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n == 0 {
			return time.Time{}, ErrDeadlinePast
		}
		due = endOf(now.Year(), now.Month(), now.Day()+n)
	} else if m := reDate.FindStringSubmatch(s); m != nil {
		mon, _ := strconv.Atoi(m[2])
		day, _ := strconv.Atoi(m[3])
		year := now.Year()
		if m[1] != "" {
			year, _ = strconv.Atoi(m[1])
		}
		due = endOf(year, time.Month(mon), day)
		if due.Month() != time.Month(mon) || due.Day() != day || mon < 1 {
			return time.Time{}, ErrBadDate // 2-30, 13-01
		}
		if m[1] == "" && !due.After(now) {
			due = endOf(year+1, time.Month(mon), day)
		}
	} else {
		return time.Time{}, ErrBadDate
	}
	switch {
	case !due.After(now):
		return time.Time{}, ErrDeadlinePast
	case due.After(now.AddDate(0, 0, hazard.MaxDays)):
		return time.Time{}, ErrDeadlineFar
	}
	return due, nil
}
