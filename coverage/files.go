package coverage

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/roster"
	"dutybot/rota"
)

// Formats of roster files, by FileFormat.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
	FormatYAML = "yaml"
	// FormatOld is an old binary workbook (.xls, WPS .et) that cannot be
	// read: the sender is asked for .xlsx or CSV instead.
	FormatOld = "old"
)

// FileFormat tells how a roster file is read from its name's extension, as
// roster.ParseFile does; "" for a file that is no roster.
func FileFormat(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".xlsx", ".xlsm":
		return FormatXLSX
	case ".csv":
		return FormatCSV
	case ".yaml", ".yml":
		return FormatYAML
	case ".xls", ".et", ".ett", ".xlt":
		return FormatOld
	}
	return ""
}

// Parse reads the content of a roster file named name, choosing the format
// by its extension like roster.ParseFile. It is all or nothing: bad rows
// come back as roster.Errors, a file over a limit of roster.import as a
// *roster.LimitError.
func Parse(name string, data []byte, cfg *config.Config) ([]roster.Shift, error) {
	r := bytes.NewReader(data)
	switch FileFormat(name) {
	case FormatXLSX:
		return roster.ParseXLSX(r, cfg)
	case FormatCSV:
		return roster.ParseCSV(r, cfg)
	case FormatYAML:
		return roster.ParseYAML(r, cfg)
	case FormatOld:
		return nil, fmt.Errorf("%w: %s is an old-style workbook; save it as .xlsx (Excel workbook) or CSV (UTF-8) and send that",
			roster.ErrUnsupportedFormat, path.Ext(name))
	}
	return nil, fmt.Errorf("%w: %q; use .xlsx, .csv or .yaml", roster.ErrUnsupportedFormat, path.Ext(name))
}

// Outcome is what importing a roster did, with the gaps it leaves.
type Outcome struct {
	Added    int       // shifts stored
	Replaced int       // stored shifts replaced
	From, To time.Time // span of the imported shifts
	// Gaps are the gaps, from now on, of the special periods overlapping
	// the imported span.
	Gaps []Gap
}

// Import stores parsed shifts with rota.Service.Import (all or nothing)
// and finds the gaps left in the special periods they touch.
func (c *Checker) Import(shifts []roster.Shift, actor, source string) (Outcome, error) {
	res, err := c.rota.Import(shifts, actor, source)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Added: res.Added, Replaced: res.Replaced, From: res.From, To: res.To}
	if out.Gaps, err = c.GapsWithin(res.From, res.To); err != nil {
		// The roster is stored; the daily check will report the gaps.
		c.log.Error("coverage: gaps after import", "source", source, "err", err)
	}
	return out, nil
}

// ImportFile parses the content of a roster file named name and imports
// it: nothing is stored unless every row is good.
func (c *Checker) ImportFile(name string, data []byte, actor, source string) (Outcome, error) {
	shifts, err := Parse(name, data, c.cfg)
	if err != nil {
		return Outcome{}, err
	}
	return c.Import(shifts, actor, source)
}

// Shifts returns the stored shifts starting on the dates [from, to] (local
// midnight of from up to midnight after to), by start.
func (c *Checker) Shifts(from, to time.Time) ([]rota.Shift, error) {
	lo, hi := c.days.date(from), c.days.add(c.days.date(to), 1)
	all, err := c.rota.Between(lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	out := all[:0]
	for _, s := range all {
		if !s.Start.Before(lo) {
			out = append(out, s)
		}
	}
	return out, nil
}

// ExportXLSX writes shifts as a workbook that imports back to the same
// shifts (roster.Export).
func (c *Checker) ExportXLSX(shifts []rota.Shift) ([]byte, error) {
	rs := make([]roster.Shift, len(shifts))
	for i, s := range shifts {
		rs[i] = roster.Shift{Start: s.Start, End: s.End, Leader: s.Leader, Staff: s.Staff, Place: s.Place,
			Phone: s.Phone, Kind: s.Kind, Note: s.Note}
	}
	return roster.Export(rs, c.cfg)
}

// Date parses a date such as 2026-10-01 in the configured location.
func (c *Checker) Date(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), c.days.loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date such as 2026-10-01", s)
	}
	return t, nil
}

// Today returns the current date, midnight in the configured location.
func (c *Checker) Today() time.Time { return c.days.date(c.clock.Now()) }
