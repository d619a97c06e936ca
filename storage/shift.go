package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// Shift kinds that stand by rather than run every day: extreme-weather
// shifts are only active while extreme-weather duty mode is on.
const ShiftExtreme = "extreme"

// Shift is one stored duty shift of the roster (值班表).
type Shift struct {
	ID     string    `json:"id"` // local start, e.g. "20261001-0800", with "b", "c"… for parallel shifts
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Leader string    `json:"leader"` // 带班领导
	Staff  []string  `json:"staff"`  // 值班人员
	Place  string    `json:"place,omitempty"`
	Phone  string    `json:"phone,omitempty"`
	Kind   string    `json:"kind"` // daily, holiday, important, flood, extreme
	Note   string    `json:"note,omitempty"`
	// Source says where the shift came from: "import:<file>" or "swap:<id>".
	Source     string    `json:"source,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
}

// People returns the leader and the staff of a shift.
func (s Shift) People() []string { return append([]string{s.Leader}, s.Staff...) }

// Has reports whether an official leads or staffs the shift.
func (s Shift) Has(official string) bool {
	return s.Leader == official || slices.Contains(s.Staff, official)
}

// Standby reports whether a shift only runs in extreme-weather duty mode.
func (s Shift) Standby() bool { return s.Kind == ShiftExtreme }

func shiftKey(start time.Time, id string) []byte {
	b := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(b, uint64(start.UnixNano()))
	return append(b, id...)
}

// ShiftID returns an unused id for a shift starting at start: the local
// start time, with a letter added when another shift starts then too.
func (t *Tx) ShiftID(start time.Time, loc *time.Location) string {
	base := start.In(loc).Format("20060102-1504")
	ids := t.tx.Bucket(bShiftIDs)
	if ids.Get([]byte(base)) == nil {
		return base
	}
	for c := 'b'; c <= 'z'; c++ {
		id := base + string(c)
		if ids.Get([]byte(id)) == nil {
			return id
		}
	}
	return fmt.Sprintf("%s-%d", base, t.tx.Bucket(bShiftIDs).KeyN())
}

// PutShift stores a shift; an existing shift with its id is replaced.
func (t *Tx) PutShift(s Shift) error {
	if err := t.DeleteShift(s.ID); err != nil && err != ErrNotFound {
		return err
	}
	key := shiftKey(s.Start, s.ID)
	if err := t.put(bShifts, key, s); err != nil {
		return err
	}
	return t.tx.Bucket(bShiftIDs).Put([]byte(s.ID), key)
}

// DeleteShift removes a shift by id.
func (t *Tx) DeleteShift(id string) error {
	ids := t.tx.Bucket(bShiftIDs)
	key := ids.Get([]byte(id))
	if key == nil {
		return ErrNotFound
	}
	key = bytes.Clone(key)
	if err := ids.Delete([]byte(id)); err != nil {
		return err
	}
	return t.tx.Bucket(bShifts).Delete(key)
}

// Shift loads a shift by id.
func (t *Tx) Shift(id string) (Shift, error) {
	key := t.tx.Bucket(bShiftIDs).Get([]byte(id))
	if key == nil {
		return Shift{}, ErrNotFound
	}
	var s Shift
	err := t.get(bShifts, key, &s)
	return s, err
}

// maxShiftLength bounds how long a shift may be, so ShiftsOverlapping
// need not scan from the beginning of time.
const maxShiftLength = 72 * time.Hour

// ShiftsOverlapping returns the shifts that overlap [from, to), by start.
func (t *Tx) ShiftsOverlapping(from, to time.Time) ([]Shift, error) {
	var out []Shift
	c := t.tx.Bucket(bShifts).Cursor()
	min := u64(uint64(from.Add(-maxShiftLength).UnixNano()))
	for k, v := c.Seek(min); k != nil; k, v = c.Next() {
		start := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		if !start.Before(to) {
			break
		}
		var s Shift
		if err := decode(v, &s); err != nil {
			return nil, fmt.Errorf("decode shift %s: %w", k[8:], err)
		}
		if s.End.After(from) {
			out = append(out, s)
		}
	}
	return out, nil
}

// ShiftCount returns how many shifts are stored.
func (t *Tx) ShiftCount() int { return count(t.tx.Bucket(bShiftIDs)) }

// MaxShiftLength is the longest shift storage accepts.
func MaxShiftLength() time.Duration { return maxShiftLength }

// ShiftsStarting returns the shifts whose start lies in [from, to), by start.
func (t *Tx) ShiftsStarting(from, to time.Time) ([]Shift, error) {
	var out []Shift
	c := t.tx.Bucket(bShifts).Cursor()
	for k, v := c.Seek(u64(uint64(from.UnixNano()))); k != nil; k, v = c.Next() {
		if time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).Compare(to) >= 0 {
			break
		}
		var s Shift
		if err := decode(v, &s); err != nil {
			return nil, fmt.Errorf("decode shift %s: %w", k[8:], err)
		}
		out = append(out, s)
	}
	return out, nil
}

// ShiftState is what the shift cycle did for a shift. It is kept apart from
// the shift, by id, so that importing the same roster again keeps the
// history (check-in, handover notes) of the slot.
type ShiftState struct {
	ID string `json:"id"`
	// Deadlines are the cycle's pending deadlines, so that a changed or
	// deleted shift can take them back.
	Deadlines []Deadline `json:"deadlines,omitempty"`
	// Checkin is the id of the 到岗签到 叫应 raised at the start.
	Checkin   string    `json:"checkin,omitempty"`
	StartedAt time.Time `json:"started_at,omitempty"`
	EndedAt   time.Time `json:"ended_at,omitempty"`
	// Handover holds the 交接班 notes written at the end.
	Handover []HandoverNote `json:"handover,omitempty"`
}

// HandoverNote is one 交接班 note of a shift.
type HandoverNote struct {
	Official string    `json:"official"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	// To lists the shifts (ids) the note was forwarded to.
	To []string `json:"to,omitempty"`
}

