package rota

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
	"dutybot/weather"
)

// Alert kinds the roster raises; their answer buttons say 到岗签到 and 在岗.
const (
	KindCheckin   = "checkin"
	KindSpotcheck = "spotcheck"
)

// TopicShift marks the shift cycle's messages (reminders, the handover)
// (storage.Ref.Topic).
const TopicShift = "shift"

// alertLevel is the level of check-in and spot-check alerts: the roster
// gives their steps, the level only colours them.
const alertLevel = "yellow"

// Actions of the shift cycle, as in deadline keys "s:<action>:<shift id>".
const (
	actDayBefore = "remind1" // the reminder the day before
	actBefore    = "remind2" // the reminder shortly before the start
	actStart     = "start"   // check-in 叫应
	actEnd       = "end"     // close the check-in, ask for the handover note
)

func deadlineKey(action, shiftID string) string { return "s:" + action + ":" + shiftID }

func parseDeadlineKey(k string) (action, id string, ok bool) {
	rest, ok := strings.CutPrefix(k, "s:")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

// stamp ties a deadline to the shift's start, so a deadline left behind by
// an older version of the shift does nothing.
func stamp(sh Shift) string { return strconv.FormatInt(sh.Start.UnixNano(), 10) }

// checkinLink ties a shift to its check-in alert: at most one per shift.
func checkinLink(shiftID string) string { return "checkin:" + shiftID }

// scheduleShift stores the deadlines of a shift's cycle: the reminders,
// the start and the end. Times already past are skipped, except that a
// shift still in progress gets its start action at once.
func (s *Service) scheduleShift(tx *storage.Tx, sh Shift, now time.Time) error {
	st, err := LoadShiftState(tx, sh.ID)
	if err != nil {
		return err
	}
	if err := dropDeadlines(tx, &st); err != nil {
		return err
	}
	if sh.End.After(now) {
		add := func(action string, at time.Time) error {
			d := storage.Deadline{At: at, Key: deadlineKey(action, sh.ID), Payload: stamp(sh)}
			st.Deadlines = append(st.Deadlines, d)
			return tx.PutDeadline(d)
		}
		r := s.cfg.Roster
		if r.RemindDayBefore != "" {
			if h, m, err := config.ParseClock(r.RemindDayBefore); err == nil {
				ls := sh.Start.In(s.loc)
				at := time.Date(ls.Year(), ls.Month(), ls.Day()-1, h, m, 0, 0, s.loc)
				if at.Before(sh.Start) && !at.Before(now) {
					if err := add(actDayBefore, at); err != nil {
						return err
					}
				}
			}
		}
		if r.RemindBefore > 0 {
			if at := sh.Start.Add(-r.RemindBefore.D()); !at.Before(now) {
				if err := add(actBefore, at); err != nil {
					return err
				}
			}
		}
		if err := add(actStart, maxTime(sh.Start, now)); err != nil {
			return err
		}
		if err := add(actEnd, sh.End); err != nil {
			return err
		}
	}
	return PutShiftState(tx, st)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// unscheduleShift removes the deadlines scheduleShift stored.
func (s *Service) unscheduleShift(tx *storage.Tx, sh Shift) error {
	st, err := LoadShiftState(tx, sh.ID)
	if err != nil {
		return err
	}
	if len(st.Deadlines) == 0 {
		return nil
	}
	if err := dropDeadlines(tx, &st); err != nil {
		return err
	}
	return PutShiftState(tx, st)
}

func dropDeadlines(tx *storage.Tx, st *ShiftState) error {
	for _, d := range st.Deadlines {
		if err := tx.DeleteDeadline(d); err != nil {
			return err
		}
	}
	st.Deadlines = nil
	return nil
}

// Fire acts on the roster's due deadlines (keys "s:…"), inside the
// transaction that removes them. Only storage failures are errors: a shift
// that changed or vanished since is skipped.
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		action, id, ok := parseDeadlineKey(d.Key)
		if !ok {
			continue
		}
		sh, err := LoadShift(tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if d.Payload != stamp(sh) {
			continue // left behind by an older version of the shift
		}
		st, err := LoadShiftState(tx, id)
		if err != nil {
			return err
		}
		kept := st.Deadlines[:0]
		for _, x := range st.Deadlines {
			if x.Key != d.Key || !x.At.Equal(d.At) {
				kept = append(kept, x)
			}
		}
		st.Deadlines = kept
		if action == actStart {
			if err := s.expireSwaps(tx, sh, "RotaSwapGoneStarted", now); err != nil {
				return err
			}
		}
		active := true
		if sh.Standby() {
			if active, err = weather.DutyModeOn(tx); err != nil {
				return err
			}
		}
		switch {
		case action == actEnd:
			err = s.end(tx, sh, &st, now)
		case !active:
			// A standby shift outside extreme-weather duty mode does nothing.
		case action == actDayBefore || action == actBefore:
			err = s.remind(tx, sh, action, now)
		case action == actStart:
			err = s.start(tx, sh, &st, now)
		}
		if err != nil {
			return err
		}
		if err := PutShiftState(tx, st); err != nil {
			return err
		}
	}
	return nil
}

// shiftArg is a shift in an event's typed detail: its hours.
func shiftArg(sh Shift) storage.Arg { return storage.Span("Shift", sh.Start, sh.End) }

// remind tells each person of a shift that it is coming.
func (s *Service) remind(tx *storage.Tx, sh Shift, action string, now time.Time) error {
	when := map[string]string{actDayBefore: storage.WordDayBefore, actBefore: storage.WordBeforeStart}[action]
	for _, p := range people(sh) {
		detail := fmt.Sprintf("shift %s: %s", sh.ID, map[string]string{actDayBefore: "day before", actBefore: "before start"}[action])
		args := []storage.Arg{shiftArg(sh), storage.Word("When", storage.VocabWord, when)}
		if b, err := tx.Binding(p); err != nil || b.Unreachable {
			detail += ": not reached (not bound or blocked)"
			args = append(args, storage.Word("Unreached", storage.VocabWord, storage.WordUnreached))
		}
		err := s.engine.Tell(tx, []string{p}, "", storage.Ref{Kind: storage.RefInfo, Topic: TopicShift}, now,
			func(lang string) (string, [][]storage.Button) {
				id := "RotaRemindDayBefore"
				if action == actBefore {
					id = "RotaRemindBefore"
				}
				head := s.T(lang, id, map[string]any{"Role": s.roleOf(lang, sh, p),
					"Time": sh.Start.In(s.loc).Format("15:04")})
				return head + "\n" + s.Describe(lang, sh, nil), nil
			})
		if err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvShiftReminded, Official: p,
			Actor: "system", Detail: detail, Code: storage.CodeShiftReminded, Args: args}); err != nil {
			return err
		}
	}
	return s.remindGroup(tx, sh, action, now)
}

