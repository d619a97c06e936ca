package storage

import (
	"maps"
	"testing"
	"time"
)

// TestClosedHazardCounts: the hazards closed in a period count once for
// each of their 行政负责人, 行业部门监管负责人 and finder, once per hazard
// when one person is two of them; hazards closed outside the period or not
// closed do not count; counting everyone at once agrees with counting each.
func TestClosedHazardCounts(t *testing.T) {
	db := openTemp(t)
	cst := time.FixedZone("CST", 8*3600)
	from, to := time.Date(2026, 12, 1, 0, 0, 0, 0, cst), time.Date(2027, 1, 1, 0, 0, 0, 0, cst)
	hazards := []Hazard{
		{ID: "H1", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-zhang", State: HazardClosed, ClosedAt: from},
		{ID: "H2", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: HazardClosed, ClosedAt: from.Add(48 * time.Hour)},
		{ID: "H3", Supervisor: "o-chen", FoundBy: "o-chen", State: HazardClosed, ClosedAt: to.Add(-time.Second)},
		{ID: "H4", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: HazardClosed, ClosedAt: from.Add(-time.Second)},
		{ID: "H5", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: HazardClosed, ClosedAt: to},
		{ID: "H6", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: HazardRechecked},
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for _, h := range hazards {
			if err := tx.PutHazard(h); err != nil {
				return err
			}
		}
		return nil
	})
	want := map[string]int{"o-liu": 2, "o-wu": 2, "o-zhang": 1, "o-chen": 1}
	err := db.View(func(tx *Tx) error {
		all, err := tx.ClosedHazardCounts(from, to)
		if err != nil {
			return err
		}
		if !maps.Equal(all, want) {
			t.Errorf("ClosedHazardCounts = %v, want %v", all, want)
		}
		for _, o := range []string{"o-liu", "o-wu", "o-zhang", "o-chen", "o-he"} {
			n, err := tx.CountClosedHazards(o, from, to)
			if err != nil {
				return err
			}
			if n != want[o] {
				t.Errorf("CountClosedHazards(%s) = %d, want %d", o, n, want[o])
			}
		}
		if n, _ := tx.CountClosedHazards("o-wu", from, time.Time{}); n != 3 {
			t.Errorf("with no end, o-wu has %d, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
