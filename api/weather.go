package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"dutybot/callout"
	"dutybot/weather"
)

// weatherRoutes adds the warning endpoints.
func (s *Server) weatherRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/warnings", s.auth(s.listWarnings))
	mux.HandleFunc("GET /api/v1/warnings/{id}", s.auth(s.getWarning))
	mux.HandleFunc("POST /api/v1/warnings/{id}/lift", s.auth(s.liftWarning))
}

// WarningJSON is a weather warning as the API shows it.
type WarningJSON struct {
	ID    string   `json:"id"`
	Type  string   `json:"type"`
	Level string   `json:"level"`
	Title string   `json:"title"`
	Text  string   `json:"text"`
	Units []string `json:"units"` // empty: every unit
	// Groups are the work groups called in the group (targets.groups).
	Groups    []string     `json:"groups,omitempty"`
	Issuer    string       `json:"issuer,omitempty"`
	Source    string       `json:"source"`
	State     string       `json:"state"`
	IssuedAt  time.Time    `json:"issued_at"`
	LiftedAt  *time.Time   `json:"lifted_at"`
	LiftedBy  string       `json:"lifted_by,omitempty"`
	DutyMode  bool         `json:"duty_mode"`
	Meltdown  bool         `json:"meltdown"`
	ConfirmBy *time.Time   `json:"confirm_by"`
	Overdue   bool         `json:"overdue"`
	Confirmed int          `json:"confirmed"`
	Checklist []ItemJSON   `json:"checklist"`
	Alert     *AlertStatus `json:"alert,omitempty"`
}

// AlertStatus is the state of the 叫应 alert that carried a warning.
type AlertStatus struct {
	State      string `json:"state"`
	Recipients int    `json:"recipients"`
	Answered   int    `json:"answered"`
}

// ItemJSON is one 熔断 checklist item.
type ItemJSON struct {
	No     int        `json:"no"`
	Unit   string     `json:"unit"`
	Action string     `json:"action"`
	Text   string     `json:"text"`
	Count  bool       `json:"count"`
	State  string     `json:"state"`
	Value  *int       `json:"value"`
	Note   string     `json:"note,omitempty"`
	By     string     `json:"by,omitempty"`
	At     *time.Time `json:"at"`
}

func (s *Server) warningJSON(v weather.View) WarningJSON {
	w := v.Warning
	out := WarningJSON{ID: w.ID, Type: w.Type, Level: w.Level, Title: w.Title, Text: w.Text, Units: w.Units, Groups: w.Groups,
		Issuer: w.Issuer, Source: w.Source, State: w.State, IssuedAt: w.IssuedAt, LiftedAt: optTime(w.LiftedAt),
		LiftedBy: w.LiftedBy, DutyMode: w.DutyMode, Meltdown: w.Meltdown, ConfirmBy: optTime(w.ConfirmBy),
		Overdue: w.Overdue, Confirmed: v.Confirmed(), Checklist: []ItemJSON{}}
	if out.Units == nil {
		out.Units = []string{}
	}
	for _, it := range v.Items {
		ij := ItemJSON{No: it.No, Unit: it.Unit, Action: it.Action, Text: it.Text, Count: it.Count, State: it.State,
			Note: it.Note, By: it.By, At: optTime(it.At)}
		if it.Done() && it.Count {
			ij.Value = &it.Value
		}
		out.Checklist = append(out.Checklist, ij)
	}
	if a, err := s.engine.Get(w.ID); err == nil {
		st := &AlertStatus{State: a.Alert.State, Recipients: len(a.Recipients)}
		for _, r := range a.Recipients {
			if r.State == callout.StateAcked {
				st.Answered++
			}
		}
		out.Alert = st
	}
	return out
}

// createWarning serves POST /api/v1/alerts with "kind": "weather": a
// meteorological feed or script sends a warning as /warn does.
func (s *Server) createWarning(w http.ResponseWriter, req AlertRequest) {
	if s.weather == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"weather warnings are not enabled"})
		return
	}
	if len(req.Targets.Officials) > 0 || len(req.Targets.Roles) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{"targets: a weather warning goes to units (targets.units), work groups (targets.groups) or to everyone (targets.all or no targets)"})
		return
	}
	units := req.Targets.Units
	if req.Targets.All {
		units = nil
	}
	res, err := s.weather.Issue(weather.Request{Type: req.Type, Level: req.Level, Units: units, Groups: req.Targets.Groups, Title: req.Title,
		Text: req.Body, Source: "api"})
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		writeJSON(w, http.StatusBadRequest, errorBody{verr.Reason})
		return
	case err != nil:
		s.log.Error("api: create warning", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	// The warning's 叫应 alert shares its id and recorded its paid calls.
	paid := 0
	if a, err := s.engine.Alert(res.Warning.ID); err != nil {
		s.log.Error("api: read the warning's alert", "warning", res.Warning.ID, "err", err)
	} else {
		paid = a.PaidCalls
	}
	w.Header().Set("Location", "/api/v1/warnings/"+res.Warning.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"id": res.Warning.ID, "recipients": res.Recipients,
		"duty_mode": res.Warning.DutyMode, "meltdown": res.Warning.Meltdown, "checklist_items": res.Items,
		"paid_messages": paid, "stars": callout.Stars(paid)})
}

func (s *Server) listWarnings(w http.ResponseWriter, _ *http.Request) {
	if s.weather == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"weather warnings are not enabled"})
		return
	}
	views, err := s.weather.Active()
	if err != nil {
		s.log.Error("api: list warnings", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	out := []WarningJSON{}
	for _, v := range views {
		out = append(out, s.warningJSON(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"warnings": out})
}

func (s *Server) getWarning(w http.ResponseWriter, r *http.Request) {
	if s.weather == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"weather warnings are not enabled"})
		return
	}
	v, err := s.weather.Get(r.PathValue("id"))
	switch {
	case errors.Is(err, weather.ErrUnknownWarning):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no warning %q", r.PathValue("id"))})
	case err != nil:
		s.log.Error("api: get warning", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	default:
		writeJSON(w, http.StatusOK, s.warningJSON(v))
	}
}

func (s *Server) liftWarning(w http.ResponseWriter, r *http.Request) {
	if s.weather == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"weather warnings are not enabled"})
		return
	}
	_, err := s.weather.LiftByAPI(r.PathValue("id"))
	switch {
	case errors.Is(err, weather.ErrUnknownWarning):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no warning %q", r.PathValue("id"))})
	case errors.Is(err, weather.ErrLifted):
		writeJSON(w, http.StatusConflict, errorBody{"the warning was lifted already"})
	case err != nil:
		s.log.Error("api: lift warning", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	default:
		s.getWarning(w, r)
	}
}
