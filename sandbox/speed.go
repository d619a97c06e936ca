package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/config"
)

// MaxSpeed bounds -speed: beyond it the shortest steps of the example would
// fire faster than the outbox paces messages to one chat.
const MaxSpeed = 3600

// SpeedUp divides the timings that decide how fast a 叫应 story unfolds by
// n, so a demonstration shows a whole escalation chain in about a minute:
// every escalation policy step, roster.checkin_within and its escalation,
// roster.spotcheck_within and its escalation, and
// weather.meltdown.confirm_within; a work group's live count is edited at
// most every second (delivery.group_edit_interval). Schedules (reminder times, duty days,
// cron rules) stay on the wall clock. Deadlines are then shown to the
// second (config.ShowSeconds): a window of seconds would otherwise read
// "请于 10:58 前" on a call sent at 10:58. n = 1 leaves cfg as it is.
func SpeedUp(cfg *config.Config, n int) error {
	if n < 1 || n > MaxSpeed {
		return fmt.Errorf("speed %d: want a factor from 1 to %d", n, MaxSpeed)
	}
	if n == 1 {
		return nil
	}
	cfg.ShowSeconds = true
	div := func(d *config.Duration) {
		if *d > 0 {
			*d = max(*d/config.Duration(n), config.Duration(time.Millisecond))
		}
	}
	steps := func(ss []config.Step) {
		for i := range ss {
			div(&ss[i].After)
		}
	}
	for _, ss := range cfg.Escalation.Policies {
		steps(ss)
	}
	r := &cfg.Roster
	div(&r.CheckinWithin)
	steps(r.CheckinEscalation)
	div(&r.SpotcheckWithin)
	steps(r.SpotcheckEscalation)
	div(&cfg.Weather.Meltdown.ConfirmWithin)
	if cfg.Delivery.GroupEditInterval > config.Duration(sandboxGroupEdit) {
		cfg.Delivery.GroupEditInterval = config.Duration(sandboxGroupEdit)
	}
	return nil
}

// describePolicies summarises the escalation policies' timings in one line,
// e.g. "default 10s/20s/30s/45s, urgent 2s/5s/10s/15s".
func describePolicies(cfg *config.Config) string {
	names := make([]string, 0, len(cfg.Escalation.Policies))
	for name := range cfg.Escalation.Policies {
		names = append(names, name)
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		var ds []string
		for _, s := range cfg.Escalation.Policies[name] {
			ds = append(ds, s.After.D().String())
		}
		parts = append(parts, name+" "+strings.Join(ds, "/"))
	}
	return strings.Join(parts, ", ")
}
