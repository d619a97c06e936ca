package config

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"dutybot/directory"
)

// How a 通讯录's rows become units and officials (see the README's
// section on the 通讯录 and config.example.yaml's directory:):
//
//   - 单位 names a unit of the configuration by id or name, or else a unit
//     made from the file: its name the cell, its id UnitIDFor(name), the
//     same at every reload so that stored records keep pointing at it.
//   - 编号 is the official's id; without one the id is "p" and the 11
//     digits of the phone, so a person keeps their id (and binding) only
//     as long as their number: a 编号 keeps a person across a new number.
//   - 职务/角色 holds role words (RoleWords) and titles; the titles are the
//     person's Title, and a row without a role word is staff.
//   - 上级 (a phone number, a 编号 or id, or a name unique in the
//     directory): on a 单位负责人's row it is the unit's 分管领导; on anyone
//     else's row but a leader's or principal's it must be the unit's head,
//     or, in a unit without a head's row, it names the head (the same on
//     every row); on a 分管领导's or 主要负责人's row it must name someone
//     but changes nothing, as their chain is the configuration's.
//   - 语言 zh or en is the person's language.
//
// Every problem, the configuration's own checks included (a bad or
// duplicate phone, a duplicate id…), is reported by the file's row and
// column, all at once, and nothing of a file with a problem is used.

// RoleWords are the words of the 职务/角色 column that give a role, as
// offices write them and as dutybot's role names; other words are titles.
var RoleWords = []struct{ Word, Role string }{
	{"工作人员", RoleStaff}, {"单位负责人", RoleUnitHead}, {"负责人", RoleUnitHead},
	{"分管领导", RoleLeader}, {"主要负责人", RolePrincipal}, {"带班领导", RoleDutyLeader}, {"管理员", RoleAdmin},
	{RoleStaff, RoleStaff}, {RoleUnitHead, RoleUnitHead}, {RoleLeader, RoleLeader}, {RolePrincipal, RolePrincipal},
	{RoleDutyLeader, RoleDutyLeader}, {RoleAdmin, RoleAdmin},
}

// roleWord returns the role a word of the 职务/角色 column gives, if any.
func roleWord(w string) (string, bool) {
	w = strings.ToLower(w)
	for _, rw := range RoleWords {
		if w == rw.Word {
			return rw.Role, true
		}
	}
	return "", false
}

// RoleName is the word a 通讯录 writes for a role: the first of RoleWords.
func RoleName(role string) string {
	for _, rw := range RoleWords {
		if rw.Role == role {
			return rw.Word
		}
	}
	return role
}

// splitRoles splits a 职务/角色 cell into the roles its role words give,
// in the order of Roles, and the other words, joined with "、", as the
// title. A cell without a role word gives staff.
func splitRoles(cell string) (roles []string, title string, titleOnly bool) {
	words := strings.FieldsFunc(cell, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("、，,／/；;", r)
	})
	var titles []string
	have := map[string]bool{}
	for _, w := range words {
		if r, ok := roleWord(w); ok {
			have[r] = true
		} else {
			titles = append(titles, w)
		}
	}
	for _, r := range Roles {
		if have[r] {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return []string{RoleStaff}, strings.Join(titles, "、"), len(titles) > 0
	}
	return roles, strings.Join(titles, "、"), false
}

// languageOf reads a 语言 cell: zh or en as offices write them.
func languageOf(cell string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "":
		return "", true
	case "zh", "zh-cn", "zh_cn", "中文", "汉语", "简体中文":
		return "zh-CN", true
	case "en", "english", "英文", "英语":
		return "en", true
	}
	return "", false
}

// languageWord is how a 通讯录 writes a language.
func languageWord(lang string) string {
	switch lang {
	case "zh-CN":
		return "zh"
	case "en":
		return "en"
	}
	return lang
}

