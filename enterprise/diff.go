package enterprise

import (
	"time"
)

// Changes is what a new registry changes in the one it replaces.
type Changes struct {
	Added   int // enterprises whose 信用代码 the old registry did not hold
	Changed int // held before, with another name, plaque, head, unit or any other field
	Removed int // held before, left out of the new one
}

// Diff compares a registry with the one replacing it, by 信用代码; where
// and when a record was imported (its row, file and time) is no change.
func Diff(old, next []Enterprise) Changes {
	before := make(map[string]Enterprise, len(old))
	for _, e := range old {
		before[e.Code] = sansImport(e)
	}
	var d Changes
	seen := make(map[string]bool, len(next))
	for _, e := range next {
		seen[e.Code] = true
		prev, ok := before[e.Code]
		switch {
		case !ok:
			d.Added++
		case prev != sansImport(e):
			d.Changed++
		}
	}
	for code := range before {
		if !seen[code] {
			d.Removed++
		}
	}
	return d
}

// sansImport is a record without where and when it was imported.
func sansImport(e Enterprise) Enterprise {
	e.Row, e.Source, e.ImportedAt = 0, "", time.Time{}
	return e
}
