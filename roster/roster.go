// Package roster reads and writes the on-duty roster (值班表) that township
// offices exchange as spreadsheets: who leads (带班领导) and who is on duty
// (值班人员) from when to when, where, and on which telephone.
//
// Rosters are read from .xlsx workbooks (ParseXLSX), CSV files (ParseCSV)
// and YAML lists (ParseYAML), or from a file chosen by its extension
// (ParseFile). Template makes an empty workbook to fill in and Export writes
// shifts back to a workbook that ParseXLSX reads to the same shifts.
//
// # Spreadsheets
//
// The header row is looked for among the first five rows, so a title row
// such as "含谷镇2026年国庆节值班表" above it is fine. Columns are recognised
// by their usual names, spaces, brackets and a trailing "*" disregarded:
//
//	日期, 值班日期                    the date; required
//	星期                              ignored
//	班次, 时段, 值班时间, 时间        the hours: "08:00-次日08:00", "8:30-17:30",
//	                                  "08:00—08:00", "8点-17点30"; "全天" or empty
//	                                  means 08:00 to 08:00 the next day
//	带班领导, 带班领导姓名            the leader (带班领导); required; a column
//	                                  headed 值班领导, as some offices write it,
//	                                  is read as this one
//	值班人员, 值班人员1, 值班人员2 …  the staff; required; names separated by
//	                                  、 ， , / ; or spaces
//	值班电话                          the duty telephone
//	值班地点                          the duty place
//	类型                              日常, 节假日, 重要节点, 汛期, 极端天气
//	                                  (or the Kind constants); empty means daily
//	备注                              a note
//
// Other columns, such as 带班领导电话, 职务 or 值班人员电话, are ignored.
// Cells merged down several rows (typically 日期 and 带班领导) apply to every
// row of the merge, and an empty 日期 means the date of the row above.
// Dates may be real dates (Excel serial numbers) or text: "2026-10-01",
// "2026/10/1", "2026.10.01", "2026年10月1日", or "10月1日", which takes its
// year from the row above (or the next year when that makes the date run on
// from December into January).
//
// A person is named by the official's name, id or phone number as in the
// configuration. A phone or id after a name, in brackets or after a space
// ("吴敏 13800000010", "张明（o-zhangming）"), must belong to the same
// official and picks out one of two officials sharing a name; other
// bracketed text, such as a title, is ignored.
//
// Rows without any value of their own are skipped, as are rows that name
// nobody and have neither hours nor a date (notes under the table such as
// "注：…" or "制表人：…").
//
// # Errors
//
// Parsing is all or nothing: if any row is bad the parse functions return no
// shifts and an Errors listing the problems of the bad rows (up to
// MaxListed, and counting the rest), with the row number shown by Excel and
// the column, so that the sender can fix the whole file at once. Values
// quoted in problems are cut short. Problems with the file as a whole
// (unreadable, no header row, a missing column) are returned as other
// errors. A problem found in the file's content is a *Problem, a message
// of locales/roster.*.yaml with its data, so that it reads in the reader's
// language (Text, RowError.Text); its Error is English.
//
// # Limits
//
// Roster files come from chat and the HTTP API, so reading one is bounded
// by roster.import of the configuration: the file's size, the unpacked size
// of a workbook, the rows and cells up to the last value, the merged
// ranges, and the time taken. A file over a limit is refused with a
// LimitError as soon as the limit is passed. Workbooks are read by a
// streaming reader of this package, not by excelize (see workbook.go).
package roster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutybot/config"
)

// Kinds of shift.
const (
	Daily          = "daily"     // 日常
	Holiday        = "holiday"   // 节假日
	ImportantDate  = "important" // 重要节点, 重要时段
	FloodSeason    = "flood"     // 汛期
	ExtremeWeather = "extreme"   // 极端天气
)

// Shift is one duty shift of a roster.
type Shift struct {
	Start, End time.Time // in cfg.Location; a shift "08:00-08:00" ends the next day
	Leader     string    // official id of the 带班领导
	Staff      []string  // official ids of the 值班人员 (at least one)
	Place      string    // 值班地点
	Phone      string    // 值班电话
	Kind       string    // one of the Kind constants
	Note       string    // 备注
}

