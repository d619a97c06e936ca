package api

import (
	"time"

	"dutybot/phone"
)

// CallJSON is one call or text message of 电话叫应.
type CallJSON struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"` // call or sms
	Official string     `json:"official"`
	About    []string   `json:"about"` // the silent recipients it was about
	Step     int        `json:"step"`
	State    string     `json:"state"` // queued, placed, pressed, answered, no_answer, failed, held, refused, …
	Key      string     `json:"key,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	PlacedAt *time.Time `json:"placed_at"`
	ResultAt *time.Time `json:"result_at"`
}

// WithPhone lists an alert's calls and text messages in GET
// /api/v1/alerts/{id}.
func (s *Server) WithPhone(p *phone.Service) *Server {
	s.phone = p
	return s
}

// callsJSON lists an alert's calls, nil without the phone channel.
func (s *Server) callsJSON(alert string) ([]CallJSON, error) {
	if s.phone == nil {
		return nil, nil
	}
	calls, err := s.phone.Calls(alert)
	if err != nil {
		return nil, err
	}
	out := make([]CallJSON, 0, len(calls))
	for _, c := range calls {
		out = append(out, CallJSON{ID: c.ID, Kind: c.Kind, Official: c.Official, About: c.About, Step: c.Step,
			State: c.State, Key: c.Key, Reason: c.Reason, PlacedAt: optTime(c.PlacedAt), ResultAt: optTime(c.ResultAt)})
	}
	return out, nil
}
