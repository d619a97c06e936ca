package roster

import (
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/roster/rostertest"
)

// BenchmarkParseHostile parses the worst files a sender can upload: the
// row bomb of issue 11 (before bounded parsing: 8 s and a 4 MB answer for
// these 30,000 rows; 375 s and 1.9 GB for the file), a zip bomb,
// a flood of merged ranges, and the largest roster the default limits let
// through (9,999 rows of nine columns, dates and leaders merged per day).
// It reports the time, the bytes allocated and the peak of the heap in
// use (peak-heap-MB, sampled) of one parse.
func BenchmarkParseHostile(b *testing.B) {
	cfg := loadConfig(b)
	largest := yearWorkbook(b, cfg, 9999)
	// Merged ranges in every column over the same two rows: each is
	// checked against all the others for overlap.
	refs := make([]string, excelize.MaxColumns)
	for i := range refs {
		col, _ := excelize.ColumnNumberToName(i + 1)
		refs[i] = col + "2:" + col + "3"
	}
	sideBySide := rostertest.Workbook(rostertest.Header+rostertest.Row("2026-10-01", "张明", "吴敏")+rostertest.Row("", "李芳", "马超"), refs...)
	var yaml strings.Builder
	for i, s := range yearShifts(cfg, 7000) {
		yaml.WriteString("- date: " + s.Start.Format("2006-01-02") + "\n  time: " + s.Start.Format("15:04") + "-" + s.End.Format("15:04") +
			"\n  leader: " + s.Leader + "\n  staff: [" + s.Staff[0] + "]\n  place: 镇政府值班室\n")
		_ = i
	}
	for _, bm := range []struct {
		name  string
		parse func() ([]Shift, error)
		ok    bool
	}{
		{"row-bomb-30000", xlsx(rostertest.RowBomb(30000), cfg), false},
		{"zip-bomb-256MB", xlsx(rostertest.ZipBomb(256<<20), cfg), false},
		{"merge-bomb-20001", xlsx(rostertest.MergeBomb(20001), cfg), false},
		{"merges-side-by-side-16384", xlsx(sideBySide, cfg), true},
		{"largest-legal-xlsx-9999-rows", xlsx(largest, cfg), true},
		{"largest-legal-yaml-7000-entries", func() ([]Shift, error) { return ParseYAML(strings.NewReader(yaml.String()), cfg) }, true},
	} {
		b.Run(bm.name, func(b *testing.B) {
			peak := peakHeap(func() {
				shifts, err := bm.parse()
				if bm.ok && err != nil {
					b.Fatal(err)
				}
				if !bm.ok && shifts != nil {
					b.Fatalf("%d shifts", len(shifts))
				}
			})
			b.ReportAllocs()
			for b.Loop() {
				_, _ = bm.parse()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// peakHeap runs f once and returns the most heap in use meanwhile, above
// what was in use before, sampling every millisecond.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > base {
				mu.Lock()
				peak = max(peak, v-base)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak
}
