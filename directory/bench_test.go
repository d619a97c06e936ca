package directory

import (
	"archive/zip"
	"bytes"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkRead100k reads the 通讯录 of a large district, 100,000 people,
// as a workbook and as CSV. It reports the time and bytes allocated per
// read, and the peak of the heap in use during one read (peak-heap-MB,
// sampled every millisecond), the file's size (file-MB) included as the
// caller holds it.
func BenchmarkRead100k(b *testing.B) {
	entries := people(100_000)
	for _, f := range []Format{XLSX, CSV} {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			if err := Write(&buf, f, entries); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			read := func() {
				got, err := Read("通讯录."+string(f), data, Limits{})
				if err != nil || len(got) != len(entries) {
					b.Fatalf("%d entries, %v", len(got), err)
				}
			}
			peak := peakHeap(read)
			b.ReportAllocs()
			for b.Loop() {
				read()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(len(data))/(1<<20), "file-MB")
		})
	}
}

// BenchmarkWrite100k writes the 通讯录 of 100,000 people, as `dutybot
// directory export` does.
func BenchmarkWrite100k(b *testing.B) {
	entries := people(100_000)
	for _, f := range []Format{XLSX, CSV} {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			write := func() {
				buf.Reset()
				if err := Write(&buf, f, entries); err != nil {
					b.Fatal(err)
				}
			}
			peak := peakHeap(write)
			b.ReportAllocs()
			for b.Loop() {
				write()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(buf.Len())/(1<<20), "file-MB")
		})
	}
}

// peakHeap runs f once and returns the most heap in use meanwhile, above
// what was in use before, sampling every millisecond (as the roster's
// benchmarks do).
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

// BenchmarkReadHostile reads the worst workbooks the default limits let
// through or refuse late: a sheet padded with blank space to just under
// MaxUnzippedSize (read through), a million rows without numbers and a
// value far right in every row (refused at MaxRows and MaxCells), and
// 199,999 people, the most the default MaxRows allows.
func BenchmarkReadHostile(b *testing.B) {
	var largest bytes.Buffer
	if err := Write(&largest, XLSX, people(DefaultMaxRows-1)); err != nil {
		b.Fatal(err)
	}
	header := xmlRow("姓名", "单位", "手机号")
	for _, bm := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"blank-padding-250MB", padded(b, header, 250<<20), true},
		{"rows-without-numbers-1M", handmade(header+rowsWithout(1_000_000), nil), false},
		{"last-column-every-row-10k", handmade(header+strings.Repeat(`<row><c r="XFD1"><v>1</v></c></row>`, 10_000), nil), false},
		{"largest-legal-199999-people", largest.Bytes(), true},
	} {
		b.Run(bm.name, func(b *testing.B) {
			read := func() {
				_, err := Read("通讯录.xlsx", bm.data, Limits{})
				if (err == nil) != bm.ok {
					b.Fatalf("error %v, want ok %v", err, bm.ok)
				}
			}
			peak := peakHeap(read)
			b.ReportAllocs()
			for b.Loop() {
				read()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(len(bm.data))/(1<<20), "file-MB")
		})
	}
}

// padded returns a workbook whose sheet holds the header, then blank
// space up to size bytes unpacked, then one person.
func padded(b *testing.B, header string, size int) []byte {
	b.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"_rels/.rels":                `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<workbook xmlns:r="r"><sheets><sheet name="通讯录" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		b.Fatal(err)
	}
	w.Write([]byte("<worksheet><sheetData>" + header))
	blank := bytes.Repeat([]byte(" "), 1<<20)
	for range size >> 20 {
		w.Write(blank)
	}
	w.Write([]byte(xmlRow("张明", "党政办", "13800000001") + "</sheetData></worksheet>"))
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
