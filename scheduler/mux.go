package scheduler

import (
	"strings"
	"time"

	"dutybot/storage"
)

// Mux shares one deadline runner between services: each deadline goes to
// the FireFunc registered for the longest prefix of its key, in the same
// transaction, so every service keeps the exactly-once guarantee.
type Mux struct {
	prefixes []string
	funcs    []FireFunc
}

// Handle routes deadlines whose key starts with prefix to fire.
func (m *Mux) Handle(prefix string, fire FireFunc) {
	m.prefixes = append(m.prefixes, prefix)
	m.funcs = append(m.funcs, fire)
}

// Fire implements FireFunc. Deadlines no prefix matches are dropped.
func (m *Mux) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	groups := make([][]storage.Deadline, len(m.funcs))
	for _, d := range due {
		best := -1
		for i, p := range m.prefixes {
			if strings.HasPrefix(d.Key, p) && (best < 0 || len(p) > len(m.prefixes[best])) {
				best = i
			}
		}
		if best >= 0 {
			groups[best] = append(groups[best], d)
		}
	}
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		if err := m.funcs[i](tx, g, now); err != nil {
			return err
		}
	}
	return nil
}
