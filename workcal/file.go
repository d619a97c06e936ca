package workcal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// A File is what a calendar file supplies: either per-date overrides on top
// of the built-in table, or whole years that replace it, never both.
type File struct {
	// Name names the file in the calendar's Source details, e.g. its path.
	Name string
	// Overrides each decide one date; the built-in table decides the rest
	// of their year.
	Overrides []Override
	// Years each replace the built-in table for their year.
	Years []Year
}

// A Year is one year's whole schedule, as the State Council announced it.
// It replaces the built-in table for that year: only its days are off days
// or make-up working days, and every other date of the year follows the
// Monday-to-Friday rule. Its fields follow a holiday-cn YYYY.json file.
type Year struct {
	Year   int        // the year, e.g. 2027
	Source string     // the notice, e.g. "国务院办公厅关于2027年部分节假日安排的通知"; may be empty
	Papers []string   // where the notice was published, as in holiday-cn; may be empty
	Days   []Override // the year's off days and make-up working days, all in Year
}

// Errors reported, wrapped in a *YearError or alone, for a bad calendar file.
var (
	ErrMissingYear   = errors.New("missing year")
	ErrInvalidYear   = errors.New("invalid year")
	ErrDuplicateYear = errors.New("duplicate year")
	ErrMixedForms    = errors.New("per-date overrides and whole years mixed")
)

// A YearError describes a bad whole-year entry of a calendar file.
type YearError struct {
	Index int   // index of the entry in the "years" list, from 0; -1 for a file holding one year at its top level
	Year  int   // the entry's year, 0 if unknown
	Err   error // what is wrong, e.g. ErrDuplicateYear, or an *OverrideError about one of its days
}

