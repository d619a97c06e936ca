package app_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/board"
	"dutybot/storage"
)

// linkRE finds the board link in /board's answer.
var linkRE = regexp.MustCompile(`https?://\S+/board/login\?t=(\S+)`)

// boardLink asks for a board link in user's private chat and returns it
// pointed at the harness's HTTP server (the configured listen address has
// port 0).
func (h *harness) boardLink(user int64) string {
	h.t.Helper()
	before := len(h.messages(user, "/board/login?t="))
	h.srv.SendText(user, "/board")
	h.eventually("the board link", func() bool { return len(h.messages(user, "/board/login?t=")) > before })
	ms := h.messages(user, "/board/login?t=")
	m := linkRE.FindStringSubmatch(ms[len(ms)-1].Text)
	if m == nil {
		h.t.Fatalf("no link in %q", ms[len(ms)-1].Text)
	}
	return h.apiURL + "/board/login?t=" + m[1]
}

// boardGet fetches a board URL without following redirects, as a browser
// navigating to it.
func (h *harness) boardGet(u string, cookie *http.Cookie) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// boardSecret reads the board's signing secret from storage, to sign
// tokens by hand.
func (h *harness) boardSecret() []byte {
	h.t.Helper()
	var v string
	if err := h.app.DB.View(func(tx *storage.Tx) error {
		v, _ = tx.Meta(board.SecretMetaKey)
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	secret, err := hex.DecodeString(v)
	if err != nil || len(secret) != 32 {
		h.t.Fatalf("board secret %q: %v", v, err)
	}
	return secret
}

func TestBoardCommandInChat(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uLiu, uZhang, uDuty} {
		h.bind(u)
	}
	link := h.boardLink(uLiu)
	m := h.waitMsg(uLiu, "📊 值班看板", "链接 15 分钟内有效", "12 小时内保持登录", "请勿转发")
	if !strings.Contains(m.Text, "http://127.0.0.1:0/board/login?t=") {
		t.Errorf("the link should start with http://<http.listen>: %q", m.Text)
	}
	u, _ := url.Parse(link)
	tok, err := board.Verify(h.boardSecret(), u.Query().Get("t"), board.PurposeLink, h.clk.Now())
	if err != nil || tok.Official != "o-liu" || !tok.Expires.Equal(start.Add(15*time.Minute)) {
		t.Errorf("the link's token: %+v, %v", tok, err)
	}
	h.boardLink(uDuty) // a duty leader gets one too

	// Staff are refused clearly, and get no link.
	h.srv.SendText(uZhang, "/board")
	h.waitMsg(uZhang, "值班看板仅供管理员、带班领导、分管领导和主要负责人查看")
	if n := len(h.messages(uZhang, "/board/login")); n != 0 {
		t.Errorf("staff got %d links", n)
	}

	// In a group a link would be a credential shown to everyone: refused,
	// even for the leader.
	const group = -1005555
	h.srv.AddGroup(group, "含谷镇应急值班群")
	h.srv.SendGroupText(group, uLiu, "/board@hangu_duty_bot")
	h.waitMsg(group, "只在私聊中发送")
	if n := len(h.messages(group, "/board/login")); n != 0 {
		t.Errorf("the group got %d links", n)
	}

	// English speakers get it in English.
	h.srv.SendText(uLiu, "/lang en")
	h.waitMsg(uLiu, "English")
	h.srv.SendText(uLiu, "/board")
	h.waitMsg(uLiu, "📊 Duty board", "opened for 15 min", "signed in for 12 h")
	if strings.Contains(h.logs.String(), tok.Sign(h.boardSecret())) || strings.Contains(h.logs.String(), u.Query().Get("t")) {
		t.Error("a board token appeared in the logs")
	}
}

func TestBoardAccessOverHTTP(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uLiu)
	h.bind(uZhang)

	resp, body := h.boardGet(h.apiURL+"/board", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "发送 /board") {
		t.Fatalf("anonymous: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := h.boardGet(h.apiURL+"/board/events", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous events: %d", resp.StatusCode)
	}

	// A link signed by hand for a staff member with the real secret opens
	// nothing: the role is checked.
	staffLink := board.Token{Purpose: board.PurposeLink, Official: "o-zhang", Expires: h.clk.Now().Add(time.Minute)}.Sign(h.boardSecret())
	resp, body = h.boardGet(h.apiURL+"/board/login?t="+staffLink, nil)
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 || !strings.Contains(body, "张明") {
		t.Errorf("staff link: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	staffSession := board.Token{Purpose: board.PurposeSession, Official: "o-zhang", Expires: h.clk.Now().Add(time.Hour)}.Sign(h.boardSecret())
	if resp, _ := h.boardGet(h.apiURL+"/board", &http.Cookie{Name: board.CookieName, Value: staffSession}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("staff session: %d", resp.StatusCode)
	}

	// The leader's link from the chat: a link previewer fetching it gets no
	// session; a browser gets the cookie, then the board.
	link := h.boardLink(uLiu)
	if resp, err := http.Get(link); err != nil || resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
		t.Fatalf("previewer: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, _ = h.boardGet(link, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/board" {
		t.Fatalf("leader's link: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == board.CookieName && c.HttpOnly && c.SameSite != http.SameSiteNoneMode {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatalf("no HttpOnly session cookie: %v", resp.Cookies())
	}
	resp, body = h.boardGet(h.apiURL+"/board", cookie)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "进行中的叫应") {
		t.Fatalf("board: %d\n%s", resp.StatusCode, body)
	}

	// A forged link and an expired one are refused.
	forged := board.Token{Purpose: board.PurposeLink, Official: "o-liu", Expires: h.clk.Now().Add(time.Minute)}.Sign([]byte("a guessed secret"))
	if resp, _ := h.boardGet(h.apiURL+"/board/login?t="+forged, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged link: %d", resp.StatusCode)
	}
	late := h.boardLink(uLiu)
	h.clk.Advance(16 * time.Minute)
	if resp, _ := h.boardGet(late, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired link: %d", resp.StatusCode)
	}
	// The session outlives the link.
	if resp, _ := h.boardGet(h.apiURL+"/board", cookie); resp.StatusCode != http.StatusOK {
		t.Errorf("session after the link expired: %d", resp.StatusCode)
	}
}
