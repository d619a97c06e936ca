package rota_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/workcal"
)

// yearRoster is a workbook of 2027 as offices write it: three shifts a day
// (08:00–14:00, 14:00–20:00, 20:00–次日08:00), 1,095 rows, the 日期 and
// 带班领导 cells merged over each day's rows, dates as serial numbers.
func yearRoster(tb testing.TB, cfg *config.Config) (data []byte, rows int) {
	tb.Helper()
	var leaders, staff []string
	for i, o := range cfg.Officials {
		if i < 5 {
			leaders = append(leaders, o.Name)
		} else {
			staff = append(staff, o.Name)
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	const s = "Sheet1"
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(f.SetCellStr(s, "A1", "含谷镇2027年值班表"))
	header := []any{"日期", "时段", "带班领导", "值班人员", "值班地点", "类型"}
	must(f.SetSheetRow(s, "A2", &header))
	dateFmt := "yyyy-mm-dd"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	must(err)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	hours := []string{"08:00-14:00", "14:00-20:00", "20:00-次日08:00"}
	r := 3
	for d := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2027; d = d.AddDate(0, 0, 1) {
		day := d.YearDay() - 1
		first := r
		for i, h := range hours {
			vals := []any{nil, h, nil, staff[(3*day+i)%len(staff)], "镇政府值班室", "日常"}
			if i == 0 {
				vals[0], vals[2] = d.Sub(epoch).Hours()/24, leaders[day%len(leaders)]
			}
			must(f.SetSheetRow(s, fmt.Sprintf("A%d", r), &vals))
			r++
		}
		must(f.SetCellStyle(s, fmt.Sprintf("A%d", first), fmt.Sprintf("A%d", first), style))
		must(f.MergeCell(s, fmt.Sprintf("A%d", first), fmt.Sprintf("A%d", r-1)))
		must(f.MergeCell(s, fmt.Sprintf("C%d", first), fmt.Sprintf("C%d", r-1)))
	}
	buf, err := f.WriteToBuffer()
	must(err)
	return buf.Bytes(), r - 3
}

// newService opens a roster service on a new bbolt file in dir.
func newService(tb testing.TB, cfg *config.Config, dir string) (*rota.Service, *storage.DB) {
	tb.Helper()
	db, err := storage.Open(filepath.Join(dir, "dutybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	cal, err := workcal.New(cfg.Location, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := locales.New(cfg.Language)
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	clk := clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, cfg.Location))
	engine := callout.New(cfg, db, clk, tr, nil, log)
	return rota.New(cfg, db, engine, cal, tr, clk, log), db
}

// BenchmarkImportYear measures importing a year of shifts end to end:
// parsing the .xlsx and storing every shift in one transaction on a real
// bbolt file. "fresh" imports into an empty database; "replace" imports
// the same year again, replacing every stored shift.
func BenchmarkImportYear(b *testing.B) {
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	data, rows := yearRoster(b, cfg)
	for _, replace := range []bool{false, true} {
		name := "fresh"
		if replace {
			name = "replace"
		}
		b.Run(name, func(b *testing.B) {
			var svc *rota.Service
			var db *storage.DB
			if replace {
				svc, db = newService(b, cfg, b.TempDir())
				defer db.Close()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !replace {
					b.StopTimer()
					svc, db = newService(b, cfg, b.TempDir())
					b.StartTimer()
				}
				shifts, err := roster.ParseXLSX(bytes.NewReader(data), cfg)
				if err != nil {
					b.Fatal(err)
				}
				res, err := svc.Import(shifts, "bench", "2027.xlsx")
				if err != nil {
					b.Fatal(err)
				}
				if res.Added != rows {
					b.Fatalf("stored %d shifts of %d rows", res.Added, rows)
				}
				if !replace {
					b.StopTimer()
					db.Close()
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(rows), "rows/op")
		})
	}
}

// BenchmarkParseYear measures parsing the same workbook alone, to split
// BenchmarkImportYear between reading the file and storing the shifts.
func BenchmarkParseYear(b *testing.B) {
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	data, rows := yearRoster(b, cfg)
	b.ReportAllocs()
	for range b.N {
		shifts, err := roster.ParseXLSX(bytes.NewReader(data), cfg)
		if err != nil || len(shifts) != rows {
			b.Fatalf("%d shifts: %v", len(shifts), err)
		}
	}
	b.ReportMetric(float64(rows), "rows/op")
}

// TestYearRosterImports checks the benchmark's workbook: 1,095 rows, each
// day's leader merged over its three shifts, all stored.
func TestYearRosterImports(t *testing.T) {
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, rows := yearRoster(t, cfg)
	shifts, err := roster.ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 1095 || len(shifts) != rows {
		t.Fatalf("%d rows, %d shifts", rows, len(shifts))
	}
	if s := shifts[2]; s.Leader != cfg.Officials[0].ID || s.End.Sub(s.Start) != 12*time.Hour {
		t.Errorf("third shift = %+v", s)
	}
	svc, db := newService(t, cfg, t.TempDir())
	defer db.Close()
	res, err := svc.Import(shifts, "test", "2027.xlsx")
	if err != nil || res.Added != rows {
		t.Fatalf("import: %+v %v", res, err)
	}
	var n int
	if err := db.View(func(tx *storage.Tx) error { n = rota.ShiftCount(tx); return nil }); err != nil || n != rows {
		t.Errorf("%d shifts stored (%v)", n, err)
	}
}
