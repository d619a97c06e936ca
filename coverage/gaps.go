package coverage

import (
	"sort"
	"time"

	"dutybot/rota"
	"dutybot/storage"
)

// Range is the stretch of time [From, To).
type Range struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Gap is a duty day of a special period that the stored shifts do not cover
// all through.
type Gap struct {
	Period Period
	// Day is the duty date, midnight in the configured location; its duty
	// runs from day_starts that day to day_starts the next.
	Day time.Time
	// Missing are the uncovered stretches of the day, in order. Time before
	// the check, or before a warning was issued, is not counted.
	Missing []Range
	// Whole is true when nobody at all is on duty that whole day.
	Whole bool
}

// maxCheckedDays bounds how many days of one long period (the flood season)
// the daily check lists at once: it looks a month ahead rather than listing
// six months of gaps every morning. Holidays and important dates are shorter.
const maxCheckedDays = 31

// uncovered returns the parts of w that no shift covers. shifts must be
// sorted by start. Standby shifts count only when standby is true; a shift
// without a leader or staff counts for nothing.
func uncovered(w Range, shifts []rota.Shift, standby bool) []Range {
	var out []Range
	at := w.From
	for _, s := range shifts {
		if !s.Start.Before(w.To) {
			break
		}
		if (s.Standby() && !standby) || s.Leader == "" || len(s.Staff) == 0 || !s.End.After(at) {
			continue
		}
		if s.Start.After(at) {
			out = append(out, Range{at, s.Start})
		}
		at = s.End
		if !at.Before(w.To) {
			return out
		}
	}
	return append(out, Range{at, w.To})
}

// gapsOf checks the duty days first..last of p against shifts (sorted by
// start), counting only time from after on.
func gapsOf(d days, p Period, first, last, after time.Time, shifts []rota.Shift) []Gap {
	var out []Gap
	for day := first; !day.After(last); day = d.add(day, 1) {
		full := Range{d.begin(day), d.end(day)}
		w := full
		if after.After(w.From) {
			w.From = after
		}
		if !w.From.Before(w.To) {
			continue
		}
		// Only shifts that may overlap w: those starting before its end and
		// no longer ago than the longest shift allowed.
		lo := sort.Search(len(shifts), func(i int) bool {
			return !shifts[i].Start.Before(w.From.Add(-rota.MaxShiftLength))
		})
		hi := sort.Search(len(shifts), func(i int) bool { return !shifts[i].Start.Before(w.To) })
		missing := uncovered(w, shifts[lo:hi], p.Standby())
		if len(missing) == 0 {
			continue
		}
		whole := len(missing) == 1 && missing[0] == full
		out = append(out, Gap{Period: p, Day: day, Missing: missing, Whole: whole})
	}
	return out
}

// check returns the gaps of each period over its days [first, last] as
// chosen by span, counting from now on. It reads the shifts once.
func check(tx *storage.Tx, d days, ps []Period, now time.Time,
	span func(Period) (first, last time.Time, ok bool)) ([]Gap, error) {
	type job struct {
		p           Period
		first, last time.Time
	}
	var jobs []job
	var lo, hi time.Time
	for _, p := range ps {
		first, last, ok := span(p)
		if !ok || last.Before(first) {
			continue
		}
		jobs = append(jobs, job{p, first, last})
		if lo.IsZero() || first.Before(lo) {
			lo = first
		}
		if last.After(hi) {
			hi = last
		}
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	shifts, err := rota.ShiftsOverlapping(tx, d.begin(lo), d.end(hi))
	if err != nil {
		return nil, err
	}
	var out []Gap
	for _, j := range jobs {
		after := now
		if j.p.NotBefore.After(after) {
			after = j.p.NotBefore
		}
		out = append(out, gapsOf(d, j.p, j.first, j.last, after, shifts)...)
	}
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
