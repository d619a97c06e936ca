package incident

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// UpOutcome tells what recording an upward report did.
type UpOutcome struct {
	Incident Incident
	Report   UpReport
	// Supplement is true when it was the 补报 of a casualty change.
	Supplement bool
	// Over is how long after the due time a late first report came.
	Over time.Duration
}

// ReportUp records that an incident was reported upward (已上报) by
// official (empty for the API) to department (empty: incidents.report_to)
// now. The first report after the due time is 迟报; a later one answers a
// pending 补报. It closes the principals' escalation and tells everyone
// concerned.
func (s *Service) ReportUp(id, official, department, source string) (UpOutcome, error) {
	if official != "" && !s.CanReportUp(official) {
		return UpOutcome{}, ErrForbidden
	}
	department = strings.TrimSpace(department)
	if department == "" {
		department = s.ReportTo()
	}
	if len([]rune(department)) > maxPlace {
		return UpOutcome{}, invalid("to: longer than %d characters", maxPlace)
	}
	now := s.clock.Now()
	var out UpOutcome
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		out, err = s.reportUpIn(tx, id, actorOf(official, source), department, now)
		return err
	})
	if err != nil {
		return out, err
	}
	s.engine.Committed()
	s.log.Info("incident reported upward", "incident", id, "by", out.Report.By, "late", out.Report.Late, "supplement", out.Supplement)
	return out, nil
}

func (s *Service) reportUpIn(tx *storage.Tx, id, actor, department string, now time.Time) (UpOutcome, error) {
	in, err := s.load(tx, id)
	if err != nil {
		return UpOutcome{}, err
	}
	out := UpOutcome{Report: UpReport{At: now, By: actor, To: department}}
	official := ""
	if _, ok := s.cfg.Official(actor); ok {
		official = actor
	}
	switch {
	case in.Up == nil:
		out.Report.Late = now.After(in.ReportDue)
		in.Up = &out.Report
		in.SupplementDue = false // the first report carries the figures as they now stand
		detail := fmt.Sprintf("reported to %s at %s by %s (due %s)", department, s.stamp(now), actor, s.stamp(in.ReportDue))
		args := []storage.Arg{storage.Text("To", department), storage.Time("Due", in.ReportDue)}
		if out.Report.Late {
			out.Over = now.Sub(in.ReportDue)
			detail += fmt.Sprintf("; 迟报, %s late", minutes(out.Over))
			args = append(args, storage.Int("Late", wholeMinutes(out.Over)))
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvReportedUp, Alert: id, Official: official,
			Actor: actor, Detail: detail, Code: storage.CodeIncidentUp, Args: args}); err != nil {
			return out, err
		}
		if out.Report.Late && !in.Late {
			in.Late, in.LateAt = true, now
			if err := tx.AppendEvent(storage.Event{At: now, Type: EvLate, Alert: id, Official: official,
				Actor: actor, Detail: fmt.Sprintf("reported to %s at %s, %s after the due time %s (迟报)",
					department, s.stamp(now), minutes(out.Over), s.stamp(in.ReportDue)),
				Code: storage.CodeIncidentLate, Args: []storage.Arg{storage.Text("To", department),
					storage.Time("Due", in.ReportDue), storage.Int("Late", wholeMinutes(out.Over))}}); err != nil {
				return out, err
			}
		}
		if err := s.unschedule(tx, in); err != nil {
			return out, err
		}
		if in.Escalation != "" {
			if _, err := s.engine.CloseIn(tx, actor, in.Escalation, now); err != nil &&
				!errors.Is(err, callout.ErrClosed) && !errors.Is(err, callout.ErrUnknownAlert) {
				return out, err
			}
		}
	case in.SupplementDue:
		out.Supplement = true
		in.SupplementDue = false
		in.Supplements = append(in.Supplements, out.Report)
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvReportedUp, Alert: id, Official: official,
			Actor: actor, Detail: fmt.Sprintf("补报 to %s at %s by %s", department, s.stamp(now), actor),
			Code: storage.CodeIncidentUpAgain, Args: []storage.Arg{storage.Text("To", department)}}); err != nil {
			return out, err
		}
	default:
		out.Incident = in
		return out, ErrNothingToReport
	}
	if err := PutIncident(tx, in); err != nil {
		return out, err
	}
	out.Incident = in
	// The actor hears from the bot (or the API) what was recorded.
	return out, s.engine.Tell(tx, without(s.told(in), actor), "", storage.Ref{}, now, func(lang string) (string, [][]storage.Button) {
		return s.tr.T(lang, "IncidentUpDone", map[string]any{"ID": in.ID, "Time": s.clockTime(now, now),
			"By": s.actorName(lang, actor), "To": department, "Supplement": out.Supplement, "Late": out.Report.Late,
			"Over": int(out.Over.Round(time.Minute) / time.Minute)}), nil
	})
}
