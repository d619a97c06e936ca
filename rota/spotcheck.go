package rota

import (
	"fmt"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// MaxSpotcheckMinutes bounds the answer window of /spotcheck.
const MaxSpotcheckMinutes = 240

// Spotcheck is a 查岗 sent.
type Spotcheck struct {
	Alert    callout.Alert
	People   []string  // who must answer
	Deadline time.Time // the answer window ends (counted from now)
	Minutes  int
}

// CanSpotcheck reports whether an official may spot-check at all: duty
// leaders, admins and principals always, a 带班领导 while leading a shift.
func (s *Service) CanSpotcheck(official string, now time.Time) bool {
	o, ok := s.cfg.Official(official)
	if !ok {
		return false
	}
	if o.HasRole(config.RoleDutyLeader, config.RoleAdmin, config.RolePrincipal) {
		return true
	}
	leads := false
	_ = s.db.View(func(tx *storage.Tx) error {
		cur, _, err := current(tx, now)
		for _, sh := range cur {
			leads = leads || sh.Leader == official
		}
		return err
	})
	return leads
}

// Spotcheck sends a 查岗 叫应 to the people on duty now: the staff of the
// caller's shift if they lead one, else (duty leaders, admins, principals)
// of every shift in progress, and the leaders too unless the caller is the
// leader. minutes (0 for roster.spotcheck_within) is the answer window;
// the escalation steps are scaled to it. Silence at the first escalation
// is recorded as 脱岗.
func (s *Service) Spotcheck(caller string, minutes int) (Spotcheck, error) {
	now := s.clock.Now()
	o, ok := s.cfg.Official(caller)
	if !ok {
		return Spotcheck{}, refuse("RotaSpotcheckForbidden", nil)
	}
	if minutes < 0 || minutes > MaxSpotcheckMinutes {
		return Spotcheck{}, refuse("RotaSpotcheckUsage", map[string]any{"Max": MaxSpotcheckMinutes})
	}
	within := s.cfg.Roster.SpotcheckWithin.D()
	scale := 1.0
	if minutes > 0 {
		scale = float64(time.Duration(minutes)*time.Minute) / float64(within)
	} else {
		minutes = int(within.Minutes())
	}
	privileged := o.HasRole(config.RoleDutyLeader, config.RoleAdmin, config.RolePrincipal)
	var res Spotcheck
	err := s.db.Update(func(tx *storage.Tx) error {
		res = Spotcheck{Minutes: minutes}
		cur, _, err := current(tx, now)
		if err != nil {
			return err
		}
		var shifts []Shift
		for _, sh := range cur {
			if privileged || sh.Leader == caller {
				shifts = append(shifts, sh)
			}
		}
		if len(shifts) == 0 && !privileged {
			return refuse("RotaSpotcheckForbidden", nil)
		}
		var leaders, ids, hours []string
		lang := s.cfg.Language
		for _, sh := range shifts {
			leaders = addUnique(leaders, sh.Leader)
			ids = append(ids, sh.ID)
			hours = append(hours, s.Hours(lang, sh))
			if sh.Leader != caller {
				res.People = addUnique(res.People, sh.Leader)
			}
			for _, p := range sh.Staff {
				if p != caller {
					res.People = addUnique(res.People, p)
				}
			}
		}
		if len(res.People) == 0 {
			return refuse("RotaSpotcheckNobody", nil)
		}
		steps := s.dutySteps(s.cfg.Roster.SpotcheckEscalation, leaders, scale)
		res.Deadline = now.Add(time.Duration(minutes) * time.Minute)
		if len(steps) > 0 {
			res.Deadline = now.Add(steps[0].After)
		}
		res.Alert, err = s.engine.CreateIn(tx, callout.Request{
			Kind:  KindSpotcheck,
			Level: alertLevel,
			Title: s.T(lang, "RotaSpotcheckTitle", map[string]any{"Minutes": minutes}),
			Body: s.T(lang, "RotaSpotcheckBody", map[string]any{"Name": s.cfg.OfficialName(caller), "Unit": s.cfg.UnitNameOf(caller),
				"Hours": strings.Join(hours, "；")}),
			Targets: callout.Targets{Officials: res.People},
			Issuer:  caller,
			Source:  "rota",
			Steps:   steps,
		}, now)
		if err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: EvSpotcheck, Alert: res.Alert.ID, Actor: caller,
			Detail: fmt.Sprintf("shifts %s: %s within %d min", strings.Join(ids, ","), strings.Join(res.People, ","), minutes),
			Code:   storage.CodeSpotcheck, Args: []storage.Arg{storage.Int("Shifts", len(ids)),
				storage.Officials("People", res.People...), storage.Int("Minutes", minutes)}})
	})
	if err != nil {
		return Spotcheck{}, err
	}
	s.engine.Committed()
	return res, nil
}
