package board

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signIn opens official's link as a browser does and returns the session
// cookie.
func (f *fixture) signIn(ts *httptest.Server, official string) *http.Cookie {
	f.t.Helper()
	link, err := f.srv.Link(official)
	if err != nil {
		f.t.Fatal(err)
	}
	resp, _ := get(f.t, ts, "/board/login?t="+url.QueryEscape(token(f.t, link)), nil,
		"Sec-Fetch-Mode", "navigate", "Sec-Fetch-Site", "none")
	return sessionCookie(f.t, resp)
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == CookieName && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie: %d %v", resp.StatusCode, resp.Cookies())
	return nil
}

// TestLoginRefusesOtherSites: a form on another site that posts a link
// used to sign the visitor in as the link's official (login CSRF).
func TestLoginRefusesOtherSites(t *testing.T) {
	f := newFixture(t, Options{})
	ts := f.serve()
	link, _ := f.srv.Link("o-liu")
	form := url.Values{"t": {token(t, link)}}
	refused := []struct {
		name   string
		header []string
	}{
		{"another site", []string{"Origin", "https://evil.example"}},
		{"another port", []string{"Origin", strings.Replace(ts.URL, "127.0.0.1:", "127.0.0.1:1", 1)}},
		{"opaque origin", []string{"Origin", "null"}},
		{"no origin, referer elsewhere", []string{"Referer", "https://evil.example/board/login"}},
		{"neither origin nor referer", nil},
	}
	for _, c := range refused {
		resp, body := postWith(t, ts, "/board/login", form, nil, c.header...)
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("%s: %d, cookies %v", c.name, resp.StatusCode, resp.Cookies())
		}
		contains(t, c.name, body, "请求已拒绝", "来自其他网站")
	}
	contains(t, "logs", f.logs.String(), "board: cross-site request refused")
	// The board's own page: by Origin, or by Referer when there is none.
	for _, h := range [][]string{{"Origin", ts.URL}, {"Referer", ts.URL + "/board/login"}} {
		resp, _ := postWith(t, ts, "/board/login", form, nil, h...)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s from the board: %d", h[0], resp.StatusCode)
		}
		sessionCookie(t, resp)
	}
	// A navigation another site started (a link or a script there) gets
	// the button page, which names whose board it opens, not a session.
	login := "/board/login?t=" + url.QueryEscape(token(t, link))
	for _, site := range []string{"cross-site", "same-site"} {
		resp, body := get(t, ts, login, nil, "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Site", site)
		if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 0 {
			t.Errorf("navigation from a %s page: %d, cookies %v", site, resp.StatusCode, resp.Cookies())
		}
		contains(t, site+" page", body, "刘洋，点击下方按钮进入值班看板", `<form method="post" action="/board/login">`)
	}
	// With http.public_url, that origin is the board's.
	f.cfg.HTTP.PublicURL = "https://duty.example.gov.cn/"
	if resp, _ := postWith(t, ts, "/board/login", form, nil, "Origin", ts.URL); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the listen address behind public_url: %d", resp.StatusCode)
	}
	if resp, _ := postWith(t, ts, "/board/login", form, nil, "Origin", "https://duty.example.gov.cn"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("public_url's origin: %d", resp.StatusCode)
	}
	if resp, _ := postWith(t, ts, "/board/login", form, nil, "Origin", "http://duty.example.gov.cn"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("public_url's host over http: %d", resp.StatusCode)
	}
}

// TestLogoutRevokesTheSession: signing out used to clear the cookie in the
// browser only; the same cookie, copied or replayed, still opened the
// board for the rest of its 12 hours.
func TestLogoutRevokesTheSession(t *testing.T) {
	f := newFixture(t, Options{Poll: 10 * time.Millisecond})
	ts := f.serve()
	phone, desk := f.signIn(ts, "o-liu"), f.signIn(ts, "o-liu")
	if resp, _ := get(t, ts, "/board", phone); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	// The phone has the live stream open.
	req, _ := http.NewRequest("GET", ts.URL+"/board/events", nil)
	req.AddCookie(phone)
	stream, err := http.DefaultClient.Do(req)
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("events: %v %v", stream, err)
	}
	defer stream.Body.Close()
	ended := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stream.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
		}
		close(ended)
	}()

	// Another site cannot sign anyone out.
	if resp, _ := postWith(t, ts, "/board/logout", nil, phone, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout: %d", resp.StatusCode)
	}
	if resp, _ := get(t, ts, "/board", phone); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a cross-site logout: %d", resp.StatusCode)
	}

	resp, body := postWith(t, ts, "/board/logout", nil, phone, "Origin", ts.URL)
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 1 || resp.Cookies()[0].MaxAge >= 0 {
		t.Fatalf("logout: %d %v", resp.StatusCode, resp.Cookies())
	}
	contains(t, "signed out page", body, "已退出")
	for _, path := range []string{"/board", "/board/ping", "/board/events"} {
		if resp, _ := get(t, ts, path, phone); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with the signed-out cookie: %d", path, resp.StatusCode)
		}
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the open event stream outlived the sign-out")
	}
	if resp, _ := get(t, ts, "/board", desk); resp.StatusCode != http.StatusOK {
		t.Errorf("the other browser's session: %d", resp.StatusCode)
	}
	contains(t, "logs", f.logs.String(), "board: signed out")
	// Signing out again, or without a session, is harmless.
	if resp, _ := postWith(t, ts, "/board/logout", nil, phone, "Origin", ts.URL); resp.StatusCode != http.StatusOK {
		t.Errorf("second logout: %d", resp.StatusCode)
	}
}

// TestSignOutAll: an admin's /board signout ends every session and voids
// the links not yet opened; new links work.
func TestSignOutAll(t *testing.T) {
	f := newFixture(t, Options{})
	ts := f.serve()
	liu, he := f.signIn(ts, "o-liu"), f.signIn(ts, "o-he")
	unopened, _ := f.srv.Link("o-duty")
	if err := f.srv.SignOutAll(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*http.Cookie{"刘洋": liu, "何军": he} {
		if resp, _ := get(t, ts, "/board", c); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s's session: %d", name, resp.StatusCode)
		}
	}
	if resp, _ := get(t, ts, "/board/login?t="+url.QueryEscape(token(t, unopened)), nil, "Sec-Fetch-Mode", "navigate"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a link sent before: %d", resp.StatusCode)
	}
	if resp, _ := get(t, ts, "/board", f.signIn(ts, "o-liu")); resp.StatusCode != http.StatusOK {
		t.Errorf("a new link: %d", resp.StatusCode)
	}
	// It lasts: a restarted board reads the new secret.
	again, err := New(f.srv.d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(again.key()) != string(f.srv.key()) {
		t.Error("the new secret was not stored")
	}
}