// ErrUnsupportedFormat is returned, wrapped, for files that cannot be read:
// old binary .xls or WPS .et workbooks, password-protected workbooks and
// unknown file extensions.
var ErrUnsupportedFormat = errors.New("unsupported roster format")

// RowError is a problem with one row of a roster.
type RowError struct {
	Row    int    // 1-based row number as Excel shows it (of a CSV file too); for YAML, the entry's position
	Column string // column header as written in the file (a YAML key); "" for the row as a whole
	Err    error  // what is wrong
}

// Error returns a message such as
// `row 5 (值班人员): "王某" is not an official in the configuration`.
func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("row %d (%s): %v", e.Row, e.Column, e.Err)
}

// Unwrap returns e.Err.
func (e RowError) Unwrap() error { return e.Err }

// Errors lists the problems of the bad rows of a roster, sorted by row:
// every one, or the first MaxListed of a file with more, with the count of
// all of them. Keeping the list short keeps the answer to a hostile file
// short.
type Errors struct {
	List  []RowError // sorted by row
	Total int        // problems found, listed or not
}

// MaxListed bounds the problems an Errors lists.
const MaxListed = 1000

// errorLines is how many problems Error lists.
const errorLines = 20

// add records a problem: listed while there is room, counted always.
func (e *Errors) add(re RowError) {
	e.Total++
	if len(e.List) < MaxListed {
		e.List = append(e.List, re)
	}
}

// Unlisted counts the problems found but not listed.
func (e Errors) Unlisted() int { return e.Total - len(e.List) }

// Error lists the first problems, one per line, sorted by row, and
// counts the rest.
func (e Errors) Error() string {
	n := min(len(e.List), errorLines)
	lines := make([]string, n, n+1)
	for i, re := range e.List[:n] {
		lines[i] = re.Error()
	}
	if rest := e.Total - n; rest > 0 {
		lines = append(lines, fmt.Sprintf("… and %d more problems", rest))
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the listed row errors, for errors.Is and errors.As.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, re := range e.List {
		out[i] = re
	}
	return out
}

// ParseFile reads the roster file at path, choosing the format by the
// file's extension: .xlsx (or .xlsm), .csv, .yaml or .yml. Old binary
// workbooks (.xls, WPS .et) are refused with an error, wrapping
// ErrUnsupportedFormat, that asks for .xlsx or CSV instead.
func ParseFile(path string, cfg *config.Config) ([]Shift, error) {
	ext := strings.ToLower(filepath.Ext(path))
	var parse func(*os.File, *config.Config) ([]Shift, error)
	switch ext {
	case ".xlsx", ".xlsm":
		parse = func(f *os.File, cfg *config.Config) ([]Shift, error) { return ParseXLSX(f, cfg) }
	case ".csv":
		parse = func(f *os.File, cfg *config.Config) ([]Shift, error) { return ParseCSV(f, cfg) }
	case ".yaml", ".yml":
		parse = func(f *os.File, cfg *config.Config) ([]Shift, error) { return ParseYAML(f, cfg) }
	case ".xls", ".et", ".ett", ".xlt":
		return nil, fmt.Errorf("roster %s: %w: %s is an old-style workbook; save it as .xlsx (Excel workbook) or CSV (UTF-8) and send that", path, ErrUnsupportedFormat, ext)
	default:
		return nil, fmt.Errorf("roster %s: %w: extension %q; use .xlsx, .csv or .yaml", path, ErrUnsupportedFormat, ext)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open roster: %w", err)
	}
	defer f.Close()
	shifts, err := parse(f, cfg)
	if err != nil {
		var rows Errors
		if errors.As(err, &rows) && rows.Total > 1 {
			return nil, fmt.Errorf("roster %s: %d problems:\n%w", path, rows.Total, err)
		}
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	return shifts, nil
}
