package main

import (
	"testing"
	"time"

	"dutybot/catalogue"
	"dutybot/config"
)

// The takeover town parses on postgres with the pair's takeover time, the
// staff member and the unit heads bound, and the plan fitting its units.
func TestTakeoverTown(t *testing.T) {
	steps := stepsFor(2 * time.Second)
	cfg, err := config.Parse([]byte(takeoverYAML("http://127.0.0.1:9", "127.0.0.1:8080", 2*time.Second, steps)))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Storage.Postgres() || cfg.HA.Takeover.D() != 2*time.Second || cfg.Language != "en" {
		t.Errorf("storage %q, takeover %s, language %q", cfg.Storage.Driver, cfg.HA.Takeover.D(), cfg.Language)
	}
	bound := map[string]int64{}
	for _, o := range cfg.Officials {
		bound[o.ID] = o.TelegramID
	}
	if bound["o-0"] != userID(0) || bound["o-head0"] != headUserID(0) {
		t.Errorf("o-0 bound to %d, o-head0 to %d", bound["o-0"], bound["o-head0"])
	}
	got := cfg.Escalation.Policies["default"]
	if len(got) != 2 || got[0].After.D() != steps.remind || got[1].After.D() != 4*time.Second || got[1].To != "unit_head" {
		t.Errorf("policy %+v", got)
	}
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Unmatched()) != 0 {
		t.Errorf("the plan names units the town lacks: %+v", plan.Unmatched())
	}
}

func TestAlertMatcher(t *testing.T) {
	of := alertMatcher("12")
	for _, c := range []struct {
		text string
		want bool
	}{
		{"📣 Alert 🔴 Red · #12\n[x]", true},
		{"⏰ Second call (not yet acknowledged) 🔴 Red · #12", true},
		{"📣 Alert 🔴 Red · #123\n[x]", false},
		{"📣 Alert 🔴 Red · #1\n[x]", false},
	} {
		if got := of(sent{text: c.text}); got != c.want {
			t.Errorf("%q: %t, want %t", c.text, got, c.want)
		}
	}
}
