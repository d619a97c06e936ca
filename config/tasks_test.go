package config

import (
	"strings"
	"testing"
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
