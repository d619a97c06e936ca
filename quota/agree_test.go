package quota

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/storage"
)

const testYAML = `
timezone: Asia/Shanghai
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal, admin]}
`

// TestTownAgreesWithEachPerson: Town, which reads the month's closed
// hazards once for everyone, gives each person what Count and Coverage
// give them one by one, lists those with a plaque or a count in
// configuration order, and leaves out the others (何军, nothing).
func TestTownAgreesWithEachPerson(t *testing.T) {
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := New(cfg, db)
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, cfg.Location)
	oct := now.AddDate(0, -1, 0)
	err = db.Update(func(tx *storage.Tx) error {
		if _, err := enterprise.Replace(tx, []enterprise.Enterprise{
			{Code: "E1", Name: "机械厂", Admin: "o-liu", Supervisor: "o-wu", Unit: "yjb"},
			{Code: "E2", Name: "面粉厂", Admin: "o-liu", Supervisor: "o-wu", Unit: "yjb"},
		}); err != nil {
			return err
		}
		for i, in := range []inspection.Inspection{
			{Enterprise: "E1", Official: "o-wu", At: now, Kind: inspection.KindCheck, Plaque: []string{enterprise.PlaqueSupervisor}},
			{Enterprise: "E1", Official: "o-wu", At: now, Kind: inspection.KindProblem, Plaque: []string{enterprise.PlaqueSupervisor}},
			{Enterprise: "E2", Official: "o-liu", At: oct, Kind: inspection.KindCheck, Plaque: []string{enterprise.PlaqueAdmin}},
			{Enterprise: "E9", Official: "o-zhang", At: now, Kind: inspection.KindCheck}, // not his plaque: counts nothing
		} {
			in.ID, in.Checked = string(rune('a'+i)), "消防"
			if err := inspection.Put(tx, in); err != nil {
				return err
			}
		}
		for i, h := range []hazard.Hazard{
			{Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", ClosedAt: now},
			{Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-zhang", ClosedAt: now},
			{Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", ClosedAt: oct},
		} {
			h.ID, h.State = string(rune('a'+i)), hazard.StateClosed
			if err := hazard.Put(tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Official: "o-zhang", Month: Figures{Hazards: 1}},
		{Official: "o-wu", Month: Figures{Inspections: 1, Hazards: 2, Problems: 1}, Half: Coverage{Plaques: []string{"E1", "E2"}, Covered: []string{"E1"}}},
		{Official: "o-liu", Month: Figures{Hazards: 2}, Half: Coverage{Plaques: []string{"E1", "E2"}, Covered: []string{"E2"}}},
	}
	err = db.View(func(tx *storage.Tx) error {
		got, err := s.Town(tx, now)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Town:\n got %+v\nwant %+v", got, want)
		}
		mFrom, mTo := s.Month(now)
		hFrom, hTo := s.HalfYear(now)
		for _, r := range got {
			f, err := s.Count(tx, r.Official, mFrom, mTo)
			if err != nil {
				return err
			}
			c, err := s.Coverage(tx, r.Official, hFrom, hTo)
			if err != nil {
				return err
			}
			if f != r.Month || !reflect.DeepEqual(c, r.Half) {
				t.Errorf("%s one by one: %+v %+v; in Town: %+v %+v", r.Official, f, c, r.Month, r.Half)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Person, as /check's answer reads it, is the same row.
	for _, r := range want {
		got, err := s.Person(r.Official, now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("Person(%s) = %+v, want %+v", r.Official, got, r)
		}
	}
}
