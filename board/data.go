package board

import (
	"cmp"
	"slices"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/quota"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/weather"
)

// Board is what the duty board shows at one moment, before it is put into
// words: the same for every viewer, rendered once per language.
type Board struct {
	Now      time.Time
	DutyMode bool
	Alerts   []AlertCard // open alerts, newest first
	Days     []Day       // today and tomorrow
	Overdue  []UnitTasks // units, then officials, then the town, with overdue items, in configuration order
	Warnings []Checklist // active warnings with a 熔断 checklist
	Rates    Rates
	Hazards  []UnitHazards // 属地 units with open 重大隐患 or overdue hazards (hazards.go)
	Quotas   []quota.Row   // plaque holders' item-19 standing this month, those behind first (quotas.go)
}

// AlertCard is an open alert with its recipients, the ones needing
// attention first (unreachable, escalated, waiting, then answered).
type AlertCard struct {
	Alert      callout.Alert
	Recipients []callout.Recipient
	Answered   int
}

// Day is one calendar day's shifts.
type Day struct {
	Start  time.Time // local midnight
	Shifts []DutyShift
}

// DutyShift is a shift with its people's check-ins (到岗签到).
type DutyShift struct {
	Shift rota.Shift
	// CheckinAlert is the 到岗签到 call raised at the start; empty when the
	// shift has not started or started before it was imported.
	CheckinAlert string
	Checkin      map[string]rota.CheckinState
}

// UnitTasks is the overdue duty of one holder: a unit (with the personal
// items owed through it), an official owing items across units (a 分管领导),
// or the town; one item per point, the latest missed period.
type UnitTasks struct {
	Unit     string
	Official string
	Town     bool
	Items    []tasks.Item
}

// Missed counts the holder's missed periods.
func (u UnitTasks) Missed() int {
	n := 0
	for _, it := range u.Items {
		n += it.Missed
	}
	return n
}

// Checklist is a warning in force with its 熔断 items.
type Checklist struct {
	Warning weather.Warning
	Items   []weather.ChecklistItem
}

// Rates are the answer rates of the calls of a window, by the unit of the
// person called.
type Rates struct {
	From, To time.Time
	Units    []UnitRate // units with calls, in configuration order
	Total    UnitRate
}

// UnitRate counts one unit's calls and answers.
type UnitRate struct {
	Unit     string
	Called   int
	Answered int
	// Median is the median time from delivery to the person's own answer.
	Median time.Duration
	times  []time.Duration
}

// Pct is the answer rate in whole percent.
func (u UnitRate) Pct() int {
	if u.Called == 0 {
		return 0
	}
	return u.Answered * 100 / u.Called
}

// attention orders recipient states for display: who needs attention first.
func attention(r callout.Recipient) int {
	switch r.State {
	case callout.StateUnreachable:
		return 0
	case callout.StateEscalated:
		return 1
	case callout.StatePending:
		return 2
	}
	return 3
}

// buildCard reads an open alert's recipients, ordered for display; within a
// state, people keep the configuration's order.
func buildCard(tx *storage.Tx, cfg *config.Config, order map[string]int, a callout.Alert) (AlertCard, error) {
	rs, err := callout.Recipients(tx, a.ID)
	if err != nil {
		return AlertCard{}, err
	}
	c := AlertCard{Alert: a, Recipients: rs}
	for _, r := range rs {
		if r.Answered() {
			c.Answered++
		}
	}
	slices.SortStableFunc(c.Recipients, func(x, y callout.Recipient) int {
		return cmp.Or(cmp.Compare(attention(x), attention(y)), cmp.Compare(order[x.Official], order[y.Official]))
	})
	return c, nil
}

// readDays reads the shifts of today and tomorrow (local days of now) with
// their check-ins. A shift belongs to the first of the two days it
// overlaps; standby (extreme-weather) shifts count only in duty mode.
func readDays(tx *storage.Tx, loc *time.Location, now time.Time) ([]Day, bool, error) {
	on, err := weather.DutyModeOn(tx)
	if err != nil {
		return nil, false, err
	}
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	days := []Day{{Start: today}, {Start: today.AddDate(0, 0, 1)}}
	shifts, err := rota.ShiftsOverlapping(tx, today, today.AddDate(0, 0, 2))
	if err != nil {
		return nil, false, err
	}
	for _, sh := range shifts {
		if sh.Standby() && !on {
			continue
		}
		ds := DutyShift{Shift: sh, Checkin: map[string]rota.CheckinState{}}
		st, err := rota.LoadShiftState(tx, sh.ID)
		if err != nil {
			return nil, false, err
		}
		ds.CheckinAlert = st.Checkin
		if st.Checkin != "" {
			rs, err := callout.Recipients(tx, st.Checkin)
			if err != nil {
				return nil, false, err
			}
			for _, r := range rs {
				if r.Answered() {
					ds.Checkin[r.Official] = rota.CheckinState{At: r.AckedAt, By: r.AckedBy}
				}
			}
		}
		d := &days[0]
		if !sh.Start.Before(days[1].Start) {
			d = &days[1]
		}
		d.Shifts = append(d.Shifts, ds)
	}
	return days, on, nil
}

// RateWindow is how far back the answer rates look.
const RateWindow = 30 * 24 * time.Hour

// readRates computes the answer rates of the calls of alerts created in
// [now-RateWindow, now). It seeks to the window's first alert id, so it
// reads the alerts and recipients of the window only. A recipient counts
// as called unless still waiting inside their first answer window on an
// open alert; as answered when they answered themselves (a call taken
// over by an escalation target was not answered by its recipient).
func readRates(tx *storage.Tx, cfg *config.Config, loc *time.Location, now time.Time) (Rates, error) {
	from := now.Add(-RateWindow)
	rates := Rates{From: from, To: now, Total: UnitRate{}}
	byUnit := map[string]*UnitRate{}
	err := callout.AlertsFrom(tx, from.In(loc).Format("20060102"), func(a callout.Alert) error {
		if a.CreatedAt.Before(from) || !a.CreatedAt.Before(now) {
			return nil
		}
		return callout.RecipientsEach(tx, a.ID, func(r callout.Recipient) error {
			if a.State == callout.AlertOpen && r.State == callout.StatePending {
				return nil
			}
			o, ok := cfg.Official(r.Official)
			if !ok {
				return nil
			}
			u := byUnit[o.Unit]
			if u == nil {
				u = &UnitRate{Unit: o.Unit}
				byUnit[o.Unit] = u
			}
			for _, c := range []*UnitRate{u, &rates.Total} {
				c.Called++
			}
			if r.Answered() && r.AckedBy == r.Official {
				for _, c := range []*UnitRate{u, &rates.Total} {
					c.Answered++
				}
				if !r.SentAt.IsZero() && !r.AckedAt.Before(r.SentAt) {
					d := r.AckedAt.Sub(r.SentAt)
					u.times = append(u.times, d)
					rates.Total.times = append(rates.Total.times, d)
				}
			}
			return nil
		})
	})
	if err != nil {
		return Rates{}, err
	}
	for _, u := range cfg.People().Units {
		if r := byUnit[u.ID]; r != nil {
			r.Median = median(r.times)
			r.times = nil
			rates.Units = append(rates.Units, *r)
		}
	}
	rates.Total.Median = median(rates.Total.times)
	rates.Total.times = nil
	return rates, nil
}

// median returns the median of ds (the lower middle of an even count), 0
// for none. It sorts ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)-1)/2]
}
