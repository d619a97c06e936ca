// Package rostertest makes hostile roster workbooks for tests, benchmarks
// and load runs: rows without r= attributes (the row bomb of issue 11),
// zip bombs and floods of merged ranges. They are written by hand, not by
// excelize, which would number every row and cell.
package rostertest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
)

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	packageRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbookXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="值班表" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
)

// Header is the header row of the workbooks made here, without r=.
const Header = `<row><c t="inlineStr"><is><t>日期</t></is></c><c t="inlineStr"><is><t>带班领导</t></is></c><c t="inlineStr"><is><t>值班人员</t></is></c></row>`

// Workbook returns an .xlsx whose one sheet, 值班表, holds rows (<row>
// elements as written) and the merged ranges refs ("A2:A3").
func Workbook(rows string, refs ...string) []byte {
	var sheet strings.Builder
	sheet.WriteString(sheetStart)
	sheet.WriteString(rows)
	sheet.WriteString(`</sheetData>`)
	if len(refs) > 0 {
		fmt.Fprintf(&sheet, `<mergeCells count="%d">`, len(refs))
		for _, r := range refs {
			fmt.Fprintf(&sheet, `<mergeCell ref="%s"/>`, r)
		}
		sheet.WriteString(`</mergeCells>`)
	}
	sheet.WriteString(`</worksheet>`)
	return zipOf(map[string]string{
		"[Content_Types].xml":        contentTypes,
		"_rels/.rels":                packageRels,
		"xl/workbook.xml":            workbookXML,
		"xl/_rels/workbook.xml.rels": workbookRels,
		"xl/worksheets/sheet1.xml":   sheet.String(),
	})
}

// Row returns a row of text cells without r= attributes.
func Row(values ...string) string {
	var b strings.Builder
	b.WriteString("<row>")
	for _, v := range values {
		fmt.Fprintf(&b, `<c t="inlineStr"><is><t>%s</t></is></c>`, v)
	}
	b.WriteString("</row>")
	return b.String()
}

// RowBomb returns a workbook like the one of issue 11: the header and n
// rows, none with an r= attribute, each naming people nobody knows on a
// date (a serial number). 30,000 rows are about 3 MB unpacked and 170 KB
// zipped; excelize reading its merged cells moves the rows about n²/2
// times.
func RowBomb(n int) []byte {
	var rows strings.Builder
	rows.WriteString(Header)
	for i := range n {
		fmt.Fprintf(&rows, `<row><c><v>%d</v></c><c t="inlineStr"><is><t>某%d</t></is></c><c t="inlineStr"><is><t>某</t></is></c></row>`,
			46000+i*7919%2000, i%97)
	}
	return Workbook(rows.String())
}

// ZipBomb returns a workbook whose sheet unpacks to size bytes, most of it
// blank space between the header and one row, and zips to about a
// thousandth of that.
func ZipBomb(size int) []byte {
	pad := max(size-len(sheetStart)-len(Header)-200, 0)
	return Workbook(Header + strings.Repeat(" ", pad) + Row("2026-10-01", "张明", "吴敏"))
}

// MergeBomb returns a workbook of the header, one row, and n merged
// ranges, each two cells of a column below the data.
func MergeBomb(n int) []byte {
	refs := make([]string, n)
	for i := range refs {
		refs[i] = fmt.Sprintf("D%d:D%d", 2*i+10, 2*i+11)
	}
	return Workbook(Header+Row("2026-10-01", "张明", "吴敏"), refs...)
}

func zipOf(parts map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write([]byte(parts[name]))
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
