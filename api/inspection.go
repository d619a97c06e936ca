package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"dutybot/inspection"
	"dutybot/storage"
)

// WithInspections adds the inspection endpoint (/check's records).
func (s *Server) WithInspections(i *inspection.Service) *Server {
	s.inspections = i
	return s
}

// inspectionRoutes adds:
//
//	GET /api/v1/inspections?official=&enterprise=&from=&to=   the inspections, oldest first
//
// from and to are days (2006-01-02, to included) or RFC 3339 times (to
// excluded), in the town's time zone.
func (s *Server) inspectionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/inspections", s.auth(s.listInspections))
}

// InspectionJSON is an inspection as the API shows it: ids with the names
// of the configuration beside them.
type InspectionJSON struct {
	ID             string         `json:"id"`
	Enterprise     string         `json:"enterprise"`
	EnterpriseName string         `json:"enterprise_name"`
	Unit           string         `json:"unit"`
	UnitName       string         `json:"unit_name"`
	Official       string         `json:"official"`
	OfficialName   string         `json:"official_name"`
	At             time.Time      `json:"at"`
	Kind           string         `json:"kind"` // inspect | problem
	Checked        string         `json:"checked"`
	Findings       string         `json:"findings"`
	Photos         []string       `json:"photos"`
	Location       *storage.Point `json:"location,omitempty"`
	Hazards        []string       `json:"hazards"`
	Plaque         []string       `json:"plaque"`     // admin, supervisor, guarantor: what the official was on its plaque
	OwnPlaque      bool           `json:"own_plaque"` // counts for item 19's quotas
}

// InspectionsJSON is the answer of GET /api/v1/inspections.
type InspectionsJSON struct {
	Count       int              `json:"count"`
	Inspections []InspectionJSON `json:"inspections"`
}

func (s *Server) inspectionToJSON(in inspection.Inspection) InspectionJSON {
	return InspectionJSON{ID: in.ID, Enterprise: in.Enterprise, EnterpriseName: in.EnterpriseName, Unit: in.Unit,
		UnitName: s.cfg.UnitName(in.Unit), Official: in.Official, OfficialName: s.cfg.OfficialName(in.Official),
		At: in.At, Kind: in.Kind, Checked: in.Checked, Findings: in.Findings, Photos: nonNil(in.Photos),
		Location: in.Point, Hazards: nonNil(in.Hazards), Plaque: nonNil(in.Plaque), OwnPlaque: in.OwnPlaque()}
}

// parseBound reads a from or to bound: a local day (a to day included)
// or an RFC 3339 time.
func parseBound(v string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a day (2006-01-02) nor an RFC 3339 time", v)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func (s *Server) listInspections(w http.ResponseWriter, r *http.Request) {
	if s.inspections == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"inspections are not enabled"})
		return
	}
	q := r.URL.Query()
	f := inspection.Filter{Official: strings.TrimSpace(q.Get("official")), Enterprise: strings.TrimSpace(q.Get("enterprise"))}
	if _, ok := s.cfg.Official(f.Official); f.Official != "" && !ok {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("official: unknown official %q", f.Official)})
		return
	}
	for _, b := range []struct {
		name string
		into *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := strings.TrimSpace(q.Get(b.name))
		if v == "" {
			continue
		}
		t, err := parseBound(v, s.inspections.Location(), b.name == "to")
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{b.name + ": " + err.Error()})
			return
		}
		*b.into = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		writeJSON(w, http.StatusBadRequest, errorBody{"from: must be before to"})
		return
	}
	list, err := s.inspections.List(f)
	if err != nil {
		s.log.Error("api: list inspections", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	out := InspectionsJSON{Count: len(list), Inspections: []InspectionJSON{}}
	for _, in := range list {
		out.Inspections = append(out.Inspections, s.inspectionToJSON(in))
	}
	writeJSON(w, http.StatusOK, out)
}
