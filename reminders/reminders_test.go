package reminders

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/storage"
	"dutybot/tasks"

	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/duty"
	"dutybot/locales"
	"dutybot/workcal"
)

func setup(t *testing.T, edit func(*config.Config)) (*Service, error) {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.New(cfg.Location, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Now())
	gen := duty.New(plan, cal, duty.Options{})
	tsk := tasks.New(cfg, db, gen, clk)
	eng := callout.New(cfg, db, clk, tr, nil, slog.New(slog.DiscardHandler))
	return New(cfg, db, plan, gen, cal, tsk, eng, tr, clk)
}

func TestCompileErrorsNameTheKey(t *testing.T) {
	_, err := setup(t, func(c *config.Config) {
		c.Cadence.Rules = []config.CadenceRule{
			{Name: "a", Cron: "61 * * * *", Tasks: []string{"14.2"}},
			{Name: "b", Cron: "0 9 * * *", Tasks: []string{"99"}},
			{Name: "c", Cron: "0 9 * * *", Tasks: []string{"14.9"}},
		}
	})
	for _, want := range []string{`cadence.rules[0].cron: cron "61 * * * *"`, "cadence.rules[1].tasks[0]: task 99 is not in the plan",
		"cadence.rules[2].tasks[0]: task 14 has no point 9"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func TestAudience(t *testing.T) {
	s, err := setup(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(r config.CadenceRule) string {
		var out []string
		for _, o := range s.audience(&Rule{CadenceRule: r}) {
			out = append(out, o.ID)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name string
		a    config.Audience
		want string
	}{
		{"principals", config.Audience{Roles: []string{"principal"}}, "o-zhangming"},
		{"unit heads of villages", config.Audience{Roles: []string{"unit_head"}, Units: []string{"@village"}}, "o-yangfan"},
		{"a unit", config.Audience{Units: []string{"cgdd"}}, "o-chenjie,o-machao"},
		{"named only", config.Audience{Officials: []string{"o-hujun"}}, "o-hujun"},
		{"role plus a named one", config.Audience{Roles: []string{"principal"}, Officials: []string{"o-hujun"}}, "o-zhangming,o-hujun"},
	}
	for _, tt := range tests {
		if got := ids(config.CadenceRule{Audience: tt.a}); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if got := strings.Count(ids(config.CadenceRule{}), ","); got != 15 {
		t.Errorf("an empty audience is everyone: %d officials", got+1)
	}
}

func TestDefaultRulesCompileAgainstThePlan(t *testing.T) {
	s, err := setup(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rules()) != len(config.DefaultCadence()) {
		t.Errorf("%d rules", len(s.Rules()))
	}
	for _, r := range s.order {
		if r.Kind == config.KindBrief || r.Kind == config.KindDigest {
			continue
		}
		if len(r.points) == 0 {
			t.Errorf("rule %s has no points", r.Name)
		}
	}
}
