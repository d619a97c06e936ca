package roster

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"dutybot/ooxml"
	"golang.org/x/text/encoding/htmlindex"
)

// An uploaded workbook is read here, not by excelize: opening a workbook
// excelize decodes whole parts into trees (4 MB of styles take 1.5 s and
// 0.8 GB), and reading merged cells sorts the rows of a sheet whose rows
// lack r= attributes by deleting them one at a time from a slice
// (xlsxWorksheet.checkSheet, quadratic: a 169 KB file took 375 s and 1.9
// GB). This reader streams the few parts a roster needs, with the limits
// of roster.import counted as it goes, and stops at the first one passed.
// The values are those of excelize's GetRows with RawCellValue: text as
// stored, numbers and dates unformatted.

// maxParts bounds the files of a workbook's zip; an .xlsx has a few dozen.
const maxParts = 10000

// sheet is the first sheet of a workbook, as read for a roster.
type sheet struct {
	name     string
	rows     [][]string // rows[r][c]: row r+1, column c+1; rows end at their last value
	merges   []mergeRange
	date1904 bool
}

// mergeRange is a merged range of cells, 0-based and inclusive.
type mergeRange struct {
	ref            string
	c1, r1, c2, r2 int
}

// unzipper opens the parts of a workbook, counting what it unpacks
// against MaxUnzippedSize.
type unzipper struct {
	b     *budget
	parts map[string]*zip.File // by lower-case name with forward slashes
	used  int64                // bytes unpacked or about to be
}

// readWorkbook reads the first sheet of an .xlsx workbook.
func readWorkbook(b *budget, data []byte) (*sheet, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrAlgorithm) {
			return nil, fmt.Errorf("%w: not an .xlsx workbook", ErrUnsupportedFormat)
		}
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	if len(zr.File) > maxParts {
		return nil, fmt.Errorf("open workbook: %d parts in the zip, more than an .xlsx has (%d)", len(zr.File), maxParts)
	}
	u := &unzipper{b: b, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		u.parts[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}

	// The workbook part is named by the package relationships.
	wbPath := "xl/workbook.xml"
	pkgRels, err := u.rels("_rels/.rels")
	if err != nil {
		return nil, err
	}
	for _, r := range pkgRels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPath = strings.TrimPrefix(path.Clean("/"+r.target), "/")
			break
		}
	}
	s, rid, err := u.workbook(wbPath)
	if err != nil {
		return nil, err
	}
	rels, err := u.rels(path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"))
	if err != nil {
		return nil, err
	}
	sheetPath, sstPath := "", "xl/sharedStrings.xml"
	for _, r := range rels {
		target := path.Join(path.Dir(wbPath), r.target)
		if strings.HasPrefix(r.target, "/") {
			target = strings.TrimPrefix(path.Clean(r.target), "/")
		}
		switch {
		case r.id == rid:
			sheetPath = target
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstPath = target
		}
	}
	if sheetPath == "" {
		return nil, fmt.Errorf("open workbook: sheet %q has no part in the workbook", s.name)
	}
	sst, err := u.sharedStrings(sstPath)
	if err != nil {
		return nil, err
	}
	if err := u.sheet(sheetPath, s, sst); err != nil {
		return nil, fmt.Errorf("sheet %q: %w", s.name, err)
	}
	return s, nil
}

// open returns a decoder of the part named name, or nil if there is no
// such part.
func (u *unzipper) open(name string) (*xml.Decoder, io.Closer, error) {
	f := u.parts[strings.ToLower(name)]
	if f == nil {
		return nil, nil, nil
	}
	max := int64(u.b.MaxUnzippedSize)
	if f.UncompressedSize64 > uint64(max-u.used) {
		return nil, nil, &LimitError{Key: LimitUnzippedSize, Max: max}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open workbook part %s: %w", f.Name, err)
	}
	// archive/zip refuses to unpack more than the size the zip declares.
	u.used += int64(f.UncompressedSize64)
	d := xml.NewDecoder(rc)
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		e, err := htmlindex.Get(label)
		if err != nil {
			return nil, err
		}
		return e.NewDecoder().Reader(r), nil
	}
	return d, rc, nil
}

