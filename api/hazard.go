package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"dutybot/hazard"
	"dutybot/storage"
)

// WithHazards adds the hazard-loop endpoints (隐患排查治理).
func (s *Server) WithHazards(h *hazard.Service) *Server {
	s.hazards = h
	return s
}

// hazardRoutes adds the hazard endpoints. Every step names the official
// who takes it ("by"): the loop's rules are about people (a recheck by
// someone other than who reported the fix), so the API acts for one.
func (s *Server) hazardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/hazards", s.auth(s.listHazards))
	mux.HandleFunc("POST /api/v1/hazards", s.auth(s.createHazard))
	mux.HandleFunc("GET /api/v1/hazards/{id}", s.auth(s.getHazard))
	mux.HandleFunc("POST /api/v1/hazards/{id}/assign", s.auth(s.assignHazard))
	mux.HandleFunc("POST /api/v1/hazards/{id}/rectified", s.auth(s.hazardRectified))
	mux.HandleFunc("POST /api/v1/hazards/{id}/recheck", s.auth(s.recheckHazard))
	mux.HandleFunc("POST /api/v1/hazards/{id}/close", s.auth(s.closeHazard))
}

// HazardRequest is the body of POST /api/v1/hazards: a hazard found (发现),
// given to the enterprise (交办) at once when it has a deadline.
type HazardRequest struct {
	Enterprise string `json:"enterprise"` // 统一社会信用代码
	// EnterpriseName and Unit (属地) are required for an enterprise the
	// registry does not know.
	EnterpriseName string           `json:"enterprise_name,omitempty"`
	Unit           string           `json:"unit,omitempty"`
	FoundBy        string           `json:"found_by"`
	Level          string           `json:"level"` // general|major or 一般|重大
	Description    string           `json:"description"`
	Photos         []string         `json:"photos,omitempty"` // Telegram file ids
	Location       *storage.Point   `json:"location,omitempty"`
	Responsible    *storage.Contact `json:"responsible,omitempty"`
	// Deadline (整改期限) is RFC 3339, "2006-01-02 15:04" or a day
	// "2006-01-02" (until 23:59), in the town's time zone.
	Deadline string            `json:"deadline,omitempty"`
	Five     *hazard.FiveFixes `json:"five,omitempty"` // 五落实, required to assign a 重大隐患
}

// HazardAssignRequest is the body of POST /api/v1/hazards/{id}/assign.
type HazardAssignRequest struct {
	By          string            `json:"by"`
	Deadline    string            `json:"deadline"`
	Responsible *storage.Contact  `json:"responsible,omitempty"`
	Five        *hazard.FiveFixes `json:"five,omitempty"`
}

// HazardRectifiedRequest is the body of POST /api/v1/hazards/{id}/rectified:
// by an official, or "enterprise" for the enterprise's responsible person
// (name, if another than the one the hazard names).
type HazardRectifiedRequest struct {
	By     string   `json:"by"`
	Name   string   `json:"name,omitempty"`
	Note   string   `json:"note"`
	Photos []string `json:"photos"`
}

// HazardRecheckRequest is the body of POST /api/v1/hazards/{id}/recheck;
// a failed recheck (ok false) needs a note and a new deadline.
type HazardRecheckRequest struct {
	By       string `json:"by"`
	OK       *bool  `json:"ok"`
	Note     string `json:"note,omitempty"`
	Deadline string `json:"deadline,omitempty"`
}

// HazardCloseRequest is the body of POST /api/v1/hazards/{id}/close.
type HazardCloseRequest struct {
	By   string `json:"by"`
	Note string `json:"note,omitempty"`
}

// HazardJSON is a hazard as the API shows it.
type HazardJSON struct {
	ID             string            `json:"id"`
	Enterprise     string            `json:"enterprise"`
	EnterpriseName string            `json:"enterprise_name"`
	Unit           string            `json:"unit"`
	Supervisor     string            `json:"supervisor,omitempty"`
	Administrator  string            `json:"administrator,omitempty"`
	FoundBy        string            `json:"found_by"`
	FoundAt        time.Time         `json:"found_at"`
	Level          string            `json:"level"`
	Description    string            `json:"description"`
	Photos         []string          `json:"photos"`
	Location       *storage.Point    `json:"location,omitempty"`
	Responsible    storage.Contact   `json:"responsible"`
	Five           *hazard.FiveFixes `json:"five,omitempty"`
	State          string            `json:"state"`
	Deadline       *time.Time        `json:"deadline"`
	Round          int               `json:"round"`
	Overdue        bool              `json:"overdue"`
	RectifiedBy    string            `json:"rectified_by,omitempty"`
	RectifiedAt    *time.Time        `json:"rectified_at"`
	RecheckedBy    string            `json:"rechecked_by,omitempty"`
	RecheckedAt    *time.Time        `json:"rechecked_at"`
	ClosedBy       string            `json:"closed_by,omitempty"`
	ClosedAt       *time.Time        `json:"closed_at"`
	History        []HazardStepJSON  `json:"history"`
}

