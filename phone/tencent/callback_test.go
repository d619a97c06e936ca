package tencent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/phone"
	"dutybot/phone/tencent"
	"dutybot/phone/tencentfake"
)

// receiver keeps the reports it accepts and refuses with err when set.
type receiver struct {
	mu  sync.Mutex
	got []phone.Report
	err error
}

func (r *receiver) Report(_ context.Context, rep phone.Report) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.got = append(r.got, rep)
	return nil
}

func (r *receiver) reports() []phone.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]phone.Report(nil), r.got...)
}

var clockNow = time.Date(2025, 7, 1, 9, 30, 0, 0, time.UTC)

// post sends body to h as Tencent would, to path?token=token, and returns
// the status and the decoded answer.
func post(t *testing.T, h http.Handler, token, body string) (int, map[string]any) {
	t.Helper()
	target := "/cb"
	if token != "" {
		target += "?token=" + token
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, target, strings.NewReader(body)))
	var answer map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
		t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return w.Code, answer
}

func TestVoiceCallbacks(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		want       *phone.Report
	}{
		{"picked up", `{"voiceprompt_callback":{"result":"0","callid":"c-1","mobile":"13800001001","nationcode":"86","call_from":"","start_calltime":"1470197196","end_calltime":"1470197221","accept_time":"1470197211","fee":"1"}}`,
			200, &phone.Report{Provider: "tencent", ProviderID: "c-1", Number: "+8613800001001", Result: phone.ResultAnswered, At: time.Unix(1470197221, 0)}},
		{"not picked up", `{"voiceprompt_callback":{"result":"1","callid":"c-1","mobile":"13800001001","nationcode":"86","call_from":"","start_calltime":"1470197196","end_calltime":"1470197221","accept_time":"0","fee":"0"}}`,
			200, &phone.Report{Provider: "tencent", ProviderID: "c-1", Number: "+8613800001001", Result: phone.ResultNoAnswer, At: time.Unix(1470197221, 0)}},
		{"abnormal, result as a number, no end time", `{"voiceprompt_callback":{"result":2,"callid":"c-1","mobile":"13800001001","nationcode":"86","end_calltime":""}}`,
			200, &phone.Report{Provider: "tencent", ProviderID: "c-1", Number: "+8613800001001", Result: phone.ResultFailed, At: clockNow}},
		{"key pressed", `{"voicekey_callback":{"call_from":"","callid":"c-2","keypress":"1","mobile":"13800001001","nationcode":"86"}}`,
			200, &phone.Report{Provider: "tencent", ProviderID: "c-2", Number: "+8613800001001", Result: phone.ResultPressed, Key: "1", At: clockNow}},
		{"another key pressed", `{"voicekey_callback":{"call_from":"","callid":"c-2","keypress":"9","mobile":"13800001001","nationcode":"86"}}`,
			200, &phone.Report{Provider: "tencent", ProviderID: "c-2", Number: "+8613800001001", Result: phone.ResultPressed, Key: "9", At: clockNow}},
		{"failed", `{"voice_failure_callback":{"call_from":"","callid":"c-3","failure_code":8,"failure_reason":"空号","mobile":"13800001001","nationcode":"86"}}`,
			200, &phone.Report{Provider: "tencent", ProviderID: "c-3", Number: "+8613800001001", Result: phone.ResultFailed, At: clockNow}},
		{"malformed JSON", `{"voicekey_callback":`, 400, nil},
		{"unknown shape", `{"voice_other_callback":{"callid":"c-1"}}`, 400, nil},
		{"unknown result", `{"voiceprompt_callback":{"result":"7","callid":"c-1","mobile":"13800001001","nationcode":"86"}}`, 400, nil},
		{"no call id", `{"voicekey_callback":{"keypress":"1","mobile":"13800001001","nationcode":"86"}}`, 400, nil},
		{"an SMS reply at the voice URL", `{"extend":"","mobile":"13800001001","nationcode":"86","sign":"x","text":"1","time":1470300000}`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := &receiver{}
			log, logs := newLog()
			h := tencent.VoiceCallbackHandler("v-secret", recv, log, tencent.WithNow(func() time.Time { return clockNow }))
			status, answer := post(t, h, "v-secret", tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d %v, want %d", status, answer, tt.wantStatus)
			}
			got := recv.reports()
			if tt.want == nil {
				if len(got) != 0 || answer["result"] != 1.0 || !strings.Contains(logs.String(), "callback refused") {
					t.Errorf("reports %+v, answer %v, log %s", got, answer, logs)
				}
				return
			}
			if len(got) != 1 || !sameReport(got[0], *tt.want) {
				t.Fatalf("reports = %+v\nwant %+v", got, *tt.want)
			}
			if answer["result"] != 0.0 || answer["errmsg"] != "OK" {
				t.Errorf("answer = %v", answer)
			}
		})
	}
}

