package directory

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// readWithin reads data in the background and fails the test if no
// answer comes within a generous bound: a read that went through a
// hostile file would hold the test for minutes (the bound is a backstop,
// not a measurement; see BenchmarkReadHostile for the times).
func readWithin(t *testing.T, name string, data []byte, lim Limits) ([]Entry, error) {
	t.Helper()
	type result struct {
		entries []Entry
		err     error
	}
	done := make(chan result, 1)
	go func() {
		e, err := Read(name, data, lim)
		done <- result{e, err}
	}()
	select {
	case r := <-done:
		return r.entries, r.err
	case <-time.After(30 * time.Second):
		t.Fatal("the read did not end within 30s")
		return nil, nil
	}
}

// rowsWithout returns n rows without r= attributes, each with a value in
// column A.
func rowsWithout(n int) string {
	return strings.Repeat(`<row><c><v>1</v></c></row>`, n)
}

// lyingZip returns a workbook whose sheet declares a size of 1 KB and
// holds 4 MB.
func lyingZip(t *testing.T) []byte {
	t.Helper()
	good := handmade(xmlRow("姓名", "单位", "手机号"), nil)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		sheet := `<worksheet><sheetData>` + xmlRow("姓名", "单位", "手机号") + strings.Repeat(" ", 4<<20) + `</sheetData></worksheet>`
		var raw bytes.Buffer
		fw, _ := flate.NewWriter(&raw, flate.BestCompression)
		fw.Write([]byte(sheet))
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, CompressedSize64: uint64(raw.Len()), UncompressedSize64: 1024, CRC32: 0})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostileFilesAreRefusedAtTheirLimit(t *testing.T) {
	header := xmlRow("姓名", "单位", "手机号")
	small := Limits{MaxUnzippedSize: 1 << 20, MaxRows: 1000, MaxCells: 10_000}
	manyStrings := strings.Repeat("<si><t>x</t></si>", 10_001)
	var merges strings.Builder
	for i := range 10_001 {
		fmt.Fprintf(&merges, `<mergeCell ref="D%d:D%d"/>`, 2*i+10, 2*i+11)
	}
	for _, tt := range []struct {
		name string
		file string
		data []byte
		lim  Limits
		key  string
		seen int64 // at least
		msg  string
	}{
		{"a large file", "a.csv", make([]byte, 2000), Limits{MaxFileSize: 1000}, LimitFileSize, 2000,
			"a.csv: the file is larger than 1000 bytes (2.0 KB); limit max_file_size"},
		{"a zip bomb", "a.xlsx", handmade(header+strings.Repeat(" ", 2<<20), nil), small, LimitUnzippedSize, 0,
			"a.xlsx: the workbook unpacks to more than 1 MB; limit max_unzipped_size"},
		{"a value in the last row", "a.xlsx", handmade(header+`<row r="1048576"><c r="A1048576"><v>1</v></c></row>`, nil), Limits{}, LimitRows, 1048576,
			"a.xlsx: row 1048576 holds a value, beyond the limit of 200000 rows; limit max_rows"},
		{"rows without numbers, past the default", "a.xlsx", handmade(header+rowsWithout(DefaultMaxRows+5), nil), Limits{}, LimitRows, DefaultMaxRows + 1, ""},
		{"rows without numbers", "a.xlsx", handmade(header+rowsWithout(5000), nil), small, LimitRows, 1001, ""},
		{"a value in the last column of each row", "a.xlsx", handmade(header+strings.Repeat(`<row><c r="XFD1"><v>1</v></c></row>`, 1000), nil),
			Limits{}, LimitCells, DefaultMaxCells + 1, "a.xlsx: the sheet has more than 4000000 cells; limit max_cells"},
		{"shared strings", "a.xlsx", handmade(header, map[string]string{"xl/sharedStrings.xml": "<sst>" + manyStrings + "</sst>",
			"xl/_rels/workbook.xml.rels": relsAll}), small, LimitCells, 10_001, ""},
		{"merged ranges", "a.xlsx", handmade("", map[string]string{"xl/worksheets/sheet1.xml": "<worksheet><sheetData>" + header +
			"</sheetData><mergeCells>" + merges.String() + "</mergeCells></worksheet>"}), small, LimitCells, 10_001, ""},
		{"CSV rows", "a.csv", []byte("姓名,单位,手机号\n" + strings.Repeat("张明,党政办,13800000001\n", 1000)), small, LimitRows, 1001, ""},
		{"CSV cells", "a.csv", []byte("姓名,单位,手机号\n" + strings.Repeat("x,", 20_000) + "x\n"), small, LimitCells, 10_001, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := readWithin(t, tt.file, tt.data, tt.lim)
			var le *LimitError
			if !errors.As(err, &le) || le.Key != tt.key || le.Seen < tt.seen {
				t.Fatalf("got %d entries, %v; want a LimitError on %s (at least %d)", len(entries), err, tt.key, tt.seen)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tt.file+": ") || !strings.HasSuffix(msg, "; limit "+tt.key) || len(msg) > 200 {
				t.Errorf("message %q does not name the file and the limit briefly", msg)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("got  %s\nwant %s", err, tt.msg)
			}
		})
	}
}

func TestZipLyingAboutItsSize(t *testing.T) {
	_, err := readWithin(t, "a.xlsx", lyingZip(t), Limits{MaxUnzippedSize: 1 << 20})
	if !errors.Is(err, zip.ErrFormat) {
		t.Fatalf("got %v, want the part refused for holding more than it declares", err)
	}
}

func TestLimitsWithinBoundsAreKept(t *testing.T) {
	// 1,000 people at a limit of 1,001 rows: the header and each of them.
	var buf bytes.Buffer
	if err := Write(&buf, XLSX, people(1000)); err != nil {
		t.Fatal(err)
	}
	got, err := Read("a.xlsx", buf.Bytes(), Limits{MaxRows: 1001, MaxCells: 5 * 1001})
	if err != nil || len(got) != 1000 {
		t.Fatalf("got %d entries, %v", len(got), err)
	}
	if _, err := Read("a.xlsx", buf.Bytes(), Limits{MaxRows: 1000}); err == nil {
		t.Fatal("read 1,001 rows at a limit of 1,000")
	}
}