// HazardStepJSON is one step of a hazard's history.
type HazardStepJSON struct {
	State  string     `json:"state"`
	At     time.Time  `json:"at"`
	By     string     `json:"by"`
	Name   string     `json:"name,omitempty"`
	Note   string     `json:"note,omitempty"`
	Photos []string   `json:"photos"`
	Due    *time.Time `json:"due,omitempty"`
}

// HazardToJSON converts a hazard for the API.
func HazardToJSON(h hazard.Hazard) HazardJSON {
	out := HazardJSON{ID: h.ID, Enterprise: h.Enterprise, EnterpriseName: h.EnterpriseName, Unit: h.Unit,
		Supervisor: h.Supervisor, Administrator: h.Administrator, FoundBy: h.FoundBy, FoundAt: h.FoundAt,
		Level: h.Level, Description: h.Description, Photos: nonNil(h.Photos), Location: h.Point,
		Responsible: h.Responsible, Five: h.Five, State: h.State, Deadline: optTime(h.Deadline), Round: h.Round,
		Overdue: h.Overdue, RectifiedBy: h.RectifiedBy, RectifiedAt: optTime(h.RectifiedAt), RecheckedBy: h.RecheckedBy,
		RecheckedAt: optTime(h.RecheckedAt), ClosedBy: h.ClosedBy, ClosedAt: optTime(h.ClosedAt),
		History: []HazardStepJSON{}}
	for _, st := range h.History {
		out.History = append(out.History, HazardStepJSON{State: st.State, At: st.At, By: st.By, Name: st.Name,
			Note: st.Note, Photos: nonNil(st.Photos), Due: optTime(st.Due)})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) hazardsOff(w http.ResponseWriter) bool {
	if s.hazards == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"the hazard loop is not enabled"})
		return true
	}
	return false
}

// hazardError answers the errors of the hazard service.
func (s *Server) hazardError(w http.ResponseWriter, id, by, what string, err error) {
	var fe *hazard.FieldError
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, errorBody{fe.Error()})
	case errors.Is(err, hazard.ErrUnknown):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no hazard %q", id)})
	case errors.Is(err, hazard.ErrForbidden):
		writeJSON(w, http.StatusForbidden, errorBody{fmt.Sprintf("by: %s may not act on hazard %s (not on its plaque, its department or its unit's leadership)", by, id)})
	case errors.Is(err, hazard.ErrState), errors.Is(err, hazard.ErrNotRechecked), errors.Is(err, hazard.ErrSelfRecheck):
		writeJSON(w, http.StatusConflict, errorBody{err.Error()})
	default:
		s.log.Error("api: "+what, "hazard", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	}
}

// parseDeadline reads a deadline: RFC 3339, a local "2006-01-02 15:04", or
// a local day, which runs until 23:59 of it.
func (s *Server) parseDeadline(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	loc := s.hazards.Location()
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t.Add(23*time.Hour + 59*time.Minute), nil
	}
	return time.Time{}, fmt.Errorf("deadline: %q is not RFC 3339, 2006-01-02 15:04 or 2006-01-02", v)
}

// checkPoint checks a shared location.
func checkPoint(p *storage.Point) error {
	if p == nil {
		return nil
	}
	if p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
		return fmt.Errorf("location: lat must be within ±90 and lon within ±180 (got %v, %v)", p.Lat, p.Lon)
	}
	return nil
}

func (s *Server) createHazard(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	var req HazardRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if err := checkPoint(req.Location); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	f := hazard.Finding{Enterprise: req.Enterprise, EnterpriseName: req.EnterpriseName, Unit: req.Unit,
		FoundBy: strings.TrimSpace(req.FoundBy), Level: req.Level, Description: req.Description, Photos: req.Photos,
		Point: req.Location}
	if req.Responsible != nil {
		f.Responsible = *req.Responsible
	}
	switch {
	case strings.TrimSpace(req.Deadline) != "":
		due, err := s.parseDeadline(req.Deadline)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		f.Assign = &hazard.Assignment{Deadline: due, Five: req.Five}
	case req.Five != nil:
		writeJSON(w, http.StatusBadRequest, errorBody{"five: the 五落实 come with a deadline (the 交办); give deadline too"})
		return
	}
	h, err := s.hazards.Report(f)
	if err != nil {
		s.hazardError(w, "", f.FoundBy, "create hazard", err)
		return
	}
	w.Header().Set("Location", "/api/v1/hazards/"+h.ID)
	writeJSON(w, http.StatusCreated, HazardToJSON(h))
}

