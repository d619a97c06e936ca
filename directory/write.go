package directory

import (
	"fmt"
	"io"
	"slices"

	"github.com/xuri/excelize/v2"
)

// NotesSheet is the sheet of a template workbook that holds its notes.
const NotesSheet = "说明"

// Write writes entries in format f, one row each below a header row, in
// the order given, so that Read reads them back as they are (Row aside).
// 编号 and 语言 are written only if an entry has one, so that an office's
// file comes back in the shape it went out.
func Write(w io.Writer, f Format, entries []Entry) error {
	cols := []field{fName, fUnit, fRoles, fPhone, fSuperior}
	for _, opt := range []field{fID, fLanguage} {
		if slices.ContainsFunc(entries, func(e Entry) bool { return e.value(opt) != "" }) {
			cols = append(cols, opt)
		}
	}
	if err := write(w, f, cols, entries, nil); err != nil {
		return fmt.Errorf("write directory: %w", err)
	}
	return nil
}

// Template writes a 通讯录 to fill in, in format f: the header row with
// every column, the examples as rows (Read reads them back as entries),
// and for a workbook a 说明 sheet holding notes, one a row. A CSV file has
// one table only, so it gets no notes: the caller shows them otherwise.
func Template(w io.Writer, f Format, examples []Entry, notes []string) error {
	if err := write(w, f, columnsInOrder(), examples, notes); err != nil {
		return fmt.Errorf("write directory template: %w", err)
	}
	return nil
}

// columnsInOrder returns every field in the order of columns.
func columnsInOrder() []field {
	out := make([]field, numFields)
	for i := range out {
		out[i] = field(i)
	}
	return out
}

func write(w io.Writer, f Format, cols []field, entries []Entry, notes []string) error {
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = string(columns[c])
	}
	switch f {
	case XLSX:
		return writeXLSX(w, header, cols, entries, notes)
	case CSV:
		row := make([]string, len(cols))
		return writeCSV(w, header, func(yield func([]string) bool) {
			for i := range entries {
				for j, c := range cols {
					row[j] = entries[i].value(c)
				}
				if !yield(row) {
					return
				}
			}
		})
	}
	return fmt.Errorf("%w: %q (want %s or %s)", ErrUnsupportedFormat, f, XLSX, CSV)
}

// widths are the column widths written, in characters, by field.
var widths = [numFields]float64{fName: 12, fUnit: 20, fRoles: 20, fPhone: 16, fSuperior: 12, fID: 14, fLanguage: 8}

// writeXLSX writes a workbook with excelize's stream writer, so that
// 100,000 rows go straight to the sheet without a tree of cells. Every
// cell of the table is formatted as text, those typed in later too, so
// that a phone number stays as typed rather than becoming a number.
func writeXLSX(w io.Writer, header []string, cols []field, entries []Entry, notes []string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
		NumFmt:    49,
	})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, widths[c]); err != nil {
			return err
		}
	}
	if err := sw.SetColStyle(1, len(cols), text); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(cols))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for i := range entries {
		for j, c := range cols {
			cells[j] = nil // no cell at all for an empty value
			if v := entries[i].value(c); v != "" {
				cells[j] = excelize.Cell{StyleID: text, Value: v}
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err // more rows than a sheet holds
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if len(notes) > 0 {
		if err := writeNotes(f, notes); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// writeNotes adds the 说明 sheet: one note a row, in a wide column.
func writeNotes(f *excelize.File, notes []string) error {
	if _, err := f.NewSheet(NotesSheet); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	if err := f.SetColWidth(NotesSheet, "A", "A", 100); err != nil {
		return err
	}
	for i, n := range notes {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetCellStr(NotesSheet, cell, n); err != nil {
			return err
		}
		if err := f.SetCellStyle(NotesSheet, cell, cell, wrap); err != nil {
			return err
		}
	}
	return nil
}
