package weather

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// Limits of what a warning may carry.
const (
	maxText  = 2000
	maxTitle = 200
)

// Request asks for a weather warning.
type Request struct {
	Type  string // config.WarningTypes
	Level string // valid for the type (config.WarningLevels)
	// Units are the affected units; none means every unit.
	Units []string
	// Groups are work groups (ids in groups:) where the warning's 叫应 is
	// posted as a group call for the officials each group expects; units
	// keep their 熔断 checklists. With groups and no units, only the
	// groups are called, and 熔断 covers every unit.
	Groups []string
	// Title is generated (暴雨红色预警) when empty.
	Title  string
	Text   string
	Issuer string // official id; empty for the API
	Source string // chat or api
}

// Result tells what a warning set going.
type Result struct {
	Warning    Warning
	Recipients int // officials called
	Items      int // 熔断 checklist items sent to units
	ItemUnits  int // units that received items
}

// Plan is what a request would do, for the preview of the guided flow.
type Plan struct {
	DutyMode  bool
	Meltdown  bool
	Items     int
	ItemUnits int
}

// Validate checks a request without creating anything; it normalises the
// type, level and units in place.
func (s *Service) Validate(req *Request) error {
	req.Type = strings.ToLower(strings.TrimSpace(req.Type))
	req.Level = strings.ToLower(strings.TrimSpace(req.Level))
	req.Title = strings.TrimSpace(req.Title)
	req.Text = strings.TrimSpace(req.Text)
	if !slices.Contains(config.WarningTypes, req.Type) {
		return &callout.ValidationError{Reason: fmt.Sprintf("type: %q is not a warning type; use %s",
			req.Type, strings.Join(config.WarningTypes, ", "))}
	}
	if !ValidLevel(req.Type, req.Level) {
		return &callout.ValidationError{Reason: fmt.Sprintf("level: %q is not a level of %s warnings; use %s",
			req.Level, req.Type, strings.Join(ValidLevels(req.Type), ", "))}
	}
	units, err := knownIDs("units", "unit", req.Units, func(id string) bool { _, ok := s.cfg.Unit(id); return ok })
	if err != nil {
		return err
	}
	req.Units = units
	groups, err := knownIDs("groups", "group", req.Groups, func(id string) bool { _, ok := s.cfg.Group(id); return ok })
	if err != nil {
		return err
	}
	req.Groups = groups
	if len([]rune(req.Text)) > maxText {
		return &callout.ValidationError{Reason: fmt.Sprintf("body: longer than %d characters", maxText)}
	}
	if len([]rune(req.Title)) > maxTitle {
		return &callout.ValidationError{Reason: fmt.Sprintf("title: longer than %d characters", maxTitle)}
	}
	if req.Issuer != "" && !s.CanWarn(req.Issuer) {
		return ErrForbidden
	}
	return nil
}

// Preview tells what a valid request would set going.
func (s *Service) Preview(req Request) Plan {
	p := Plan{DutyMode: slices.Contains(s.cfg.Weather.DutyModeLevels, req.Level),
		Meltdown: s.cfg.MeltdownTriggered(req.Type, req.Level)}
	if p.Meltdown {
		items := s.expand(Warning{Type: req.Type, Units: req.Units})
		p.Items, p.ItemUnits = len(items), len(unitsOf(items))
	}
	return p
}

// Issue sends a weather warning: the 叫应 alert to every official of the
// affected units, duty mode and 熔断 as configured, all in one transaction.
func (s *Service) Issue(req Request) (Result, error) {
	if err := s.Validate(&req); err != nil {
		return Result{}, err
	}
	now := s.clock.Now()
	var res Result
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		res, err = s.issueIn(tx, req, now)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	s.engine.Committed()
	w := res.Warning
	s.log.Info("weather warning issued", "warning", w.ID, "type", w.Type, "level", w.Level, "recipients", res.Recipients,
		"duty_mode", w.DutyMode, "meltdown_items", res.Items, "issuer", w.Issuer, "source", w.Source)
	return res, nil
}

