package directory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The text decoding follows roster/csv.go (decodeText, separator): the
// same files come from the same offices. It is repeated here, streaming,
// rather than shared, as the roster's works on the whole text at once and
// this package imports no other of dutybot's.

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readCSV reads a 通讯录 from CSV data, streaming: the text is decoded
// and split into records as the table takes them.
func readCSV(name string, data []byte, lim Limits) ([]Entry, error) {
	br := bufio.NewReaderSize(decoder(data), 64<<10)
	head, _ := br.Peek(8 << 10) // the first lines, for the separator; short at the end of the file
	cr := csv.NewReader(br)
	cr.Comma = separator(head)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	t := newTable(name, lim)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: read CSV: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if err := t.add(line, rec); err != nil {
			return nil, named(name, err)
		}
	}
	return t.result()
}

// decoder returns data as UTF-8 text: without a UTF-8 byte order mark,
// decoded from UTF-16 if it has a UTF-16 one, and from GB18030 (of which
// GBK is a part) if it is not valid UTF-8.
func decoder(data []byte) io.Reader {
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		return bytes.NewReader(data[len(utf8BOM):])
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return transform.NewReader(bytes.NewReader(data), unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case utf8.Valid(data):
		return bytes.NewReader(data)
	}
	return transform.NewReader(bytes.NewReader(data), simplifiedchinese.GB18030.NewDecoder())
}

// separator guesses the field separator from the first lines of text: a
// comma, or a tab or semicolon if they are more common, as some tools
// save "CSV" with those.
func separator(head []byte) rune {
	lines := bytes.SplitN(head, []byte("\n"), headerRows+2)
	h := bytes.Join(lines[:min(len(lines), headerRows+1)], []byte("\n"))
	best, n := ',', bytes.Count(h, []byte(","))
	for _, c := range []rune{'\t', ';'} {
		if k := bytes.Count(h, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

// writeCSV writes rows as CSV that Excel opens as it is: UTF-8 with a byte
// order mark (without one Excel on Chinese Windows reads GBK) and CRLF
// line ends.
func writeCSV(w io.Writer, header []string, rows func(yield func([]string) bool)) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	var err error
	rows(func(r []string) bool {
		err = cw.Write(r)
		return err == nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
