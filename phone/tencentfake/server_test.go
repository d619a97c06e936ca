package tencentfake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"dutybot/phone/tencentfake"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vms "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vms/v20200902"
)

const (
	secretID  = "AKIDfake0000000000000000000000000000"
	secretKey = "fake-secret-key-000000000000000"
)

func clientProfile(fake *tencentfake.Server) *profile.ClientProfile {
	cp := profile.NewClientProfile()
	cp.HttpProfile.Scheme = "HTTP"
	cp.HttpProfile.Endpoint = fake.Host()
	cp.HttpProfile.ReqTimeout = 5
	return cp
}

// vmsClient is the SDK's own voice client pointed at the fake.
func vmsClient(t *testing.T, fake *tencentfake.Server, id, key string) *vms.Client {
	t.Helper()
	c, err := vms.NewClient(common.NewCredential(id, key), "ap-guangzhou", clientProfile(fake))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ttsRequest(number string) *vms.SendTtsVoiceRequest {
	r := vms.NewSendTtsVoiceRequest()
	r.TemplateId = ptr("1001")
	r.CalledNumber = ptr(number)
	r.VoiceSdkAppid = ptr("1400000001")
	r.TemplateParamSet = []*string{ptr("某某镇"), ptr("暴雨红色预警")}
	r.SessionContext = ptr("call-1")
	return r
}

func ptr[T any](v T) *T { return &v }

// sdkCode is the code of the SDK error err, or "".
func sdkCode(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestSendTtsVoiceThroughTheSDK(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey})
	defer fake.Close()
	req := ttsRequest("+8613800001001")
	req.PlayTimes = ptr(uint64(3))
	resp, err := vmsClient(t, fake, secretID, secretKey).SendTtsVoiceWithContext(context.Background(), req)
	if err != nil {
		t.Fatalf("SendTtsVoice: %v", err)
	}
	calls := fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %d, want 1", len(calls))
	}
	c := calls[0]
	if got := *resp.Response.SendStatus.CallId; got != c.CallID || got == "" {
		t.Errorf("CallId answered %q, recorded %q", got, c.CallID)
	}
	if *resp.Response.SendStatus.SessionContext != "call-1" || *resp.Response.RequestId == "" {
		t.Errorf("SendStatus = %+v, RequestId %q", resp.Response.SendStatus, *resp.Response.RequestId)
	}
	want := tencentfake.Call{CallID: c.CallID, Number: "+8613800001001", AppID: "1400000001", TemplateID: "1001",
		Params: []string{"某某镇", "暴雨红色预警"}, PlayTimes: 3, SessionContext: "call-1", At: c.At, State: tencentfake.StateRinging}
	if !equalCall(c, want) {
		t.Errorf("call = %+v\nwant %+v", c, want)
	}
}

func equalCall(a, b tencentfake.Call) bool {
	return a.CallID == b.CallID && a.Number == b.Number && a.AppID == b.AppID && a.TemplateID == b.TemplateID &&
		slicesEqual(a.Params, b.Params) && a.PlayTimes == b.PlayTimes && a.SessionContext == b.SessionContext &&
		a.State == b.State && a.Key == b.Key
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sendSms sends through the SDK's common client, as dutybot does.
func sendSms(t *testing.T, fake *tencentfake.Server, params map[string]any) (map[string]any, error) {
	t.Helper()
	c := common.NewCommonClient(common.NewCredential(secretID, secretKey), "ap-guangzhou", clientProfile(fake))
	req := tchttp.NewCommonRequest("sms", "2021-01-11", "SendSms")
	if err := req.SetActionParameters(params); err != nil {
		t.Fatal(err)
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return nil, err
	}
	var out struct {
		Response map[string]any
	}
	if err := json.Unmarshal(resp.GetBody(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Response, nil
}

func smsParams(numbers ...string) map[string]any {
	return map[string]any{
		"PhoneNumberSet":   numbers,
		"SmsSdkAppId":      "1400000002",
		"SignName":         "某某镇应急办",
		"TemplateId":       "2002",
		"TemplateParamSet": []string{"暴雨红色预警", "123456"},
		"SessionContext":   "sms-1",
	}
}

func TestSendSmsThroughTheSDK(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey})
	defer fake.Close()
	resp, err := sendSms(t, fake, smsParams("+8613800001001", "13800001002"))
	if err != nil {
		t.Fatalf("SendSms: %v", err)
	}
	rows := resp["SendStatusSet"].([]any)
	if len(rows) != 2 {
		t.Fatalf("SendStatusSet = %v", rows)
	}
	ok, bad := rows[0].(map[string]any), rows[1].(map[string]any)
	if ok["Code"] != "Ok" || ok["PhoneNumber"] != "+8613800001001" || ok["SessionContext"] != "sms-1" || ok["IsoCode"] != "CN" || ok["Fee"] != 1.0 {
		t.Errorf("first row = %v", ok)
	}
	if bad["Code"] != "InvalidParameterValue.IncorrectPhoneNumber" || bad["SerialNo"] != "" {
		t.Errorf("a number without +country code: row = %v", bad)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages = %+v, want the one good number", msgs)
	}
	m := msgs[0]
	if m.SerialNo != ok["SerialNo"] || m.Number != "+8613800001001" || m.Sign != "某某镇应急办" || m.TemplateID != "2002" ||
		m.AppID != "1400000002" || !slicesEqual(m.Params, []string{"暴雨红色预警", "123456"}) || m.SessionContext != "sms-1" {
		t.Errorf("message = %+v", m)
	}
}

// rewrite is a transport that changes a signed request before it goes.
type rewrite func(*http.Request)

func (f rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	f(r)
	return http.DefaultTransport.RoundTrip(r)
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name     string
		id, key  string
		tamper   func(*http.Request)
		edit     func(*vms.SendTtsVoiceRequest)
		wantCode string
	}{
		{name: "wrong key", id: secretID, key: "another-key-0000000000000000", wantCode: "AuthFailure.SignatureFailure"},
		{name: "another id", id: "AKIDsomeoneelse", key: secretKey, wantCode: "AuthFailure.SecretIdNotFound"},
		{name: "body changed after signing", id: secretID, key: secretKey, wantCode: "AuthFailure.SignatureFailure",
			tamper: func(r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				b = bytes.Replace(b, []byte("+8613800001001"), []byte("+8613900009999"), 1)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			}},
		{name: "stale timestamp", id: secretID, key: secretKey, wantCode: "AuthFailure.SignatureExpire",
			tamper: func(r *http.Request) {
				r.Header["X-TC-Timestamp"] = []string{strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)}
			}},
		{name: "no signature", id: secretID, key: secretKey, wantCode: "AuthFailure.InvalidAuthorization",
			tamper: func(r *http.Request) { r.Header["Authorization"] = []string{"Basic eDp5"} }},
		{name: "number not E.164", id: secretID, key: secretKey, wantCode: "InvalidParameterValue.CalledNumberVerifyFail",
			edit: func(r *vms.SendTtsVoiceRequest) { r.CalledNumber = ptr("13800001001") }},
		{name: "no template", id: secretID, key: secretKey, wantCode: "MissingParameter",
			edit: func(r *vms.SendTtsVoiceRequest) { r.TemplateId = nil }},
		{name: "no app id", id: secretID, key: secretKey, wantCode: "MissingParameter",
			edit: func(r *vms.SendTtsVoiceRequest) { r.VoiceSdkAppid = nil }},
		{name: "played too often", id: secretID, key: secretKey, wantCode: "InvalidParameterValue",
			edit: func(r *vms.SendTtsVoiceRequest) { r.PlayTimes = ptr(uint64(4)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey})
			defer fake.Close()
			c := vmsClient(t, fake, tt.id, tt.key)
			if tt.tamper != nil {
				c.WithHttpTransport(rewrite(tt.tamper))
			}
			req := ttsRequest("+8613800001001")
			if tt.edit != nil {
				tt.edit(req)
			}
			_, err := c.SendTtsVoiceWithContext(context.Background(), req)
			if got := sdkCode(err); got != tt.wantCode {
				t.Fatalf("error %v: code %q, want %q", err, got, tt.wantCode)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("%d calls placed by a refused request", n)
			}
			if fake.Refusals()[tt.wantCode] != 1 {
				t.Errorf("Refusals() = %v", fake.Refusals())
			}
		})
	}
}

