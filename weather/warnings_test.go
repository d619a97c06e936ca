package weather

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

var t0 = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

func openTemp(t *testing.T) *storage.DB {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustUpdate(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func mustView(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

func TestWarningsActiveAndDutyMode(t *testing.T) {
	db := openTemp(t)
	ws := []Warning{
		{ID: "20261130-0002", Type: "heat", Level: "orange", State: WarningActive, DutyMode: true, IssuedAt: t0},
		{ID: "20261130-0001", Type: "rainstorm", Level: "red", Units: []string{"yjb"}, State: WarningLifted, IssuedAt: t0,
			LiftedAt: t0, LiftedBy: "o-he", Meltdown: true, ConfirmBy: t0, Overdue: true, Watchers: []string{"o-duty"},
			Board: []callout.MessageRef{{ChatID: 1, MessageID: 2}}},
		{ID: "20261201-0001", Type: "fog", Level: "yellow", State: WarningActive, IssuedAt: t0},
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, w := range ws {
			if err := PutWarning(tx, w); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *storage.Tx) error {
		got, err := LoadWarning(tx, "20261130-0001")
		if err != nil || !reflect.DeepEqual(got, ws[1]) {
			t.Errorf("Warning = %+v, %v; want %+v", got, err, ws[1])
		}
		if _, err := LoadWarning(tx, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("missing warning: %v", err)
		}
		all, _ := Warnings(tx)
		active, _ := ActiveWarnings(tx)
		var ids []string
		for _, w := range active {
			ids = append(ids, w.ID)
		}
		if len(all) != 3 || all[0].ID != "20261130-0001" || !reflect.DeepEqual(ids, []string{"20261130-0002", "20261201-0001"}) {
			t.Errorf("Warnings = %d, active %v", len(all), ids)
		}
		if on, err := DutyModeOn(tx); !on || err != nil {
			t.Errorf("DutyModeOn = %v, %v", on, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		w := ws[0]
		w.State, w.DutyMode = WarningLifted, false
		return PutWarning(tx, w)
	})
	mustView(t, db, func(tx *storage.Tx) error {
		if on, _ := DutyModeOn(tx); on {
			t.Error("duty mode on with no duty-mode warning active")
		}
		return nil
	})
}

func TestChecklistOrderAndRoundTrip(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, no := range []int{10, 2, 1, 11} {
			it := ChecklistItem{Warning: "w1", No: no, Unit: "yjb", Action: "stop", Text: "停止", State: ItemOpen}
			if err := PutChecklistItem(tx, it); err != nil {
				return err
			}
		}
		// Another warning whose id extends the first must not mix in.
		if err := PutChecklistItem(tx, ChecklistItem{Warning: "w10", No: 1, State: ItemOpen}); err != nil {
			return err
		}
		if err := PutChecklistItem(tx, ChecklistItem{Warning: "w1", No: 0}); err == nil {
			t.Error("item number 0 was stored")
		}
		done := ChecklistItem{Warning: "w1", No: 2, Unit: "cgdd", Action: "evacuate", Text: "撤离", Count: true,
			State: ItemDone, Value: 35, Note: "已全部撤离", By: "o-chen", At: t0}
		return PutChecklistItem(tx, done)
	})
	mustView(t, db, func(tx *storage.Tx) error {
		items, err := Checklist(tx, "w1")
		if err != nil {
			return err
		}
		var nos []int
		for _, it := range items {
			nos = append(nos, it.No)
		}
		if !reflect.DeepEqual(nos, []int{1, 2, 10, 11}) {
			t.Errorf("numbers = %v", nos)
		}
		it, err := LoadChecklistItem(tx, "w1", 2)
		want := ChecklistItem{Warning: "w1", No: 2, Unit: "cgdd", Action: "evacuate", Text: "撤离", Count: true,
			State: ItemDone, Value: 35, Note: "已全部撤离", By: "o-chen", At: t0}
		if err != nil || !reflect.DeepEqual(it, want) || !it.Done() {
			t.Errorf("item 2 = %+v, %v", it, err)
		}
		for _, no := range []int{0, 3, -1} {
			if _, err := LoadChecklistItem(tx, "w1", no); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("item %d: %v", no, err)
			}
		}
		if items, _ := Checklist(tx, "none"); len(items) != 0 {
			t.Errorf("unknown warning has %d items", len(items))
		}
		return nil
	})
}

// Databases written before the weather feature owned its records keep
// them: the bucket names and key layouts below are what those versions
// wrote. A database that has none of them reads as empty.
func TestReadsRecordsInTheStoredLayout(t *testing.T) {
	db := openTemp(t)
	mustView(t, db, func(tx *storage.Tx) error {
		if on, err := DutyModeOn(tx); on || err != nil {
			t.Errorf("new database: DutyModeOn = %v, %v", on, err)
		}
		if items, err := Checklist(tx, "w1"); len(items) != 0 || err != nil {
			t.Errorf("new database: checklist = %v, %v", items, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := tx.Records("warnings").PutRaw([]byte("w1"), []byte(`{"id":"w1","type":"rainstorm","level":"red","state":"active","duty_mode":true}`)); err != nil {
			return err
		}
		return tx.Records("checklist").PutRaw([]byte("w1\x00000012"), []byte(`{"warning":"w1","no":12,"unit":"yjb","state":"done"}`))
	})
	mustView(t, db, func(tx *storage.Tx) error {
		if w, err := LoadWarning(tx, "w1"); err != nil || w.Level != "red" || !w.DutyMode {
			t.Errorf("warning = %+v, %v", w, err)
		}
		if on, err := DutyModeOn(tx); !on || err != nil {
			t.Errorf("DutyModeOn = %v, %v", on, err)
		}
		if it, err := LoadChecklistItem(tx, "w1", 12); err != nil || !it.Done() || it.Unit != "yjb" {
			t.Errorf("item 12 = %+v, %v", it, err)
		}
		return nil
	})
}
