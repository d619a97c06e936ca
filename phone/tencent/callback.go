package tencent

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dutybot/phone"
)

// maxCallbackBody bounds a callback's body; Tencent's are a few hundred
// bytes, a status report batch a few KiB.
const maxCallbackBody = 64 << 10

// HandlerOption adjusts a callback handler.
type HandlerOption func(*callbacks)

// WithNow sets the clock for reports whose callback carries no time (a
// key press); default time.Now.
func WithNow(now func() time.Time) HandlerOption {
	return func(c *callbacks) { c.now = now }
}

// callbacks is what both handlers share: the token check, the receiver
// and the answer.
type callbacks struct {
	kind   string // "voice" or "sms", for the log
	secret string
	recv   phone.Receiver
	log    *slog.Logger
	now    func() time.Time
	parse  func(c *callbacks, body []byte) ([]phone.Report, error)
}

// VoiceCallbackHandler receives Tencent's voice callbacks (the call's end,
// a key pressed, a failure to connect) and hands each to recv as a
// phone.Report. Tencent signs no callback: the URL configured in its
// console carries secret as ?token=, and a request without it is refused.
func VoiceCallbackHandler(secret string, recv phone.Receiver, log *slog.Logger, opts ...HandlerOption) http.Handler {
	return newCallbacks("voice", secret, recv, log, (*callbacks).parseVoice, opts)
}

// SMSCallbackHandler receives Tencent's SMS callbacks (a reply, 上行; a
// batch of delivery reports) and hands each to recv as a phone.Report;
// the token works as for VoiceCallbackHandler.
func SMSCallbackHandler(secret string, recv phone.Receiver, log *slog.Logger, opts ...HandlerOption) http.Handler {
	return newCallbacks("sms", secret, recv, log, (*callbacks).parseSMS, opts)
}

func newCallbacks(kind, secret string, recv phone.Receiver, log *slog.Logger, parse func(*callbacks, []byte) ([]phone.Report, error), opts []HandlerOption) *callbacks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &callbacks{kind: kind, secret: secret, recv: recv, log: log.With("provider", Name, "callback", kind), now: time.Now, parse: parse}
	for _, o := range opts {
		o(c)
	}
	return c
}

func (c *callbacks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		c.log.Warn("callback refused", "reason", "method "+r.Method)
		w.Header().Set("Allow", http.MethodPost)
		answer(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	if reason := c.checkToken(r); reason != "" {
		c.log.Warn("callback refused", "reason", reason, "remote", r.RemoteAddr)
		answer(w, http.StatusForbidden, "forbidden")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
	if err != nil {
		status := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status = http.StatusRequestEntityTooLarge
		}
		c.log.Warn("callback refused", "reason", "read body: "+err.Error())
		answer(w, status, "body unreadable or over 64 KiB")
		return
	}
	reports, err := c.parse(c, body)
	if err != nil {
		c.log.Warn("callback refused", "reason", err.Error(), "bytes", len(body))
		answer(w, http.StatusBadRequest, err.Error())
		return
	}
	status, reason := http.StatusOK, "OK"
	for _, rep := range reports {
		if err := c.recv.Report(r.Context(), rep); err != nil {
			s, why := refusal(err)
			c.log.Warn("report refused", "result", rep.Result, "provider_id", rep.ProviderID, "reason", err.Error())
			if status == http.StatusOK { // the first refusal answers; the others still apply
				status, reason = s, why
			}
			continue
		}
		c.log.Debug("report", "result", rep.Result, "provider_id", rep.ProviderID, "key", rep.Key)
	}
	answer(w, status, reason)
}

// checkToken returns why r's token is refused, or "".
func (c *callbacks) checkToken(r *http.Request) string {
	if c.secret == "" {
		return "no callback secret is configured"
	}
	token := r.URL.Query().Get("token")
	if token == "" {
		return "no token in the URL"
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(c.secret)) != 1 {
		return "wrong token"
	}
	return ""
}

// refusal is the status and reason a receiver's error is answered with.
func refusal(err error) (int, string) {
	switch {
	case errors.Is(err, phone.ErrUnknownCall):
		return http.StatusNotFound, phone.ErrUnknownCall.Error()
	case errors.Is(err, phone.ErrBadReport):
		return http.StatusBadRequest, phone.ErrBadReport.Error()
	}
	return http.StatusInternalServerError, "internal error"
}

// answer writes Tencent's expected reply: result 0 for accepted, 1 with
// the reason otherwise.
func answer(w http.ResponseWriter, status int, reason string) {
	result := 0
	if status != http.StatusOK {
		result = 1
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Result int    `json:"result"`
		ErrMsg string `json:"errmsg"`
	}{result, reason})
}

// The voice callbacks, as Tencent documents them; exactly one is set.
type voiceCallback struct {
	Prompt *struct {
		Result        flexString `json:"result"`
		CallID        string     `json:"callid"`
		Mobile        string     `json:"mobile"`
		NationCode    flexString `json:"nationcode"`
		EndCallTime   flexString `json:"end_calltime"`
		StartCallTime flexString `json:"start_calltime"`
	} `json:"voiceprompt_callback"`
	Key *struct {
		CallID     string     `json:"callid"`
		KeyPress   flexString `json:"keypress"`
		Mobile     string     `json:"mobile"`
		NationCode flexString `json:"nationcode"`
	} `json:"voicekey_callback"`
	Failure *struct {
		CallID        string     `json:"callid"`
		FailureCode   flexString `json:"failure_code"`
		FailureReason string     `json:"failure_reason"`
		Mobile        string     `json:"mobile"`
		NationCode    flexString `json:"nationcode"`
	} `json:"voice_failure_callback"`
}

