package roster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/config"
)

// oleMagic starts old binary workbooks (.xls, WPS .et) and encrypted
// (password-protected) .xlsx files alike.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ParseXLSX reads a roster from the first sheet of an .xlsx workbook; see
// the package documentation for the columns and values it understands.
// Dates may be real dates or text. Cells merged down several rows apply to
// each row of the merge. If any row is bad it returns no shifts and an
// Errors listing the problems. A file over a limit of roster.import is
// refused with a LimitError as soon as the limit is passed.
func ParseXLSX(r io.Reader, cfg *config.Config) ([]Shift, error) {
	if cfg == nil {
		return nil, errors.New("roster: nil configuration")
	}
	b, cancel := newBudget(cfg)
	defer cancel()
	data, err := b.readAll(r)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, oleMagic) {
		return nil, fmt.Errorf("%w: this is an old-style .xls/.et workbook or a password-protected one; save it as .xlsx (Excel workbook, no password) or CSV and send that", ErrUnsupportedFormat)
	}
	s, err := readWorkbook(b, data)
	if err != nil {
		return nil, err
	}
	rows, plain, err := fillMerged(b, s.rows, s.merges)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", s.name, err)
	}
	l, err := findLayout(rows)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", s.name, err)
	}
	recs, err := l.records(b, rows, plain)
	if err != nil {
		return nil, err
	}
	return build(b, recs, cfg, options{date1904: s.date1904, notes: true})
}

// fillMerged applies merged ranges: every cell of a range but the top-left
// one is blanked, then the top-left value is copied down the first column
// of the range (a date or a leader merged over several shifts). Values are
// not copied across: a note merged over the width of the table stays in
// its first column. plain holds the rows before the copying. Ranges reach
// only as far as the rows go; they must not overlap (Excel cannot make
// such a sheet), so blanking touches each cell once, and the cells added
// by copying count against MaxCells.
func fillMerged(b *budget, rows [][]string, merges []mergeRange) (filled, plain [][]string, err error) {
	rects := make([]mergeRange, 0, len(merges))
	for _, m := range merges {
		m.r2 = min(m.r2, len(rows)-1) // rows below the data stay empty
		if m.r1 <= m.r2 {
			rects = append(rects, m)
		}
	}
	if err := checkOverlap(b, rects); err != nil {
		return nil, nil, err
	}
	cells := 0
	for _, r := range rows {
		cells += len(r)
	}
	for _, m := range rects {
		for r := m.r1; r <= m.r2; r++ {
			if err := b.tick(); err != nil {
				return nil, nil, err
			}
			for c := m.c1; c <= m.c2 && c < len(rows[r]); c++ {
				if r != m.r1 || c != m.c1 {
					rows[r][c] = ""
				}
			}
		}
	}
	plain = make([][]string, len(rows))
	for r := range rows {
		plain[r] = slices.Clone(rows[r])
	}
	for _, m := range rects {
		if m.c1 >= len(rows[m.r1]) || rows[m.r1][m.c1] == "" {
			continue
		}
		v := rows[m.r1][m.c1]
		for r := m.r1 + 1; r <= m.r2; r++ {
			if err := b.tick(); err != nil {
				return nil, nil, err
			}
			if add := m.c1 + 1 - len(rows[r]); add > 0 {
				if cells += add; cells > b.MaxCells {
					return nil, nil, &LimitError{Key: LimitCells, Max: int64(b.MaxCells), Seen: int64(cells)}
				}
				rows[r] = append(rows[r], make([]string, add)...)
			}
			rows[r][m.c1] = v
		}
	}
	return rows, plain, nil
}

// checkOverlap refuses merged ranges that overlap. rects is sorted by
// first row.
func checkOverlap(b *budget, rects []mergeRange) error {
	slices.SortFunc(rects, func(x, y mergeRange) int { return x.r1 - y.r1 })
	for i, x := range rects {
		for _, y := range rects[i+1:] {
			if y.r1 > x.r2 {
				break
			}
			if err := b.tick(); err != nil {
				return err
			}
			if y.c1 <= x.c2 && x.c1 <= y.c2 {
				return fmt.Errorf("merged ranges %s and %s overlap; unmerge them in Excel or WPS and merge again", clip(x.ref, maxQuoted), clip(y.ref, maxQuoted))
			}
		}
	}
	return nil
}

