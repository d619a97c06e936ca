package board

import (
	"fmt"
	"testing"
	"time"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/quota"
	"dutybot/storage"
)

// The big town's 挂牌企业: 2,000 enterprises, each unit's 1 and 2 (80
// officials) on the plaques of 50, with a year of their work: 6
// inspections each a month (one in three a 难题; in every fourth unit only
// one, so a quarter of them are behind) and 5 hazards a month of each unit
// closed (about 2,600 in the year).
const (
	benchInspectionsMonth = 6
	benchClosedMonth      = 5
)

// addWork imports the registry and stores the year's inspections and
// closed hazards, indexed as /check and the hazard loop index them, with
// their events; the board's next look counts the quotas.
func (t *bigTown) addWork(b *testing.B) {
	b.Helper()
	now := t.clk.Now()
	holder := func(i, k int) string { return fmt.Sprintf("o-%d-%d", i%bigUnits, k) }
	unit := func(i int) string {
		switch i % bigUnits {
		case 0:
			return "yjb"
		case 1:
			return "dzb"
		}
		return fmt.Sprintf("v%d", i%bigUnits)
	}
	err := t.db.Update(func(tx *storage.Tx) error {
		list := make([]enterprise.Enterprise, benchEnterprises)
		for i := range list {
			list[i] = enterprise.Enterprise{Code: fmt.Sprintf("E%05d", i), Name: fmt.Sprintf("企业%d", i), Industry: "industry_trade",
				Risk: "blue", Admin: holder(i, 1), Supervisor: holder(i, 2), Unit: unit(i)}
		}
		if _, err := enterprise.Replace(tx, list); err != nil {
			return err
		}
		n := 0
		for m := 12; m >= 0; m-- {
			for u := range bigUnits {
				per := benchInspectionsMonth
				if u%4 == 0 {
					per = 1
				}
				for k := 1; k <= 2; k++ {
					for j := range per {
						at := now.AddDate(0, -m, 0).Add(-time.Duration(u*12+k*6+j) * time.Hour)
						if !at.Before(now) {
							continue
						}
						n++
						code := fmt.Sprintf("E%05d", u+bigUnits*((j+m*benchInspectionsMonth)%(benchEnterprises/bigUnits)))
						kind := inspection.KindCheck
						if j%3 == 2 {
							kind = inspection.KindProblem
						}
						role := enterprise.PlaqueAdmin
						if k == 2 {
							role = enterprise.PlaqueSupervisor
						}
						in := inspection.Inspection{ID: fmt.Sprintf("C%s-%04d", at.Format("20060102"), n), Enterprise: code,
							Official: holder(u, k), At: at, Kind: kind, Checked: "消防", Plaque: []string{role}}
						if err := inspection.Put(tx, in); err != nil {
							return err
						}
						if err := tx.AppendEvent(storage.Event{At: at, Type: inspection.EvInspected, Alert: in.ID, Actor: in.Official}); err != nil {
							return err
						}
					}
				}
				for j := range benchClosedMonth {
					closed := now.AddDate(0, -m, 0).Add(-time.Duration(u*12+j) * time.Hour)
					if !closed.Before(now) {
						continue
					}
					n++
					h := hazard.Hazard{ID: fmt.Sprintf("H%s-%04d", closed.Format("20060102"), n), Enterprise: fmt.Sprintf("E%05d", u),
						EnterpriseName: "企业", Unit: unit(u), Administrator: holder(u, 1), Supervisor: holder(u, 2), FoundBy: holder(u, 2),
						FoundAt: closed.Add(-72 * time.Hour), Level: hazard.LevelGeneral, Description: "灭火器过期",
						State: hazard.StateClosed, ClosedBy: holder(u, 2), ClosedAt: closed}
					if err := hazard.Put(tx, h); err != nil {
						return err
					}
					if err := tx.AppendEvent(storage.Event{At: closed, Type: hazard.EvClosed, Alert: h.ID, Actor: h.ClosedBy}); err != nil {
						return err
					}
				}
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
	met := 0
	for _, r := range snap.board.Quotas {
		if !r.Behind() {
			met++
		}
	}
	b.Logf("%d enterprises, %d plaque holders (%d on target); the look after a year of work %s", benchEnterprises,
		len(snap.board.Quotas), met, time.Since(began).Round(time.Millisecond))
}

// inspectOnce records one more inspection, as /check would (the record,
// its index entry and its event in one transaction).
func (t *bigTown) inspectOnce(b *testing.B, i int) {
	now := t.clk.Now()
	err := t.db.Update(func(tx *storage.Tx) error {
		id, err := inspection.NextID(tx, now)
		if err != nil {
			return err
		}
		u := i % bigUnits
		in := inspection.Inspection{ID: id, Enterprise: fmt.Sprintf("E%05d", u), Official: fmt.Sprintf("o-%d-1", u), At: now,
			Kind: inspection.KindCheck, Checked: "消防", Plaque: []string{enterprise.PlaqueAdmin}}
		if err := inspection.Put(tx, in); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: inspection.EvInspected, Alert: id, Actor: in.Official})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQuotaTown counts the 履职 card's data alone: every official of
// 1,000 looked up, the 80 plaque holders' month and half year counted.
func BenchmarkQuotaTown(b *testing.B) {
	t := newBigTown(b)
	t.addWork(b)
	q := quota.New(t.srv.d.Config, t.db)
	b.ResetTimer()
	for range b.N {
		if err := t.db.View(func(tx *storage.Tx) error {
			_, err := q.Town(tx, t.clk.Now())
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookAfterInspection is a look after one inspection: the quotas
// are counted again and the board rendered.
func BenchmarkLookAfterInspection(b *testing.B) {
	t := newBigTown(b)
	t.addWork(b)
	t.lookAfter(b, t.inspectOnce)
}

// BenchmarkLookNewMinuteWithWork is BenchmarkLookNewMinute with the
// registry and a year of work: the quotas are not counted again.
func BenchmarkLookNewMinuteWithWork(b *testing.B) {
	t := newBigTown(b)
	t.addWork(b)
	t.lookNewMinute(b)
}
