package rota

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"dutybot/storage"
)

func at(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, cst) }

func openAt(t *testing.T, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openTemp(t *testing.T) *storage.DB {
	return openAt(t, filepath.Join(t.TempDir(), "dutybot.db"))
}

func mustUpdate(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func mustView(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

func shiftIDs(list []Shift) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

func TestShiftIDsAndRoundTrip(t *testing.T) {
	db := openTemp(t)
	var ids []string
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for i := 0; i < 3; i++ { // three parallel shifts starting together
			id := ShiftID(tx, at(1, 8), cst)
			ids = append(ids, id)
			if err := PutShift(tx, Shift{ID: id, Start: at(1, 8), End: at(2, 8), Leader: "o-liu", Staff: []string{"o-zhang"}, Kind: "daily"}); err != nil {
				return err
			}
		}
		return nil
	})
	if want := []string{"20261201-0800", "20261201-0800b", "20261201-0800c"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids = %q, want %q", ids, want)
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		sh, err := LoadShift(tx, "20261201-0800b")
		if err != nil {
			return err
		}
		if !sh.Start.Equal(at(1, 8)) || sh.Leader != "o-liu" || !sh.Has("o-zhang") || sh.Has("o-li") {
			t.Errorf("shift = %+v", sh)
		}
		// Replacing keeps one record per id.
		sh.Staff = []string{"o-li"}
		if err := PutShift(tx, sh); err != nil {
			return err
		}
		if n := ShiftCount(tx); n != 3 {
			t.Errorf("count after replace = %d, want 3", n)
		}
		if err := DeleteShift(tx, "20261201-0800"); err != nil {
			return err
		}
		if err := DeleteShift(tx, "20261201-0800"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("second delete: %v, want storage.ErrNotFound", err)
		}
		if _, err := LoadShift(tx, "20261201-0800"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("deleted shift: %v", err)
		}
		// The freed id is handed out again.
		if id := ShiftID(tx, at(1, 8), cst); id != "20261201-0800" {
			t.Errorf("id after delete = %q", id)
		}
		got, err := LoadShift(tx, "20261201-0800b")
		if err != nil || !slices.Equal(got.Staff, []string{"o-li"}) {
			t.Errorf("replaced shift = %+v, %v", got, err)
		}
		return nil
	})
}

func TestShiftsOverlappingAndStarting(t *testing.T) {
	db := openTemp(t)
	shifts := []Shift{
		{ID: "a", Start: at(1, 8), End: at(2, 8)},
		{ID: "b", Start: at(2, 8), End: at(3, 8)},
		{ID: "c", Start: at(2, 8), End: at(2, 17)},
		{ID: "long", Start: at(3, 8), End: at(3, 8).Add(MaxShiftLength)},
		{ID: "d", Start: at(9, 8), End: at(10, 8)},
	}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, s := range shifts {
			if err := PutShift(tx, s); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name     string
		from, to time.Time
		overlap  []string
		starting []string
	}{
		{"an instant inside a", at(1, 9), at(1, 9).Add(time.Nanosecond), []string{"a"}, nil},
		{"the instant a ends and b starts", at(2, 8), at(2, 8).Add(time.Nanosecond), []string{"b", "c"}, []string{"b", "c"}},
		{"end is exclusive", at(1, 0), at(1, 8), nil, nil},
		{"a long shift found from far inside", at(5, 12), at(5, 13), []string{"long"}, nil},
		{"a week", at(1, 0), at(8, 0), []string{"a", "b", "c", "long"}, []string{"a", "b", "c", "long"}},
		{"nothing", at(20, 0), at(21, 0), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustView(t, db, func(tx *storage.Tx) error {
				got, err := ShiftsOverlapping(tx, tc.from, tc.to)
				if err != nil {
					return err
				}
				if ids := shiftIDs(got); !slices.Equal(ids, tc.overlap) {
					t.Errorf("overlapping = %q, want %q", ids, tc.overlap)
				}
				got, err = ShiftsStarting(tx, tc.from, tc.to)
				if err != nil {
					return err
				}
				if ids := shiftIDs(got); !slices.Equal(ids, tc.starting) {
					t.Errorf("starting = %q, want %q", ids, tc.starting)
				}
				return nil
			})
		})
	}
}

func TestShiftStateSurvivesReplaceAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db := openAt(t, path)
	want := ShiftState{ID: "20261201-0800",
		Deadlines: []storage.Deadline{{At: at(1, 8), Key: "s:start:20261201-0800", Payload: "1"}},
		Checkin:   "20261201-0001", StartedAt: at(1, 8),
		Handover: []HandoverNote{{Official: "o-zhang", At: at(2, 8), Text: "平安无事", To: []string{"20261202-0800"}}}}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		st, err := LoadShiftState(tx, want.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(st, ShiftState{ID: want.ID}) {
			t.Errorf("untouched state = %+v, want empty", st)
		}
		if err := PutShift(tx, Shift{ID: want.ID, Start: at(1, 8), End: at(2, 8)}); err != nil {
			return err
		}
		if err := PutShiftState(tx, want); err != nil {
			return err
		}
		// The same slot imported again keeps its history.
		if err := DeleteShift(tx, want.ID); err != nil {
			return err
		}
		return PutShift(tx, Shift{ID: want.ID, Start: at(1, 8), End: at(2, 8)})
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path)
	mustView(t, db, func(tx *storage.Tx) error {
		got, err := LoadShiftState(tx, want.ID)
		if err != nil {
			return err
		}
		for i := range got.Deadlines {
			got.Deadlines[i].At = got.Deadlines[i].At.In(cst)
		}
		got.StartedAt = got.StartedAt.In(cst)
		got.Handover[0].At = got.Handover[0].At.In(cst)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("state after reopen = %+v\nwant %+v", got, want)
		}
		return nil
	})
	if err := db.Update(func(tx *storage.Tx) error { return PutShiftState(tx, ShiftState{ID: "\x00x"}) }); err == nil {
		t.Error("a state with a reserved id was stored")
	}
}

func TestMarks(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for i, want := range []bool{true, false, false} {
			first, err := mark(tx, "duty_mode:w1", at(1, 9))
			if err != nil {
				return err
			}
			if first != want {
				t.Errorf("mark %d: first = %v, want %v", i, first, want)
			}
		}
		if first, _ := mark(tx, "duty_mode:w2", at(1, 9)); !first {
			t.Error("another key's first mark was not first")
		}
		return nil
	})
}

func TestSwaps(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		var ids []string
		for i := 0; i < 3; i++ {
			id, err := NextSwapID(tx)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if !slices.Equal(ids, []string{"1", "2", "3"}) {
			t.Errorf("swap ids = %q", ids)
		}
		swaps := []Swap{
			{ID: "1", Shift: "s1", Requester: "o-zhang", Colleague: "o-li", State: SwapRequested},
			{ID: "2", Shift: "s1", Requester: "o-li", Colleague: "o-wu", State: SwapDeclined},
			{ID: "3", Shift: "s2", Requester: "o-zhang", Colleague: "o-wu", State: SwapAccepted, Approvers: []string{"o-liu"}},
		}
		for _, s := range swaps {
			if err := PutSwap(tx, s); err != nil {
				return err
			}
		}
		if err := PutSwap(tx, Swap{}); err == nil {
			t.Error("a swap without id was stored")
		}
		got, err := LoadSwap(tx, "3")
		if err != nil || !reflect.DeepEqual(got, swaps[2]) {
			t.Errorf("swap 3 = %+v, %v", got, err)
		}
		if _, err := LoadSwap(tx, "9"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("unknown swap: %v", err)
		}
		for _, tc := range []struct {
			shift string
			want  []string
		}{{"", []string{"1", "3"}}, {"s1", []string{"1"}}, {"s2", []string{"3"}}, {"s3", nil}} {
			open, err := OpenSwaps(tx, tc.shift)
			if err != nil {
				return err
			}
			var ids []string
			for _, s := range open {
				ids = append(ids, s.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("open swaps of %q = %q, want %q", tc.shift, ids, tc.want)
			}
		}
		return nil
	})
}

