package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Escalation targets that only on-duty alerts use: the 带班领导 of the shift
// concerned, and the head of the office that runs the duty system (roster.office).
const (
	ToShiftLeader = "shift_leader"
	ToOfficeHead  = "office_head"
)

// DutyTargets lists the targets valid in roster and weather escalation steps.
var DutyTargets = []string{ToShiftLeader, ToOfficeHead, ToUnitHead, ToLeader, ToPrincipal, ToDutyLeader}

// Roster configures on-duty rosters (值班表): reminders, check-in (到岗签到),
// spot checks (查岗) and coverage of special periods.
type Roster struct {
	// Office is the unit that runs the duty system (应急办 or 党政办): its
	// head is told of gaps and is the second step of check-in escalation.
	Office string `yaml:"office"`
	// DayStarts is when a duty day begins ("08:00"): a day of a special
	// period must be covered from DayStarts to DayStarts the next day.
	DayStarts string `yaml:"day_starts"`
	// RemindDayBefore is the time of day ("16:00") the day before a shift
	// when its people are reminded; "" turns that reminder off.
	RemindDayBefore string `yaml:"remind_day_before"`
	// RemindBefore is how long before the start the second reminder goes;
	// 0 turns it off.
	RemindBefore Duration `yaml:"remind_before"`
	// CheckinWithin is how long after the start 到岗签到 must be pressed.
	CheckinWithin Duration `yaml:"checkin_within"`
	// CheckinEscalation are the steps after the start for whoever has not
	// checked in; "after" counts from the start of the shift.
	CheckinEscalation []Step `yaml:"checkin_escalation"`
	// Handover asks the people of a shift for a 交接班 note at its end.
	Handover bool `yaml:"handover"`
	// SpotcheckWithin is the default answer window of /spotcheck.
	SpotcheckWithin Duration `yaml:"spotcheck_within"`
	// SpotcheckEscalation are the steps for silence after a spot check;
	// the first escalation records 脱岗.
	SpotcheckEscalation []Step `yaml:"spotcheck_escalation"`
	// GapDaysAhead is how many days before a special period its gaps are
	// reported to the office and the admins.
	GapDaysAhead int `yaml:"gap_days_ahead"`
	// GapCheckAt is the time of day the coverage check runs ("09:00").
	GapCheckAt string `yaml:"gap_check_at"`
	// ImportantDates are special periods (重要节点) as date ranges.
	ImportantDates []DateRange `yaml:"important_dates"`
	// FloodSeason is the yearly flood season (汛期), as month-day ranges.
	FloodSeason MonthDayRange `yaml:"flood_season"`
	// Holidays makes statutory holidays special periods (default true).
	Holidays *bool `yaml:"holidays"`
	// Import bounds the work of reading a roster file (rosterimport.go).
	Import RosterImport `yaml:"import"`
	// Group is a work group (an id in groups:) where each shift reminder
	// is also posted once, for everyone on duty to see; "" posts none.
	// The private reminders stay the record.
	Group string `yaml:"group"`
}

// DateRange is a named range of dates, both ends included.
type DateRange struct {
	Name string `yaml:"name"`
	From string `yaml:"from"` // 2026-10-01
	To   string `yaml:"to"`   // 2026-10-08
}

// MonthDayRange is a yearly range such as 04-01 to 09-30; empty is none.
type MonthDayRange struct {
	From string `yaml:"from"` // "04-01"
	To   string `yaml:"to"`   // "09-30"
}

// Weather configures weather warnings (/warn), extreme-weather duty mode and
// the 熔断 checklist.
type Weather struct {
	// Levels maps a warning level to the escalation policy its 叫应 uses
	// (a name in escalation.policies); unmapped levels use escalation.levels.
	Levels map[string]string `yaml:"levels"`
	// DutyModeLevels switch on extreme-weather duty mode (default orange, red).
	DutyModeLevels []string `yaml:"duty_mode_levels"`
	// Meltdown configures 熔断 and 禁停撤疏.
	Meltdown Meltdown `yaml:"meltdown"`
	// Groups are work groups (ids in groups:) where each warning's summary
	// is also posted when it is issued and when it is lifted; the private
	// calls stay the record.
	Groups []string `yaml:"groups"`
}