func sameReport(a, b phone.Report) bool {
	at := a.At.Equal(b.At)
	a.At, b.At = time.Time{}, time.Time{}
	return at && a == b
}

func TestSMSCallbacks(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		want       []phone.Report
	}{
		{"reply", `{"extend":"","mobile":"13800001001","nationcode":"86","sign":"某某镇应急办","text":"1 收到","time":1470300000}`, 200,
			[]phone.Report{{Provider: "tencent", Number: "+8613800001001", Result: phone.ResultReply, Text: "1 收到", At: time.Unix(1470300000, 0)}}},
		{"status reports", `[{"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13800001001","report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"s-1"},
			{"user_receive_time":"2015-10-17 08:03:05","nationcode":"86","mobile":"13800001002","report_status":"FAIL","errmsg":"MK:0001","description":"用户短信未送达","sid":"s-2"}]`, 200,
			[]phone.Report{
				{Provider: "tencent", ProviderID: "s-1", Number: "+8613800001001", Result: phone.ResultDelivered, At: time.Date(2015, 10, 17, 0, 3, 4, 0, time.UTC)},
				{Provider: "tencent", ProviderID: "s-2", Number: "+8613800001002", Result: phone.ResultFailed, At: time.Date(2015, 10, 17, 0, 3, 5, 0, time.UTC)},
			}},
		{"status report without a time", `[{"nationcode":"86","mobile":"13800001001","report_status":"SUCCESS","sid":"s-1"}]`, 200,
			[]phone.Report{{Provider: "tencent", ProviderID: "s-1", Number: "+8613800001001", Result: phone.ResultDelivered, At: clockNow}}},
		{"unknown status", `[{"mobile":"13800001001","report_status":"MAYBE","sid":"s-1"}]`, 400, nil},
		{"empty batch", `[]`, 400, nil},
		{"malformed", `[{"sid":`, 400, nil},
		{"neither", `{"foo":"bar"}`, 400, nil},
		{"empty", ``, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := &receiver{}
			h := tencent.SMSCallbackHandler("s-secret", recv, nil, tencent.WithNow(func() time.Time { return clockNow }))
			status, answer := post(t, h, "s-secret", tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d %v, want %d", status, answer, tt.wantStatus)
			}
			got := recv.reports()
			if len(got) != len(tt.want) {
				t.Fatalf("reports = %+v\nwant %+v", got, tt.want)
			}
			for i := range got {
				if !sameReport(got[i], tt.want[i]) {
					t.Errorf("report %d = %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestCallbackToken(t *testing.T) {
	const body = `{"voicekey_callback":{"call_from":"","callid":"c-2","keypress":"1","mobile":"13800001001","nationcode":"86"}}`
	tests := []struct {
		name, secret, token string
		wantStatus          int
		wantReason          string
	}{
		{"right token", "v-secret", "v-secret", 200, ""},
		{"no token", "v-secret", "", 403, "no token in the URL"},
		{"wrong token", "v-secret", "guess-v-secret", 403, "wrong token"},
		{"a prefix of the token", "v-secret", "v-secre", 403, "wrong token"},
		{"no secret configured", "", "", 403, "no callback secret is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := &receiver{}
			log, logs := newLog()
			status, _ := post(t, tencent.VoiceCallbackHandler(tt.secret, recv, log), tt.token, body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d", status, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if n := len(recv.reports()); n != 0 {
					t.Errorf("a refused callback made %d reports", n)
				}
				if !strings.Contains(logs.String(), tt.wantReason) {
					t.Errorf("log %q does not say %q", logs, tt.wantReason)
				}
				if tt.token != "" && strings.Contains(logs.String(), tt.token) {
					t.Errorf("the log shows the token: %s", logs)
				}
			}
		})
	}
}

func TestReceiverRefusals(t *testing.T) {
	const body = `{"voicekey_callback":{"call_from":"","callid":"c-2","keypress":"1","mobile":"13800001001","nationcode":"86"}}`
	tests := []struct {
		err        error
		wantStatus int
		wantMsg    string
	}{
		{phone.ErrUnknownCall, 404, phone.ErrUnknownCall.Error()},
		{fmt.Errorf("apply: %w", phone.ErrBadReport), 400, phone.ErrBadReport.Error()},
		{errors.New("database is closed"), 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			log, logs := newLog()
			status, answer := post(t, tencent.VoiceCallbackHandler("v-secret", &receiver{err: tt.err}, log), "v-secret", body)
			if status != tt.wantStatus || answer["result"] != 1.0 || answer["errmsg"] != tt.wantMsg {
				t.Errorf("answered %d %v, want %d with %q", status, answer, tt.wantStatus, tt.wantMsg)
			}
			if !strings.Contains(logs.String(), tt.err.Error()) {
				t.Errorf("the log does not give the reason %q: %s", tt.err, logs)
			}
		})
	}
}

func TestCallbackLimits(t *testing.T) {
	h := tencent.SMSCallbackHandler("s-secret", &receiver{}, nil)
	big := `[` + strings.Repeat(`{"mobile":"13800001001","report_status":"SUCCESS","sid":"s-1"},`, 2000) + `{}]`
	if status, _ := post(t, h, "s-secret", big); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte body: status %d, want 413", len(big), status)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/cb?token=s-secret", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", w.Code)
	}
}

