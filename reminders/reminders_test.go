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
	// The town started tracking on 1 September; everyone is bound.
	err = db.Update(func(tx *storage.Tx) error {
		for i, o := range cfg.Officials {
			if err := tx.PutBinding(storage.Binding{Official: o.ID, ChatID: int64(100 + i), UserID: int64(100 + i)}); err != nil {
				return err
			}
		}
		return tx.PutMeta("tasks_since", "2026-09-01")
	})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Now())
	tsk, err := tasks.New(cfg, db, plan, cal, clk)
	if err != nil {
		t.Fatal(err)
	}
	eng := callout.New(cfg, db, clk, tr, nil, slog.New(slog.DiscardHandler))
	return New(cfg, db, plan, cal, tsk, eng, tr, clk)
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

// The default rhythm is four rules: the agenda for everyone, the brief for
// leaders and principals, the digest for principals, the quotas behind near
// the month's end; titles come from the locale files.
func TestDefaultRules(t *testing.T) {
	s, err := setup(t, func(c *config.Config) { c.Cadence.Rules = config.DefaultCadence() })
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range s.order {
		kinds = append(kinds, r.Kind)
		if r.Title != "" {
			t.Errorf("rule %s has a hard-coded title %q", r.Name, r.Title)
		}
	}
	if strings.Join(kinds, ",") != "agenda,brief,digest,quota" {
		t.Errorf("default kinds %v", kinds)
	}
	if got := s.title("en", s.rules["agenda"]); got != "Today's duties" {
		t.Errorf("English agenda title %q", got)
	}
}
