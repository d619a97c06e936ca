// Package api serves dutybot's HTTP interface: the alert API that scripts
// and feeds (meteorological warnings) call, health and metrics.
package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/coverage"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/health"
	"dutybot/incident"
	"dutybot/inspection"
	"dutybot/ledger"
	"dutybot/locales"
	"dutybot/phone"
	"dutybot/quota"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/tips"
	"dutybot/weather"
)

// Server holds the HTTP handlers.
type Server struct {
	cfg      *config.Config
	engine   *callout.Engine
	db       *storage.DB
	token    string
	gatherer prometheus.Gatherer
	log      *slog.Logger
	rota     *rota.Service
	weather  *weather.Service
	coverage *coverage.Checker // roster files and gaps (roster.go)

	incidents *incident.Service
	tips      *tips.Service
	hazards   *hazard.Service // the hazard loop (WithHazards)
	book      *ledger.Ledger  // the 履职档案 (WithLedger)
	checker   *health.Checker // what /healthz checks (WithHealth)

	enterprises     *enterprise.Registry // the 挂牌企业台账 (enterprise.go)
	enterpriseWords *locales.Catalog

	inspections *inspection.Service // /check's records (inspection.go)
	quotas      *quota.Service      // item 19's per-person quotas (quota.go)

	reloadDirectory func() (config.Change, error) // the 通讯录 read again (directory.go)

	phone *phone.Service // 电话叫应's calls (phone.go)
}

// WithHealth has /healthz check the conditions of c and answer 503 with
// the reasons when one holds.
func (s *Server) WithHealth(c *health.Checker) *Server {
	s.checker = c
	return s
}

// WithReports adds the incident and hazard-tip endpoints.
func (s *Server) WithReports(i *incident.Service, t *tips.Service) *Server {
	s.incidents, s.tips = i, t
	return s
}

// WithDuty adds the roster and weather endpoints.
func (s *Server) WithDuty(r *rota.Service, w *weather.Service) *Server {
	s.rota, s.weather = r, w
	return s
}

// New returns the API; without http's API token (cfg.HTTP.APIToken) the
// alert endpoints answer 503.
func New(cfg *config.Config, engine *callout.Engine, db *storage.DB, g prometheus.Gatherer, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{cfg: cfg, engine: engine, db: db, token: cfg.HTTP.APIToken, gatherer: g, log: log}
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/alerts", s.auth(s.createAlert))
	mux.HandleFunc("GET /api/v1/alerts/{id}", s.auth(s.getAlert))
	mux.HandleFunc("POST /api/v1/alerts/{id}/close", s.auth(s.closeAlert))
	s.rosterRoutes(mux)
	s.weatherRoutes(mux)
	s.incidentRoutes(mux)
	s.tipRoutes(mux)
	s.hazardRoutes(mux)
	s.backupRoutes(mux)
	s.quarantineRoutes(mux)
	s.enterpriseRoutes(mux)
	s.inspectionRoutes(mux)
	s.quotaRoutes(mux)
	s.directoryRoutes(mux)
	mux.HandleFunc("GET /healthz", s.health)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{}))
	return mux
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.token == "" {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{"the alert API is disabled: set http.api_token_file or DUTYBOT_API_TOKEN"})
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dutybot"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{"missing or wrong bearer token"})
			return
		}
		next(w, r)
	}
}

// AlertRequest is the body of POST /api/v1/alerts.
type AlertRequest struct {
	Kind    string          `json:"kind"`
	Title   string          `json:"title"`
	Body    string          `json:"body"`
	Level   string          `json:"level"`
	Targets callout.Targets `json:"targets"`
	// Type is the warning type of a "kind": "weather" alert (rainstorm …).
	Type string `json:"type,omitempty"`
}

