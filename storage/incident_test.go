package storage

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestIncidentIDsNumberEachDay(t *testing.T) {
	db := openTemp(t)
	day1 := time.Date(2026, 11, 28, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(time.Minute)
	var got []string
	mustUpdate(t, db, func(tx *Tx) error {
		for _, at := range []time.Time{day1, day1, day2, day1} {
			id, err := tx.NextIncidentID(at)
			if err != nil {
				return err
			}
			got = append(got, id)
		}
		return nil
	})
	want := []string{"I20261128-01", "I20261128-02", "I20261129-01", "I20261128-03"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for i := 0; i < 97; i++ {
			if _, err := tx.NextIncidentID(day1); err != nil {
				return err
			}
		}
		id, err := tx.NextIncidentID(day1)
		if id != "I20261128-101" {
			t.Errorf("101st id = %s", id)
		}
		return err
	})
}

func TestIncidentRoundTripAndSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	up := UpReport{At: t0.Add(time.Hour), By: "o-liu", To: "区应急管理局", Late: true}
	in := Incident{ID: "I20261128-01", OccurredAt: t0, Place: "金凤路口", Unit: "某公司", Category: "gas", Deaths: 1,
		Serious: 2, Missing: 3, LossYuan: 125_000, Account: "泄漏", Photos: []string{"f1", "f2"}, Reporter: "o-zhang",
		Source: "chat", ReportedAt: t0.Add(time.Minute), Level: "larger", Alert: "20261128-0001",
		ReportDue: t0.Add(time.Hour), Up: &up, Late: true, LateAt: t0.Add(time.Hour), Escalation: "20261128-0002",
		Updates: []IncidentUpdate{{At: t0, By: "api", Deaths: 1, Serious: 2, Missing: 3, LossYuan: 1, Note: "n",
			LevelBefore: "general", Level: "larger", Casualties: true, Supplement: true}},
		SupplementDue: true, Supplements: []UpReport{{At: t0, By: "o-he", To: "x"}}}
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.PutIncident(in); err != nil {
			return err
		}
		return tx.PutIncident(Incident{ID: "I20261127-01", Level: "general"})
	})
	db.Close()
	if db, err = openPath(t, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Incident(in.ID)
		if err != nil {
			return err
		}
		// Times come back as stored (UTC here); compare field by field.
		if !reflect.DeepEqual(got, in) {
			t.Errorf("Incident = %+v\nwant %+v", got, in)
		}
		if _, err := tx.Incident("I20000101-01"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing incident: %v", err)
		}
		all, err := tx.Incidents()
		if err != nil || len(all) != 2 || all[0].ID != "I20261127-01" || all[1].ID != in.ID {
			t.Errorf("Incidents = %v, %v", all, err)
		}
		return nil
	})
}