// remindGroup posts a shift reminder once in the duty group
// (roster.group), for everyone to see who is on duty: the hours, the
// 带班领导 and 值班人员 by name, never a phone number. The private reminders
// stay the record; a group the bot cannot post in is skipped.
func (s *Service) remindGroup(tx *storage.Tx, sh Shift, action string, now time.Time) error {
	g := s.cfg.Roster.Group
	if g == "" {
		return nil
	}
	_, err := s.engine.PostInGroup(tx, g, "rota:"+action+":"+sh.ID, storage.Ref{Kind: storage.RefInfo, Topic: TopicShift}, now,
		func(lang string) string { return s.GroupReminder(lang, sh, action) })
	return err
}

// GroupReminder words a shift reminder for a work group: who is on duty
// and when, by name only.
func (s *Service) GroupReminder(lang string, sh Shift, action string) string {
	id := "RotaGroupRemindDayBefore"
	if action == actBefore {
		id = "RotaGroupRemindBefore"
	}
	lines := []string{
		s.T(lang, id, map[string]any{"Time": sh.Start.In(s.loc).Format("15:04")}),
		s.T(lang, "RotaLineTime", map[string]any{"Hours": s.Hours(lang, sh)}),
		s.T(lang, "RotaLineLeader", map[string]any{"People": s.names([]string{sh.Leader})}),
		s.T(lang, "RotaLineStaff", map[string]any{"People": s.names(sh.Staff)}),
	}
	if sh.Place != "" {
		lines = append(lines, s.T(lang, "RotaLinePlace", map[string]any{"Place": sh.Place}))
	}
	return strings.Join(lines, "\n")
}

// dutySteps turns configured roster steps into alert steps: shift_leader
// names the leaders, office_head the head of roster.office; a step whose
// target resolves to nobody is left out. scale stretches the times.
func (s *Service) dutySteps(steps []config.Step, leaders []string, scale float64) []callout.Step {
	out := []callout.Step{}
	for _, st := range steps {
		to := st.To
		switch st.To {
		case config.ToShiftLeader:
			if len(leaders) == 0 {
				continue
			}
			to = callout.ToOfficials + strings.Join(leaders, ",")
		case config.ToOfficeHead:
			head := s.officeHead()
			if head == "" {
				continue
			}
			to = callout.ToOfficials + head
		}
		after := time.Duration(float64(st.After.D()) * scale).Round(time.Second)
		step := callout.Step{After: max(after, time.Second), Action: st.Action, To: to}
		if to != st.To {
			step.Role = st.To
		}
		out = append(out, step)
	}
	return out
}