func (s *Server) createAlert(w http.ResponseWriter, r *http.Request) {
	var req AlertRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Kind != "" && req.Kind != "alert" && req.Kind != "weather" {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("kind: %q is not alert or weather", req.Kind)})
		return
	}
	if req.Kind == "weather" {
		s.createWarning(w, req)
		return
	}
	a, err := s.engine.Create(callout.Request{Kind: req.Kind, Level: req.Level, Title: req.Title, Body: req.Body,
		Targets: req.Targets, Source: "api"})
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		writeJSON(w, http.StatusBadRequest, errorBody{verr.Reason})
		return
	case err != nil:
		s.log.Error("api: create alert", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	w.Header().Set("Location", "/api/v1/alerts/"+a.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"id": a.ID, "recipients": len(a.Recipients),
		"paid_messages": a.PaidCalls, "stars": callout.Stars(a.PaidCalls)})
}

// AlertJSON is an alert as the API shows it.
type AlertJSON struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Level     string          `json:"level"`
	Title     string          `json:"title"`
	Body      string          `json:"body"`
	State     string          `json:"state"`
	Source    string          `json:"source"`
	Issuer    string          `json:"issuer,omitempty"`
	Targets   callout.Targets `json:"targets"`
	CreatedAt time.Time       `json:"created_at"`
	ClosedAt  *time.Time      `json:"closed_at"`
	ClosedBy  string          `json:"closed_by,omitempty"`
	Answered  int             `json:"answered"`
	PaidCalls int             `json:"paid_calls"` // first calls queued for paid broadcast: the estimate told
	PaidSent  int             `json:"paid_sent"`  // of those, delivered paid (the rest went at the free pace)
	// PhoneCalls and SMSSent count what 电话叫应 placed (what it cost);
	// Calls lists each call and message, when the phone channel runs.
	PhoneCalls int             `json:"phone_calls"`
	SMSSent    int             `json:"sms_sent"`
	Calls      []CallJSON      `json:"calls,omitempty"`
	Recipients []RecipientJSON `json:"recipients"`
}

// RecipientJSON is one recipient's state.
type RecipientJSON struct {
	Official    string           `json:"official"`
	State       string           `json:"state"`
	SentAt      *time.Time       `json:"sent_at"`
	AckedAt     *time.Time       `json:"acked_at"`
	AckedBy     string           `json:"acked_by"`
	NextAt      *time.Time       `json:"next_step_at"`
	Unreachable string           `json:"unreachable,omitempty"`
	Escalations []EscalationJSON `json:"escalations"`
	// Channel is "group" for a recipient called in a work group (Group
	// names it), "private" otherwise; AckedIn where they answered.
	Channel string `json:"channel"`
	Group   string `json:"group,omitempty"`
	AckedIn string `json:"acked_in,omitempty"`
	// Paid: the first call was delivered by paid broadcast.
	Paid bool `json:"paid,omitempty"`
	// AnsweredBy says how a settled recipient answered: "chat" (the
	// button), "group", "phone" (the key pressed) or "sms" (a reply).
	AnsweredVia string `json:"answered_via,omitempty"`
}

