package app_test

import (
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

// A restart in the middle of an escalation continues it on time, without
// sending again what was already delivered.
func TestRestartMidEscalation(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uWu, uLiu, uHe} {
		h.bind(u)
	}
	id := h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang"]}`)
	h.waitMsg(uZhang, "暴雨红色预警")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uZhang, "第二次叫应")
	h.waitScheduled(id, "o-zhang", start.Add(20*time.Minute))

	h.restart()
	h.advanceTo(start.Add(20 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "张明")

	// Down across two deadlines: both fire at once on start-up.
	h.waitScheduled(id, "o-zhang", start.Add(30*time.Minute))
	h.stop()
	h.advanceTo(start.Add(50 * time.Minute))
	h.startApp()
	h.waitMsg(uLiu, "叫应升级", "张明")
	h.waitMsg(uHe, "叫应升级", "张明")

	for u, want := range map[int64]int{uZhang: 2, uWu: 1, uLiu: 1, uHe: 1} {
		if got := len(h.messages(u, "#"+id)); got != want {
			t.Errorf("chat %d: %d messages about the alert, want %d", u, got, want)
		}
	}
	r := h.recipient(id, "o-zhang")
	if len(r.Escalations) != 4 {
		t.Fatalf("escalations = %+v", r.Escalations)
	}
	// Late steps are recorded when they actually ran.
	for i, at := range []time.Duration{10 * time.Minute, 20 * time.Minute, 50 * time.Minute, 50 * time.Minute} {
		if !r.Escalations[i].At.Equal(start.Add(at)) {
			t.Errorf("step %d ran at %s, want %s", i, r.Escalations[i].At, start.Add(at))
		}
	}
	// An acknowledgement after the restart is kept across another one.
	m := h.messages(uZhang, "第二次叫应")[0]
	h.press(uZhang, m, button(t, m, "收到"))
	h.restart()
	if r := h.recipient(id, "o-zhang"); r.State != "acked" {
		t.Errorf("after restart state = %s", r.State)
	}
}

// Messages queued while Telegram is down are delivered after a restart.
func TestQueuedMessagesSurviveRestart(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.bind(uLi)
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", Code: 502, Description: "Bad Gateway", Times: -1})
	id := h.createAlert("yellow", "寒潮黄色预警", `{"officials":["o-zhang","o-li"]}`)
	h.eventually("a failed attempt", func() bool { return h.srv.Stats().ServerErrors > 0 })
	h.stop()
	h.srv.ClearFaults()
	h.startApp()
	h.waitMsg(uZhang, "寒潮黄色预警")
	h.waitMsg(uLi, "寒潮黄色预警")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	time.Sleep(20 * time.Millisecond)
	for _, u := range []int64{uZhang, uLi} {
		if n := len(h.messages(u, "寒潮黄色预警")); n != 1 {
			t.Errorf("chat %d got the call %d times", u, n)
		}
	}
}

// A storm of 429s and 5xx answers still delivers every message exactly once.
func TestRateLimitsAndServerErrorsDeliverExactlyOnce(t *testing.T) {
	h := newHarness(t, harnessOpts{real: true})
	users := []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uAdmin, uChen}
	for _, u := range users {
		h.bind(u)
	}
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", Code: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1, Times: 4})
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", Code: 500, Description: "Internal Server Error", Times: 3})
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", Code: 502, Description: "Bad Gateway", Times: 2})
	id := h.createAlert("red", "台风红色预警", `{"all":true}`)
	for _, u := range users {
		h.waitMsg(u, "台风红色预警")
	}
	st := h.srv.Stats()
	if st.TooMany < 4 || st.ServerErrors < 5 {
		t.Errorf("faults not exercised: %+v", st)
	}
	h.eventually("queue drained", func() bool {
		_, out := h.apiDo("GET", "/healthz", "", "")
		return out["outbox"] == float64(0)
	})
	for _, u := range users {
		if n := len(h.messages(u, "台风红色预警")); n != 1 {
			t.Errorf("chat %d got the call %d times", u, n)
		}
	}
	for _, r := range h.alert(id).Recipients {
		if r.State != "pending" || r.SentAt == nil {
			t.Errorf("%s: state %s sent %v", r.Official, r.State, r.SentAt)
		}
	}
	if got := h.metric("dutybot_messages_rate_limited_total"); got < 4 {
		t.Errorf("rate-limited metric = %v", got)
	}
}

// A request that times out is retried. Telegram has no idempotency key, so
// if the timed-out request did arrive the chat sees the call twice: delivery
// is at-least-once, never lost.
func TestTimeoutIsRetried(t *testing.T) {
	h := newHarness(t, harnessOpts{real: true, edit: func(y string) string {
		return strings.Replace(y, "request_timeout: 5s", "request_timeout: 200ms", 1)
	}})
	h.bind(uZhang)
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", Delay: 600 * time.Millisecond, Code: 504, Description: "Gateway Timeout", Times: 1})
	id := h.createAlert("red", "台风红色预警", `{"officials":["o-zhang"]}`)
	h.waitMsg(uZhang, "台风红色预警")
	h.eventually("delivery recorded", func() bool { return h.recipient(id, "o-zhang").SentAt != nil })
	if got := h.metric("dutybot_messages_retried_total"); got < 1 {
		t.Errorf("retried metric = %v", got)
	}
}
