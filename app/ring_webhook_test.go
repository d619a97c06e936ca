package app_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/config"
)

const gatewaySecret = "town-gateway-shared-secret"

// gateway plays a town's SMS/voice gateway: it checks each request's
// signature as such a gateway does and keeps what it was asked to place.
type gateway struct {
	mu      sync.Mutex
	calls   []map[string]any
	refused int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Dutybot-Timestamp")
	m := hmac.New(sha256.New, []byte(gatewaySecret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	g.mu.Lock()
	defer g.mu.Unlock()
	if !hmac.Equal([]byte(r.Header.Get("X-Dutybot-Signature")), []byte(want)) {
		g.refused++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var c map[string]any
	_ = json.Unmarshal(body, &c)
	g.calls = append(g.calls, c)
	fmt.Fprintf(w, `{"id":"gw-%d"}`, len(g.calls))
}

func (g *gateway) placed() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]any(nil), g.calls...)
}

// signedAck posts a gateway's report to dutybot, signed at ts with secret.
func (h *harness) signedAck(alert, secret string, ts time.Time, body string) int {
	h.t.Helper()
	sec := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(sec + "."))
	m.Write([]byte(body))
	req, _ := http.NewRequest("POST", h.apiURL+"/api/v1/alerts/"+alert+"/ack", bytes.NewReader([]byte(body)))
	req.Header.Set("X-Dutybot-Timestamp", sec)
	req.Header.Set("X-Dutybot-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The webhook channel both ways: dutybot posts the call to the town's
// gateway, signed; the gateway reports the key press back, signed, and it
// answers like the button. Unsigned, wrongly signed, stale or misdirected
// reports are refused and change nothing.
func TestWebhookGatewayBothWays(t *testing.T) {
	gw := &gateway{}
	gsrv := httptest.NewServer(gw)
	t.Cleanup(gsrv.Close)
	h := newHarness(t, harnessOpts{
		edit: func(y string) string {
			y = strings.Replace(y, "\nescalation:", phoneOfficials, 1)
			y = strings.Replace(y, "escalation:\n  policies:\n", "escalation:\n  policies:\n    phone_red:\n"+ringSteps, 1)
			y = strings.Replace(y, "red: default}", "red: phone_red}", 1)
			return y + fmt.Sprintf("phone:\n  provider: webhook\n  caller: 含谷镇应急办\n  webhook:\n    url: %s/dial\n", gsrv.URL)
		},
		prepare: func(c *config.Config) { c.Phone.Webhook.Secret = gatewaySecret },
	})
	h.bind(uDuty)
	h.bind(uZhang)
	h.srv.SendText(uDuty, "/alert 红 o-zhou,o-zhang 暴雨红色预警")
	h.waitMsg(uDuty, "已发布，共 2 人")
	id := h.alertIDs()[0]
	other := h.createAlert("red", "山洪红色预警", `{"officials":["o-zhang"]}`)

	h.eventually("the gateway asked to call 周强", func() bool { return len(gw.placed()) == 1 })
	c := gw.placed()[0]
	if c["number"] != "+8613800000011" || c["kind"] != "call" || c["alert"] != id ||
		!strings.Contains(fmt.Sprint(c["text"]), "暴雨红色预警") || !strings.Contains(fmt.Sprint(c["text"]), "请按1") {
		t.Fatalf("the gateway got %v", c)
	}
	callID := c["call_id"].(string)
	h.eventually("the call recorded as placed", func() bool {
		e, _ := escalationTo(h.recipient(id, "o-zhou"), "call")
		return e.Results["o-zhou"] == "placed"
	})
	now := h.clk.Now()
	press := fmt.Sprintf(`{"call_id":%q,"result":"pressed","key":"1"}`, callID)
	for _, tc := range []struct {
		name, alert, secret string
		at                  time.Time
		body                string
		want                int
	}{
		{"wrong secret", id, "guessed", now, press, http.StatusUnauthorized},
		{"stale", id, gatewaySecret, now.Add(-time.Hour), press, http.StatusUnauthorized},
		{"another alert's path", other, gatewaySecret, now, press, http.StatusNotFound},
		{"a call never placed", id, gatewaySecret, now, `{"call_id":"never-placed","result":"pressed","key":"1"}`, http.StatusNotFound},
		{"unknown result", id, gatewaySecret, now, fmt.Sprintf(`{"call_id":%q,"result":"maybe"}`, callID), http.StatusBadRequest},
	} {
		if got := h.signedAck(tc.alert, tc.secret, tc.at, tc.body); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if r := h.recipient(id, "o-zhou"); r.State == "acked" {
		t.Fatal("a refused report answered the call")
	}
	// Signed a second later: the refusals above used up their signatures.
	now = now.Add(time.Second)
	if got := h.signedAck(id, gatewaySecret, now, press); got != http.StatusOK {
		t.Fatalf("the gateway's report: %d", got)
	}
	h.eventually("周强 answered by phone", func() bool { return h.recipient(id, "o-zhou").AnsweredVia == "phone" })
	if got := h.signedAck(id, gatewaySecret, now, press); got != http.StatusUnauthorized {
		t.Errorf("the same signed report again: %d, want 401 (a replay)", got)
	}
	if gw.refused != 0 {
		t.Errorf("the gateway refused %d of dutybot's signatures", gw.refused)
	}
	if strings.Contains(h.logs.String(), gatewaySecret) {
		t.Error("the gateway's secret appeared in the logs")
	}
}
