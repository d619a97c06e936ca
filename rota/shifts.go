package rota

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"dutybot/storage"
)

// The roster's buckets; their names and key layouts are the on-disk schema
// of existing databases.
const (
	shiftsBucket   = "shifts"      // start (unix nanos, 8 bytes BE) + shift id -> Shift
	shiftIDsBucket = "shift_ids"   // shift id -> key in shifts
	stateBucket    = "shift_state" // shift id -> ShiftState; marks under markPrefix
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

// MaxShiftLength is the longest shift the roster keeps, so that
// ShiftsOverlapping need not scan from the beginning of time.
const MaxShiftLength = 72 * time.Hour

func nanos(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

func shiftKey(start time.Time, id string) []byte { return append(nanos(start), id...) }

// keyStart is the start a shifts key begins with.
func keyStart(k []byte) time.Time { return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))) }

// errStop ends a scan early; it never leaves the scanning function.
var errStop = errors.New("stop scan")

// ShiftID returns an unused id for a shift starting at start: the local
// start time, with a letter added when another shift starts then too.
func ShiftID(tx *storage.Tx, start time.Time, loc *time.Location) string {
	base := start.In(loc).Format("20060102-1504")
	ids := tx.Records(shiftIDsBucket)
	if !ids.Has([]byte(base)) {
		return base
	}
	for c := 'b'; c <= 'z'; c++ {
		id := base + string(c)
		if !ids.Has([]byte(id)) {
			return id
		}
	}
	return fmt.Sprintf("%s-%d", base, ids.Len())
}

// PutShift stores a shift; an existing shift with its id is replaced.
func PutShift(tx *storage.Tx, s Shift) error {
	if err := DeleteShift(tx, s.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	key := shiftKey(s.Start, s.ID)
	if err := tx.Records(shiftsBucket).Put(key, s); err != nil {
		return fmt.Errorf("put shift %s: %w", s.ID, err)
	}
	if err := tx.Records(shiftIDsBucket).PutRaw([]byte(s.ID), key); err != nil {
		return fmt.Errorf("index shift %s: %w", s.ID, err)
	}
	return nil
}

// DeleteShift removes a shift by id; ErrNotFound when there is none.
func DeleteShift(tx *storage.Tx, id string) error {
	ids := tx.Records(shiftIDsBucket)
	key := ids.GetRaw([]byte(id))
	if key == nil {
		return storage.ErrNotFound
	}
	key = bytes.Clone(key)
	if err := ids.Delete([]byte(id)); err != nil {
		return fmt.Errorf("delete shift %s: %w", id, err)
	}
	if err := tx.Records(shiftsBucket).Delete(key); err != nil {
		return fmt.Errorf("delete shift %s: %w", id, err)
	}
	return nil
}

// LoadShift loads a shift by id.
func LoadShift(tx *storage.Tx, id string) (Shift, error) {
	key := tx.Records(shiftIDsBucket).GetRaw([]byte(id))
	if key == nil {
		return Shift{}, storage.ErrNotFound
	}
	var s Shift
	err := tx.Records(shiftsBucket).Get(key, &s)
	return s, err
}

// ShiftsOverlapping returns the shifts that overlap [from, to), by start.
func ShiftsOverlapping(tx *storage.Tx, from, to time.Time) ([]Shift, error) {
	var out []Shift
	err := tx.Records(shiftsBucket).Scan(nil, nanos(from.Add(-MaxShiftLength)), func(k, v []byte) error {
		if !keyStart(k).Before(to) {
			return errStop
		}
		var s Shift
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode shift %s: %w", k[8:], err)
		}
		if s.End.After(from) {
			out = append(out, s)
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	return out, nil
}

// ShiftsStarting returns the shifts whose start lies in [from, to), by start.
func ShiftsStarting(tx *storage.Tx, from, to time.Time) ([]Shift, error) {
	var out []Shift
	err := tx.Records(shiftsBucket).Scan(nil, nanos(from), func(k, v []byte) error {
		if keyStart(k).Compare(to) >= 0 {
			return errStop
		}
		var s Shift
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode shift %s: %w", k[8:], err)
		}
		out = append(out, s)
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	return out, nil
}

// ShiftCount returns how many shifts are stored.
func ShiftCount(tx *storage.Tx) int { return tx.Records(shiftIDsBucket).Len() }

// ShiftState is what the shift cycle did for a shift. It is kept apart from
// the shift, by id, so that importing the same roster again keeps the
// history (check-in, handover notes) of the slot.
type ShiftState struct {
	ID string `json:"id"`
	// Deadlines are the cycle's pending deadlines, so that a changed or
	// deleted shift can take them back.
	Deadlines []storage.Deadline `json:"deadlines,omitempty"`
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
const markPrefix = "\x00mark\x00"

// LoadShiftState loads the state of a shift; a shift the cycle has not
// touched yet has an empty state and no error.
func LoadShiftState(tx *storage.Tx, id string) (ShiftState, error) {
	var st ShiftState
	err := tx.Records(stateBucket).Get([]byte(id), &st)
	if errors.Is(err, storage.ErrNotFound) {
		return ShiftState{ID: id}, nil
	}
	return st, err
}

// PutShiftState stores the state of a shift.
func PutShiftState(tx *storage.Tx, st ShiftState) error {
	if st.ID == "" || st.ID[0] == 0 {
		return fmt.Errorf("put shift state: bad shift id %q", st.ID)
	}
	if err := tx.Records(stateBucket).Put([]byte(st.ID), st); err != nil {
		return fmt.Errorf("put shift state %s: %w", st.ID, err)
	}
	return nil
}

// mark records that something happened once (an announcement per
// warning); it reports whether this call was the first.
func mark(tx *storage.Tx, key string, at time.Time) (bool, error) {
	recs := tx.Records(stateBucket)
	k := []byte(markPrefix + key)
	if recs.Has(k) {
		return false, nil
	}
	if err := recs.PutRaw(k, nanos(at)); err != nil {
		return false, fmt.Errorf("mark %s: %w", key, err)
	}
	return true, nil
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
