package hazard

import "time"

// Lateness of a hazard's 整改, as the board and the 履职档案 show it.

// Late is how long the current round of a hazard is past its deadline at
// now: only an assigned hazard not yet reported fixed can be; 0 otherwise.
func (h Hazard) Late(now time.Time) time.Duration {
	if h.State != StateAssigned || h.Deadline.IsZero() || !now.After(h.Deadline) {
		return 0
	}
	return now.Sub(h.Deadline)
}

// Lateness sums, over every round of its history, how long a hazard's
// 整改 was late: from each 交办's (or send-back's) deadline to the
// rectification that ended the round, or to now for a round still open.
func (h Hazard) Lateness(now time.Time) time.Duration {
	var total time.Duration
	var due time.Time
	for _, st := range h.History {
		switch st.State {
		case StateAssigned:
			due = st.Due
		case StateRectified:
			if !due.IsZero() && st.At.After(due) {
				total += st.At.Sub(due)
			}
			due = time.Time{}
		}
	}
	if !due.IsZero() && h.State == StateAssigned && now.After(due) {
		total += now.Sub(due)
	}
	return total
}

// LateDays counts a lateness in days begun: a minute late is one day
// (逾期 1 天), as offices count 逾期.
func LateDays(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	const day = 24 * time.Hour
	return int((d + day - 1) / day)
}
