package workcal

import (
	"fmt"
	"slices"
	"strings"
)

// confirmedThrough is the last year of the built-in table checked against
// the State Council's notice: 2026 was compared with 国务院办公厅关于2026年
// 部分节假日安排的通知 of 2025-11-04 (off 1/1–3, 2/15–23, 4/4–6, 5/1–5,
// 6/19–21, 9/25–27, 10/1–7; make-up 1/4, 2/14, 2/28, 5/9, 9/20, 10/10).
// lunar-go's 2027, added by its author in 2026-11, could not be checked
// against an official notice and stays unconfirmed until a file replaces it.
const confirmedThrough = 2026

// Origin tells where a year's holiday data come from.
type Origin string

// Origins of a year's data.
const (
	OriginNone    Origin = "none"    // no holiday data: only the Monday-to-Friday rule
	OriginBuiltin Origin = "builtin" // lunar-go's built-in table, perhaps with some dates overridden by the file
	OriginFile    Origin = "file"    // the calendar file: a whole year, or per-date overrides of a year the table lacks
)

// YearSource says where one year's holiday data come from, so that an
// operator can tell a schedule checked against the State Council's notice
// from one that is not.
type YearSource struct {
	Year   int
	Origin Origin
	// Detail says it in a few words, e.g. "State Council notice, built-in"
	// or "lunar-go table, unconfirmed, 2 dates overridden by holidays.json".
	Detail string
	// Confirmed reports whether the data are taken as the State Council's
	// schedule: built-in years checked against its notice, and years the
	// file supplies. Built-in years after confirmedThrough are not, even
	// with some dates overridden: only a whole year replaces them.
	Confirmed bool
	// Overridden counts the dates of the year decided by the file's
	// per-date overrides.
	Overridden int
}

// String returns "YEAR: DETAIL".
func (s YearSource) String() string { return fmt.Sprintf("%d: %s", s.Year, s.Detail) }

// Source tells where the holiday data of year come from.
func (c *Calendar) Source(year int) YearSource {
	if s, ok := c.sources[year]; ok {
		return s
	}
	return YearSource{Year: year, Origin: OriginNone, Detail: "no data"}
}

// Sources returns the Source of every year from from to to, inclusive.
func (c *Calendar) Sources(from, to int) []YearSource {
	var out []YearSource
	for y := from; y <= to; y++ {
		out = append(out, c.Source(y))
	}
	return out
}

// FileYears returns, in order, the years the calendar file supplies, as
// whole years or by overriding some of their dates.
func (c *Calendar) FileYears() []int {
	var out []int
	for y, s := range c.sources {
		if s.Origin == OriginFile || s.Overridden > 0 {
			out = append(out, y)
		}
	}
	slices.Sort(out)
	return out
}

// yearSources describes the years with data: those in builtinYears (the
// years with an off day in the built-in table), f's whole years, and the
// years of f's overrides, counted in overridden.
func yearSources(f File, builtinYears map[int]bool, overridden map[int]int) map[int]YearSource {
	name := f.Name
	if name == "" {
		name = "the calendar file"
	}
	out := make(map[int]YearSource, len(builtinYears)+len(f.Years)+len(overridden))
	for y := range builtinYears {
		s := YearSource{Year: y, Origin: OriginBuiltin, Detail: "State Council notice, built-in", Confirmed: true}
		if y > confirmedThrough {
			s.Detail, s.Confirmed = "lunar-go table, unconfirmed", false
		}
		out[y] = s
	}
	for y, n := range overridden {
		s, ok := out[y]
		if !ok {
			out[y] = YearSource{Year: y, Origin: OriginFile, Detail: fmt.Sprintf("%s from %s", dates(n), name),
				Confirmed: true, Overridden: n}
			continue
		}
		s.Detail += fmt.Sprintf(", %s overridden by %s", dates(n), name)
		s.Overridden = n
		out[y] = s
	}
	for _, y := range f.Years {
		detail := "from " + name
		switch {
		case y.Source != "":
			detail += ", " + y.Source
		case len(y.Papers) > 0:
			detail += ", " + strings.Join(y.Papers, ", ")
		}
		out[y.Year] = YearSource{Year: y.Year, Origin: OriginFile, Detail: detail, Confirmed: true}
	}
	return out
}

// dates returns "1 date" or "N dates".
func dates(n int) string {
	if n == 1 {
		return "1 date"
	}
	return fmt.Sprintf("%d dates", n)
}
