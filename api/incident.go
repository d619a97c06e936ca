package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/incident"
	"dutybot/storage"
)

// incidentRoutes adds the incident endpoints (事故直报).
func (s *Server) incidentRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/incidents", s.auth(s.createIncident))
	mux.HandleFunc("GET /api/v1/incidents", s.auth(s.listIncidents))
	mux.HandleFunc("GET /api/v1/incidents/{id}", s.auth(s.getIncident))
	mux.HandleFunc("POST /api/v1/incidents/{id}/reported", s.auth(s.incidentReported))
	mux.HandleFunc("POST /api/v1/incidents/{id}/update", s.auth(s.updateIncident))
}

// IncidentRequest is the body of POST /api/v1/incidents; the fields are
// named like the questions of /incident.
type IncidentRequest struct {
	// OccurredAt is RFC 3339, or "2006-01-02 15:04" in the configured zone.
	OccurredAt      string `json:"occurred_at"`
	Place           string `json:"place"`
	Unit            string `json:"unit"`
	Category        string `json:"category"` // an id (road_traffic …) or its name (道路交通 …)
	Deaths          int    `json:"deaths"`
	SeriousInjuries int    `json:"serious_injuries"`
	Missing         int    `json:"missing"`
	// DirectLossWan is the estimated direct loss in 万元 (10,000 yuan).
	DirectLossWan json.Number `json:"direct_loss_wan"`
	Account       string      `json:"account"`
	// Reporter optionally names the official who reported it.
	Reporter string `json:"reporter,omitempty"`
}

// IncidentUpdateRequest is the body of POST /api/v1/incidents/{id}/update
// (续报); absent figures stay as they are.
type IncidentUpdateRequest struct {
	Deaths          *int        `json:"deaths"`
	SeriousInjuries *int        `json:"serious_injuries"`
	Missing         *int        `json:"missing"`
	DirectLossWan   json.Number `json:"direct_loss_wan"`
	Account         string      `json:"account"` // a note on the 续报
	By              string      `json:"by,omitempty"`
}

// ReportedRequest is the body of POST /api/v1/incidents/{id}/reported
// (已上报): to whom (default incidents.report_to) and by whom (an official).
type ReportedRequest struct {
	To string `json:"to"`
	By string `json:"by"`
}

// IncidentJSON is an incident as the API shows it.
type IncidentJSON struct {
	ID              string         `json:"id"`
	OccurredAt      time.Time      `json:"occurred_at"`
	Place           string         `json:"place"`
	Unit            string         `json:"unit"`
	Category        string         `json:"category"`
	Deaths          int            `json:"deaths"`
	SeriousInjuries int            `json:"serious_injuries"`
	Missing         int            `json:"missing"`
	DirectLossWan   json.Number    `json:"direct_loss_wan"`
	Account         string         `json:"account"`
	Photos          int            `json:"photos"`
	Level           string         `json:"level"`
	Reporter        string         `json:"reporter,omitempty"`
	Source          string         `json:"source"`
	ReportedAt      time.Time      `json:"reported_at"`
	ReportDue       time.Time      `json:"report_due"`
	ReportedUp      *UpReportJSON  `json:"reported_up"`
	Late            bool           `json:"late"`
	LateAt          *time.Time     `json:"late_at"`
	SupplementDue   bool           `json:"supplement_due"`
	Supplements     []UpReportJSON `json:"supplements"`
	Updates         []UpdateJSON   `json:"updates"`
	Alert           string         `json:"alert,omitempty"`
	AlertStatus     *AlertStatus   `json:"alert_status,omitempty"`
	Escalation      string         `json:"escalation,omitempty"`
	Timeline        []EventJSON    `json:"timeline"`
}

// UpReportJSON is an upward report: when, by whom, to whom.
type UpReportJSON struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	To   string    `json:"to"`
	Late bool      `json:"late"`
}

