package config

import (
	"strings"
	"testing"
	"time"
)

func TestTasksAndCalendarKeys(t *testing.T) {
	base := `
units: [{id: u, name: 单位}]
officials: [{id: o-a, name: 甲, phone: "13800000001", unit: u, roles: [admin]}]
`
	cfg, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tasks.DueHour != 18 || cfg.Tasks.Catalogue != "" || cfg.Calendar.OverridesFile != "" {
		t.Errorf("defaults: %+v %+v", cfg.Tasks, cfg.Calendar)
	}
	for _, tt := range []struct{ extra, want string }{
		{"tasks: {due_hour: 0}", "tasks.due_hour: 0 is not an hour from 1 to 23"},
		{"tasks: {due_hour: 24}", "tasks.due_hour: 24 is not an hour"},
		{"tasks: {catalog: x.yaml}", "tasks.catalog: unknown key"},
		{"calendar: {overrides: x.json}", "calendar.overrides: unknown key"},
	} {
		_, err := Parse([]byte(base + tt.extra))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.extra, err, tt.want)
		}
	}
}

func TestCadenceRules(t *testing.T) {
	base := `
units: [{id: u, name: 单位}]
officials: [{id: o-a, name: 甲, phone: "13800000001", unit: u, roles: [admin]}]
`
	cfg, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Cadence.Rules) != len(DefaultCadence()) || cfg.Cadence.Grace.D() != time.Hour {
		t.Errorf("defaults: %d rules, grace %s", len(cfg.Cadence.Rules), cfg.Cadence.Grace)
	}
	if cfg, err := Parse([]byte(base + "cadence: {rules: []}")); err != nil || len(cfg.Cadence.Rules) != 0 {
		t.Errorf("an empty list switches the reminders off: %v %v", cfg, err)
	}
	rule := func(s string) string { return base + "cadence:\n  rules:\n    - " + s + "\n" }
	for _, tt := range []struct{ yaml, want string }{
		{rule(`{name: a, cron: "", tasks: ["14.2"]}`), `cadence.rules[0].cron: "" is empty`},
		{rule(`{name: a, cron: "* * * * *", calendar: someday, tasks: ["14.2"]}`), `cadence.rules[0].calendar: "someday" is not one of`},
		{rule(`{name: a, cron: "* * * * *", need: maybe, tasks: ["14.2"]}`), `cadence.rules[0].need: "maybe" is not report or ack`},
		{rule(`{name: a, cron: "* * * * *", tasks: ["x.2"]}`), `cadence.rules[0].tasks[0]: "x.2" is not a task`},
		{rule(`{name: a, cron: "* * * * *"}`), `cadence.rules[0].tasks: a rule must name the points`},
		{rule(`{name: a, cron: "* * * * *", tasks: ["1"], audience: {roles: [king]}}`), `cadence.rules[0].audience.roles[0]: "king"`},
		{rule(`{name: a, cron: "* * * * *", tasks: ["1"], audience: {units: [nowhere]}}`), `cadence.rules[0].audience.units[0]: unit "nowhere" is not defined`},
		{rule(`{name: a, cron: "* * * * *", tasks: ["1"], audience: {officials: [o-x]}}`), `cadence.rules[0].audience.officials[0]: official "o-x" is not defined`},
		{base + "cadence: {grace: 0s}", "cadence.grace: 0s must be positive"},
	} {
		_, err := Parse([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
}
