package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/board"
	"dutybot/roster"
)

// Phone numbers typed in several forms in the configuration and the roster
// show in one form, 11 digits, wherever they are shown: /duty in the chat
// and the board's duty panel. Binding by a shared contact, which Telegram
// sends with its country code, still finds the official.
func TestPhonesShowInOneForm(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		y = strings.Replace(y, `phone: "13800000003"`, `phone: "+86 138 0000 0003"`, 1)
		y = strings.Replace(y, `phone: "13800000001"`, `phone: "0086-138-0000-0001"`, 1)
		return y + "\ntasks:\n  overdue_level: \"off\"\n" // o-li is "138-0000-0002" already
	}})
	// Telegram sends the number with the country code, with or without +.
	h.bind(uWu) // "+86 13800000003"
	h.srv.SendText(uZhang, "/start")
	h.waitMsg(uZhang, "分享我的手机号")
	h.srv.ShareContact(uZhang, "8613800000001", uZhang)
	h.waitMsg(uZhang, "绑定成功", "张明")
	h.bind(uLiu)

	sh := duty(day(0, 8), 24, roster.Daily, "o-wu", "o-zhang", "o-li")
	sh.Phone = "+86 139-0000-0009" // the duty phone, a mobile typed as people do
	h.importShifts(sh)

	want := []string{"13800000001", "13800000002", "13800000003", "13900000009"}
	typed := []string{"+86", "0086", "138-", "139-", "138 0000"}
	check := func(what, text string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %s:\n%s", what, w, text)
			}
		}
		for _, w := range typed {
			if strings.Contains(text, w) {
				t.Errorf("%s shows a phone as typed (%q):\n%s", what, w, text)
			}
		}
	}
	check("/duty", h.ask(uZhang, "/duty").Text)

	session := board.Token{Purpose: board.PurposeSession, Official: "o-liu", Expires: h.clk.Now().Add(time.Hour)}.Sign(h.boardSecret())
	resp, body := h.boardGet(h.apiURL+"/board", &http.Cookie{Name: board.CookieName, Value: session})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("board: %d", resp.StatusCode)
	}
	i, j := strings.Index(body, `id="duty"`), strings.Index(body, `id="meltdown"`)
	if i < 0 || j < i {
		t.Fatalf("no duty panel in the board:\n%s", body)
	}
	check("the board's duty panel", body[i:j])
	for _, w := range want[:3] {
		if !strings.Contains(body[i:j], `href="tel:`+w+`"`) {
			t.Errorf("the board's duty panel lacks a tel: link to %s", w)
		}
	}
}
