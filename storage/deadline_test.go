package storage

import (
	"fmt"
	"testing"
	"time"
)

func deadlinesEqual(a, b []Deadline) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].At.Equal(b[i].At) || a[i].Key != b[i].Key || a[i].Payload != b[i].Payload {
			return false
		}
	}
	return true
}

func deadlineKeys(ds []Deadline) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Key)
	}
	return out
}

func TestDueDeadlines(t *testing.T) {
	// Written out of order on purpose.
	all := []Deadline{
		{At: t0.Add(time.Hour), Key: "f", Payload: "pf"},
		{At: t0, Key: "d", Payload: "pd"},
		{At: t0.Add(-2 * time.Hour), Key: "a", Payload: "pa"},
		{At: t0.Add(time.Nanosecond), Key: "e", Payload: "pe"},
		{At: t0, Key: "c", Payload: "pc"},
		{At: t0.Add(-time.Hour), Key: "b", Payload: `{"json":true}`},
		{At: t0.Add(-time.Hour - time.Nanosecond), Key: "zz", Payload: ""},
	}
	byKey := map[string]Deadline{}
	for _, d := range all {
		byKey[d.Key] = d
	}
	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []string
	}{
		{"at now, inclusive, same instant both kept", t0, 100, []string{"a", "zz", "b", "c", "d"}},
		{"limit cuts the earliest first", t0, 2, []string{"a", "zz"}},
		{"limit inside a same-instant pair", t0, 4, []string{"a", "zz", "b", "c"}},
		{"limit 1", t0.Add(24 * time.Hour), 1, []string{"a"}},
		{"limit 0", t0, 0, []string{}},
		{"nanosecond later includes e", t0.Add(time.Nanosecond), 100, []string{"a", "zz", "b", "c", "d", "e"}},
		{"nanosecond before excludes c and d", t0.Add(-time.Nanosecond), 100, []string{"a", "zz", "b"}},
		{"between a and zz", t0.Add(-90 * time.Minute), 100, []string{"a"}},
		{"before everything", t0.Add(-3 * time.Hour), 100, []string{}},
		{"after everything", t0.Add(24 * time.Hour), 100, []string{"a", "zz", "b", "c", "d", "e", "f"}},
		{"now in another zone is the same instant", t0.In(time.FixedZone("UTC+8", 8*3600)), 100, []string{"a", "zz", "b", "c", "d"}},
	}
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, d := range all {
			if err := tx.PutDeadline(d); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustView(t, db, func(tx *Tx) error {
				got := tx.DueDeadlines(tc.now, tc.limit)
				want := make([]Deadline, 0, len(tc.want))
				for _, k := range tc.want {
					want = append(want, byKey[k])
				}
				if !deadlinesEqual(got, want) {
					t.Errorf("DueDeadlines(%v, %d) = %q %+v, want %q", tc.now, tc.limit, deadlineKeys(got), got, tc.want)
				}
				for _, d := range got {
					if d.At.After(tc.now) {
						t.Errorf("deadline %s at %v is after now %v", d.Key, d.At, tc.now)
					}
				}
				return nil
			})
		})
	}
}

func TestPutDeadlineSameInstant(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, d := range []Deadline{
			{At: t0, Key: "step:1:li", Payload: "p1"},
			{At: t0, Key: "step:1:ivanov", Payload: "p2"},
			{At: t0, Key: "step:1:li", Payload: "p3"}, // same instant and key: replaces
			{At: t0.Add(time.Second), Key: "step:1:li", Payload: "p4"},
		} {
			if err := tx.PutDeadline(d); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if n := tx.DeadlineCount(); n != 3 {
			t.Errorf("DeadlineCount = %d, want 3", n)
		}
		got := tx.DueDeadlines(t0.Add(time.Hour), 10)
		want := []Deadline{
			{At: t0, Key: "step:1:ivanov", Payload: "p2"},
			{At: t0, Key: "step:1:li", Payload: "p3"},
			{At: t0.Add(time.Second), Key: "step:1:li", Payload: "p4"},
		}
		if !deadlinesEqual(got, want) {
			t.Errorf("DueDeadlines = %+v, want %+v", got, want)
		}
		return nil
	})
}

func TestDeleteDeadline(t *testing.T) {
	base := []Deadline{
		{At: t0, Key: "a", Payload: "1"},
		{At: t0, Key: "b", Payload: "2"},
		{At: t0.Add(time.Minute), Key: "a", Payload: "3"},
	}
	tests := []struct {
		name     string
		del      Deadline
		wantKeys []string // remaining, in order, as "key@minutes"
	}{
		{"first of a same-instant pair", Deadline{At: t0, Key: "a"}, []string{"b@0", "a@1"}},
		{"second of a same-instant pair", Deadline{At: t0, Key: "b"}, []string{"a@0", "a@1"}},
		{"same key other instant", Deadline{At: t0.Add(time.Minute), Key: "a"}, []string{"a@0", "b@0"}},
		{"payload is not part of the identity", Deadline{At: t0, Key: "a", Payload: "other"}, []string{"b@0", "a@1"}},
		{"equal instant in another zone", Deadline{At: t0.In(time.FixedZone("X", -5*3600)), Key: "b"}, []string{"a@0", "a@1"}},
		{"wrong instant deletes nothing", Deadline{At: t0.Add(time.Nanosecond), Key: "a"}, []string{"a@0", "b@0", "a@1"}},
		{"unknown key deletes nothing", Deadline{At: t0, Key: "c"}, []string{"a@0", "b@0", "a@1"}},
		{"key prefix deletes nothing", Deadline{At: t0, Key: ""}, []string{"a@0", "b@0", "a@1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			mustUpdate(t, db, func(tx *Tx) error {
				for _, d := range base {
					if err := tx.PutDeadline(d); err != nil {
						return err
					}
				}
				return nil
			})
			mustUpdate(t, db, func(tx *Tx) error { return tx.DeleteDeadline(tc.del) })
			mustView(t, db, func(tx *Tx) error {
				var got []string
				for _, d := range tx.DueDeadlines(t0.Add(time.Hour), 10) {
					got = append(got, fmt.Sprintf("%s@%d", d.Key, int(d.At.Sub(t0)/time.Minute)))
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.wantKeys) {
					t.Errorf("remaining = %q, want %q", got, tc.wantKeys)
				}
				if n := tx.DeadlineCount(); n != len(tc.wantKeys) {
					t.Errorf("DeadlineCount = %d, want %d", n, len(tc.wantKeys))
				}
				return nil
			})
		})
	}
}

