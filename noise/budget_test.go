package noise

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
)

// The noise budget of the example town over the whole of 2026, with nine in
// ten items reported on time and the example registry's plaque holders
// inspecting as item 19 asks: nobody gets more than 4 routine pushes on
// any working day, a late duty calls each person who owes it once (the
// principal's late quarterly meeting: one call, not one per unit), nobody
// is sent an item they do not owe, a unit owes a handful of items a
// month, not dozens, and every hazard notice reaches only people the
// hazard concerns, once a step.
func TestExampleTownYearWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated year takes seconds")
	}
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	loc := cfg.Location
	ents, err := enterprise.ParseFile("../examples/enterprises.example.yaml", cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Simulate(context.Background(), Options{Config: cfg, Year: 2026, OnTime: 0.9, Seed: 1, Enterprises: ents,
		Dir: memDir(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	_ = r.WriteTable(&table)
	t.Logf("%s", table.String())

	if r.WorkingDays != 248 || r.Late == 0 || r.Late > r.Items/8 {
		t.Fatalf("%d working days, %d items, %d late", r.WorkingDays, r.Items, r.Late)
	}
	for _, o := range r.Officials {
		if o.MaxRoutine > 4 || o.OverBudget != 0 {
			t.Errorf("%s %s: up to %d routine pushes a working day (%s), %d days over budget", o.Name, o.ID,
				o.MaxRoutine, o.WorstDay.Format("2006-01-02"), o.OverBudget)
		}
	}
	if r.Duties.Max != 1 || r.Duties.Repeated != 0 || r.Duties.Late == 0 {
		t.Errorf("calls per late duty: %+v; want one per person who owes it", r.Duties)
	}
	if r.Duties.Uncalled != 0 {
		t.Errorf("%d late items called nobody (%v)", r.Duties.Uncalled, r.Duties.UncalledUnits)
	}
	if len(r.Foreign) != 0 {
		t.Errorf("officials sent items they do not owe: %+v", r.Foreign)
	}
	h := r.Hazards
	if h.Inspections == 0 || h.Found == 0 || h.Closed == 0 || h.Notices == 0 {
		t.Errorf("the hazard loop was not played: %+v", h)
	}
	if len(h.Stray) != 0 || len(h.Repeats) != 0 {
		t.Errorf("hazard messages to people they do not concern: %+v; a step told twice: %+v", h.Stray, h.Repeats)
	}
	for _, um := range r.UnitMonths {
		switch {
		case um.Person && um.Items > 40, um.Town && um.Items > 10, !um.Person && !um.Town && um.Items > 5:
			t.Errorf("%s owes %d items in %s", um.Unit, um.Items, um.Month)
		}
	}
	// The principal's quarterly meetings: one call each when late, never
	// one per unit.
	for _, q := range []string{"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"} {
		if n := r.Calls("o-zhangming", "3.1 "+q); n > 1 {
			t.Errorf("the principal got %d calls for 3.1 %s", n, q)
		}
	}
	// Staff hear of their daily inspection once a working day, and not at
	// the weekend.
	mon, sat := time.Date(2026, 12, 7, 12, 0, 0, 0, loc), time.Date(2026, 12, 12, 12, 0, 0, 0, loc)
	if n := r.Count("o-wumin", mon, "agenda"); n != 1 {
		t.Errorf("吴敏 got %d agendas on Monday 12-07", n)
	}
	if n := r.Routine("o-wumin", sat); n != 0 {
		t.Errorf("吴敏 got %d routine pushes on Saturday 12-12", n)
	}
}

// memDir is a temporary directory on a memory file system when the
// machine has one (/dev/shm): bbolt syncs every commit, and a year of
// commits on a disk takes minutes under the race detector.
func memDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("/dev/shm", "dutybot-noise-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
