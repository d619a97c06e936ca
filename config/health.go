package config

import "time"

// Health says how long a condition may last before /healthz reports the
// bot unhealthy (HTTP 503 with the reasons).
type Health struct {
	// OutboxStuckAfter: the oldest queued message has waited this long
	// and nothing was delivered for as long.
	OutboxStuckAfter Duration `yaml:"outbox_stuck_after"`
	// DeadlineLateAfter: a reminder or escalation due this long ago has
	// not fired.
	DeadlineLateAfter Duration `yaml:"deadline_late_after"`
	// TelegramSilentAfter: the Bot API has not answered (polls included)
	// for this long.
	TelegramSilentAfter Duration `yaml:"telegram_silent_after"`
	// WriteProbeEvery: how often at most /healthz writes to the database
	// to find out whether the disk takes writes.
	WriteProbeEvery Duration `yaml:"write_probe_every"`
}

func defaultHealth() Health {
	return Health{OutboxStuckAfter: Duration(5 * time.Minute), DeadlineLateAfter: Duration(2 * time.Minute),
		TelegramSilentAfter: Duration(5 * time.Minute), WriteProbeEvery: Duration(30 * time.Second)}
}

func (c *Config) validateHealth(e *errs) {
	h := c.Health
	for _, k := range []struct {
		key string
		d   Duration
	}{{"outbox_stuck_after", h.OutboxStuckAfter}, {"deadline_late_after", h.DeadlineLateAfter},
		{"telegram_silent_after", h.TelegramSilentAfter}, {"write_probe_every", h.WriteProbeEvery}} {
		if k.d <= 0 {
			e.add("health."+k.key, "%q must be greater than 0", k.d.String())
		}
	}
	// A long poll that returns empty is an answer, but only after
	// poll_timeout: a shorter silence threshold would cry wolf.
	if poll := c.Telegram.PollTimeout; h.TelegramSilentAfter > 0 && h.TelegramSilentAfter < 2*poll {
		e.add("health.telegram_silent_after", "%q must be at least twice telegram.poll_timeout (%s): a quiet long poll answers only after it",
			h.TelegramSilentAfter.String(), poll.String())
	}
}