// Databases written before the roster owned its records keep them: the
// bucket names and key layouts below are what those versions wrote.
func TestReadsRecordsInTheStoredLayout(t *testing.T) {
	db := openTemp(t)
	start := at(1, 8)
	key := binary.BigEndian.AppendUint64(nil, uint64(start.UnixNano()))
	key = append(key, "20261201-0800"...)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		shift := `{"id":"20261201-0800","start":"2026-12-01T08:00:00+08:00","end":"2026-12-02T08:00:00+08:00",` +
			`"leader":"o-liu","staff":["o-zhang"],"kind":"daily","imported_at":"0001-01-01T00:00:00Z"}`
		for _, r := range []struct {
			bucket   string
			key, val []byte
		}{
			{"shifts", key, []byte(shift)},
			{"shift_ids", []byte("20261201-0800"), key},
			{"shift_state", []byte("20261201-0800"), []byte(`{"id":"20261201-0800","checkin":"20261201-0001"}`)},
			{"shift_state", []byte("\x00mark\x00duty_mode:w1"), binary.BigEndian.AppendUint64(nil, 1)},
			{"swaps", []byte("7"), []byte(`{"id":"7","shift":"20261201-0800","requester":"o-zhang","colleague":"o-li","approvers":null,"state":"requested"}`)},
		} {
			if err := tx.Records(r.bucket).PutRaw(r.key, r.val); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		sh, err := LoadShift(tx, "20261201-0800")
		if err != nil || sh.Leader != "o-liu" || !sh.Start.Equal(start) {
			t.Errorf("shift = %+v, %v", sh, err)
		}
		if got, err := ShiftsOverlapping(tx, at(1, 12), at(1, 13)); err != nil || len(got) != 1 {
			t.Errorf("overlapping = %+v, %v", got, err)
		}
		if st, err := LoadShiftState(tx, "20261201-0800"); err != nil || st.Checkin != "20261201-0001" {
			t.Errorf("state = %+v, %v", st, err)
		}
		if first, err := mark(tx, "duty_mode:w1", at(1, 9)); err != nil || first {
			t.Errorf("an old mark: first = %v, %v", first, err)
		}
		if open, err := OpenSwaps(tx, "20261201-0800"); err != nil || len(open) != 1 || open[0].ID != "7" {
			t.Errorf("open swaps = %+v, %v", open, err)
		}
		// Replacing the shift drops the old key.
		sh.Start, sh.End = at(1, 9), at(2, 9)
		if err := PutShift(tx, sh); err != nil {
			return err
		}
		if tx.Records("shifts").Has(key) || ShiftCount(tx) != 1 {
			t.Errorf("old key kept: %v, count %d", tx.Records("shifts").Has(key), ShiftCount(tx))
		}
		return nil
	})
}

// A database the roster never wrote to has none of its buckets: reads in
// a read-only transaction find nothing rather than failing.
func TestReadsOfANewDatabase(t *testing.T) {
	db := openTemp(t)
	mustView(t, db, func(tx *storage.Tx) error {
		if id := ShiftID(tx, at(1, 8), cst); id != "20261201-0800" {
			t.Errorf("id = %q", id)
		}
		if _, err := LoadShift(tx, "20261201-0800"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("shift: %v", err)
		}
		if got, err := ShiftsOverlapping(tx, at(1, 0), at(9, 0)); err != nil || got != nil {
			t.Errorf("overlapping = %v, %v", got, err)
		}
		if got, err := ShiftsStarting(tx, at(1, 0), at(9, 0)); err != nil || got != nil {
			t.Errorf("starting = %v, %v", got, err)
		}
		if st, err := LoadShiftState(tx, "x"); err != nil || st.ID != "x" {
			t.Errorf("state = %+v, %v", st, err)
		}
		if got, err := OpenSwaps(tx, ""); err != nil || got != nil {
			t.Errorf("open swaps = %v, %v", got, err)
		}
		if n := ShiftCount(tx); n != 0 {
			t.Errorf("count = %d", n)
		}
		if _, err := mark(tx, "k", at(1, 8)); !errors.Is(err, storage.ErrReadOnly) {
			t.Errorf("mark in a read-only transaction: %v", err)
		}
		return nil
	})
}
