package ledger

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"dutybot/storage"

	"dutybot/inspection"

	"dutybot/enterprise"
)

// The sheet 检查记录: every inspection (/check) of the period, with who
// inspected by name, what they were on the enterprise's plaque, the
// hazards it registered, and whether it counts for item 19; its totals on
// the summary.

// InspectionRow is an inspection of the period and the hazards it
// registered.
type InspectionRow struct {
	Inspection inspection.Inspection
	Hazards    []HazardNote // in the order the inspection registered them
}

// HazardNote is a hazard as an inspection's row names it.
type HazardNote struct {
	ID, Description string
}

// InspectionCounts sum up the inspections of a book.
type InspectionCounts struct {
	All      int // inspections in the period, of any kind and enterprise
	Own      int // of them at enterprises on the inspector's plaque: item 19 counts them
	Problems int // of them 协调解决难题
}

// readInspections fills the book's inspections: every inspection in the
// period the filter selects, with the descriptions of the hazards it
// registered.
func (l *Ledger) readInspections(tx *storage.Tx, b *Book, rec records) error {
	f := b.Filter
	list, err := inspection.All(tx)
	if err != nil {
		return fmt.Errorf("read the inspections: %w", err)
	}
	for _, i := range list {
		if i.At.Before(f.From) || !i.At.Before(f.To) || !l.inspectionConcerns(f, i, rec.enterprises[i.Enterprise]) {
			continue
		}
		row := InspectionRow{Inspection: i, Hazards: make([]HazardNote, 0, len(i.Hazards))}
		for _, id := range i.Hazards {
			row.Hazards = append(row.Hazards, HazardNote{ID: id, Description: rec.hazards[id]})
		}
		b.Inspections = append(b.Inspections, row)
	}
	return nil
}

// inspectionConcerns reports whether an inspection falls under the filter,
// as a hazard does: in the unit's area or done by, or at a plaque of, its
// officials; done by the official or at their plaque (e is the
// enterprise as the registry has it, zero when it left the registry).
func (l *Ledger) inspectionConcerns(f Filter, i inspection.Inspection, e enterprise.Enterprise) bool {
	people := []string{i.Official, e.Admin, e.Supervisor}
	switch {
	case f.Official != "":
		return slices.Contains(people, f.Official)
	case f.Unit != "":
		return i.Unit == f.Unit || slices.ContainsFunc(people, func(id string) bool { return id != "" && l.unitOf(id) == f.Unit })
	}
	return true
}

// InspectionCounts sums up the book's inspections.
func (b *Book) InspectionCounts() InspectionCounts {
	var c InspectionCounts
	for _, r := range b.Inspections {
		c.All++
		if r.Inspection.OwnPlaque() {
			c.Own++
		}
		if r.Inspection.Kind == inspection.KindProblem {
			c.Problems++
		}
	}
	return c
}

// inspectionColumns are the columns of 检查记录 (LedgerCol_<column>).
var inspectionColumns = []string{"InspectionID", "InspectedAt", "Enterprise", "CreditCode", "AreaUnit", "Inspector", "OnPlaque",
	"InspectionKind", "Checked", "Findings", "Photos", "Location", "HazardsRegistered", "Counts19"}

func (l *Ledger) writeInspections(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, l.headers(inspectionColumns), st, 14, 17, 24, 20, 12, 10, 18, 16, 30, 30, 8, 20, 40, 10); err != nil {
		return err
	}
	sep := l.t("LedgerListSep")
	yes, no := l.t("LedgerYes"), l.t("LedgerNo")
	for n, r := range b.Inspections {
		i := r.Inspection
		hazards := make([]string, len(r.Hazards))
		for k, h := range r.Hazards {
			hazards[k] = l.t("LedgerInspectionHazard", "ID", h.ID, "Description", h.Description)
		}
		counts := no
		if i.OwnPlaque() {
			counts = yes
		}
		row := []any{i.ID, l.minute(i.At), i.EnterpriseName, i.Enterprise, l.cfg.UnitName(i.Unit), l.name(i.Official),
			l.plaqueRoles(i.Plaque), l.wordOr("LedgerWord_", inspection.KindWord(i.Kind)), i.Checked, i.Findings,
			len(i.Photos), location(i.Point), strings.Join(hazards, sep), counts}
		if err := sw.SetRow(cellName(1, n+2), row); err != nil {
			return err
		}
	}
	return nil
}

// plaqueRoles says what an official was on an enterprise's plaque: 行政负责人,
// 行业部门监管负责人, 包保责任人, or a dash for none.
func (l *Ledger) plaqueRoles(roles []string) string {
	if len(roles) == 0 {
		return l.t("LedgerPlaque_none")
	}
	out := make([]string, len(roles))
	for k, r := range roles {
		out[k] = l.wordOr("LedgerPlaque_", r)
	}
	return strings.Join(out, l.t("LedgerNameSep"))
}

// location is a shared location as latitude, longitude; empty when none
// was shared.
func location(p *storage.Point) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(p.Lon, 'f', -1, 64)
}

// inspectionSummary are the summary's lines of the inspections.
func (l *Ledger) inspectionSummary(b *Book) [][]any {
	c := b.InspectionCounts()
	return [][]any{
		{l.t("LedgerSummaryInspections"), c.All},
		{l.t("LedgerSummaryInspectionsOwn"), c.Own},
		{l.t("LedgerSummaryInspectionsProblems"), c.Problems},
	}
}