// listHazards serves GET /api/v1/hazards?state=&unit=&enterprise=.
func (s *Server) listHazards(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	q := r.URL.Query()
	f := hazard.Filter{State: q.Get("state"), Unit: q.Get("unit"), Enterprise: strings.TrimSpace(q.Get("enterprise"))}
	if f.State != "" && !slices.Contains(hazard.States, f.State) {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("state: %q is not one of %s", f.State, strings.Join(hazard.States, ", "))})
		return
	}
	if _, ok := s.cfg.Unit(f.Unit); f.Unit != "" && !ok {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("unit: unknown unit %q", f.Unit)})
		return
	}
	list, err := s.hazards.List(f)
	if err != nil {
		s.log.Error("api: list hazards", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	out := []HazardJSON{}
	for _, h := range list {
		out = append(out, HazardToJSON(h))
	}
	writeJSON(w, http.StatusOK, map[string]any{"hazards": out})
}

func (s *Server) getHazard(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	id := r.PathValue("id")
	h, err := s.hazards.Get(id)
	if err != nil {
		s.hazardError(w, id, "", "get hazard", err)
		return
	}
	writeJSON(w, http.StatusOK, HazardToJSON(h))
}

// by reads the acting official of a step; false (answered) when missing.
func by(w http.ResponseWriter, v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{"by: required (the official who takes this step)"})
		return "", false
	}
	return v, true
}

func (s *Server) assignHazard(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	id := r.PathValue("id")
	var req HazardAssignRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	who, ok := by(w, req.By)
	if !ok {
		return
	}
	if !s.knownOfficial(w, who) {
		return
	}
	due, err := s.parseDeadline(req.Deadline)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	a := hazard.Assignment{Deadline: due, Five: req.Five}
	if req.Responsible != nil {
		a.Responsible = *req.Responsible
	}
	h, err := s.hazards.Assign(who, id, a)
	if err != nil {
		s.hazardError(w, id, who, "assign hazard", err)
		return
	}
	writeJSON(w, http.StatusOK, HazardToJSON(h))
}

// knownOfficial answers 400 for a "by" naming nobody configured.
func (s *Server) knownOfficial(w http.ResponseWriter, id string) bool {
	if _, ok := s.cfg.Official(id); !ok {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("by: unknown official %q", id)})
		return false
	}
	return true
}

func (s *Server) hazardRectified(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	id := r.PathValue("id")
	var req HazardRectifiedRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	who, ok := by(w, req.By)
	if !ok {
		return
	}
	h, err := s.hazards.Rectified(id, hazard.Rectification{By: who, Name: req.Name, Note: req.Note, Photos: req.Photos})
	if err != nil {
		s.hazardError(w, id, who, "hazard rectified", err)
		return
	}
	writeJSON(w, http.StatusOK, HazardToJSON(h))
}

func (s *Server) recheckHazard(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	id := r.PathValue("id")
	var req HazardRecheckRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	who, ok := by(w, req.By)
	if !ok {
		return
	}
	if req.OK == nil {
		writeJSON(w, http.StatusBadRequest, errorBody{"ok: required (true: the fix holds; false: send it back with a note and a new deadline)"})
		return
	}
	rc := hazard.Recheck{OK: *req.OK, Note: req.Note}
	switch {
	case !rc.OK:
		if strings.TrimSpace(req.Deadline) == "" {
			writeJSON(w, http.StatusBadRequest, errorBody{"deadline: required to send a hazard back (the new 整改期限)"})
			return
		}
		due, err := s.parseDeadline(req.Deadline)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		rc.Deadline = due
	case strings.TrimSpace(req.Deadline) != "":
		writeJSON(w, http.StatusBadRequest, errorBody{"deadline: only for a recheck that fails (ok false)"})
		return
	}
	h, err := s.hazards.Recheck(who, id, rc)
	if err != nil {
		s.hazardError(w, id, who, "recheck hazard", err)
		return
	}
	writeJSON(w, http.StatusOK, HazardToJSON(h))
}

func (s *Server) closeHazard(w http.ResponseWriter, r *http.Request) {
	if s.hazardsOff(w) {
		return
	}
	id := r.PathValue("id")
	var req HazardCloseRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	who, ok := by(w, req.By)
	if !ok {
		return
	}
	h, err := s.hazards.Close(who, id, req.Note)
	if err != nil {
		s.hazardError(w, id, who, "close hazard", err)
		return
	}
	writeJSON(w, http.StatusOK, HazardToJSON(h))
}
