package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"dutybot/board"
	"dutybot/browsertest"
)

// signIn opens a board link as a browser would and returns the session
// cookie.
func (h *harness) signIn(link string) *http.Cookie {
	h.t.Helper()
	resp, _ := h.boardGet(link, nil)
	for _, c := range resp.Cookies() {
		if c.Name == board.CookieName && c.Value != "" {
			return c
		}
	}
	h.t.Fatalf("no session from %s: %d", link, resp.StatusCode)
	return nil
}

// TestBoardSignoutCommand: an admin signs everyone out of the board from
// the chat, say when a phone with the board open was lost; until now a
// session lived its 12 hours whatever happened.
func TestBoardSignoutCommand(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uLiu, uDuty, uAdmin} {
		h.bind(u)
	}
	liu := h.signIn(h.boardLink(uLiu))
	unopened := h.boardLink(uDuty)

	h.srv.SendText(uAdmin, "/help")
	h.waitMsg(uAdmin, "/board signout 注销所有人的值班看板登录")
	h.srv.SendText(uLiu, "/help")
	if m := h.waitMsg(uLiu, "/board 值班看板链接"); strings.Contains(m.Text, "signout") {
		t.Errorf("a leader's /help offers /board signout:\n%s", m.Text)
	}

	// Only an admin may.
	h.srv.SendText(uLiu, "/board signout")
	h.waitMsg(uLiu, "只有管理员可以注销全部看板登录")
	if resp, _ := h.boardGet(h.apiURL+"/board", liu); resp.StatusCode != http.StatusOK {
		t.Fatalf("the leader's session after his refused signout: %d", resp.StatusCode)
	}

	h.srv.SendText(uAdmin, "/board signout")
	h.waitMsg(uAdmin, "已注销值班看板的全部登录")
	if resp, _ := h.boardGet(h.apiURL+"/board", liu); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the leader's session after the signout: %d", resp.StatusCode)
	}
	if resp, _ := h.boardGet(unopened, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a link sent before the signout: %d", resp.StatusCode)
	}
	// A new link works, and keeps working after a restart.
	again := h.signIn(h.boardLink(uLiu))
	h.restart()
	if resp, _ := h.boardGet(h.apiURL+"/board", again); resp.StatusCode != http.StatusOK {
		t.Errorf("a session after the signout and a restart: %d", resp.StatusCode)
	}
	if !strings.Contains(h.logs.String(), "board: every session signed out") {
		t.Error("the signout was not logged")
	}

	h.srv.SendText(uAdmin, "/lang en")
	h.waitMsg(uAdmin, "English")
	h.srv.SendText(uAdmin, "/board signout")
	h.waitMsg(uAdmin, "Everyone is signed out of the duty board")
}

// TestBoardSignOutInBrowser signs out with the board's own buttons in
// Chromium: the forms must carry the board's origin (the board refuses
// POSTs that do not), and afterwards the board asks for a link again.
func TestBoardSignOutInBrowser(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uLiu)
	ctx := browsertest.New(t)
	body := func() string { return js[string](t, ctx, `document.body.innerText`) }

	if err := chromedp.Do(ctx, chromedp.Navigate(h.boardLink(uLiu))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the board", `!!document.getElementById('alerts')`, `document.body.innerText`)
	// The 退出 button in the header.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form.signout button"))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "signed out", `document.body.innerText.includes('已退出')`, `document.body.innerText`)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.apiURL+"/board")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body(), "请先获取看板链接") {
		t.Errorf("after signing out the board shows:\n%s", body())
	}

	// An old page's link to /board/logout shows a button that signs out.
	if err := chromedp.Do(ctx, chromedp.Navigate(h.boardLink(uLiu)), chromedp.Navigate(h.apiURL+"/board/logout")); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the sign-out page", `document.body.innerText.includes('退出值班看板')`, `document.body.innerText`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button.open"))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "signed out", `document.body.innerText.includes('已退出')`, `document.body.innerText`)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.apiURL+"/board")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body(), "请先获取看板链接") {
		t.Errorf("after the second sign-out the board shows:\n%s", body())
	}
	if strings.Contains(h.logs.String(), "cross-site request refused") {
		t.Error("the board refused its own form")
	}
}