// UnitIDFor is the id of a unit the 通讯录 names and the configuration
// does not: "u-" and 10 hex digits of a hash of the name, stable across
// reloads and restarts.
func UnitIDFor(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "u-" + hex.EncodeToString(sum[:5])
}

// officialIDFor is the id of a person the 通讯录 gives no 编号: "p" and
// the 11 digits of the phone; "" for a phone that is not a mobile number.
func officialIDFor(phone string) string {
	if n := NormalizePhone(phone); IsMobile(n) {
		return "p" + n
	}
	return ""
}

// TitleCount is a title read as staff, with how many rows have it.
type TitleCount struct {
	Title string
	Rows  int
}

// FileReport says what the 通讯录 gave the directory: check-config shows
// it, so that a role word mistyped (单位负债人) shows as a title.
type FileReport struct {
	File         string // directory.file as configured
	People       int    // rows read
	UnitsCreated int    // units the file names that the configuration lacks
	// TitleStaff counts the rows without a role word whose 职务 has other
	// words: read as staff with that title.
	TitleStaff int
	// Titles are the most common of those titles, most first, at most
	// five.
	Titles []TitleCount
}

// origin places the units and officials of a directory built from the
// YAML lists and a 通讯录: the YAML's come first, then the file's.
type origin struct {
	file          string // the file in messages: directory.file as configured
	yamlUnits     int
	yamlOfficials int
	unitRow       []int  // by created unit: the first row naming it
	row           []int  // by file official: its row
	derived       []bool // by file official: its id is made from the phone
	badPhone      []bool // by file official: the phone is not a mobile number
}

// officialRow returns the row of official i, or ok false for a YAML one.
func (o *origin) officialRow(i int) (int, bool) {
	if o == nil || i < o.yamlOfficials || i-o.yamlOfficials >= len(o.row) {
		return 0, false
	}
	return o.row[i-o.yamlOfficials], true
}

// officialRef names official i in a message about another: "row 17" for a
// file row, "officials[3].phone" for the configuration's.
func (c *Config) officialRef(i int, field string) string {
	if row, ok := c.origin.officialRow(i); ok {
		return fmt.Sprintf("row %d", row)
	}
	ref := fmt.Sprintf("officials[%d]", i)
	if field != "" {
		ref += "." + field
	}
	if c.origin != nil {
		ref += " of the configuration"
	}
	return ref
}

// unitRef names unit i as officialRef does.
func (c *Config) unitRef(i int) string {
	if o := c.origin; o != nil && i >= o.yamlUnits && i-o.yamlUnits < len(o.unitRow) {
		return fmt.Sprintf("the unit of row %d", o.unitRow[i-o.yamlUnits])
	}
	ref := fmt.Sprintf("units[%d]", i)
	if c.origin != nil {
		ref += " of the configuration"
	}
	return ref
}

// mapped is a 通讯录 mapped onto the YAML lists: the directory to
// validate, where its parts came from, and the problems mapping found.
type mapped struct {
	units     []Unit
	officials []Official
	origin    *origin
	problems  []directory.Problem
	report    FileReport
}

