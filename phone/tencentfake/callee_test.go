package tencentfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"dutybot/phone/tencentfake"
)

// recorder is a dutybot stand-in that keeps every callback body it is
// posted, with the token it came with.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	tokens []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.bodies = append(rec.bodies, string(b))
	rec.tokens = append(rec.tokens, r.URL.Query().Get("token"))
	rec.mu.Unlock()
	w.Write([]byte(`{"result":0,"errmsg":"OK"}`))
}

func (rec *recorder) take() (bodies, tokens []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	bodies, tokens = rec.bodies, rec.tokens
	rec.bodies, rec.tokens = nil, nil
	return bodies, tokens
}

// shape is a callback body's keys and values, with the nested object (or
// the array's first element) flattened under its key.
func shape(t *testing.T, body string) (outer string, fields map[string]any) {
	t.Helper()
	if body[0] == '[' {
		var arr []map[string]any
		if err := json.Unmarshal([]byte(body), &arr); err != nil || len(arr) != 1 {
			t.Fatalf("status report %s: %v", body, err)
		}
		return "[]", arr[0]
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(body), &obj); err != nil {
		t.Fatalf("callback %s: %v", body, err)
	}
	if len(obj) == 1 {
		for k, v := range obj {
			if inner, ok := v.(map[string]any); ok {
				return k, inner
			}
		}
	}
	return "", obj
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestCallbacksAreTencentsShapes(t *testing.T) {
	rec := &recorder{}
	dutybot := httptest.NewServer(rec)
	defer dutybot.Close()
	now := time.Date(2025, 7, 1, 9, 0, 30, 0, time.UTC)
	fake := tencentfake.New(tencentfake.Options{
		SecretID: secretID, SecretKey: secretKey,
		Clock:            func() time.Time { return now },
		VoiceCallbackURL: dutybot.URL + "/tencent/voice?token=v-secret",
		SMSCallbackURL:   dutybot.URL + "/tencent/sms?token=s-secret",
	})
	defer fake.Close()
	c := vmsClient(t, fake, secretID, secretKey)
	place := func() string {
		resp, err := c.SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001001"))
		if err != nil {
			t.Fatal(err)
		}
		return *resp.Response.SendStatus.CallId
	}
	resp, err := sendSms(t, fake, smsParams("+8613800001001"))
	if err != nil {
		t.Fatal(err)
	}
	serial := resp["SendStatusSet"].([]any)[0].(map[string]any)["SerialNo"].(string)

	promptKeys := []string{"accept_time", "call_from", "callid", "end_calltime", "fee", "mobile", "nationcode", "result", "start_calltime"}
	type want struct {
		outer  string
		keys   []string
		values map[string]any
	}
	tests := []struct {
		name  string
		act   func(id string) (int, error)
		token string
		want  []want
	}{
		{"press", func(id string) (int, error) { return fake.Press(id, "1") }, "v-secret", []want{
			{"voicekey_callback", []string{"call_from", "callid", "keypress", "mobile", "nationcode"},
				map[string]any{"keypress": "1", "mobile": "13800001001", "nationcode": "86"}},
			{"voiceprompt_callback", promptKeys, map[string]any{"result": "0", "fee": "1", "end_calltime": "1751360430"}},
		}},
		{"answer", fake.Answer, "v-secret", []want{
			{"voiceprompt_callback", promptKeys, map[string]any{"result": "0", "mobile": "13800001001", "nationcode": "86"}},
		}},
		{"no answer", fake.NoAnswer, "v-secret", []want{
			{"voiceprompt_callback", promptKeys, map[string]any{"result": "1", "accept_time": "0", "fee": "0"}},
		}},
		{"fail", func(id string) (int, error) { return fake.Fail(id, "") }, "v-secret", []want{
			{"voice_failure_callback", []string{"call_from", "callid", "failure_code", "failure_reason", "mobile", "nationcode"},
				map[string]any{"failure_code": 8.0, "failure_reason": "空号"}},
		}},
		{"reply", func(string) (int, error) { return fake.Reply("+8613800001001", "1 收到") }, "s-secret", []want{
			{"", []string{"extend", "mobile", "nationcode", "sign", "text", "time"},
				map[string]any{"text": "1 收到", "sign": "某某镇应急办", "mobile": "13800001001", "nationcode": "86", "time": 1751360430.0}},
		}},
		{"deliver", func(string) (int, error) { return fake.Deliver(serial) }, "s-secret", []want{
			{"[]", []string{"description", "errmsg", "mobile", "nationcode", "report_status", "sid", "user_receive_time"},
				map[string]any{"report_status": "SUCCESS", "errmsg": "DELIVRD", "sid": serial, "user_receive_time": "2025-07-01 17:00:30"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := place()
			status, err := tt.act(id)
			if err != nil || status != http.StatusOK {
				t.Fatalf("status %d, %v", status, err)
			}
			bodies, tokens := rec.take()
			if len(bodies) != len(tt.want) {
				t.Fatalf("posted %d callbacks, want %d: %q", len(bodies), len(tt.want), bodies)
			}
			for i, w := range tt.want {
				outer, fields := shape(t, bodies[i])
				if outer != w.outer || !slices.Equal(keys(fields), w.keys) {
					t.Errorf("callback %d = %s\nwant %s with keys %v", i, bodies[i], w.outer, w.keys)
				}
				if w.outer != "" && w.outer != "[]" && fields["callid"] != id {
					t.Errorf("callback %d names call %v, want %s", i, fields["callid"], id)
				}
				for k, v := range w.values {
					if fields[k] != v {
						t.Errorf("callback %d: %s = %#v, want %#v", i, k, fields[k], v)
					}
				}
				if tokens[i] != tt.token {
					t.Errorf("callback %d came with token %q, want %q", i, tokens[i], tt.token)
				}
			}
		})
	}
	if _, err := fake.Answer(place()); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, c := range fake.Calls() {
		states[c.State]++
	}
	wantStates := map[string]int{tencentfake.StatePressed: 1, tencentfake.StateAnswered: 2, tencentfake.StateNoAnswer: 1, tencentfake.StateFailed: 1, tencentfake.StateRinging: 2}
	for k, v := range wantStates {
		if states[k] != v {
			t.Errorf("states = %v, want %v", states, wantStates)
			break
		}
	}
}

func TestSettledCallCannotBePressed(t *testing.T) {
	dutybot := httptest.NewServer(&recorder{})
	defer dutybot.Close()
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey, VoiceCallbackURL: dutybot.URL})
	defer fake.Close()
	resp, err := vmsClient(t, fake, secretID, secretKey).SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001001"))
	if err != nil {
		t.Fatal(err)
	}
	id := *resp.Response.SendStatus.CallId
	if _, err := fake.NoAnswer(id); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Press(id, "1"); !errors.Is(err, tencentfake.ErrNotRinging) {
		t.Errorf("press after ringing out: %v, want ErrNotRinging", err)
	}
	if _, err := fake.Press("no-such-call", "1"); err == nil {
		t.Error("press on an unknown call: no error")
	}
}
