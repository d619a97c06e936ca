package roster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"dutybot/config"
)

// The streaming workbook reader, the limits of roster.import and the way
// officials are named in a cell are shared with the other registers that
// towns keep as spreadsheets (the 挂牌企业台账 of package enterprise): one
// reader to harden, one way to write a person.

// ReadSheet reads the first sheet of an .xlsx workbook from r, bounded by
// the limits of roster.import, with the value of each merged range copied
// down its first column (a 属地 merged over the rows of its enterprises).
// rows[i][j] is row i+1, column j+1, as Excel numbers them; a file over a
// limit is refused with a LimitError.
func ReadSheet(r io.Reader, cfg *config.Config) (name string, rows [][]string, err error) {
	if cfg == nil {
		return "", nil, errors.New("roster: nil configuration")
	}
	b, cancel := newBudget(cfg)
	defer cancel()
	data, err := b.readAll(r)
	if err != nil {
		return "", nil, err
	}
	if bytes.HasPrefix(data, oleMagic) {
		return "", nil, fmt.Errorf("%w: this is an old-style .xls/.et workbook or a password-protected one; save it as .xlsx (Excel workbook, no password) and send that", ErrUnsupportedFormat)
	}
	s, err := readWorkbook(b, data)
	if err != nil {
		return "", nil, err
	}
	rows, _, err = fillMerged(b, s.rows, s.merges)
	if err != nil {
		return "", nil, fmt.Errorf("sheet %q: %w", s.name, err)
	}
	return s.name, rows, nil
}

// ReadYAML reads a YAML document from r, without a byte-order mark,
// refusing one over roster.import.max_file_size, or with more nodes than
// max_cells (yaml.v3 builds the whole tree first), with a LimitError.
func ReadYAML(r io.Reader, cfg *config.Config) (string, error) {
	b, cancel := newBudget(cfg)
	defer cancel()
	data, err := b.readAll(r)
	if err != nil {
		return "", err
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	if n := yamlNodes(text); n > b.MaxCells {
		return "", &LimitError{Key: LimitCells, Max: int64(b.MaxCells), Seen: int64(n)}
	}
	return text, nil
}

// People finds officials named in a cell as a roster names them: by id,
// name or phone, "name（id）" or "name 13800000001" picking out one of two
// officials sharing a name.
type People struct{ d *directory }

// NewPeople returns the officials of cfg to look up.
func NewPeople(cfg *config.Config) *People { return &People{d: newDirectory(cfg)} }

// One returns the official a cell names; a cell naming nobody known, more
// than one person, or a name two officials share is a *Problem.
func (p *People) One(cell string) (string, error) {
	ids, errs := p.d.resolve(cell)
	switch {
	case len(errs) > 0:
		return "", errs[0]
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) == 0:
		return "", problem("RosterProblemUnknownOfficial", "Value", quoted(cell))
	}
	return "", problem("SheetProblemOnePerson", "Value", quoted(cell))
}

// Label returns how a workbook writes an official: the name, or
// "name（id）" when another official has the same name; ok is false for an
// id the configuration does not have.
func (p *People) Label(id string) (string, bool) { return p.d.label(id) }

// Quoted is a value from a file for a problem's message: cut short, with
// control characters escaped.
func Quoted(s string) string { return quoted(s) }

// NewProblem returns the Problem of message id with data given as key,
// value pairs, for the registers that share the roster's ways.
// Its messages are the caller's to define (locales/enterprise.*.yaml), so
// it is not counted among this package's problems.
func NewProblem(id string, kv ...any) *Problem {
	p := &Problem{ID: id, Data: make(map[string]any, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Data[kv[i].(string)] = kv[i+1]
	}
	return p
}