// officeHead is the head of the unit that runs the duty system.
func (s *Service) officeHead() string {
	if u, ok := s.cfg.Unit(s.cfg.Roster.Office); ok {
		return u.Head
	}
	return ""
}

// start raises the shift's check-in 叫应 (到岗签到) to its leader and staff;
// raising it again is harmless.
func (s *Service) start(tx *storage.Tx, sh Shift, st *ShiftState, now time.Time) error {
	link := checkinLink(sh.ID)
	if id, ok := callout.LinkedAlert(tx, link); ok {
		st.Checkin = id
		return nil
	}
	lang := s.cfg.Language
	a, err := s.engine.CreateIn(tx, callout.Request{
		Kind:    KindCheckin,
		Level:   alertLevel,
		Title:   s.T(lang, "RotaCheckinTitle", map[string]any{"Hours": s.Hours(lang, sh)}),
		Body:    s.Describe(lang, sh, nil) + "\n" + s.T(lang, "RotaCheckinAsk", nil),
		Targets: callout.Targets{Officials: people(sh)},
		Source:  "rota",
		Links:   []string{link},
		Steps:   s.dutySteps(s.cfg.Roster.CheckinEscalation, []string{sh.Leader}, 1),
	}, now)
	var verr *callout.ValidationError
	switch {
	case errors.Is(err, callout.ErrLinked):
		return nil
	case errors.As(err, &verr):
		s.log.Error("cannot raise the check-in of a shift", "shift", sh.ID, "err", err)
		return tx.AppendEvent(storage.Event{At: now, Type: EvShiftStarted, Actor: "system",
			Detail: fmt.Sprintf("shift %s: no check-in: %v", sh.ID, err),
			Code:   storage.CodeShiftNoCheckin, Args: []storage.Arg{shiftArg(sh)}})
	case err != nil:
		return err
	}
	st.Checkin, st.StartedAt = a.ID, now
	return tx.AppendEvent(storage.Event{At: now, Type: EvShiftStarted, Alert: a.ID, Actor: "system",
		Detail: fmt.Sprintf("shift %s: check-in asked of %s", sh.ID, strings.Join(people(sh), ",")),
		Code:   storage.CodeShiftCheckin, Args: []storage.Arg{shiftArg(sh), storage.Officials("People", people(sh)...)}})
}

// end closes the check-in if still open and asks for the handover note.
func (s *Service) end(tx *storage.Tx, sh Shift, st *ShiftState, now time.Time) error {
	id, started := callout.LinkedAlert(tx, checkinLink(sh.ID))
	if started {
		if _, err := s.engine.CloseIn(tx, "system", id, now); err != nil &&
			!errors.Is(err, callout.ErrClosed) && !errors.Is(err, callout.ErrUnknownAlert) {
			return err
		}
	} else if sh.Standby() {
		return nil // never active: nothing to hand over
	}
	st.EndedAt = now
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvShiftEnded, Alert: id, Actor: "system",
		Detail: "shift " + sh.ID, Code: storage.CodeShiftEnded, Args: []storage.Arg{shiftArg(sh)}}); err != nil {
		return err
	}
	if !s.cfg.Roster.Handover {
		return nil
	}
	ps := people(sh)
	err := s.engine.Tell(tx, ps, "", storage.Ref{Kind: storage.RefInfo, Topic: TopicShift}, now,
		func(lang string) (string, [][]storage.Button) {
			return s.T(lang, "RotaHandoverAsk", map[string]any{"Hours": s.Hours(lang, sh)}),
				[][]storage.Button{{{Text: s.T(lang, "RotaButtonHandover", nil), Data: HandoverData(sh.ID)}}}
		})
	if err != nil {
		return err
	}
	return tx.AppendEvent(storage.Event{At: now, Type: EvHandoverAsked, Actor: "system",
		Detail: fmt.Sprintf("shift %s: asked %s", sh.ID, strings.Join(ps, ",")),
		Code:   storage.CodeHandoverAsked, Args: []storage.Arg{shiftArg(sh), storage.Officials("People", ps...)}})
}

// acked records a check-in (到岗签到) or a spot-check answer.
func (s *Service) acked(tx *storage.Tx, a callout.Alert, r callout.Recipient) error {
	var typ string
	switch a.Kind {
	case KindCheckin:
		typ = EvCheckedIn
	case KindSpotcheck:
		typ = EvSpotAnswered
	default:
		return nil
	}
	detail := strings.Join(a.Links, ",")
	var args []storage.Arg
	code := storage.CodeSpotAnswered
	if typ == EvCheckedIn {
		code = storage.CodeCheckedIn
		for _, l := range a.Links {
			if id, ok := strings.CutPrefix(l, "checkin:"); ok {
				if sh, err := LoadShift(tx, id); err == nil {
					args = append(args, shiftArg(sh))
				}
			}
		}
	}
	if r.AckedBy != r.Official {
		detail += ": taken over by " + r.AckedBy
		args = append(args, storage.Officials("By", r.AckedBy))
	}
	return tx.AppendEvent(storage.Event{At: r.AckedAt, Type: typ, Alert: a.ID, Official: r.Official,
		Actor: r.AckedBy, Detail: detail, Code: code, Args: args})
}

