package directory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is a file format of a 通讯录.
type Format string

// The formats Read and Write handle.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// ErrUnsupportedFormat is a file in a format Read cannot read, such as an
// old .xls workbook; the message says what to save it as instead.
var ErrUnsupportedFormat = errors.New("unsupported file format")

// Magic numbers: a zip (an .xlsx workbook), and OLE compound files (old
// .xls and WPS .et workbooks, and password-protected .xlsx alike).
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// FormatOf returns the format a file name's extension calls for, so that
// `dutybot directory export 通讯录.csv` writes CSV.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return XLSX, nil
	case ".csv", ".txt":
		return CSV, nil
	}
	return "", fmt.Errorf("%s: %w: name it .xlsx or .csv", name, ErrUnsupportedFormat)
}

// Read reads the entries of a 通讯录 from data, the content of the file
// name: a workbook if it is a zip (whatever its name says, since files
// get renamed), an error for an old .xls, otherwise CSV. name is used in
// messages. It returns every entry or none: see FileError and LimitError.
func Read(name string, data []byte, lim Limits) ([]Entry, error) {
	lim = lim.orDefault()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, fmt.Errorf("%s: %w", name, &LimitError{Key: LimitFileSize, Max: lim.MaxFileSize, Seen: int64(len(data))})
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return readXLSX(name, data, lim)
	case bytes.HasPrefix(data, oleMagic):
		return nil, fmt.Errorf("%s: %w: an old .xls/.et workbook or a password-protected one; save it as .xlsx (Excel workbook, no password) or CSV", name, ErrUnsupportedFormat)
	case ext == ".xlsx" || ext == ".xlsm":
		return nil, fmt.Errorf("%s: %w: not an .xlsx workbook", name, ErrUnsupportedFormat)
	case ext == ".xls" || ext == ".et" || ext == ".ods" || ext == ".numbers":
		return nil, fmt.Errorf("%s: %w: save it as .xlsx (Excel workbook) or CSV", name, ErrUnsupportedFormat)
	}
	return readCSV(name, data, lim)
}

// ReadFile reads the 通讯录 at path as Read does, refusing a file over
// MaxFileSize before reading it.
func ReadFile(path string, lim Limits) ([]Entry, error) {
	lim = lim.orDefault()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read directory: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > lim.MaxFileSize {
		return nil, fmt.Errorf("%s: %w", path, &LimitError{Key: LimitFileSize, Max: lim.MaxFileSize, Seen: fi.Size()})
	}
	data, err := io.ReadAll(io.LimitReader(f, lim.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read directory %s: %w", path, err)
	}
	return Read(path, data, lim)
}

// named puts the file's name before an error; a FileError names the file
// already.
func named(name string, err error) error {
	if _, ok := err.(*FileError); ok {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
