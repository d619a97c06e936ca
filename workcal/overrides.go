package workcal

import (
	"errors"
	"fmt"
	"time"
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
	ErrOutsideYear   = errors.New("date outside the year")
)

// An OverrideError describes a bad entry in a list of overrides or in the
// days of a whole year.
type OverrideError struct {
	Index int    // index of the entry in the list, from 0
	Date  string // the entry's date as given, "" if unknown
	Err   error  // what is wrong, e.g. ErrInvalidDate
}

// Error returns a message naming the entry's index and date.
func (e *OverrideError) Error() string { return e.describe("override") }

// describe is Error with noun naming the entry: "override", or "day" for
// one of a whole year's days.
func (e *OverrideError) describe(noun string) string {
	if e.Date == "" {
		return fmt.Sprintf("%s %d: %v", noun, e.Index, e.Err)
	}
	return fmt.Sprintf("%s %d (date %q): %v", noun, e.Index, e.Date, e.Err)
}

// Unwrap returns e.Err.
func (e *OverrideError) Unwrap() error { return e.Err }

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

// checkOverrides validates overrides and returns their dates. A year other
// than 0 requires every date to fall in that year.
func checkOverrides(overrides []Override, year int) ([]civil, error) {
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
		if year != 0 && d.year() != year {
			return nil, &OverrideError{Index: i, Date: o.Date, Err: ErrOutsideYear}
		}
		if j, dup := first[d]; dup {
			return nil, &OverrideError{Index: i, Date: o.Date,
				Err: fmt.Errorf("%w, also at index %d", ErrDuplicateDate, j)}
		}
		first[d] = i
		dates[i] = d
	}
	return dates, nil
}
