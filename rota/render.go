package rota

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/config"
)

// Refusal is a request refused for a reason the person should read: Key is
// its message id in the locale files, Data fills it in. Nothing changed.
type Refusal struct {
	Key  string
	Data map[string]any
}

func (r *Refusal) Error() string { return fmt.Sprintf("refused: %s %v", r.Key, r.Data) }

func refuse(key string, data map[string]any) *Refusal { return &Refusal{Key: key, Data: data} }

// MsgID is a value of Refusal.Data that is itself a message id, translated
// when the refusal is explained.
type MsgID string

// Explain renders a refusal in a language.
func (s *Service) Explain(lang string, r *Refusal) string {
	data := make(map[string]any, len(r.Data))
	for k, v := range r.Data {
		if id, ok := v.(MsgID); ok {
			v = s.T(lang, string(id), nil)
		}
		data[k] = v
	}
	return s.T(lang, r.Key, data)
}

// T translates a message id of the roster's locale files.
func (s *Service) T(lang, id string, data map[string]any) string { return s.tr.T(lang, id, data) }

// person renders an official as "张明（应急办）13800000001".
func (s *Service) person(lang, id string) string {
	o, _ := s.cfg.Official(id)
	return s.T(lang, "RotaPerson", map[string]any{"Name": s.cfg.OfficialName(id), "Unit": s.cfg.UnitNameOf(id), "Phone": config.DisplayPhone(o.Phone)})
}

// names joins display names with 、.
func (s *Service) names(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = s.cfg.OfficialName(id)
	}
	return strings.Join(out, "、")
}

// Hours renders when a shift runs: "12-01（周二）08:00–次日08:00".
func (s *Service) Hours(lang string, sh Shift) string {
	start, end := sh.Start.In(s.loc), sh.End.In(s.loc)
	to := end.Format("15:04")
	sd := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, s.loc)
	ed := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, s.loc)
	switch {
	case ed.Equal(sd):
	case ed.Equal(sd.AddDate(0, 0, 1)):
		to = s.T(lang, "RotaNextDay", map[string]any{"Time": to})
	default:
		to = end.Format("01-02 15:04")
	}
	return s.T(lang, "RotaHours", map[string]any{"Date": start.Format("01-02"), "Weekday": s.weekday(lang, start),
		"From": start.Format("15:04"), "To": to})
}

func (s *Service) weekday(lang string, t time.Time) string {
	return s.T(lang, fmt.Sprintf("RotaWeekday%d", int(t.Weekday())), nil)
}

// kindLabel names a kind of shift (节假日值班).
func (s *Service) kindLabel(lang, kind string) string {
	id := "RotaKind_" + kind
	if !s.tr.Has(id) {
		return kind
	}
	return s.T(lang, id, nil)
}

// roleOf says whether an official leads or staffs a shift.
func (s *Service) roleOf(lang string, sh Shift, official string) string {
	if sh.Leader == official {
		return s.T(lang, "RotaRoleLeader", nil)
	}
	return s.T(lang, "RotaRoleStaff", nil)
}

// Describe renders a shift over several lines: hours, 带班领导 and 值班人员
// with units and phones, place, duty phone and kind. mark, if set, adds a
// note after each person (their check-in).
func (s *Service) Describe(lang string, sh Shift, mark func(official string) string) string {
	who := func(id string) string {
		p := s.person(lang, id)
		if mark != nil {
			if m := mark(id); m != "" {
				p += " " + m
			}
		}
		return p
	}
	staff := make([]string, len(sh.Staff))
	for i, id := range sh.Staff {
		staff[i] = who(id)
	}
	lines := []string{
		s.T(lang, "RotaLineTime", map[string]any{"Hours": s.Hours(lang, sh)}),
		s.T(lang, "RotaLineLeader", map[string]any{"People": who(sh.Leader)}),
		s.T(lang, "RotaLineStaff", map[string]any{"People": strings.Join(staff, "；")}),
	}
	if sh.Place != "" {
		lines = append(lines, s.T(lang, "RotaLinePlace", map[string]any{"Place": sh.Place}))
	}
	if sh.Phone != "" {
		lines = append(lines, s.T(lang, "RotaLinePhone", map[string]any{"Phone": config.DisplayPhone(sh.Phone)}))
	}
	lines = append(lines, s.T(lang, "RotaLineKind", map[string]any{"Kind": s.kindLabel(lang, sh.Kind)}))
	if sh.Note != "" {
		lines = append(lines, s.T(lang, "RotaLineNote", map[string]any{"Note": sh.Note}))
	}
	return strings.Join(lines, "\n")
}

// Line renders a shift on one compact line for /roster.
func (s *Service) Line(lang string, sh Shift) string {
	kind := ""
	if sh.Kind != "" && sh.Kind != "daily" {
		kind = " · " + s.kindLabel(lang, sh.Kind)
	}
	return s.T(lang, "RotaRosterLine", map[string]any{"Hours": s.Hours(lang, sh), "Leader": s.cfg.OfficialName(sh.Leader),
		"Staff": s.names(sh.Staff), "Kind": kind})
}

// people returns a shift's leader and staff without repeats.
func people(sh Shift) []string {
	var out []string
	for _, p := range sh.People() {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// addUnique appends the ids not yet in list.
func addUnique(list []string, ids ...string) []string {
	for _, id := range ids {
		if id != "" && !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}
