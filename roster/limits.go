package roster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"dutybot/config"
)

// Keys of roster.import named by a LimitError.
const (
	LimitFileSize     = "max_file_size"
	LimitUnzippedSize = "max_unzipped_size"
	LimitRows         = "max_rows"
	LimitCells        = "max_cells"
	LimitMergedRanges = "max_merged_ranges"
	LimitTimeout      = "timeout"
)

// LimitError is a roster file refused for going over one of the limits of
// roster.import (config.RosterImport). It is returned as soon as the limit
// is passed, before the file is read through, so a hostile file costs
// little; the sender is told which limit, to fix the file.
type LimitError struct {
	Key  string // the key under roster.import: LimitRows, LimitCells …
	Max  int64  // the limit: bytes, rows, cells or ranges; for LimitTimeout a time.Duration
	Seen int64  // how much the file holds, at least (it was not read through); 0 if not known
}

// Error says which limit the file went over, naming the configuration key.
func (e *LimitError) Error() string {
	seen := ""
	if e.Seen > 0 {
		seen = fmt.Sprintf(" (at least %d)", e.Seen)
	}
	what := ""
	switch e.Key {
	case LimitFileSize:
		what = fmt.Sprintf("the file is larger than %s", config.Size(e.Max))
		seen = ""
	case LimitUnzippedSize:
		what = fmt.Sprintf("the workbook unpacks to more than %s", config.Size(e.Max))
		seen = ""
	case LimitRows:
		what = fmt.Sprintf("the roster has more than %d rows", e.Max)
	case LimitCells:
		what = fmt.Sprintf("the roster has more than %d cells", e.Max)
	case LimitMergedRanges:
		what = fmt.Sprintf("the sheet has more than %d merged ranges", e.Max)
	case LimitTimeout:
		what = fmt.Sprintf("reading the roster took longer than %s", time.Duration(e.Max))
	default:
		what = fmt.Sprintf("the roster is over the limit of %d", e.Max)
	}
	return what + seen + "; limit roster.import." + e.Key
}

// Limits returns the roster file limits of cfg, the defaults standing in
// for any left zero (a configuration not made by config.Parse).
func Limits(cfg *config.Config) config.RosterImport {
	l, d := cfg.Roster.Import, config.DefaultRosterImport()
	l.MaxFileSize = cmp.Or(max(l.MaxFileSize, 0), d.MaxFileSize)
	l.MaxUnzippedSize = cmp.Or(max(l.MaxUnzippedSize, 0), d.MaxUnzippedSize)
	l.MaxRows = cmp.Or(max(l.MaxRows, 0), d.MaxRows)
	l.MaxCells = cmp.Or(max(l.MaxCells, 0), d.MaxCells)
	l.MaxMergedRanges = cmp.Or(max(l.MaxMergedRanges, 0), d.MaxMergedRanges)
	l.Timeout = cmp.Or(max(l.Timeout, 0), d.Timeout)
	l.Workers = cmp.Or(max(l.Workers, 0), d.Workers)
	return l
}

// budget is what one parse may spend: the limits and a deadline.
type budget struct {
	config.RosterImport
	ctx   context.Context
	ticks int
}

// newBudget starts the parse's clock; cancel releases it.
func newBudget(cfg *config.Config) (b *budget, cancel context.CancelFunc) {
	l := Limits(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), l.Timeout.D())
	return &budget{RosterImport: l, ctx: ctx}, cancel
}

// tick is called once per unit of work (an XML token, a row); every so
// often it checks the deadline.
func (b *budget) tick() error {
	b.ticks++
	if b.ticks%1024 != 0 {
		return nil
	}
	return b.check()
}

// check reports a LimitError once the deadline has passed.
func (b *budget) check() error {
	if err := b.ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &LimitError{Key: LimitTimeout, Max: int64(b.Timeout.D())}
		}
		return err
	}
	return nil
}

// readAll reads a roster file from r, refusing one over MaxFileSize.
func (b *budget) readAll(r io.Reader) ([]byte, error) {
	max := int64(b.MaxFileSize)
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	if int64(len(data)) > max {
		return nil, &LimitError{Key: LimitFileSize, Max: max}
	}
	return data, nil
}

// maxQuoted bounds a value quoted in a problem: a cell can hold 32,767
// characters, and the answer listing the problems must stay short.
const maxQuoted = 40

// clip cuts s to n characters, marking a cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}
