package reminders

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// day is the local midnight starting t's day.
func (s *Service) day(t time.Time) time.Time {
	l := t.In(s.cfg.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.cfg.Location)
}

// countdown lists a unit's open deadline items due in exactly one of the
// rule's days after the firing's day.
func (s *Service) countdown(tx *storage.Tx, r *Rule, unit string, at time.Time) ([]item, error) {
	today := s.day(at)
	far := slices.Max(r.Days)
	var out []item
	for _, in := range s.gen.UnitBetween(unit, today, today.AddDate(0, 0, far+1)) {
		if !slices.Contains(r.points, point{in.Task, in.Point}) {
			continue
		}
		left := int(s.day(in.Due).Sub(today).Hours()/24 + 0.5)
		if !slices.Contains(r.Days, left) {
			continue
		}
		st, err := tx.TaskState(in.ID())
		if err != nil {
			return nil, err
		}
		if !st.Done {
			out = append(out, item{in: in, progress: st.Progress, daysLeft: left})
		}
	}
	return out, nil
}

// overseen lists the units an official answers for in a brief: every unit
// for principals and admins, else their own unit and those they lead.
func (s *Service) overseen(o config.Official) []config.Unit {
	var out []config.Unit
	for _, u := range s.cfg.Units {
		if o.HasRole(config.RolePrincipal, config.RoleAdmin) || u.ID == o.Unit || u.Leader == o.ID || u.Head == o.ID {
			out = append(out, u)
		}
	}
	return out
}

