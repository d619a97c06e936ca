package incident

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"dutybot/storage"
)

// openDB opens the database file at path and closes it at cleanup.
func openDB(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustUpdate(t *testing.T, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func mustView(t *testing.T, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func TestIncidentIDsNumberEachDay(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "dutybot.db"))
	day1 := time.Date(2026, 11, 28, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(time.Minute)
	var got []string
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, at := range []time.Time{day1, day1, day2, day1} {
			id, err := NextID(tx, at)
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
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for i := 0; i < 97; i++ {
			if _, err := NextID(tx, day1); err != nil {
				return err
			}
		}
		id, err := NextID(tx, day1)
		if id != "I20261128-101" {
			t.Errorf("101st id = %s", id)
		}
		return err
	})
	// The counters are the meta entries existing databases hold: 8 bytes,
	// big-endian.
	mustView(t, db, func(tx *storage.Tx) error {
		if v, _ := tx.Meta("incident_seq:20261129"); v != "\x00\x00\x00\x00\x00\x00\x00\x01" {
			t.Errorf("incident_seq:20261129 = %q, want 1 in 8 bytes", v)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error { return tx.PutMeta("incident_seq:20261130", "7") })
	err := db.Update(func(tx *storage.Tx) error {
		_, err := NextID(tx, day1.AddDate(0, 0, 2))
		return err
	})
	if err == nil {
		t.Error("NextID over a damaged counter succeeded")
	}
}

func TestIncidentRoundTripAndSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// UTC times without a monotonic reading survive the JSON round trip
	// unchanged, so reflect.DeepEqual works.
	t0 := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	up := UpReport{At: t0.Add(time.Hour), By: "o-liu", To: "区应急管理局", Late: true}
	in := Incident{ID: "I20261128-01", OccurredAt: t0, Place: "金凤路口", Unit: "某公司", Category: "gas", Deaths: 1,
		Serious: 2, Missing: 3, LossYuan: 125_000, Account: "泄漏", Photos: []string{"f1", "f2"}, Reporter: "o-zhang",
		Source: "chat", ReportedAt: t0.Add(time.Minute), Level: "larger", Alert: "20261128-0001",
		ReportDue: t0.Add(time.Hour), Up: &up, Late: true, LateAt: t0.Add(time.Hour), Escalation: "20261128-0002",
		Updates: []Update{{At: t0, By: "api", Deaths: 1, Serious: 2, Missing: 3, LossYuan: 1, Note: "n",
			LevelBefore: "general", Level: "larger", Casualties: true, Supplement: true}},
		SupplementDue: true, Supplements: []UpReport{{At: t0, By: "o-he", To: "x"}}}
	mustView(t, db, func(tx *storage.Tx) error {
		// A database that never had an incident has no bucket: reads still
		// answer.
		if all, err := AllIncidents(tx); err != nil || len(all) != 0 {
			t.Errorf("AllIncidents before any = %v, %v", all, err)
		}
		if _, err := LoadIncident(tx, in.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("LoadIncident before any: %v", err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := PutIncident(tx, in); err != nil {
			return err
		}
		return PutIncident(tx, Incident{ID: "I20261127-01", Level: "general"})
	})
	db.Close()
	db = openDB(t, path)
	mustView(t, db, func(tx *storage.Tx) error {
		got, err := LoadIncident(tx, in.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, in) {
			t.Errorf("LoadIncident = %+v\nwant %+v", got, in)
		}
		if _, err := LoadIncident(tx, "I20000101-01"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("missing incident: %v", err)
		}
		all, err := AllIncidents(tx)
		if err != nil || len(all) != 2 || all[0].ID != "I20261127-01" || all[1].ID != in.ID {
			t.Errorf("AllIncidents = %v, %v", all, err)
		}
		return nil
	})
}

// TestIncidentsKeepTheirSchema checks the incidents bucket holds what
// databases written before incidents had their own package hold: id ->
// JSON with these field names. A record that does not decode is named for
// quarantine.
func TestIncidentsKeepTheirSchema(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "dutybot.db"))
	old := `{"id":"I20261128-01","occurred_at":"2026-11-28T09:30:00Z","place":"金凤路口","unit":"某公司",` +
		`"category":"gas","deaths":1,"serious_injuries":2,"missing":0,"loss_yuan":125000,"source":"api",` +
		`"reported_at":"2026-11-28T09:31:00Z","level":"larger","report_due":"2026-11-28T10:30:00Z",` +
		`"up":{"at":"2026-11-28T10:00:00Z","by":"api","to":"区应急管理局"},` +
		`"updates":[{"at":"2026-11-28T09:45:00Z","by":"o-liu","deaths":1,"serious_injuries":2,"missing":0,` +
		`"loss_yuan":125000,"level_before":"general","level":"larger","casualties":true,"outside_window":true}]}`
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := tx.Records("incidents").PutRaw([]byte("I20261128-01"), []byte(old)); err != nil {
			return err
		}
		return tx.Records("incidents").PutRaw([]byte("I20261128-02"), []byte(`{"deaths":"one"}`))
	})
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 28, hh, mm, 0, 0, time.UTC) }
	want := Incident{ID: "I20261128-01", OccurredAt: at(9, 30), Place: "金凤路口", Unit: "某公司", Category: "gas",
		Deaths: 1, Serious: 2, LossYuan: 125000, Source: "api", ReportedAt: at(9, 31), Level: "larger",
		ReportDue: at(10, 30), Up: &UpReport{At: at(10, 0), By: "api", To: "区应急管理局"},
		Updates: []Update{{At: at(9, 45), By: "o-liu", Deaths: 1, Serious: 2, LossYuan: 125000,
			LevelBefore: "general", Level: "larger", Casualties: true, OutsideWindow: true}}}
	mustView(t, db, func(tx *storage.Tx) error {
		got, err := LoadIncident(tx, "I20261128-01")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("LoadIncident = %+v\nwant %+v", got, want)
		}
		_, err = AllIncidents(tx)
		if ce, ok := storage.AsCorrupt(err); !ok || ce.Bucket != "incidents" || string(ce.Key) != "I20261128-02" {
			t.Errorf("AllIncidents with a corrupt record err = %v, want a CorruptError naming incidents/I20261128-02", err)
		}
		return nil
	})
}
