package storage

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Event types of 事故直报; the ledger reads them. Their Alert field holds
// the incident id, so tx.AlertEvents(id) is an incident's timeline.
const (
	EvIncidentReported   = "incident_reported"    // an accident was reported to the bot
	EvIncidentUpdate     = "incident_update"      // 续报: figures, loss or account changed
	EvIncidentReportedUp = "incident_reported_up" // 已上报: Detail says when and to whom
	EvIncidentLate       = "incident_late"        // 迟报: the upward report missed its deadline
	EvIncidentSupplement = "incident_supplement"  // 补报: casualties changed inside the window
	EvIncidentReminder   = "incident_reminder"    // the responsible leaders were reminded of the deadline
)

// Incident is an accident reported with /incident or the API (事故直报).
// Its regulatory clocks run from OccurredAt, not from when it was entered.
type Incident struct {
	ID         string    `json:"id"` // I20261128-01
	OccurredAt time.Time `json:"occurred_at"`
	Place      string    `json:"place"`
	Unit       string    `json:"unit"`     // the unit or enterprise, as reported
	Category   string    `json:"category"` // incident.Categories
	Deaths     int       `json:"deaths"`
	Serious    int       `json:"serious_injuries"`
	Missing    int       `json:"missing"`
	LossYuan   int64     `json:"loss_yuan"` // estimated direct economic loss
	Account    string    `json:"account,omitempty"`
	Photos     []string  `json:"photos,omitempty"` // Telegram file ids
	Reporter   string    `json:"reporter,omitempty"`
	Source     string    `json:"source"` // chat or api
	ReportedAt time.Time `json:"reported_at"`
	// Level is the current preliminary level (incident.Levels); each 续报
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
	Updates []IncidentUpdate `json:"updates,omitempty"`
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

// IncidentUpdate is one 续报: the figures after it and what it meant.
type IncidentUpdate struct {
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

// NextIncidentID returns a new incident id for the day of now (in the
// caller's zone): I20261128-01, -02, … (three digits past 99).
func (t *Tx) NextIncidentID(now time.Time) (string, error) {
	day := now.Format("20060102")
	meta := t.tx.Bucket(bMeta)
	key := []byte("incident_seq:" + day)
	var seq uint64 = 1
	if v := meta.Get(key); v != nil {
		seq = binary.BigEndian.Uint64(v) + 1
	}
	if err := meta.Put(key, u64(seq)); err != nil {
		return "", err
	}
	return fmt.Sprintf("I%s-%02d", day, seq), nil
}

// PutIncident stores an incident.
func (t *Tx) PutIncident(in Incident) error { return t.put(bIncidents, []byte(in.ID), in) }

// Incident loads an incident.
func (t *Tx) Incident(id string) (Incident, error) {
	var in Incident
	err := t.get(bIncidents, []byte(id), &in)
	return in, err
}

// Incidents returns every stored incident, oldest first (ids sort by date).
func (t *Tx) Incidents() ([]Incident, error) {
	var out []Incident
	err := t.tx.Bucket(bIncidents).ForEach(func(k, v []byte) error {
		var in Incident
		if err := decode(v, &in); err != nil {
			return fmt.Errorf("decode incident %s: %w", k, err)
		}
		out = append(out, in)
		return nil
	})
	return out, err
}