// Sheets and defined names of the workbooks written by Template and Export.
const (
	rosterSheet = "值班表"
	listSheet   = "名单"
	peopleName  = "roster_people"
	kindsName   = "roster_kinds"
	templateEnd = 501 // last row given drop-down lists by Template
)

var weekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// sheetWriter writes the roster sheet of a new workbook.
type sheetWriter struct {
	f       *excelize.File
	headers []string
	date    int // style of date cells
	text    int // style of text cells
}

// newSheet creates a workbook whose first sheet is the roster with a header
// row of headers. widths are the column widths.
func newSheet(headers []string, widths []float64) (*sheetWriter, error) {
	f := excelize.NewFile()
	w := &sheetWriter{f: f, headers: headers}
	err := func() error {
		if err := f.SetSheetName("Sheet1", rosterSheet); err != nil {
			return err
		}
		header, err := f.NewStyle(&excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
			Border:    borders(),
		})
		if err != nil {
			return err
		}
		dateFmt := "yyyy-mm-dd"
		if w.date, err = f.NewStyle(&excelize.Style{
			CustomNumFmt: &dateFmt,
			Alignment:    &excelize.Alignment{Horizontal: "center", Vertical: "center"},
			Border:       borders(),
		}); err != nil {
			return err
		}
		if w.text, err = f.NewStyle(&excelize.Style{
			NumFmt:    49, // text: "08:00" and phone numbers stay as typed
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
			Border:    borders(),
		}); err != nil {
			return err
		}
		if err := f.SetSheetRow(rosterSheet, "A1", &headers); err != nil {
			return err
		}
		last, err := excelize.ColumnNumberToName(len(headers))
		if err != nil {
			return err
		}
		if err := f.SetCellStyle(rosterSheet, "A1", last+"1", header); err != nil {
			return err
		}
		for i, width := range widths {
			col, err := excelize.ColumnNumberToName(i + 1)
			if err != nil {
				return err
			}
			if err := f.SetColWidth(rosterSheet, col, col, width); err != nil {
				return err
			}
		}
		return f.SetPanes(rosterSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}()
	if err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func borders() []excelize.Border {
	var b []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		b = append(b, excelize.Border{Type: side, Color: "000000", Style: 1})
	}
	return b
}

// styleRows styles rows from..to (1-based): the first column as dates, the
// others as text.
func (w *sheetWriter) styleRows(from, to int) error {
	if to < from {
		return nil
	}
	last, err := excelize.ColumnNumberToName(len(w.headers))
	if err != nil {
		return err
	}
	if err := w.f.SetCellStyle(rosterSheet, fmt.Sprintf("A%d", from), fmt.Sprintf("A%d", to), w.date); err != nil {
		return err
	}
	return w.f.SetCellStyle(rosterSheet, fmt.Sprintf("B%d", from), fmt.Sprintf("%s%d", last, to), w.text)
}

func (w *sheetWriter) bytes() ([]byte, error) {
	buf, err := w.f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Template returns an empty roster workbook (.xlsx) to fill in: the header
// row, one example row, and drop-down lists of the officials' names on the
// 带班领导 and 值班人员 columns and of the kinds on 类型. The lists are on a
// hidden sheet, 名单. The example row is refused by the parse functions
// until it is deleted.
func Template(cfg *config.Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("roster template: nil configuration")
	}
	headers := []string{"日期", "星期", "时间", "带班领导", "值班人员1", "值班人员2", "值班地点", "值班电话", "类型", "备注"}
	w, err := newSheet(headers, []float64{12, 8, 18, 12, 12, 12, 16, 16, 10, 28})
	if err != nil {
		return nil, fmt.Errorf("roster template: %w", err)
	}
	defer w.f.Close()
	if err := fillTemplate(w, cfg); err != nil {
		return nil, fmt.Errorf("roster template: %w", err)
	}
	data, err := w.bytes()
	if err != nil {
		return nil, fmt.Errorf("roster template: %w", err)
	}
	return data, nil
}

