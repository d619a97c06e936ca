package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/rota"
	"dutybot/storage"
)

// Book is what one export holds, read in one transaction.
type Book struct {
	Filter     Filter
	ExportedAt time.Time
	Calls      []Call
	Reports    []storage.Event // task reports (EvReported)
	Duty       []storage.Event // shifts: reminders, check-ins, spot checks, 脱岗, swaps, handovers
	Incidents  []storage.Event // incident_…
	Tips       []storage.Event // tip_…
	// Hazards are the hazards found in the period or open during it, by
	// when they were found; Enterprises the registry (hazards.go).
	Hazards     []HazardRow
	Enterprises []enterprise.Enterprise
	// Inspections are the inspections (/check) of the period, oldest
	// first; Quotas item 19's standing per person for each month of the
	// period up to the export (inspections.go, quotas.go).
	Inspections []InspectionRow
	Quotas      []QuotaRow
	Officials   []Tally // per official of the filter, in configuration order
	Units       []Tally // per unit of the filter, in configuration order
	Chain       storage.ChainReport
}

// Call is one recipient of one 叫应.
type Call struct {
	Alert     callout.Alert
	Recipient callout.Recipient
}

// Sent is when the call reached the recipient: its first delivery, or
// when it was queued if it never was delivered.
func (c Call) Sent() time.Time {
	if !c.Recipient.SentAt.IsZero() {
		return c.Recipient.SentAt
	}
	return c.Recipient.QueuedAt
}

// SelfAnswered reports whether the recipient answered in person (not an
// escalation target on their behalf).
func (c Call) SelfAnswered() bool {
	r := c.Recipient
	return r.State == callout.StateAcked && r.AckedBy == r.Official
}

// Latency is how long the recipient took to answer; 0 and false when they
// did not answer themselves.
func (c Call) Latency() (time.Duration, bool) {
	if !c.SelfAnswered() {
		return 0, false
	}
	return max(c.Recipient.AckedAt.Sub(c.Sent()), 0), true
}

// Escalated counts the escalation steps (not reminders) taken for the call.
func (c Call) Escalated() int {
	n := 0
	for _, e := range c.Recipient.Escalations {
		if e.Action == config.ActionEscalate {
			n++
		}
	}
	return n
}

// OverdueTask reports whether the call was an overdue-task 叫应.
func (c Call) OverdueTask() bool { return c.Alert.Kind == kindTask }

const kindTask = "task" // tasks.Sweeper's alerts

// Tally sums the calls of an official or a unit.
type Tally struct {
	ID, Name string
	Unit     string // the official's unit id; empty for units
	Calls    int
	Answered int             // answered in person
	Overdue  int             // overdue-task 叫应
	latency  []time.Duration // of the calls answered in person
}

// Rate is the share of calls answered in person; false without calls.
func (t Tally) Rate() (float64, bool) {
	if t.Calls == 0 {
		return 0, false
	}
	return float64(t.Answered) / float64(t.Calls), true
}

// Median is the median time to answer; false when nothing was answered.
func (t Tally) Median() (time.Duration, bool) {
	n := len(t.latency)
	if n == 0 {
		return 0, false
	}
	s := slices.Clone(t.latency)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

func (t *Tally) add(c Call) {
	t.Calls++
	if d, ok := c.Latency(); ok {
		t.Answered++
		t.latency = append(t.latency, d)
	}
	if c.OverdueTask() {
		t.Overdue++
	}
}

// dutyEvents are the shift records of the 值班记录 sheet.
var dutyEvents = []string{rota.EvShiftReminded, rota.EvShiftStarted, rota.EvCheckedIn, rota.EvShiftEnded,
	rota.EvHandoverAsked, rota.EvHandover, rota.EvSpotcheck, rota.EvSpotAnswered, rota.EvAbsent,
	rota.EvDutyMode, rota.EvSwapRequested, rota.EvSwapAccepted, rota.EvSwapDeclined, rota.EvSwapApproved,
	rota.EvSwapRejected, rota.EvSwapExpired, rota.EvRosterImported}

// Event type prefixes of incidents (事故直报) and hazard tips (隐患举报).
const (
	incidentPrefix = "incident_"
	tipPrefix      = "tip_"
)

// Book reads what an export of f holds, as of now.
func (l *Ledger) Book(f Filter, now time.Time) (*Book, error) {
	if err := l.Validate(f); err != nil {
		return nil, err
	}
	b := &Book{Filter: f, ExportedAt: now}
	err := l.db.View(func(tx *storage.Tx) error {
		evs, err := tx.EventsBetween(f.From, f.To)
		if err != nil {
			return fmt.Errorf("read the event log: %w", err)
		}
		if err := l.fill(tx, b, evs); err != nil {
			return err
		}
		rec, err := l.readHazards(tx, b)
		if err != nil {
			return err
		}
		if err := l.readInspections(tx, b, rec); err != nil {
			return err
		}
		if err := l.readQuotas(tx, b, rec); err != nil {
			return err
		}
		b.Chain = tx.VerifyChain()
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.tally(b)
	return b, nil
}

// fill sorts the events of the period into the book's sheets and loads
// the calls of the alerts created in it.
func (l *Ledger) fill(tx *storage.Tx, b *Book, evs []storage.Event) error {
	f := b.Filter
	for _, e := range evs {
		switch {
		case e.Type == storage.EvCreated:
			a, err := callout.LoadAlert(tx, e.Alert)
			if err != nil {
				return fmt.Errorf("alert %s of event #%d: %w", e.Alert, e.Seq, err)
			}
			rs, err := callout.Recipients(tx, e.Alert)
			if err != nil {
				return fmt.Errorf("recipients of alert %s: %w", e.Alert, err)
			}
			for _, r := range rs {
				if l.concerns(f, r.Official, "") {
					b.Calls = append(b.Calls, Call{Alert: a, Recipient: r})
				}
			}
			continue
		case !l.concerns(f, e.Official, e.Actor):
			continue
		case e.Type == storage.EvReported:
			b.Reports = append(b.Reports, e)
		case slices.Contains(dutyEvents, e.Type):
			b.Duty = append(b.Duty, e)
		case strings.HasPrefix(e.Type, incidentPrefix):
			b.Incidents = append(b.Incidents, e)
		case strings.HasPrefix(e.Type, tipPrefix):
			b.Tips = append(b.Tips, e)
		}
	}
	return nil
}

// tally sums the calls per official and unit of the filter.
func (l *Ledger) tally(b *Book) {
	f := b.Filter
	byOfficial := map[string]*Tally{}
	for _, o := range l.cfg.People().Officials {
		if (f.Official == "" || o.ID == f.Official) && (f.Unit == "" || o.Unit == f.Unit) {
			b.Officials = append(b.Officials, Tally{ID: o.ID, Name: o.Name, Unit: o.Unit})
		}
	}
	for i := range b.Officials {
		byOfficial[b.Officials[i].ID] = &b.Officials[i]
	}
	byUnit := map[string]*Tally{}
	for _, u := range l.cfg.People().Units {
		if f.Unit != "" && u.ID != f.Unit {
			continue
		}
		if f.Official != "" && u.ID != l.unitOf(f.Official) {
			continue
		}
		b.Units = append(b.Units, Tally{ID: u.ID, Name: u.Name})
	}
	for i := range b.Units {
		byUnit[b.Units[i].ID] = &b.Units[i]
	}
	for _, c := range b.Calls {
		if t := byOfficial[c.Recipient.Official]; t != nil {
			t.add(c)
		}
		if t := byUnit[l.unitOf(c.Recipient.Official)]; t != nil {
			t.add(c)
		}
	}
}
