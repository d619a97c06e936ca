package outbox

import (
	"container/heap"
	"slices"
	"sort"
	"time"

	"dutybot/storage"
)

// A lane is a budget of the chat service's overall rate: the free one
// (about 30 messages a second) and the paid one (paid broadcast, up to
// 1,000). A job goes out in one lane or the other; each chat's own limit
// holds in both.
type lane int

const (
	laneFree lane = iota
	lanePaid
	lanes
)

// Where a chat waits for its turn.
const (
	inNone    = iota // busy, or nothing to send
	inWaiting        // its own limit, a 429 or a backoff holds it until readyAt
	inReady          // may send now, in ready[lane]
)

type chatQueue struct {
	id       int64
	jobs     []queued // highest priority first, then oldest
	busy     bool
	paused   time.Time // 429: not before
	retryAt  time.Time // backoff: not before
	attempts int
	limiter  *bucket
	// sent is a delivery whose recording failed: it is recorded again,
	// never sent again, before anything else goes to the chat.
	sent *sentOutcome
	// idleSince is when the chat last had nothing left to send.
	idleSince time.Time

	// where and index place the chat in the scheduler's heaps; lane is
	// the ready heap it is in, readyAt when it leaves the waiting heap.
	where   int
	lane    lane
	index   int
	readyAt time.Time
}

// queued is a job waiting in a chat's queue.
type queued struct {
	seq  uint64
	prio int
	paid bool
	// job is the job's content as loaded, when the loader kept it
	// (keepable); nil: read it when it is sent.
	job *storage.Job
}

// add inserts a job after every job of its priority or higher; jobs are
// loaded in Seq order, so equal priorities stay in Seq order.
func (q *chatQueue) add(j queued) {
	i := sort.Search(len(q.jobs), func(i int) bool { return q.jobs[i].prio < j.prio })
	q.jobs = slices.Insert(q.jobs, i, j)
}

// remove takes a job out of the queue and reports whether it was there.
func (q *chatQueue) remove(seq uint64) bool {
	i := slices.IndexFunc(q.jobs, func(j queued) bool { return j.seq == seq })
	if i < 0 {
		return false
	}
	q.jobs = slices.Delete(q.jobs, i, i+1)
	return true
}

// idle reports whether the chat has nothing to send or record.
func (q *chatQueue) idle() bool { return len(q.jobs) == 0 && q.sent == nil }

// next is the job the chat sends next: a delivery still to be recorded,
// else the head of the queue.
func (q *chatQueue) next() queued {
	if q.sent != nil {
		return queued{seq: q.sent.job.Seq, prio: q.sent.job.Priority}
	}
	return q.jobs[0]
}

// before orders two chats' next jobs: higher priority, then older.
func (a queued) before(b queued) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	return a.seq < b.seq
}

// chatHeap is a heap of chats in the order O, each chat knowing its
// index in it (for heap.Fix and heap.Remove).
type chatHeap[O order] []*chatQueue

// order is how a chatHeap orders its chats.
type order interface{ less(a, b *chatQueue) bool }

// byNextJob orders the chats that may send now by their next job.
type byNextJob struct{}

func (byNextJob) less(a, b *chatQueue) bool { return a.next().before(b.next()) }

// byReadyAt orders the chats held by their own limits by when they may
// send.
type byReadyAt struct{}

func (byReadyAt) less(a, b *chatQueue) bool { return a.readyAt.Before(b.readyAt) }

func (h chatHeap[O]) Len() int           { return len(h) }
func (h chatHeap[O]) Less(i, j int) bool { var o O; return o.less(h[i], h[j]) }
func (h chatHeap[O]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *chatHeap[O]) Push(x any) { q := x.(*chatQueue); q.index = len(*h); *h = append(*h, q) }
func (h *chatHeap[O]) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return q
}

// schedule is the run loop's picture of who sends next: the chats that may
// send now, one heap per lane, and the chats waiting for their own limits.
// Picking the next job costs O(log chats), so a fan-out to 100,000 chats
// does not scan them all for every message.
type schedule struct {
	ready   [lanes]chatHeap[byNextJob]
	waiting chatHeap[byReadyAt]
	global  [lanes]*bucket
	// paidOff is when paid sending may resume after a refusal for lack
	// of Stars; until then paid jobs go in the free lane.
	paidOff time.Time
	paidOn  bool // the paid lane exists (Limits.PaidPerSecond > 0)
}