// Error returns a message naming the entry's index and year, and for a bad
// day the day's index and date.
func (e *YearError) Error() string {
	where := "year"
	if e.Index >= 0 {
		where = fmt.Sprintf("years[%d]", e.Index)
	}
	if e.Year != 0 {
		if e.Index >= 0 {
			where += fmt.Sprintf(" (%d)", e.Year)
		} else {
			where += fmt.Sprintf(" %d", e.Year)
		}
	}
	if oe, ok := e.Err.(*OverrideError); ok {
		return where + ": " + oe.describe("day")
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

// Unwrap returns e.Err.
func (e *YearError) Unwrap() error { return e.Err }

// ParseFile parses a calendar file, given as JSON or as the same structure
// in YAML, in one of three shapes. Per-date overrides, each replacing the
// built-in table for its date:
//
//	{"days": [{"name": "国庆节", "date": "2028-10-01", "isOffDay": true}, …]}
//
// One whole year, as in holiday-cn's YYYY.json, replacing the built-in
// table for that year ("source" and "papers" are optional):
//
//	{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
//	 "papers": ["…"], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, …]}
//
// Several whole years:
//
//	{"years": [{"year": 2027, "source": "…", "days": […]}, {"year": 2028, …}]}
//
// A top-level "years" beside "days" or "year" is an error, as is a year
// given twice or a day outside its year. Each day needs "date" (a valid
// YYYY-MM-DD date, not repeated) and "isOffDay". Other keys, such as
// holiday-cn's "$schema", are ignored. An error about one day wraps an
// *OverrideError naming its index; one about a whole year wraps a
// *YearError naming the year. The result's Name is empty.
func ParseFile(data []byte) (File, error) {
	f, err := parseFile(data)
	if err == nil {
		_, err = checkFile(f)
	}
	if err != nil {
		return File{}, fmt.Errorf("workcal: parse calendar file: %w", err)
	}
	return f, nil
}

// checked holds the dates of a valid File's entries.
type checked struct {
	overrides []civil   // dates of File.Overrides
	years     [][]civil // dates of each File.Years[i].Days
}

// checkFile validates f and returns the dates of its entries.
func checkFile(f File) (checked, error) {
	var out checked
	if len(f.Overrides) > 0 && len(f.Years) > 0 {
		return out, fmt.Errorf("%w: a file holds either per-date overrides or whole years", ErrMixedForms)
	}
	var err error
	if out.overrides, err = checkOverrides(f.Overrides, 0); err != nil {
		return out, err
	}
	first := make(map[int]int, len(f.Years))
	for i, y := range f.Years {
		if y.Year <= 0 {
			return out, &YearError{Index: i, Year: y.Year, Err: ErrInvalidYear}
		}
		if j, dup := first[y.Year]; dup {
			return out, &YearError{Index: i, Year: y.Year, Err: fmt.Errorf("%w, also at years[%d]", ErrDuplicateYear, j)}
		}
		first[y.Year] = i
		dates, err := checkOverrides(y.Days, y.Year)
		if err != nil {
			return out, &YearError{Index: i, Year: y.Year, Err: err}
		}
		out.years = append(out.years, dates)
	}
	return out, nil
}

func parseFile(data []byte) (File, error) {
	top, err := parseTop(data)
	if err != nil {
		return File{}, err
	}
	days, year, years := top["days"], top["year"], top["years"]
	switch {
	case years != nil && (days != nil || year != nil):
		with := `"days"`
		if year != nil {
			with = `"year"`
		}
		return File{}, fmt.Errorf(`top-level "years" and %s: %w; give either a "days" list of per-date overrides, `+
			`or whole years (one "year" with its "days", or a "years" list)`, with, ErrMixedForms)
	case years != nil:
		list, err := years.list()
		if err != nil {
			return File{}, fmt.Errorf(`"years": %w`, err)
		}
		f := File{Years: make([]Year, 0, len(list))}
		for i, n := range list {
			fields, err := n.fields()
			if err != nil {
				return File{}, &YearError{Index: i, Err: err}
			}
			y, err := parseYear(fields, i)
			if err != nil {
				return File{}, err
			}
			f.Years = append(f.Years, y)
		}
		return f, nil
	case year != nil:
		y, err := parseYear(top, -1)
		if err != nil {
			return File{}, err
		}
		return File{Years: []Year{y}}, nil
	case days != nil:
		overrides, err := parseDays(days)
		if err != nil {
			return File{}, err
		}
		return File{Overrides: overrides}, nil
	}
	return File{}, errors.New(`no "days", "year" or "years"`)
}

// parseYear reads one whole year from fields; index is as in YearError.
func parseYear(fields map[string]node, index int) (Year, error) {
	var y Year
	n := fields["year"]
	if n == nil {
		return y, &YearError{Index: index, Err: ErrMissingYear}
	}
	if err := n.decode(&y.Year); err != nil {
		return y, &YearError{Index: index, Err: fmt.Errorf("%w: %v", ErrInvalidYear, err)}
	}
	fail := func(err error) (Year, error) { return y, &YearError{Index: index, Year: y.Year, Err: err} }
	if y.Year <= 0 {
		return fail(ErrInvalidYear)
	}
	if n := fields["source"]; n != nil {
		if err := n.decode(&y.Source); err != nil {
			return fail(fmt.Errorf(`"source": %w`, err))
		}
	}
	if n := fields["papers"]; n != nil {
		if err := n.decode(&y.Papers); err != nil {
			return fail(fmt.Errorf(`"papers": %w`, err))
		}
	}
	days := fields["days"]
	if days == nil {
		return fail(errors.New(`no "days" list`))
	}
	var err error
	if y.Days, err = parseDays(days); err != nil {
		return fail(err)
	}
	// Checked here, not only by checkFile, so that the error for a file
	// holding one year says so.
	if _, err := checkOverrides(y.Days, y.Year); err != nil {
		return fail(err)
	}
	return y, nil
}

// parseDays reads a list of day entries.
func parseDays(n node) ([]Override, error) {
	list, err := n.list()
	if err != nil {
		return nil, fmt.Errorf(`"days": %w`, err)
	}
	out := make([]Override, 0, len(list))
	for i, el := range list {
		var r rawOverride
		if err := el.decode(&r); err != nil {
			return nil, &OverrideError{Index: i, Err: err}
		}
		o, err := r.override(i)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// parseTop returns the top-level keys of a calendar file with their values
// not yet decoded, leaving out null values.
func parseTop(data []byte) (map[string]node, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		jsonErr := json.Unmarshal(trimmed, new(json.RawMessage))
		if jsonErr == nil {
			top, err := jsonNode(trimmed).fields()
			if err != nil {
				return nil, fmt.Errorf("invalid JSON: %w", err)
			}
			return top, nil
		}
		// YAML flow style may also start with '{'; if it is not YAML
		// either, report the JSON error, since it looked like JSON.
		if top, err := yamlTop(data); err == nil {
			return top, nil
		}
		return nil, fmt.Errorf("invalid JSON: %w", jsonErr)
	}
	return yamlTop(data)
}

func yamlTop(data []byte) (map[string]node, error) {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	return yamlFields(doc), nil
}

// A node is a value of a calendar file not yet decoded, from JSON or YAML,
// so that one reader serves both and errors can name the entry they are
// about.
type node interface {
	decode(v any) error
	list() ([]node, error)
	fields() (map[string]node, error)
}

type jsonNode json.RawMessage

func (n jsonNode) decode(v any) error { return json.Unmarshal(n, v) }

func (n jsonNode) list() ([]node, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(n, &raw); err != nil {
		return nil, err
	}
	out := make([]node, len(raw))
	for i, r := range raw {
		out[i] = jsonNode(r)
	}
	return out, nil
}

func (n jsonNode) fields() (map[string]node, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(n, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]node, len(raw))
	for k, r := range raw {
		if string(bytes.TrimSpace(r)) != "null" {
			out[k] = jsonNode(r)
		}
	}
	return out, nil
}

type yamlNode struct{ n *yaml.Node }

func (n yamlNode) decode(v any) error { return n.n.Decode(v) }

func (n yamlNode) list() ([]node, error) {
	var raw []yaml.Node
	if err := n.n.Decode(&raw); err != nil {
		return nil, err
	}
	out := make([]node, len(raw))
	for i := range raw {
		out[i] = yamlNode{&raw[i]}
	}
	return out, nil
}

func (n yamlNode) fields() (map[string]node, error) {
	var raw map[string]yaml.Node
	if err := n.n.Decode(&raw); err != nil {
		return nil, err
	}
	return yamlFields(raw), nil
}

func yamlFields(raw map[string]yaml.Node) map[string]node {
	out := make(map[string]node, len(raw))
	for k, r := range raw {
		if r.ShortTag() != "!!null" {
			out[k] = yamlNode{&r}
		}
	}
	return out
}