// TestCallThroughTheFake is the whole round: the provider places a call and
// an SMS through the SDK, the fake's callee acts, Tencent's callbacks come
// back through the handlers as reports.
func TestCallThroughTheFake(t *testing.T) {
	recv := &receiver{}
	mux := http.NewServeMux()
	mux.Handle("POST /tencent/voice", tencent.VoiceCallbackHandler("v-secret", recv, nil))
	mux.Handle("POST /tencent/sms", tencent.SMSCallbackHandler("s-secret", recv, nil))
	dutybot := httptest.NewServer(mux)
	defer dutybot.Close()
	fake := tencentfake.New(tencentfake.Options{
		SecretID: secretID, SecretKey: secretKey,
		VoiceCallbackURL: dutybot.URL + "/tencent/voice?token=v-secret",
		SMSCallbackURL:   dutybot.URL + "/tencent/sms?token=s-secret",
	})
	defer fake.Close()
	p, err := tencent.New(config(fake), nil)
	if err != nil {
		t.Fatal(err)
	}
	place := func(kind, number string) string {
		id, err := p.Place(context.Background(), request(kind, number))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	tests := []struct {
		name string
		act  func() (string, int, error) // returns the provider id acted on
		want []phone.Report              // At is not compared
	}{
		{"pressed 1", func() (string, int, error) {
			id := place(phone.KindCall, "+8613800001001")
			s, err := fake.Press(id, "1")
			return id, s, err
		}, []phone.Report{{Result: phone.ResultPressed, Key: "1", Number: "+8613800001001"}, {Result: phone.ResultAnswered, Number: "+8613800001001"}}},
		{"rang out", func() (string, int, error) {
			id := place(phone.KindCall, "+8613800001002")
			s, err := fake.NoAnswer(id)
			return id, s, err
		}, []phone.Report{{Result: phone.ResultNoAnswer, Number: "+8613800001002"}}},
		{"no such number", func() (string, int, error) {
			id := place(phone.KindCall, "+8613800001003")
			s, err := fake.Fail(id, "空号")
			return id, s, err
		}, []phone.Report{{Result: phone.ResultFailed, Number: "+8613800001003"}}},
		{"SMS delivered", func() (string, int, error) {
			id := place(phone.KindSMS, "+8613800001004")
			s, err := fake.Deliver(id)
			return id, s, err
		}, []phone.Report{{Result: phone.ResultDelivered, Number: "+8613800001004"}}},
		{"SMS undelivered", func() (string, int, error) {
			id := place(phone.KindSMS, "+8613800001005")
			s, err := fake.Undelivered(id, "MK:0001")
			return id, s, err
		}, []phone.Report{{Result: phone.ResultFailed, Number: "+8613800001005"}}},
		{"SMS reply", func() (string, int, error) {
			place(phone.KindSMS, "+8613800001006")
			s, err := fake.Reply("+8613800001006", "731")
			return "", s, err
		}, []phone.Report{{Result: phone.ResultReply, Text: "731", Number: "+8613800001006"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(recv.reports())
			id, status, err := tt.act()
			if err != nil || status != http.StatusOK {
				t.Fatalf("callee: %d, %v", status, err)
			}
			got := recv.reports()[before:]
			if len(got) != len(tt.want) {
				t.Fatalf("reports = %+v, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				w.Provider, w.ProviderID, w.At = "tencent", id, got[i].At
				if got[i] != w || got[i].At.IsZero() {
					t.Errorf("report %d = %+v\nwant %+v", i, got[i], w)
				}
			}
		})
	}
}
