package hazard

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dutybot/storage"
)

// openRecords opens a database in a fresh file of t.TempDir, as the
// hazard loop's records are kept, and closes it at cleanup.
func openRecords(t *testing.T) *storage.DB {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func putHazards(t *testing.T, db *storage.DB, list ...Hazard) {
	t.Helper()
	err := db.Update(func(tx *storage.Tx) error {
		for _, h := range list {
			if err := Put(tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CountClosed counts each hazard closed in the period once for each
// official it names (行政负责人, 行业部门监管负责人 or finder), and no other:
// an id that merely begins another's (o-wu, o-wumin) counts nothing of it,
// open hazards count nothing.
func TestCountClosed(t *testing.T) {
	db := openRecords(t)
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	putHazards(t, db,
		Hazard{ID: "H1", Administrator: "o-zhang", Supervisor: "o-wu", FoundBy: "o-zhang", State: StateClosed, ClosedAt: day(1)},
		Hazard{ID: "H2", Administrator: "o-zhang", Supervisor: "o-wumin", FoundBy: "o-li", State: StateClosed, ClosedAt: day(2)},
		Hazard{ID: "H3", Administrator: "o-li", Supervisor: "o-wu", FoundBy: "o-wu", State: StateClosed, ClosedAt: day(10)},
		Hazard{ID: "H4", Administrator: "o-wu", Supervisor: "o-wu", FoundBy: "o-wu", State: StateAssigned})
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
	err := db.View(func(tx *storage.Tx) error {
		for _, tc := range tests {
			if n, err := CountClosed(tx, tc.official, tc.from, tc.to); err != nil || n != tc.want {
				t.Errorf("CountClosed(%q, +%v, +%v) = %d, %v; want %d", tc.official, tc.from.Sub(t0), tc.to.Sub(t0), n, err, tc.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A closed hazard counts once, in the month it was closed, for those on
// its plaque and who found it; a file written before the index existed
// is indexed by Upgrade, and a file marked indexed is not read again.
func TestClosedHazardsByMonthAndUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	loc := time.FixedZone("CST", 8*3600)
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	jan := dec.AddDate(0, 1, 0)
	putHazards(t, db,
		Hazard{ID: "H1", Administrator: "liu", Supervisor: "wu", FoundBy: "wu", State: StateClosed, ClosedAt: dec.Add(time.Hour)},
		Hazard{ID: "H2", Administrator: "liu", Supervisor: "wu", FoundBy: "zhang", State: StateClosed, ClosedAt: jan.Add(-time.Second)},
		Hazard{ID: "H3", Administrator: "liu", Supervisor: "wu", FoundBy: "wu", State: StateClosed, ClosedAt: jan},
		Hazard{ID: "H4", Administrator: "liu", Supervisor: "wu", FoundBy: "wu", State: StateRechecked})
	count := func(db *storage.DB) map[string]int {
		t.Helper()
		out := map[string]int{}
		err := db.View(func(tx *storage.Tx) error {
			for _, who := range []string{"wu", "liu", "zhang", "he"} {
				n, err := CountClosed(tx, who, dec, jan)
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
	if got := count(db); !maps.Equal(got, want) {
		t.Errorf("December: %v, want %v", got, want)
	}
	// As a file of before the index: no index, no mark.
	forget := func(mark bool) {
		t.Helper()
		err := db.Update(func(tx *storage.Tx) error {
			idx := tx.Records(bHazardsClosed)
			var keys [][]byte
			if err := idx.Scan(nil, nil, func(k, _ []byte) error { keys = append(keys, slices.Clone(k)); return nil }); err != nil {
				return err
			}
			for _, k := range keys {
				if err := idx.Delete(k); err != nil {
					return err
				}
			}
			if mark {
				return nil
			}
			return tx.Records("meta").Delete([]byte(keyClosedIndexed))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := Upgrade(db); err != nil { // a new file is marked indexed
		t.Fatal(err)
	}
	forget(false)
	if got := count(db); got["wu"] != 0 {
		t.Fatalf("the index was not emptied: %v", got)
	}
	db.Close()
	if db, err = storage.Open(path); err != nil {
		t.Fatal(err)
	}
	if err := Upgrade(db); err != nil {
		t.Fatal(err)
	}
	if got := count(db); !maps.Equal(got, want) {
		t.Errorf("after the upgrade: %v, want %v", got, want)
	}
	// Marked indexed, the file is not indexed again.
	forget(true)
	if err := Upgrade(db); err != nil {
		t.Fatal(err)
	}
	if got := count(db); got["wu"] != 0 {
		t.Errorf("a file marked indexed was indexed again: %v", got)
	}
}

// ClosedCounts: the hazards closed in a period count once for each of
// their 行政负责人, 行业部门监管负责人 and finder, once per hazard when one
// person is two of them; hazards closed outside the period or not closed
// do not count; counting everyone at once agrees with counting each.
func TestClosedCounts(t *testing.T) {
	db := openRecords(t)
	cst := time.FixedZone("CST", 8*3600)
	from, to := time.Date(2026, 12, 1, 0, 0, 0, 0, cst), time.Date(2027, 1, 1, 0, 0, 0, 0, cst)
	putHazards(t, db,
		Hazard{ID: "H1", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-zhang", State: StateClosed, ClosedAt: from},
		Hazard{ID: "H2", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: StateClosed, ClosedAt: from.Add(48 * time.Hour)},
		Hazard{ID: "H3", Supervisor: "o-chen", FoundBy: "o-chen", State: StateClosed, ClosedAt: to.Add(-time.Second)},
		Hazard{ID: "H4", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: StateClosed, ClosedAt: from.Add(-time.Second)},
		Hazard{ID: "H5", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: StateClosed, ClosedAt: to},
		Hazard{ID: "H6", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: StateRechecked})
	want := map[string]int{"o-liu": 2, "o-wu": 2, "o-zhang": 1, "o-chen": 1}
	err := db.View(func(tx *storage.Tx) error {
		all, err := ClosedCounts(tx, from, to)
		if err != nil {
			return err
		}
		if !maps.Equal(all, want) {
			t.Errorf("ClosedCounts = %v, want %v", all, want)
		}
		for _, o := range []string{"o-liu", "o-wu", "o-zhang", "o-chen", "o-he"} {
			n, err := CountClosed(tx, o, from, to)
			if err != nil {
				return err
			}
			if n != want[o] {
				t.Errorf("CountClosed(%s) = %d, want %d", o, n, want[o])
			}
		}
		if n, _ := CountClosed(tx, "o-wu", from, time.Time{}); n != 3 {
			t.Errorf("with no end, o-wu has %d, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
