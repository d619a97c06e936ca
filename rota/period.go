package rota

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// maxPeriodDays bounds /roster, so one answer stays readable.
const maxPeriodDays = 62

// Period is a span of duty days asked for with /roster.
type Period struct {
	From, To time.Time // [From, To), at the start of duty days
	Name     string    // the holiday or important date, if named
}

// dayStart returns the start of the duty day of a date (its day_starts
// time).
func (s *Service) dayStart(y int, m time.Month, d int) time.Time {
	h, min, err := config.ParseClock(s.cfg.Roster.DayStarts)
	if err != nil {
		h, min = 8, 0
	}
	return time.Date(y, m, d, h, min, 0, 0, s.loc)
}

var (
	fullDateRE  = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	shortDateRE = regexp.MustCompile(`^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	yearRE      = regexp.MustCompile(`(\d{4})\s*年?`)
	// dateLikeRE matches what can only be meant as a date (a bad one).
	dateLikeRE = regexp.MustCompile(`^[\d\-/.年月日]+$`)
	yearOnlyRE = regexp.MustCompile(`^\d{4}年?$`)
)

// parseDate reads "2026-10-01", "2026/10/1", "2026年10月1日", "10-01" or
// "10月1日" as a date (midnight); without a year it is this year's, or
// with forward set the next one when this year's has passed.
func (s *Service) parseDate(text string, now time.Time, forward bool) (time.Time, bool) {
	text = strings.TrimSpace(text)
	local := now.In(s.loc)
	var y, m, d int
	if g := fullDateRE.FindStringSubmatch(text); g != nil {
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
	} else if g := shortDateRE.FindStringSubmatch(text); g != nil {
		y = local.Year()
		m, _ = strconv.Atoi(g[1])
		d, _ = strconv.Atoi(g[2])
	} else {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, s.loc)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false // 02-30 and the like
	}
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	if forward && shortDateRE.MatchString(text) && t.Before(today) {
		t = t.AddDate(1, 0, 0)
	}
	return t, true
}

// ParsePeriod reads the argument of /roster: nothing (this week, Monday
// to Monday), a date (the week from it), two dates (both included), or the
// name of a statutory holiday of this or next year or of an important date
// (roster.important_dates), optionally with a year ("国庆 2026").
func (s *Service) ParsePeriod(args string, now time.Time) (Period, error) {
	args = strings.TrimSpace(args)
	local := now.In(s.loc)
	if args == "" {
		monday := local.AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
		from := s.dayStart(monday.Year(), monday.Month(), monday.Day())
		return Period{From: from, To: from.AddDate(0, 0, 7)}, nil
	}
	fields := strings.Fields(args)
	if d1, ok := s.parseDate(fields[0], now, false); ok {
		from := s.dayStart(d1.Year(), d1.Month(), d1.Day())
		switch len(fields) {
		case 1:
			return Period{From: from, To: from.AddDate(0, 0, 7)}, nil
		case 2:
			d2, ok := s.parseDate(fields[1], now, false)
			if !ok {
				return Period{}, refuse("RotaRosterBadDate", map[string]any{"Text": fields[1]})
			}
			if d2.Before(d1) {
				return Period{}, refuse("RotaRosterBackwards", map[string]any{"From": fields[0], "To": fields[1]})
			}
			to := s.dayStart(d2.Year(), d2.Month(), d2.Day()+1)
			if to.Sub(from) > maxPeriodDays*24*time.Hour+time.Hour {
				return Period{}, refuse("RotaRosterTooLong", map[string]any{"Days": maxPeriodDays})
			}
			return Period{From: from, To: to}, nil
		}
		return Period{}, refuse("RotaRosterUsage", nil)
	}
	for _, f := range fields {
		if dateLikeRE.MatchString(f) && !yearOnlyRE.MatchString(f) {
			return Period{}, refuse("RotaRosterBadDate", map[string]any{"Text": f})
		}
	}
	return s.namedPeriod(args, now)
}

// namedPeriod finds a holiday or important date by name: the one in
// progress, else the nearest.
func (s *Service) namedPeriod(args string, now time.Time) (Period, error) {
	years := []int{now.In(s.loc).Year(), now.In(s.loc).Year() + 1}
	name := args
	if g := yearRE.FindStringSubmatch(args); g != nil {
		y, _ := strconv.Atoi(g[1])
		years = []int{y}
		name = strings.TrimSpace(strings.Replace(args, g[0], "", 1))
	}
	if name == "" {
		return Period{}, refuse("RotaRosterUsage", nil)
	}
	match := func(candidate string) bool {
		return candidate != "" && (strings.Contains(candidate, name) || strings.Contains(name, candidate))
	}
	var found []Period
	for _, y := range years {
		var cur *Period
		var last time.Time
		for _, d := range s.cal.Holidays(y) {
			if d.Workday || !match(d.Holiday) {
				cur = nil
				continue
			}
			if cur != nil && cur.Name == d.Holiday && d.Date.Equal(last.AddDate(0, 0, 1)) {
				cur.To = s.dayStart(d.Date.Year(), d.Date.Month(), d.Date.Day()+1)
			} else {
				found = append(found, Period{Name: d.Holiday,
					From: s.dayStart(d.Date.Year(), d.Date.Month(), d.Date.Day()),
					To:   s.dayStart(d.Date.Year(), d.Date.Month(), d.Date.Day()+1)})
				cur = &found[len(found)-1]
			}
			last = d.Date
		}
	}
	for _, r := range s.cfg.Roster.ImportantDates {
		if !match(r.Name) {
			continue
		}
		from, err1 := time.ParseInLocation(time.DateOnly, r.From, s.loc)
		to, err2 := time.ParseInLocation(time.DateOnly, r.To, s.loc)
		if err1 != nil || err2 != nil {
			continue
		}
		inYears := false
		for _, y := range years {
			inYears = inYears || from.Year() == y || to.Year() == y
		}
		if !inYears {
			continue
		}
		found = append(found, Period{Name: r.Name, From: s.dayStart(from.Year(), from.Month(), from.Day()),
			To: s.dayStart(to.Year(), to.Month(), to.Day()+1)})
	}
	if len(found) == 0 {
		return Period{}, refuse("RotaRosterUnknownName", map[string]any{"Name": args})
	}
	best, bestDist := found[0], time.Duration(1<<63-1)
	for _, p := range found {
		var dist time.Duration
		switch {
		case now.Before(p.From):
			dist = p.From.Sub(now)
		case !now.Before(p.To):
			dist = now.Sub(p.To)
		}
		if dist < bestDist {
			best, bestDist = p, dist
		}
	}
	return best, nil
}

// RosterText renders the shifts of a period one per line, cut below limit
// bytes (a byte count is never less than Telegram's character count).
func (s *Service) RosterText(lang string, p Period, limit int) (string, error) {
	shifts, err := s.Between(p.From, p.To)
	if err != nil {
		return "", err
	}
	name := ""
	if p.Name != "" {
		name = " · " + p.Name
	}
	last := p.To.AddDate(0, 0, -1).In(s.loc) // the last duty day
	from := p.From.In(s.loc)
	var sb strings.Builder
	sb.WriteString(s.T(lang, "RotaRosterHeader", map[string]any{
		"From": from.Format("2006-01-02"), "FromWeekday": s.weekday(lang, from),
		"To": last.Format("2006-01-02"), "ToWeekday": s.weekday(lang, last),
		"Name": name, "Count": len(shifts)}))
	if len(shifts) == 0 {
		sb.WriteString("\n" + s.T(lang, "RotaRosterEmpty", nil))
		return sb.String(), nil
	}
	reserve := len(s.T(lang, "RotaRosterMore", map[string]any{"Count": len(shifts)})) + 2
	for i, sh := range shifts {
		line := "\n" + s.Line(lang, sh)
		if sb.Len()+len(line)+reserve > limit {
			sb.WriteString("\n" + s.T(lang, "RotaRosterMore", map[string]any{"Count": len(shifts) - i}))
			break
		}
		sb.WriteString(line)
	}
	return sb.String(), nil
}

// Upcoming returns an official's shifts that have not started, soonest
// first, at most limit.
func (s *Service) Upcoming(official string, now time.Time, limit int) ([]Shift, error) {
	var out []Shift
	err := s.db.View(func(tx *storage.Tx) error {
		all, err := ShiftsStarting(tx, now.Add(time.Nanosecond), now.Add(nextShiftHorizon))
		if err != nil {
			return err
		}
		for _, sh := range all {
			if sh.Has(official) && len(out) < limit {
				out = append(out, sh)
			}
		}
		return nil
	})
	return out, err
}
