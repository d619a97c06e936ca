package roster

import (
	"strings"
	"unicode"
)

// colType is what a spreadsheet column holds.
type colType int

const (
	colUnknown colType = iota
	colIgnored         // recognised, not read: 星期, 带班领导电话, 职务 …
	colDate
	colHours
	colLeader
	colStaff
	colPlace
	colPhone
	colKindOf // 类型
	colNote
)

// headerRows is how many rows from the top are searched for the header.
const headerRows = 5

// maxStaffColumns bounds the 值班人员 columns: each row reads every one of
// them, so a header of thousands would multiply the work of every row.
const maxStaffColumns = 20

// maxColumnName bounds a header as quoted with each problem of its column.
const maxColumnName = 20

var (
	dateHeaders   = set("日期", "值班日期", "日期时间")
	hoursHeaders  = set("班次", "时段", "值班时间", "时间", "值班时段", "起止时间", "值班班次", "时间段")
	leaderHeaders = set("带班领导", "值班领导", "带班", "带班人", "带班干部", "带班人员", "带班领导干部")
	staffHeaders  = set("值班人员", "值班人", "值班员", "值班干部", "值班干部职工", "值班工作人员")
	placeHeaders  = set("值班地点", "地点", "值班地址", "值班场所")
	phoneHeaders  = set("值班电话", "值班室电话", "值班座机", "值班室座机", "值班号码")
	kindHeaders   = set("类型", "值班类型", "类别", "值班类别")
	noteHeaders   = set("备注", "说明", "备注说明")
	otherHeaders  = set("星期", "周", "星期几", "序号", "编号", "农历")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// classify tells what a column with header h holds.
func classify(h string) colType {
	n := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), strings.ContainsRune("()（）[]【】*＊:：", r):
			return -1
		}
		return r
	}, h)
	n = strings.ToLower(n)
	switch {
	case n == "":
		return colUnknown
	case phoneHeaders[n]:
		return colPhone
	case containsAny(n, "电话", "手机", "号码", "联系", "职务", "职位", "单位", "部门", "签名", "签字"):
		return colIgnored
	case dateHeaders[n]:
		return colDate
	case hoursHeaders[n]:
		return colHours
	case leaderHeaders[strings.TrimSuffix(n, "姓名")]:
		return colLeader
	case staffHeaders[strings.TrimRight(strings.TrimSuffix(n, "姓名"), "0123456789一二三四五")]:
		return colStaff
	case placeHeaders[n]:
		return colPlace
	case kindHeaders[n]:
		return colKindOf
	case noteHeaders[n]:
		return colNote
	case otherHeaders[n]:
		return colIgnored
	}
	return colUnknown
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// column is a recognised column of a sheet.
type column struct {
	index int    // 0-based
	name  string // header as written, spaces removed
}

// layout is where the columns of a roster are.
type layout struct {
	headerRow                                     int // 0-based
	date, hours, leader, place, phone, kind, note *column
	staff                                         []column
}

// findLayout finds the header among the first rows and maps its columns.
// A sheet needs 日期, 带班领导 and 值班人员 columns.
func findLayout(rows [][]string) (*layout, error) {
	best, bestScore := -1, 0
	for r := 0; r < len(rows) && r < headerRows; r++ {
		score := 0
		for _, h := range rows[r] {
			if classify(h) != colUnknown {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	if bestScore < 2 {
		return nil, problem("RosterProblemNoHeader", "Rows", headerRows)
	}
	l := &layout{headerRow: best}
	for i, h := range rows[best] {
		c := &column{index: i, name: clip(strings.Join(strings.Fields(h), ""), maxColumnName)}
		first := func(p **column) {
			if *p == nil {
				*p = c
			}
		}
		switch classify(h) {
		case colDate:
			first(&l.date)
		case colHours:
			first(&l.hours)
		case colLeader:
			first(&l.leader)
		case colStaff:
			l.staff = append(l.staff, *c)
		case colPlace:
			first(&l.place)
		case colPhone:
			first(&l.phone)
		case colKindOf:
			first(&l.kind)
		case colNote:
			first(&l.note)
		}
	}
	var missing []string
	if l.date == nil {
		missing = append(missing, "日期")
	}
	if l.leader == nil {
		missing = append(missing, "带班领导")
	}
	if len(l.staff) == 0 {
		missing = append(missing, "值班人员")
	}
	if len(missing) > 0 {
		return nil, problem("RosterProblemMissingColumns", "Row", best+1, "Columns", strings.Join(missing, ", "))
	}
	if len(l.staff) > maxStaffColumns {
		return nil, problem("RosterProblemStaffColumns", "Row", best+1, "Count", len(l.staff), "Max", maxStaffColumns)
	}
	return l, nil
}

// field is one value of a record, with the column it came from.
type field struct {
	col   string
	value string
}

// record is one row of a roster before it is checked.
type record struct {
	row                                           int  // 1-based
	own                                           bool // has a value of its own, not from a merged cell above
	date, hours, leader, place, phone, kind, note field
	staff                                         []field
}

// records reads the rows below the header. If plain is not nil it holds
// the same rows without the values filled down from merged cells, to tell
// whether a row has a value of its own.
func (l *layout) records(b *budget, rows, plain [][]string) ([]record, error) {
	var out []record
	for r := l.headerRow + 1; r < len(rows); r++ {
		if err := b.tick(); err != nil {
			return nil, err
		}
		rec := l.record(r, rows[r])
		if plain != nil {
			p := l.record(r, plain[r])
			rec.own = p.hasValue()
		} else {
			rec.own = rec.hasValue()
		}
		out = append(out, rec)
	}
	return out, nil
}

// record reads row r (0-based).
func (l *layout) record(r int, row []string) record {
	get := func(c *column, fallback string) field {
		if c == nil {
			return field{col: fallback}
		}
		f := field{col: c.name}
		if c.index < len(row) {
			f.value = strings.TrimSpace(row[c.index])
		}
		return f
	}
	rec := record{
		row:    r + 1,
		date:   get(l.date, "日期"),
		hours:  get(l.hours, "时间"),
		leader: get(l.leader, "带班领导"),
		place:  get(l.place, "值班地点"),
		phone:  get(l.phone, "值班电话"),
		kind:   get(l.kind, "类型"),
		note:   get(l.note, "备注"),
	}
	for i := range l.staff {
		rec.staff = append(rec.staff, get(&l.staff[i], "值班人员"))
	}
	return rec
}

// hasValue reports whether any field of rec is filled.
func (rec *record) hasValue() bool {
	for _, f := range []field{rec.date, rec.hours, rec.leader, rec.place, rec.phone, rec.kind, rec.note} {
		if f.value != "" {
			return true
		}
	}
	return rec.hasStaff()
}

func (rec *record) hasStaff() bool {
	for _, f := range rec.staff {
		if f.value != "" {
			return true
		}
	}
	return false
}
