package noise

import (
	"container/heap"
	"time"
)

// action is something the simulation does at its time: report a duty
// item, record an inspection, take a step of the hazard loop. An action
// may add later ones (a hazard found is fixed some days after).
type action struct {
	at  time.Time
	seq int // order of actions due at the same time: as added
	// step names a step of the hazard loop ("fix H20260105-01/1"), so the
	// notices it sends can be told apart from another step's; "" for a
	// duty report.
	step string
	do   func() error
}

// agenda holds the actions to come, the earliest first.
type agenda struct {
	q    actions
	next int
}

// add schedules an action.
func (g *agenda) add(at time.Time, step string, do func() error) {
	heap.Push(&g.q, action{at: at, seq: g.next, step: step, do: do})
	g.next++
}

// peek returns the time of the earliest action.
func (g *agenda) peek() (time.Time, bool) {
	if len(g.q) == 0 {
		return time.Time{}, false
	}
	return g.q[0].at, true
}

// due takes the earliest action if it is due at now.
func (g *agenda) due(now time.Time) (action, bool) {
	if len(g.q) == 0 || g.q[0].at.After(now) {
		return action{}, false
	}
	return heap.Pop(&g.q).(action), true
}

// actions is a heap of actions by time, then by the order they were added.
type actions []action

func (q actions) Len() int { return len(q) }
func (q actions) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q actions) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *actions) Push(x any)   { *q = append(*q, x.(action)) }
func (q *actions) Pop() any {
	old := *q
	a := old[len(old)-1]
	*q = old[:len(old)-1]
	return a
}
