package config

import "dutybot/directory"

// Directory names the 通讯录 file officials and units come from besides
// the units: and officials: lists: a district's 10,000 to 100,000 people
// live in the office's own spreadsheet, not in YAML. The file is read at
// start and again on SIGHUP or `dutybot directory reload`, all or nothing.
type Directory struct {
	// File is the 通讯录 (.xlsx or .csv), relative to the configuration
	// file's directory; empty: the YAML lists are the whole directory.
	File string `yaml:"file"`
	// Limits bound what reading the file may cost.
	Limits DirectoryLimits `yaml:"limits"`
}

// DirectoryLimits bound the work of reading the 通讯录, so that a damaged
// or hostile spreadsheet is refused quickly, naming the limit, instead of
// holding the bot at start or reload. The keys are those a refusal names.
type DirectoryLimits struct {
	// MaxFileSize bounds the file as stored.
	MaxFileSize Size `yaml:"max_file_size"`
	// MaxUnzippedSize bounds what the read parts of a workbook unpack to.
	MaxUnzippedSize Size `yaml:"max_unzipped_size"`
	// MaxRows bounds the row number of the last row holding a value.
	MaxRows int `yaml:"max_rows"`
	// MaxCells bounds the cells read, all rows together.
	MaxCells int `yaml:"max_cells"`
}

// DefaultDirectoryLimits returns the directory package's defaults: room
// for 100,000 officials with a margin.
func DefaultDirectoryLimits() DirectoryLimits {
	d := directory.DefaultLimits()
	return DirectoryLimits{MaxFileSize: Size(d.MaxFileSize), MaxUnzippedSize: Size(d.MaxUnzippedSize),
		MaxRows: d.MaxRows, MaxCells: d.MaxCells}
}

// Limits returns l as the directory package takes them.
func (l DirectoryLimits) Limits() directory.Limits {
	return directory.Limits{MaxFileSize: int64(l.MaxFileSize), MaxUnzippedSize: int64(l.MaxUnzippedSize),
		MaxRows: l.MaxRows, MaxCells: l.MaxCells}
}

// Upper bounds of the directory limits: beyond them a limit no longer
// protects the bot (Excel's own sheet is 1,048,576 rows).
const (
	maxDirectoryFileSize     = 1 << 30
	maxDirectoryUnzippedSize = 4 << 30
	maxDirectoryRows         = 1 << 20
	maxDirectoryCells        = 1 << 20 * 64
)

func (c *Config) validateDirectory(e *errs) {
	const p = "directory.limits."
	l := c.Directory.Limits
	if l.MaxFileSize < 1<<10 || l.MaxFileSize > maxDirectoryFileSize {
		e.add(p+"max_file_size", "%s is not a size from 1KB to %s", l.MaxFileSize, Size(maxDirectoryFileSize))
	}
	if l.MaxUnzippedSize < l.MaxFileSize || l.MaxUnzippedSize > maxDirectoryUnzippedSize {
		e.add(p+"max_unzipped_size", "%s is not a size from max_file_size (%s) to %s", l.MaxUnzippedSize, l.MaxFileSize, Size(maxDirectoryUnzippedSize))
	}
	if l.MaxRows < 10 || l.MaxRows > maxDirectoryRows {
		e.add(p+"max_rows", "%d is not a number of rows from 10 to %d", l.MaxRows, maxDirectoryRows)
	}
	if l.MaxCells < 100 || l.MaxCells > maxDirectoryCells {
		e.add(p+"max_cells", "%d is not a number of cells from 100 to %d", l.MaxCells, maxDirectoryCells)
	}
}
