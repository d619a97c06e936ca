package storage

import (
	"maps"
	"path/filepath"
	"testing"
	"time"
)

// CountClosedHazards counts each hazard closed in the period once for each
// official it names (行政负责人, 行业部门监管负责人 or finder), and no other:
// an id that merely begins another's (o-wu, o-wumin) counts nothing of it,
// open hazards count nothing.
func TestCountClosedHazards(t *testing.T) {
	db := openTemp(t)
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	hazards := []Hazard{
		{ID: "H1", Administrator: "o-zhang", Supervisor: "o-wu", FoundBy: "o-zhang", State: HazardClosed, ClosedAt: day(1)},
		{ID: "H2", Administrator: "o-zhang", Supervisor: "o-wumin", FoundBy: "o-li", State: HazardClosed, ClosedAt: day(2)},
		{ID: "H3", Administrator: "o-li", Supervisor: "o-wu", FoundBy: "o-wu", State: HazardClosed, ClosedAt: day(10)},
		{ID: "H4", Administrator: "o-wu", Supervisor: "o-wu", FoundBy: "o-wu", State: HazardAssigned},
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for _, h := range hazards {
			if err := tx.PutHazard(h); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		official string
		from, to time.Time
		want     int
	}{
		{"o-zhang", day(0), day(30), 2},
		{"o-wu", day(0), day(30), 2},
		{"o-wumin", day(0), day(30), 1},
		{"o-li", day(0), day(30), 2},
		{"o-li", day(0), day(10), 1}, // to is not included
		{"o-wu", day(2), time.Time{}, 1},
		{"o-wu", day(11), day(30), 0},
		{"o-nobody", day(0), day(30), 0},
		{"", day(0), day(30), 0},
	}
	mustView(t, db, func(tx *Tx) error {
		for _, tc := range tests {
			if n, err := tx.CountClosedHazards(tc.official, tc.from, tc.to); err != nil || n != tc.want {
				t.Errorf("CountClosedHazards(%q, +%v, +%v) = %d, %v; want %d", tc.official, tc.from.Sub(t0), tc.to.Sub(t0), n, err, tc.want)
			}
		}
		return nil
	})
}

// A closed hazard counts once, in the month it was closed, for those on
// its plaque and who found it; a file written before the index existed
// is indexed when opened.
func TestClosedHazardsByMonthAndRebuilt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("CST", 8*3600)
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	jan := dec.AddDate(0, 1, 0)
	err = db.Update(func(tx *Tx) error {
		for _, h := range []Hazard{
			{ID: "H1", Administrator: "liu", Supervisor: "wu", FoundBy: "wu", State: HazardClosed, ClosedAt: dec.Add(time.Hour)},
			{ID: "H2", Administrator: "liu", Supervisor: "wu", FoundBy: "zhang", State: HazardClosed, ClosedAt: jan.Add(-time.Second)},
			{ID: "H3", Administrator: "liu", Supervisor: "wu", FoundBy: "wu", State: HazardClosed, ClosedAt: jan},
			{ID: "H4", Administrator: "liu", Supervisor: "wu", FoundBy: "wu", State: HazardRechecked},
		} {
			if err := tx.PutHazard(h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(db *DB) map[string]int {
		out := map[string]int{}
		err := db.View(func(tx *Tx) error {
			for _, who := range []string{"wu", "liu", "zhang", "he"} {
				n, err := tx.CountClosedHazards(who, dec, jan)
				if err != nil {
					return err
				}
				out[who] = n
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := map[string]int{"wu": 2, "liu": 2, "zhang": 1, "he": 0}
	if got := count(db); !equalCounts(got, want) {
		t.Errorf("December: %v, want %v", got, want)
	}
	// As a file of before the index: no index, no mark.
	err = db.Update(func(t_ *Tx) error {
		tx := t_.tx
		if err := tx.DeleteBucket(bHazardsClosed); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bHazardsClosed); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Delete(keyClosedIndexed)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := count(db); got["wu"] != 0 {
		t.Fatalf("the index was not emptied: %v", got)
	}
	db.Close()
	if db, err = openPath(t, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := count(db); !equalCounts(got, want) {
		t.Errorf("after reopening: %v, want %v", got, want)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

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
