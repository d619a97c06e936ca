package directory

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestHeaderAliases(t *testing.T) {
	want := []Entry{{Row: 2, ID: "p-1", Name: "张明", Unit: "党政办", Roles: "主要负责人", Phone: "13800000001", Superior: "李芳", Language: "zh"}}
	for _, tt := range []struct {
		name   string
		header string
	}{
		{"usual", "姓名,单位,职务/角色,手机号,上级,编号,语言"},
		{"other words", "名字,部门,职务（角色）,联系电话,直接上级,ID,Language"},
		{"english, any case", "NAME,unit,Roles,Mobile,superior,id,LANGUAGE"},
		{"spaces, full width, marks", " 姓 名* ,单位：,职务 / 角色,手机号码　,上级领导,编号,语言"},
		{"full-width latin", "Ｎａｍｅ,所在单位,角色,Ｐｈｏｎｅ,上级,编号,语言"},
		{"brackets", "姓名,单位,职务(角色),手机,上级,编号,语言"},
		{"other order", "语言,编号,上级,手机号,职务/角色,单位,姓名"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			values := map[string]string{}
			for f, v := range []string{"张明", "党政办", "主要负责人", "13800000001", "李芳", "p-1", "zh"} {
				values[string(columns[f])] = v
			}
			// The row in the header's order: find each header's field.
			var cells []string
			for _, h := range strings.Split(tt.header, ",") {
				f, _, ok := match(trim(h))
				if !ok {
					t.Fatalf("header %q not recognised", h)
				}
				cells = append(cells, values[string(columns[f])])
			}
			got, err := Read("通讯录.csv", csvText(tt.header, strings.Join(cells, ",")), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestRowsAreReadAsWritten(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []string
		want  []Entry
	}{
		{
			name:  "optional columns absent",
			lines: []string{"姓名,单位,手机号", "张明,党政办,13800000001"},
			want:  []Entry{{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001"}},
		},
		{
			name: "title rows, extra columns, blank rows, a numbered empty table",
			lines: []string{
				"含谷镇机关干部通讯录,,,,",
				"2026年9月,,,,",
				"",
				"序号,姓名,性别,单位,职务,手机号,办公电话,备注",
				"1,张明,男,党政办,主要负责人,13800000001,023-6500001,",
				",,,,,,,",
				"",
				"2,李芳,女,应急办,分管领导,13800000002,,休假",
				"3,,,,,,,",
				"4,,,,,,,备注只在备注栏",
			},
			want: []Entry{
				{Row: 5, Name: "张明", Unit: "党政办", Roles: "主要负责人", Phone: "13800000001"},
				{Row: 8, Name: "李芳", Unit: "应急办", Roles: "分管领导", Phone: "13800000002"},
			},
		},
		{
			name:  "cells trimmed of spaces, full-width ones too",
			lines: []string{"姓名,单位,手机号,上级", "　张明 , 党政办\t,  13800000001　,\u200b李芳"},
			want:  []Entry{{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001", Superior: "李芳"}},
		},
		{
			name:  "quoted cells keep their commas and quotes",
			lines: []string{"姓名,单位,职务/角色,手机号", `张明,"党政办,综治办","主任,""兼""网格长",13800000001`},
			want:  []Entry{{Row: 2, Name: "张明", Unit: "党政办,综治办", Roles: `主任,"兼"网格长`, Phone: "13800000001"}},
		},
		{
			name:  "the more specific of two phone columns",
			lines: []string{"姓名,单位,电话,手机号", "张明,党政办,023-6500001,13800000001"},
			want:  []Entry{{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001"}},
		},
		{
			name:  "a header with no rows",
			lines: []string{"姓名,单位,手机号"},
			want:  []Entry{},
		},
		{
			name:  "CSV rows are numbered by line, a cell spanning lines counted",
			lines: []string{"姓名,单位,职务/角色,手机号", `张明,党政办,"主任` + "\n" + `网格长",13800000001`, "李芳,应急办,,13800000002"},
			want: []Entry{
				{Row: 2, Name: "张明", Unit: "党政办", Roles: "主任\n网格长", Phone: "13800000001"},
				{Row: 4, Name: "李芳", Unit: "应急办", Phone: "13800000002"},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read("通讯录.csv", csvText(tt.lines...), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []string
		want  string // the error message, exactly
	}{
		{
			name:  "one row error",
			lines: []string{"姓名,单位,手机号", "张明,党政办,13800000001", "李芳,应急办,"},
			want:  "通讯录.csv row 3 (手机号): empty",
		},
		{
			name: "every row error, by row and column",
			lines: []string{
				"通讯录,,",
				"姓名,单位,职务/角色,手机号",
				",党政办,主任,13800000001",
				"李芳,应急办,,13800000002",
				",,网格员,",
				"王强,,,13800000003",
			},
			want: "通讯录.csv: 5 problems:" +
				"\n\trow 3 (姓名): empty" +
				"\n\trow 5 (姓名): empty" +
				"\n\trow 5 (单位): empty" +
				"\n\trow 5 (手机号): empty" +
				"\n\trow 6 (单位): empty",
		},
		{
			name:  "no unit column",
			lines: []string{"序号,姓名,职务,手机号,备注", "1,张明,主任,13800000001,"},
			want:  `通讯录.csv row 1: no 单位 column (headed 单位, 所在单位, 部门, Unit); the header row has "序号", "姓名", "职务", "手机号", "备注"`,
		},
		{
			name:  "no header",
			lines: []string{"机关通讯录", "序号,名称,电话号", "1,张明,13800000001"},
			want:  `通讯录.csv: no header row naming 姓名 and 手机号 in the first 10 rows; row 1 has "机关通讯录"`,
		},
		{
			name:  "header below row 10",
			lines: append(strings.Split(strings.Repeat("说明,\n", 10), "\n")[:10], "姓名,单位,手机号", "张明,党政办,13800000001"),
			want:  `通讯录.csv: no header row naming 姓名 and 手机号 in the first 10 rows; row 1 has "说明"`,
		},
		{
			name:  "header after blank lines below row 10",
			lines: append(make([]string, 11), "姓名,单位,手机号", "张明,党政办,13800000001"),
			want:  `通讯录.csv: no header row naming 姓名 and 手机号 in the first 10 rows; row 12 has "姓名", "单位", "手机号"`,
		},
		{
			name:  "empty file",
			lines: []string{""},
			want:  "通讯录.csv: no header row naming 姓名 and 手机号 in the first 10 rows; the file is empty",
		},
		{
			name:  "two columns of one header",
			lines: []string{"姓名,单位,手机号,手机号", "张明,党政办,13800000001,13900000001"},
			want:  `通讯录.csv row 1 (手机号): two columns, C "手机号" and D "手机号"; keep one, or rename the other`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read("通讯录.csv", csvText(tt.lines...), Limits{})
			if got != nil {
				t.Errorf("got %d entries, want none", len(got))
			}
			fileError(t, err)
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestFileErrorListsFiftyAndCountsTheRest(t *testing.T) {
	lines := []string{"姓名,单位,手机号"}
	for range 120 {
		lines = append(lines, "张明,党政办,")
	}
	_, err := Read("通讯录.csv", csvText(lines...), Limits{})
	fe := fileError(t, err)
	if len(fe.Problems) != 120 {
		t.Errorf("%d problems, want all 120", len(fe.Problems))
	}
	msg := err.Error()
	lines = strings.Split(msg, "\n")
	if len(lines) != 1+MaxListed+1 || lines[0] != "通讯录.csv: 120 problems:" ||
		lines[1] != "\trow 2 (手机号): empty" || lines[MaxListed] != "\trow 51 (手机号): empty" || lines[MaxListed+1] != "\tand 70 more" {
		t.Errorf("message:\n%s", msg)
	}
}

func TestCSVEncodings(t *testing.T) {
	text := "姓名,单位,手机号,上级\r\n张明,党政办,13800000001,\r\n李芳,应急办（综治办）,13800000002,张明\r\n"
	want := []Entry{
		{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001"},
		{Row: 3, Name: "李芳", Unit: "应急办（综治办）", Phone: "13800000002", Superior: "张明"},
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"UTF-8", []byte(text)},
		{"UTF-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, text...)},
		{"GBK", mustEncode(t, "gbk", text)},
		{"GB18030", mustEncode(t, "gb18030", text)},
		{"UTF-16LE with BOM", mustEncode(t, "utf-16le-bom", text)},
		{"UTF-16BE with BOM", mustEncode(t, "utf-16be-bom", text)},
		{"tab separated", []byte(strings.ReplaceAll(text, ",", "\t"))},
		{"semicolon separated", []byte(strings.ReplaceAll(text, ",", ";"))},
		{"LF line ends", []byte(strings.ReplaceAll(text, "\r\n", "\n"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read("通讯录.csv", tt.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestNumericPhoneCells(t *testing.T) {
	data := book(t, "Sheet1",
		row("姓名", "单位", "手机号", "上级"),
		[]any{"张明", "党政办", 13800000001, nil},
		[]any{"李芳", "应急办", 13800000002.0, 13800000001},
		[]any{"王强", "网格", int64(19912345678), "张明"},
	)
	got, err := Read("通讯录.xlsx", data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001"},
		{Row: 3, Name: "李芳", Unit: "应急办", Phone: "13800000002", Superior: "13800000001"},
		{Row: 4, Name: "王强", Unit: "网格", Phone: "19912345678", Superior: "张明"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestWorkbookRows(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want []Entry
		err  string
	}{
		{
			name: "rows numbered as Excel shows them, gaps and title included",
			data: handmade(`<row r="2"><c r="A2" t="inlineStr"><is><t>含谷镇通讯录</t></is></c></row>`+
				`<row r="4"><c r="A4" t="inlineStr"><is><t>姓名</t></is></c><c r="C4" t="inlineStr"><is><t>单位</t></is></c><c r="D4" t="inlineStr"><is><t>手机号</t></is></c></row>`+
				`<row r="9"><c r="A9" t="inlineStr"><is><t>张明</t></is></c><c r="C9" t="inlineStr"><is><t>党政办</t></is></c><c r="D9"><v>13800000001</v></c></row>`+
				`<row r="10" s="1" customFormat="1"/>`+
				xmlRow("李芳", "", "应急办", "13800000002"), nil),
			want: []Entry{
				{Row: 9, Name: "张明", Unit: "党政办", Phone: "13800000001"},
				{Row: 11, Name: "李芳", Unit: "应急办", Phone: "13800000002"},
			},
		},
		{
			name: "row errors carry the sheet's row numbers",
			data: handmade(xmlRow("姓名", "单位", "手机号")+`<row r="7">`+`<c r="A7" t="inlineStr"><is><t>张明</t></is></c><c r="B7" t="inlineStr"><is><t>党政办</t></is></c></row>`, nil),
			err:  "通讯录.xlsx row 7 (手机号): empty",
		},
		{
			name: "a sheet named 通讯录 rather than the first",
			data: func() []byte {
				wb := book(t, "说明", row("请按下表填写"))
				return withSheet(t, wb, SheetName, row("姓名", "单位", "手机号"), row("张明", "党政办", "13800000001"))
			}(),
			want: []Entry{{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001"}},
		},
		{
			name: "the first sheet, named in the error",
			data: book(t, "Sheet1", row("姓名", "手机号")),
			err:  `通讯录.xlsx row 1: no 单位 column (headed 单位, 所在单位, 部门, Unit); the header row has "姓名", "手机号"`,
		},
		{
			name: "no header in the first sheet",
			data: book(t, "名单", row("序号")),
			err:  `通讯录.xlsx: sheet "名单": no header row naming 姓名 and 手机号 in the first 10 rows; row 1 has "序号"`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read("通讯录.xlsx", tt.data, Limits{})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got %v\nwant %s", err, tt.err)
				}
				fileError(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	xlsx := book(t, "Sheet1", row("姓名", "单位", "手机号"), row("张明", "党政办", "13800000001"))
	csv := csvText("姓名,单位,手机号", "张明,党政办,13800000001")
	for _, tt := range []struct {
		name, file string
		data       []byte
		ok         bool
	}{
		{"a workbook named .xlsx", "a.xlsx", xlsx, true},
		{"a workbook named .csv", "a.csv", xlsx, true},
		{"a workbook without extension", "a", xlsx, true},
		{"CSV named .csv", "a.csv", csv, true},
		{"CSV named .txt", "a.txt", csv, true},
		{"CSV named .xlsx", "a.xlsx", csv, false},
		{"an old workbook", "a.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), false},
		{"a broken workbook", "a.xlsx", xlsx[:len(xlsx)/2], false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.file, tt.data, Limits{})
			if tt.ok {
				if err != nil || len(got) != 1 || got[0].Name != "张明" {
					t.Fatalf("got %+v, %v", got, err)
				}
				return
			}
			if !errors.Is(err, ErrUnsupportedFormat) || !strings.HasPrefix(err.Error(), tt.file+": ") {
				t.Fatalf("got %+v, %v; want ErrUnsupportedFormat naming the file", got, err)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"通讯录.xlsx": XLSX, "a/B.XLSX": XLSX, "x.xlsm": XLSX, "通讯录.csv": CSV, "x.CSV": CSV, "x.txt": CSV, "x.xls": "", "x": ""} {
		got, err := FormatOf(name)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("FormatOf(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "通讯录.xlsx")
	if err := os.WriteFile(path, book(t, "通讯录", row("姓名", "单位", "手机号"), row("张明", "党政办", "13800000001")), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path, Limits{})
	if err != nil || len(got) != 1 || got[0] != (Entry{Row: 2, Name: "张明", Unit: "党政办", Phone: "13800000001"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	_, err = ReadFile(path, Limits{MaxFileSize: 1000})
	var le *LimitError
	if !errors.As(err, &le) || le.Key != LimitFileSize || !strings.HasPrefix(err.Error(), path+": the file is larger than 1000 bytes (") {
		t.Errorf("got %v, want the file refused at max_file_size", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "无.csv"), Limits{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want not found", err)
	}
}