func TestUnknownActionAndVersion(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey})
	defer fake.Close()
	c := common.NewCommonClient(common.NewCredential(secretID, secretKey), "ap-guangzhou", clientProfile(fake))
	for _, api := range [][3]string{
		{"vms", "2020-09-02", "SendCodeVoice"},
		{"vms", "2017-03-12", "SendTtsVoice"},
		{"sms", "2021-01-11", "SendTtsVoice"},
	} {
		req := tchttp.NewCommonRequest(api[0], api[1], api[2])
		_ = req.SetActionParameters(map[string]any{})
		err := c.Send(req, tchttp.NewCommonResponse())
		if got := sdkCode(err); got != "InvalidAction" {
			t.Errorf("%v: %v, want InvalidAction", api, err)
		}
	}
}

func TestConcurrencyLimit(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey, Concurrency: 1})
	defer fake.Close()
	c := vmsClient(t, fake, secretID, secretKey)
	release := fake.Hold()
	defer release()
	first := make(chan error, 1)
	go func() {
		_, err := c.SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001001"))
		first <- err
	}()
	waitFor(t, func() bool { return fake.InFlight() == 1 })

	_, err := vmsClient(t, fake, secretID, secretKey).SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001002"))
	if got := sdkCode(err); got != "RequestLimitExceeded" {
		t.Fatalf("second request in flight: %v, want RequestLimitExceeded", err)
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("first request: %v", err)
	}
	if calls := fake.Calls(); len(calls) != 1 || calls[0].Number != "+8613800001001" {
		t.Errorf("calls = %+v", calls)
	}
}

// waitFor polls cond, for state another goroutine reaches.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPerNumberLimits(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey, Clock: clock, PerNumberHour: 1, PerNumberDay: 2})
	defer fake.Close()

	smsCode := func() string {
		resp, err := sendSms(t, fake, smsParams("+8613800001001"))
		if err != nil {
			t.Fatal(err)
		}
		return resp["SendStatusSet"].([]any)[0].(map[string]any)["Code"].(string)
	}
	callCode := func() string {
		_, err := vmsClient(t, fake, secretID, secretKey).SendTtsVoiceWithContext(context.Background(), ttsRequest("+8613800001001"))
		return sdkCode(err)
	}
	steps := []struct {
		advance        time.Duration
		wantSMS, wantC string
	}{
		{0, "Ok", ""},
		{time.Minute, "LimitExceeded.PhoneNumberOneHourLimit", "LimitExceeded.DeliveryFrequencyLimit"},
		{time.Hour, "Ok", ""},
		{time.Hour, "LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.DeliveryFrequencyLimit"},
		{24 * time.Hour, "Ok", ""},
	}
	for i, st := range steps {
		advance(st.advance)
		if got := smsCode(); got != st.wantSMS {
			t.Errorf("step %d: SMS code %q, want %q", i, got, st.wantSMS)
		}
		if got := callCode(); got != st.wantC {
			t.Errorf("step %d: call code %q, want %q", i, got, st.wantC)
		}
	}
	if n := len(fake.Messages()); n != 3 {
		t.Errorf("%d messages sent, want 3", n)
	}
}
