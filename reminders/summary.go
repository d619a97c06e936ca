package reminders

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/duty"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/weather"
)

// overseen lists the units an official answers for in a brief: every unit
// for principals and admins, else their own unit and those they lead.
func (s *Service) overseen(o config.Official) []config.Unit {
	var out []config.Unit
	for _, u := range s.cfg.People().Units {
		if o.HasRole(config.RolePrincipal, config.RoleAdmin) || u.ID == o.Unit || u.Leader == o.ID || u.Head == o.ID {
			out = append(out, u)
		}
	}
	return out
}

// summaries builds the morning briefs or weekly digests of a rule.
func (s *Service) summaries(r *Rule, at time.Time) ([]storage.Job, error) {
	today := s.day(at)
	// Reports recorded yesterday, by the instance reported.
	var reported []duty.Instance
	var overdue []tasks.Item
	if r.Kind == config.KindBrief {
		yesterday := today.AddDate(0, 0, -1)
		err := s.db.View(func(tx *storage.Tx) error {
			evs, err := tx.EventsBetween(yesterday, today)
			for _, e := range evs {
				if e.Type != storage.EvReported {
					continue
				}
				id, _, _ := strings.Cut(e.Detail, " ")
				if in, ok := s.gen.Instance(id); ok {
					reported = append(reported, in)
				}
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if overdue, err = s.tasks.Overdue(s.clock.Now()); err != nil {
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
			text, err = s.brief(lang, r, o, today, reported, overdue)
		} else {
			text, err = s.digest(lang, r, o, today)
		}
		if err != nil {
			return nil, err
		}
		ref := storage.Ref{Kind: storage.RefInfo, Official: o.ID, Topic: topic(r.Kind)}
		caption := text + "\n\n" + s.tr.T(lang, "DigestChartCaption", nil)
		switch {
		case chart != nil && utf8.RuneCountInString(caption) <= maxCaption:
			// One message: the chart with the digest as its caption.
			jobs = append(jobs, storage.Job{ChatID: chat, Op: storage.OpPhoto, Photo: chart, Text: caption,
				Ref: ref, CreatedAt: s.clock.Now()})
		case chart != nil:
			jobs = append(jobs, storage.Job{ChatID: chat, Op: storage.OpSend, Text: text, Ref: ref, CreatedAt: s.clock.Now()},
				storage.Job{ChatID: chat, Op: storage.OpPhoto, Photo: chart,
					Text: s.tr.T(lang, "DigestChartCaption", nil), Ref: ref, CreatedAt: s.clock.Now()})
		default:
			jobs = append(jobs, storage.Job{ChatID: chat, Op: storage.OpSend, Text: text, Ref: ref, CreatedAt: s.clock.Now()})
		}
	}
	return jobs, nil
}

// maxCaption is Telegram's limit on a photo's caption, in characters.
const maxCaption = 1024

// brief is the 每日了解掌握 morning brief of one leader: yesterday's reports
// and what is overdue in the units they oversee (with the personal items
// of their people, and for principals and admins the leaders' own and the
// town's), open alerts, today's duty and warnings.
func (s *Service) brief(lang string, r *Rule, o config.Official, today time.Time, reported []duty.Instance, overdue []tasks.Item) (string, error) {
	var sb strings.Builder
	sb.WriteString(s.tr.T(lang, "BriefHeader", map[string]any{"Title": s.title(lang, r), "Date": today.Format("01-02")}))
	units := s.overseen(o)
	all := o.HasRole(config.RolePrincipal, config.RoleAdmin)
	sees := func(in duty.Instance) bool {
		return all || in.Owes(o.ID) || in.Unit != "" && slices.ContainsFunc(units, func(u config.Unit) bool { return u.ID == in.Unit })
	}
	total := 0
	for _, in := range reported {
		if sees(in) {
			total++
		}
	}
	// Missed periods per holder, in configuration order: units, then
	// officials owing items across units, then the town.
	missed := map[string]int{}
	for _, it := range overdue {
		if !sees(it.Instance) {
			continue
		}
		missed[it.Account()] += it.Missed
	}
	var lines []string
	for _, u := range s.cfg.People().Units {
		if n := missed[u.ID]; n > 0 {
			lines = append(lines, fmt.Sprintf("%s %d", u.Name, n))
		}
	}
	for _, off := range s.cfg.People().Officials {
		if n := missed["~"+off.ID]; n > 0 {
			lines = append(lines, fmt.Sprintf("%s %d", off.Name, n))
		}
	}
	if n := missed["*"]; n > 0 {
		lines = append(lines, fmt.Sprintf("%s %d", s.tr.T(lang, "TaskOverdueTown", nil), n))
	}
	sb.WriteString("\n" + s.tr.T(lang, "BriefReported", map[string]any{"Count": total}))
	if len(lines) == 0 {
		sb.WriteString("\n" + s.tr.T(lang, "BriefNoOverdue", nil))
	} else {
		sb.WriteString("\n" + s.tr.T(lang, "BriefOverdue", map[string]any{"Units": strings.Join(lines, "、")}))
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
		shifts, err := rota.ShiftsOverlapping(tx, today, today.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		dutyMode, err := weather.DutyModeOn(tx)
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
		warnings, err := weather.ActiveWarnings(tx)
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
	sb.WriteString(s.tr.T(lang, "DigestHeader", map[string]any{"Title": s.title(lang, r),
		"From": from.Format("01-02"), "To": monday.AddDate(0, 0, -1).Format("01-02")}))
	lines := s.tasks.CompletionLines(s.tr, lang, comps)
	for _, l := range lines {
		sb.WriteString("\n" + l)
	}
	if len(lines) == 0 {
		sb.WriteString("\n" + s.tr.T(lang, "DigestNothing", nil))
	}
	return sb.String(), nil
}
