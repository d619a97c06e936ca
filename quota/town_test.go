package quota

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/inspection"
	"dutybot/storage"
)

const townYAML = `
timezone: Asia/Shanghai
telegram: {api_url: "http://127.0.0.1:9"}
storage: {path: /nonexistent}
units:
  - {id: yjb, name: 应急办, head: o-wu}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [admin]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

// Town reads a person's standing as it was at `at`: a past month's end
// counts neither that month's nor the half year's later visits, so the
// ledger's row of a past month does not change with what came after.
func TestTownStandsAtItsTime(t *testing.T) {
	cfg, err := config.Parse([]byte(townYAML))
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc := cfg.Location
	day := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, loc) }
	// 张明 holds two plaques (A, B); 吴敏 one (A); 李芳 none.
	visits := []struct {
		id, code, official, kind string
		at                       time.Time
	}{
		{"C1", "A", "o-zhang", inspection.KindCheck, day(11, 3, 9)},
		{"C2", "A", "o-zhang", inspection.KindProblem, day(11, 20, 9)},
		{"C3", "B", "o-zhang", inspection.KindCheck, day(12, 5, 9)},
		{"C4", "A", "o-wu", inspection.KindCheck, day(12, 15, 10)}, // exactly at the December reading
	}
	err = db.Update(func(tx *storage.Tx) error {
		if _, err := enterprise.Replace(tx, []enterprise.Enterprise{
			{Code: "A", Name: "甲", Admin: "o-zhang", Supervisor: "o-wu", Unit: "yjb"},
			{Code: "B", Name: "乙", Admin: "o-zhang", Supervisor: "o-zhang", Unit: "yjb"},
		}); err != nil {
			return err
		}
		for _, v := range visits {
			role := enterprise.PlaqueAdmin
			if v.official == "o-wu" {
				role = enterprise.PlaqueSupervisor
			}
			if err := inspection.Put(tx, inspection.Inspection{ID: v.id, Enterprise: v.code, Official: v.official, At: v.at,
				Kind: v.kind, Checked: "消防", Plaque: []string{role}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg, db)
	tests := []struct {
		at   time.Time
		want []Row
	}{
		{day(11, 30, 0).AddDate(0, 0, 1).Add(-time.Nanosecond), []Row{
			{Official: "o-zhang", Month: Figures{Inspections: 1, Problems: 1}, Half: Coverage{Plaques: []string{"A", "B"}, Covered: []string{"A"}}},
			{Official: "o-wu", Half: Coverage{Plaques: []string{"A"}}},
		}},
		{day(12, 15, 10), []Row{
			{Official: "o-zhang", Month: Figures{Inspections: 1}, Half: Coverage{Plaques: []string{"A", "B"}, Covered: []string{"A", "B"}}},
			{Official: "o-wu", Month: Figures{Inspections: 1}, Half: Coverage{Plaques: []string{"A"}, Covered: []string{"A"}}},
		}},
		// Before the half year's first visit: nothing counted yet.
		{day(11, 1, 0), []Row{
			{Official: "o-zhang", Half: Coverage{Plaques: []string{"A", "B"}}},
			{Official: "o-wu", Half: Coverage{Plaques: []string{"A"}}},
		}},
	}
	for _, tc := range tests {
		var got []Row
		err := db.View(func(tx *storage.Tx) error {
			var err error
			got, err = s.Town(tx, tc.at)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, tc.want, func(a, b Row) bool {
			return a.Official == b.Official && a.Month == b.Month && slices.Equal(a.Half.Plaques, b.Half.Plaques) &&
				slices.Equal(a.Half.Covered, b.Half.Covered)
		}) {
			t.Errorf("Town at %s:\n got %+v\nwant %+v", tc.at.Format(time.DateTime), got, tc.want)
		}
	}
}
