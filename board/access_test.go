package board

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// serve starts the board's routes on a loopback HTTP server.
func (f *fixture) serve() *httptest.Server {
	mux := http.NewServeMux()
	f.srv.Routes(mux)
	ts := httptest.NewServer(mux)
	f.t.Cleanup(ts.Close)
	return ts
}

// get fetches path without following redirects, sending cookie if set.
func get(t *testing.T, ts *httptest.Server, path string, cookie *http.Cookie, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// post posts a form to path without following redirects, from the
// board's own page as a browser does (with its Origin).
func post(t *testing.T, ts *httptest.Server, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return postWith(t, ts, path, form, nil, "Origin", ts.URL)
}

// postWith posts a form with the given header pairs and cookie only.
func postWith(t *testing.T, ts *httptest.Server, path string, form url.Values, cookie *http.Cookie, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// token returns the t= of a link.
func token(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}

func TestLinks(t *testing.T) {
	f := newFixture(t, Options{})
	link, err := f.srv.Link("o-liu")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, "http://127.0.0.1:8080/board/login?t=") {
		t.Errorf("link %q", link)
	}
	tok, err := Verify(f.srv.secret, token(t, link), PurposeLink, f.clk.Now())
	if err != nil || tok.Official != "o-liu" || !tok.Expires.Equal(start.Add(15*time.Minute)) {
		t.Errorf("link token %+v, %v", tok, err)
	}
	for _, who := range []string{"o-admin", "o-duty", "o-he"} {
		if _, err := f.srv.Link(who); err != nil {
			t.Errorf("Link(%s): %v", who, err)
		}
	}
	for _, who := range []string{"o-zhang", "o-wu"} {
		if _, err := f.srv.Link(who); !errors.Is(err, ErrForbidden) {
			t.Errorf("Link(%s) = %v, want ErrForbidden", who, err)
		}
	}
	if _, err := f.srv.Link("o-nobody"); !errors.Is(err, ErrUnknownOfficial) {
		t.Errorf("Link(unknown) = %v", err)
	}
	// public_url wins; an unspecified listen host reads as localhost.
	f.cfg.HTTP.PublicURL = "https://duty.example.gov.cn/"
	if l, _ := f.srv.Link("o-liu"); !strings.HasPrefix(l, "https://duty.example.gov.cn/board/login?t=") {
		t.Errorf("with public_url: %q", l)
	}
	f.cfg.HTTP.PublicURL, f.cfg.HTTP.Listen = "", ":8080"
	if l, _ := f.srv.Link("o-liu"); !strings.HasPrefix(l, "http://localhost:8080/board/login?t=") {
		t.Errorf("with listen :8080: %q", l)
	}
}

func TestAccess(t *testing.T) {
	f := newFixture(t, Options{})
	ts := f.serve()
	sign := func(purpose, official string, ttl time.Duration) string {
		return Token{Purpose: purpose, Official: official, Expires: f.clk.Now().Add(ttl)}.Sign(f.srv.secret)
	}
	session := func(official string) *http.Cookie {
		return &http.Cookie{Name: CookieName, Value: sign(PurposeSession, official, time.Hour)}
	}

	// Anonymous: 401 with how to get a link, for the page, the stream and
	// the ping alike.
	resp, body := get(t, ts, "/board", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", resp.StatusCode)
	}
	contains(t, "401 page", body, "请先获取看板链接", "发送 /board", "15 分钟")
	if resp, _ := get(t, ts, "/board/events", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous events: %d", resp.StatusCode)
	}
	if resp, _ := get(t, ts, "/board/ping", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous ping: %d", resp.StatusCode)
	}
	if _, body := get(t, ts, "/board?lang=en", nil); !strings.Contains(body, "send /board to the duty bot") {
		t.Errorf("English 401 page:\n%s", body)
	}

	// A link previewer (no Sec-Fetch-Mode: navigate) gets a page with a
	// button, and no session.
	link, _ := f.srv.Link("o-liu")
	login := "/board/login?t=" + url.QueryEscape(token(t, link))
	resp, body = get(t, ts, login, nil, "User-Agent", "TelegramBot (like TwitterBot)")
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
		t.Fatalf("previewer: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	contains(t, "previewer page", body, `<form method="post" action="/board/login">`, `name="t" value="`+token(t, link)+`"`, "进入值班看板", "刘洋")
	// Pressing its button signs in.
	resp, _ = post(t, ts, "/board/login", url.Values{"t": {token(t, link)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/board" || len(resp.Cookies()) != 1 {
		t.Fatalf("login by the button: %d to %q, cookies %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	// A browser opening the link signs in at once.
	resp, _ = get(t, ts, login, nil, "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/board" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == CookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/board" ||
		cookie.MaxAge != 12*3600 || cookie.Secure {
		t.Fatalf("session cookie %+v", cookie)
	}
	resp, body = get(t, ts, "/board", cookie)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("board with the cookie: %d", resp.StatusCode)
	}
	contains(t, "board", body, "<title>值班看板</title>", `id="alerts"`, `id="duty"`, `id="tasks"`, `id="rates"`,
		`data-events="/board/events?lang=zh-CN"`, "更新于 08:00:00")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if resp, _ := get(t, ts, "/board/ping", cookie); resp.StatusCode != http.StatusNoContent {
		t.Errorf("ping with the cookie: %d", resp.StatusCode)
	}
	if _, body := get(t, ts, "/board?lang=en", cookie); !strings.Contains(body, "<title>Duty board</title>") {
		t.Error("?lang=en does not switch to English")
	}

	// Staff are refused even with links and cookies signed for them by
	// hand; so is a unit head.
	for _, who := range []string{"o-zhang", "o-wu"} {
		resp, body := get(t, ts, "/board/login?t="+sign(PurposeLink, who, time.Minute), nil, "Sec-Fetch-Mode", "navigate")
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("%s's signed link: %d, cookies %v", who, resp.StatusCode, resp.Cookies())
		}
		contains(t, "403 page", body, "无权查看", f.srv.d.Config.OfficialName(who))
		if resp, _ := get(t, ts, "/board", session(who)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s's signed session: %d", who, resp.StatusCode)
		}
		if resp, _ := get(t, ts, "/board/events", session(who)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s's events: %d", who, resp.StatusCode)
		}
	}

	// Forged, swapped and expired tokens are refused.
	good := token(t, link)
	forged := strings.Split(sign(PurposeLink, "o-liu", time.Hour), ".")[0] + ".AAAA" + strings.Split(good, ".")[1][4:]
	refused := map[string]string{
		"tampered":        forged,
		"other secret":    Token{Purpose: PurposeLink, Official: "o-liu", Expires: f.clk.Now().Add(time.Hour)}.Sign([]byte("not the secret, thirty-two bytes")),
		"session as link": cookie.Value,
		"empty":           "",
	}
	for name, tok := range refused {
		resp, body := get(t, ts, "/board/login?t="+url.QueryEscape(tok), nil, "Sec-Fetch-Mode", "navigate")
		if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
			t.Errorf("%s link: %d", name, resp.StatusCode)
		}
		contains(t, name+" link page", body, "这个链接无效或已过期")
		if strings.Contains(body, "t="+tok) && tok != "" {
			t.Errorf("%s: the refusal page repeats the token", name)
		}
	}
	if resp, _ := get(t, ts, "/board", &http.Cookie{Name: CookieName, Value: good}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("link as cookie: %d", resp.StatusCode)
	}
	f.clk.Advance(15 * time.Minute)
	if resp, _ := get(t, ts, "/board/login?t="+url.QueryEscape(good), nil, "Sec-Fetch-Mode", "navigate"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired link: %d", resp.StatusCode)
	}
	if resp, _ := post(t, ts, "/board/login", url.Values{"t": {good}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired link by the button: %d", resp.StatusCode)
	}
	f.clk.Advance(12 * time.Hour)
	if resp, _ := get(t, ts, "/board", cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired session: %d", resp.StatusCode)
	}
	// Signing out is a button: the GET only shows it.
	resp, body = get(t, ts, "/board/logout", nil)
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
		t.Errorf("logout page: %d %v", resp.StatusCode, resp.Cookies())
	}
	contains(t, "logout page", body, `<form method="post" action="/board/logout">`, "退出值班看板")
	if resp, _ := post(t, ts, "/board/logout", nil); resp.StatusCode != http.StatusOK || resp.Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout: %d %v", resp.StatusCode, resp.Cookies())
	}

	// Nothing logged a token.
	for _, tok := range []string{good, cookie.Value, forged} {
		if strings.Contains(f.logs.String(), tok) {
			t.Errorf("a token appeared in the logs:\n%s", f.logs.String())
		}
	}
	contains(t, "logs", f.logs.String(), "board: link refused", "board: link refused by role")
}

func TestOpenLoopbackIsForLocalClientsOnly(t *testing.T) {
	closed := newFixture(t, Options{})
	if resp, _ := get(t, closed.serve(), "/board", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without OpenLoopback a loopback client gets %d", resp.StatusCode)
	}
	f := newFixture(t, Options{OpenLoopback: true})
	ts := f.serve()
	if resp, body := get(t, ts, "/board", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="alerts"`) {
		t.Errorf("loopback client with OpenLoopback: %d", resp.StatusCode)
	}
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if resp, _ := get(t, ts, "/board", nil, h, "203.0.113.9"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("proxied (%s) client with OpenLoopback: %d", h, resp.StatusCode)
		}
	}
	// A staff session is still refused: signing in says who you are.
	staff := Token{Purpose: PurposeSession, Official: "o-zhang", Expires: f.clk.Now().Add(time.Hour)}.Sign(f.srv.secret)
	if resp, _ := get(t, ts, "/board", &http.Cookie{Name: CookieName, Value: staff}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("staff session with OpenLoopback: %d", resp.StatusCode)
	}
}

func TestEventsPushChangedSections(t *testing.T) {
	f := newFixture(t, Options{OpenLoopback: true, Poll: 20 * time.Millisecond})
	ts := f.serve()
	resp, err := http.Get(ts.URL + "/board/events?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	updates := make(chan update, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var u update
				if err := json.Unmarshal([]byte(data), &u); err == nil {
					updates <- u
				}
			}
		}
		close(updates)
	}()
	next := func() update {
		t.Helper()
		select {
		case u, ok := <-updates:
			if !ok {
				t.Fatal("the stream ended")
			}
			return u
		case <-time.After(5 * time.Second):
			t.Fatal("no update")
		}
		return update{}
	}
	first := next()
	if len(first.Sections) != len(Sections) || first.Stamp != "Updated 08:00:00" {
		t.Fatalf("first update has %d sections, stamp %q", len(first.Sections), first.Stamp)
	}
	contains(t, "first alerts", first.Sections["alerts"], "No call is open")

	f.clk.Advance(30 * time.Second) // same minute: nothing to send
	id := f.alert("red", "暴雨红色预警", "o-zhang")
	u := next()
	if _, ok := u.Sections["alerts"]; !ok || u.Stamp != "Updated 08:00:30" {
		t.Fatalf("after an alert: sections %v, stamp %q", keys(u.Sections), u.Stamp)
	}
	contains(t, "alerts update", u.Sections["alerts"], "#"+id, `data-official="o-zhang" data-state="waiting"`)
	if _, ok := u.Sections["meltdown"]; ok {
		t.Error("an unchanged section was sent again")
	}
	f.deliver()
	if _, err := f.engine.Ack("o-zhang", id, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	u = next()
	if u.Sections["alerts"] == "" || strings.Contains(u.Sections["alerts"], "#"+id) {
		t.Errorf("after the only answer the alert is done and leaves the board: %v", keys(u.Sections))
	}
	f.srv.Close()
	select {
	case _, ok := <-updates:
		for ok {
			_, ok = <-updates
		}
	case <-time.After(5 * time.Second):
		t.Error("the stream did not end when the board closed")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStaticFilesAreServedToAnyone(t *testing.T) {
	f := newFixture(t, Options{})
	ts := f.serve()
	for path, want := range map[string]string{
		"/board/static/board.css":    "text/css",
		"/board/static/board.js":     "text/javascript",
		"/board/static/icons/ok.svg": "image/svg+xml",
	} {
		resp, body := get(t, ts, path, nil)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) || len(body) < 100 {
			t.Errorf("%s: %d %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
	if resp, _ := get(t, ts, "/board/static/../board.go", nil); resp.StatusCode == http.StatusOK {
		t.Error("a path outside the static files was served")
	}
	// Every icon the stylesheet names exists.
	_, css := get(t, ts, "/board/static/board.css", nil)
	for _, icon := range []string{"ok", "wait", "up", "warn", "none"} {
		if !strings.Contains(css, "url(icons/"+icon+".svg)") {
			t.Errorf("the stylesheet does not use icon %s", icon)
		}
		if resp, _ := get(t, ts, "/board/static/icons/"+icon+".svg", nil); resp.StatusCode != http.StatusOK {
			t.Errorf("icon %s: %d", icon, resp.StatusCode)
		}
	}
}
