package noise

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// WriteTable writes the report as plain text: a table of the officials and
// the summary figures below it.
func (r *Report) WriteTable(w io.Writer) error {
	p := &printer{w: w}
	last := r.To.Add(-time.Nanosecond).In(r.loc)
	p.f("Duty-plan noise, %s to %s: %d working days; %d items due, %d of them (%.0f%%) reported a working day late; seed %d.\n",
		r.From.In(r.loc).Format(time.DateOnly), last.Format(time.DateOnly), r.WorkingDays, r.Items, r.Late,
		100*float64(r.Late)/float64(max(r.Items, 1)), r.Seed)
	p.f("Routine pushes are new informational messages (reminders, countdowns, briefs, digests, witness, roster and admin notices);\n")
	p.f("per working day, budget %d. 叫应 calls for overdue items, reminders of calls, escalation notices and the hazard\n", r.Budget)
	p.f("loop's notices and overdue calls (among \"calls other\") are counted apart; \"all/month\" is every message but edits.\n\n")

	rows := [][]string{
		{"official", "id", "unit", "routine/workday", "", "days", "routine", "routine", "calls", "calls", "call", "escalation", "hazard", "hazard", "hazard", "all"},
		{"", "", "", "max", "median", "over " + strconv.Itoa(r.Budget), "workdays", "days off", "overdue", "other", "reminders", "notices",
			"notices", "calls", "/month", "/month"},
	}
	for _, o := range r.Officials {
		rows = append(rows, []string{o.Name, o.ID, o.Unit, strconv.Itoa(o.MaxRoutine), strconv.FormatFloat(o.MedianRoutine, 'f', -1, 64),
			strconv.Itoa(o.OverBudget), strconv.Itoa(o.Routine), strconv.Itoa(o.RoutineOff), strconv.Itoa(o.TaskCalls),
			strconv.Itoa(o.OtherCalls), strconv.Itoa(o.Reminds), strconv.Itoa(o.Notices), strconv.Itoa(o.Hazard),
			strconv.Itoa(o.HazardCalls), strconv.FormatFloat(o.HazardPerMonth, 'f', 1, 64), strconv.FormatFloat(o.PerMonth, 'f', 1, 64)})
	}
	p.table(rows, 3)

	h := r.Hazards
	p.f("\nInspections and the hazard loop: %d inspections (检查指导), %d problems solved (协调解决难题); %d hazards found, %d of them 重大,\n",
		h.Inspections, h.Problems, h.Found, h.Major)
	p.f("  %d rounds fixed after their deadline (overdue 叫应), %d sent back, %d closed; %d hazard notices and %d overdue calls delivered.\n",
		h.LateFixes, h.SentBack, h.Closed, h.Notices, h.Calls)
	p.f("  Sent to someone the hazard does not concern: %d; steps told to one person more than once: %d.\n", len(h.Stray), len(h.Repeats))
	if len(r.CountedCalls) > 0 {
		p.f("  Overdue calls for item 19's points counted from the records, not met by their due time: %s.\n", joinCounts(r.CountedCalls))
	}
	for _, d := range h.Stray {
		p.f("    stray: %s %s, %s (%s)\n", r.name(d.Official), d.Official, d.Hazard, d.Step)
	}
	for _, d := range h.Repeats {
		p.f("    repeated: %s %s, %s (%s) %d times\n", r.name(d.Official), d.Official, d.Hazard, d.Step, d.N)
	}

	p.f("\nWorst working day per official (routine pushes; everything delivered that day):\n")
	for _, o := range r.Officials {
		if o.WorstDay.IsZero() {
			p.f("  %s %s: no routine push on any working day\n", o.Name, o.ID)
			continue
		}
		p.f("  %s %s: %s %s, %d routine: %s\n", o.Name, o.ID, o.WorstDay.Format(time.DateOnly),
			o.WorstDay.Weekday().String()[:3], o.MaxRoutine, joinCounts(o.Breakdown))
	}

	d := r.Duties
	p.f("\n叫应 per late duty (a duty is a point and period, e.g. \"3.1 2026-Q1\", over all its units; first calls only):\n")
	p.f("  late duties that raised calls: %d\n", d.Late)
	if d.Max > 0 {
		p.f("  most calls to one official for one duty: %d, %s %s for %s\n", d.Max, r.name(d.MaxOfficial), d.MaxOfficial, d.MaxDuty)
	}
	p.f("  (official, duty) pairs with more than one call: %d, over %d duties and %d officials\n",
		d.Repeated, d.RepeatedDuties, d.OfficialsRepeated)
	if d.Uncalled > 0 {
		p.f("  late items that called nobody: %d, of %s\n", d.Uncalled, strings.Join(d.UncalledUnits, "、"))
	}

	for _, g := range []struct {
		title        string
		person, town bool
	}{{"a unit's items", false, false}, {"the town's items", false, true}, {"a person's own items", true, false}} {
		p.f("\nItems due per month, %s, most first:\n", g.title)
		shown := 0
		for _, um := range r.UnitMonths {
			if um.Person != g.person || um.Town != g.town || shown == 5 {
				continue
			}
			p.f("  %s %s: %d\n", um.Unit, um.Month, um.Items)
			shown++
		}
		if shown == 0 {
			p.f("  none\n")
		}
	}

	p.f("\nDeliveries by category, all officials:\n")
	for _, c := range r.Totals {
		kind := ""
		if isRoutine(c.Category) {
			kind = " (routine)"
		}
		p.f("  %-12s %7d%s\n", c.Category, c.N, kind)
	}

	p.f("\nOfficials sent items they do not owe (report buttons, overdue calls):\n")
	if len(r.Foreign) == 0 {
		p.f("  none\n")
	}
	for _, f := range r.Foreign {
		p.f("  %s %s (%s): %d items of %d units in %d messages: %s\n", f.Name, f.ID, f.Unit, f.Items, len(f.Units),
			f.Messages, strings.Join(f.Units, "、"))
	}
	p.f("\nSimulated with %d jumps of the fake clock in %s of wall time.\n", r.Jumps, r.Wall.Round(time.Millisecond))
	return p.err
}

// name is an official's name, or the id if unknown.
func (r *Report) name(id string) string {
	for _, o := range r.Officials {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

func joinCounts(cs []Count) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %d", c.Category, c.N))
	}
	return strings.Join(parts, ", ")
}

// printer writes and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table writes rows in columns padded to their display width (Chinese
// characters take two cells); the first left columns are left-aligned,
// the others right-aligned.
func (p *printer) table(rows [][]string, left int) {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cells(c))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-cells(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < left {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		p.f("%s\n", strings.TrimRight(b.String(), " "))
	}
}

// cells is the display width of s in a monospaced terminal.
func cells(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
