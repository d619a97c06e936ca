package incident

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"dutybot/storage"
)

// Event types of 事故直报; the ledger reads them. Their Alert field holds
// the incident id, so tx.AlertEvents(id) is an incident's timeline.
const (
	EvReported   = "incident_reported"    // an accident was reported to the bot
	EvUpdate     = "incident_update"      // 续报: figures, loss or account changed
	EvReportedUp = "incident_reported_up" // 已上报: Detail says when and to whom
	EvLate       = "incident_late"        // 迟报: the upward report missed its deadline
	EvSupplement = "incident_supplement"  // 补报: casualties changed inside the window
	EvReminder   = "incident_reminder"    // the responsible leaders were reminded of the deadline
)

// incidentsBucket holds the incidents: id -> Incident. Its name and keys
// are the on-disk schema of existing databases.
const incidentsBucket = "incidents"

// seqPrefix starts the meta entries that number each day's incidents
// ("incident_seq:20261128" -> the last number, 8 bytes big-endian).
const seqPrefix = "incident_seq:"

// Incident is an accident reported with /incident or the API (事故直报).
// Its regulatory clocks run from OccurredAt, not from when it was entered.
type Incident struct {
	ID         string    `json:"id"` // I20261128-01
	OccurredAt time.Time `json:"occurred_at"`
	Place      string    `json:"place"`
	Unit       string    `json:"unit"`     // the unit or enterprise, as reported
	Category   string    `json:"category"` // Categories
	Deaths     int       `json:"deaths"`
	Serious    int       `json:"serious_injuries"`
	Missing    int       `json:"missing"`
	LossYuan   int64     `json:"loss_yuan"` // estimated direct economic loss
	Account    string    `json:"account,omitempty"`
	Photos     []string  `json:"photos,omitempty"` // Telegram file ids
	Reporter   string    `json:"reporter,omitempty"`
	Source     string    `json:"source"` // chat or api
	ReportedAt time.Time `json:"reported_at"`
	// Level is the current preliminary level (Levels); each 续报
	// recomputes it.
	Level string `json:"level"`
	// Alert is the red 叫应 raised when the accident was reported.
	Alert string `json:"alert,omitempty"`
	// ReportDue is when the upward report (to incidents.report_to) is due.
	ReportDue time.Time `json:"report_due"`
	// Up is the upward report once it was made; nil until then.
	Up *UpReport `json:"up,omitempty"`
	// Late is set once the upward report is 迟报: the deadline passed
	// without it, or it was made after the deadline.
	Late   bool      `json:"late,omitempty"`
	LateAt time.Time `json:"late_at,omitempty"`
	// Escalation is the 叫应 raised to the principals when the deadline
	// passed without a report.
	Escalation string `json:"escalation,omitempty"`
	// Updates are the 续报, oldest first.
	Updates []Update `json:"updates,omitempty"`
	// SupplementDue is set while a 补报 (a casualty change inside the
	// window) waits to be reported upward; Supplements are those made.
	SupplementDue bool       `json:"supplement_due,omitempty"`
	Supplements   []UpReport `json:"supplements,omitempty"`
}

// UpReport records an upward report: when, by whom, to whom.
type UpReport struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"` // official id or "api"
	To   string    `json:"to"`
	Late bool      `json:"late,omitempty"`
}

// Update is one 续报: the figures after it and what it meant.
type Update struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"` // official id or "api"
	Deaths   int       `json:"deaths"`
	Serious  int       `json:"serious_injuries"`
	Missing  int       `json:"missing"`
	LossYuan int64     `json:"loss_yuan"`
	Note     string    `json:"note,omitempty"`
	// LevelBefore and Level are the preliminary level before and after.
	LevelBefore string `json:"level_before"`
	Level       string `json:"level"`
	// Casualties is true when deaths, serious injuries or missing changed;
	// Supplement when that happened inside the 补报 window, OutsideWindow
	// when after it.
	Casualties    bool `json:"casualties,omitempty"`
	Supplement    bool `json:"supplement,omitempty"`
	OutsideWindow bool `json:"outside_window,omitempty"`
}

// NextID returns a new incident id for the day of now (in the caller's
// zone): I20261128-01, -02, … (three digits past 99).
func NextID(tx *storage.Tx, now time.Time) (string, error) {
	day := now.Format("20060102")
	key := seqPrefix + day
	var seq uint64 = 1
	if v, ok := tx.Meta(key); ok {
		if len(v) != 8 {
			return "", fmt.Errorf("incident sequence %s: %d bytes, want 8", day, len(v))
		}
		seq = binary.BigEndian.Uint64([]byte(v)) + 1
	}
	if err := tx.PutMeta(key, string(binary.BigEndian.AppendUint64(nil, seq))); err != nil {
		return "", fmt.Errorf("incident sequence %s: %w", day, err)
	}
	return fmt.Sprintf("I%s-%02d", day, seq), nil
}

// PutIncident stores an incident.
func PutIncident(tx *storage.Tx, in Incident) error {
	return tx.Records(incidentsBucket).Put([]byte(in.ID), in)
}

// LoadIncident loads an incident: storage.ErrNotFound when there is none.
func LoadIncident(tx *storage.Tx, id string) (Incident, error) {
	var in Incident
	err := tx.Records(incidentsBucket).Get([]byte(id), &in)
	return in, err
}

// AllIncidents returns every stored incident, oldest first (ids sort by
// date).
func AllIncidents(tx *storage.Tx) ([]Incident, error) {
	var out []Incident
	err := tx.Records(incidentsBucket).Scan(nil, nil, func(k, raw []byte) error {
		var in Incident
		if err := json.Unmarshal(raw, &in); err != nil {
			return &storage.CorruptError{Bucket: incidentsBucket, Key: bytes.Clone(k), Err: err}
		}
		out = append(out, in)
		return nil
	})
	return out, err
}

// Records counts the accidents reported in [from, to): the 事故直报 records
// are the plan's record of strict accident reporting (task 41), so nobody
// ticks it by hand.
func (s *Service) Records(tx *storage.Tx, from, to time.Time) (int, error) {
	all, err := AllIncidents(tx)
	n := 0
	for _, in := range all {
		if !in.ReportedAt.Before(from) && in.ReportedAt.Before(to) {
			n++
		}
	}
	return n, err
}
