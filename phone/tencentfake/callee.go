package tencentfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ErrNotRinging is returned when a callee acts on a call already settled.
var ErrNotRinging = errors.New("the call is no longer ringing")

// cst is China Standard Time, the zone of the SMS reports' times.
var cst = time.FixedZone("CST", 8*3600)

// The callbacks' bodies, field for field as Tencent documents them.
type (
	voicePrompt struct {
		Result        string `json:"result"` // 0 picked up, 1 not picked up, 2 abnormal
		CallID        string `json:"callid"`
		Mobile        string `json:"mobile"`
		NationCode    string `json:"nationcode"`
		CallFrom      string `json:"call_from"`
		StartCallTime string `json:"start_calltime"`
		EndCallTime   string `json:"end_calltime"`
		AcceptTime    string `json:"accept_time"`
		Fee           string `json:"fee"`
	}
	voiceKey struct {
		CallFrom   string `json:"call_from"`
		CallID     string `json:"callid"`
		KeyPress   string `json:"keypress"`
		Mobile     string `json:"mobile"`
		NationCode string `json:"nationcode"`
	}
	voiceFailure struct {
		CallFrom      string `json:"call_from"`
		CallID        string `json:"callid"`
		FailureCode   int    `json:"failure_code"`
		FailureReason string `json:"failure_reason"`
		Mobile        string `json:"mobile"`
		NationCode    string `json:"nationcode"`
	}
	smsReply struct {
		Extend     string `json:"extend"`
		Mobile     string `json:"mobile"`
		NationCode string `json:"nationcode"`
		Sign       string `json:"sign"`
		Text       string `json:"text"`
		Time       int64  `json:"time"`
	}
	smsStatus struct {
		UserReceiveTime string `json:"user_receive_time"`
		NationCode      string `json:"nationcode"`
		Mobile          string `json:"mobile"`
		ReportStatus    string `json:"report_status"` // SUCCESS or FAIL
		ErrMsg          string `json:"errmsg"`
		Description     string `json:"description"`
		SID             string `json:"sid"`
	}
)

// Press plays a callee who picks up and presses key: Tencent posts the
// key (voicekey_callback), then the call's end (voiceprompt_callback,
// result 0). It returns the first status dutybot answered other than 200,
// or 200.
func (s *Server) Press(callID, key string) (int, error) {
	c, err := s.settle(callID, StatePressed, key)
	if err != nil {
		return 0, err
	}
	nation, mobile := splitNumber(c.Number)
	first, err := s.postVoice(callID, map[string]any{"voicekey_callback": voiceKey{
		CallID: callID, KeyPress: key, Mobile: mobile, NationCode: nation,
	}})
	if err != nil {
		return first, err
	}
	second, err := s.postVoice(callID, s.prompt(c, "0"))
	if first != http.StatusOK {
		return first, err
	}
	return second, err
}

// Answer plays a callee who picks up, hears the message and presses
// nothing: voiceprompt_callback result 0.
func (s *Server) Answer(callID string) (int, error) {
	c, err := s.settle(callID, StateAnswered, "")
	if err != nil {
		return 0, err
	}
	return s.postVoice(callID, s.prompt(c, "0"))
}

// NoAnswer plays a callee who lets the call ring out:
// voiceprompt_callback result 1.
func (s *Server) NoAnswer(callID string) (int, error) {
	c, err := s.settle(callID, StateNoAnswer, "")
	if err != nil {
		return 0, err
	}
	return s.postVoice(callID, s.prompt(c, "1"))
}

// Fail plays a call that cannot be connected (voice_failure_callback);
// reason is Tencent's failure_reason, "空号" (no such number) if empty.
func (s *Server) Fail(callID, reason string) (int, error) {
	c, err := s.settle(callID, StateFailed, "")
	if err != nil {
		return 0, err
	}
	code := 8 // Tencent's code for 空号
	if reason == "" {
		reason = "空号"
	} else if reason != "空号" {
		code = 1
	}
	nation, mobile := splitNumber(c.Number)
	return s.postVoice(callID, map[string]any{"voice_failure_callback": voiceFailure{
		CallID: callID, FailureCode: code, FailureReason: reason, Mobile: mobile, NationCode: nation,
	}})
}