func TestDueDeadlinesRoundTripDeletes(t *testing.T) {
	// What the scheduler does: read due deadlines, delete exactly those.
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for i := range 10 {
			d := Deadline{At: t0.Add(time.Duration(i)*time.Second + 123456789), Key: fmt.Sprint("k", i)}
			if err := tx.PutDeadline(d); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		for _, d := range tx.DueDeadlines(t0.Add(5*time.Second), 100) {
			if err := tx.DeleteDeadline(d); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if n := tx.DeadlineCount(); n != 5 {
			t.Errorf("DeadlineCount after deleting the due ones = %d, want 5", n)
		}
		next, ok := tx.NextDeadline()
		if want := t0.Add(5*time.Second + 123456789); !ok || !next.Equal(want) {
			t.Errorf("NextDeadline = %v, %v; want %v", next, ok, want)
		}
		return nil
	})
}

func TestNextDeadline(t *testing.T) {
	tests := []struct {
		name   string
		put    []time.Time
		delete []time.Time // deleted afterwards (key "k")
		want   time.Time
		wantOK bool
	}{
		{name: "empty", wantOK: false},
		{name: "one", put: []time.Time{t0}, want: t0, wantOK: true},
		{name: "earliest of several", put: []time.Time{t0.Add(time.Hour), t0.Add(time.Nanosecond), t0.Add(time.Minute)}, want: t0.Add(time.Nanosecond), wantOK: true},
		{name: "after deleting the earliest", put: []time.Time{t0, t0.Add(time.Minute)}, delete: []time.Time{t0}, want: t0.Add(time.Minute), wantOK: true},
		{name: "after deleting all", put: []time.Time{t0}, delete: []time.Time{t0}, wantOK: false},
		{name: "far future", put: []time.Time{time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}, want: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), wantOK: true},
		{name: "epoch", put: []time.Time{time.Unix(0, 0), t0}, want: time.Unix(0, 0), wantOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			mustUpdate(t, db, func(tx *Tx) error {
				for _, at := range tc.put {
					if err := tx.PutDeadline(Deadline{At: at, Key: "k"}); err != nil {
						return err
					}
				}
				return nil
			})
			mustUpdate(t, db, func(tx *Tx) error {
				for _, at := range tc.delete {
					if err := tx.DeleteDeadline(Deadline{At: at, Key: "k"}); err != nil {
						return err
					}
				}
				return nil
			})
			mustView(t, db, func(tx *Tx) error {
				got, ok := tx.NextDeadline()
				if ok != tc.wantOK || (ok && !got.Equal(tc.want)) || (!ok && !got.IsZero()) {
					t.Errorf("NextDeadline = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
				}
				if n := tx.DeadlineCount(); n != len(tc.put)-len(tc.delete) {
					t.Errorf("DeadlineCount = %d, want %d", n, len(tc.put)-len(tc.delete))
				}
				return nil
			})
		})
	}
}

func TestDeadlineCount(t *testing.T) {
	for _, n := range []int{0, 1, 2, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := openTemp(t)
			mustUpdate(t, db, func(tx *Tx) error {
				for i := range n {
					if err := tx.PutDeadline(Deadline{At: t0.Add(time.Duration(i%7) * time.Second), Key: fmt.Sprint(i)}); err != nil {
						return err
					}
				}
				return nil
			})
			mustView(t, db, func(tx *Tx) error {
				if got := tx.DeadlineCount(); got != n {
					t.Errorf("DeadlineCount = %d, want %d", got, n)
				}
				if got := len(tx.DueDeadlines(t0.Add(time.Minute), n+10)); got != n {
					t.Errorf("DueDeadlines returned %d, want %d", got, n)
				}
				return nil
			})
		})
	}
}

func TestDeadlineCountInsideUpdate(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for i := range 2 {
			if err := tx.PutDeadline(Deadline{At: t0, Key: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		if n := tx.DeadlineCount(); n != 2 {
			t.Errorf("DeadlineCount inside the putting Update = %d, want 2", n)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.DeleteDeadline(Deadline{At: t0, Key: "0"}); err != nil {
			return err
		}
		if n := tx.DeadlineCount(); n != 1 {
			t.Errorf("DeadlineCount inside the deleting Update = %d, want 1", n)
		}
		return nil
	})
}
