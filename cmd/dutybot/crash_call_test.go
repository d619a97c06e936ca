package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/phone/tencentfake"
)

const (
	crashTCID    = "AKIDdutybotCRASH000000000000000000"
	crashTCKey   = "crash-test-secret-key-never-logged"
	crashTCToken = "crash-callback-token"
)

// callConfig is a town whose one staff member never bound Telegram: a red
// alert rings their phone at once. Placeholders: api_url, storage path,
// listen address, then (written in) the fake provider's host.
const callConfig = `
timezone: Asia/Shanghai
language: zh-CN
telegram:
  api_url: %%s
  poll_timeout: 2s
storage:
  path: %%s
http:
  listen: %%s
units:
  - {id: yjb, name: 应急办}
officials:
  - {id: o-admin, name: 安琪, phone: "13700000001", unit: yjb, roles: [admin]}
  - {id: o-zhou, name: 周强, phone: "13800000011", unit: yjb, roles: [staff]}
escalation:
  policies:
    ring:
      - {after: 3m, action: call}
      - {after: 30m, action: escalate, to: unit_head}
  levels: {blue: ring, yellow: ring, orange: ring, red: ring}
phone:
  provider: tencent
  tencent:
    endpoint: %s
    scheme: http
    voice_app_id: "1400000000"
    voice_template_id: "100001"
    sms_app_id: "1400000001"
    sms_sign: 含谷镇人民政府
    sms_template_id: "100002"
`

// TestCrashBetweenCallAndCallback kills dutybot with SIGKILL after it
// placed a call and before the callee pressed 1, and starts it again: the
// key press still answers the call, and the call is not placed twice.
func TestCrashBetweenCallAndCallback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dutybot processes")
	}
	srv := fakeapi.New(fakeapi.Options{Token: crashBotToken, BotUsername: "hangu_drill_bot"})
	t.Cleanup(srv.Close)
	tc := tencentfake.New(tencentfake.Options{SecretID: crashTCID, SecretKey: crashTCKey})
	t.Cleanup(tc.Close)
	e := newConfigEnv(t, srv, srv.URL(), fmt.Sprintf(callConfig, tc.Host()))
	e.env = append(e.env, "DUTYBOT_TENCENT_SECRET_ID="+crashTCID, "DUTYBOT_TENCENT_SECRET_KEY="+crashTCKey,
		"DUTYBOT_PHONE_CALLBACK_TOKEN="+crashTCToken)
	tc.SetCallbackURLs(e.baseURL+"/callbacks/tencent/voice?token="+crashTCToken, e.baseURL+"/callbacks/tencent/sms?token="+crashTCToken)

	first := e.start("first dutybot")
	e.waitHealthy(first)
	code, data := e.do("POST", "/api/v1/alerts", `{"title":"暴雨红色预警","body":"请立即到岗","level":"red","targets":{"officials":["o-zhou"]}}`)
	if code != http.StatusCreated {
		t.Fatalf("create alert: %d %s", code, data)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
		t.Fatalf("create alert: %s (%v)", data, err)
	}
	waitUntil(t, 30*time.Second, "the call placed and recorded", func() bool {
		for _, esc := range e.recipient(created.ID, "o-zhou").Escalations {
			if esc.Action == "call" && esc.Results["o-zhou"] == "placed" {
				return true
			}
		}
		return false
	})
	calls := tc.Calls()
	if len(calls) != 1 {
		t.Fatalf("the provider got %d calls, want 1", len(calls))
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done

	second := e.start("second dutybot")
	e.waitHealthy(second)
	waitUntil(t, 30*time.Second, "the key press accepted", func() bool {
		code, err := tc.Press(calls[0].CallID, "1")
		return err == nil && code == http.StatusOK
	})
	waitUntil(t, 30*time.Second, "周强's answer by phone", func() bool {
		return e.recipient(created.ID, "o-zhou").AnsweredVia == "phone"
	})
	time.Sleep(500 * time.Millisecond) // a second placing, if any, would show by now
	if n := len(tc.Calls()); n != 1 {
		t.Errorf("the provider got %d calls after the restart, want the one placed before", n)
	}
}
