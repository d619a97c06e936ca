package directory

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// awkward are entries whose values a careless writer or reader would
// change: separators, quotes, line breaks, leading zeros and plus signs,
// formulas, text that looks like a number, and no optional columns.
var awkward = []Entry{
	{Name: "张明", Unit: "党政办,综治办", Roles: `主任,"兼"网格长`, Phone: "13800000001", ID: "p-0001", Language: "zh"},
	{Name: "李芳", Unit: "应急办", Roles: "分管领导\n防汛", Phone: "+86 138 0000 0002", Superior: "张明"},
	{Name: "=SUM(A1:A2)", Unit: "第1网格", Roles: "", Phone: "013800000003", Superior: "13800000001", Language: "en"},
	{Name: "O'Brien", Unit: "-1", Roles: "@all", Phone: "1.38E+10", Superior: "'张明"},
	{Name: "王  强", Unit: "第2网格;第3网格", Roles: "网格员\t信息员", Phone: "13800000004"},
}

func TestWriteReadsBack(t *testing.T) {
	for _, tt := range []struct {
		name    string
		entries []Entry
	}{
		{"awkward values", awkward},
		{"optional columns unused", people(50)},
		{"none", []Entry{}},
	} {
		for _, f := range []Format{XLSX, CSV} {
			t.Run(tt.name+"/"+string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := Write(&buf, f, tt.entries); err != nil {
					t.Fatal(err)
				}
				got, err := Read("通讯录."+string(f), buf.Bytes(), Limits{})
				if err != nil {
					t.Fatal(err)
				}
				// Rows as Excel numbers them; CSV records by the line
				// they start on, after the line breaks within cells.
				want := make([]Entry, len(tt.entries))
				breaks := 0
				for i, e := range tt.entries {
					e.Row = i + 2
					if f == CSV {
						e.Row += breaks
						for _, c := range Columns() {
							breaks += strings.Count(e.value(fieldOf(c)), "\n")
						}
					}
					want[i] = e
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got  %+v\nwant %+v", got, want)
				}
			})
		}
	}
}

func TestWriteColumns(t *testing.T) {
	for _, tt := range []struct {
		name    string
		entries []Entry
		header  string
	}{
		{"without ids and languages", people(3), "姓名,单位,职务/角色,手机号,上级"},
		{"with an id", []Entry{{Name: "张明", Unit: "党政办", Phone: "13800000001", ID: "p-1"}}, "姓名,单位,职务/角色,手机号,上级,编号"},
		{"with a language", []Entry{{Name: "张明", Unit: "党政办", Phone: "13800000001", Language: "en"}}, "姓名,单位,职务/角色,手机号,上级,语言"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, CSV, tt.entries); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			if !strings.HasPrefix(text, "\ufeff"+tt.header+"\r\n") {
				t.Errorf("CSV starts %q, want a byte order mark and %q", text[:min(len(text), 80)], tt.header)
			}
		})
	}
}

func TestWorkbookKeepsPhonesAsText(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, XLSX, awkward); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{SheetName}) {
		t.Errorf("sheets %v, want only %s", got, SheetName)
	}
	for _, cell := range []string{"D2", "D4", "D30"} { // written, and below the entries for those added by hand
		style, err := f.GetCellStyle(SheetName, cell)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(style)
		if err != nil {
			t.Fatal(err)
		}
		if s.NumFmt != 49 {
			t.Errorf("%s has number format %d, want 49 (text)", cell, s.NumFmt)
		}
	}
	if typ, err := f.GetCellType(SheetName, "D4"); err != nil || typ != excelize.CellTypeInlineString {
		t.Errorf("D4 (013800000003) is of type %v (%v), want text", typ, err)
	}
	if formula, _ := f.GetCellFormula(SheetName, "A4"); formula != "" {
		t.Errorf("A4 holds the formula %q, want the text =SUM(A1:A2)", formula)
	}
}

func TestTemplate(t *testing.T) {
	examples := []Entry{
		{Name: "张明", Unit: "党政办", Roles: "主要负责人", Phone: "13800000001"},
		{Name: "李芳", Unit: "应急办", Roles: "分管领导", Phone: "13800000002", Superior: "张明", Language: "zh"},
	}
	notes := []string{"每人一行；姓名、单位、手机号必填。", "上级填姓名或手机号。"}
	for _, f := range []Format{XLSX, CSV} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Template(&buf, f, examples, notes); err != nil {
				t.Fatal(err)
			}
			data := bytes.Clone(buf.Bytes())
			got, err := Read("模板."+string(f), data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := []Entry{examples[0], examples[1]}
			want[0].Row, want[1].Row = 2, 3
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if f == CSV {
				if !strings.HasPrefix(buf.String(), "\ufeff姓名,单位,职务/角色,手机号,上级,编号,语言\r\n") {
					t.Errorf("CSV template starts %q, want every column", buf.String()[:60])
				}
				return
			}
			wb, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer wb.Close()
			if got := wb.GetSheetList(); !reflect.DeepEqual(got, []string{SheetName, NotesSheet}) {
				t.Errorf("sheets %v, want %s and %s", got, SheetName, NotesSheet)
			}
			if wb.GetActiveSheetIndex() != 0 {
				t.Errorf("the workbook opens on sheet %d, want the 通讯录", wb.GetActiveSheetIndex())
			}
			header, err := wb.GetRows(SheetName)
			if err != nil || !reflect.DeepEqual(header[0], []string{"姓名", "单位", "职务/角色", "手机号", "上级", "编号", "语言"}) {
				t.Errorf("header %v (%v), want every column", header[0], err)
			}
			rows, err := wb.GetRows(NotesSheet)
			if err != nil {
				t.Fatal(err)
			}
			var gotNotes []string
			for _, r := range rows {
				gotNotes = append(gotNotes, r...)
			}
			if !reflect.DeepEqual(gotNotes, notes) {
				t.Errorf("notes %q, want %q", gotNotes, notes)
			}
		})
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "ods", awkward); err == nil || !strings.Contains(err.Error(), `"ods"`) {
		t.Errorf("got %v, want the format refused", err)
	}
}
