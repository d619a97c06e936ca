package roster

import (
	"errors"
	"slices"
	"strings"
	"time"

	"dutybot/config"
)

// exampleNote marks the example row of Template; a roster still holding it
// is refused rather than read as a real shift.
const exampleNote = "示例行：填写后请删除本行"

// errNoShifts is returned for a roster without any shift.
var errNoShifts = problem("RosterProblemNoShifts")

// busy is a shift a person is already on.
type busy struct {
	start, end time.Time
	row        int
}

// options say how build reads records.
type options struct {
	date1904 bool // date serial numbers are in the 1904 date system
	notes    bool // rows naming nobody, with neither hours nor a date, are notes to skip
}

// build checks records and turns them into shifts: all of them, or none
// and an Errors listing every problem.
func build(b *budget, recs []record, cfg *config.Config, opt options) ([]Shift, error) {
	if cfg == nil {
		return nil, errors.New("roster: nil configuration")
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	dir := newDirectory(cfg)
	var (
		shifts   []Shift
		errs     Errors
		prev     date // date of the last row with a date
		havePrev bool
		prevRow  int // row of prev; or of the last row whose date was bad
		prevBad  bool
		onDuty   = make(map[string][]busy)
	)
	for i := range recs {
		rec := &recs[i]
		if err := b.tick(); err != nil {
			return nil, err
		}
		if !rec.own {
			continue // empty, or only values merged down from above
		}
		bad := false
		fail := func(f field, err error) {
			bad = true
			errs.add(RowError{Row: rec.row, Column: f.col, Err: err})
		}

		note := opt.notes && rec.leader.value == "" && !rec.hasStaff() && rec.hours.value == ""
		var d date
		switch {
		case rec.date.value != "":
			var err error
			d, err = parseDate(rec.date.value, opt.date1904, prev, havePrev)
			if err != nil {
				if note {
					continue // a note under the table: "注：…", "制表人：…"
				}
				fail(rec.date, err)
				prevRow, prevBad = rec.row, true
			} else {
				prev, havePrev, prevRow, prevBad = d, true, rec.row, false
			}
		case note:
			continue // a note in another column
		case prevBad:
			fail(rec.date, problem("RosterProblemDateAboveInvalid", "Row", prevRow))
		case !havePrev:
			fail(rec.date, problem("RosterProblemNoDate"))
		default:
			d = prev // an empty date is the date of the row above
		}

		startMin, endMin, err := parseHours(rec.hours.value)
		if err != nil {
			fail(rec.hours, err)
		}

		var leader string
		switch ids, perrs := dir.resolve(rec.leader.value); {
		case rec.leader.value == "":
			fail(rec.leader, problem("RosterProblemNoLeader"))
		case len(perrs) > 0:
			for _, err := range perrs {
				fail(rec.leader, err)
			}
		case len(ids) > 1:
			names := make([]string, len(ids))
			for i, id := range ids {
				names[i] = dir.cfg.OfficialName(id)
			}
			fail(rec.leader, problem("RosterProblemTwoLeaders", "Count", len(ids), "Names", strings.Join(names, "、")))
		case len(ids) == 1:
			leader = ids[0]
		}

		staff := []string{}
		for _, f := range rec.staff {
			if f.value == "" {
				continue
			}
			ids, perrs := dir.resolve(f.value)
			for _, err := range perrs {
				fail(f, err)
			}
			for _, id := range ids {
				switch {
				case id == leader:
					fail(f, problem("RosterProblemLeaderIsStaff", "Name", dir.cfg.OfficialName(id)))
				case !slices.Contains(staff, id):
					staff = append(staff, id)
				}
			}
		}
		if !rec.hasStaff() {
			f := field{col: "值班人员"}
			if len(rec.staff) > 0 {
				f = rec.staff[0]
			}
			fail(f, problem("RosterProblemNoStaff"))
		}

		kind, err := parseKind(rec.kind.value)
		if err != nil {
			fail(rec.kind, err)
		}
		if rec.note.value == exampleNote {
			fail(rec.note, problem("RosterProblemExampleRow"))
		}
		if bad {
			continue
		}

		s := Shift{
			Start:  time.Date(d.y, d.m, d.d, 0, startMin, 0, 0, loc),
			End:    time.Date(d.y, d.m, d.d, 0, endMin, 0, 0, loc),
			Leader: leader,
			Staff:  staff,
			Place:  rec.place.value,
			Phone:  config.DisplayPhone(rec.phone.value),
			Kind:   kind,
			Note:   rec.note.value,
		}
		if !s.End.After(s.Start) {
			fail(rec.hours, problem("RosterProblemEndsBeforeStart", "End", s.End.Format("2006-01-02 15:04"), "Start", s.Start.Format("2006-01-02 15:04")))
		}
		// The same person cannot be on two shifts at once.
		check := func(id string, f field) {
			for _, b := range onDuty[id] {
				if s.Start.Before(b.end) && b.start.Before(s.End) {
					fail(f, problem("RosterProblemOverlap", "Name", dir.cfg.OfficialName(id), "Row", b.row, "Span", span(b.start, b.end)))
					return
				}
			}
		}
		check(leader, rec.leader)
		for _, id := range staff {
			check(id, staffField(rec, dir, id))
		}
		if bad {
			continue
		}
		for _, id := range append([]string{leader}, staff...) {
			onDuty[id] = append(onDuty[id], busy{s.Start, s.End, rec.row})
		}
		shifts = append(shifts, s)
	}
	if errs.Total > 0 {
		slices.SortStableFunc(errs.List, func(a, b RowError) int { return a.Row - b.Row })
		return nil, errs
	}
	if len(shifts) == 0 {
		return nil, errNoShifts
	}
	return shifts, nil
}

// staffField returns the staff field of rec that names id.
func staffField(rec *record, dir *directory, id string) field {
	for _, f := range rec.staff {
		if ids, _ := dir.resolve(f.value); slices.Contains(ids, id) {
			return f
		}
	}
	return rec.staff[0]
}

// span formats a shift's hours for messages: "2026-10-01 08:00–10-02 08:00".
func span(start, end time.Time) string {
	layout := "2006-01-02 15:04"
	y1, m1, d1 := start.Date()
	y2, m2, d2 := end.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		layout = "15:04"
	case y1 == y2:
		layout = "01-02 15:04"
	}
	return start.Format("2006-01-02 15:04") + "–" + end.Format(layout)
}