func (s *Service) issueIn(tx *storage.Tx, req Request, now time.Time) (Result, error) {
	lang := s.cfg.Language
	plan := s.Preview(req)
	title := req.Title
	if title == "" {
		title = s.Title(lang, req.Type, req.Level)
	}
	targets := callout.Targets{Units: req.Units, Groups: req.Groups}
	if len(req.Units) == 0 && len(req.Groups) == 0 {
		targets = callout.Targets{All: true}
	}
	a, err := s.engine.CreateIn(tx, callout.Request{Kind: KindWeather, Level: req.Level, Title: title,
		Body: s.body(lang, req, plan), Targets: targets, Issuer: req.Issuer, Source: req.Source,
		Steps: s.steps(req.Level)}, now)
	if err != nil {
		return Result{}, err
	}
	w := Warning{ID: a.ID, Type: req.Type, Level: req.Level, Units: req.Units, Groups: req.Groups, Title: title, Text: req.Text,
		Issuer: req.Issuer, Source: req.Source, IssuedAt: now, State: WarningActive,
		DutyMode: plan.DutyMode, Meltdown: plan.Meltdown}
	actor := actorOf(req.Issuer, req.Source)
	if err := PutWarning(tx, w); err != nil {
		return Result{}, err
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvWarningIssued, Alert: w.ID, Actor: actor,
		Detail: fmt.Sprintf("%s %s: %d recipients, units %s", w.Type, w.Level, len(a.Recipients), unitList(w.Units)),
		Code:   storage.CodeWarningIssued, Args: []storage.Arg{storage.Word("Type", storage.VocabWarningType, w.Type),
			storage.Word("Level", storage.VocabLevel, w.Level), storage.Int("Count", len(a.Recipients)),
			storage.Units("Units", w.Units...)}}); err != nil {
		return Result{}, err
	}
	if w.DutyMode {
		if err := s.DutyMode(tx, w, true, now); err != nil {
			return Result{}, fmt.Errorf("switch duty mode on: %w", err)
		}
	}
	res := Result{Warning: w, Recipients: len(a.Recipients)}
	if w.Meltdown {
		if res.Items, res.ItemUnits, err = s.startMeltdown(tx, &w, now); err != nil {
			return Result{}, err
		}
		if err := PutWarning(tx, w); err != nil {
			return Result{}, err
		}
		res.Warning = w
	}
	if res.Items == 0 {
		// With a checklist, the board's first showing showed the groups.
		if err := s.showGroups(tx, w, nil, now); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// steps freezes a level's weather policy into an alert.
func (s *Service) steps(level string) []callout.Step {
	var out []callout.Step
	for _, st := range s.cfg.WeatherPolicy(level) {
		out = append(out, callout.Step{After: st.After.D(), Action: st.Action, To: st.To})
	}
	return out
}

// body is the text of the warning's call: the issuer's text, the standard
// instruction, the affected units, duty mode and 熔断.
func (s *Service) body(lang string, req Request, p Plan) string {
	var lines []string
	if req.Text != "" {
		lines = append(lines, req.Text)
	}
	instruction := "WarnBodyInstruction"
	if id := instruction + "_" + req.Level; s.tr.Has(id) {
		instruction = id // blue and yellow ask for readiness, not 到岗
	}
	lines = append(lines, s.tr.T(lang, instruction, nil))
	lines = append(lines, s.tr.T(lang, "WarnBodyUnits", map[string]any{"Units": s.UnitNames(lang, req.Units)}))
	if p.DutyMode {
		lines = append(lines, s.tr.T(lang, "WarnBodyDutyMode", nil))
	}
	if p.Meltdown && p.Items > 0 {
		lines = append(lines, s.tr.T(lang, "WarnBodyMeltdown", nil))
	}
	return strings.Join(lines, "\n")
}

// actorOf names who did something for the event log.
func actorOf(official, source string) string {
	switch {
	case official != "":
		return official
	case source == "api":
		return "api"
	}
	return "system"
}

func unitList(units []string) string {
	if len(units) == 0 {
		return "all"
	}
	return strings.Join(units, ",")
}

// knownIDs trims ids and drops repeats, keeping the order; an id the
// configuration does not know (known) is refused, named under
// targets.<field>.
func knownIDs(field, what string, ids []string, known func(string) bool) ([]string, error) {
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !known(id) {
			return nil, &callout.ValidationError{Reason: fmt.Sprintf("targets.%s: unknown %s %q", field, what, id)}
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}
