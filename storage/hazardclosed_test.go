package storage

import (
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
