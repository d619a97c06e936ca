package weather

import (
	"encoding/json"
	"fmt"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// warningsBucket holds the warnings: warning id -> Warning. Its name is
// the on-disk schema of existing databases.
const warningsBucket = "warnings"

// Warning states.
const (
	WarningActive = "active"
	WarningLifted = "lifted"
)

// Event types of weather warnings, duty mode and 熔断.
const (
	EvWarningIssued     = "warning_issued"
	EvWarningLifted     = "warning_lifted"
	EvMeltdownStarted   = "meltdown_started"   // 熔断 checklist sent to the units
	EvMeltdownConfirmed = "meltdown_confirmed" // a unit confirmed an item
	EvMeltdownOverdue   = "meltdown_overdue"   // a unit's items were outstanding at the deadline
	EvMeltdownComplete  = "meltdown_complete"  // every item of a warning confirmed
	EvMeltdownNoOne     = "meltdown_no_one"    // a unit with outstanding items has no one to call
)

// Warning is a weather warning sent with /warn or the API. Its id is the id
// of the 叫应 alert that carried it.
type Warning struct {
	ID    string   `json:"id"`
	Type  string   `json:"type"`  // config.WarningTypes
	Level string   `json:"level"` // blue, yellow, orange, red
	Units []string `json:"units"` // affected units; all when empty
	// Groups are work groups whose expected officials were called in the
	// group (one message, one button) rather than privately.
	Groups   []string  `json:"groups,omitempty"`
	Title    string    `json:"title"`
	Text     string    `json:"text,omitempty"`
	Issuer   string    `json:"issuer,omitempty"` // official id; empty for the API
	Source   string    `json:"source"`           // chat or api
	IssuedAt time.Time `json:"issued_at"`
	State    string    `json:"state"`
	LiftedAt time.Time `json:"lifted_at,omitempty"`
	LiftedBy string    `json:"lifted_by,omitempty"`
	// DutyMode is true while the warning holds extreme-weather duty mode on.
	DutyMode bool `json:"duty_mode,omitempty"`
	// Meltdown is true when the warning triggered 熔断.
	Meltdown bool `json:"meltdown,omitempty"`
	// ConfirmBy is when outstanding 熔断 items are raised as 叫应 alerts to
	// their units; zero without a checklist.
	ConfirmBy time.Time `json:"confirm_by,omitempty"`
	// Overdue is set once ConfirmBy has passed and the outstanding items
	// were raised.
	Overdue bool `json:"overdue,omitempty"`
	// Watchers are the officials shown the live 熔断 board (the issuer, the
	// duty leaders, whoever asked for it with /warn board).
	Watchers []string `json:"watchers,omitempty"`
	// Board is the live 熔断 board message of each official watching it.
	Board []callout.MessageRef `json:"board,omitempty"`
}

// PutWarning stores a warning.
func PutWarning(tx *storage.Tx, w Warning) error {
	if err := tx.Records(warningsBucket).Put([]byte(w.ID), w); err != nil {
		return fmt.Errorf("put warning %s: %w", w.ID, err)
	}
	return nil
}

// LoadWarning loads a warning.
func LoadWarning(tx *storage.Tx, id string) (Warning, error) {
	var w Warning
	err := tx.Records(warningsBucket).Get([]byte(id), &w)
	return w, err
}

// Warnings returns every stored warning, oldest first (ids sort by date).
func Warnings(tx *storage.Tx) ([]Warning, error) {
	var out []Warning
	err := tx.Records(warningsBucket).Scan(nil, nil, func(k, v []byte) error {
		var w Warning
		if err := json.Unmarshal(v, &w); err != nil {
			return fmt.Errorf("decode warning %s: %w", k, err)
		}
		out = append(out, w)
		return nil
	})
	return out, err
}

// ActiveWarnings returns the warnings not yet lifted, oldest first.
func ActiveWarnings(tx *storage.Tx) ([]Warning, error) {
	all, err := Warnings(tx)
	if err != nil {
		return nil, err
	}
	var out []Warning
	for _, w := range all {
		if w.State == WarningActive {
			out = append(out, w)
		}
	}
	return out, nil
}

// DutyModeOn reports whether an active warning holds extreme-weather duty
// mode on.
func DutyModeOn(tx *storage.Tx) (bool, error) {
	active, err := ActiveWarnings(tx)
	for _, w := range active {
		if w.DutyMode {
			return true, err
		}
	}
	return false, err
}
