package directory

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"dutybot/ooxml"
)

// SheetName is the sheet a workbook's 通讯录 is read from if there is one
// (else the first sheet shown), and the sheet Write and Template write.
const SheetName = "通讯录"

// maxParts bounds the parts in a workbook's zip; an .xlsx has a few dozen.
const maxParts = 10_000

// maxStyles bounds the cell formats read from a workbook's styles; Excel
// allows 64,000.
const maxStyles = 1 << 16

// A workbook is read here rather than with excelize's row iterator, which
// takes over two seconds for 100,000 rows on a small server (it
// unmarshals every cell with encoding/xml; see scanner) and unpacks and
// decodes every part of the workbook first. This reader streams the few
// parts a 通讯录 needs from the zip, counting what it unpacks against
// MaxUnzippedSize, in the manner of roster/workbook.go. excelize still
// writes the workbooks (Write, Template).

// workbook is an .xlsx file being read.
type workbook struct {
	lim   Limits
	parts map[string]*zip.File // by lower-case name with forward slashes
	used  int64                // bytes unpacked or about to be
}

// sheetRef is a sheet as the workbook part lists it.
type sheetRef struct {
	name, rid string
	hidden    bool
}

// relationship is one entry of a .rels part.
type relationship struct{ id, typ, target string }

// readXLSX reads a 通讯录 from a workbook: the sheet named 通讯录, or else
// the first sheet shown.
func readXLSX(name string, data []byte, lim Limits) ([]Entry, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: not an .xlsx workbook (%v)", name, ErrUnsupportedFormat, err)
	}
	if len(zr.File) > maxParts {
		return nil, fmt.Errorf("%s: %d parts in the zip, more than an .xlsx has (%d)", name, len(zr.File), maxParts)
	}
	wb := &workbook{lim: lim, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		wb.parts[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	entries, err := wb.read(name)
	if err != nil {
		return nil, named(name, err)
	}
	return entries, nil
}

func (wb *workbook) read(name string) ([]Entry, error) {
	// The workbook part is named by the package relationships.
	wbPath := "xl/workbook.xml"
	pkgRels, err := wb.rels("_rels/.rels")
	if err != nil {
		return nil, err
	}
	for _, r := range pkgRels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPath = r.target
			break
		}
	}
	sheets, err := wb.sheets(wbPath)
	if err != nil {
		return nil, err
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if s.name == SheetName {
			sheet = s
			break
		}
	}
	if sheet.name != SheetName {
		for _, s := range sheets {
			if !s.hidden {
				sheet = s
				break
			}
		}
	}
	rels, err := wb.rels(path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"))
	if err != nil {
		return nil, err
	}
	var sheetPath, sstPath, stylesPath string
	for _, r := range rels {
		switch {
		case r.id == sheet.rid:
			sheetPath = r.target
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstPath = r.target
		case strings.HasSuffix(r.typ, "/styles"):
			stylesPath = r.target
		}
	}
	if sheetPath == "" {
		return nil, fmt.Errorf("sheet %q has no part in the workbook", sheet.name)
	}
	formats, err := wb.styles(stylesPath)
	if err != nil {
		return nil, err
	}
	sst, err := wb.sharedStrings(sstPath)
	if err != nil {
		return nil, err
	}
	t := newTable(name, wb.lim)
	if err := wb.sheet(sheetPath, sst, formats, t); err != nil {
		var fe *FileError
		if errors.As(err, &fe) || sheet.name == SheetName {
			return nil, err
		}
		return nil, fmt.Errorf("sheet %q: %w", sheet.name, err)
	}
	entries, err := t.result()
	if err != nil && sheet.name != SheetName {
		var fe *FileError
		if errors.As(err, &fe) && fe.Problems[0].Row == 0 {
			fe.Problems[0].Msg = fmt.Sprintf("sheet %q: %s", sheet.name, fe.Problems[0].Msg)
		}
	}
	return entries, err
}

// open returns a scanner of the part named name, or nil if there is no
// such part. The part's size as the zip declares it counts against
// MaxUnzippedSize; archive/zip refuses to unpack more than declared.
func (wb *workbook) open(name string) (*scanner, io.Closer, error) {
	f := wb.parts[strings.ToLower(name)]
	if f == nil {
		return nil, nil, nil
	}
	limit := wb.lim.MaxUnzippedSize
	if f.UncompressedSize64 > uint64(limit-wb.used) {
		return nil, nil, &LimitError{Key: LimitUnzippedSize, Max: limit}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open workbook part %s: %w", f.Name, err)
	}
	wb.used += int64(f.UncompressedSize64)
	return newScanner(rc, f.Name), rc, nil
}

// target resolves a relationship's target against the part holding it.
func target(from, t string) string {
	if strings.HasPrefix(t, "/") {
		return strings.TrimPrefix(path.Clean(t), "/")
	}
	return strings.TrimPrefix(path.Join(path.Dir(path.Dir(from)), t), "/")
}

