package roster

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"dutybot/config"
)

// loadConfig loads the example configuration. Its officials include 张明
// (o-zhangming), 李芳, 王强, 赵静, 刘洋, 陈杰, 杨帆, 黄磊, 周婷, 吴敏 (o-wumin,
// 13800000010), 徐涛, 孙丽, 马超 (o-machao), 朱红, 胡军 and 郭亮.
func loadConfig(t testing.TB) *config.Config {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// at returns a time in the configuration's location.
func at(cfg *config.Config, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, cfg.Location)
}

// workbook builds an .xlsx in memory; fill writes the first sheet.
func workbook(t testing.TB, fill func(f *excelize.File, sheet string) error) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := fill(f, "Sheet1"); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// row writes values from column A of row r.
func row(f *excelize.File, sheet string, r int, values ...any) error {
	return f.SetSheetRow(sheet, fmt.Sprintf("A%d", r), &values)
}

// nationalDay is the 国庆 2026 roster: a title row, the header in row 2, and
// for 10-01 to 10-07 a day shift and a night shift, with 日期, 星期,
// 带班领导 and 带班领导电话 merged down over the two; dates are serial numbers
// formatted as dates, some as 2026年10月1日 and some as 10-02-26.
func nationalDay(t testing.TB) []byte {
	leaders := []string{"张明", "李芳", "王强", "黄磊", "赵静", "刘洋", "陈杰"}
	phones := []string{"13800000001", "13800000002", "13800000003", "13800000008", "13800000004", "13800000005", "13800000006"}
	pool := []string{"周婷", "朱红", "胡军", "郭亮", "徐涛", "孙丽", "杨帆", "马超", "吴敏"}
	return workbook(t, func(f *excelize.File, s string) error {
		if err := f.SetCellStr(s, "A1", "含谷镇2026年国庆节值班表"); err != nil {
			return err
		}
		if err := f.MergeCell(s, "A1", "K1"); err != nil {
			return err
		}
		if err := row(f, s, 2, "日期", "星期", "值班时间", "带班领导", "带班领导电话", "值班人员", "值班人员电话",
			"值班地点", "值班电话", "类型", "备注"); err != nil {
			return err
		}
		dateFmt := `yyyy"年"m"月"d"日"`
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
		if err != nil {
			return err
		}
		mdy, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // shown as 10-02-26
		if err != nil {
			return err
		}
		weekdays := []string{"星期四", "星期五", "星期六", "星期日", "星期一", "星期二", "星期三"}
		for d := range 7 {
			r := 3 + 2*d
			for k := range 2 {
				staff := pool[(2*d+k)%len(pool)]
				if d == 0 && k == 0 {
					staff = "吴敏、马超"
				}
				hours := []string{"08:00-18:00", "18:00-次日08:00"}[k]
				if err := f.SetSheetRow(s, fmt.Sprintf("C%d", r+k), &[]any{hours}); err != nil {
					return err
				}
				if err := f.SetSheetRow(s, fmt.Sprintf("F%d", r+k), &[]any{staff, "", "镇政府值班室", "023-65700000", "节假日"}); err != nil {
					return err
				}
			}
			if err := row(f, s, r, 46296+d, weekdays[d]); err != nil {
				return err
			}
			if err := f.SetSheetRow(s, fmt.Sprintf("D%d", r), &[]any{leaders[d], phones[d]}); err != nil {
				return err
			}
			st := style
			if d%2 == 1 {
				st = mdy
			}
			if err := f.SetCellStyle(s, fmt.Sprintf("A%d", r), fmt.Sprintf("A%d", r), st); err != nil {
				return err
			}
			for _, col := range []string{"A", "B", "D", "E"} {
				if err := f.MergeCell(s, fmt.Sprintf("%s%d", col, r), fmt.Sprintf("%s%d", col, r+1)); err != nil {
					return err
				}
			}
		}
		if err := f.SetCellStr(s, "K4", "10月1日夜班由马超替周婷"); err != nil {
			return err
		}
		// Notes under the table.
		if err := row(f, s, 18, "注：值班人员须24小时保持通讯畅通。"); err != nil {
			return err
		}
		if err := f.MergeCell(s, "A18", "K18"); err != nil {
			return err
		}
		if err := row(f, s, 19, "制表人：周婷", nil, nil, nil, nil, nil, nil, nil, "审核：刘洋"); err != nil {
			return err
		}
		return f.SetCellStr(s, "K20", "此表报县应急管理局备案")
	})
}

