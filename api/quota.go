package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"dutybot/quota"
	"dutybot/storage"
)

// WithQuotas adds the endpoint of item 19's per-person quotas.
func (s *Server) WithQuotas(q *quota.Service) *Server {
	s.quotas = q
	return s
}

// quotaRoutes adds:
//
//	GET /api/v1/quotas?month=2026-12   each plaque holder's standing in a month
//
// month is in the town's time zone; without it, the current month.
func (s *Server) quotaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/quotas", s.auth(s.listQuotas))
}

// QuotaJSON is one person's standing: the month's counts (each asked
// Target times) and their half year's coverage of their plaques.
type QuotaJSON struct {
	Official    string `json:"official"`
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	UnitName    string `json:"unit_name"`
	Inspections int    `json:"inspections"` // 指导检查 of their own 挂牌企业
	Hazards     int    `json:"hazards"`     // hazards closed (销号) that they supervised or found
	Problems    int    `json:"problems"`    // 安全管理难题 solved at their own 挂牌企业
	Plaques     int    `json:"plaques"`     // enterprises on their plaque
	Covered     int    `json:"covered"`     // of those, visited this half year
	Behind      bool   `json:"behind"`      // a month's count is under Target
}

// QuotasJSON is the answer of GET /api/v1/quotas: everyone who holds a
// plaque or counted anything, in configuration order.
type QuotasJSON struct {
	Month    string      `json:"month"`     // 2026-12
	HalfFrom string      `json:"half_from"` // the half year's first day, 2026-07-01
	HalfTo   string      `json:"half_to"`   // its last day, 2026-12-31
	Target   int         `json:"target"`    // asked of each count a month
	Count    int         `json:"count"`
	Met      int         `json:"met"` // on target in every count
	Quotas   []QuotaJSON `json:"quotas"`
}

func (s *Server) listQuotas(w http.ResponseWriter, r *http.Request) {
	if s.quotas == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"quotas are not enabled"})
		return
	}
	loc := s.cfg.Location
	if loc == nil {
		loc = time.Local
	}
	at := s.engine.Now()
	if v := strings.TrimSpace(r.URL.Query().Get("month")); v != "" {
		m, err := time.ParseInLocation("2006-01", v, loc)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("month: %q is not a month like 2026-12", v)})
			return
		}
		// A month is read as it stood at its end, or now while it runs
		// (Town counts up to at); a month to come counts nothing yet.
		end := m.AddDate(0, 1, 0).Add(-time.Nanosecond)
		if end.Before(at) {
			at = end
		}
		if at.Before(m) {
			at = m
		}
	}
	var rows []quota.Row
	if err := s.db.View(func(tx *storage.Tx) error {
		var err error
		rows, err = s.quotas.Town(tx, at)
		return err
	}); err != nil {
		s.log.Error("api: quotas", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	from, _ := s.quotas.Month(at)
	hFrom, hTo := s.quotas.HalfYear(at)
	out := QuotasJSON{Month: from.Format("2006-01"), HalfFrom: hFrom.Format(time.DateOnly),
		HalfTo: hTo.AddDate(0, 0, -1).Format(time.DateOnly), Target: quota.Monthly, Count: len(rows), Quotas: []QuotaJSON{}}
	for _, row := range rows {
		o, _ := s.cfg.Official(row.Official)
		q := QuotaJSON{Official: row.Official, Name: s.cfg.OfficialName(row.Official), Unit: o.Unit,
			UnitName: s.cfg.UnitName(o.Unit), Inspections: row.Month.Inspections, Hazards: row.Month.Hazards,
			Problems: row.Month.Problems, Plaques: len(row.Half.Plaques), Covered: len(row.Half.Covered), Behind: row.Behind()}
		if !q.Behind {
			out.Met++
		}
		out.Quotas = append(out.Quotas, q)
	}
	writeJSON(w, http.StatusOK, out)
}