// rels reads a relationships part, its targets resolved; none if there is
// no such part.
func (wb *workbook) rels(name string) ([]relationship, error) {
	s, c, err := wb.open(name)
	if s == nil || err != nil {
		return nil, err
	}
	defer c.Close()
	var out []relationship
	for {
		t, err := s.next()
		if t == tokEOF || err != nil {
			return out, err
		}
		if t != tokStart || string(s.name) != "Relationship" {
			continue
		}
		if len(out) == maxParts {
			return nil, s.errorf("more than %d relationships", maxParts)
		}
		var r relationship
		for _, a := range []struct {
			name string
			v    *string
		}{{"Id", &r.id}, {"Type", &r.typ}, {"Target", &r.target}} {
			if *a.v, err = s.attr(a.name); err != nil {
				return nil, err
			}
		}
		if mode, err := s.attr("TargetMode"); err != nil || mode == "External" {
			continue
		}
		r.target = target(name, r.target)
		out = append(out, r)
	}
}

// sheets reads the sheets listed by the workbook part.
func (wb *workbook) sheets(name string) ([]sheetRef, error) {
	s, c, err := wb.open(name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("%w: not an .xlsx workbook (no %s)", ErrUnsupportedFormat, name)
	}
	defer c.Close()
	var out []sheetRef
	for {
		t, err := s.next()
		if err != nil {
			return nil, err
		}
		if t == tokEOF {
			break
		}
		if t != tokStart || string(s.name) != "sheet" {
			continue
		}
		if len(out) == maxParts {
			return nil, s.errorf("more than %d sheets", maxParts)
		}
		var r sheetRef
		if r.name, err = s.attr("name"); err != nil {
			return nil, err
		}
		if r.rid, err = s.attr("id"); err != nil {
			return nil, err
		}
		state, err := s.attr("state")
		if err != nil {
			return nil, err
		}
		r.hidden = state == "hidden" || state == "veryHidden"
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("the workbook has no sheet")
	}
	return out, nil
}

// styles reads how each cell style shows numbers: the number format of
// each cell format (<cellXfs>), by index.
func (wb *workbook) styles(name string) ([]numFormat, error) {
	if name == "" {
		return nil, nil
	}
	s, c, err := wb.open(name)
	if s == nil || err != nil {
		return nil, err
	}
	defer c.Close()
	codes := map[int]string{}
	var ids []int
	var inNumFmts, inXfs bool
	for {
		t, err := s.next()
		if err != nil {
			return nil, err
		}
		if t == tokEOF {
			break
		}
		switch t {
		case tokStart:
			switch string(s.name) {
			case "numFmts":
				inNumFmts = true
			case "cellXfs":
				inXfs = true
			case "numFmt":
				if !inNumFmts || len(codes) == maxStyles {
					continue
				}
				id, err := s.attr("numFmtId")
				if err != nil {
					return nil, err
				}
				code, err := s.attr("formatCode")
				if err != nil {
					return nil, err
				}
				if n, err := strconv.Atoi(id); err == nil {
					codes[n] = code
				}
			case "xf":
				if !inXfs || len(ids) == maxStyles {
					continue
				}
				id, err := s.attr("numFmtId")
				if err != nil {
					return nil, err
				}
				n, _ := strconv.Atoi(id)
				ids = append(ids, n)
			}
		case tokEnd:
			switch string(s.name) {
			case "numFmts":
				inNumFmts = false
			case "cellXfs":
				inXfs = false
			}
		}
	}
	out := make([]numFormat, len(ids))
	for i, id := range ids {
		out[i] = newNumFormat(id, codes[id])
	}
	return out, nil
}

// sharedStrings reads the shared string table; there may be none. Each
// string counts as a cell.
func (wb *workbook) sharedStrings(name string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	s, c, err := wb.open(name)
	if s == nil || err != nil {
		return nil, err
	}
	defer c.Close()
	var out []string
	for {
		t, err := s.next()
		if t == tokEOF || err != nil {
			return out, err
		}
		if t == tokStart && string(s.name) == "si" {
			if len(out) == wb.lim.MaxCells {
				return nil, &LimitError{Key: LimitCells, Max: int64(wb.lim.MaxCells), Seen: int64(len(out) + 1)}
			}
			var sb strings.Builder
			if err := readString(s, &sb); err != nil {
				return nil, err
			}
			out = append(out, ooxml.Unescape(sb.String()))
		}
	}
}

// readString reads a string item (<si> or <is>) just started, up to its
// end, into sb: its <t>, or the <t> of each rich-text run, without the
// phonetic runs (<rPh>) of East Asian text.
func readString(s *scanner, sb *strings.Builder) error {
	inT := false
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		switch t {
		case tokEOF:
			return s.errorf("unexpected end in a string")
		case tokStart:
			switch string(s.name) {
			case "t":
				inT = true
			case "rPh", "phoneticPr":
				if err := s.skip(); err != nil {
					return err
				}
			}
		case tokEnd:
			switch string(s.name) {
			case "t":
				inT = false
			case "si", "is":
				return nil
			}
		case tokText:
			if inT {
				sb.Write(s.text)
			}
		}
	}
}

