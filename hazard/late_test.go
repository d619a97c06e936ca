package hazard

import (
	"testing"
	"time"
)

func TestHazardLateness(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	h := func(state string, due time.Time, steps ...Step) Hazard {
		return Hazard{State: state, Deadline: due, History: steps}
	}
	assigned := func(at, due time.Time) Step { return Step{State: StateAssigned, At: at, Due: due} }
	fixed := func(at time.Time) Step { return Step{State: StateRectified, At: at} }
	for _, c := range []struct {
		name           string
		h              Hazard
		now            time.Time
		late, lateness time.Duration
		days           int
	}{
		{"found, no deadline", h(StateFound, time.Time{}, Step{State: StateFound}), t0, 0, 0, 0},
		{"assigned, before its deadline", h(StateAssigned, t0, assigned(t0.Add(-time.Hour), t0)), t0, 0, 0, 0},
		{"assigned, a minute late", h(StateAssigned, t0, assigned(t0.Add(-time.Hour), t0)), t0.Add(time.Minute),
			time.Minute, time.Minute, 1},
		{"assigned, a day and an hour late", h(StateAssigned, t0, assigned(t0.Add(-time.Hour), t0)), t0.Add(25 * time.Hour),
			25 * time.Hour, 25 * time.Hour, 2},
		{"fixed 10 h late, not late any more", h(StateRectified, t0, assigned(t0.Add(-time.Hour), t0), fixed(t0.Add(10*time.Hour))),
			t0.Add(48 * time.Hour), 0, 10 * time.Hour, 1},
		{"fixed late, sent back, late again", h(StateAssigned, t0.Add(72*time.Hour), assigned(t0.Add(-time.Hour), t0),
			fixed(t0.Add(10*time.Hour)), assigned(t0.Add(11*time.Hour), t0.Add(72*time.Hour))),
			t0.Add(74 * time.Hour), 2 * time.Hour, 12 * time.Hour, 1},
		{"fixed in time twice", h(StateClosed, t0.Add(72*time.Hour), assigned(t0.Add(-time.Hour), t0), fixed(t0.Add(-time.Minute)),
			assigned(t0, t0.Add(72*time.Hour)), fixed(t0.Add(71*time.Hour))), t0.Add(100 * time.Hour), 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.h.Late(c.now); got != c.late {
				t.Errorf("Late = %s, want %s", got, c.late)
			}
			got := c.h.Lateness(c.now)
			if got != c.lateness {
				t.Errorf("Lateness = %s, want %s", got, c.lateness)
			}
			if d := LateDays(got); d != c.days {
				t.Errorf("LateDays = %d, want %d", d, c.days)
			}
		})
	}
}
