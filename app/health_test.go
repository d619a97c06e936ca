package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

// healthz reads /healthz: the status code, the status and the reasons.
func (h *harness) healthz() (int, map[string]any, string) {
	h.t.Helper()
	code, out := h.apiDo("GET", "/healthz", "", "")
	return code, out, fmt.Sprint(out["reasons"])
}

// While Telegram answers every call with 502 for longer than
// health.telegram_silent_after, /healthz answers 503 saying so; once
// Telegram answers again it is ok.
func TestHealthzTelegramUnreachable(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	if code, out, _ := h.healthz(); code != http.StatusOK || out["status"] != "ok" {
		t.Fatalf("healthz at start = %d %v", code, out)
	}
	h.srv.Inject(fakeapi.Fault{Method: "getUpdates", Code: 502, Times: -1})
	before := h.srv.Stats().ServerErrors
	h.eventually("a poll refused", func() bool { return h.srv.Stats().ServerErrors > before })
	h.clk.Advance(4 * time.Minute)
	if code, out, _ := h.healthz(); code != http.StatusOK {
		t.Errorf("healthz after 4 minutes of 502s = %d %v, want still ok", code, out)
	}
	h.clk.Advance(2 * time.Minute)
	code, out, reasons := h.healthz()
	if code != http.StatusServiceUnavailable || out["status"] != "unhealthy" || !strings.Contains(reasons, "Telegram unreachable: no answer from the Bot API for 6m0s") {
		t.Errorf("healthz after 6 minutes of 502s = %d %v", code, out)
	}
	if _, ok := out["outbox"]; !ok {
		t.Errorf("healthz lost its outbox field: %v", out)
	}
	h.srv.ClearFaults()
	h.eventually("healthz ok once Telegram answers", func() bool { code, _, _ := h.healthz(); return code == http.StatusOK })
}

// Messages that cannot be sent for longer than health.outbox_stuck_after,
// with nothing delivered meanwhile, make /healthz answer 503: the outbox
// is stuck although Telegram answers the polls.
func TestHealthzOutboxStuck(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", Code: 502, Times: -1})
	h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang"]}`)
	before := h.srv.Stats().ServerErrors
	h.eventually("a send refused", func() bool { return h.srv.Stats().ServerErrors > before })
	h.clk.Advance(4 * time.Minute)
	if code, out, _ := h.healthz(); code != http.StatusOK {
		t.Errorf("healthz after 4 minutes = %d %v, want still ok", code, out)
	}
	h.clk.Advance(2 * time.Minute)
	// The clock jumped: the next poll's answer (within poll_timeout)
	// shows Telegram reachable at the new time.
	var code int
	var out map[string]any
	var reasons string
	h.eventually("healthz to blame the outbox alone", func() bool {
		code, out, reasons = h.healthz()
		return !strings.Contains(reasons, "Telegram unreachable")
	}, func() string { return reasons })
	if code != http.StatusServiceUnavailable || !strings.Contains(reasons, "outbox stuck: 1 messages queued, the oldest for 6m0s") {
		t.Errorf("healthz = %d %v, want the outbox stuck", code, out)
	}
	h.srv.ClearFaults()
	h.eventually("the call delivered", func() bool {
		h.clk.Advance(10 * time.Second) // past the dispatcher's backoff
		return len(h.messages(uZhang, "暴雨红色预警")) == 1
	})
	h.eventually("healthz ok", func() bool { code, _, _ := h.healthz(); return code == http.StatusOK })
}