// token returns the next token of a part, or nil at its end.
func (u *unzipper) token(d *xml.Decoder, name string) (xml.Token, error) {
	if err := u.b.tick(); err != nil {
		return nil, err
	}
	t, err := d.Token()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read workbook part %s: %w", name, err)
	}
	return t, nil
}

// relationship is one entry of a .rels part.
type relationship struct{ id, typ, target string }

// rels reads a relationships part; none if there is no such part.
func (u *unzipper) rels(name string) ([]relationship, error) {
	d, c, err := u.open(name)
	if d == nil || err != nil {
		return nil, err
	}
	defer c.Close()
	var out []relationship
	for {
		t, err := u.token(d, name)
		if t == nil || err != nil {
			return out, err
		}
		if se, ok := t.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			if len(out) == maxParts {
				return nil, fmt.Errorf("read workbook part %s: more than %d relationships", name, maxParts)
			}
			out = append(out, relationship{attr(se, "Id"), attr(se, "Type"), attr(se, "Target")})
		}
	}
}

// workbook reads the date system and the first sheet's name and
// relationship id from the workbook part.
func (u *unzipper) workbook(name string) (*sheet, string, error) {
	d, c, err := u.open(name)
	if err != nil {
		return nil, "", err
	}
	if d == nil {
		return nil, "", fmt.Errorf("%w: not an .xlsx workbook (no %s)", ErrUnsupportedFormat, name)
	}
	defer c.Close()
	s := &sheet{}
	for {
		t, err := u.token(d, name)
		if err != nil {
			return nil, "", err
		}
		if t == nil {
			return nil, "", errors.New("workbook has no sheet")
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			s.date1904, _ = strconv.ParseBool(attr(se, "date1904"))
		case "sheet":
			s.name = attr(se, "name")
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" { // r:id
					return s, a.Value, nil
				}
			}
			return nil, "", fmt.Errorf("open workbook: sheet %q has no relationship id", s.name)
		}
	}
}