func (c *callbacks) parseVoice(body []byte) ([]phone.Report, error) {
	var cb voiceCallback
	if err := json.Unmarshal(body, &cb); err != nil {
		return nil, fmt.Errorf("malformed voice callback: %w", err)
	}
	rep := phone.Report{Provider: Name}
	switch {
	case cb.Prompt != nil:
		p := cb.Prompt
		rep.ProviderID, rep.Number = p.CallID, number(p.NationCode, p.Mobile)
		switch p.Result {
		case "0":
			rep.Result = phone.ResultAnswered
		case "1":
			rep.Result = phone.ResultNoAnswer
		case "2":
			rep.Result = phone.ResultFailed
		default:
			return nil, fmt.Errorf("voiceprompt_callback: unknown result %q", string(p.Result))
		}
		rep.At = c.now()
		if at, ok := unixTime(p.EndCallTime); ok {
			rep.At = at
		}
	case cb.Key != nil:
		k := cb.Key
		if k.KeyPress == "" {
			return nil, errors.New("voicekey_callback: no keypress")
		}
		rep.ProviderID, rep.Number = k.CallID, number(k.NationCode, k.Mobile)
		rep.Result, rep.Key, rep.At = phone.ResultPressed, string(k.KeyPress), c.now()
	case cb.Failure != nil:
		f := cb.Failure
		rep.ProviderID, rep.Number = f.CallID, number(f.NationCode, f.Mobile)
		rep.Result, rep.At = phone.ResultFailed, c.now()
		c.log.Info("call failed", "provider_id", f.CallID, "failure_code", string(f.FailureCode), "failure_reason", f.FailureReason)
	default:
		return nil, errors.New("unknown voice callback: none of voiceprompt_callback, voicekey_callback, voice_failure_callback")
	}
	if rep.ProviderID == "" {
		return nil, errors.New("voice callback without callid")
	}
	return []phone.Report{rep}, nil
}

// smsReply is an SMS reply (上行).
type smsReply struct {
	Extend     string     `json:"extend"`
	Mobile     string     `json:"mobile"`
	NationCode flexString `json:"nationcode"`
	Sign       string     `json:"sign"`
	Text       *string    `json:"text"`
	Time       flexString `json:"time"`
}

// smsStatus is one SMS delivery report of a batch.
type smsStatus struct {
	UserReceiveTime string     `json:"user_receive_time"`
	NationCode      flexString `json:"nationcode"`
	Mobile          string     `json:"mobile"`
	ReportStatus    string     `json:"report_status"`
	ErrMsg          string     `json:"errmsg"`
	Description     string     `json:"description"`
	SID             string     `json:"sid"`
}

// cst is China Standard Time, the zone of user_receive_time.
var cst = time.FixedZone("CST", 8*3600)

func (c *callbacks) parseSMS(body []byte) ([]phone.Report, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty SMS callback")
	}
	if trimmed[0] == '[' {
		var batch []smsStatus
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, fmt.Errorf("malformed SMS status report: %w", err)
		}
		if len(batch) == 0 {
			return nil, errors.New("empty SMS status report")
		}
		reports := make([]phone.Report, 0, len(batch))
		for i, st := range batch {
			rep := phone.Report{Provider: Name, ProviderID: st.SID, Number: number(st.NationCode, st.Mobile), At: c.now()}
			switch st.ReportStatus {
			case "SUCCESS":
				rep.Result = phone.ResultDelivered
			case "FAIL":
				rep.Result = phone.ResultFailed
				c.log.Info("sms not delivered", "provider_id", st.SID, "errmsg", st.ErrMsg, "description", st.Description)
			default:
				return nil, fmt.Errorf("SMS status report %d: unknown report_status %q", i, st.ReportStatus)
			}
			if st.SID == "" {
				return nil, fmt.Errorf("SMS status report %d: no sid", i)
			}
			if at, err := time.ParseInLocation(time.DateTime, st.UserReceiveTime, cst); err == nil {
				rep.At = at
			}
			reports = append(reports, rep)
		}
		return reports, nil
	}
	var reply smsReply
	if err := json.Unmarshal(trimmed, &reply); err != nil {
		return nil, fmt.Errorf("malformed SMS reply: %w", err)
	}
	if reply.Mobile == "" || reply.Text == nil {
		return nil, errors.New("unknown SMS callback: neither a reply (mobile, text) nor a status report array")
	}
	rep := phone.Report{Provider: Name, Result: phone.ResultReply, Number: number(reply.NationCode, reply.Mobile), Text: *reply.Text, At: c.now()}
	if at, ok := unixTime(reply.Time); ok {
		rep.At = at
	}
	return []phone.Report{rep}, nil
}

// number is the E.164 number of Tencent's nationcode and mobile.
func number(nationcode flexString, mobile string) string {
	if mobile == "" {
		return ""
	}
	if strings.HasPrefix(mobile, "+") {
		return mobile
	}
	nc := strings.TrimPrefix(string(nationcode), "+")
	if nc == "" {
		nc = "86"
	}
	return "+" + nc + mobile
}

// unixTime parses a callback's Unix seconds; "" and "0" are no time.
func unixTime(s flexString) (time.Time, bool) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// flexString takes a JSON string or number: Tencent's documents quote
// some numbers ("result":"0") and not others ("failure_code":8), and
// its callbacks have not always agreed with its documents.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	*f = flexString(n.String())
	return nil
}
