package tencentfake

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// States of a call, as the callee left it.
const (
	StateRinging  = "ringing"   // placed; the callee has done nothing yet
	StatePressed  = "pressed"   // picked up and pressed a key
	StateAnswered = "answered"  // picked up, pressed nothing
	StateNoAnswer = "no_answer" // rang out
	StateFailed   = "failed"    // could not be connected
)

// Call is a voice notification the fake accepted (SendTtsVoice).
type Call struct {
	CallID         string // the fake's id, what SendStatus.CallId answered
	Number         string // CalledNumber as sent
	AppID          string // VoiceSdkAppid
	TemplateID     string
	Params         []string // TemplateParamSet
	PlayTimes      uint64
	SessionContext string
	At             time.Time // when the request came
	State          string    // State…
	Key            string    // the key pressed, for StatePressed
	// CallbackStatus is the HTTP status dutybot answered the last callback
	// about this call with; 0 before one is posted.
	CallbackStatus int
}

type ttsVoiceRequest struct {
	TemplateId       string
	CalledNumber     string
	VoiceSdkAppid    string
	TemplateParamSet []string
	PlayTimes        *uint64
	SessionContext   string
}

// sendTtsVoice answers vms SendTtsVoice: it validates like Tencent, checks
// the number's frequency limit and records a ringing call.
func (s *Server) sendTtsVoice(body []byte) (map[string]any, *apiError) {
	var req ttsVoiceRequest
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	switch {
	case req.TemplateId == "":
		return nil, missing("TemplateId")
	case req.VoiceSdkAppid == "":
		return nil, missing("VoiceSdkAppid")
	case req.CalledNumber == "":
		return nil, missing("CalledNumber")
	case !e164(req.CalledNumber):
		return nil, errorf("InvalidParameterValue.CalledNumberVerifyFail", "CalledNumber %q is not in E.164 form (+[country code][number]).", req.CalledNumber)
	}
	playTimes := uint64(2)
	if req.PlayTimes != nil {
		playTimes = *req.PlayTimes
	}
	if playTimes < 1 || playTimes > 3 {
		return nil, errorf("InvalidParameterValue", "PlayTimes %d: a message is played 1 to 3 times.", playTimes)
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errorf("InternalError", "the fake is closing")
	}
	if hour, day := s.overLimitLocked("vms", req.CalledNumber, now); hour || day {
		return nil, errorf("LimitExceeded.DeliveryFrequencyLimit", "%s is over its call frequency limit.", req.CalledNumber)
	}
	c := &Call{
		CallID:         newUUID(),
		Number:         req.CalledNumber,
		AppID:          req.VoiceSdkAppid,
		TemplateID:     req.TemplateId,
		Params:         req.TemplateParamSet,
		PlayTimes:      playTimes,
		SessionContext: req.SessionContext,
		At:             now,
		State:          StateRinging,
	}
	s.calls = append(s.calls, c)
	s.callByID[c.CallID] = c
	s.changedLocked()
	if a := s.opts.Auto; a != nil {
		s.wg.Go(func() { s.autoCall(a, c.CallID) })
	}
	return map[string]any{"SendStatus": map[string]string{"CallId": c.CallID, "SessionContext": c.SessionContext}}, nil
}

func missing(param string) *apiError {
	return errorf("MissingParameter", "The request is missing a required parameter `%s`.", param)
}

// autoCall plays the callee of one call as a says.
func (s *Server) autoCall(a *AutoAnswer, callID string) {
	if !s.sleep(a.After) {
		return
	}
	switch {
	case a.NoAnswer:
		_, _ = s.NoAnswer(callID)
	case a.Key != "":
		_, _ = s.Press(callID, a.Key)
	default:
		_, _ = s.Answer(callID)
	}
}

// sleep waits d, or until Close; it tells whether d passed.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// Calls returns every call accepted so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = *c
		out[i].Params = slices.Clone(c.Params)
	}
	return out
}

// WaitCalls waits until at least n calls were accepted and returns them.
func (s *Server) WaitCalls(ctx context.Context, n int) ([]Call, error) {
	for {
		s.mu.Lock()
		got, changed := len(s.calls), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Calls(), nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return s.Calls(), fmt.Errorf("wait for %d calls, have %d: %w", n, got, ctx.Err())
		}
	}
}