// Meltdown configures the 熔断 mechanism: which warnings trigger it and the
// checklist of 禁止/停止/撤离/疏散 actions units must confirm.
type Meltdown struct {
	// Triggers maps a warning type to the lowest level that triggers 熔断
	// ("off" never); types not listed use Default.
	Triggers map[string]string `yaml:"triggers"`
	// Default is the lowest triggering level for unlisted types (default red).
	Default string `yaml:"default"`
	// ConfirmWithin is how long units have to confirm their items before
	// the outstanding ones are escalated as a 叫应 alert.
	ConfirmWithin Duration `yaml:"confirm_within"`
	// Level is the level of that escalation alert (its policy applies).
	Level     string          `yaml:"level"`
	Checklist []ChecklistItem `yaml:"checklist"`
}

// Meltdown actions (禁停撤疏).
const (
	ActionForbid   = "forbid"   // 禁止
	ActionStop     = "stop"     // 停止
	ActionEvacuate = "evacuate" // 撤离
	ActionDisperse = "disperse" // 疏散
)

// MeltdownActions lists the 禁停撤疏 actions in order.
var MeltdownActions = []string{ActionForbid, ActionStop, ActionEvacuate, ActionDisperse}

// ChecklistItem is one 禁停撤疏 action for some units.
type ChecklistItem struct {
	Action string   `yaml:"action"` // forbid, stop, evacuate, disperse
	Text   string   `yaml:"text"`   // what to do, shown to the unit
	Units  []string `yaml:"units"`  // unit ids or "@tag"
	Types  []string `yaml:"types"`  // warning types it applies to; empty = all
	Count  bool     `yaml:"count"`  // ask for a number (people evacuated, sites stopped)
}

// Roster and weather defaults.
const (
	DefaultDayStarts       = "08:00"
	DefaultRemindDayBefore = "16:00"
	DefaultRemindBefore    = 30 * time.Minute
	DefaultCheckinWithin   = 15 * time.Minute
	DefaultSpotcheckWithin = 10 * time.Minute
	DefaultGapDaysAhead    = 7
	DefaultGapCheckAt      = "09:00"
	DefaultConfirmWithin   = 30 * time.Minute
)

func defaultRoster() Roster {
	return Roster{
		DayStarts:       DefaultDayStarts,
		RemindDayBefore: DefaultRemindDayBefore,
		RemindBefore:    Duration(DefaultRemindBefore),
		CheckinWithin:   Duration(DefaultCheckinWithin),
		Handover:        true,
		SpotcheckWithin: Duration(DefaultSpotcheckWithin),
		GapDaysAhead:    DefaultGapDaysAhead,
		GapCheckAt:      DefaultGapCheckAt,
		Import:          DefaultRosterImport(),
	}
}

// DefaultCheckinEscalation is 带班领导, then the office head, then the
// 主要负责人, counted from the start of a shift.
func DefaultCheckinEscalation(within time.Duration) []Step {
	return []Step{
		{After: Duration(within), Action: ActionEscalate, To: ToShiftLeader},
		{After: Duration(within + 15*time.Minute), Action: ActionEscalate, To: ToOfficeHead},
		{After: Duration(within + 30*time.Minute), Action: ActionEscalate, To: ToPrincipal},
	}
}

// HolidaysSpecial reports whether statutory holidays are special periods.
func (r Roster) HolidaysSpecial() bool { return r.Holidays == nil || *r.Holidays }

// ParseClock parses a time of day such as "08:00" into hours and minutes.
func ParseClock(s string) (h, m int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a time of day such as 08:00", s)
	}
	return t.Hour(), t.Minute(), nil
}

// ParseMonthDay parses "04-01" into month and day.
func ParseMonthDay(s string) (time.Month, int, error) {
	t, err := time.Parse("01-02", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a month-day such as 04-01", s)
	}
	return t.Month(), t.Day(), nil
}

