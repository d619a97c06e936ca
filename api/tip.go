package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"dutybot/storage"
	"dutybot/tips"
)

// tipRoutes adds the hazard-tip endpoints. They never show who sent a tip,
// named or anonymous: the API is read by scripts and dashboards, not by
// the people who may see a tipster.
func (s *Server) tipRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/tips/stats", s.auth(s.tipStats))
	mux.HandleFunc("GET /api/v1/tips/{ref}", s.auth(s.getTip))
}

// TipJSON is a hazard tip as the API shows it.
type TipJSON struct {
	Ref        string         `json:"ref"`
	State      string         `json:"state"`
	Text       string         `json:"text"`
	Place      string         `json:"place,omitempty"`
	Location   *storage.Point `json:"location,omitempty"`
	Photos     int            `json:"photos"`
	Anonymous  bool           `json:"anonymous"`
	ReceivedAt time.Time      `json:"received_at"`
	Unit       string         `json:"unit,omitempty"`
	AssignedAt *time.Time     `json:"assigned_at"`
	Due        *time.Time     `json:"due"`
	Overdue    bool           `json:"overdue"`
	ClosedAt   *time.Time     `json:"closed_at"`
	Verified   *bool          `json:"verified"` // null while open
	Result     string         `json:"result,omitempty"`
	Reward     string         `json:"reward,omitempty"` // yuan
	RewardedAt *time.Time     `json:"rewarded_at"`
}

// TipToJSON converts a tip for the API, leaving out every trace of who
// sent it.
func TipToJSON(t tips.Tip) TipJSON {
	out := TipJSON{Ref: t.Ref, State: t.State, Text: t.Text, Place: t.Place, Location: t.Point,
		Photos: len(t.Photos), Anonymous: t.Anonymous, ReceivedAt: t.ReceivedAt, Unit: t.Unit,
		AssignedAt: optTime(t.AssignedAt), Due: optTime(t.Due), Overdue: t.Overdue, ClosedAt: optTime(t.ClosedAt),
		Result: t.Result, Reward: t.Reward, RewardedAt: optTime(t.RewardedAt)}
	if t.State == tips.StateClosed {
		v := t.Verified
		out.Verified = &v
	}
	return out
}

func (s *Server) getTip(w http.ResponseWriter, r *http.Request) {
	if s.tips == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"hazard tips are not enabled"})
		return
	}
	ref := r.PathValue("ref")
	t, err := s.tips.Get(ref)
	switch {
	case errors.Is(err, tips.ErrUnknown):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no tip %q", ref)})
	case err != nil:
		s.log.Error("api: get tip", "tip", ref, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	default:
		writeJSON(w, http.StatusOK, TipToJSON(t))
	}
}

// tipStats serves GET /api/v1/tips/stats?months=12: tips received, closed
// as verified and rewarded per month, the current month last.
func (s *Server) tipStats(w http.ResponseWriter, r *http.Request) {
	if s.tips == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"hazard tips are not enabled"})
		return
	}
	n := 12
	if v := r.URL.Query().Get("months"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > tips.MaxMonths {
			writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("months: %q is not a number from 1 to %d", v, tips.MaxMonths)})
			return
		}
	}
	months, err := s.tips.Stats(n)
	if err != nil {
		s.log.Error("api: tip stats", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"months": months})
}
