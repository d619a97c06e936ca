package directory

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong in a 通讯录, placed by row and column so the
// office can find it in the sheet.
type Problem struct {
	Row    int    // 1-based row (CSV: line) as in Entry.Row; 0: the file as a whole
	Column Column // the column; "" for the row as a whole
	Msg    string // what is wrong, e.g. "empty"
}

// String returns the problem as "row 17 (手机号): empty".
func (p Problem) String() string {
	switch {
	case p.Row == 0:
		return p.Msg
	case p.Column == "":
		return fmt.Sprintf("row %d: %s", p.Row, p.Msg)
	}
	return fmt.Sprintf("row %d (%s): %s", p.Row, p.Column, p.Msg)
}

// MaxListed is how many problems a FileError's message lists; the rest
// are counted. The message goes to a log or a terminal, where a hundred
// thousand lines help nobody, and the first fifty show what is wrong.
const MaxListed = 50

// FileError is a 通讯录 that cannot be used, with every problem found, so
// that all of them are fixed in one go. The caller that checks the values
// (phones, roles, duplicates) reports its problems in a FileError too, so
// that an operator sees one list in one shape.
type FileError struct {
	Name     string    // the file as given to Read
	Problems []Problem // in the order found: by row, as a rule
}

// Error lists the problems, up to MaxListed, e.g.
// "通讯录.xlsx row 17 (手机号): empty".
func (e *FileError) Error() string {
	switch len(e.Problems) {
	case 0:
		return e.Name + ": invalid"
	case 1:
		p := e.Problems[0]
		if p.Row == 0 {
			return e.Name + ": " + p.Msg
		}
		return e.Name + " " + p.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", e.Name, len(e.Problems))
	for i, p := range e.Problems {
		if i == MaxListed {
			fmt.Fprintf(&b, "\n\tand %d more", len(e.Problems)-MaxListed)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// maxQuoted bounds a value from the file quoted in a message: a cell can
// hold 32,767 characters.
const maxQuoted = 40

// quote returns a value from the file for a message: cut short, quoted as
// Go quotes, so that control characters show.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted-1]) + "…"
	}
	return strconv.Quote(s)
}
