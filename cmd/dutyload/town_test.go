package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"dutybot/app"
	"dutybot/catalogue"
	"dutybot/config"
)

// The generated town has the built-in plan's units: the plan finds every
// unit and group it names and leaves no point to nobody, while its own
// messages (agendas, overdue calls) stay off so the figures are the 叫应
// core's. With the 熔断 checklist of the warn load it still parses.
func TestTownHasThePlansUnits(t *testing.T) {
	for _, extra := range []string{"", weatherBlock} {
		cfg, err := config.Parse([]byte(townYAML(20, "http://127.0.0.1:9", filepath.Join(t.TempDir(), "db"), "127.0.0.1:0", defaultSteps) + extra))
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Units) != 10 || len(cfg.Officials) != 20+12 {
			t.Errorf("%d units, %d officials; want 10 and 32", len(cfg.Units), len(cfg.Officials))
		}
		plan, err := catalogue.Load("", cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Warnings) != 0 || len(plan.Unmatched()) != 0 || len(plan.Orphans()) != 0 {
			t.Errorf("the plan does not fit the town: unmatched %+v, orphans %v", plan.Unmatched(), plan.Orphans())
		}
		if cfg.Tasks.OverdueLevel != "off" || len(cfg.Cadence.Rules) != 0 {
			t.Errorf("the plan's messages are on: overdue_level %q, %d cadence rules", cfg.Tasks.OverdueLevel, len(cfg.Cadence.Rules))
		}
	}
}

// Setting up a load town logs no warning about the plan's units (as it did
// while the town's units were u0…u9); a town with one unit renamed does,
// naming it.
func TestTownSetupLogsNoPlanUnitWarning(t *testing.T) {
	const warning = "names units the configuration does not define"
	setup := func(rename bool) string {
		t.Helper()
		tw, err := newTown(20, "http://127.0.0.1:9", defaultSteps)
		if err != nil {
			t.Fatal(err)
		}
		defer tw.close()
		if rename {
			doc := strings.ReplaceAll(townYAML(20, "http://127.0.0.1:9", tw.cfg.Storage.Path, "127.0.0.1:0", defaultSteps), "unit: dzb,", "unit: u1,")
			cfg, err := config.Parse([]byte(strings.Replace(doc, "id: dzb,", "id: u1,", 1)))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Telegram.Token = token
			tw.cfg = cfg
		}
		var logs bytes.Buffer
		a, err := tw.open(app.Options{NoBot: true, Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		a.DB.Close()
		return logs.String()
	}
	if logs := setup(false); strings.Contains(logs, warning) || strings.Contains(logs, "owed by nobody") {
		t.Errorf("the town's setup warns about the plan:\n%s", logs)
	}
	if logs := setup(true); !strings.Contains(logs, warning) || !strings.Contains(logs, "dzb (5 points)") {
		t.Errorf("a town without dzb is not warned about:\n%s", logs)
	}
}