func (m *mapped) problem(row int, col directory.Column, format string, args ...any) {
	m.problems = append(m.problems, directory.Problem{Row: row, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// mapEntries builds the directory of the YAML units and officials and the
// entries of the file named name (see the top of this file).
func mapEntries(units []Unit, officials []Official, entries []directory.Entry, name string) *mapped {
	m := &mapped{
		units:     slices.Clone(units),
		officials: slices.Grow(slices.Clone(officials), len(entries)),
		origin: &origin{file: name, yamlUnits: len(units), yamlOfficials: len(officials),
			row: make([]int, len(entries)), derived: make([]bool, len(entries)), badPhone: make([]bool, len(entries))},
		report: FileReport{File: name, People: len(entries)},
	}
	unitOf := m.mapUnits(entries)
	titles := map[string]int{}
	for k, e := range entries {
		o := Official{ID: e.ID, Name: e.Name, Phone: e.Phone}
		if u := unitOf[k]; u >= 0 {
			o.Unit = m.units[u].ID
		}
		m.origin.row[k] = e.Row
		m.origin.badPhone[k] = !IsMobile(NormalizePhone(e.Phone))
		if o.ID == "" {
			o.ID = officialIDFor(e.Phone)
			m.origin.derived[k] = true
		}
		var titleOnly bool
		o.Roles, o.Title, titleOnly = splitRoles(e.Roles)
		if titleOnly {
			m.report.TitleStaff++
			titles[o.Title]++
		}
		if lang, ok := languageOf(e.Language); ok {
			o.Language = lang
		} else {
			m.problem(e.Row, directory.ColLanguage, "%s is not a language: write zh (中文) or en (English)", strconv.Quote(e.Language))
		}
		m.officials = append(m.officials, o)
	}
	for t, n := range titles {
		m.report.Titles = append(m.report.Titles, TitleCount{t, n})
	}
	slices.SortFunc(m.report.Titles, func(a, b TitleCount) int { return cmp.Or(b.Rows-a.Rows, strings.Compare(a.Title, b.Title)) })
	m.report.Titles = m.report.Titles[:min(len(m.report.Titles), 5)]
	m.mapSuperiors(entries, unitOf)
	return m
}

// mapUnits finds or makes the unit of every entry; -1 where 单位 is a
// problem.
func (m *mapped) mapUnits(entries []directory.Entry) []int {
	byID := make(map[string]int, len(m.units))
	byName := map[string][]int{}
	for i, u := range m.units {
		if _, dup := byID[u.ID]; !dup {
			byID[u.ID] = i
		}
		n := strings.TrimSpace(u.Name)
		byName[n] = append(byName[n], i)
	}
	made := map[string]int{}
	out := make([]int, len(entries))
	for k, e := range entries {
		out[k] = -1
		if i, ok := byID[e.Unit]; ok && i < m.origin.yamlUnits {
			out[k] = i
			continue
		}
		switch same := byName[e.Unit]; len(same) {
		case 0:
		case 1:
			out[k] = same[0]
			continue
		default:
			refs := make([]string, len(same))
			for j, i := range same {
				refs[j] = fmt.Sprintf("units[%d] (id %s)", i, m.units[i].ID)
			}
			m.problem(e.Row, directory.ColUnit, "%s is the name of %d units of the configuration, %s: write the unit's id",
				strconv.Quote(e.Unit), len(same), strings.Join(refs, ", "))
			continue
		}
		if i, ok := made[e.Unit]; ok {
			out[k] = i
			continue
		}
		id := UnitIDFor(e.Unit)
		if i, taken := byID[id]; taken {
			m.problem(e.Row, directory.ColUnit, "the id %s dutybot gives the new unit %s is the id of units[%d] (%s) of the configuration: "+
				"give that unit another id, or add this one to the configuration's units", id, strconv.Quote(e.Unit), i, m.units[i].Name)
			continue
		}
		i := len(m.units)
		m.units = append(m.units, Unit{ID: id, Name: e.Unit})
		m.origin.unitRow = append(m.origin.unitRow, e.Row)
		byID[id], made[e.Unit], out[k] = i, i, i
		m.report.UnitsCreated++
	}
	return out
}

// people finds the officials a 上级 cell may name: by phone, by id and by
// name, over the whole directory. Each map is built when a cell first
// needs it: a district's file names superiors by name or by phone.
type people struct {
	m       *mapped
	byPhone map[string]int
	byID    map[string]int
	byName  map[string][]int
}

// find resolves a 上级 cell to an official, or says why it cannot.
func (p *people) find(cell string) (int, string) {
	if n := NormalizePhone(cell); IsMobile(n) {
		if p.byPhone == nil {
			p.byPhone = make(map[string]int, len(p.m.officials))
			for i, o := range p.m.officials {
				if n := NormalizePhone(o.Phone); IsMobile(n) {
					if _, dup := p.byPhone[n]; !dup {
						p.byPhone[n] = i
					}
				}
			}
		}
		if i, ok := p.byPhone[n]; ok {
			return i, ""
		}
		return -1, fmt.Sprintf("nobody in the directory has the phone number %s", n)
	}
	if validID(cell) {
		if p.byID == nil {
			p.byID = make(map[string]int, len(p.m.officials))
			for i, o := range p.m.officials {
				if _, dup := p.byID[o.ID]; !dup && o.ID != "" {
					p.byID[o.ID] = i
				}
			}
		}
		if i, ok := p.byID[cell]; ok {
			return i, ""
		}
	}
	if p.byName == nil {
		p.byName = make(map[string][]int, len(p.m.officials))
		for i, o := range p.m.officials {
			if n := strings.TrimSpace(o.Name); n != "" {
				p.byName[n] = append(p.byName[n], i)
			}
		}
	}
	switch same := p.byName[cell]; len(same) {
	case 0:
		return -1, fmt.Sprintf("%s is nobody in the directory: give the name, phone number or 编号 of someone listed", strconv.Quote(cell))
	case 1:
		return same[0], ""
	default:
		refs := make([]string, 0, len(same))
		for _, i := range same {
			refs = append(refs, p.ref(i))
		}
		return -1, fmt.Sprintf("%s is the name of %d people (%s): write the phone number of the one meant", strconv.Quote(cell),
			len(same), strings.Join(refs, ", "))
	}
}

// ref names an official for a message: "row 17" or "officials[3] of the
// configuration".
func (p *people) ref(i int) string {
	if row, ok := p.m.origin.officialRow(i); ok {
		return fmt.Sprintf("row %d", row)
	}
	return fmt.Sprintf("officials[%d] of the configuration", i)
}

// who names an official for a message: their name and where they are.
func (p *people) who(i int) string {
	return fmt.Sprintf("%s (%s)", p.m.officials[i].Name, p.ref(i))
}

// mapSuperiors reads the 上级 column: the heads and leaders of units, and
// the checks of the other rows.
func (m *mapped) mapSuperiors(entries []directory.Entry, unitOf []int) {
	p := &people{m: m}
	base := m.origin.yamlOfficials
	isHead := func(k int) bool { return slices.Contains(m.officials[base+k].Roles, RoleUnitHead) }
	isChief := func(k int) bool {
		return m.officials[base+k].HasRole(RoleLeader, RolePrincipal) && !isHead(k)
	}
	// The heads' rows first: a unit's head is its 单位负责人's row.
	headRow := map[int]int{} // unit → entry of its head
	for k, e := range entries {
		u := unitOf[k]
		if u < 0 || !isHead(k) {
			continue
		}
		unit := &m.units[u]
		if first, dup := headRow[u]; dup {
			m.problem(e.Row, directory.ColRoles, "%s has two 单位负责人, rows %d and %d: a unit has one head (write 工作人员 or a title for the other)",
				unit.Name, entries[first].Row, e.Row)
			continue
		}
		headRow[u] = k
		id := m.officials[base+k].ID
		if unit.Head != "" && unit.Head != id {
			m.problem(e.Row, directory.ColRoles, "the configuration names the head of %s already: %s (units[%d].head): "+
				"the row cannot be its 单位负责人 too", unit.Name, unit.Head, u)
			continue
		}
		unit.Head = id
		if e.Superior == "" {
			continue
		}
		i, why := p.find(e.Superior)
		switch {
		case i < 0:
			m.problem(e.Row, directory.ColSuperior, "%s", why)
		case unit.Leader != "" && unit.Leader != m.officials[i].ID:
			m.problem(e.Row, directory.ColSuperior, "the configuration names the 分管领导 of %s already: %s (units[%d].leader), not %s",
				unit.Name, unit.Leader, u, p.who(i))
		default:
			unit.Leader = m.officials[i].ID
		}
	}
	// Then everyone else: members answer to their unit's head.
	named := map[int]int{} // unit without a head's row → entry that named its head
	for k, e := range entries {
		u := unitOf[k]
		if u < 0 || isHead(k) || e.Superior == "" {
			continue
		}
		i, why := p.find(e.Superior)
		if i < 0 {
			m.problem(e.Row, directory.ColSuperior, "%s", why)
			continue
		}
		if isChief(k) {
			continue // a leader's chain is the configuration's
		}
		unit := &m.units[u]
		id := m.officials[i].ID
		if h, ok := headRow[u]; ok || unit.Head != "" && named[u] == 0 {
			head := unit.Head
			if id != head {
				where := "the configuration's units[" + strconv.Itoa(u) + "].head"
				if ok {
					where = fmt.Sprintf("row %d", entries[h].Row)
				}
				m.problem(e.Row, directory.ColSuperior, "%s is not the head of %s, %s (%s): dutybot escalates a member's silence to their unit's head; "+
					"name the head or leave 上级 empty", p.who(i), unit.Name, p.nameOf(head), where)
			}
			continue
		}
		if first, ok := named[u]; ok {
			if id != unit.Head {
				m.problem(e.Row, directory.ColSuperior, "row %d names %s as 上级 in %s and this row %s: a unit has one head, so its people name the same 上级",
					entries[first-1].Row, p.nameOf(unit.Head), unit.Name, p.who(i))
			}
			continue
		}
		named[u] = k + 1
		unit.Head = id
	}
}

// nameOf is an official's name by id, for messages.
func (p *people) nameOf(id string) string {
	if i, _ := p.find(id); i >= 0 && p.m.officials[i].ID == id {
		return p.m.officials[i].Name
	}
	return id
}

// refusal returns the problems of a mapped 通讯录 (m.problems and those
// validation found, verr) as one error: a *directory.FileError listing the
// file's problems by row and column, inside Errors with the
// configuration's own problems if there are any; nil if there are none.
func (m *mapped) refusal(verr error) error {
	problems := slices.Clone(m.problems)
	at := map[[2]string]bool{}
	for _, p := range problems {
		at[[2]string{strconv.Itoa(p.Row), string(p.Column)}] = true
	}
	var rest Errors
	var list Errors
	var derived []directory.Problem // about ids made from phones
	if verr != nil && !errors.As(verr, &list) {
		list = Errors{verr}
	}
	for _, err := range list {
		var fe *FieldError
		if !errors.As(err, &fe) {
			rest = append(rest, err)
			continue
		}
		p, ok := m.origin.place(fe)
		switch {
		case !ok:
			rest = append(rest, err)
		case p.Row < 0: // dropped: said otherwise
		case at[[2]string{strconv.Itoa(p.Row), string(p.Column)}]:
			// The row's cell has a problem of mapping already, which
			// explains this one.
		case strings.HasPrefix(p.Msg, derivedPrefix):
			derived = append(derived, p)
		default:
			problems = append(problems, p)
		}
	}
	// An id made from a phone number that is taken is said by the phone's
	// own problem, where there is one.
	phoneRows := map[int]bool{}
	for _, p := range problems {
		if p.Column == directory.ColPhone {
			phoneRows[p.Row] = true
		}
	}
	for _, p := range derived {
		if !phoneRows[p.Row] {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 && len(rest) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b directory.Problem) int { return cmp.Compare(a.Row, b.Row) })
	if len(problems) == 0 {
		return rest
	}
	fe := &directory.FileError{Name: m.origin.file, Problems: problems}
	if len(rest) == 0 {
		return fe
	}
	return append(Errors{fe}, rest...)
}

// derivedPrefix begins the problems of ids made from phone numbers.
const derivedPrefix = "the id made from the phone number, "

// fieldColumns are the columns of an official's keys.
var fieldColumns = map[string]directory.Column{
	"id": directory.ColID, "name": directory.ColName, "unit": directory.ColUnit, "phone": directory.ColPhone,
	"roles": directory.ColRoles, "title": directory.ColRoles, "language": directory.ColLanguage,
}

// place returns the row and column of a validation problem about a unit
// or official of the file, ok false for one of the configuration's; a
// Row of -1 drops the problem, as another says it better.
func (o *origin) place(fe *FieldError) (directory.Problem, bool) {
	list, i, field, ok := indexPath(fe.Path)
	if !ok {
		return directory.Problem{}, false
	}
	switch list {
	case "units":
		if i < o.yamlUnits || i-o.yamlUnits >= len(o.unitRow) {
			return directory.Problem{}, false
		}
		return directory.Problem{Row: o.unitRow[i-o.yamlUnits], Column: directory.ColUnit, Msg: fe.Message}, true
	case "officials":
		row, ok := o.officialRow(i)
		if !ok {
			return directory.Problem{}, false
		}
		k := i - o.yamlOfficials
		col := fieldColumns[field]
		msg := fe.Message
		if field == "id" && o.derived[k] {
			if o.badPhone[k] {
				return directory.Problem{Row: -1}, true // no id without a phone: the phone's problem says why
			}
			col, msg = directory.ColPhone, derivedPrefix+msg+" (give the row a 编号)"
		}
		return directory.Problem{Row: row, Column: col, Msg: msg}, true
	}
	return directory.Problem{}, false
}

// indexPath splits "officials[12].roles[0]" into "officials", 12 and
// "roles".
func indexPath(path string) (list string, i int, field string, ok bool) {
	list, rest, ok := strings.Cut(path, "[")
	if !ok || (list != "units" && list != "officials") {
		return "", 0, "", false
	}
	num, rest, ok := strings.Cut(rest, "]")
	if !ok {
		return "", 0, "", false
	}
	i, err := strconv.Atoi(num)
	if err != nil {
		return "", 0, "", false
	}
	field = strings.TrimPrefix(rest, ".")
	if j := strings.IndexByte(field, '['); j >= 0 {
		field = field[:j]
	}
	return list, i, field, true
}

// readDirectory reads the 通讯录 at c.directoryPath, naming it in
// problems as directory.file does.
func (c *Config) readDirectory() ([]directory.Entry, error) {
	entries, err := directory.ReadFile(c.directoryPath, c.Directory.Limits.Limits())
	var fe *directory.FileError
	if errors.As(err, &fe) {
		fe.Name = c.Directory.File
	}
	var le *directory.LimitError
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("directory.file: %s does not exist (it is read relative to the configuration file's directory)", c.directoryPath)
	case errors.As(err, &le):
		return nil, fmt.Errorf("%w: raise directory.limits.%s if the file is right", err, le.Key)
	}
	return entries, err
}

// fileDirectory reads the 通讯录 and returns the directory of the YAML
// lists and the file's people, validated against the rest of c.
func (c *Config) fileDirectory() (*People, error) {
	entries, err := c.readDirectory()
	if err != nil {
		return nil, err
	}
	m := mapEntries(c.Units, c.Officials, entries, c.Directory.File)
	p := NewPeople(m.units, m.officials)
	cp := c.withPeople(p)
	cp.origin = m.origin
	if err := m.refusal(cp.validate()); err != nil {
		return nil, err
	}
	// The index matches phones normalised, so it holds for them shown.
	for i := range m.officials {
		m.officials[i].Phone = DisplayPhone(m.officials[i].Phone)
	}
	report := m.report
	p.file = &report
	return p, nil
}

// resolveDirectory sets c.directoryPath from directory.file, relative to
// base (the configuration file's directory).
func (c *Config) resolveDirectory(base string) {
	if f := c.Directory.File; f != "" {
		if filepath.IsAbs(f) {
			c.directoryPath = f
		} else {
			c.directoryPath = filepath.Join(base, f)
		}
	}
}
