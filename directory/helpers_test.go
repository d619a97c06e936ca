package directory

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// people returns n entries as a district's 通讯录 holds them: units of
// twenty, each with a head whose superior is the district's head, and
// staff whose superior is their unit's head.
func people(n int) []Entry {
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
	out := make([]Entry, n)
	for i := range out {
		name := string(surnames[i%len(surnames)]) + string(given[(i/len(surnames))%len(given)])
		if i >= len(surnames)*len(given) {
			name += string(given[(i/(len(surnames)*len(given)))%len(given)])
		}
		unit := fmt.Sprintf("第%d网格", i/20+1)
		e := Entry{Name: name, Unit: unit, Roles: "网格员", Phone: fmt.Sprintf("138%08d", i), Superior: fmt.Sprintf("138%08d", i/20*20)}
		switch {
		case i == 0:
			e.Roles, e.Superior, e.Unit = "主要负责人", "", "区政府"
		case i%20 == 0:
			e.Roles, e.Superior = "单位负责人/网格长", "13800000000"
		}
		out[i] = e
	}
	return out
}

// book returns an .xlsx with one sheet named sheet holding rows, each
// cell as excelize writes a Go value: strings as text, ints and floats as
// numbers.
func book(t testing.TB, sheet string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// row is a row of text cells.
func row(cells ...string) []any {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = c
	}
	return out
}

// csvText joins lines of comma-separated cells as a CSV file.
func csvText(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// handmade returns an .xlsx whose parts are given as written, for
// workbooks excelize would not write: rows without r=, zip bombs, a value
// in row 1,048,576. sheetData is the content of <sheetData>; extra parts
// are added as they are.
func handmade(sheetData string, extra map[string]string) []byte {
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="通讯录" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + sheetData + `</sheetData></worksheet>`,
	}
	for k, v := range extra {
		parts[k] = v
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range parts {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write([]byte(content))
		}
		if err != nil {
			panic(err) // writing to memory
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// xmlRow is a <row> of inline strings without r= attributes.
func xmlRow(cells ...string) string {
	var b strings.Builder
	b.WriteString("<row>")
	for _, c := range cells {
		fmt.Fprintf(&b, `<c t="inlineStr"><is><t>%s</t></is></c>`, c)
	}
	b.WriteString("</row>")
	return b.String()
}

// fileError returns err as a *FileError, failing the test if it is not.
func fileError(t *testing.T, err error) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *FileError", err)
	}
	return fe
}

// withSheet returns the workbook data with a sheet named sheet added after
// the others, holding rows.
func withSheet(t testing.TB, data []byte, sheet string, rows ...[]any) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.NewSheet(sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mustEncode returns text in the encoding named: gbk, gb18030,
// utf-16le-bom or utf-16be-bom.
func mustEncode(t testing.TB, enc, text string) []byte {
	t.Helper()
	var e encoding.Encoding
	switch enc {
	case "gbk":
		e = simplifiedchinese.GBK
	case "gb18030":
		e = simplifiedchinese.GB18030
	case "utf-16le-bom":
		e = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case "utf-16be-bom":
		e = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	default:
		t.Fatalf("unknown encoding %s", enc)
	}
	out, err := e.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(out) && enc != "utf-16le-bom" && enc != "utf-16be-bom" {
		t.Fatalf("%s text is valid UTF-8: the test would not test the decoding", enc)
	}
	return out
}
