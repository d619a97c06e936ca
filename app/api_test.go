package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPIAuthAndValidation(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	good := `{"title":"测试","level":"blue","targets":{"units":["yjb"]}}`
	tests := []struct {
		name, method, path, token, body string
		code                            int
		reason                          string
	}{
		{"no token", "POST", "/api/v1/alerts", "", good, 401, "bearer token"},
		{"wrong token", "POST", "/api/v1/alerts", "nope", good, 401, "bearer token"},
		{"bad JSON", "POST", "/api/v1/alerts", testAPIToken, `{"title":`, 400, "bad JSON"},
		{"unknown field", "POST", "/api/v1/alerts", testAPIToken, `{"title":"x","level":"red","targets":{"all":true},"urgent":1}`, 400, "unknown field"},
		{"unknown unit", "POST", "/api/v1/alerts", testAPIToken, `{"title":"x","level":"red","targets":{"units":["nowhere"]}}`, 400, `unknown unit "nowhere"`},
		{"unknown official", "POST", "/api/v1/alerts", testAPIToken, `{"title":"x","level":"red","targets":{"officials":["o-ghost"]}}`, 400, `unknown official "o-ghost"`},
		{"unknown role", "POST", "/api/v1/alerts", testAPIToken, `{"title":"x","level":"red","targets":{"roles":["king"]}}`, 400, `unknown role "king"`},
		{"no targets", "POST", "/api/v1/alerts", testAPIToken, `{"title":"x","level":"red","targets":{}}`, 400, "no official matches"},
		{"bad level", "POST", "/api/v1/alerts", testAPIToken, `{"title":"x","level":"purple","targets":{"all":true}}`, 400, "level"},
		{"empty title", "POST", "/api/v1/alerts", testAPIToken, `{"title":"  ","level":"red","targets":{"all":true}}`, 400, "title"},
		{"bad kind", "POST", "/api/v1/alerts", testAPIToken, `{"kind":"party","title":"x","level":"red","targets":{"all":true}}`, 400, "kind"},
		{"get without token", "GET", "/api/v1/alerts/20261130-0001", "", "", 401, "bearer token"},
		{"get unknown", "GET", "/api/v1/alerts/20261130-0099", testAPIToken, "", 404, "no alert"},
		{"close unknown", "POST", "/api/v1/alerts/20261130-0099/close", testAPIToken, "", 404, "no alert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			code, out := h.apiDo(tt.method, tt.path, tt.token, tt.body)
			if code != tt.code {
				t.Fatalf("status = %d (%v), want %d", code, out, tt.code)
			}
			if msg, _ := out["error"].(string); !strings.Contains(msg, tt.reason) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.reason)
			}
		})
	}
	// Nothing was created by the refused requests.
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "当前没有进行中的叫应")

	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken, good)
	if code != http.StatusCreated || out["id"] != "20261130-0001" || out["recipients"] != float64(4) {
		t.Fatalf("create = %d %v", code, out)
	}
	a := h.alert("20261130-0001")
	if a.Level != "blue" || a.Title != "测试" || a.Source != "api" || a.State != "open" || len(a.Recipients) != 4 {
		t.Errorf("alert = %+v", a)
	}
	states := map[string]string{}
	for _, r := range a.Recipients {
		states[r.Official] = r.State
	}
	// 张明 is bound; the other 应急办 officials are not and are unreachable.
	want := map[string]string{"o-zhang": "pending", "o-li": "unreachable", "o-wu": "unreachable", "o-duty": "unreachable"}
	for o, s := range want {
		if states[o] != s {
			t.Errorf("%s: state %s, want %s", o, states[o], s)
		}
	}
}

func TestAPIDisabledWithoutToken(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.stop()
	h.cfg.HTTP.APIToken = ""
	h.startApp()
	code, out := h.apiDo("POST", "/api/v1/alerts", "anything", `{}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(out["error"].(string), "DUTYBOT_API_TOKEN") {
		t.Fatalf("got %d %v", code, out)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	code, out := h.apiDo("GET", "/healthz", "", "")
	if code != 200 || out["status"] != "ok" {
		t.Fatalf("healthz = %d %v", code, out)
	}
	h.bind(uZhang)
	id := h.createAlert("red", "测试", `{"officials":["o-zhang"]}`)
	m := h.waitMsg(uZhang, "测试")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	h.clk.Advance(42 * time.Second)
	h.press(uZhang, m, button(t, m, "收到"))
	h.eventually("acked", func() bool { return h.recipient(id, "o-zhang").State == "acked" })
	h.eventually("the call edited", func() bool { return h.latest(uZhang, m.ID).Edits > 0 })
	for name, min := range map[string]float64{
		"dutybot_alerts_created_total":      1,
		"dutybot_acks_total":                1,
		"dutybot_messages_sent_total":       4, // start prompt, greeting, call, edit
		"dutybot_ack_latency_seconds_sum":   42,
		"dutybot_ack_latency_seconds_count": 1,
	} {
		// Counted once Telegram has answered, just after the chat shows it.
		h.eventually(fmt.Sprintf("%s >= %v", name, min), func() bool { return h.metric(name) >= min },
			func() string { return fmt.Sprint(h.metric(name)) })
	}
}