func (c *Config) applyDutyDefaults() {
	r := &c.Roster
	if r.CheckinEscalation == nil {
		r.CheckinEscalation = DefaultCheckinEscalation(r.CheckinWithin.D())
	}
	if r.SpotcheckEscalation == nil {
		w := r.SpotcheckWithin.D()
		r.SpotcheckEscalation = []Step{
			{After: Duration(w), Action: ActionEscalate, To: ToShiftLeader},
			{After: Duration(2 * w), Action: ActionEscalate, To: ToOfficeHead},
			{After: Duration(3 * w), Action: ActionEscalate, To: ToPrincipal},
		}
	}
	if r.Office == "" {
		for _, u := range c.Units {
			if u.ID == "yjb" {
				r.Office = u.ID
			}
		}
	}
	w := &c.Weather
	if w.DutyModeLevels == nil {
		w.DutyModeLevels = []string{"orange", "red"}
	}
	if w.Meltdown.Default == "" {
		w.Meltdown.Default = "red"
	}
	if w.Meltdown.Level == "" {
		w.Meltdown.Level = "red"
	}
	if w.Meltdown.ConfirmWithin == 0 {
		w.Meltdown.ConfirmWithin = Duration(DefaultConfirmWithin)
	}
}

func (c *Config) validateRoster(e *errs) {
	r := c.Roster
	if r.Office != "" {
		if _, ok := c.Unit(r.Office); !ok {
			e.add("roster.office", "unit %q is not defined", r.Office)
		}
	}
	if _, _, err := ParseClock(r.DayStarts); err != nil {
		e.add("roster.day_starts", "%v", err)
	}
	if r.RemindDayBefore != "" {
		if _, _, err := ParseClock(r.RemindDayBefore); err != nil {
			e.add("roster.remind_day_before", "%v (or \"\" for no reminder)", err)
		}
	}
	if r.RemindBefore < 0 {
		e.add("roster.remind_before", "%s must not be negative", r.RemindBefore)
	}
	if r.CheckinWithin <= 0 {
		e.add("roster.checkin_within", "%s must be positive", r.CheckinWithin)
	}
	if r.SpotcheckWithin <= 0 {
		e.add("roster.spotcheck_within", "%s must be positive", r.SpotcheckWithin)
	}
	validateDutySteps(e, "roster.checkin_escalation", r.CheckinEscalation)
	validateDutySteps(e, "roster.spotcheck_escalation", r.SpotcheckEscalation)
	if r.GapDaysAhead < 0 || r.GapDaysAhead > 90 {
		e.add("roster.gap_days_ahead", "%d is not a number of days from 0 to 90", r.GapDaysAhead)
	}
	if _, _, err := ParseClock(r.GapCheckAt); err != nil {
		e.add("roster.gap_check_at", "%v", err)
	}
	for i, d := range r.ImportantDates {
		p := fmt.Sprintf("roster.important_dates[%d]", i)
		if strings.TrimSpace(d.Name) == "" {
			e.add(p+".name", `"" is empty; name the period (e.g. 全国两会)`)
		}
		from, err1 := time.Parse(time.DateOnly, d.From)
		if err1 != nil {
			e.add(p+".from", "%q is not a date such as 2026-03-04", d.From)
		}
		to, err2 := time.Parse(time.DateOnly, d.To)
		if err2 != nil {
			e.add(p+".to", "%q is not a date such as 2026-03-11", d.To)
		}
		if err1 == nil && err2 == nil && to.Before(from) {
			e.add(p+".to", "%s is before from (%s)", d.To, d.From)
		}
	}
	validateRosterImport(e, r.Import)
	fs := r.FloodSeason
	if (fs.From == "") != (fs.To == "") {
		e.add("roster.flood_season", "give both from and to (e.g. 04-01 and 09-30), or neither")
	} else if fs.From != "" {
		if _, _, err := ParseMonthDay(fs.From); err != nil {
			e.add("roster.flood_season.from", "%v", err)
		}
		if _, _, err := ParseMonthDay(fs.To); err != nil {
			e.add("roster.flood_season.to", "%v", err)
		}
	}
}

