package storage

import (
	"errors"
	"reflect"
	"testing"
)

func TestWarningsActiveAndDutyMode(t *testing.T) {
	db := openTemp(t)
	ws := []Warning{
		{ID: "20261130-0002", Type: "heat", Level: "orange", State: WarningActive, DutyMode: true, IssuedAt: t0},
		{ID: "20261130-0001", Type: "rainstorm", Level: "red", Units: []string{"yjb"}, State: WarningLifted, IssuedAt: t0,
			LiftedAt: t0, LiftedBy: "o-he", Meltdown: true, ConfirmBy: t0, Overdue: true, Watchers: []string{"o-duty"},
			Board: []MessageRef{{ChatID: 1, MessageID: 2}}},
		{ID: "20261201-0001", Type: "fog", Level: "yellow", State: WarningActive, IssuedAt: t0},
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for _, w := range ws {
			if err := tx.PutWarning(w); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Warning("20261130-0001")
		if err != nil || !reflect.DeepEqual(got, ws[1]) {
			t.Errorf("Warning = %+v, %v; want %+v", got, err, ws[1])
		}
		if _, err := tx.Warning("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing warning: %v", err)
		}
		all, _ := tx.Warnings()
		active, _ := tx.ActiveWarnings()
		var ids []string
		for _, w := range active {
			ids = append(ids, w.ID)
		}
		if len(all) != 3 || all[0].ID != "20261130-0001" || !reflect.DeepEqual(ids, []string{"20261130-0002", "20261201-0001"}) {
			t.Errorf("Warnings = %d, active %v", len(all), ids)
		}
		if on, err := tx.DutyModeOn(); !on || err != nil {
			t.Errorf("DutyModeOn = %v, %v", on, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		w := ws[0]
		w.State, w.DutyMode = WarningLifted, false
		return tx.PutWarning(w)
	})
	mustView(t, db, func(tx *Tx) error {
		if on, _ := tx.DutyModeOn(); on {
			t.Error("duty mode on with no duty-mode warning active")
		}
		return nil
	})
}

func TestChecklistOrderAndRoundTrip(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, no := range []int{10, 2, 1, 11} {
			it := ChecklistItem{Warning: "w1", No: no, Unit: "yjb", Action: "stop", Text: "停止", State: ItemOpen}
			if err := tx.PutChecklistItem(it); err != nil {
				return err
			}
		}
		// Another warning whose id extends the first must not mix in.
		if err := tx.PutChecklistItem(ChecklistItem{Warning: "w10", No: 1, State: ItemOpen}); err != nil {
			return err
		}
		if err := tx.PutChecklistItem(ChecklistItem{Warning: "w1", No: 0}); err == nil {
			t.Error("item number 0 was stored")
		}
		done := ChecklistItem{Warning: "w1", No: 2, Unit: "cgdd", Action: "evacuate", Text: "撤离", Count: true,
			State: ItemDone, Value: 35, Note: "已全部撤离", By: "o-chen", At: t0}
		return tx.PutChecklistItem(done)
	})
	mustView(t, db, func(tx *Tx) error {
		items, err := tx.Checklist("w1")
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
		it, err := tx.ChecklistItem("w1", 2)
		want := ChecklistItem{Warning: "w1", No: 2, Unit: "cgdd", Action: "evacuate", Text: "撤离", Count: true,
			State: ItemDone, Value: 35, Note: "已全部撤离", By: "o-chen", At: t0}
		if err != nil || !reflect.DeepEqual(it, want) || !it.Done() {
			t.Errorf("item 2 = %+v, %v", it, err)
		}
		for _, no := range []int{0, 3, -1} {
			if _, err := tx.ChecklistItem("w1", no); !errors.Is(err, ErrNotFound) {
				t.Errorf("item %d: %v", no, err)
			}
		}
		if items, _ := tx.Checklist("none"); len(items) != 0 {
			t.Errorf("unknown warning has %d items", len(items))
		}
		return nil
	})
}
