package incident

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// Deadline key prefixes, routed here by "i:".
const (
	remindPrefix = "i:r:" // i:r:<id>:<seconds before the due time>
	duePrefix    = "i:d:" // i:d:<id>
)

// schedule puts the durable deadlines of a new incident: a reminder
// incidents.remind before the due time (those already past are skipped:
// the call told the deadline) and the due time itself, which fires at once
// when the accident was reported after it.
func (s *Service) schedule(tx *storage.Tx, in Incident, now time.Time) error {
	for _, r := range s.cfg.Incidents.Remind {
		at := in.ReportDue.Add(-r.D())
		if !at.After(now) {
			continue
		}
		if err := tx.PutDeadline(remindDeadline(in, r.D())); err != nil {
			return err
		}
	}
	return tx.PutDeadline(storage.Deadline{At: in.ReportDue, Key: duePrefix + in.ID})
}

func remindDeadline(in Incident, before time.Duration) storage.Deadline {
	return storage.Deadline{At: in.ReportDue.Add(-before),
		Key: remindPrefix + in.ID + ":" + strconv.FormatInt(int64(before/time.Second), 10)}
}

// unschedule removes the clocks of an incident reported upward; Fire
// would ignore them anyway, this keeps the table small.
func (s *Service) unschedule(tx *storage.Tx, in Incident) error {
	for _, r := range s.cfg.Incidents.Remind {
		if err := tx.DeleteDeadline(remindDeadline(in, r.D())); err != nil {
			return err
		}
	}
	return tx.DeleteDeadline(storage.Deadline{At: in.ReportDue, Key: duePrefix + in.ID})
}

// Fire implements scheduler.FireFunc for the deadlines "i:…": reminders of
// the upward report to the responsible leaders, and at the due time, for a
// report not made, 迟报 recorded and a red 叫应 to the principals. It runs
// in the transaction that removes the deadlines, so each acts exactly once.
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		var err error
		switch {
		case strings.HasPrefix(d.Key, remindPrefix):
			rest := strings.TrimPrefix(d.Key, remindPrefix)
			i := strings.LastIndexByte(rest, ':')
			if i < 0 {
				s.log.Warn("incident: bad reminder deadline", "key", d.Key)
				continue
			}
			err = s.remind(tx, rest[:i], now)
		case strings.HasPrefix(d.Key, duePrefix):
			err = s.overdue(tx, strings.TrimPrefix(d.Key, duePrefix), d.At, now)
		default:
			s.log.Warn("incident: unknown deadline", "key", d.Key)
			continue
		}
		if errors.Is(err, ErrUnknownIncident) {
			s.log.Warn("incident: deadline of an unknown incident", "key", d.Key)
			continue
		}
		if err != nil {
			return fmt.Errorf("incident deadline %s: %w", d.Key, err)
		}
	}
	return nil
}

// remind tells the responsible leaders that the upward report is due soon.
func (s *Service) remind(tx *storage.Tx, id string, now time.Time) error {
	in, err := s.load(tx, id)
	if err != nil {
		return err
	}
	if in.Up != nil || !now.Before(in.ReportDue) {
		return nil // reported, or the due time has come: overdue speaks
	}
	left := in.ReportDue.Sub(now)
	to := s.Responsible()
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvReminder, Alert: id, Actor: "system",
		Detail: fmt.Sprintf("report due %s, %s left; reminded %s", s.stamp(in.ReportDue), minutes(left), strings.Join(to, ",")),
		Code:   storage.CodeIncidentReminder, Args: []storage.Arg{storage.Time("Due", in.ReportDue),
			storage.Int("Left", wholeMinutes(left)), storage.Officials("People", to...)}}); err != nil {
		return err
	}
	return s.engine.Tell(tx, to, "", storage.Ref{}, now, func(lang string) (string, [][]storage.Button) {
		return s.tr.T(lang, "IncidentReminder", map[string]any{"ID": in.ID, "Title": s.shortTitle(lang, in),
				"Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo(), "Left": int((left + time.Minute - 1) / time.Minute)}),
			s.reportUpButtons(lang, in)
	})
}

// overdue records 迟报 for an upward report not made by its due time and
// escalates: a red 叫应 to the principals, the late card to the
// responsible leaders.
func (s *Service) overdue(tx *storage.Tx, id string, at, now time.Time) error {
	in, err := s.load(tx, id)
	if err != nil {
		return err
	}
	if in.Up != nil || in.Late || !at.Equal(in.ReportDue) {
		return nil
	}
	in.Late, in.LateAt = true, now
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvLate, Alert: id, Actor: "system",
		Detail: fmt.Sprintf("not reported to %s by %s (迟报)", s.ReportTo(), s.stamp(in.ReportDue)),
		Code:   storage.CodeIncidentOverdue, Args: []storage.Arg{storage.Text("To", s.ReportTo()), storage.Time("Due", in.ReportDue)}}); err != nil {
		return err
	}
	lang := s.cfg.Language
	var principals []string
	for _, o := range s.cfg.OfficialsWithRole(config.RolePrincipal) {
		principals = append(principals, o.ID)
	}
	if len(principals) > 0 {
		a, err := s.engine.CreateIn(tx, callout.Request{Kind: KindIncident, Level: "red",
			Title: s.tr.T(lang, "IncidentLateAlertTitle", map[string]any{"ID": in.ID, "Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo()}),
			Body:  s.Facts(lang, in) + "\n" + s.tr.T(lang, "IncidentLateAlertAsk", map[string]any{"Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo()}), Targets: callout.Targets{Officials: principals}, Source: "incident",
			Links: []string{"incident-late:" + id}}, now)
		switch {
		case errors.Is(err, callout.ErrLinked):
		case err != nil:
			return fmt.Errorf("escalate to the principals: %w", err)
		default:
			in.Escalation = a.ID
		}
	} else {
		s.log.Warn("incident: 迟报 but no principal is configured to escalate to", "incident", id)
	}
	if err := PutIncident(tx, in); err != nil {
		return err
	}
	return s.engine.Tell(tx, s.Responsible(), "", storage.Ref{}, now, func(lang string) (string, [][]storage.Button) {
		return s.tr.T(lang, "IncidentLateCard", map[string]any{"ID": in.ID, "Title": s.shortTitle(lang, in),
			"Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo()}), s.reportUpButtons(lang, in)
	})
}

// minutes renders a duration as whole minutes for the log.
func minutes(d time.Duration) string {
	return fmt.Sprintf("%dm", wholeMinutes(d))
}

// wholeMinutes is d in minutes, rounded.
func wholeMinutes(d time.Duration) int { return int(d.Round(time.Minute) / time.Minute) }
