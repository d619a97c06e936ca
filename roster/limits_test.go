package roster

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"

	"dutybot/config"
	"dutybot/roster/rostertest"
)

// parseWithin parses a roster in the background and fails the test if no
// answer comes within a generous bound: a quadratic parse would hold the
// test for minutes (the bound is a backstop, not a measurement; see
// BenchmarkParseHostile for the times).
func parseWithin(t *testing.T, parse func() ([]Shift, error)) ([]Shift, error) {
	t.Helper()
	type result struct {
		shifts []Shift
		err    error
	}
	done := make(chan result, 1)
	go func() {
		s, err := parse()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.shifts, r.err
	case <-time.After(30 * time.Second):
		t.Fatal("the parse did not end within 30s")
		return nil, nil
	}
}

func xlsx(data []byte, cfg *config.Config) func() ([]Shift, error) {
	return func() ([]Shift, error) { return ParseXLSX(bytes.NewReader(data), cfg) }
}

func TestHostileFilesAreRefusedAtTheirLimit(t *testing.T) {
	cfg := loadConfig(t)
	for _, tt := range []struct {
		name string
		data []byte
		key  string
		seen int64 // at least
	}{
		// Issue 11: rows without r= attributes; 160 KB zipped, 3 MB unpacked.
		{"row bomb", rostertest.RowBomb(30000), LimitRows, 10001},
		{"zip bomb", rostertest.ZipBomb(40 << 20), LimitUnzippedSize, 0},
		{"merged ranges", rostertest.MergeBomb(20001), LimitMergedRanges, 20001},
		{"a value in the last column of each row", rostertest.Workbook(strings.Repeat(
			`<row><c t="inlineStr"><is><t>x</t></is></c><c r="XFD1"><v>1</v></c></row>`, 7)), LimitCells, 100001},
		{"a value in the last row", rostertest.Workbook(rostertest.Header + `<row r="1048576"><c><v>1</v></c></row>`), LimitRows, 1048576},
	} {
		t.Run(tt.name, func(t *testing.T) {
			shifts, err := parseWithin(t, xlsx(tt.data, cfg))
			var le *LimitError
			if !errors.As(err, &le) || le.Key != tt.key || le.Seen < tt.seen {
				t.Fatalf("got %d shifts, %v; want a LimitError on %s (at least %d)", len(shifts), clip(fmt.Sprint(err), 300), tt.key, tt.seen)
			}
			if msg := err.Error(); len(msg) > 200 || !strings.Contains(msg, "roster.import."+tt.key) {
				t.Errorf("message (%d bytes) %q does not name roster.import.%s briefly", len(msg), clip(msg, 300), tt.key)
			}
		})
	}
}

func TestTimeBudget(t *testing.T) {
	cfg := loadConfig(t)
	data := yearWorkbook(t, cfg, 1095)
	cfg.Roster.Import.Timeout = config.Duration(time.Nanosecond)
	_, err := ParseXLSX(bytes.NewReader(data), cfg)
	var le *LimitError
	if !errors.As(err, &le) || le.Key != LimitTimeout || !strings.Contains(err.Error(), "took longer than 1ns; limit roster.import.timeout") {
		t.Fatalf("err = %v, want a LimitError on the timeout", err)
	}
}

func TestLimitsFollowTheConfiguration(t *testing.T) {
	cfg := loadConfig(t)
	data := yearWorkbook(t, cfg, 1095)
	if shifts, err := ParseXLSX(bytes.NewReader(data), cfg); err != nil || len(shifts) != 1095 {
		t.Fatalf("a year: %d shifts, %v", len(shifts), err)
	}
	for _, tt := range []struct {
		set func(*config.RosterImport)
		key string
	}{
		{func(l *config.RosterImport) { l.MaxRows = 1000 }, LimitRows},
		{func(l *config.RosterImport) { l.MaxCells = 5000 }, LimitCells},
		{func(l *config.RosterImport) { l.MaxMergedRanges = 100 }, LimitMergedRanges},
		{func(l *config.RosterImport) { l.MaxFileSize = config.Size(len(data) - 1) }, LimitFileSize},
		{func(l *config.RosterImport) { l.MaxUnzippedSize = 100 << 10 }, LimitUnzippedSize},
	} {
		c := *cfg
		tt.set(&c.Roster.Import)
		_, err := ParseXLSX(bytes.NewReader(data), &c)
		var le *LimitError
		if !errors.As(err, &le) || le.Key != tt.key {
			t.Errorf("%s: err = %v", tt.key, err)
		}
	}
}

