package directory

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// headerRows is how many rows from the top are searched for the header:
// offices put a title, a date or a note or two above the table.
const headerRows = 10

// table turns the rows of a sheet, one at a time as they are read, into
// entries: it finds the header row, then reads each row below it. Rows
// are fed in order, so a sheet is never held whole.
type table struct {
	name     string
	lim      Limits
	header   int            // row of the header; 0 until found
	cols     [numFields]int // 0-based column of each field; -1 if none
	first    []string       // the first row with a value, for the message if no header is found
	firstRow int            // its row
	cells    int            // cells read so far
	entries  []Entry
}

func newTable(name string, lim Limits) *table {
	return &table{name: name, lim: lim}
}

// add reads row number row (1-based), whose cells are as read: trailing
// empty cells may or may not be there. It returns an error that ends the
// read: a LimitError, or a FileError if the header cannot be found or
// lacks a required column.
func (t *table) add(row int, cells []string) error {
	last := len(cells) - 1
	for last >= 0 && trim(cells[last]) == "" {
		last--
	}
	if last < 0 {
		return t.endOfHeader(row)
	}
	cells = cells[:last+1]
	if row > t.lim.MaxRows {
		return &LimitError{Key: LimitRows, Max: int64(t.lim.MaxRows), Seen: int64(row)}
	}
	if t.cells += len(cells); t.cells > t.lim.MaxCells {
		return &LimitError{Key: LimitCells, Max: int64(t.lim.MaxCells), Seen: int64(t.cells)}
	}
	if t.header == 0 {
		if t.first == nil {
			t.first, t.firstRow = slices.Clone(cells), row
		}
		if row > headerRows {
			return t.noHeader()
		}
		ok, err := t.findHeader(row, cells)
		if err != nil || ok {
			return err
		}
		return t.endOfHeader(row)
	}
	t.entry(row, cells)
	return nil
}

// endOfHeader fails the read once the rows searched for the header are
// past without one.
func (t *table) endOfHeader(row int) error {
	if t.header == 0 && row >= headerRows {
		return t.noHeader()
	}
	return nil
}

// findHeader tells whether row is the header row, and if so records its
// columns. A row naming 姓名 and 手机号 is the header; it is an error for
// it to lack 单位 or to name a field twice with the same rank.
func (t *table) findHeader(row int, cells []string) (bool, error) {
	var (
		cols  [numFields]int
		ranks [numFields]int
		dup   [numFields]int // a second column of the same rank, or -1
	)
	for f := range numFields {
		cols[f], dup[f] = -1, -1
	}
	for c, h := range cells {
		f, rank, ok := match(trim(h))
		if !ok {
			continue
		}
		switch {
		case cols[f] < 0 || rank < ranks[f]:
			cols[f], ranks[f], dup[f] = c, rank, -1
		case rank == ranks[f] && dup[f] < 0:
			dup[f] = c
		}
	}
	if cols[fName] < 0 || cols[fPhone] < 0 {
		return false, nil
	}
	t.header, t.cols = row, cols
	var problems []Problem
	for f := range numFields {
		if dup[f] >= 0 {
			problems = append(problems, Problem{Row: row, Column: columns[f], Msg: fmt.Sprintf(
				"two columns, %s %s and %s %s; keep one, or rename the other",
				colName(cols[f]), quote(trim(cells[cols[f]])), colName(dup[f]), quote(trim(cells[dup[f]])))})
		}
	}
	for _, f := range required {
		if cols[f] < 0 {
			problems = append(problems, Problem{Row: row, Msg: fmt.Sprintf(
				"no %s column (headed %s); the header row has %s",
				columns[f], strings.Join(headerAliases[f], ", "), found(cells))})
		}
	}
	if problems != nil {
		return true, &FileError{Name: t.name, Problems: problems}
	}
	return true, nil
}

// noHeader is the error for a file without a header row.
func (t *table) noHeader() error {
	msg := fmt.Sprintf("no header row naming %s and %s in the first %d rows", ColName, ColPhone, headerRows)
	if t.first == nil {
		msg += "; the file is empty"
	} else {
		msg += fmt.Sprintf("; row %d has %s", t.firstRow, found(t.first))
	}
	return &FileError{Name: t.name, Problems: []Problem{{Msg: msg}}}
}

// entry reads a row below the header. Its values are checked at the end,
// once merged ranges have filled in what they span.
func (t *table) entry(row int, cells []string) {
	e := Entry{Row: row}
	blank := true
	for f, c := range t.cols {
		if c >= 0 && c < len(cells) {
			v := trim(cells[c])
			*e.field(field(f)) = v
			blank = blank && v == ""
		}
	}
	if blank {
		return // values in other columns only: a 序号, a note
	}
	t.entries = append(t.entries, e)
}

// merged applies a merged range of cells, as the sheet part gives it
// ("B5:B9") after the rows: the value of its top-left cell goes down the
// rows of its first column, where this is a column read, for the rows
// read below the header. A value merged across columns stays in the
// first: that is the one a reader of the sheet sees it under. Each range,
// and each value it fills in, counts as a cell.
func (t *table) merged(ref string) error {
	if t.cells++; t.cells > t.lim.MaxCells {
		return &LimitError{Key: LimitCells, Max: int64(t.lim.MaxCells), Seen: int64(t.cells)}
	}
	from, to, _ := strings.Cut(ref, ":")
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil || c2 < c1 || r2 <= r1 || r1 <= t.header {
		return nil // not a range down the rows read: nothing to fill
	}
	f := slices.Index(t.cols[:], c1-1)
	if f < 0 {
		return nil
	}
	i, found := slices.BinarySearchFunc(t.entries, r1, func(e Entry, row int) int { return e.Row - row })
	if !found {
		return nil
	}
	v := *t.entries[i].field(field(f))
	for i++; i < len(t.entries) && t.entries[i].Row <= r2; i++ {
		if p := t.entries[i].field(field(f)); *p == "" {
			if t.cells++; t.cells > t.lim.MaxCells {
				return &LimitError{Key: LimitCells, Max: int64(t.lim.MaxCells), Seen: int64(t.cells)}
			}
			*p = v
		}
	}
	return nil
}

// result ends the read: the entries, or a FileError with every problem:
// each required value missing, by row and column.
func (t *table) result() ([]Entry, error) {
	if t.header == 0 {
		return nil, t.noHeader()
	}
	var problems []Problem
	for i := range t.entries {
		for _, f := range required {
			if *t.entries[i].field(f) == "" {
				problems = append(problems, Problem{Row: t.entries[i].Row, Column: columns[f], Msg: "empty"})
			}
		}
	}
	if problems != nil {
		return nil, &FileError{Name: t.name, Problems: problems}
	}
	if t.entries == nil {
		return []Entry{}, nil
	}
	return t.entries, nil
}

// found lists the cells of a row for a message: what the file has where a
// header was expected.
func found(cells []string) string {
	var out []string
	for _, c := range cells {
		if c = trim(c); c != "" {
			out = append(out, quote(c))
		}
		if len(out) == 12 {
			out = append(out, "…")
			break
		}
	}
	return strings.Join(out, ", ")
}

// colName is the letter of a 0-based column as Excel shows it.
func colName(c int) string {
	s, err := excelize.ColumnNumberToName(c + 1)
	if err != nil {
		return fmt.Sprint(c + 1)
	}
	return s
}