// newSchedule is an empty schedule with the overall budgets of limits.
func newSchedule(l Limits) *schedule {
	s := &schedule{paidOn: l.PaidPerSecond > 0}
	s.global[laneFree] = newBucket(l.GlobalPerSecond, 1)
	paid := max(l.PaidPerSecond, 1)
	// A burst of a fiftieth of a second lets the loop catch up with a
	// timer that fired late without passing the paid pace over a second.
	s.global[lanePaid] = newBucket(paid, int(paid/50))
	return s
}

// laneOf is the lane a chat's next job goes in now.
func (s *schedule) laneOf(q *chatQueue, now time.Time) lane {
	if q.sent == nil && s.paidOn && q.jobs[0].paid && !now.Before(s.paidOff) {
		return lanePaid
	}
	return laneFree
}

// place puts a chat that is neither busy nor idle where it belongs: with
// the ready ones if its own limits let it send now, else with the waiting.
func (s *schedule) place(q *chatQueue, now time.Time) {
	s.unplace(q)
	if q.busy || q.idle() {
		return
	}
	ready := q.limiter.readyAt(now)
	for _, t := range []time.Time{q.paused, q.retryAt} {
		if t.After(ready) {
			ready = t
		}
	}
	if ready.After(now) {
		q.readyAt, q.where = ready, inWaiting
		heap.Push(&s.waiting, q)
		return
	}
	q.lane, q.where = s.laneOf(q, now), inReady
	heap.Push(&s.ready[q.lane], q)
}

// unplace takes a chat out of whichever heap holds it.
func (s *schedule) unplace(q *chatQueue) {
	switch q.where {
	case inWaiting:
		heap.Remove(&s.waiting, q.index)
	case inReady:
		heap.Remove(&s.ready[q.lane], q.index)
	}
	q.where = inNone
}

// reorder moves a chat whose next job changed (a job of higher priority
// queued) to its new place.
func (s *schedule) reorder(q *chatQueue, now time.Time) {
	switch q.where {
	case inReady:
		if l := s.laneOf(q, now); l != q.lane {
			s.place(q, now)
			return
		}
		heap.Fix(&s.ready[q.lane], q.index)
	case inNone:
		s.place(q, now)
	}
}

// relane puts every ready chat in the lane its next job goes in now, after
// paid sending stopped or resumed.
func (s *schedule) relane(now time.Time) {
	var all []*chatQueue
	for l := range s.ready {
		all = append(all, s.ready[l]...)
		s.ready[l] = s.ready[l][:0]
	}
	for _, q := range all {
		q.where = inNone
		s.place(q, now)
	}
}

// pick returns the ready chat whose next job goes first (highest priority,
// then oldest) among the lanes whose overall budget allows a message now,
// and its lane; or how long to wait (-1: nothing to wait for).
func (s *schedule) pick(now time.Time) (*chatQueue, lane, time.Duration) {
	if s.paidOn && !s.paidOff.IsZero() && !now.Before(s.paidOff) {
		s.paidOff = time.Time{}
		s.relane(now)
	}
	for len(s.waiting) > 0 && !s.waiting[0].readyAt.After(now) {
		q := heap.Pop(&s.waiting).(*chatQueue)
		q.where = inNone
		s.place(q, now)
	}
	var best *chatQueue
	var bestLane lane
	var soonest time.Time
	note := func(t time.Time) {
		if soonest.IsZero() || t.Before(soonest) {
			soonest = t
		}
	}
	for l := range s.ready {
		if len(s.ready[l]) == 0 {
			continue
		}
		if at := s.global[l].readyAt(now); at.After(now) {
			note(at)
			continue
		}
		if q := s.ready[l][0]; best == nil || q.next().before(best.next()) {
			best, bestLane = q, lane(l)
		}
	}
	if best != nil {
		return best, bestLane, 0
	}
	if len(s.waiting) > 0 {
		note(s.waiting[0].readyAt)
	}
	if !s.paidOff.IsZero() && s.paidOn {
		note(s.paidOff)
	}
	if soonest.IsZero() {
		return nil, 0, -1
	}
	return nil, 0, soonest.Sub(now)
}

// take spends the budgets of a message the chat sends now in lane l and
// takes the chat out of the heaps while it is busy.
func (s *schedule) take(q *chatQueue, l lane, now time.Time) {
	s.unplace(q)
	s.global[l].take(now)
	q.limiter.take(now)
	q.busy = true
}
