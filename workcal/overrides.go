package workcal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Override decides one date, replacing the built-in table. Its fields and
// their JSON and YAML names follow the holiday-cn day entries.
type Override struct {
	Name     string `json:"name" yaml:"name"`         // holiday name, e.g. "国庆节"; for a make-up day the holiday it belongs to
	Date     string `json:"date" yaml:"date"`         // the date, YYYY-MM-DD
	IsOffDay bool   `json:"isOffDay" yaml:"isOffDay"` // true for an off day, false for a working (make-up) day
}

// Errors reported, wrapped in an *OverrideError, for a bad override entry.
var (
	ErrMissingDate   = errors.New("missing date")
	ErrInvalidDate   = errors.New("invalid date, want YYYY-MM-DD")
	ErrDuplicateDate = errors.New("duplicate date")
	ErrMissingOffDay = errors.New("missing isOffDay")
)

// An OverrideError describes a bad entry in a list of overrides.
type OverrideError struct {
	Index int    // index of the entry in the list, from 0
	Date  string // the entry's date as given, "" if unknown
	Err   error  // what is wrong, e.g. ErrInvalidDate
}

// Error returns a message naming the entry's index and date.
func (e *OverrideError) Error() string {
	if e.Date == "" {
		return fmt.Sprintf("override %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("override %d (date %q): %v", e.Index, e.Date, e.Err)
}

// Unwrap returns e.Err.
func (e *OverrideError) Unwrap() error { return e.Err }

// ParseOverrides parses a list of overrides in the holiday-cn shape,
//
//	{"days":[{"name":"国庆节","date":"2028-10-01","isOffDay":true}, …]}
//
// given as JSON, or as the same structure in YAML:
//
//	days:
//	  - name: 国庆节
//	    date: 2028-10-01
//	    isOffDay: true
//
// Other top-level keys, such as holiday-cn's "year" and "papers", are
// ignored. The "days" key is required, as are each entry's "date" and
// "isOffDay"; dates must be valid YYYY-MM-DD dates and must not repeat. An
// error about one entry wraps an *OverrideError naming the entry's index.
func ParseOverrides(data []byte) ([]Override, error) {
	out, err := parseOverrides(data)
	if err != nil {
		return nil, fmt.Errorf("workcal: parse overrides: %w", err)
	}
	if _, err := checkOverrides(out); err != nil {
		return nil, fmt.Errorf("workcal: parse overrides: %w", err)
	}
	return out, nil
}

// rawOverride is one entry as decoded, with pointers to tell missing fields
// from zero values.
type rawOverride struct {
	Name     *string `json:"name" yaml:"name"`
	Date     *string `json:"date" yaml:"date"`
	IsOffDay *bool   `json:"isOffDay" yaml:"isOffDay"`
}

func (r rawOverride) override(i int) (Override, error) {
	var o Override
	if r.Name != nil {
		o.Name = *r.Name
	}
	if r.Date == nil || *r.Date == "" {
		return o, &OverrideError{Index: i, Err: ErrMissingDate}
	}
	o.Date = *r.Date
	if r.IsOffDay == nil {
		return o, &OverrideError{Index: i, Date: o.Date, Err: ErrMissingOffDay}
	}
	o.IsOffDay = *r.IsOffDay
	return o, nil
}

func parseOverrides(data []byte) ([]Override, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		jsonErr := json.Unmarshal(trimmed, new(json.RawMessage))
		if jsonErr == nil {
			return parseJSON(trimmed)
		}
		// YAML flow style may also start with '{'; if it is not YAML
		// either, report the JSON error, since it looked like JSON.
		if out, err := parseYAML(data); err == nil {
			return out, nil
		}
		return nil, fmt.Errorf("invalid JSON: %w", jsonErr)
	}
	return parseYAML(data)
}

// jsonFile and yamlFile are the top level of an overrides file; the entries
// are decoded one by one so that errors can name their index.
type (
	jsonFile struct {
		Days *[]json.RawMessage `json:"days"`
	}
	yamlFile struct {
		Days *[]yaml.Node `yaml:"days"`
	}
)

func parseJSON(data []byte) ([]Override, error) {
	var doc jsonFile
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if doc.Days == nil {
		return nil, errors.New(`no "days" list`)
	}
	out := make([]Override, 0, len(*doc.Days))
	for i, msg := range *doc.Days {
		var r rawOverride
		if err := json.Unmarshal(msg, &r); err != nil {
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

func parseYAML(data []byte) ([]Override, error) {
	var doc yamlFile
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if doc.Days == nil {
		return nil, errors.New(`no "days" list`)
	}
	out := make([]Override, 0, len(*doc.Days))
	for i := range *doc.Days {
		n := &(*doc.Days)[i]
		var r rawOverride
		if err := n.Decode(&r); err != nil {
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

// checkOverrides validates overrides and returns their dates.
func checkOverrides(overrides []Override) ([]civil, error) {
	dates := make([]civil, len(overrides))
	first := make(map[civil]int, len(overrides))
	for i, o := range overrides {
		if o.Date == "" {
			return nil, &OverrideError{Index: i, Err: ErrMissingDate}
		}
		t, err := time.Parse(time.DateOnly, o.Date)
		if err != nil || len(o.Date) != len(time.DateOnly) {
			return nil, &OverrideError{Index: i, Date: o.Date, Err: ErrInvalidDate}
		}
		d := civilOf(t)
		if j, dup := first[d]; dup {
			return nil, &OverrideError{Index: i, Date: o.Date,
				Err: fmt.Errorf("%w, also at index %d", ErrDuplicateDate, j)}
		}
		first[d] = i
		dates[i] = d
	}
	return dates, nil
}
