package inspection

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"dutybot/enterprise"
	"dutybot/storage"
)

// The records alone: a database that never stored an inspection reads as
// empty; an id is stored once; an official's inspections are found and
// counted through the index by period, an official whose id begins
// another's sharing none of them.
func TestRecords(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *storage.Tx) error {
		all, err := All(tx)
		if err != nil || len(all) != 0 {
			t.Errorf("All of a new database = %v, %v", all, err)
		}
		c, err := Count(tx, "o-wu", time.Time{}, time.Time{})
		if err != nil || c.All != 0 {
			t.Errorf("Count of a new database = %+v, %v", c, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	own := []string{enterprise.PlaqueSupervisor}
	list := []Inspection{
		{ID: "C1", Official: "o-wu", Enterprise: "A", Kind: KindCheck, At: day(1), Plaque: own},
		{ID: "C2", Official: "o-wu", Enterprise: "B", Kind: KindProblem, At: day(2), Plaque: own},
		{ID: "C3", Official: "o-wu", Enterprise: "A", Kind: KindCheck, At: day(3), Plaque: own},
		{ID: "C4", Official: "o-wu", Enterprise: "C", Kind: KindCheck, At: day(4)}, // not on her plaque
		{ID: "C5", Official: "o-wumin", Enterprise: "A", Kind: KindCheck, At: day(2), Plaque: own},
		{ID: "C6", Official: "o-wu", Enterprise: "D", Kind: KindCheck, At: day(40), Plaque: own},
	}
	err = db.Update(func(tx *storage.Tx) error {
		for _, i := range list {
			if err := Put(tx, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *storage.Tx) error {
		if err := Put(tx, Inspection{ID: "C1", Official: "o-li", At: day(5)}); err == nil {
			t.Error("an id stored twice")
		}
		if err := Put(tx, Inspection{ID: "C9"}); err == nil {
			t.Error("an inspection without an official stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *storage.Tx) error {
		got, err := By(tx, "o-wu", day(0), day(30))
		if err != nil {
			return err
		}
		var ids []string
		for _, i := range got {
			ids = append(ids, i.ID)
		}
		if want := []string{"C1", "C2", "C3", "C4"}; !slices.Equal(ids, want) {
			t.Errorf("By(o-wu, the month) = %v, want %v", ids, want)
		}
		c, err := Count(tx, "o-wu", day(0), day(30))
		if err != nil {
			return err
		}
		if want := (Counts{All: 4, Own: 2, Problems: 1, Covered: []string{"A", "B"}}); !reflect.DeepEqual(c, want) {
			t.Errorf("Count(o-wu, the month) = %+v, want %+v", c, want)
		}
		if c, _ := Count(tx, "o-wu", day(2), day(3)); c.All != 1 || c.Problems != 1 {
			t.Errorf("Count(o-wu, day 2) = %+v: to is not included", c)
		}
		if c, _ := Count(tx, "o-wu", time.Time{}, time.Time{}); c.All != 5 {
			t.Errorf("Count(o-wu) with no bounds = %+v, want 5", c)
		}
		if i, err := Load(tx, "C2"); err != nil || !reflect.DeepEqual(i.Plaque, own) || !i.At.Equal(day(2)) {
			t.Errorf("Load(C2) = %+v, %v", i, err)
		}
		all, err := All(tx)
		if err != nil || len(all) != len(list) || all[0].ID != "C1" || all[len(all)-1].ID != "C6" {
			t.Errorf("All = %d inspections, %v", len(all), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
