package directory

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Parts of hand-made workbooks with shared strings and styles.
const (
	relsAll = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>`
	// Style 1: 000-0000-0000; 2: 00000; 3: General; 4: built-in 0.
	stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="000\-0000\-0000"/><numFmt numFmtId="165" formatCode="00000"/></numFmts><cellStyleXfs count="1"><xf numFmtId="165"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"><alignment horizontal="center"/></xf><xf numFmtId="165" applyNumberFormat="1"/><xf numFmtId="0"/><xf numFmtId="1"/></cellXfs><dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="0.00"/></dxf></dxfs></styleSheet>`
	// Strings 0-3: the header; 4: a name in rich text with its reading;
	// 5: 党政办; 6: a name with an escaped character.
	sstXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7"><si><t>姓名</t></si><si><t>单位</t></si><si><t>手机号</t></si><si><t>编号</t></si><si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">明</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh><phoneticPr fontId="1"/></si><si><t>党政办</t></si><si><t>李_x0009_芳</t></si></sst>`
)

func TestWorkbookValues(t *testing.T) {
	workbookTwoSheets := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="旧表" sheetId="2" state="hidden" r:id="rId4"/><x:sheet name="名单" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`
	data := handmade(
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>`+
			// Rich text with its reading, numbers in formats.
			`<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2" s="1"><v>13800001234</v></c><c r="D2" s="2"><v>17</v></c></row>`+
			// A formula's result, an escaped tab, General, built-in 0.
			`<row r="3"><c r="A3" t="s"><v>6</v></c><c r="B3" t="str"><f>B2</f><v>党政办</v></c><c r="C3" s="3"><v>1.3800001235E10</v></c><c r="D3" s="4"><v>18.2</v></c></row>`+
			// A boolean, an inline string, a style out of range.
			`<row r="4"><c r="A4" t="inlineStr"><is><t>王强</t></is></c><c r="B4" t="b"><v>1</v></c><c r="C4" s="99"><v>13800001236</v></c><c r="D4" t="e"><v>#N/A</v></c></row>`,
		map[string]string{
			"xl/workbook.xml":            workbookTwoSheets,
			"xl/_rels/workbook.xml.rels": relsAll,
			"xl/styles.xml":              stylesXML,
			"xl/sharedStrings.xml":       sstXML,
			"xl/worksheets/sheet2.xml":   `<worksheet><sheetData><row><c t="inlineStr"><is><t>旧</t></is></c></row></sheetData></worksheet>`,
		})
	got, err := Read("通讯录.xlsx", data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Row: 2, Name: "张明", Unit: "党政办", Phone: "138-0000-1234", ID: "00017"},
		{Row: 3, Name: "李\t芳", Unit: "党政办", Phone: "13800001235", ID: "18"},
		{Row: 4, Name: "王强", Unit: "TRUE", Phone: "13800001236", ID: "#N/A"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestMergedCells(t *testing.T) {
	// 单位 merged down the rows of its people, as offices do; a title
	// merged across the table; 上级 merged over two rows across two
	// columns (the value stays in the first).
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		row("含谷镇通讯录"),
		row("单位", "姓名", "手机号", "上级", "备注"),
		row("党政办", "张明", "13800000001", "", ""),
		row("", "李芳", "13800000002", "张明", ""),
		row("", "王强", "13800000003", "", ""),
		row("应急办", "赵静", "13800000004", "", ""),
		row("", "", "", "", "空行"),
		row("", "刘洋", "13800000005", "", ""),
		row("", "黄磊", "", "", ""),
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"A1", "E1"}, {"A3", "A5"}, {"A6", "A9"}, {"D4", "E5"}} {
		if err := f.MergeCell("Sheet1", m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := Read("通讯录.xlsx", buf.Bytes(), Limits{})
	if err == nil || err.Error() != "通讯录.xlsx row 9 (手机号): empty" {
		t.Fatalf("got %v, want only 黄磊's phone missing", err)
	}
	if err := f.SetCellStr("Sheet1", "C9", "13800000006"); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read("通讯录.xlsx", buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Row: 3, Name: "张明", Unit: "党政办", Phone: "13800000001"},
		{Row: 4, Name: "李芳", Unit: "党政办", Phone: "13800000002", Superior: "张明"},
		{Row: 5, Name: "王强", Unit: "党政办", Phone: "13800000003", Superior: "张明"},
		{Row: 6, Name: "赵静", Unit: "应急办", Phone: "13800000004"},
		{Row: 8, Name: "刘洋", Unit: "应急办", Phone: "13800000005"},
		{Row: 9, Name: "黄磊", Unit: "应急办", Phone: "13800000006"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestFormattedNumbersFromExcelize(t *testing.T) {
	// Styles as excelize writes them, not by hand.
	f := excelize.NewFile()
	defer f.Close()
	dashes := "000-0000-0000"
	zeros := "000000"
	dash, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &dashes})
	zero, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &zeros})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
	header := row("编号", "姓名", "单位", "手机号")
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cell  string
		v     any
		style int
	}{
		{"A2", 42, zero}, {"B2", "张明", 0}, {"C2", "党政办", 0}, {"D2", 13800001234, dash},
		{"A3", "000043", text}, {"B3", "李芳", 0}, {"C3", "应急办", 0}, {"D3", 13800001235, text},
	} {
		if err := f.SetCellValue("Sheet1", c.cell, c.v); err != nil {
			t.Fatal(err)
		}
		if c.style != 0 {
			if err := f.SetCellStyle("Sheet1", c.cell, c.cell, c.style); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read("通讯录.xlsx", buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Row: 2, ID: "000042", Name: "张明", Unit: "党政办", Phone: "138-0000-1234"},
		{Row: 3, ID: "000043", Name: "李芳", Unit: "应急办", Phone: "13800001235"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestDamagedWorkbooks(t *testing.T) {
	good := book(t, "Sheet1", row("姓名", "单位", "手机号"), row("张明", "党政办", "13800000001"))
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"a sheet cut short", handmade("", map[string]string{"xl/worksheets/sheet1.xml": `<worksheet><sheetData>` + xmlRow("姓名", "单位", "手机号") + `<row><c t="inlineStr"><is><t>张明`}),
			"通讯录.xlsx: read workbook part xl/worksheets/sheet1.xml: unexpected end of the part in <t>"},
		{"a sheet badly nested", handmade(xmlRow("姓名", "单位", "手机号")+`<row><c t="inlineStr"><is><t>张明</is></t></c></row>`, nil),
			"通讯录.xlsx: read workbook part xl/worksheets/sheet1.xml: </is> closes <t>"},
		{"rows out of order", handmade(`<row r="3"></row><row r="2"></row>`, nil),
			`通讯录.xlsx: row 4: r="2" is not the number of a row after it`},
		{"cells out of order", handmade(`<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>`, nil),
			"通讯录.xlsx: row 1: cell A comes after a cell to its right"},
		{"a bad cell reference", handmade(`<row r="1"><c r="1A"><v>1</v></c></row>`, nil),
			`通讯录.xlsx: row 1: cell r="1A" is not a cell reference`},
		{"no sheet", handmade("", map[string]string{"xl/workbook.xml": `<workbook><sheets/></workbook>`}), "通讯录.xlsx: the workbook has no sheet"},
		{"a truncated zip", good[:len(good)-100], "通讯录.xlsx: unsupported file format: not an .xlsx workbook (zip: not a valid zip file)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read("通讯录.xlsx", tt.data, Limits{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %d entries, %v\nwant %s", len(got), err, tt.want)
			}
		})
	}
}
