package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/quota"
	"dutybot/storage"
)

// The sheet 挂牌责任人履职: item 19's standing per person and month, counted
// from the records (quota.Service.Town): the month's inspections of their
// 挂牌企业, hazards seen to 销号 and problems solved, each against the
// quota, and the half year's coverage of their plaques so far, with the
// enterprises not yet visited by name. Those behind are marked.

// QuotaRow is one person's standing in one month of the period.
type QuotaRow struct {
	quota.Row
	From time.Time // the month's first day in the town's zone
	// At is when the standing was read: the month's last instant, or the
	// export's time for the month under way.
	At time.Time
	// Uncovered names the enterprises on the plaque not visited in the
	// half year up to At.
	Uncovered []string
}

// readQuotas fills the book's quotas: for each month of the period begun
// by the export, the standing of every person the filter selects, as of
// the month's end or, for the month under way, the export.
func (l *Ledger) readQuotas(tx *storage.Tx, b *Book, rec records) error {
	f := b.Filter
	first, _ := l.quota.Month(f.From)
	for m := first; m.Before(f.To) && !m.After(b.ExportedAt); m = m.AddDate(0, 1, 0) {
		_, end := l.quota.Month(m)
		at := end.Add(-time.Nanosecond)
		if b.ExportedAt.Before(at) {
			at = b.ExportedAt
		}
		rows, err := l.quota.Town(tx, at)
		if err != nil {
			return fmt.Errorf("item 19 standing in %s: %w", m.Format("2006-01"), err)
		}
		for _, r := range rows {
			if !l.quotaConcerns(f, r.Official) {
				continue
			}
			q := QuotaRow{Row: r, From: m, At: at}
			for _, code := range r.Half.Missing() {
				q.Uncovered = append(q.Uncovered, enterpriseName(rec, code))
			}
			b.Quotas = append(b.Quotas, q)
		}
	}
	return nil
}

// enterpriseName names an enterprise of the registry; its code when it is
// not there.
func enterpriseName(rec records, code string) string {
	if e, ok := rec.enterprises[code]; ok && e.Name != "" {
		return e.Name
	}
	return code
}

// quotaConcerns reports whether a person's standing falls under the
// filter: one of the unit's officials; the official.
func (l *Ledger) quotaConcerns(f Filter, official string) bool {
	switch {
	case f.Official != "":
		return official == f.Official
	case f.Unit != "":
		return l.unitOf(official) == f.Unit
	}
	return true
}

// quotaColumns are the columns of 挂牌责任人履职 (LedgerCol_<column>); the
// three quotas' headers say the monthly quota.
var quotaColumns = []string{"Month", "Name", "Unit", "QuotaInspections", "QuotaHazards", "QuotaProblems", "QuotaMet",
	"HalfCoverage", "Uncovered"}

func (l *Ledger) writeQuotas(sw *excelize.StreamWriter, b *Book, st styles) error {
	names := make([]string, len(quotaColumns))
	for i, c := range quotaColumns {
		names[i] = l.t("LedgerCol_"+c, "Quota", quota.Monthly)
	}
	if err := header(sw, 1, names, st, 18, 10, 12, 16, 16, 16, 10, 14, 40); err != nil {
		return err
	}
	yes, no := l.t("LedgerYes"), l.t("LedgerNo")
	for n, r := range b.Quotas {
		met := yes
		if r.Behind() {
			met = no
		}
		month := r.From.In(l.cfg.Location).Format("2006-01")
		if _, end := l.quota.Month(r.From); r.At.Before(end.Add(-time.Nanosecond)) {
			month = l.t("LedgerQuotaMonthSoFar", "Month", month, "Date", r.At.In(l.cfg.Location).Format("01-02"))
		}
		row := []any{month, l.name(r.Official), l.cfg.UnitName(l.unitOf(r.Official)), r.Month.Inspections, r.Month.Hazards,
			r.Month.Problems, met, fmt.Sprintf("%d/%d", len(r.Half.Covered), len(r.Half.Plaques)), strings.Join(r.Uncovered, l.t("LedgerNameSep"))}
		if r.Behind() {
			for i, v := range row {
				row[i] = excelize.Cell{StyleID: st.behind, Value: v}
			}
		}
		if err := sw.SetRow(cellName(1, n+2), row); err != nil {
			return err
		}
	}
	return nil
}
