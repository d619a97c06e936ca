package board

import (
	"fmt"
	"testing"
	"time"

	"dutybot/storage"

	"dutybot/hazard"
)

// A year of hazards for 2,000 enterprises: 6,000 hazards, every tenth a
// 重大隐患, a fifth still open and a third of those past their deadline.
const (
	benchEnterprises = 2000
	benchHazards     = 6000
)

// addHazards stores the year's hazards in the big town, spread over its
// units, with an event each; the board's first look after it loads them.
func (t *bigTown) addHazards(b *testing.B) {
	b.Helper()
	now := t.clk.Now()
	err := t.db.Update(func(tx *storage.Tx) error {
		for i := range benchHazards {
			found := now.Add(-time.Duration(benchHazards-i) * 90 * time.Minute)
			h := hazard.Hazard{ID: fmt.Sprintf("H%s-%04d", found.Format("20060102"), i), Enterprise: fmt.Sprintf("E%05d", i%benchEnterprises),
				EnterpriseName: fmt.Sprintf("企业%d", i%benchEnterprises), Unit: fmt.Sprintf("v%d", 2+i%(bigUnits-2)),
				Supervisor: fmt.Sprintf("o-%d-1", 2+i%(bigUnits-2)), FoundBy: fmt.Sprintf("o-%d-2", 2+i%(bigUnits-2)), FoundAt: found,
				Level: hazard.LevelGeneral, Description: "配电箱未接地，电缆老化破损", State: hazard.StateClosed,
				Deadline: found.Add(7 * 24 * time.Hour), History: []hazard.Step{{State: hazard.StateFound, At: found}}}
			if i%10 == 0 {
				h.Level = hazard.LevelMajor
			}
			if i >= benchHazards*4/5 {
				h.State = hazard.StateAssigned
			}
			if err := hazard.Put(tx, h); err != nil {
				return err
			}
			if err := tx.AppendEvent(storage.Event{At: found, Type: hazard.EvFound, Alert: h.ID, Actor: h.FoundBy}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	snap, err := t.srv.current()
	if err != nil {
		b.Fatal(err)
	}
	n, overdue := 0, 0
	for _, u := range snap.board.Hazards {
		n += len(u.Items)
		overdue += u.Overdue
	}
	b.Logf("%d hazards; the look after them %s; on the card %d (%d overdue)", benchHazards, time.Since(began).Round(time.Millisecond), n, overdue)
}

// touchHazard records a step of one open hazard, as the loop would (the
// hazard and its event in one transaction).
func (t *bigTown) touchHazard(b *testing.B, i int) {
	id := ""
	err := t.db.Update(func(tx *storage.Tx) error {
		all, err := hazard.All(tx)
		if err != nil {
			return err
		}
		h := all[benchHazards*4/5+i%(benchHazards/5)]
		id = h.ID
		h.History = append(h.History, hazard.Step{State: hazard.StateAssigned, At: t.clk.Now()})
		if err := hazard.Put(tx, h); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: t.clk.Now(), Type: hazard.EvAssigned, Alert: id, Actor: "api"})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLookAfterHazardStep is a look after one step of one hazard
// among a year's 6,000: that hazard is read again and the 隐患 card
// rebuilt from memory, then rendered.
func BenchmarkLookAfterHazardStep(b *testing.B) {
	t := newBigTown(b)
	t.addHazards(b)
	t.lookAfter(b, t.touchHazard)
}

// BenchmarkLookNewMinuteWithHazards is BenchmarkLookNewMinute with a
// year's hazards: the card's lateness is recomputed from memory.
func BenchmarkLookNewMinuteWithHazards(b *testing.B) {
	t := newBigTown(b)
	t.addHazards(b)
	t.lookNewMinute(b)
}