func fillTemplate(w *sheetWriter, cfg *config.Config) error {
	f := w.f
	dir := newDirectory(cfg)
	var people []string
	for _, o := range cfg.People().Officials {
		if label, ok := dir.label(o.ID); ok {
			people = append(people, label)
		}
	}

	// The example row: the first duty leader (or leader, or principal)
	// leads, the first other official with the staff role is on duty.
	leader, staff := "", ""
	for _, role := range []string{config.RoleDutyLeader, config.RoleLeader, config.RolePrincipal} {
		if os := cfg.OfficialsWithRole(role); len(os) > 0 {
			leader = os[0].ID
			break
		}
	}
	if leader == "" && len(cfg.People().Officials) > 0 {
		leader = cfg.People().Officials[0].ID
	}
	for _, o := range cfg.People().Officials {
		if o.ID != leader && (staff == "" || o.HasRole(config.RoleStaff)) {
			staff = o.ID
			if o.HasRole(config.RoleStaff) {
				break
			}
		}
	}
	leaderLabel, _ := dir.label(leader)
	staffLabel, _ := dir.label(staff)
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	y, m, d := time.Now().In(loc).AddDate(0, 0, 1).Date()
	day := date{y, m, d}
	example := []any{excelSerial(day), weekdays[day.in(time.UTC).Weekday()], "08:00-次日08:00",
		leaderLabel, staffLabel, "", "镇政府值班室", "", "日常", exampleNote}
	if err := f.SetSheetRow(rosterSheet, "A2", &example); err != nil {
		return err
	}
	if err := w.styleRows(2, templateEnd); err != nil {
		return err
	}

	// The lists, on a hidden sheet, named for the data validations.
	if _, err := f.NewSheet(listSheet); err != nil {
		return err
	}
	if err := f.SetCellValue(listSheet, "A1", "人员"); err != nil {
		return err
	}
	if err := f.SetCellValue(listSheet, "B1", "类型"); err != nil {
		return err
	}
	for i, p := range people {
		if err := f.SetCellStr(listSheet, fmt.Sprintf("A%d", i+2), p); err != nil {
			return err
		}
	}
	for i, kl := range kindLabels {
		if err := f.SetCellStr(listSheet, fmt.Sprintf("B%d", i+2), kl.label); err != nil {
			return err
		}
	}
	if err := f.SetSheetVisible(listSheet, false); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: kindsName,
		RefersTo: fmt.Sprintf("'%s'!$B$2:$B$%d", listSheet, len(kindLabels)+1)}); err != nil {
		return err
	}
	rows := fmt.Sprintf("%d:%d", 2, templateEnd)
	if len(people) > 0 {
		if err := f.SetDefinedName(&excelize.DefinedName{Name: peopleName,
			RefersTo: fmt.Sprintf("'%s'!$A$2:$A$%d", listSheet, len(people)+1)}); err != nil {
			return err
		}
		if err := addList(f, "D"+strings.Replace(rows, ":", ":D", 1), peopleName,
			"带班领导", "请从列表中选择带班领导（配置中的人员）。", excelize.DataValidationErrorStyleWarning); err != nil {
			return err
		}
		if err := addList(f, "E"+strings.Replace(rows, ":", ":F", 1), peopleName,
			"值班人员", "请从列表中选择值班人员，每格一人；人多时可在一格中用“、”分隔。", excelize.DataValidationErrorStyleWarning); err != nil {
			return err
		}
	}
	if err := addList(f, "I"+strings.Replace(rows, ":", ":I", 1), kindsName,
		"类型", "日常、节假日、重要节点、汛期或极端天气；空白即日常。", excelize.DataValidationErrorStyleStop); err != nil {
		return err
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = "A" + strings.Replace(rows, ":", ":A", 1)
	if err := dv.SetRange(excelSerial(date{minYear, 1, 1}), excelSerial(date{maxYear, 12, 31}),
		excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween); err != nil {
		return err
	}
	dv.SetError(excelize.DataValidationErrorStyleStop, "日期", "请填写日期，如 2026-10-01。")
	return f.AddDataValidation(rosterSheet, dv)
}