// stepped records 脱岗 when a spot check's recipient is escalated the first
// time.
func (s *Service) stepped(tx *storage.Tx, a callout.Alert, r callout.Recipient, esc callout.Escalation) error {
	if a.Kind != KindSpotcheck || esc.Action != config.ActionEscalate {
		return nil
	}
	n := 0
	for _, e := range r.Escalations {
		if e.Action == config.ActionEscalate {
			n++
		}
	}
	if n != 1 {
		return nil
	}
	why, word := "no answer", storage.WordNoAnswer
	if r.State == callout.StateUnreachable {
		why, word = "not reachable in Telegram", storage.WordUnreached
	}
	return tx.AppendEvent(storage.Event{At: esc.At, Type: EvAbsent, Alert: a.ID, Official: r.Official,
		Actor: "system", Detail: fmt.Sprintf("%s to spot check %s; told %s", why, a.ID, strings.Join(esc.People, ",")),
		Code: storage.CodeAbsent, Args: []storage.Arg{storage.Word("Why", storage.VocabWord, word),
			storage.Officials("Told", esc.People...)}})
}

// DutyMode switches extreme-weather duty mode on or off inside the
// transaction that changes warning w. On: standby shifts in progress are
// asked to check in, and leaders and the principal are told once per
// warning that leaders are on 24-hour duty. Off (and no other warning
// holds it on): open check-ins of standby shifts end.
func (s *Service) DutyMode(tx *storage.Tx, w weather.Warning, on bool, now time.Time) error {
	actor := w.Issuer
	if actor == "" {
		actor = "api"
		if w.Source != "api" {
			actor = "system"
		}
	}
	state := map[bool]string{true: storage.WordOn, false: storage.WordOff}[on]
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvDutyMode, Alert: w.ID, Actor: actor,
		Detail: fmt.Sprintf("%s: warning %s %s %s", state, w.ID, w.Type, w.Level),
		Code:   storage.CodeDutyMode, Args: []storage.Arg{storage.Word("State", storage.VocabWord, state),
			storage.Word("Type", storage.VocabWarningType, w.Type), storage.Word("Level", storage.VocabLevel, w.Level)}}); err != nil {
		return err
	}
	current, err := ShiftsOverlapping(tx, now, now.Add(time.Nanosecond))
	if err != nil {
		return err
	}
	if on {
		first, err := mark(tx, "duty_mode:"+w.ID, now)
		if err != nil {
			return err
		}
		if first {
			var leaders []string
			for _, o := range s.cfg.People().Officials {
				if o.HasRole(config.RoleLeader, config.RolePrincipal) {
					leaders = append(leaders, o.ID)
				}
			}
			err := s.engine.Tell(tx, leaders, "", storage.Ref{Kind: storage.RefInfo, Alert: w.ID}, now,
				func(lang string) (string, [][]storage.Button) {
					return s.T(lang, "RotaDutyModeOn", map[string]any{"Level": s.T(lang, "Level_"+w.Level, nil),
						"ID": w.ID}), nil
				})
			if err != nil {
				return err
			}
		}
		for _, sh := range current {
			if !sh.Standby() {
				continue
			}
			st, err := LoadShiftState(tx, sh.ID)
			if err != nil {
				return err
			}
			if err := s.start(tx, sh, &st, now); err != nil {
				return err
			}
			if err := PutShiftState(tx, st); err != nil {
				return err
			}
		}
		return nil
	}
	active, err := weather.ActiveWarnings(tx)
	if err != nil {
		return err
	}
	for _, o := range active {
		if o.ID != w.ID && o.DutyMode {
			return nil // still on for another warning
		}
	}
	for _, sh := range current {
		if !sh.Standby() {
			continue
		}
		if id, ok := callout.LinkedAlert(tx, checkinLink(sh.ID)); ok {
			if _, err := s.engine.CloseIn(tx, "system", id, now); err != nil &&
				!errors.Is(err, callout.ErrClosed) && !errors.Is(err, callout.ErrUnknownAlert) {
				return err
			}
		}
	}
	return nil
}

// Run runs what the deadlines do not: nothing, as every step of the shift
// cycle is a durable deadline; it returns when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
