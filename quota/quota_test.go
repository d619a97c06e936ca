package quota

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/storage"
)

var loc = time.FixedZone("CST", 8*3600)

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, loc) }

// fixture: 吴敏 supervises A, B and C, 刘洋 is their 行政负责人 and the
// 包保责任人 of D, which 吴敏 does not supervise.
func fixture(t *testing.T) (*Service, *storage.DB) {
	t.Helper()
	cfg := &config.Config{Location: loc, Officials: []config.Official{
		{ID: "o-wu", Name: "吴敏"}, {ID: "o-liu", Name: "刘洋"}, {ID: "o-zhang", Name: "张明"}, {ID: "o-idle", Name: "闲人"}}}
	db, err := storage.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.Update(func(tx *storage.Tx) error {
		var list []enterprise.Enterprise
		for _, c := range []string{"A", "B", "C"} {
			list = append(list, enterprise.Enterprise{Code: c, Name: "企业" + c, Admin: "o-liu", Supervisor: "o-wu"})
		}
		list = append(list, enterprise.Enterprise{Code: "D", Name: "企业D", Admin: "o-zhang", Supervisor: "o-zhang", Guarantor: "o-liu"})
		_, err := enterprise.Replace(tx, list)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, db), db
}

func put(t *testing.T, db *storage.DB, f func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
}

func inspected(id, who, code, kind string, at time.Time, plaque ...string) func(tx *storage.Tx) error {
	return func(tx *storage.Tx) error {
		return inspection.Put(tx, inspection.Inspection{ID: id, Official: who, Enterprise: code, Kind: kind, At: at, Plaque: plaque})
	}
}

func closed(id, admin, sup, found string, at time.Time) func(tx *storage.Tx) error {
	return func(tx *storage.Tx) error {
		return hazard.Put(tx, hazard.Hazard{ID: id, Administrator: admin, Supervisor: sup, FoundBy: found,
			State: hazard.StateClosed, ClosedAt: at, FoundAt: at.AddDate(0, 0, -3)})
	}
}

// Each figure counts only its own records, in its own month, for the
// people the record concerns; coverage counts the half year's plaques.
func TestCountsFromRecords(t *testing.T) {
	s, db := fixture(t)
	put(t, db, inspected("C1", "o-wu", "A", inspection.KindCheck, day(12, 2), enterprise.PlaqueSupervisor))
	put(t, db, inspected("C2", "o-wu", "B", inspection.KindProblem, day(12, 3), enterprise.PlaqueSupervisor))
	put(t, db, inspected("C3", "o-wu", "A", inspection.KindCheck, day(11, 20), enterprise.PlaqueSupervisor)) // November
	put(t, db, inspected("C4", "o-wu", "D", inspection.KindCheck, day(12, 4)))                               // not hers
	put(t, db, inspected("C5", "o-liu", "D", inspection.KindCheck, day(12, 5), enterprise.PlaqueGuarantor))  // 包保 only
	put(t, db, inspected("C6", "o-wu", "C", inspection.KindCheck, day(6, 30), enterprise.PlaqueSupervisor))  // first half
	put(t, db, closed("H1", "o-liu", "o-wu", "o-wu", day(12, 8)))
	put(t, db, closed("H2", "o-liu", "o-wu", "o-zhang", day(11, 30)))
	put(t, db, closed("H3", "o-zhang", "o-zhang", "o-wu", day(12, 9))) // found by her elsewhere
	put(t, db, func(tx *storage.Tx) error {                            // open: not counted
		return hazard.Put(tx, hazard.Hazard{ID: "H4", Administrator: "o-liu", Supervisor: "o-wu", FoundBy: "o-wu", State: hazard.StateRechecked})
	})

	tests := []struct {
		who      string
		at       time.Time
		want     Figures
		plaques  []string
		covered  []string
		behind   bool
		complete bool
	}{
		{"o-wu", day(12, 15), Figures{Inspections: 1, Hazards: 2, Problems: 1}, []string{"A", "B", "C"}, []string{"A", "B"}, true, false},
		{"o-wu", day(11, 15), Figures{Inspections: 1, Hazards: 1}, []string{"A", "B", "C"}, []string{"A", "B"}, true, false}, // the half year is read whole
		{"o-liu", day(12, 15), Figures{Hazards: 1}, []string{"A", "B", "C"}, nil, true, false},
		{"o-liu", day(11, 15), Figures{Hazards: 1}, []string{"A", "B", "C"}, nil, true, false},
		{"o-zhang", day(12, 15), Figures{Hazards: 1}, []string{"D"}, nil, true, false},
		{"o-idle", day(12, 15), Figures{}, nil, nil, true, true},
	}
	for _, tt := range tests {
		var f Figures
		var c Coverage
		err := db.View(func(tx *storage.Tx) error {
			from, to := s.Month(tt.at)
			var err error
			if f, err = s.Count(tx, tt.who, from, to); err != nil {
				return err
			}
			hf, ht := s.HalfYear(tt.at)
			c, err = s.Coverage(tx, tt.who, hf, ht)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if f != tt.want || !slices.Equal(c.Plaques, tt.plaques) || !slices.Equal(c.Covered, tt.covered) || c.Complete() != tt.complete {
			t.Errorf("%s in %s: %+v %+v, want %+v plaques %v covered %v", tt.who, tt.at.Format("01"), f, c, tt.want, tt.plaques, tt.covered)
		}
		if got := (Row{Month: f}).Behind(); got != tt.behind {
			t.Errorf("%s behind = %v", tt.who, got)
		}
	}

	// The town's standing lists those with plaques or records, in
	// configuration order, and leaves out the idle.
	rows, err := s.Standing(day(12, 15))
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, r := range rows {
		who = append(who, r.Official)
	}
	if !slices.Equal(who, []string{"o-wu", "o-liu", "o-zhang"}) {
		t.Errorf("standing lists %v", who)
	}
	if m := rows[0].Half.Missing(); !slices.Equal(m, []string{"C"}) {
		t.Errorf("吴敏 still to visit %v, want [C]", m)
	}
}

// On target: two of each.
func TestBehind(t *testing.T) {
	tests := []struct {
		f    Figures
		want bool
	}{
		{Figures{2, 2, 2}, false},
		{Figures{3, 5, 2}, false},
		{Figures{2, 2, 1}, true},
		{Figures{1, 2, 2}, true},
		{Figures{2, 1, 2}, true},
	}
	for _, tt := range tests {
		if got := (Row{Month: tt.f}).Behind(); got != tt.want {
			t.Errorf("%+v behind = %v", tt.f, got)
		}
	}
}

// The half years split at July.
func TestPeriods(t *testing.T) {
	s := New(&config.Config{Location: loc}, nil)
	from, to := s.HalfYear(time.Date(2026, 6, 30, 23, 0, 0, 0, loc))
	if !from.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("first half %v–%v", from, to)
	}
	from, to = s.HalfYear(time.Date(2026, 7, 1, 0, 0, 0, 0, loc))
	if !from.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("second half %v–%v", from, to)
	}
	from, to = s.Month(time.Date(2026, 12, 31, 23, 59, 0, 0, loc))
	if !from.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, loc)) || !to.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("December %v–%v", from, to)
	}
}