// sharedStrings reads the shared string table; there may be none. Each
// string counts as a cell.
func (u *unzipper) sharedStrings(name string) ([]string, error) {
	d, c, err := u.open(name)
	if d == nil || err != nil {
		return nil, err
	}
	defer c.Close()
	var out []string
	for {
		t, err := u.token(d, name)
		if t == nil || err != nil {
			return out, err
		}
		if se, ok := t.(xml.StartElement); ok && se.Name.Local == "si" {
			if len(out) == u.b.MaxCells {
				return nil, &LimitError{Key: LimitCells, Max: int64(u.b.MaxCells), Seen: int64(len(out) + 1)}
			}
			s, err := u.text(d, name, se)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
}

// text reads the text of a string item (<si> or <is>) up to its end: its
// <t>, or the <t> of each rich-text run, without phonetic runs (<rPh>).
func (u *unzipper) text(d *xml.Decoder, name string, start xml.StartElement) (string, error) {
	var sb strings.Builder
	inT := false
	for {
		t, err := u.token(d, name)
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case nil:
			return "", fmt.Errorf("read workbook part %s: unexpected end in <%s>", name, start.Name.Local)
		case xml.StartElement:
			switch t.Name.Local {
			case "rPh", "phoneticPr":
				if err := d.Skip(); err != nil {
					return "", fmt.Errorf("read workbook part %s: %w", name, err)
				}
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case start.Name.Local:
				return ooxml.Unescape(sb.String()), nil
			}
		case xml.CharData:
			if inT {
				sb.Write(t)
			}
		}
	}
}

// sheet reads the rows and merged ranges of the sheet part into s,
// numbering rows and columns as excelize does: by their r= attribute, or
// one after the one before.
func (u *unzipper) sheet(name string, s *sheet, sst []string) error {
	d, c, err := u.open(name)
	if err != nil {
		return err
	}
	if d == nil {
		return fmt.Errorf("no part %s in the workbook", name)
	}
	defer c.Close()
	var (
		row, col int      // current row and column, 1-based
		cells    []string // of the current row
		total    int      // cells of the rows kept so far
	)
	for {
		t, err := u.token(d, name)
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case nil:
			return nil
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				n := row + 1
				if v := attr(t, "r"); v != "" {
					if n, err = strconv.Atoi(v); err != nil || n < 0 || n > excelize.TotalRows {
						return fmt.Errorf("row %d: r=%q is not a row number", row+1, v)
					}
					if n == 0 {
						n = row + 1
					}
				}
				row, col, cells = n, 0, nil
			case "c":
				col++
				if ref := attr(t, "r"); ref != "" {
					if col, _, err = excelize.CellNameToCoordinates(ref); err != nil {
						return fmt.Errorf("row %d: cell r=%q: %w", row, ref, err)
					}
				}
				v, err := u.cell(d, name, t, sst)
				if err != nil {
					return err
				}
				if v == nil {
					continue
				}
				if row > u.b.MaxRows {
					return &LimitError{Key: LimitRows, Max: int64(u.b.MaxRows), Seen: int64(row)}
				}
				total += max(col-len(cells), 1)
				if total > u.b.MaxCells {
					return &LimitError{Key: LimitCells, Max: int64(u.b.MaxCells), Seen: int64(total)}
				}
				for len(cells) < col-1 {
					cells = append(cells, "")
				}
				cells = append(cells, *v)
			case "mergeCell":
				if len(s.merges) == u.b.MaxMergedRanges {
					return &LimitError{Key: LimitMergedRanges, Max: int64(u.b.MaxMergedRanges), Seen: int64(len(s.merges) + 1)}
				}
				m, err := parseMerge(attr(t, "ref"))
				if err != nil {
					return err
				}
				s.merges = append(s.merges, m)
			}
		case xml.EndElement:
			if t.Name.Local == "row" && len(cells) > 0 {
				for len(s.rows) < row-1 {
					s.rows = append(s.rows, nil)
				}
				if len(s.rows) >= row {
					return fmt.Errorf("row %d comes after row %d: rows out of order", row, len(s.rows))
				}
				s.rows = append(s.rows, cells)
				cells = nil
			}
		}
	}
}

// cell reads a cell up to its end. It returns its value, or nil for a
// cell without one (a formatted empty cell), as excelize's GetRows would
// skip it: raw values, shared strings looked up, inline strings read.
func (u *unzipper) cell(d *xml.Decoder, name string, start xml.StartElement, sst []string) (*string, error) {
	var (
		v, is      strings.Builder
		inV, hasIS bool
		hasF       bool
	)
	for {
		t, err := u.token(d, name)
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case nil:
			return nil, fmt.Errorf("read workbook part %s: unexpected end in a cell", name)
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				inV = true
			case "f":
				hasF = true
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("read workbook part %s: %w", name, err)
				}
			case "is":
				text, err := u.text(d, name, t)
				if err != nil {
					return nil, err
				}
				hasIS = true
				is.WriteString(text)
			default:
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("read workbook part %s: %w", name, err)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "c":
				val := v.String()
				switch attr(start, "t") {
				case "s":
					if i, err := strconv.Atoi(strings.TrimSpace(val)); err == nil && i >= 0 && i < len(sst) {
						val = sst[i]
					}
				case "inlineStr":
					if hasIS {
						val = is.String()
					}
				}
				if val == "" && !hasF {
					return nil, nil
				}
				return &val, nil
			}
		case xml.CharData:
			if inV {
				v.Write(t)
			}
		}
	}
}

// parseMerge reads a merged range such as "A2:A5".
func parseMerge(ref string) (mergeRange, error) {
	from, to, ok := strings.Cut(ref, ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err := errors.Join(err1, err2); err != nil {
		return mergeRange{}, fmt.Errorf("merged range %q: %w", clip(ref, maxQuoted), err)
	}
	return mergeRange{ref: ref, c1: min(c1, c2) - 1, r1: min(r1, r2) - 1, c2: max(c1, c2) - 1, r2: max(r1, r2) - 1}, nil
}

// attr returns the value of the attribute named local, or "".
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
