package sandbox

import (
	"os"
	"strings"
	"testing"
	"time"

	"dutybot/config"
)

func loadExample(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func afters(ss []config.Step) []time.Duration {
	var out []time.Duration
	for _, s := range ss {
		out = append(out, s.After.D())
	}
	return out
}

func TestSpeedUp(t *testing.T) {
	s := time.Second
	tests := []struct {
		speed                  int
		def, urgent            []time.Duration
		checkin, spot, confirm time.Duration
		checkinSteps, spotStep []time.Duration
	}{
		{speed: 1,
			def:     []time.Duration{10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 45 * time.Minute},
			urgent:  []time.Duration{2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute},
			checkin: 15 * time.Minute, spot: 10 * time.Minute, confirm: 30 * time.Minute,
			checkinSteps: []time.Duration{15 * time.Minute, 30 * time.Minute, 45 * time.Minute},
			spotStep:     []time.Duration{10 * time.Minute, 20 * time.Minute, 30 * time.Minute}},
		{speed: 60,
			def: []time.Duration{10 * s, 20 * s, 30 * s, 45 * s}, urgent: []time.Duration{2 * s, 5 * s, 10 * s, 15 * s},
			checkin: 15 * s, spot: 10 * s, confirm: 30 * s,
			checkinSteps: []time.Duration{15 * s, 30 * s, 45 * s}, spotStep: []time.Duration{10 * s, 20 * s, 30 * s}},
		{speed: 600,
			def:     []time.Duration{time.Second, 2 * s, 3 * s, 4500 * time.Millisecond},
			urgent:  []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond},
			checkin: 1500 * time.Millisecond, spot: time.Second, confirm: 3 * s,
			checkinSteps: []time.Duration{1500 * time.Millisecond, 3 * s, 4500 * time.Millisecond},
			spotStep:     []time.Duration{time.Second, 2 * s, 3 * s}},
	}
	for _, tt := range tests {
		cfg := loadExample(t)
		remindBefore, pollTimeout := cfg.Roster.RemindBefore, cfg.Telegram.PollTimeout
		if err := SpeedUp(cfg, tt.speed); err != nil {
			t.Fatalf("speed %d: %v", tt.speed, err)
		}
		check := func(what string, got, want []time.Duration) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("speed %d: %s = %v, want %v", tt.speed, what, got, want)
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("speed %d: %s = %v, want %v", tt.speed, what, got, want)
					return
				}
			}
		}
		check("default policy", afters(cfg.Escalation.Policies["default"]), tt.def)
		check("urgent policy", afters(cfg.Escalation.Policies["urgent"]), tt.urgent)
		check("red alerts' policy", afters(cfg.Policy("red")), tt.urgent)
		check("red warnings' policy", afters(cfg.WeatherPolicy("red")), tt.urgent)
		check("checkin_escalation", afters(cfg.Roster.CheckinEscalation), tt.checkinSteps)
		check("spotcheck_escalation", afters(cfg.Roster.SpotcheckEscalation), tt.spotStep)
		check("windows", []time.Duration{cfg.Roster.CheckinWithin.D(), cfg.Roster.SpotcheckWithin.D(), cfg.Weather.Meltdown.ConfirmWithin.D()},
			[]time.Duration{tt.checkin, tt.spot, tt.confirm})
		// Schedules and transport stay on the wall clock.
		if cfg.Roster.RemindBefore != remindBefore || cfg.Telegram.PollTimeout != pollTimeout {
			t.Errorf("speed %d changed remind_before or poll_timeout", tt.speed)
		}
		// Deadlines read to the second once the windows are sped up.
		if want := tt.speed > 1; cfg.ShowSeconds != want {
			t.Errorf("speed %d: ShowSeconds = %v, want %v", tt.speed, cfg.ShowSeconds, want)
		}
	}
}

func TestSpeedUpRefusesNonsense(t *testing.T) {
	for _, n := range []int{0, -1, MaxSpeed + 1} {
		cfg := loadExample(t)
		err := SpeedUp(cfg, n)
		if err == nil || !strings.Contains(err.Error(), "from 1 to") {
			t.Errorf("speed %d: err = %v", n, err)
		}
		if got := cfg.Escalation.Policies["default"][0].After.D(); got != 10*time.Minute {
			t.Errorf("speed %d changed the policy to %v", n, got)
		}
	}
}

func TestSpeedUpNeverReachesZero(t *testing.T) {
	cfg, err := config.Parse([]byte(strings.Replace(exampleYAML(t), "- after: 2m\n        action: remind", "- after: 1s\n        action: remind", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := SpeedUp(cfg, MaxSpeed); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Escalation.Policies["urgent"][0].After.D(); got != time.Millisecond {
		t.Errorf("1s ÷ %d = %v, want the 1ms floor", MaxSpeed, got)
	}
}

func TestDescribePolicies(t *testing.T) {
	cfg := loadExample(t)
	if err := SpeedUp(cfg, 60); err != nil {
		t.Fatal(err)
	}
	if got, want := describePolicies(cfg), "default 10s/20s/30s/45s, urgent 2s/5s/10s/15s"; got != want {
		t.Errorf("describePolicies = %q, want %q", got, want)
	}
}

func exampleYAML(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Sped up, a work group's live count is edited at most once a second, so
// the group story follows the presses; at -speed 1 the configured
// interval holds, and a shorter one is kept.
func TestSpeedUpGroupEditInterval(t *testing.T) {
	for _, tt := range []struct {
		speed      int
		configured time.Duration
		want       time.Duration
	}{
		{1, 3 * time.Second, 3 * time.Second},
		{60, 3 * time.Second, time.Second},
		{60, 200 * time.Millisecond, 200 * time.Millisecond},
	} {
		cfg := loadExample(t)
		cfg.Delivery.GroupEditInterval = config.Duration(tt.configured)
		if err := SpeedUp(cfg, tt.speed); err != nil {
			t.Fatal(err)
		}
		if got := cfg.Delivery.GroupEditInterval.D(); got != tt.want {
			t.Errorf("speed %d, interval %s: %s, want %s", tt.speed, tt.configured, got, tt.want)
		}
	}
}