// prompt is the voiceprompt_callback that ends call c with result.
func (s *Server) prompt(c Call, result string) map[string]any {
	nation, mobile := splitNumber(c.Number)
	end := s.now()
	p := voicePrompt{
		Result:        result,
		CallID:        c.CallID,
		Mobile:        mobile,
		NationCode:    nation,
		StartCallTime: strconv.FormatInt(c.At.Unix(), 10),
		EndCallTime:   strconv.FormatInt(end.Unix(), 10),
		AcceptTime:    "0",
		Fee:           "0",
	}
	if result == "0" {
		p.AcceptTime, p.Fee = strconv.FormatInt(end.Unix(), 10), "1"
	}
	return map[string]any{"voiceprompt_callback": p}
}

// settle moves a ringing call to state and returns it.
func (s *Server) settle(callID, state, key string) (Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.callByID[callID]
	if !ok {
		return Call{}, fmt.Errorf("call %s: no such call", callID)
	}
	if c.State != StateRinging {
		return Call{}, fmt.Errorf("call %s is %s: %w", callID, c.State, ErrNotRinging)
	}
	c.State, c.Key = state, key
	return *c, nil
}

func (s *Server) postVoice(callID string, body any) (int, error) {
	voiceURL, _ := s.callbackURLs()
	if voiceURL == "" {
		return 0, errors.New("no VoiceCallbackURL configured")
	}
	status, err := s.post(voiceURL, body)
	s.mu.Lock()
	if c, ok := s.callByID[callID]; ok {
		c.CallbackStatus = status
	}
	s.mu.Unlock()
	return status, err
}

// Reply plays an SMS reply (上行) from number, signed with the sign of the
// last message sent to it.
func (s *Server) Reply(number, text string) (int, error) {
	_, smsURL := s.callbackURLs()
	if smsURL == "" {
		return 0, errors.New("no SMSCallbackURL configured")
	}
	sign := ""
	s.mu.Lock()
	for i := len(s.messages) - 1; i >= 0; i-- {
		if s.messages[i].Number == number {
			sign = s.messages[i].Sign
			break
		}
	}
	s.mu.Unlock()
	nation, mobile := splitNumber(number)
	return s.post(smsURL, smsReply{
		Mobile: mobile, NationCode: nation, Sign: sign, Text: text, Time: s.now().Unix(),
	})
}

// Deliver posts the delivery report of the SMS serialNo: reached the phone.
func (s *Server) Deliver(serialNo string) (int, error) {
	return s.report(serialNo, "SUCCESS", "DELIVRD", "用户短信送达成功")
}

// Undelivered posts the report of an SMS that could not be delivered;
// errmsg is the carrier's code ("MK:0001").
func (s *Server) Undelivered(serialNo, errmsg string) (int, error) {
	return s.report(serialNo, "FAIL", errmsg, "用户短信未送达")
}

func (s *Server) report(serialNo, status, errmsg, description string) (int, error) {
	_, smsURL := s.callbackURLs()
	if smsURL == "" {
		return 0, errors.New("no SMSCallbackURL configured")
	}
	s.mu.Lock()
	m, ok := s.smsBySN[serialNo]
	var number string
	if ok {
		number = m.Number
		m.Delivered = status == "SUCCESS"
	}
	s.mu.Unlock()
	if !ok {
		return 0, fmt.Errorf("sms %s: no such message", serialNo)
	}
	nation, mobile := splitNumber(number)
	code, err := s.post(smsURL, []smsStatus{{
		UserReceiveTime: s.now().In(cst).Format("2006-01-02 15:04:05"),
		NationCode:      nation,
		Mobile:          mobile,
		ReportStatus:    status,
		ErrMsg:          errmsg,
		Description:     description,
		SID:             serialNo,
	}})
	s.mu.Lock()
	m.CallbackStatus = code
	s.mu.Unlock()
	return code, err
}

// PostRaw posts body to target as a callback would, for forged and malformed
// callbacks, and returns the status answered.
func (s *Server) PostRaw(target string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL and the token in it
		}
		return 0, fmt.Errorf("post callback: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (s *Server) post(target string, v any) (int, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode callback: %w", err)
	}
	return s.PostRaw(target, body)
}

// SetCallbackURLs changes where callbacks are posted, as a town edits the
// URLs in Tencent's console: dutybot's address is known only once it
// listens, and changes when a test restarts it.
func (s *Server) SetCallbackURLs(voice, sms string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.VoiceCallbackURL, s.opts.SMSCallbackURL = voice, sms
}

// callbackURLs returns where callbacks go now.
func (s *Server) callbackURLs() (voice, sms string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.VoiceCallbackURL, s.opts.SMSCallbackURL
}