// sheet streams the rows of the sheet part to t, numbering rows and
// columns as Excel does: by their r= attribute, or one after the one
// before. Then it applies the merged ranges (合并单元格) to t: offices
// merge a 单位 down the rows of its people.
func (wb *workbook) sheet(name string, sst []string, formats []numFormat, t *table) error {
	s, c, err := wb.open(name)
	if err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("no part %s in the workbook", name)
	}
	defer c.Close()
	var (
		row, col int      // current row and column, 1-based
		cells    []string // of the current row, reused
		v        strings.Builder
	)
	for {
		tok, err := s.next()
		if err != nil {
			return err
		}
		switch tok {
		case tokEOF:
			return nil
		case tokStart:
			switch string(s.name) {
			case "row":
				n := row + 1
				r, err := s.attr("r")
				if err != nil {
					return err
				}
				if r != "" {
					if n, err = strconv.Atoi(r); err != nil || n <= row || n > excelize.TotalRows {
						return fmt.Errorf("row %d: r=%q is not the number of a row after it", row+1, r)
					}
				}
				row, col, cells = n, 0, cells[:0]
			case "c":
				n, typ, style, err := cellAttrs(s)
				if err != nil {
					return fmt.Errorf("row %d: %w", row, err)
				}
				if col++; n != 0 {
					col = n
				}
				v.Reset()
				if err := cellValue(s, typ, &v); err != nil {
					return err
				}
				val := value(v.String(), typ, style, sst, formats)
				if val == "" {
					continue
				}
				for len(cells) < col-1 {
					cells = append(cells, "")
				}
				if len(cells) >= col {
					return fmt.Errorf("row %d: cell %s comes after a cell to its right", row, colName(col-1))
				}
				cells = append(cells, val)
			case "mergeCell":
				ref, err := s.attr("ref")
				if err != nil {
					return err
				}
				if err := t.merged(ref); err != nil {
					return err
				}
			}
		case tokEnd:
			if string(s.name) == "row" && len(cells) > 0 {
				if err := t.add(row, cells); err != nil {
					return err
				}
				cells = cells[:0]
			}
		}
	}
}

// cellAttrs reads the column (0 if not given), type and style of a cell.
func cellAttrs(s *scanner) (col int, typ string, style int, err error) {
	ref, err := s.attrBytes("r")
	if err != nil {
		return 0, "", 0, err
	}
	if len(ref) > 0 {
		if col = refColumn(ref); col == 0 {
			return 0, "", 0, fmt.Errorf("cell r=%q is not a cell reference", ref)
		}
	}
	t, err := s.attrBytes("t")
	if err != nil {
		return 0, "", 0, err
	}
	switch string(t) { // no allocation: the types are constants
	case "":
	case "s":
		typ = "s"
	case "n":
		typ = "n"
	case "inlineStr":
		typ = "inlineStr"
	case "str":
		typ = "str"
	case "b":
		typ = "b"
	default:
		typ = string(t)
	}
	st, err := s.attrBytes("s")
	if err != nil {
		return 0, "", 0, err
	}
	for _, c := range st {
		if c < '0' || c > '9' || style > maxStyles {
			style = -1
			break
		}
		style = style*10 + int(c-'0')
	}
	return col, typ, style, nil
}

// refColumn returns the 1-based column of a cell reference such as "AB12",
// or 0 if it is not one.
func refColumn(ref []byte) int {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > excelize.MaxColumns {
			return 0
		}
	}
	if i == 0 || i == len(ref) {
		return 0
	}
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			return 0
		}
	}
	return col
}

// cellValue reads a cell just started, up to its end, into v: its <v>,
// or the text of its inline string. A formula's own text is skipped: the
// value is its result as last computed.
func cellValue(s *scanner, typ string, v *strings.Builder) error {
	inV := false
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		switch t {
		case tokEOF:
			return s.errorf("unexpected end in a cell")
		case tokStart:
			switch string(s.name) {
			case "v":
				inV = true
			case "is":
				if err := readString(s, v); err != nil {
					return err
				}
			default:
				if err := s.skip(); err != nil { // <f>, <extLst>
					return err
				}
			}
		case tokEnd:
			switch string(s.name) {
			case "v":
				inV = false
			case "c":
				return nil
			}
		case tokText:
			if inV {
				v.Write(s.text)
			}
		}
	}
}

// value returns a cell's value as Excel shows it, for the types of cell
// a 通讯录 holds: text (shared or inline), numbers in the formats of
// numFormat, and the results of formulas.
func value(v, typ string, style int, sst []string, formats []numFormat) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(sst) {
			return v
		}
		return sst[i]
	case "inlineStr":
		return ooxml.Unescape(v)
	case "b":
		if v == "1" {
			return "TRUE"
		}
		if v == "0" {
			return "FALSE"
		}
		return v
	case "", "n":
		if v == "" {
			return ""
		}
		var nf numFormat
		if style >= 0 && style < len(formats) {
			nf = formats[style]
		}
		return nf.format(v)
	}
	return v // "str" (a formula's text), "e" (#N/A …), "d" (an ISO 8601 date)
}
