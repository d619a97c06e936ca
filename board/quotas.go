package board

import (
	"cmp"
	"slices"
	"time"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/quota"
	"dutybot/storage"
)

// The 履职 card: item 19's quotas per plaque holder (挂牌责任人) this
// month, counted from the records by package quota: inspections of their
// own 挂牌企业, hazards seen through to 销号, problems solved, and the half
// year's coverage of their plaques. The figures change only when an
// inspection is recorded, a hazard is closed or the registry is imported
// (each logs an event), or when the month turns; so the board counts them
// again only then (quota.Service.Town: a few index seeks per official),
// never on a quiet look.

// quotaEvent reports whether an event changes somebody's quota figures.
func quotaEvent(typ string) bool {
	switch typ {
	case inspection.EvInspected, hazard.EvClosed, enterprise.EvImported:
		return true
	}
	return false
}

// followQuotas counts the town's quotas again when an event since the last
// look changed them, when the month of now is not the month they were
// counted for, or at the first look. It reports whether it counted.
func (l *live) followQuotas(tx *storage.Tx, q *quota.Service, now time.Time) (bool, error) {
	month, _ := q.Month(now)
	if !l.quotaStale && month.Equal(l.quotaMonth) {
		return false, nil
	}
	rows, err := q.Town(tx, now)
	if err != nil {
		return false, err
	}
	l.quotas, l.quotaMonth, l.quotaStale = behindFirst(rows), month, false
	return true, nil
}

// behindFirst orders the rows for the card: the people behind on a month's
// quota first, then those on target, each in configuration order (as
// quota.Town lists them).
func behindFirst(rows []quota.Row) []quota.Row {
	slices.SortStableFunc(rows, func(x, y quota.Row) int {
		return cmp.Compare(done(x), done(y))
	})
	return rows
}

func done(r quota.Row) int {
	if r.Behind() {
		return 0
	}
	return 1
}

// maxQuotaRows bounds the people listed on the card: a town of a hundred
// plaque holders must still read on a phone; the summary counts them all.
const maxQuotaRows = 40

type quotasView struct {
	Summary string
	Rows    []quotaRowView
	More    int
}

type quotaRowView struct {
	Name, Unit string
	Done       bool
	Status     string // 本月达标 or 未达标
	Figures    []quotaFigure
}

// quotaFigure is one count against its target, e.g. 指导检查 1/2.
type quotaFigure struct {
	Text  string
	Short bool // below the target
	Half  bool // the half year's coverage: short of it is not yet late
}

func (s *Server) quotasView(v *view, b *Board) quotasView {
	var out quotasView
	met := 0
	for _, r := range b.Quotas {
		if !r.Behind() {
			met++
		}
	}
	if len(b.Quotas) == 0 {
		return out
	}
	out.Summary = v.T("BoardQuotasSummary", "Total", len(b.Quotas), "Met", met)
	fig := func(id string, n, of int) quotaFigure {
		return quotaFigure{Text: v.T(id, "N", n, "Of", of), Short: n < of}
	}
	for i, r := range b.Quotas {
		if i == maxQuotaRows {
			out.More = len(b.Quotas) - i
			break
		}
		o, _ := s.d.Config.Official(r.Official)
		rv := quotaRowView{Name: s.d.Config.OfficialName(r.Official), Unit: s.d.Config.UnitName(o.Unit), Done: !r.Behind()}
		if rv.Done {
			rv.Status = v.T("BoardQuotaMet")
		} else {
			rv.Status = v.T("BoardQuotaBehind")
		}
		rv.Figures = []quotaFigure{
			fig("BoardQuotaInspections", r.Month.Inspections, quota.Monthly),
			fig("BoardQuotaHazards", r.Month.Hazards, quota.Monthly),
			fig("BoardQuotaProblems", r.Month.Problems, quota.Monthly),
		}
		if p := len(r.Half.Plaques); p > 0 {
			c := fig("BoardQuotaCoverage", len(r.Half.Covered), p)
			c.Half = true
			rv.Figures = append(rv.Figures, c)
		}
		out.Rows = append(out.Rows, rv)
	}
	return out
}