// validateDutySteps checks escalation steps of rosters and weather, which
// may also name shift_leader and office_head.
func validateDutySteps(e *errs, p string, steps []Step) {
	var prev Duration
	for i, s := range steps {
		sp := fmt.Sprintf("%s[%d]", p, i)
		switch {
		case s.After <= 0:
			e.add(sp+".after", "%q must be greater than 0", s.After.String())
		case i > 0 && s.After <= prev:
			e.add(sp+".after", "%q must be later than the previous step's %q", s.After.String(), prev.String())
		}
		prev = max(prev, s.After)
		switch s.Action {
		case ActionRemind:
			if s.To != "" {
				e.add(sp+".to", "%q is not allowed with action remind", s.To)
			}
		case ActionEscalate:
			if !slices.Contains(DutyTargets, s.To) {
				e.add(sp+".to", "%q is not one of %s", s.To, strings.Join(DutyTargets, ", "))
			}
		default:
			e.add(sp+".action", "%q must be %s or %s", s.Action, ActionRemind, ActionEscalate)
		}
	}
}

func (c *Config) validateWeather(e *errs) {
	w := c.Weather
	for _, level := range slices.Sorted(mapKeys(w.Levels)) {
		p := "weather.levels." + level
		if !slices.Contains(Levels, level) {
			e.add(p, "unknown level; use %s", strings.Join(Levels, ", "))
		} else if _, ok := c.Escalation.Policies[w.Levels[level]]; !ok {
			e.add(p, "policy %q is not defined in escalation.policies", w.Levels[level])
		}
	}
	for i, l := range w.DutyModeLevels {
		if !slices.Contains(Levels, l) {
			e.add(fmt.Sprintf("weather.duty_mode_levels[%d]", i), "%q is not one of %s", l, strings.Join(Levels, ", "))
		}
	}
	m := w.Meltdown
	validLevelOrOff := func(p, l string) {
		if l != "off" && !slices.Contains(Levels, l) {
			e.add(p, "%q is not one of %s or off", l, strings.Join(Levels, ", "))
		}
	}
	validLevelOrOff("weather.meltdown.default", m.Default)
	for _, t := range slices.Sorted(mapKeys(m.Triggers)) {
		if !slices.Contains(WarningTypes, t) {
			e.add("weather.meltdown.triggers."+t, "unknown warning type; use %s", strings.Join(WarningTypes, ", "))
			continue
		}
		validLevelOrOff("weather.meltdown.triggers."+t, m.Triggers[t])
	}
	if m.ConfirmWithin <= 0 {
		e.add("weather.meltdown.confirm_within", "%s must be positive", m.ConfirmWithin)
	}
	if !slices.Contains(Levels, m.Level) {
		e.add("weather.meltdown.level", "%q is not one of %s", m.Level, strings.Join(Levels, ", "))
	}
	for i, it := range m.Checklist {
		p := fmt.Sprintf("weather.meltdown.checklist[%d]", i)
		if !slices.Contains(MeltdownActions, it.Action) {
			e.add(p+".action", "%q is not one of %s", it.Action, strings.Join(MeltdownActions, ", "))
		}
		if strings.TrimSpace(it.Text) == "" {
			e.add(p+".text", `"" is empty; say what the unit must do`)
		}
		if len(it.Units) == 0 {
			e.add(p+".units", "no units; name unit ids or @tags")
		}
		for j, u := range it.Units {
			up := fmt.Sprintf("%s.units[%d]", p, j)
			if tag, ok := strings.CutPrefix(u, "@"); ok {
				if !c.hasTag(tag) {
					e.add(up, "no unit has tag %q", tag)
				}
			} else if _, ok := c.Unit(u); !ok {
				e.add(up, "unit %q is not defined", u)
			}
		}
		for j, t := range it.Types {
			if !slices.Contains(WarningTypes, t) {
				e.add(fmt.Sprintf("%s.types[%d]", p, j), "unknown warning type %q; use %s", t, strings.Join(WarningTypes, ", "))
			}
		}
	}
}

