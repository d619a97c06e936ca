package directory

import "fmt"

// Limits bound what reading one file may cost. A 通讯录 comes from an
// operator, but it is a spreadsheet passed from office to office, and a
// damaged or hostile one (a zip bomb, a sheet formatted down to row
// 1,048,576) must be refused quickly, naming the limit, rather than hold
// the bot for minutes or exhaust its memory. A zero field means the
// default.
type Limits struct {
	// MaxFileSize bounds the file as stored, in bytes.
	MaxFileSize int64
	// MaxUnzippedSize bounds what the parts of a workbook that are read
	// (the sheet, its strings and styles) unpack to, in bytes, together.
	// They are streamed, so this bounds the time a read takes (some 10
	// ms a MB) rather than its memory.
	MaxUnzippedSize int64
	// MaxRows bounds the row number of the last row holding a value.
	MaxRows int
	// MaxCells bounds the cells read: each row's up to its last value
	// (so a value far to the right costs what it spans), and in a
	// workbook each shared string, merged range and value a merged range
	// fills in.
	MaxCells int
}

// Default limits: room for the 100,000 officials of a large district with
// a margin, and its workbook with many more columns than dutybot reads.
const (
	DefaultMaxFileSize     = 64 << 20
	DefaultMaxUnzippedSize = 256 << 20
	DefaultMaxRows         = 200_000
	DefaultMaxCells        = 200_000 * 20
)

// DefaultLimits returns the limits used where none are configured.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:     DefaultMaxFileSize,
		MaxUnzippedSize: DefaultMaxUnzippedSize,
		MaxRows:         DefaultMaxRows,
		MaxCells:        DefaultMaxCells,
	}
}

// orDefault returns lim with the defaults standing in for fields left
// zero or negative.
func (lim Limits) orDefault() Limits {
	d := DefaultLimits()
	if lim.MaxFileSize <= 0 {
		lim.MaxFileSize = d.MaxFileSize
	}
	if lim.MaxUnzippedSize <= 0 {
		lim.MaxUnzippedSize = d.MaxUnzippedSize
	}
	if lim.MaxRows <= 0 {
		lim.MaxRows = d.MaxRows
	}
	if lim.MaxCells <= 0 {
		lim.MaxCells = d.MaxCells
	}
	return lim
}

// Keys of the limits, as a LimitError names them: the snake_case of the
// Limits fields, as configuration files spell them.
const (
	LimitFileSize     = "max_file_size"
	LimitUnzippedSize = "max_unzipped_size"
	LimitRows         = "max_rows"
	LimitCells        = "max_cells"
)

// LimitError is a file refused for going over one of its Limits, returned
// as soon as the limit is passed, before the file is read through. It
// names the limit so that the operator can either fix the file or raise
// the limit.
type LimitError struct {
	Key  string // LimitRows, LimitCells …
	Max  int64  // the limit: bytes, rows or cells
	Seen int64  // how much the file holds, at least; 0 if not known
}

// Error says which limit the file went over.
func (e *LimitError) Error() string {
	var what string
	switch e.Key {
	case LimitFileSize:
		what = fmt.Sprintf("the file is larger than %s", size(e.Max))
	case LimitUnzippedSize:
		what = fmt.Sprintf("the workbook unpacks to more than %s", size(e.Max))
	case LimitRows:
		what = fmt.Sprintf("row %d holds a value, beyond the limit of %d rows", e.Seen, e.Max)
	case LimitCells:
		what = fmt.Sprintf("the sheet has more than %d cells", e.Max)
	default:
		what = fmt.Sprintf("the file is over the limit of %d", e.Max)
	}
	if e.Seen > 0 && (e.Key == LimitFileSize || e.Key == LimitUnzippedSize) {
		what += fmt.Sprintf(" (%s)", size(e.Seen))
	}
	return what + "; limit " + e.Key
}

// size formats a number of bytes for a message: 64 MB, 512 KB, 100 bytes.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
