package directory

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Column is a column of a 通讯录, named by its usual header, as problems
// name it and Write heads it.
type Column string

// The columns of a 通讯录.
const (
	ColName     Column = "姓名"
	ColUnit     Column = "单位"
	ColRoles    Column = "职务/角色"
	ColPhone    Column = "手机号"
	ColSuperior Column = "上级"
	ColID       Column = "编号"
	ColLanguage Column = "语言"
)

// field is the index of a column in the tables below.
type field int

const (
	fName field = iota
	fUnit
	fRoles
	fPhone
	fSuperior
	fID
	fLanguage
	numFields
)

// columns are the columns by field, in the order a file is written: the
// ones every office fills in first, the optional ones last.
var columns = [numFields]Column{ColName, ColUnit, ColRoles, ColPhone, ColSuperior, ColID, ColLanguage}

// required are the fields a header row and every row must have.
var required = [...]field{fName, fUnit, fPhone}

// Columns returns the columns of a 通讯录 in the order Write writes them.
func Columns() []Column { return slices.Clone(columns[:]) }

// Aliases returns the headers a column is recognised by, as written in
// the package documentation, for messages and notes; nil for an unknown
// column.
func (c Column) Aliases() []string {
	f := fieldOf(c)
	if f < 0 {
		return nil
	}
	return slices.Clone(headerAliases[f])
}

// headerAliases are the headers each field is recognised by, as people
// write them, most specific first: when two columns answer to one field,
// the one whose header comes first here wins. They are compared after
// normalize.
var headerAliases = [numFields][]string{
	fName:     {"姓名", "名字", "Name"},
	fUnit:     {"单位", "所在单位", "部门", "Unit"},
	fRoles:    {"职务/角色", "职务（角色）", "角色", "Roles", "Role", "职务"},
	fPhone:    {"手机号", "手机号码", "手机", "Mobile", "联系电话", "电话", "Phone"},
	fSuperior: {"上级", "直接上级", "上级领导", "Superior"},
	fID:       {"编号", "ID"},
	fLanguage: {"语言", "Language"},
}

// normalize returns a header as compared with aliases: full-width forms
// folded, lower case, without spaces, brackets, slashes, "、", "*" and ":",
// so that "职务（角色）", "职务/角色" and " 姓名* " match.
func normalize(h string) string {
	h = width.Fold.String(h)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("()[]【】/\\、*:", r) {
			return -1
		}
		return unicode.ToLower(r)
	}, h)
}

// match returns the field a header names and its rank among the field's
// aliases (0 the most specific), or ok false.
func match(h string) (f field, rank int, ok bool) {
	n := normalize(h)
	if n == "" {
		return 0, 0, false
	}
	for f := range numFields {
		for rank, a := range headerAliases[f] {
			if normalize(a) == n {
				return f, rank, true
			}
		}
	}
	return 0, 0, false
}

// trim returns a cell without the spaces around it, full-width spaces,
// zero-width spaces and stray byte order marks included.
func trim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
	})
}

// fieldOf returns the field of a column, or -1.
func fieldOf(c Column) field {
	return field(slices.Index(columns[:], c))
}