func (c *Config) hasTag(tag string) bool {
	for _, u := range c.Units {
		if slices.Contains(u.Tags, tag) {
			return true
		}
	}
	return false
}

// UnitsMatching returns the ids of the units selected by ids and "@tag"s,
// in configuration order.
func (c *Config) UnitsMatching(sel []string) []string {
	var out []string
	for _, u := range c.People().Units {
		for _, s := range sel {
			if tag, ok := strings.CutPrefix(s, "@"); ok && slices.Contains(u.Tags, tag) || s == u.ID {
				out = append(out, u.ID)
				break
			}
		}
	}
	return out
}

// Weather warning types (气象灾害预警信号), as used in config and the API.
const (
	WarnTyphoon    = "typhoon"     // 台风
	WarnRainstorm  = "rainstorm"   // 暴雨
	WarnSnowstorm  = "snowstorm"   // 暴雪
	WarnColdWave   = "cold_wave"   // 寒潮
	WarnGale       = "gale"        // 大风
	WarnSandstorm  = "sandstorm"   // 沙尘暴
	WarnHeat       = "heat"        // 高温
	WarnDrought    = "drought"     // 干旱
	WarnLightning  = "lightning"   // 雷电
	WarnHail       = "hail"        // 冰雹
	WarnFrost      = "frost"       // 霜冻
	WarnFog        = "fog"         // 大雾
	WarnHaze       = "haze"        // 霾
	WarnRoadIcing  = "road_icing"  // 道路结冰
	WarnForestFire = "forest_fire" // 森林火险
)

// WarningTypes lists the weather warning types in display order.
var WarningTypes = []string{WarnRainstorm, WarnSnowstorm, WarnColdWave, WarnGale, WarnHeat, WarnFog,
	WarnRoadIcing, WarnLightning, WarnHail, WarnTyphoon, WarnSandstorm, WarnDrought, WarnFrost, WarnHaze, WarnForestFire}

// WarningLevels lists the levels each warning type is issued at, after the
// 气象灾害预警信号 standard: 高温 has no blue, 冰雹 and 干旱 only orange and red.
var WarningLevels = map[string][]string{
	WarnTyphoon:    {"blue", "yellow", "orange", "red"},
	WarnRainstorm:  {"blue", "yellow", "orange", "red"},
	WarnSnowstorm:  {"blue", "yellow", "orange", "red"},
	WarnColdWave:   {"blue", "yellow", "orange", "red"},
	WarnGale:       {"blue", "yellow", "orange", "red"},
	WarnSandstorm:  {"yellow", "orange", "red"},
	WarnHeat:       {"yellow", "orange", "red"},
	WarnDrought:    {"orange", "red"},
	WarnLightning:  {"yellow", "orange", "red"},
	WarnHail:       {"orange", "red"},
	WarnFrost:      {"blue", "yellow", "orange"},
	WarnFog:        {"yellow", "orange", "red"},
	WarnHaze:       {"yellow", "orange", "red"}, // red since CMA's revision of 2013-01-28
	WarnRoadIcing:  {"yellow", "orange", "red"},
	WarnForestFire: {"yellow", "orange", "red"},
}

// WeatherPolicy returns the escalation steps a weather warning of this
// level uses.
func (c *Config) WeatherPolicy(level string) []Step {
	if name, ok := c.Weather.Levels[level]; ok {
		return c.Escalation.Policies[name]
	}
	return c.Policy(level)
}

// MeltdownTriggered reports whether a warning of this type and level
// triggers 熔断.
func (c *Config) MeltdownTriggered(typ, level string) bool {
	min, ok := c.Weather.Meltdown.Triggers[typ]
	if !ok {
		min = c.Weather.Meltdown.Default
	}
	if min == "off" || min == "" {
		return false
	}
	return slices.Index(Levels, level) >= slices.Index(Levels, min)
}
