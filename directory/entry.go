package directory

import "fmt"

// Entry is one person's row of a 通讯录, its values as written (trimmed):
// what they mean is for the caller to decide, and to report by Row.
type Entry struct {
	Row      int    // 1-based row in the sheet (CSV: line of the record), for messages
	ID       string // 编号: optional stable id
	Name     string // 姓名
	Unit     string // 单位
	Roles    string // 职务/角色, as written
	Phone    string // 手机号, as written
	Superior string // 上级: a name or a phone number, as written
	Language string // 语言: optional, zh or en as written
}

// value returns the entry's value of field f.
func (e *Entry) value(f field) string { return *e.field(f) }

// field returns where the entry holds field f.
func (e *Entry) field(f field) *string {
	switch f {
	case fName:
		return &e.Name
	case fUnit:
		return &e.Unit
	case fRoles:
		return &e.Roles
	case fPhone:
		return &e.Phone
	case fSuperior:
		return &e.Superior
	case fID:
		return &e.ID
	case fLanguage:
		return &e.Language
	}
	panic(fmt.Sprintf("directory: no field %d", f))
}
