package sandbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/rota"
	"dutybot/storage"
)

// DemoRosterFile is the name the demo roster is imported under; the
// record of the import (值班记录) shows it.
const DemoRosterFile = "沙盒演示值班表.yaml"

// demoShift is one 24-hour shift of the demo roster.
type demoShift struct {
	Date   time.Time // local midnight of the duty day
	Leader string    // 带班领导
	Staff  string    // 值班人员
}

// demoRoster plans the roster the sandbox loads at start, so that /duty,
// /roster and the board have people on them: the duty day under way at now
// and the next one, each a 24-hour shift from roster.day_starts, as the
// example's roster policy runs them. The 带班领导 are the duty leaders, then
// the 分管领导, then the principals; the 值班人员 the staff who are not among
// those leaders; each in configuration order, taken in turn. ok is false
// when the configuration has nobody for either column.
func demoRoster(cfg *config.Config, now time.Time) (shifts []demoShift, ok bool) {
	var leaders, staff []string
	for _, role := range []string{config.RoleDutyLeader, config.RoleLeader, config.RolePrincipal} {
		for _, o := range cfg.OfficialsWithRole(role) {
			if !slices.Contains(leaders, o.ID) {
				leaders = append(leaders, o.ID)
			}
		}
	}
	for _, o := range cfg.OfficialsWithRole(config.RoleStaff) {
		if !slices.Contains(leaders, o.ID) {
			staff = append(staff, o.ID)
		}
	}
	if len(leaders) == 0 || len(staff) == 0 {
		return nil, false
	}
	h, m, err := config.ParseClock(cfg.Roster.DayStarts)
	if err != nil {
		h, m, _ = config.ParseClock(config.DefaultDayStarts)
	}
	local := now.In(cfg.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, cfg.Location)
	if local.Before(time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, cfg.Location)) {
		day = day.AddDate(0, 0, -1) // the duty day that began yesterday is still under way
	}
	for i := range 2 {
		shifts = append(shifts, demoShift{Date: day.AddDate(0, 0, i),
			Leader: leaders[i%len(leaders)], Staff: staff[i%len(staff)]})
	}
	return shifts, true
}

// demoRosterYAML writes shifts as a YAML roster, the form `dutybot roster
// import` and the bot's chat read, with the hours of roster.day_starts.
func demoRosterYAML(cfg *config.Config, shifts []demoShift) []byte {
	var b strings.Builder
	b.WriteString("# dutybot sandbox: a demonstration roster of the duty day under way and the next\n")
	hours := cfg.Roster.DayStarts + "-次日" + cfg.Roster.DayStarts
	for _, sh := range shifts {
		fmt.Fprintf(&b, "- date: %s\n  time: %s\n  leader: %s\n  staff: [%s]\n",
			sh.Date.Format(time.DateOnly), hours, sh.Leader, sh.Staff)
	}
	return []byte(b.String())
}

// loadDemoRoster imports the demo roster through the import path every
// roster file takes (parse, then store with its reminders, check-ins and
// coverage check), as of now.
func (s *Sandbox) loadDemoRoster(now time.Time) error {
	shifts, ok := demoRoster(s.cfg, now)
	if !ok {
		s.log.Info("no demo roster: the configuration has no duty leader, leader or principal, or no staff")
		return nil
	}
	out, err := s.app.Coverage.ImportFile(DemoRosterFile, demoRosterYAML(s.cfg, shifts), "sandbox", DemoRosterFile)
	if err != nil {
		return fmt.Errorf("sandbox: demo roster: %w", err)
	}
	s.log.Info("demo roster loaded", "shifts", out.Added, "from", out.From, "to", out.To)
	stored, err := s.app.Rota.Between(out.From, out.To)
	if err != nil {
		return fmt.Errorf("sandbox: demo roster: %w", err)
	}
	for _, sh := range stored {
		if sh.Source == "import:"+DemoRosterFile {
			s.demoShifts = append(s.demoShifts, sh)
		}
	}
	return nil
}

// demoShiftNow is the demo shift under way at start; ok is false when no
// demo roster is loaded.
func (s *Sandbox) demoShiftNow() (rota.Shift, bool) {
	if len(s.demoShifts) == 0 {
		return rota.Shift{}, false
	}
	return s.demoShifts[0], true
}

// checkInDemoShift answers the 到岗签到 of the demo shift under way for its
// people, as they would have at its start, once the bot has raised it
// (its start deadline fires as soon as the bot runs). Nobody is bound when
// the sandbox starts, so left alone the sped-up check-in would be escalated
// to the office head and the principal within a minute and stay open on the
// board beside the story the reader plays.
func (s *Sandbox) checkInDemoShift(ctx context.Context) {
	sh, ok := s.demoShiftNow()
	if !ok {
		return
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(30 * time.Second)
	for {
		var alert string
		err := s.app.DB.View(func(tx *storage.Tx) error {
			st, err := rota.LoadShiftState(tx, sh.ID)
			alert = st.Checkin
			return err
		})
		if err != nil {
			s.log.Warn("sandbox: read the demo shift", "shift", sh.ID, "err", err)
			return
		}
		if alert != "" {
			for _, p := range append([]string{sh.Leader}, sh.Staff...) {
				if _, err := s.app.Engine.Ack(p, alert, p); err != nil && !errors.Is(err, callout.ErrAlready) {
					s.log.Warn("sandbox: check in the demo shift", "official", p, "err", err)
				}
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-giveUp:
			s.log.Warn("sandbox: the demo shift's check-in was not raised", "shift", sh.ID)
			return
		case <-tick.C:
		}
	}
}
