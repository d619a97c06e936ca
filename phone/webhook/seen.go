package webhook

import (
	"container/heap"
	"crypto/sha256"
	"sync"
	"time"
)

// defaultMaxSeen bounds the replay set: a signature is kept until its
// timestamp goes stale (at most twice the window), and a fan-out to
// 100,000 officials brings a few reports each within minutes.
const defaultMaxSeen = 1 << 19

// seenSet remembers the signatures of reports taken within the window,
// so that the same signed body is believed once. It is bounded: when full
// of signatures not yet stale it takes no more, and the gateway's report
// is refused for it to retry, rather than one already seen being
// forgotten and made replayable.
type seenSet struct {
	mu   sync.Mutex
	max  int
	keys map[[sha256.Size]byte]time.Time // signature → when it goes stale
	byAt expiries
}

func newSeenSet(max int) *seenSet {
	return &seenSet{max: max, keys: make(map[[sha256.Size]byte]time.Time)}
}

// reserve records s unless it is already recorded (a replay) or the set
// is full of signatures that have not gone stale.
func (s *seenSet) reserve(sg signed, now time.Time) (ok, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	if _, dup := s.keys[sg.sig]; dup {
		return false, false
	}
	if len(s.byAt) >= s.max {
		return false, true
	}
	s.keys[sg.sig] = sg.expires
	heap.Push(&s.byAt, expiry{sig: sg.sig, at: sg.expires})
	return true, false
}

// release forgets s, so that a report dutybot failed to apply can be sent
// again with the same signature.
func (s *seenSet) release(sg signed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, sg.sig)
}

// prune drops the signatures whose timestamps have gone stale: a replay
// of them is refused as stale without the set's help.
func (s *seenSet) prune(now time.Time) {
	for len(s.byAt) > 0 && now.After(s.byAt[0].at) {
		e := heap.Pop(&s.byAt).(expiry)
		if at, ok := s.keys[e.sig]; ok && at.Equal(e.at) {
			delete(s.keys, e.sig)
		}
	}
}

// len reports how many signatures the set holds, for tests.
func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byAt)
}

type expiry struct {
	sig [sha256.Size]byte
	at  time.Time
}

// expiries is a min-heap of signatures by the time they go stale.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