// addList adds a drop-down list of the named range to the cells sqref.
func addList(f *excelize.File, sqref, name, title, prompt string, style excelize.DataValidationErrorStyle) error {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = sqref
	dv.SetSqrefDropList(name)
	dv.SetInput(title, prompt)
	dv.SetError(style, title, prompt)
	return f.AddDataValidation(rosterSheet, dv)
}

// Export writes shifts to an .xlsx workbook that ParseXLSX reads back to the
// same shifts, with the columns 日期, 星期, 时间, 带班领导, 值班人员, 值班地点,
// 值班电话, 类型 and 备注. Times are written in cfg.Location. Consecutive rows
// of the same date share a merged 日期 cell, and of the same date and leader a
// merged 带班领导 cell, as township rosters usually look. A shift must end
// by the end of the day after it starts, on a whole minute.
func Export(shifts []Shift, cfg *config.Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("export roster: nil configuration")
	}
	headers := []string{"日期", "星期", "时间", "带班领导", "值班人员", "值班地点", "值班电话", "类型", "备注"}
	w, err := newSheet(headers, []float64{12, 8, 18, 12, 20, 16, 16, 10, 28})
	if err != nil {
		return nil, fmt.Errorf("export roster: %w", err)
	}
	defer w.f.Close()
	if err := exportRows(w, shifts, cfg); err != nil {
		return nil, fmt.Errorf("export roster: %w", err)
	}
	data, err := w.bytes()
	if err != nil {
		return nil, fmt.Errorf("export roster: %w", err)
	}
	return data, nil
}

func exportRows(w *sheetWriter, shifts []Shift, cfg *config.Config) error {
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	dir := newDirectory(cfg)
	label := func(i int, id string) (string, error) {
		l, ok := dir.label(id)
		if !ok {
			return "", fmt.Errorf("shift %d: %q is not an official in the configuration", i+1, id)
		}
		return l, nil
	}
	days := make([]date, len(shifts))
	for i, s := range shifts {
		start, end := s.Start.In(loc), s.End.In(loc)
		hours, ok := formatHours(start, end)
		if !ok || !end.After(start) {
			return fmt.Errorf("shift %d: cannot write %s–%s as hours of one date (whole minutes, ending by the next day)",
				i+1, start.Format(time.DateTime), end.Format(time.DateTime))
		}
		y, m, d := start.Date()
		days[i] = date{y, m, d}
		leader, err := label(i, s.Leader)
		if err != nil {
			return err
		}
		if len(s.Staff) == 0 {
			return fmt.Errorf("shift %d: no 值班人员", i+1)
		}
		names := make([]string, len(s.Staff))
		for j, id := range s.Staff {
			if names[j], err = label(i, id); err != nil {
				return err
			}
		}
		kind, ok := kindLabel(s.Kind)
		if !ok {
			return fmt.Errorf("shift %d: unknown kind %q", i+1, s.Kind)
		}
		row := []any{excelSerial(days[i]), weekdays[start.Weekday()], hours, leader,
			strings.Join(names, "、"), s.Place, config.DisplayPhone(s.Phone), kind, s.Note}
		if err := w.f.SetSheetRow(rosterSheet, fmt.Sprintf("A%d", i+2), &row); err != nil {
			return err
		}
	}
	if err := w.styleRows(2, len(shifts)+1); err != nil {
		return err
	}
	// Merge runs of the same date (日期, 星期) and of the same date and
	// leader (带班领导).
	merge := func(col string, from, to int) error {
		if to == from {
			return nil
		}
		return w.f.MergeCell(rosterSheet, fmt.Sprintf("%s%d", col, from+2), fmt.Sprintf("%s%d", col, to+2))
	}
	for i := 0; i < len(shifts); {
		j := i
		for j+1 < len(shifts) && days[j+1] == days[i] {
			j++
		}
		for _, col := range []string{"A", "B"} {
			if err := merge(col, i, j); err != nil {
				return err
			}
		}
		for k := i; k <= j; {
			l := k
			for l+1 <= j && shifts[l+1].Leader == shifts[k].Leader {
				l++
			}
			if err := merge("D", k, l); err != nil {
				return err
			}
			k = l + 1
		}
		i = j + 1
	}
	return nil
}
