package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
)

// units counts text the way Telegram does, in UTF-16 code units.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// TestLongEchoStillAnswers: a reply quoting a long argument used to pass
// 4,096 characters and be refused by Telegram, so the official got no
// answer at all. The quote is clipped.
func TestLongEchoStillAnswers(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uAdmin)
	tests := []struct {
		send  string
		parts []string
		quote string
	}{
		{"/ledger " + strings.Repeat("长", 4000), []string{"看不懂时间段", "用法：/ledger"}, "长…”"},
		{"/plan " + strings.Repeat("🚨", 3000), []string{"没有任务", "例如 /plan 14"}, "🚨…。"},
	}
	for _, tt := range tests {
		h.srv.SendText(uAdmin, tt.send)
		m := h.waitMsg(uAdmin, tt.parts...)
		if !strings.Contains(m.Text, tt.quote) || units(m.Text) > 600 {
			t.Errorf("answer (%d units) does not quote a clipped argument: %.200q", units(m.Text), m.Text)
		}
	}
}

// TestEmojiAlertIsDeliveredCut: 3,000 emoji pass the 3,000-character body
// check but are 6,000 UTF-16 units, over Telegram's 4,096; the call used to
// be refused and never arrive. It arrives cut, marked "…", with its answer
// deadline and button, and the answer still works.
func TestEmojiAlertIsDeliveredCut(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	body, _ := json.Marshal(map[string]any{"title": strings.Repeat("🌊", 200), "body": strings.Repeat("🚨", 3000),
		"level": "red", "targets": map[string]any{"officials": []string{"o-zhang"}}})
	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken, string(body))
	if code != 201 {
		t.Fatalf("create = %d %v", code, out)
	}
	id := out["id"].(string)
	m := h.waitMsg(uZhang, id, "🚨…\n", "前点击下方按钮确认")
	if n := units(m.Text); n > 4096 || n < 4000 {
		t.Errorf("call is %d UTF-16 units", n)
	}
	if !strings.Contains(m.Text, "【"+strings.Repeat("🌊", 200)+"】") {
		t.Errorf("title not whole: %.300q", m.Text)
	}
	h.press(uZhang, m, button(t, m, "确认"))
	h.eventually("the answer recorded", func() bool { return h.recipient(id, "o-zhang").State == "acked" })
	h.eventually("the call edited to say so", func() bool {
		l := h.latest(uZhang, m.ID)
		return l.Edits > 0 && units(l.Text) <= 4096 && len(l.Inline) == 0
	}, func() string { return fmt.Sprintf("%+v", h.latest(uZhang, m.ID).Inline) })
}
