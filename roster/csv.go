package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"dutybot/config"
)

// ParseCSV reads a roster from a CSV file with the same columns as a
// workbook (see the package documentation). The file may be UTF-8, with or
// without a byte order mark, UTF-16 with a byte order mark, or GB18030 (GBK),
// as Excel and WPS save CSV on Chinese Windows. The separator is a comma,
// or a tab or semicolon if the first lines use those instead. An empty
// 日期 cell means the date of the row above. Row numbers count every line
// as Excel shows the file. If any row is bad it returns no shifts and an
// Errors listing every problem.
func ParseCSV(r io.Reader, cfg *config.Config) ([]Shift, error) {
	if cfg == nil {
		return nil, errors.New("roster: nil configuration")
	}
	b, cancel := newBudget(cfg)
	defer cancel()
	data, err := b.readAll(r)
	if err != nil {
		return nil, err
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	rows, err := readCSV(b, text)
	if err != nil {
		return nil, err
	}
	l, err := findLayout(rows)
	if err != nil {
		return nil, err
	}
	recs, err := l.records(b, rows, nil)
	if err != nil {
		return nil, err
	}
	return build(b, recs, cfg, options{notes: true})
}

// decodeText returns data as UTF-8 text.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("decode UTF-16 text: %w", err)
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("text is neither UTF-8 nor GB18030: %w", err)
	}
	return string(out), nil
}

// readCSV splits text into rows, indexed by row number - 1 as Excel would
// show them: blank lines are empty rows and a quoted cell spanning lines
// is one row. Empty cells at the end of a line are dropped, and a line of
// empty cells is an empty row, as Excel writes the formatted but empty
// rows of a sheet; rows and cells count against MaxRows and MaxCells up
// to the last value.
func readCSV(b *budget, text string) ([][]string, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = separator(text)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var (
		rows  [][]string
		extra int // lines taken by cells spanning several lines so far
		cells int
	)
	for {
		if err := b.tick(); err != nil {
			return nil, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row := line - extra // 1-based
		for _, f := range rec {
			extra += strings.Count(f, "\n")
		}
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		if len(rec) == 0 {
			continue
		}
		if row > b.MaxRows {
			return nil, &LimitError{Key: LimitRows, Max: int64(b.MaxRows), Seen: int64(row)}
		}
		if cells += len(rec); cells > b.MaxCells {
			return nil, &LimitError{Key: LimitCells, Max: int64(b.MaxCells), Seen: int64(cells)}
		}
		for len(rows) < row-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// separator guesses the field separator from the first lines of text.
func separator(text string) rune {
	lines := strings.SplitN(text, "\n", headerRows+2)
	head := strings.Join(lines[:min(len(lines), headerRows+1)], "\n")
	best, n := ',', strings.Count(head, ",")
	for _, c := range []rune{'\t', ';'} {
		if k := strings.Count(head, string(c)); k > n {
			best, n = c, k
		}
	}
	return best
}
