package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// RosterImport bounds the work of reading one roster file, sent in chat,
// to POST /api/v1/roster or to dutybot roster import, so that a broken or
// hostile file is refused quickly, naming the limit, instead of tying up
// the bot.
type RosterImport struct {
	// MaxFileSize bounds the file as sent.
	MaxFileSize Size `yaml:"max_file_size"`
	// MaxUnzippedSize bounds the parts of an .xlsx that are read (the
	// sheet, its shared strings and the workbook), unpacked: a small zip
	// can unpack to gigabytes.
	MaxUnzippedSize Size `yaml:"max_unzipped_size"`
	// MaxRows bounds the rows of the sheet up to the last one holding a
	// value (the entries of a YAML list).
	MaxRows int `yaml:"max_rows"`
	// MaxCells bounds the cells of the sheet, in each row up to its last
	// value, all rows together (every key and value of a YAML list).
	MaxCells int `yaml:"max_cells"`
	// MaxMergedRanges bounds the merged ranges (合并单元格) of the sheet.
	MaxMergedRanges int `yaml:"max_merged_ranges"`
	// Timeout bounds the time to read and check one file.
	Timeout Duration `yaml:"timeout"`
	// Workers is how many files sent in chat are checked at once, off
	// the chats' update handling; more wait their turn.
	Workers int `yaml:"workers"`
}

// Roster import defaults: a year of three shifts a day is about 1,100 rows,
// 10,000 cells and 100 KB.
const (
	DefaultRosterMaxFileSize     = 10 << 20
	DefaultRosterMaxUnzippedSize = 32 << 20
	DefaultRosterMaxRows         = 10000
	DefaultRosterMaxCells        = 100000
	DefaultRosterMaxMergedRanges = 20000
	DefaultRosterImportTimeout   = 10 * time.Second
	DefaultRosterImportWorkers   = 2
)

// DefaultRosterImport returns the default roster file limits.
func DefaultRosterImport() RosterImport {
	return RosterImport{
		MaxFileSize:     DefaultRosterMaxFileSize,
		MaxUnzippedSize: DefaultRosterMaxUnzippedSize,
		MaxRows:         DefaultRosterMaxRows,
		MaxCells:        DefaultRosterMaxCells,
		MaxMergedRanges: DefaultRosterMaxMergedRanges,
		Timeout:         Duration(DefaultRosterImportTimeout),
		Workers:         DefaultRosterImportWorkers,
	}
}

// Upper bounds of the roster file limits: beyond them a limit no longer
// protects the bot (Excel's own sheet is 1,048,576 rows).
const (
	maxRosterFileSize     = 100 << 20
	maxRosterUnzippedSize = 1 << 30
	maxRosterRows         = 1 << 20
	maxRosterCells        = 10_000_000
	maxRosterMergedRanges = 100_000
	maxRosterImportTime   = 10 * time.Minute
	maxRosterWorkers      = 64
)

func validateRosterImport(e *errs, r RosterImport) {
	const p = "roster.import."
	if r.MaxFileSize < 1<<10 || r.MaxFileSize > maxRosterFileSize {
		e.add(p+"max_file_size", "%s is not a size from 1KB to %s", r.MaxFileSize, Size(maxRosterFileSize))
	}
	if r.MaxUnzippedSize < r.MaxFileSize || r.MaxUnzippedSize > maxRosterUnzippedSize {
		e.add(p+"max_unzipped_size", "%s is not a size from max_file_size (%s) to %s", r.MaxUnzippedSize, r.MaxFileSize, Size(maxRosterUnzippedSize))
	}
	if r.MaxRows < 10 || r.MaxRows > maxRosterRows {
		e.add(p+"max_rows", "%d is not a number of rows from 10 to %d", r.MaxRows, maxRosterRows)
	}
	if r.MaxCells < 100 || r.MaxCells > maxRosterCells {
		e.add(p+"max_cells", "%d is not a number of cells from 100 to %d", r.MaxCells, maxRosterCells)
	}
	if r.MaxMergedRanges < 1 || r.MaxMergedRanges > maxRosterMergedRanges {
		e.add(p+"max_merged_ranges", "%d is not a number of merged ranges from 1 to %d", r.MaxMergedRanges, maxRosterMergedRanges)
	}
	if r.Timeout < Duration(100*time.Millisecond) || r.Timeout > Duration(maxRosterImportTime) {
		e.add(p+"timeout", "%s is not a time from 100ms to %s", r.Timeout, Duration(maxRosterImportTime))
	}
	if r.Workers < 1 || r.Workers > maxRosterWorkers {
		e.add(p+"workers", "%d is not a number of files checked at once from 1 to %d", r.Workers, maxRosterWorkers)
	}
}

// Size is a number of bytes written as "10MB", "512KB" or a plain number
// of bytes in YAML; KB, MB and GB are 1,024-based, as the bot shows them.
type Size int64

var sizeUnits = []struct {
	suffix string
	n      int64
}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}

// UnmarshalYAML accepts "10MB", "10 MB", "512KB", "1GB" or a number of
// bytes.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a size (e.g. 10MB, 512KB), got %s", describe(n))
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSize parses a size such as "10MB" (1,024-based units) or "1048576".
func ParseSize(text string) (Size, error) {
	t := strings.ToUpper(strings.TrimSpace(text))
	mult := int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (e.g. 10MB, 512KB)", text)
	}
	return Size(n * mult), nil
}

// MarshalYAML writes s as String does.
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

// String formats s in the largest unit that divides it: "10MB", "1500B".
func (s Size) String() string {
	for _, u := range sizeUnits {
		if s != 0 && int64(s)%u.n == 0 {
			return fmt.Sprintf("%d%s", int64(s)/u.n, u.suffix)
		}
	}
	return "0B"
}