// Keys of shift_state that are not shift ids start with a NUL byte, which
// no shift id contains.
const (
	markPrefix = "\x00mark\x00"
)

// ShiftState loads the state of a shift; a shift the cycle has not touched
// yet has an empty state and no error.
func (t *Tx) ShiftState(id string) (ShiftState, error) {
	var st ShiftState
	err := t.get(bShiftState, []byte(id), &st)
	if err == ErrNotFound {
		return ShiftState{ID: id}, nil
	}
	return st, err
}

// PutShiftState stores the state of a shift.
func (t *Tx) PutShiftState(st ShiftState) error {
	if st.ID == "" || st.ID[0] == 0 {
		return fmt.Errorf("put shift state: bad shift id %q", st.ID)
	}
	return t.put(bShiftState, []byte(st.ID), st)
}

// Mark records that something happened once (an announcement per warning);
// it reports whether this call was the first.
func (t *Tx) Mark(key string, at time.Time) (bool, error) {
	b := t.tx.Bucket(bShiftState)
	k := []byte(markPrefix + key)
	if b.Get(k) != nil {
		return false, nil
	}
	return true, b.Put(k, u64(uint64(at.UnixNano())))
}

// Event types of the roster and the shift cycle.
const (
	EvRosterImported = "roster_imported" // a roster file replaced shifts
	EvShiftReminded  = "shift_reminded"  // a person was reminded of their shift
	EvShiftStarted   = "shift_started"   // the check-in 叫应 went out
	EvCheckedIn      = "checked_in"      // 到岗签到
	EvShiftEnded     = "shift_ended"
	EvHandoverAsked  = "handover_asked"
	EvHandover       = "handover"  // a 交接班 note was written and forwarded
	EvSpotcheck      = "spotcheck" // 查岗 sent
	EvSpotAnswered   = "spotcheck_answered"
	EvAbsent         = "absent"    // 脱岗: silent at a spot check's first escalation
	EvDutyMode       = "duty_mode" // extreme-weather duty mode on or off
	EvSwapRequested  = "swap_requested"
	EvSwapAccepted   = "swap_accepted"
	EvSwapDeclined   = "swap_declined"
	EvSwapApproved   = "swap_approved"
	EvSwapRejected   = "swap_rejected"
	EvSwapExpired    = "swap_expired"
)
