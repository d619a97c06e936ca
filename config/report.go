package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Incidents configures 事故直报: the regulatory clocks of 国务院令第493号.
type Incidents struct {
	// ReportWithin is how long after the accident the upward report to the
	// county-level department is due (第九条: 1 hour).
	ReportWithin Duration `yaml:"report_within"`
	// Remind lists how long before that deadline the responsible leaders
	// are reminded (e.g. 30m and 10m).
	Remind []Duration `yaml:"remind"`
	// ReportTo names the department the report goes to, shown in messages.
	ReportTo string `yaml:"report_to"`
	// SupplementDays is the window for 补报 of casualty changes (第十三条: 30
	// days); SupplementDaysShort applies to road traffic and fire (7 days).
	SupplementDays      int `yaml:"supplement_days"`
	SupplementDaysShort int `yaml:"supplement_days_short"`
}

// Tips configures hazard tips (隐患举报).
type Tips struct {
	// Office is the unit that triages tips and assigns them (应急办);
	// default roster.office.
	Office string `yaml:"office"`
	// RevealRoles may reveal an anonymous tipster's identity (to pay a
	// reward); every reveal is recorded.
	RevealRoles []string `yaml:"reveal_roles"`
	// HandleWithin is the default deadline of an assigned tip.
	HandleWithin Duration `yaml:"handle_within"`
	// OverdueLevel is the level of the 叫应 raised for an overdue tip.
	OverdueLevel string `yaml:"overdue_level"`
}

// Ledger configures the 履职档案 and its tamper evidence.
type Ledger struct {
	// WitnessAt is the time of day the event log's chain head is posted to
	// the principals as an outside witness; "" turns it off.
	WitnessAt string `yaml:"witness_at"`
	// ChartFonts are TrueType font files with Chinese glyphs for the
	// answer-rate chart, tried in order; empty tries the usual Debian ones.
	ChartFonts []string `yaml:"chart_fonts"`
}

func defaultReports() (Incidents, Tips, Ledger) {
	return Incidents{ReportWithin: Duration(time.Hour), Remind: []Duration{Duration(30 * time.Minute), Duration(10 * time.Minute)},
			ReportTo: "区应急管理局", SupplementDays: 30, SupplementDaysShort: 7},
		Tips{RevealRoles: []string{RolePrincipal}, HandleWithin: Duration(7 * 24 * time.Hour), OverdueLevel: "yellow"},
		Ledger{WitnessAt: "08:00"}
}

func (c *Config) applyReportDefaults() {
	if c.Tips.Office == "" {
		c.Tips.Office = c.Roster.Office
	}
}

func (c *Config) validateReports(e *errs) {
	in := c.Incidents
	if in.ReportWithin <= 0 {
		e.add("incidents.report_within", "%s must be positive", in.ReportWithin)
	}
	for i, r := range in.Remind {
		if r <= 0 || r >= in.ReportWithin {
			e.add(fmt.Sprintf("incidents.remind[%d]", i), "%s must be positive and shorter than report_within (%s)", r, in.ReportWithin)
		}
	}
	if in.SupplementDays < 1 {
		e.add("incidents.supplement_days", "%d must be at least 1", in.SupplementDays)
	}
	if in.SupplementDaysShort < 1 {
		e.add("incidents.supplement_days_short", "%d must be at least 1", in.SupplementDaysShort)
	}
	t := c.Tips
	if t.Office != "" {
		if _, ok := c.Unit(t.Office); !ok {
			e.add("tips.office", "unit %q is not defined", t.Office)
		}
	}
	for i, r := range t.RevealRoles {
		if !slices.Contains(Roles, r) {
			e.add(fmt.Sprintf("tips.reveal_roles[%d]", i), "%q is not one of %s", r, strings.Join(Roles, ", "))
		}
	}
	if t.HandleWithin <= 0 {
		e.add("tips.handle_within", "%s must be positive", t.HandleWithin)
	}
	if !slices.Contains(Levels, t.OverdueLevel) {
		e.add("tips.overdue_level", "%q is not one of %s", t.OverdueLevel, strings.Join(Levels, ", "))
	}
	if w := c.Ledger.WitnessAt; w != "" {
		if _, _, err := ParseClock(w); err != nil {
			e.add("ledger.witness_at", "%v (or \"\" for none)", err)
		}
	}
}
