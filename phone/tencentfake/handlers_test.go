package tencentfake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"dutybot/phone"
	"dutybot/phone/tencent"
	"dutybot/phone/tencentfake"
)

// reports is a phone.Receiver that keeps what it is told and answers
// calls it does not know with phone.ErrUnknownCall.
type reports struct {
	mu      sync.Mutex
	got     []phone.Report
	unknown string // a number dutybot never called
}

func (r *reports) Report(_ context.Context, rep phone.Report) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rep.Number == r.unknown {
		return phone.ErrUnknownCall
	}
	r.got = append(r.got, rep)
	return nil
}

func (r *reports) wait(t *testing.T, n int) []phone.Report {
	t.Helper()
	waitFor(t, func() bool { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) >= n })
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// TestDutybotHandlersParseTheCallbacks plays callees through the fake into
// the tencent package's real callback handlers.
func TestDutybotHandlersParseTheCallbacks(t *testing.T) {
	recv := &reports{unknown: "+8613800001003"}
	mux := http.NewServeMux()
	mux.Handle("/tencent/voice", tencent.VoiceCallbackHandler("v-secret", recv, nil))
	mux.Handle("/tencent/sms", tencent.SMSCallbackHandler("s-secret", recv, nil))
	dutybot := httptest.NewServer(mux)
	defer dutybot.Close()
	fake := tencentfake.New(tencentfake.Options{
		SecretID: secretID, SecretKey: secretKey,
		VoiceCallbackURL: dutybot.URL + "/tencent/voice?token=v-secret",
		SMSCallbackURL:   dutybot.URL + "/tencent/sms?token=s-secret",
		Auto:             &tencentfake.AutoAnswer{After: time.Millisecond, Key: "1", Deliver: true},
	})
	defer fake.Close()

	resp, err := vmsClient(t, fake, secretID, secretKey).SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001001"))
	if err != nil {
		t.Fatal(err)
	}
	callID := *resp.Response.SendStatus.CallId
	sms, err := sendSms(t, fake, smsParams("+8613800001002"))
	if err != nil {
		t.Fatal(err)
	}
	serial := sms["SendStatusSet"].([]any)[0].(map[string]any)["SerialNo"].(string)

	got := recv.wait(t, 3) // the key, the call's end, the delivery
	byResult := map[string]phone.Report{}
	for _, r := range got {
		byResult[r.Result] = r
	}
	if p := byResult[phone.ResultPressed]; p.ProviderID != callID || p.Key != "1" || p.Number != "+8613800001001" || p.Provider != "tencent" {
		t.Errorf("pressed = %+v", p)
	}
	if a := byResult[phone.ResultAnswered]; a.ProviderID != callID {
		t.Errorf("answered = %+v", a)
	}
	if d := byResult[phone.ResultDelivered]; d.ProviderID != serial || d.Number != "+8613800001002" {
		t.Errorf("delivered = %+v", d)
	}
	if c := fake.Calls()[0]; c.State != tencentfake.StatePressed || c.CallbackStatus != http.StatusOK {
		t.Errorf("call = %+v", c)
	}

	status, err := fake.Reply("+8613800001002", "1")
	if err != nil || status != http.StatusOK {
		t.Fatalf("reply: %d, %v", status, err)
	}
	if r := recv.wait(t, 4)[3]; r.Result != phone.ResultReply || r.Text != "1" || r.Number != "+8613800001002" {
		t.Errorf("reply = %+v", r)
	}

	// A call dutybot does not know is refused, and the fake tells so.
	resp, err = vmsClient(t, fake, secretID, secretKey).SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001003"))
	if err != nil {
		t.Fatal(err)
	}
	stranger := *resp.Response.SendStatus.CallId
	waitFor(t, func() bool {
		for _, c := range fake.Calls() {
			if c.CallID == stranger {
				return c.CallbackStatus != 0
			}
		}
		return false
	})
	for _, c := range fake.Calls() {
		if c.CallID == stranger && c.CallbackStatus != http.StatusNotFound {
			t.Errorf("unknown call answered %d, want 404", c.CallbackStatus)
		}
	}

	// A forged callback without the token changes nothing.
	status, err = fake.PostRaw(dutybot.URL+"/tencent/voice", []byte(`{"voicekey_callback":{"callid":"`+callID+`","keypress":"1","mobile":"13800001001","nationcode":"86"}}`))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("forged callback: %d, %v, want 403", status, err)
	}
}