// yearWorkbook exports n shifts, three a day from 2026-01-01, dates and
// leaders merged per day as Export writes them.
func yearWorkbook(t testing.TB, cfg *config.Config, n int) []byte {
	t.Helper()
	shifts := yearShifts(cfg, n)
	data, err := Export(shifts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func yearShifts(cfg *config.Config, n int) []Shift {
	leaders := []string{"o-zhangming", "o-lifang", "o-wangqiang", "o-huanglei", "o-zhaojing", "o-liuyang", "o-chenjie"}
	staff := []string{"o-wumin", "o-machao", "o-zhouting", "o-zhuhong", "o-hujun", "o-guoliang", "o-sunli", "o-xutao", "o-yangfan"}
	bounds := []int{8 * 60, 17*60 + 30, 22 * 60, 32 * 60}
	var shifts []Shift
	for d := at(cfg, 2026, 1, 1, 0, 0); len(shifts) < n; d = d.AddDate(0, 0, 1) {
		y, m, day := d.Date()
		for k := 0; k < 3 && len(shifts) < n; k++ {
			shifts = append(shifts, Shift{
				Start:  time.Date(y, m, day, 0, bounds[k], 0, 0, cfg.Location),
				End:    time.Date(y, m, day, 0, bounds[k+1], 0, 0, cfg.Location),
				Leader: leaders[d.YearDay()%len(leaders)],
				Staff:  []string{staff[len(shifts)%len(staff)]},
				Place:  "镇政府值班室",
				Phone:  "023-65700000",
				Kind:   Daily,
			})
		}
	}
	return shifts
}

func TestOverlappingMergesAreRefused(t *testing.T) {
	cfg := loadConfig(t)
	data := rostertest.Workbook(rostertest.Header+rostertest.Row("2026-10-01", "张明", "吴敏")+rostertest.Row("", "李芳", "马超"),
		"A2:A3", "A3:B3")
	_, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err == nil || !strings.Contains(err.Error(), "merged ranges A2:A3 and A3:B3 overlap") {
		t.Fatalf("err = %v", err)
	}
}

func TestManyBadRowsListTheFirstAndCountTheRest(t *testing.T) {
	cfg := loadConfig(t)
	var rows strings.Builder
	rows.WriteString(rostertest.Header)
	const n = 3000
	for i := range n {
		rows.WriteString(rostertest.Row(fmt.Sprintf("2026-10-%02d", i%28+1), "某"+strings.Repeat("长", 500), "吴敏"))
	}
	_, err := parseWithin(t, xlsx(rostertest.Workbook(rows.String()), cfg))
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", clip(fmt.Sprint(err), 300))
	}
	if list.Total != n || len(list.List) != MaxListed || list.Unlisted() != n-MaxListed {
		t.Errorf("listed %d of %d problems (%d unlisted), want %d of %d", len(list.List), list.Total, list.Unlisted(), MaxListed, n)
	}
	if got := list.List[0].Err.Error(); !strings.HasPrefix(got, `"某长长`) || !strings.Contains(got, `…" is not an official`) || len([]rune(got)) > 100 {
		t.Errorf("a long value is quoted in full: %q", got)
	}
	msg := err.Error()
	if lines := strings.Split(msg, "\n"); len(lines) != errorLines+1 || lines[errorLines] != fmt.Sprintf("… and %d more problems", n-errorLines) {
		t.Errorf("message lists %d lines, ending %q", len(lines), lines[len(lines)-1])
	}
	if len(msg) > 4000 {
		t.Errorf("message is %d bytes", len(msg))
	}
}

func TestCSVLimits(t *testing.T) {
	cfg := loadConfig(t)
	head := "日期,时间,带班领导,值班人员\n2026-10-01,全天,张明,吴敏\n"
	// Excel writes the formatted empty rows of a sheet as lines of commas.
	shifts, err := ParseCSV(strings.NewReader(head+strings.Repeat(",,,,\n", 50000)), cfg)
	if err != nil || len(shifts) != 1 {
		t.Fatalf("trailing empty rows: %d shifts, %v", len(shifts), err)
	}
	for _, tt := range []struct {
		name, text, key string
	}{
		{"rows", head + strings.Repeat("\n", 20000) + "2026-10-02,全天,张明,吴敏\n", LimitRows},
		{"cells", head + strings.Repeat("x,", 100001) + "\n", LimitCells},
	} {
		_, err := parseWithin(t, func() ([]Shift, error) { return ParseCSV(strings.NewReader(tt.text), cfg) })
		var le *LimitError
		if !errors.As(err, &le) || le.Key != tt.key {
			t.Errorf("%s: err = %v", tt.name, clip(fmt.Sprint(err), 300))
		}
	}
}

func TestYAMLLimits(t *testing.T) {
	cfg := loadConfig(t)
	for _, tt := range []struct {
		name, text, key string
	}{
		{"entries", strings.Repeat("- {}\n", 20000), LimitRows},
		{"nodes in flow style", "[" + strings.Repeat("{},", 60000) + "{}]", LimitCells},
		{"nodes in block style", strings.Repeat("- date: x\n  note: y\n", 30000), LimitCells},
	} {
		_, err := parseWithin(t, func() ([]Shift, error) { return ParseYAML(strings.NewReader(tt.text), cfg) })
		var le *LimitError
		if !errors.As(err, &le) || le.Key != tt.key {
			t.Errorf("%s: err = %v", tt.name, clip(fmt.Sprint(err), 300))
		}
	}
}

func TestYAMLNodesCountsHigh(t *testing.T) {
	for _, doc := range []string{
		"- date: 2026-10-01\n  time: 08:00-次日08:00\n  leader: 张明\n  staff: [吴敏, 马超]\n",
		"[{}, {}, {a: 1, b: [1, 2, 3]}]",
		`[{"a":"b","c":"d"},{"e":1}]`,
		"{a, b, c, d}",
		"- - - - x\n  - y\n",
		"? a\n? b\n",
	} {
		var doc0 yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &doc0); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if got, nodes := yamlNodes(doc), countNodes(doc0.Content[0]); got < nodes {
			t.Errorf("yamlNodes(%q) = %d, fewer than its %d nodes", doc, got, nodes)
		}
	}
}