// EscalationJSON is one step taken.
type EscalationJSON struct {
	Step   int       `json:"step"`
	Action string    `json:"action"`
	To     string    `json:"to,omitempty"`
	People []string  `json:"people,omitempty"`
	At     time.Time `json:"at"`
	// Reason says why the step reached nobody (unreachable, no_target,
	// self, not_higher); Passed whom the target named but the step left
	// out; Note says the same in English.
	Reason string   `json:"reason,omitempty"`
	Passed []string `json:"passed,omitempty"`
	Role   string   `json:"role,omitempty"` // what a target naming people stood for (shift_leader)
	Note   string   `json:"note,omitempty"`
	// Results says, for a call or sms step, what became of it for each
	// person it reached: placed, pressed, answered (picked up, pressed
	// nothing), no_answer, failed, held (a frequency limit), …
	Results map[string]string `json:"results,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ToJSON converts an alert view for the API.
func ToJSON(v callout.View) AlertJSON {
	a := v.Alert
	out := AlertJSON{ID: a.ID, Kind: a.Kind, Level: a.Level, Title: a.Title, Body: a.Body, State: a.State,
		Source: a.Source, Issuer: a.Issuer, Targets: a.Targets, CreatedAt: a.CreatedAt, ClosedAt: optTime(a.ClosedAt),
		ClosedBy: a.ClosedBy, PaidCalls: a.PaidCalls, PaidSent: v.PaidSent(), Recipients: []RecipientJSON{}}
	tally := callout.PhoneTally(v.Recipients)
	out.PhoneCalls, out.SMSSent = tally.Calls, tally.SMS
	for _, r := range v.Recipients {
		rj := RecipientJSON{Official: r.Official, State: r.State, SentAt: optTime(r.SentAt), AckedAt: optTime(r.AckedAt),
			AckedBy: r.AckedBy, NextAt: optTime(r.NextAt), Unreachable: r.Unreachable, Escalations: []EscalationJSON{},
			Channel: "private", Group: r.Group, Paid: r.Paid}
		if r.Group != "" {
			rj.Channel = callout.ChannelGroup
		}
		if r.State == callout.StateAcked {
			rj.AckedIn = "private"
			rj.AnsweredVia = "chat"
			if r.AckedIn != "" {
				rj.AckedIn, rj.AnsweredVia = r.AckedIn, r.AckedIn
			}
		}
		for _, e := range r.Escalations {
			rj.Escalations = append(rj.Escalations, EscalationJSON{Step: e.Step, Action: e.Action, To: e.To,
				People: e.People, At: e.At, Reason: e.Cause(), Passed: e.Passed, Role: e.Role, Note: e.NoteText(), Results: e.Results})
		}
		if r.State == callout.StateAcked {
			out.Answered++
		}
		out.Recipients = append(out.Recipients, rj)
	}
	return out
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) {
	v, err := s.engine.Get(r.PathValue("id"))
	switch {
	case errors.Is(err, callout.ErrUnknownAlert):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no alert %q", r.PathValue("id"))})
	case err != nil:
		s.log.Error("api: get alert", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	default:
		out := ToJSON(v)
		calls, err := s.callsJSON(v.Alert.ID)
		if err != nil {
			s.log.Error("api: list an alert's calls", "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
			return
		}
		out.Calls = calls
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) closeAlert(w http.ResponseWriter, r *http.Request) {
	_, err := s.engine.CloseByAPI(r.PathValue("id"))
	switch {
	case errors.Is(err, callout.ErrUnknownAlert):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no alert %q", r.PathValue("id"))})
	case errors.Is(err, callout.ErrClosed):
		writeJSON(w, http.StatusConflict, errorBody{"alert is not open"})
	case err != nil:
		s.log.Error("api: close alert", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	default:
		s.getAlert(w, r)
	}
}

// health answers GET /healthz: 200 with "status": "ok", or 503 with
// "status": "unhealthy" and the reasons; the queue and deadline counts
// either way.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	if s.checker == nil {
		var queue, deadlines int
		err := s.db.View(func(tx *storage.Tx) error {
			queue, deadlines = tx.QueueLen(), tx.DeadlineCount()
			return nil
		})
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "storage error", "reasons": []string{err.Error()}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "outbox": queue, "deadlines": deadlines, "reasons": []string{}})
		return
	}
	r := s.checker.Check()
	status, code := "ok", http.StatusOK
	if !r.OK() {
		status, code = "unhealthy", http.StatusServiceUnavailable
		s.log.Warn("unhealthy", "reasons", r.Reasons)
	}
	writeJSON(w, code, map[string]any{"status": status, "outbox": r.Outbox, "deadlines": r.Deadlines,
		"quarantined": r.Quarantined, "role": r.Role, "reasons": r.Reasons})
}