func TestParseXLSXNationalDay(t *testing.T) {
	cfg := loadConfig(t)
	data := nationalDay(t)
	// The date cells really are formatted dates, not numbers, when read as
	// displayed.
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for cell, want := range map[string]string{"A3": "2026年10月1日", "A5": "10-02-26"} {
		if v, _ := f.GetCellValue("Sheet1", cell); v != want {
			t.Fatalf("%s displays %q, want %q", cell, v, want)
		}
	}
	f.Close()

	shifts, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(shifts) != 14 {
		t.Fatalf("got %d shifts, want 14", len(shifts))
	}
	tests := []struct {
		i    int
		want Shift
	}{
		{0, Shift{
			Start: at(cfg, 2026, 10, 1, 8, 0), End: at(cfg, 2026, 10, 1, 18, 0),
			Leader: "o-zhangming", Staff: []string{"o-wumin", "o-machao"},
			Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday,
		}},
		{1, Shift{ // 日期 and 带班领导 merged from the row above; ends 次日08:00
			Start: at(cfg, 2026, 10, 1, 18, 0), End: at(cfg, 2026, 10, 2, 8, 0),
			Leader: "o-zhangming", Staff: []string{"o-zhuhong"},
			Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday, Note: "10月1日夜班由马超替周婷",
		}},
		{6, Shift{
			Start: at(cfg, 2026, 10, 4, 8, 0), End: at(cfg, 2026, 10, 4, 18, 0),
			Leader: "o-huanglei", Staff: []string{"o-yangfan"},
			Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday,
		}},
		{13, Shift{
			Start: at(cfg, 2026, 10, 7, 18, 0), End: at(cfg, 2026, 10, 8, 8, 0),
			Leader: "o-chenjie", Staff: []string{"o-xutao"},
			Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday,
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("shift", tt.i), func(t *testing.T) {
			if got := shifts[tt.i]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for i, s := range shifts {
		if s.Leader == "" || len(s.Staff) == 0 || !s.End.After(s.Start) || s.Start.Location() != cfg.Location {
			t.Errorf("shift %d incomplete: %+v", i, s)
		}
	}
}

func TestParseXLSXBadRows(t *testing.T) {
	cfg := loadConfig(t)
	data := workbook(t, func(f *excelize.File, s string) error {
		rows := [][]any{
			{"日期", "时间", "带班领导", "值班人员", "值班电话"},
			{"2026-10-01", "08:00-20:00", "张明", "吴敏", "023-65700000"},
			{nil, "20:00-次日08:00", nil, "马超"},
			{"2026-10-02", "08:00-20:00", "李芳", "王某"}, // unknown person
			{"2026-10-01", "12:00-14:00", "王强", "吴敏"}, // 吴敏 is on row 2 then
			{"2026-10-03", "08:00-次日08:00", "", "周婷"}, // no leader
			{"2026-10-04", "全天", "黄磊", "朱红"},          // fine
			{}, // empty
			{"注：如遇特殊情况，报党政办调整。"},                                          // a note
			{"2026-10-05", "08:00-次日08:00", "黄磊（值班领导）", "吴敏 13800000010"}, // fine
		}
		for i, r := range rows {
			if err := row(f, s, i+1, r...); err != nil {
				return err
			}
		}
		if err := f.MergeCell(s, "A2", "A3"); err != nil {
			return err
		}
		return f.MergeCell(s, "C2", "C3")
	})
	shifts, err := ParseXLSX(bytes.NewReader(data), cfg)
	if shifts != nil {
		t.Errorf("got %d shifts with errors, want none", len(shifts))
	}
	var rows Errors
	if !errors.As(err, &rows) {
		t.Fatalf("error %v (%T) is not an Errors", err, err)
	}
	want := []RowError{
		{Row: 4, Column: "值班人员"},
		{Row: 5, Column: "值班人员"},
		{Row: 6, Column: "带班领导"},
	}
	if len(rows.List) != len(want) || rows.Total != len(want) {
		t.Fatalf("got %d row errors of %d, want %d:\n%v", len(rows.List), rows.Total, len(want), err)
	}
	for i, got := range rows.List {
		if got.Row != want[i].Row || got.Column != want[i].Column {
			t.Errorf("error %d: got row %d (%s), want row %d (%s)", i, got.Row, got.Column, want[i].Row, want[i].Column)
		}
	}
	wantMsg := `row 4 (值班人员): "王某" is not an official in the configuration
row 5 (值班人员): 吴敏 overlaps row 2 (2026-10-01 08:00–20:00)
row 6 (带班领导): missing 带班领导`
	if err.Error() != wantMsg {
		t.Errorf("message:\n%s\nwant:\n%s", err, wantMsg)
	}
}

func TestRowErrorsOfOtherKinds(t *testing.T) {
	cfg := loadConfig(t)
	// A second 张明 makes the name ambiguous.
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	twin := "  - id: o-zhangming2\n    name: 张明\n    phone: \"13800000099\"\n    unit: jw\n    roles: [staff]\n  - id: o-guoliang\n"
	twins, err := config.Parse([]byte(strings.Replace(string(example), "  - id: o-guoliang\n", twin, 1)))
	if err != nil {
		t.Fatal(err)
	}
	header := "日期,时间,带班领导,值班人员,类型\n"
	tests := []struct {
		name string
		cfg  *config.Config
		csv  string
		want string // Error() of the result
	}{
		{"ambiguous name", twins, "2026-10-01,,黄磊,张明\n",
			`row 2 (值班人员): "张明" is ambiguous: officials o-zhangming, o-zhangming2 have that name; add the phone or id, e.g. 张明（o-zhangming）`},
		{"phone picks the twin", twins, "2026-10-01,,黄磊,张明（13800000099）\n2026-10-02,,张明 o-zhangming,吴敏\n", ""},
		{"phone of someone else", cfg, "2026-10-01,,黄磊,吴敏（13800000013）\n",
			`row 2 (值班人员): "吴敏" does not match 13800000013, which is 马超's`},
		{"no staff", cfg, "2026-10-01,,黄磊,\n", `row 2 (值班人员): missing 值班人员`},
		{"two leaders", cfg, "2026-10-01,,黄磊、张明,吴敏\n", `row 2 (带班领导): one 带班领导 per shift, not 2 (黄磊、张明)`},
		{"leader is staff", cfg, "2026-10-01,,黄磊,黄磊、吴敏\n", `row 2 (值班人员): 黄磊 is both 带班领导 and 值班人员`},
		{"bad date", cfg, "2026-13-01,,黄磊,吴敏\n,20:00-22:00,张明,马超\n",
			"row 2 (日期): invalid date \"2026-13-01\"\nrow 3 (日期): empty, and the date above (row 2) is invalid"},
		{"no date at all", cfg, ",08:00-18:00,黄磊,吴敏\n", `row 2 (日期): missing 日期`},
		{"bad hours", cfg, "2026-10-01,白班,黄磊,吴敏\n",
			`row 2 (时间): cannot read hours "白班": write them like 08:00-次日08:00 or 8:30-17:30`},
		{"bad kind", cfg, "2026-10-01,,黄磊,吴敏,春运\n",
			`row 2 (类型): unknown kind "春运": use 日常, 节假日, 重要节点, 汛期 or 极端天气`},
		{"leader overlaps", cfg, "2026-10-01,,黄磊,吴敏\n2026-10-02,07:00-09:00,黄磊,马超\n",
			`row 3 (带班领导): 黄磊 overlaps row 2 (2026-10-01 08:00–10-02 08:00)`},
		{"touching is fine", cfg, "2026-10-01,08:00-20:00,黄磊,吴敏\n2026-10-01,20:00-次日08:00,黄磊,吴敏\n", ""},
		{"example row", cfg, "2026-10-01,,黄磊,吴敏,," + exampleNote + "\n",
			"row 2 (备注): this is the template's example row: delete it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := header
			if strings.Contains(tt.csv, exampleNote) {
				h = "日期,时间,带班领导,值班人员,类型,备注\n"
			}
			shifts, err := ParseCSV(strings.NewReader(h+tt.csv), tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want == "":
				if len(shifts) == 0 {
					t.Fatal("no shifts")
				}
			case err == nil:
				t.Fatalf("no error, want %s", tt.want)
			case err.Error() != tt.want:
				t.Fatalf("error:\n%v\nwant:\n%s", err, tt.want)
			case shifts != nil:
				t.Fatalf("got shifts with an error")
			}
		})
	}
}

func TestParseCSV(t *testing.T) {
	cfg := loadConfig(t)
	text := "日期,星期,班次,带班领导,值班人员1,值班人员2,值班电话,值班地点,类型,备注\n" +
		"2026/10/1,星期四,08:00-次日08:00,张明,吴敏,马超,023-65700000,镇政府值班室,节假日,\n" +
		"2026/10/2,星期五,08:00—08:00,李芳,周婷,,023-65700000,镇政府值班室,节假日,\"换班：\n原定朱红\"\n"
	want := []Shift{
		{Start: at(cfg, 2026, 10, 1, 8, 0), End: at(cfg, 2026, 10, 2, 8, 0), Leader: "o-zhangming",
			Staff: []string{"o-wumin", "o-machao"}, Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday},
		{Start: at(cfg, 2026, 10, 2, 8, 0), End: at(cfg, 2026, 10, 3, 8, 0), Leader: "o-lifang",
			Staff: []string{"o-zhouting"}, Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday, Note: "换班：\n原定朱红"},
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	filled := "日期,时间,带班领导,值班人员\r\n" +
		"2026年10月1日,08:00-12:00,张明,吴敏\r\n" +
		",12:00-18:00,张明,马超\r\n" +
		"\r\n" +
		",18:00-次日08:00,李芳,周婷\r\n"
	tests := []struct {
		name string
		data []byte
		want []Shift
	}{
		{"UTF-8", []byte(text), want},
		{"UTF-8 with BOM", append([]byte("\uFEFF"), text...), want},
		{"GB18030", []byte(gb), want},
		{"tab separated", []byte(strings.ReplaceAll(text, ",", "\t")), want},
		{"empty dates filled down", []byte(filled), []Shift{
			{Start: at(cfg, 2026, 10, 1, 8, 0), End: at(cfg, 2026, 10, 1, 12, 0), Leader: "o-zhangming", Staff: []string{"o-wumin"}, Kind: Daily},
			{Start: at(cfg, 2026, 10, 1, 12, 0), End: at(cfg, 2026, 10, 1, 18, 0), Leader: "o-zhangming", Staff: []string{"o-machao"}, Kind: Daily},
			{Start: at(cfg, 2026, 10, 1, 18, 0), End: at(cfg, 2026, 10, 2, 8, 0), Leader: "o-lifang", Staff: []string{"o-zhouting"}, Kind: Daily},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCSV(bytes.NewReader(tt.data), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseCSVRowNumbers(t *testing.T) {
	cfg := loadConfig(t)
	// Row numbers are as Excel shows the file: blank lines count, a quoted
	// cell over two lines does not.
	text := "值班表\n\n日期,时间,带班领导,值班人员,备注\n2026-10-01,,张明,吴敏,\"两行\n备注\"\n\n2026-10-02,,张明,王某,\n"
	_, err := ParseCSV(strings.NewReader(text), cfg)
	want := `row 6 (值班人员): "王某" is not an official in the configuration`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestDatesWithoutYear(t *testing.T) {
	cfg := loadConfig(t)
	tests := []struct {
		name  string
		dates []string
		want  []time.Time // shift starts
		err   string
	}{
		{"year from the row above", []string{"2026年10月1日", "10月2日", "10月3日（星期六）"},
			[]time.Time{at(cfg, 2026, 10, 1, 8, 0), at(cfg, 2026, 10, 2, 8, 0), at(cfg, 2026, 10, 3, 8, 0)}, ""},
		{"into the next year", []string{"2026.12.31", "1月1日"},
			[]time.Time{at(cfg, 2026, 12, 31, 8, 0), at(cfg, 2027, 1, 1, 8, 0)}, ""},
		{"no year at all", []string{"10月1日", "10月2日"}, nil,
			"row 2 (日期): date \"10月1日\" has no year and no row above gives one: write it like 2026年10月1日"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := workbook(t, func(f *excelize.File, s string) error {
				if err := row(f, s, 1, "日期", "带班领导", "值班人员"); err != nil {
					return err
				}
				for i, d := range tt.dates {
					if err := row(f, s, i+2, d, "张明", []string{"吴敏", "马超"}[i%2]); err != nil {
						return err
					}
				}
				return nil
			})
			shifts, err := ParseXLSX(bytes.NewReader(data), cfg)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("got %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var starts []time.Time
			for _, s := range shifts {
				starts = append(starts, s.Start)
			}
			if !reflect.DeepEqual(starts, tt.want) {
				t.Errorf("starts %v, want %v", starts, tt.want)
			}
		})
	}
}

func TestParseXLSXHugeMerge(t *testing.T) {
	cfg := loadConfig(t)
	// A date merged down to the last row of the sheet and a note merged
	// over the rest of the sheet apply only as far as the data goes. excelize
	// would fill such merges cell by cell when writing, so they are patched
	// into the sheet's XML.
	data := workbook(t, func(f *excelize.File, s string) error {
		if err := row(f, s, 1, "日期", "带班领导", "值班人员", "备注"); err != nil {
			return err
		}
		if err := row(f, s, 2, "2026-10-01", "张明", "吴敏", "国庆"); err != nil {
			return err
		}
		if err := row(f, s, 3, nil, "李芳", "马超"); err != nil {
			return err
		}
		if err := f.MergeCell(s, "A2", "A3"); err != nil {
			return err
		}
		return f.MergeCell(s, "D2", "E3")
	})
	data = patchZip(t, data, "xl/worksheets/sheet1.xml", map[string]string{
		`ref="A2:A3"`: fmt.Sprintf(`ref="A2:A%d"`, excelize.TotalRows),
		`ref="D2:E3"`: fmt.Sprintf(`ref="D2:XFD%d"`, excelize.TotalRows),
	})
	start := time.Now()
	shifts, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(shifts) != 2 || !shifts[1].Start.Equal(at(cfg, 2026, 10, 1, 8, 0)) || shifts[1].Note != "国庆" {
		t.Errorf("got %+v", shifts)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("parse took %v", d)
	}
}

// patchZip replaces strings in one file of a zip archive.
func patchZip(t *testing.T, data []byte, name string, replace map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			for old, new := range replace {
				if !bytes.Contains(content, []byte(old)) {
					t.Fatalf("%s has no %s", name, old)
				}
				content = bytes.ReplaceAll(content, []byte(old), []byte(new))
			}
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestParseXLSXDate1904(t *testing.T) {
	cfg := loadConfig(t)
	data := workbook(t, func(f *excelize.File, s string) error {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			return err
		}
		if err := row(f, s, 1, "日期", "带班领导", "值班人员"); err != nil {
			return err
		}
		return row(f, s, 2, 44834, "张明", "吴敏") // 2026-10-01 counted from 1904
	})
	shifts, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := at(cfg, 2026, 10, 1, 8, 0); len(shifts) != 1 || !shifts[0].Start.Equal(want) {
		t.Errorf("got %+v, want a shift from %v", shifts, want)
	}
}

func TestParseYAML(t *testing.T) {
	cfg := loadConfig(t)
	text := `
- date: 2026-07-15
  time: 08:00-次日08:00
  leader: 王强
  staff: [胡军, o-guoliang]
  place: 镇应急办
  phone: 02365700001
  kind: 汛期
  note: 暴雨预警期间加强值守
- time: "20:00-22:00"
  leader: "13800000002"
  staff: 朱红、杨帆
  phone: "+86 139-0000-0099"
  kind: extreme
`
	want := []Shift{
		{Start: at(cfg, 2026, 7, 15, 8, 0), End: at(cfg, 2026, 7, 16, 8, 0), Leader: "o-wangqiang",
			Staff: []string{"o-hujun", "o-guoliang"}, Place: "镇应急办", Phone: "02365700001", Kind: FloodSeason, Note: "暴雨预警期间加强值守"},
		{Start: at(cfg, 2026, 7, 15, 20, 0), End: at(cfg, 2026, 7, 15, 22, 0), Leader: "o-lifang",
			Staff: []string{"o-zhuhong", "o-yangfan"}, Phone: "13900000099", Kind: ExtremeWeather}, // a mobile in the one form shown
	}
	got, err := ParseYAML(strings.NewReader(text), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	bad := []struct{ name, text, want string }{
		{"unknown key", "- date: 2026-07-15\n  leader: 王强\n  staff: [胡军]\n  shift: night\n", "field shift not found"},
		{"bad entry", "- date: 2026-07-15\n  leader: 王强\n  staff: [胡军]\n- date: 2026-07-16\n  leader: 王某\n  staff: [胡军]\n",
			`row 2 (leader): "王某" is not an official in the configuration`},
		{"empty", "", "no shifts"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseYAML(strings.NewReader(tt.text), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseFile(t *testing.T) {
	cfg := loadConfig(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	tests := []struct {
		name   string
		path   string
		shifts int
		err    string // substring of the error; "" for none
	}{
		{"xlsx", write("国庆值班表.xlsx", nationalDay(t)), 14, ""},
		{"csv", write("值班表.CSV", []byte("日期,带班领导,值班人员\n2026-10-01,张明,吴敏\n")), 1, ""},
		{"yaml", write("roster.yml", []byte("- {date: 2026-10-01, leader: 张明, staff: [吴敏]}\n")), 1, ""},
		{"xls", write("值班表.xls", ole), 0, "save it as .xlsx (Excel workbook) or CSV"},
		{"et", write("值班表.et", ole), 0, "save it as .xlsx (Excel workbook) or CSV"},
		{"xls renamed xlsx", write("renamed.xlsx", ole), 0, "old-style .xls/.et workbook"},
		{"not a workbook", write("text.xlsx", []byte("日期,带班领导")), 0, "not an .xlsx workbook"},
		{"docx", write("值班表.docx", nil), 0, "use .xlsx, .csv or .yaml"},
		{"several bad rows", write("bad.csv", []byte("日期,带班领导,值班人员\n2026-10-01,王某,吴敏\n2026-10-02,张明,李某\n")), 0,
			"bad.csv: 2 problems:\nrow 2 (带班领导)"},
		{"missing column", write("nostaff.csv", []byte("日期,带班领导,值班电话\n2026-10-01,张明,1\n")), 0, "missing column 值班人员"},
		{"no header", write("nohead.csv", []byte("a,b\n1,2\n")), 0, "no header row in the first 5 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shifts, err := ParseFile(tt.path, cfg)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(shifts) != tt.shifts {
					t.Errorf("got %d shifts, want %d", len(shifts), tt.shifts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want an error containing %q", err, tt.err)
			}
			if strings.HasSuffix(tt.name, "xls") || tt.name == "et" {
				if !errors.Is(err, ErrUnsupportedFormat) {
					t.Errorf("%v is not ErrUnsupportedFormat", err)
				}
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	cfg := loadConfig(t)
	data, err := Template(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{rosterSheet, listSheet}) {
		t.Fatalf("sheets %v", got)
	}
	if visible, _ := f.GetSheetVisible(listSheet); visible {
		t.Error("the list sheet is visible")
	}
	rows, err := f.GetRows(rosterSheet)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"日期", "星期", "时间", "带班领导", "值班人员1", "值班人员2", "值班地点", "值班电话", "类型", "备注"}
	if len(rows) < 2 || !reflect.DeepEqual(rows[0], wantHeader) {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][3] != "黄磊" || rows[1][4] != "周婷" || rows[1][9] != exampleNote {
		t.Errorf("example row %q", rows[1])
	}

	// The named lists hold every official and every kind.
	names := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		names[dn.Name] = dn.RefersTo
	}
	if got, want := names[peopleName], fmt.Sprintf("'名单'!$A$2:$A$%d", len(cfg.Officials)+1); got != want {
		t.Errorf("%s refers to %q, want %q", peopleName, got, want)
	}
	if got, want := names[kindsName], "'名单'!$B$2:$B$6"; got != want {
		t.Errorf("%s refers to %q, want %q", kindsName, got, want)
	}
	lists, err := f.GetCols(listSheet)
	if err != nil {
		t.Fatal(err)
	}
	var official []string
	for _, o := range cfg.Officials {
		official = append(official, o.Name)
	}
	if got := lists[0][1:]; !reflect.DeepEqual(got, official) {
		t.Errorf("people list %q, want %q", got, official)
	}
	kinds := lists[1][1:]
	for len(kinds) > 0 && kinds[len(kinds)-1] == "" {
		kinds = kinds[:len(kinds)-1]
	}
	if !reflect.DeepEqual(kinds, []string{"日常", "节假日", "重要节点", "汛期", "极端天气"}) {
		t.Errorf("kinds list %q", kinds)
	}

	dvs, err := f.GetDataValidations(rosterSheet)
	if err != nil {
		t.Fatal(err)
	}
	lists2 := map[string]string{}
	for _, dv := range dvs {
		if dv.Type == "list" {
			lists2[dv.Sqref] = dv.Formula1
		}
	}
	wantLists := map[string]string{"D2:D501": peopleName, "E2:F501": peopleName, "I2:I501": kindsName}
	if !reflect.DeepEqual(lists2, wantLists) {
		t.Errorf("drop-down lists %v, want %v", lists2, wantLists)
	}

	// As sent back untouched, the example row is refused; filled in, the
	// template reads.
	if _, err := ParseXLSX(bytes.NewReader(data), cfg); err == nil || !strings.Contains(err.Error(), "example row") {
		t.Errorf("template with its example row: %v", err)
	}
	if err := f.SetSheetRow(rosterSheet, "A2", &[]any{46296, "星期四", "08:00-次日08:00", "黄磊", "周婷", "马超", "镇政府值班室", "023-65700000", "节假日", ""}); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	shifts, err := ParseXLSX(buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []Shift{{Start: at(cfg, 2026, 10, 1, 8, 0), End: at(cfg, 2026, 10, 2, 8, 0), Leader: "o-huanglei",
		Staff: []string{"o-zhouting", "o-machao"}, Place: "镇政府值班室", Phone: "023-65700000", Kind: Holiday}}
	if !reflect.DeepEqual(shifts, want) {
		t.Errorf("filled template: got %+v", shifts)
	}
}

// sampleRoster returns n shifts of every kind, with one to three staff,
// 24-hour and shorter shifts, several shifts and leaders a day, notes and
// shifts ending at midnight.
func sampleRoster(cfg *config.Config, n int) []Shift {
	leaders := []string{"o-zhangming", "o-lifang", "o-wangqiang", "o-huanglei"}
	staff := []string{"o-wumin", "o-machao", "o-zhouting", "o-zhuhong", "o-hujun", "o-guoliang", "o-sunli", "o-xutao"}
	kinds := []string{Daily, Holiday, ImportantDate, FloodSeason, ExtremeWeather}
	var out []Shift
	day := at(cfg, 2026, 9, 28, 0, 0)
	for i := 0; len(out) < n; i++ {
		y, m, d := day.AddDate(0, 0, i).Date()
		var hours [][2]int // start and end in minutes after midnight
		switch i % 3 {
		case 0:
			hours = [][2]int{{8 * 60, 32 * 60}}
		case 1:
			hours = [][2]int{{8 * 60, 18 * 60}, {18 * 60, 32 * 60}}
		case 2:
			hours = [][2]int{{8*60 + 30, 17*60 + 30}, {17*60 + 30, 24 * 60}, {0, 8*60 + 30}}
		}
		for k, h := range hours {
			if len(out) == n {
				break
			}
			j := len(out)
			s := Shift{
				Start:  time.Date(y, m, d, 0, h[0], 0, 0, cfg.Location),
				End:    time.Date(y, m, d, 0, h[1], 0, 0, cfg.Location),
				Leader: leaders[(i+k/2)%len(leaders)],
				Staff:  []string{staff[j%len(staff)]},
				Kind:   kinds[j%len(kinds)],
			}
			if j%3 == 0 {
				s.Staff = append(s.Staff, staff[(j+3)%len(staff)])
			}
			if j%7 == 0 {
				s.Staff = append(s.Staff, staff[(j+5)%len(staff)])
			}
			if j%2 == 0 {
				s.Place, s.Phone = "镇政府值班室", "023-65700000"
			}
			if j%5 == 0 {
				s.Note = fmt.Sprintf("换班：原定%d号", j)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestExportRoundTrip(t *testing.T) {
	cfg := loadConfig(t)
	in := sampleRoster(cfg, 20)
	data, err := Export(in, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		for i := range min(len(got), len(in)) {
			if !reflect.DeepEqual(got[i], in[i]) {
				t.Errorf("shift %d:\ngot  %+v\nwant %+v", i, got[i], in[i])
			}
		}
		t.Fatalf("round trip: got %d shifts, want %d", len(got), len(in))
	}
	// The export looks like a township roster: dates merged per day.
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	merges, err := f.GetMergeCells(rosterSheet, true)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, m := range merges {
		refs = append(refs, m[0])
	}
	for _, want := range []string{"A3:A4", "B3:B4", "A5:A7"} {
		if !slices.Contains(refs, want) {
			t.Errorf("no merged range %s in %v", want, refs)
		}
	}
}

func TestExportErrors(t *testing.T) {
	cfg := loadConfig(t)
	good := Shift{Start: at(cfg, 2026, 10, 1, 8, 0), End: at(cfg, 2026, 10, 2, 8, 0), Leader: "o-zhangming", Staff: []string{"o-wumin"}, Kind: Daily}
	tests := []struct {
		name   string
		change func(*Shift)
		want   string
	}{
		{"unknown leader", func(s *Shift) { s.Leader = "o-nobody" }, `"o-nobody" is not an official`},
		{"no staff", func(s *Shift) { s.Staff = nil }, "no 值班人员"},
		{"two days", func(s *Shift) { s.End = s.End.AddDate(0, 0, 1) }, "cannot write"},
		{"backwards", func(s *Shift) { s.End = s.Start.Add(-time.Hour) }, "cannot write"},
		{"unknown kind", func(s *Shift) { s.Kind = "party" }, `unknown kind "party"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			s.Staff = slices.Clone(good.Staff)
			tt.change(&s)
			if _, err := Export([]Shift{good, s}, cfg); err == nil || !strings.Contains(err.Error(), "shift 2: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want shift 2: …%s", err, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	prev := date{2026, 9, 30}
	tests := []struct {
		in       string
		havePrev bool
		want     date
		err      string
	}{
		{"2026-10-01", false, date{2026, 10, 1}, ""},
		{"2026/10/1", false, date{2026, 10, 1}, ""},
		{"2026年10月1日", false, date{2026, 10, 1}, ""},
		{"2026年10月1日（星期四）", false, date{2026, 10, 1}, ""},
		{"2026.10.01", false, date{2026, 10, 1}, ""},
		{"２０２６－１０－０１", false, date{2026, 10, 1}, ""},
		{"2026-10-01 00:00:00", false, date{2026, 10, 1}, ""},
		{"46296", false, date{2026, 10, 1}, ""},
		{"46296.5", false, date{2026, 10, 1}, ""},
		{"20261001", false, date{2026, 10, 1}, ""},
		{"10月1日", true, date{2026, 10, 1}, ""},
		{"10-1", true, date{2026, 10, 1}, ""},
		{"10月1日", false, date{}, "has no year"},
		{"2026-02-30", false, date{}, "invalid date"},
		{"1", false, date{}, "is not a date"},
		{"1999-10-01", false, date{}, "out of range"},
		{"国庆", false, date{}, "cannot read date"},
		{"2026-10-01 上午", false, date{}, "cannot read date"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDate(tt.in, false, prev, tt.havePrev)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("got %v, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	// The 1904 date system, used by some workbooks from Macs.
	if got, err := parseDate("44834", true, prev, false); err != nil || got != (date{2026, 10, 1}) {
		t.Errorf("1904 serial: got %v, %v", got, err)
	}
}

func TestParseHours(t *testing.T) {
	const h = 60
	tests := []struct {
		in         string
		start, end int
		err        bool
	}{
		{"08:00-次日08:00", 8 * h, 32 * h, false},
		{"08:00—08:00", 8 * h, 32 * h, false},
		{"8:30-17:30", 8*h + 30, 17*h + 30, false},
		{"18:00-8:00", 18 * h, 32 * h, false},
		{"8:00～次日9:00", 8 * h, 33 * h, false},
		{"20:00-24:00", 20 * h, 24 * h, false},
		{"20:00-次日00:00", 20 * h, 24 * h, false},
		{"８：００－次日８：００", 8 * h, 32 * h, false},
		{"8点-17点30", 8 * h, 17*h + 30, false},
		{"8时至17时半", 8 * h, 17*h + 30, false},
		{"白班（8:00-18:00）", 8 * h, 18 * h, false},
		{"全天", 8 * h, 32 * h, false},
		{"24小时", 8 * h, 32 * h, false},
		{"", 8 * h, 32 * h, false},
		{"09:00", 9 * h, 33 * h, false},
		{"0.375", 9 * h, 33 * h, false},
		{"白班", 0, 0, true},
		{"8:00-12:00-18:00", 0, 0, true},
		{"25:00-26:00", 0, 0, true},
		{"8:75-9:00", 0, 0, true},
		{"24:00-08:00", 0, 0, true},
		{"次日8:00-9:00", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			start, end, err := parseHours(tt.in)
			if (err != nil) != tt.err || !tt.err && (start != tt.start || end != tt.end) {
				t.Errorf("got %d, %d, %v; want %d, %d, error %v", start, end, err, tt.start, tt.end, tt.err)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := map[string]colType{
		"日期": colDate, "日 期": colDate, "值班日期": colDate,
		"星期": colIgnored, "序号": colIgnored,
		"班次": colHours, "时段": colHours, "值班时间": colHours, "时间": colHours,
		"带班领导": colLeader, "带班领导姓名": colLeader, "带班领导（姓名）": colLeader, "值班领导": colLeader,
		"带班领导电话": colIgnored, "带班领导手机": colIgnored, "职务": colIgnored, "带班领导职务": colIgnored,
		"值班人员": colStaff, "值班人员1": colStaff, "值班人员2": colStaff, "值班人员姓名": colStaff, "值班人员*": colStaff,
		"值班人员电话": colIgnored, "值班人员1手机": colIgnored,
		"值班电话": colPhone, "值班室电话": colPhone,
		"值班地点": colPlace, "类型": colKindOf, "备注": colNote,
		"含谷镇2026年国庆节值班表": colUnknown, "签到": colUnknown, "": colUnknown,
	}
	for h, want := range tests {
		if got := classify(h); got != want {
			t.Errorf("classify(%q) = %d, want %d", h, got, want)
		}
	}
}

func TestResolvePeople(t *testing.T) {
	cfg := loadConfig(t)
	dir := newDirectory(cfg)
	tests := []struct {
		cell string
		want []string
		errs int
	}{
		{"吴敏、马超", []string{"o-wumin", "o-machao"}, 0},
		{"吴敏，马超", []string{"o-wumin", "o-machao"}, 0},
		{"吴敏,马超;周婷/朱红", []string{"o-wumin", "o-machao", "o-zhouting", "o-zhuhong"}, 0},
		{"吴敏 马超", []string{"o-wumin", "o-machao"}, 0},
		{"吴敏\n马超", []string{"o-wumin", "o-machao"}, 0},
		{" 吴敏 ", []string{"o-wumin"}, 0},
		{"吴　敏", []string{"o-wumin"}, 0}, // padded with a full-width space
		{"o-wumin", []string{"o-wumin"}, 0},
		{"138-0000-0010", []string{"o-wumin"}, 0},
		{"+86 13800000010", []string{"o-wumin"}, 0},
		{"吴敏 13800000010", []string{"o-wumin"}, 0},
		{"吴敏13800000010、马超", []string{"o-wumin", "o-machao"}, 0},
		{"吴敏（13800000010）", []string{"o-wumin"}, 0},
		{"黄磊（值班领导）", []string{"o-huanglei"}, 0},
		{"吴敏 023-65700000", []string{"o-wumin"}, 0}, // a landline not in the configuration
		{"吴敏、吴敏", []string{"o-wumin"}, 0},
		{"吴敏、13800000013", []string{"o-wumin", "o-machao"}, 0},
		{"王某", nil, 1},
		{"王某、李某", nil, 2},
		{"吴敏 13800000013", []string{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			ids, errs := dir.resolve(tt.cell)
			if len(errs) != tt.errs || tt.errs == 0 && !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("got %v, %v; want %v with %d errors", ids, errs, tt.want, tt.errs)
			}
		})
	}
}

// BenchmarkParseXLSXYear parses a year of shifts, three a day, as exported
// (dates and leaders merged per day).
func BenchmarkParseXLSXYear(b *testing.B) {
	cfg := loadConfig(b)
	leaders := []string{"o-zhangming", "o-lifang", "o-wangqiang", "o-huanglei", "o-zhaojing", "o-liuyang", "o-chenjie"}
	staff := []string{"o-wumin", "o-machao", "o-zhouting", "o-zhuhong", "o-hujun", "o-guoliang", "o-sunli", "o-xutao", "o-yangfan"}
	var shifts []Shift
	for d := at(cfg, 2026, 1, 1, 0, 0); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		y, m, day := d.Date()
		bounds := []int{8 * 60, 17*60 + 30, 22 * 60, 32 * 60}
		for k := range 3 {
			n := len(shifts)
			shifts = append(shifts, Shift{
				Start:  time.Date(y, m, day, 0, bounds[k], 0, 0, cfg.Location),
				End:    time.Date(y, m, day, 0, bounds[k+1], 0, 0, cfg.Location),
				Leader: leaders[d.YearDay()%len(leaders)],
				Staff:  []string{staff[n%len(staff)]},
				Place:  "镇政府值班室",
				Phone:  "023-65700000",
				Kind:   Daily,
			})
		}
	}
	data, err := Export(shifts, cfg)
	if err != nil {
		b.Fatal(err)
	}
	got, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil || len(got) != len(shifts) {
		b.Fatalf("got %d shifts, %v; want %d", len(got), err, len(shifts))
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseXLSX(bytes.NewReader(data), cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(shifts)), "rows")
}
