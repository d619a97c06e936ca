// Package directory reads and writes the file format of a district's 通讯录
// (contact list): the spreadsheet that offices keep of their officials, one
// person a row. A district has 10,000 to 100,000 of them, too many for the
// YAML lists of the configuration, so dutybot reads the office's own file
// (.xlsx or .csv) and writes it back out in the same shape.
//
// # Columns
//
// The header row is the first row, among the first ten, that names at
// least 姓名 and 手机号; title rows above it are skipped. Headers are
// matched by the names offices use, disregarding case, spaces, full-width
// forms, brackets, slashes and a trailing "*" or ":":
//
//	姓名, 名字, Name                         the person's name; required
//	单位, 部门, 所在单位, Unit               the unit; required
//	职务/角色, 职务（角色）, 角色, 职务, Roles  what the person does, as written
//	手机号, 手机号码, 手机, 联系电话, 电话,     the mobile phone; required
//	Mobile, Phone
//	上级, 直接上级, 上级领导, Superior       a name or a phone number
//	编号, ID                                 an optional stable id
//	语言, Language                           optional: zh or en
//
// Other columns (序号, 备注, 办公电话 …) are ignored, as offices keep more
// than dutybot reads. When two columns answer to the same field the one
// with the more specific header wins (手机号 over 电话); two columns with
// the same header are an error.
//
// # Reading
//
// Cells are trimmed of spaces, including full-width ones. Rows with no
// value in a recognised column are skipped, so a 序号 numbered down an
// empty table does no harm. A row that has values but lacks 姓名, 单位 or
// 手机号 is an error. Reading is all or nothing: Read returns either every
// entry or a *FileError listing every problem by row and column, so the
// office fixes the file in one go. It checks the file format only; what the
// values mean (roles, superiors, phone numbers, duplicates) is for the
// caller, which reports its own problems in the same FileError shape.
//
// Workbooks are read from the sheet named 通讯录, or else the first sheet
// shown. A number reads as Excel shows it where that matters to a
// 通讯录: 13800001234 typed as a number reads as its eleven digits, an id
// formatted 00000 with its leading zeros, a phone formatted 000-0000-0000
// with its dashes. A cell merged down several rows (a 单位
// over its people) applies to each of them. CSV files may be UTF-8 (with
// or without a byte order mark), UTF-16 with a byte order mark, or
// GB18030/GBK as Excel saves them on Chinese Windows; the separator may be
// a comma, tab or semicolon.
//
// Rows are numbered as Excel shows them, and in a CSV file by the line a
// record starts on (the same, unless a cell holds a line break), so that
// a problem can be found in the file.
//
// Files are read within Limits: one over a limit is refused with a
// *LimitError as soon as the limit is passed, so a zip bomb or a sheet of
// a million rows costs little.
//
// # Writing
//
// Write writes entries as a workbook or CSV that Read reads back to the
// same entries, and Template writes a file to fill in: the header, example
// rows and, in a workbook, a 说明 sheet of notes.
package directory