// UpdateJSON is one 续报.
type UpdateJSON struct {
	At              time.Time   `json:"at"`
	By              string      `json:"by"`
	Deaths          int         `json:"deaths"`
	SeriousInjuries int         `json:"serious_injuries"`
	Missing         int         `json:"missing"`
	DirectLossWan   json.Number `json:"direct_loss_wan"`
	Note            string      `json:"note,omitempty"`
	LevelBefore     string      `json:"level_before"`
	Level           string      `json:"level"`
	Supplement      bool        `json:"supplement"`
	OutsideWindow   bool        `json:"outside_window"`
}

// EventJSON is one entry of an incident's timeline.
type EventJSON struct {
	At       time.Time `json:"at"`
	Type     string    `json:"type"`
	Actor    string    `json:"actor,omitempty"`
	Official string    `json:"official,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	// Code and Args are the detail as data (storage.Event.Code, Args).
	Code string        `json:"code,omitempty"`
	Args []storage.Arg `json:"args,omitempty"`
}

func upJSON(u incident.UpReport) UpReportJSON {
	return UpReportJSON{At: u.At, By: u.By, To: u.To, Late: u.Late}
}

func incidentJSON(v incident.View) IncidentJSON {
	in := v.Incident
	out := IncidentJSON{ID: in.ID, OccurredAt: in.OccurredAt, Place: in.Place, Unit: in.Unit, Category: in.Category,
		Deaths: in.Deaths, SeriousInjuries: in.Serious, Missing: in.Missing, DirectLossWan: json.Number(incident.FormatWan(in.LossYuan)),
		Account: in.Account, Photos: len(in.Photos), Level: in.Level, Reporter: in.Reporter, Source: in.Source,
		ReportedAt: in.ReportedAt, ReportDue: in.ReportDue, Late: in.Late, LateAt: optTime(in.LateAt),
		SupplementDue: in.SupplementDue, Supplements: []UpReportJSON{}, Updates: []UpdateJSON{}, Alert: in.Alert,
		Escalation: in.Escalation, Timeline: []EventJSON{}}
	if in.Up != nil {
		u := upJSON(*in.Up)
		out.ReportedUp = &u
	}
	for _, u := range in.Supplements {
		out.Supplements = append(out.Supplements, upJSON(u))
	}
	for _, u := range in.Updates {
		out.Updates = append(out.Updates, UpdateJSON{At: u.At, By: u.By, Deaths: u.Deaths, SeriousInjuries: u.Serious,
			Missing: u.Missing, DirectLossWan: json.Number(incident.FormatWan(u.LossYuan)), Note: u.Note,
			LevelBefore: u.LevelBefore, Level: u.Level, Supplement: u.Supplement, OutsideWindow: u.OutsideWindow})
	}
	for _, e := range v.Timeline {
		out.Timeline = append(out.Timeline, EventJSON{At: e.At, Type: e.Type, Actor: e.Actor, Official: e.Official, Detail: e.Detail,
			Code: e.Code, Args: e.Args})
	}
	if v.Alert != nil {
		st := &AlertStatus{State: v.Alert.Alert.State, Recipients: len(v.Alert.Recipients)}
		for _, r := range v.Alert.Recipients {
			if r.State == callout.StateAcked {
				st.Answered++
			}
		}
		out.AlertStatus = st
	}
	return out
}

// parseLoss reads direct_loss_wan; empty is zero.
func parseLoss(n json.Number) (int64, error) {
	if n == "" {
		return 0, nil
	}
	y, err := incident.ParseLossWan(string(n))
	switch {
	case errors.Is(err, incident.ErrNegative):
		return 0, fmt.Errorf("direct_loss_wan: %s must not be negative", n)
	case errors.Is(err, incident.ErrTooLarge):
		return 0, fmt.Errorf("direct_loss_wan: %s is too large", n)
	case err != nil:
		return 0, fmt.Errorf("direct_loss_wan: %q is not a number of 万元", n)
	}
	return y, nil
}

// parseOccurred reads occurred_at: RFC 3339, or a local "2006-01-02 15:04".
func (s *Server) parseOccurred(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, errors.New("occurred_at: required")
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, s.incidents.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("occurred_at: %q is not RFC 3339 or 2006-01-02 15:04", v)
}

func (s *Server) incidentsOff(w http.ResponseWriter) bool {
	if s.incidents == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"incident reporting is not enabled"})
		return true
	}
	return false
}

// incidentError answers the errors of the incident service.
func (s *Server) incidentError(w http.ResponseWriter, id, what string, err error) {
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		writeJSON(w, http.StatusBadRequest, errorBody{verr.Reason})
	case errors.Is(err, incident.ErrUnknownIncident):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no incident %q", id)})
	case errors.Is(err, incident.ErrForbidden):
		writeJSON(w, http.StatusForbidden, errorBody{"by: this official may not do that"})
	case errors.Is(err, incident.ErrNothingToReport):
		writeJSON(w, http.StatusConflict, errorBody{"the upward report was recorded already and no 补报 is due"})
	default:
		s.log.Error("api: "+what, "incident", id, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	}
}

func (s *Server) createIncident(w http.ResponseWriter, r *http.Request) {
	if s.incidentsOff(w) {
		return
	}
	var req IncidentRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	at, err := s.parseOccurred(req.OccurredAt)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	cat, ok := s.incidents.ParseCategory(req.Category)
	if !ok {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("category: %q is not one of %s",
			req.Category, strings.Join(incident.Categories, ", "))})
		return
	}
	loss, err := parseLoss(req.DirectLossWan)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	if req.Reporter != "" && !s.incidents.CanReport(req.Reporter) {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("reporter: unknown official %q", req.Reporter)})
		return
	}
	res, err := s.incidents.Submit(incident.Report{OccurredAt: at, Place: req.Place, Unit: req.Unit, Category: cat,
		Deaths: req.Deaths, Serious: req.SeriousInjuries, Missing: req.Missing, LossYuan: loss, Account: req.Account,
		Reporter: req.Reporter, Source: "api"})
	if err != nil {
		s.incidentError(w, "", "create incident", err)
		return
	}
	in := res.Incident
	w.Header().Set("Location", "/api/v1/incidents/"+in.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"id": in.ID, "level": in.Level, "report_due": in.ReportDue,
		"alert": in.Alert, "called": len(res.Called)})
}

func (s *Server) listIncidents(w http.ResponseWriter, _ *http.Request) {
	if s.incidentsOff(w) {
		return
	}
	list, err := s.incidents.Recent(100)
	if err != nil {
		s.log.Error("api: list incidents", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	out := []IncidentJSON{}
	for _, in := range list {
		j := incidentJSON(incident.View{Incident: in})
		j.Timeline = nil
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	if s.incidentsOff(w) {
		return
	}
	id := r.PathValue("id")
	v, err := s.incidents.Get(id)
	if err != nil {
		s.incidentError(w, id, "get incident", err)
		return
	}
	writeJSON(w, http.StatusOK, incidentJSON(v))
}

func (s *Server) incidentReported(w http.ResponseWriter, r *http.Request) {
	if s.incidentsOff(w) {
		return
	}
	id := r.PathValue("id")
	var req ReportedRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.By = strings.TrimSpace(req.By)
	if req.By != "" && !s.incidents.CanReport(req.By) {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("by: unknown official %q", req.By)})
		return
	}
	if _, err := s.incidents.ReportUp(id, req.By, req.To, "api"); err != nil {
		s.incidentError(w, id, "record upward report", err)
		return
	}
	s.getIncident(w, r)
}

func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request) {
	if s.incidentsOff(w) {
		return
	}
	id := r.PathValue("id")
	var req IncidentUpdateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	ch := incident.Change{Deaths: req.Deaths, Serious: req.SeriousInjuries, Missing: req.Missing, Note: req.Account,
		By: strings.TrimSpace(req.By), Source: "api"}
	if req.DirectLossWan != "" {
		loss, err := parseLoss(req.DirectLossWan)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
			return
		}
		ch.LossYuan = &loss
	}
	out, err := s.incidents.Update(id, ch)
	if err != nil {
		s.incidentError(w, id, "update incident", err)
		return
	}
	v, err := s.incidents.Get(id)
	if err != nil {
		s.incidentError(w, id, "get incident", err)
		return
	}
	u := out.Update
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "level": u.Level, "previous_level": u.LevelBefore,
		"level_rose": out.Rose, "supplement": u.Supplement, "outside_window": u.OutsideWindow, "incident": incidentJSON(v)})
}
