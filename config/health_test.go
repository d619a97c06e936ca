package config

import (
	"slices"
	"testing"
	"time"
)

func TestHealthThresholds(t *testing.T) {
	cfg, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if h := cfg.Health; h.OutboxStuckAfter.D() != 5*time.Minute || h.DeadlineLateAfter.D() != 2*time.Minute ||
		h.TelegramSilentAfter.D() != 5*time.Minute || h.WriteProbeEvery.D() != 30*time.Second {
		t.Errorf("defaults %+v", h)
	}
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"set", base + "health: {outbox_stuck_after: 1m, deadline_late_after: 30s, telegram_silent_after: 2m, write_probe_every: 5s}\n", nil},
		{"zero", base + "health: {outbox_stuck_after: 0s, write_probe_every: 0s}\n", []string{
			`health.outbox_stuck_after: "0s" must be greater than 0`,
			`health.write_probe_every: "0s" must be greater than 0`}},
		{"silence shorter than two polls", base + "telegram: {poll_timeout: 50s}\nhealth: {telegram_silent_after: 90s}\n", []string{
			`health.telegram_silent_after: "1m30s" must be at least twice telegram.poll_timeout (50s): a quiet long poll answers only after it`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if got := problems(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
}