func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

func TestTemplateStillImports(t *testing.T) {
	// The template styles 500 empty rows: formatted, without values, they
	// count against no limit.
	cfg := loadConfig(t)
	data, err := Template(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseXLSX(bytes.NewReader(data), cfg)
	var list Errors
	if !errors.As(err, &list) || list.Total != 1 || !strings.Contains(list.List[0].Err.Error(), "example row") {
		t.Fatalf("template: %v", err)
	}
}

// TestReaderMatchesExcelize compares the rows and merged ranges read here
// with excelize's GetRows (raw values) and GetMergeCells, on workbooks small
// enough for excelize.
func TestReaderMatchesExcelize(t *testing.T) {
	cfg := loadConfig(t)
	template, err := Template(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rich := workbook(t, func(f *excelize.File, s string) error {
		if err := row(f, s, 1, "日期", "带班领导", "值班人员", "备注"); err != nil {
			return err
		}
		if err := f.SetCellRichText(s, "D2", []excelize.RichTextRun{{Text: "国庆"}, {Text: "_x0041_值班", Font: &excelize.Font{Bold: true}}}); err != nil {
			return err
		}
		if err := f.SetCellFormula(s, "E2", "1+1"); err != nil {
			return err
		}
		return row(f, s, 3, 46000, true, 3.5)
	})
	for name, data := range map[string][]byte{
		"national day": nationalDay(t),
		"a year":       yearWorkbook(t, cfg, 1095),
		"template":     template,
		"rich text":    rich,
		"row bomb":     rostertest.RowBomb(50),
	} {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetList()[0]
		want, err1 := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		merges, err2 := f.GetMergeCells(sheet, true)
		f.Close()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		b, cancel := newBudget(cfg)
		s, err := readWorkbook(b, data)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fmt.Sprintf("%q", s.rows) != fmt.Sprintf("%q", want) {
			t.Errorf("%s: read\n%q\nexcelize reads\n%q", name, s.rows, want)
		}
		var got, wantRefs []string
		for _, m := range s.merges {
			got = append(got, m.ref)
		}
		for _, m := range merges {
			wantRefs = append(wantRefs, m[0])
		}
		if fmt.Sprint(got) != fmt.Sprint(wantRefs) {
			t.Errorf("%s: merged ranges %v, excelize reads %v", name, got, wantRefs)
		}
	}
}

// A zip that understates the unpacked size of its sheet is stopped at the
// size it declares: archive/zip refuses to unpack more.
func TestZipUnderstatingItsSizeIsRefused(t *testing.T) {
	cfg := loadConfig(t)
	bomb := rostertest.ZipBomb(40 << 20)
	zr, err := zip.NewReader(bytes.NewReader(bomb), int64(len(bomb)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		h := f.FileHeader
		if f.Name == "xl/worksheets/sheet1.xml" {
			h.UncompressedSize64 = 1 << 20 // it is 40 MB
		}
		w, err := zw.CreateRaw(&h)
		if err == nil {
			_, err = io.Copy(w, raw)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = parseWithin(t, xlsx(out.Bytes(), cfg))
	if err == nil || !strings.Contains(err.Error(), "zip: not a valid zip file") {
		t.Fatalf("err = %v", err)
	}
}
