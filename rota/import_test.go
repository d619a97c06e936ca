package rota

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/roster"
	"dutybot/storage"
)

// storedService is a Service on a real bbolt file.
func storedService(tb testing.TB, now time.Time) (*Service, *storage.DB) {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "dutybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	s := testService(tb)
	s.cfg.Roster.RemindDayBefore = "16:00"
	s.cfg.Roster.RemindBefore = config.Duration(30 * time.Minute)
	s.db, s.clock, s.log = db, clock.NewFake(now), slog.New(slog.DiscardHandler)
	s.engine = callout.New(s.cfg, db, s.clock, s.tr, nil, s.log)
	return s, db
}

// yearOfShifts is a year of three eight-hour shifts a day: about the
// 1,100 rows of a township's yearly roster.
func yearOfShifts(from time.Time) []roster.Shift {
	people := []string{"o-zhang", "o-li", "o-wu", "o-chen", "o-ma", "o-zhao"}
	var out []roster.Shift
	for d := 0; d < 365; d++ {
		for k := 0; k < 3; k++ {
			start := from.AddDate(0, 0, d).Add(time.Duration(8*k) * time.Hour)
			out = append(out, roster.Shift{Start: start, End: start.Add(8 * time.Hour), Leader: "o-liu",
				Staff: []string{people[(d+k)%len(people)]}, Kind: roster.Daily})
		}
	}
	return out
}

func stored(tb testing.TB, db *storage.DB) (shifts, deadlines int) {
	tb.Helper()
	if err := db.View(func(tx *storage.Tx) error {
		shifts, deadlines = ShiftCount(tx), tx.DeadlineCount()
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return shifts, deadlines
}

// Importing a year stores four deadlines a shift; importing it again, or a
// corrected month of it, leaves no deadline behind.
func TestImportYearSchedulesWithoutLeaks(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, cst)
	s, db := storedService(t, now)
	year := yearOfShifts(time.Date(2027, 1, 1, 0, 0, 0, 0, cst))
	began := time.Now()
	res, err := s.Import(year, "o-admin", "2027.xlsx")
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d shifts in %s", res.Added, took)
	if res.Added != 1095 || res.Replaced != 0 {
		t.Errorf("first import = %+v", res)
	}
	if sh, dl := stored(t, db); sh != 1095 || dl != 4*1095 {
		t.Fatalf("after import: %d shifts, %d deadlines; want 1095, %d", sh, dl, 4*1095)
	}
	res, err = s.Import(year, "o-admin", "2027.xlsx")
	if err != nil || res.Added != 1095 || res.Replaced != 1095 {
		t.Fatalf("second import = %+v, %v", res, err)
	}
	if sh, dl := stored(t, db); sh != 1095 || dl != 4*1095 {
		t.Errorf("after importing again: %d shifts, %d deadlines", sh, dl)
	}
	month := year[:93]
	for i := range month {
		month[i].Leader = "o-he"
	}
	if res, err = s.Import(month, "o-admin", "2027-01.xlsx"); err != nil || res.Replaced != 93 {
		t.Fatalf("month import = %+v, %v", res, err)
	}
	if sh, dl := stored(t, db); sh != 1095 || dl != 4*1095 {
		t.Errorf("after a corrected month: %d shifts, %d deadlines", sh, dl)
	}
	// Each deadline belongs to its shift's current version.
	if err := db.View(func(tx *storage.Tx) error {
		for _, d := range tx.DueDeadlines(time.Date(2028, 1, 1, 0, 0, 0, 0, cst), 1<<20) {
			_, id, ok := parseDeadlineKey(d.Key)
			sh, err := LoadShift(tx, id)
			if !ok || err != nil || d.Payload != stamp(sh) {
				t.Errorf("deadline %s of a missing or older shift (%v)", d.Key, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStoreYear measures storing a parsed year of shifts with their
// deadlines; BenchmarkImportYear adds parsing the workbook.
func BenchmarkStoreYear(b *testing.B) {
	year := yearOfShifts(time.Date(2027, 1, 1, 0, 0, 0, 0, cst))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, _ := storedService(b, time.Date(2026, 11, 30, 8, 0, 0, 0, cst))
		b.StartTimer()
		if _, err := s.Import(year, "o-admin", "2027.xlsx"); err != nil {
			b.Fatal(err)
		}
	}
}