// summaries builds the morning briefs or weekly digests of a rule.
func (s *Service) summaries(r *Rule, at time.Time) ([]storage.Job, error) {
	today := s.day(at)
	// Reports recorded yesterday, by unit (the instance id names the unit).
	reported := map[string]int{}
	if r.Kind == config.KindBrief {
		yesterday := today.AddDate(0, 0, -1)
		err := s.db.View(func(tx *storage.Tx) error {
			evs, err := tx.EventsBetween(yesterday, today)
			for _, e := range evs {
				if e.Type != storage.EvReported {
					continue
				}
				if parts := strings.SplitN(e.Detail, "/", 3); len(parts) == 3 {
					reported[parts[1]]++
				}
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	var chart []byte
	if r.Kind == config.KindDigest && s.Chart != nil {
		var err error
		if chart, err = s.Chart(at); err != nil {
			// The digest's text matters more than its picture.
			if s.Log != nil {
				s.Log.Warn("draw the answer-rate chart for the digest", "err", err)
			}
			chart = nil
		}
	}
	var jobs []storage.Job
	for _, o := range s.audience(r) {
		var chat int64
		var lang string
		if err := s.db.View(func(tx *storage.Tx) error {
			if b, err := tx.Binding(o.ID); err == nil && !b.Unreachable {
				chat = b.ChatID
			}
			lang = callout.LanguageOf(tx, s.cfg, o.ID)
			return nil
		}); err != nil {
			return nil, err
		}
		if chat == 0 {
			continue
		}
		var text string
		var err error
		if r.Kind == config.KindBrief {
			text, err = s.brief(lang, r, o, today, reported)
		} else {
			text, err = s.digest(lang, r, o, today)
		}
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, storage.Job{ChatID: chat, Op: storage.OpSend, Text: text,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: o.ID}, CreatedAt: s.clock.Now()})
		if chart != nil {
			jobs = append(jobs, storage.Job{ChatID: chat, Op: storage.OpPhoto, Photo: chart,
				Text: s.tr.T(lang, "DigestChartCaption", nil),
				Ref:  storage.Ref{Kind: storage.RefInfo, Official: o.ID}, CreatedAt: s.clock.Now()})
		}
	}
	return jobs, nil
}

// brief is the 每日了解掌握 morning brief of one leader.
func (s *Service) brief(lang string, r *Rule, o config.Official, today time.Time, reported map[string]int) (string, error) {
	var sb strings.Builder
	sb.WriteString(s.tr.T(lang, "BriefHeader", map[string]any{"Title": r.Title, "Date": today.Format("01-02")}))
	total := 0
	var overdue []string
	for _, u := range s.overseen(o) {
		total += reported[u.ID]
		g, err := s.tasks.ForUnit(u.ID, s.clock.Now())
		if err != nil {
			return "", err
		}
		if n := len(g.Overdue); n > 0 {
			overdue = append(overdue, fmt.Sprintf("%s %d", u.Name, n))
		}
	}
	sb.WriteString("\n" + s.tr.T(lang, "BriefReported", map[string]any{"Count": total}))
	if len(overdue) == 0 {
		sb.WriteString("\n" + s.tr.T(lang, "BriefNoOverdue", nil))
	} else {
		sb.WriteString("\n" + s.tr.T(lang, "BriefOverdue", map[string]any{"Units": strings.Join(overdue, "、")}))
	}
	open, err := s.engine.Open(o.ID)
	if err != nil {
		return "", err
	}
	sb.WriteString("\n" + s.tr.T(lang, "BriefAlerts", map[string]any{"Count": len(open)}))
	duty, err := s.dutyLines(lang, today)
	if err != nil {
		return "", err
	}
	sb.WriteString(duty)
	sb.WriteString("\n\n" + s.tr.T(lang, "BriefHint", nil))
	return sb.String(), nil
}

// dutyLines tells a brief's reader who is on duty today (the shifts that
// start on the day, standby extreme-weather shifts only in duty mode) and
// which weather warnings are in force.
func (s *Service) dutyLines(lang string, today time.Time) (string, error) {
	var sb strings.Builder
	err := s.db.View(func(tx *storage.Tx) error {
		shifts, err := tx.ShiftsOverlapping(today, today.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		dutyMode, err := tx.DutyModeOn()
		if err != nil {
			return err
		}
		n := 0
		for _, sh := range shifts {
			if sh.Start.Before(today) || sh.Standby() && !dutyMode {
				continue
			}
			staff := make([]string, len(sh.Staff))
			for i, id := range sh.Staff {
				staff[i] = s.cfg.OfficialName(id)
			}
			sb.WriteString("\n" + s.tr.T(lang, "BriefDuty", map[string]any{
				"Start": sh.Start.In(s.cfg.Location).Format("15:04"), "End": sh.End.In(s.cfg.Location).Format("01-02 15:04"),
				"Leader": s.cfg.OfficialName(sh.Leader), "Staff": strings.Join(staff, "、")}))
			n++
		}
		if n == 0 {
			sb.WriteString("\n" + s.tr.T(lang, "BriefNoDuty", nil))
		}
		warnings, err := tx.ActiveWarnings()
		if len(warnings) > 0 {
			sb.WriteString("\n" + s.tr.T(lang, "BriefWarnings", map[string]any{"Count": len(warnings)}))
		}
		return err
	})
	return sb.String(), err
}

// digest is last week's completion per unit, for principals.
func (s *Service) digest(lang string, r *Rule, o config.Official, today time.Time) (string, error) {
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	from := monday.AddDate(0, 0, -7)
	comps, err := s.tasks.Completions(from, monday, s.clock.Now())
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString(s.tr.T(lang, "DigestHeader", map[string]any{"Title": r.Title,
		"From": from.Format("01-02"), "To": monday.AddDate(0, 0, -1).Format("01-02")}))
	lines := 0
	for _, c := range comps {
		if c.Due == 0 {
			continue
		}
		u, _ := s.cfg.Unit(c.Unit)
		sb.WriteString("\n" + s.tr.T(lang, "UnitsLine", map[string]any{"Unit": u.Name, "Done": c.Done, "Due": c.Due,
			"Rate": 100 * c.Done / c.Due, "Overdue": c.Overdue}))
		lines++
	}
	if lines == 0 {
		sb.WriteString("\n" + s.tr.T(lang, "DigestNothing", nil))
	}
	return sb.String(), nil
}
