package board

import (
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// CookieName is the board's session cookie.
const CookieName = "dutybot_board"

// Errors of Link.
var (
	ErrForbidden       = errors.New("the duty board is for admins, duty leaders, leaders and principals")
	ErrUnknownOfficial = errors.New("unknown official")
)

// CanView reports whether an official's roles let them see the board:
// admins, duty leaders, leaders (分管领导) and principals.
func CanView(o config.Official) bool {
	return o.HasRole(config.RoleAdmin, config.RoleDutyLeader, config.RoleLeader, config.RolePrincipal)
}

// Link returns a signed link that lets an official open the board for
// board.link_ttl, or ErrForbidden if their role may not.
func (s *Server) Link(official string) (string, error) {
	o, ok := s.d.Config.Official(official)
	if !ok {
		return "", ErrUnknownOfficial
	}
	if !CanView(o) {
		return "", ErrForbidden
	}
	t := Token{Purpose: PurposeLink, Official: official, Expires: s.d.Clock.Now().Add(s.d.Config.Board.LinkTTL.D())}
	return s.baseURL() + "/board/login?t=" + t.Sign(s.secret), nil
}

// baseURL is how browsers reach this server: http.public_url, else
// http://<http.listen> with an unspecified host read as localhost.
func (s *Server) baseURL() string {
	if u := strings.TrimRight(s.d.Config.HTTP.PublicURL, "/"); u != "" {
		return u
	}
	host, port, err := net.SplitHostPort(s.d.Config.HTTP.Listen)
	if err != nil {
		return "http://" + s.d.Config.HTTP.Listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// viewer is who is looking at the board.
type viewer struct {
	official config.Official // zero for a loopback client in the sandbox
	expires  time.Time       // end of the session; zero for loopback
	loopback bool
}

// authenticate finds the viewer of a request. It returns 0 when they may
// see the board, 401 without a valid session and 403 for an official
// whose role may not (checked on every request, against the running
// configuration).
func (s *Server) authenticate(r *http.Request) (viewer, int) {
	now := s.d.Clock.Now()
	if c, err := r.Cookie(CookieName); err == nil {
		if t, err := Verify(s.secret, c.Value, PurposeSession, now); err == nil {
			o, ok := s.d.Config.Official(t.Official)
			switch {
			case !ok:
				return viewer{}, http.StatusUnauthorized
			case !CanView(o):
				return viewer{official: o}, http.StatusForbidden
			}
			return viewer{official: o, expires: t.Expires}, 0
		}
	}
	if s.o.OpenLoopback && loopback(r) {
		return viewer{loopback: true}, 0
	}
	return viewer{}, http.StatusUnauthorized
}

// loopback reports whether a request comes straight from this machine. A
// request relayed by a proxy (which would connect from loopback too) is
// not.
func loopback(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// admit answers a request that may not see the board with the 401 or 403
// page and reports whether it may.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (viewer, bool) {
	v, code := s.authenticate(r)
	switch code {
	case 0:
		return v, true
	case http.StatusForbidden:
		s.forbidden(w, r, v.official)
	default:
		s.unauthorized(w, r, "")
	}
	return v, false
}

// lang is the page's language: ?lang=, else the official's, else the
// configured one.
func (s *Server) lang(r *http.Request, v viewer) string {
	if l := locales.Match(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if v.official.ID != "" {
		lang := s.d.Config.Language
		_ = s.d.DB.View(func(tx *storage.Tx) error {
			lang = callout.LanguageOf(tx, s.d.Config, v.official.ID)
			return nil
		})
		if l := locales.Match(lang); l != "" {
			return l
		}
	}
	return s.d.Config.Language
}

// unauthorized serves the 401 page: how to get a link. detail says why a
// link was refused.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, detail string) {
	lang := s.lang(r, viewer{})
	v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: r.URL.Path + "?lang=" + other(lang)}
	v.Title = v.T("BoardSignInTitle")
	v.Message = v.T("BoardSignIn", "TTL", ttl(v, s.d.Config.Board.LinkTTL.D()))
	if detail != "" {
		v.Detail = v.T(detail)
	}
	if r.URL.Path == "/board/login" {
		v.OtherURL = "/board?lang=" + other(lang) // never repeat the token
	}
	s.html(w, http.StatusUnauthorized, "access", v)
}

// forbidden serves the 403 page to an official whose role may not see the
// board.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, o config.Official) {
	lang := s.lang(r, viewer{official: o})
	v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: "/board?lang=" + other(lang)}
	v.Title = v.T("BoardForbiddenTitle")
	v.Message = v.T("BoardForbidden", "Name", o.Name)
	s.html(w, http.StatusForbidden, "access", v)
}

// login opens a link sent by /board: a valid link of an official who may
// see the board sets the session cookie and goes on to the board.
//
// Link previews must not sign in: Telegram's servers (and other apps'
// previewers) fetch a link pasted in a chat to show its title, and would
// get a session, and the board's names and phones, for themselves. So a
// GET signs in only when the browser says it is navigating to the page
// (Sec-Fetch-Mode: navigate, sent by every current browser and in-app
// browser, not by previewers); otherwise it answers a page whose button
// POSTs the token back.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	now := s.d.Clock.Now()
	tok := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		tok = r.PostFormValue("t")
	}
	t, err := Verify(s.secret, tok, PurposeLink, now)
	if err != nil {
		// The token itself is never logged.
		s.d.Log.Info("board: link refused", "reason", err, "remote", r.RemoteAddr)
		s.unauthorized(w, r, "BoardLinkRefused")
		return
	}
	o, ok := s.d.Config.Official(t.Official)
	if !ok {
		s.d.Log.Info("board: link of an unknown official refused", "official", t.Official, "remote", r.RemoteAddr)
		s.unauthorized(w, r, "BoardLinkRefused")
		return
	}
	if !CanView(o) {
		s.d.Log.Info("board: link refused by role", "official", o.ID, "remote", r.RemoteAddr)
		s.forbidden(w, r, o)
		return
	}
	if r.Method != http.MethodPost && r.Header.Get("Sec-Fetch-Mode") != "navigate" {
		lang := s.lang(r, viewer{official: o})
		v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: "/board?lang=" + other(lang), Form: tok}
		v.Title = v.T("BoardOpenTitle")
		v.Message = v.T("BoardOpen", "Name", o.Name)
		s.html(w, http.StatusOK, "access", v)
		return
	}
	ttl := s.d.Config.Board.SessionTTL.D()
	session := Token{Purpose: PurposeSession, Official: o.ID, Expires: now.Add(ttl)}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: session.Sign(s.secret), Path: "/board",
		MaxAge: int(ttl / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(r)})
	s.d.Log.Info("board: signed in", "official", o.ID, "remote", r.RemoteAddr)
	to := "/board"
	if l := locales.Match(r.URL.Query().Get("lang")); l != "" {
		to += "?lang=" + url.QueryEscape(l)
	}
	secure(w)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// https reports whether browsers reach the board over TLS, so the cookie
// is only ever sent encrypted.
func (s *Server) https(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.d.Config.HTTP.PublicURL), "https://")
}

// logout forgets the session cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/board", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(r)})
	lang := s.lang(r, viewer{})
	v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: "/board?lang=" + other(lang)}
	v.Title = v.T("BoardSignedOut")
	v.Message = v.T("BoardSignIn", "TTL", ttl(v, s.d.Config.Board.LinkTTL.D()))
	s.html(w, http.StatusOK, "access", v)
}

// ping tells the page's script whether its session still holds: 204, 401
// or 403.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	secure(w)
	_, code := s.authenticate(r)
	if code == 0 {
		code = http.StatusNoContent
	}
	w.WriteHeader(code)
}

// ttl renders a link or session lifetime: 15 分钟, 12 小时.
func ttl(v *view, d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return v.T("BoardHours", "N", int(d/time.Hour))
	}
	return v.T("BoardMinutes", "N", int((d+time.Minute-1)/time.Minute))
}

// TTL renders a duration the way /board's answer in the chat states the
// link's and the session's lifetimes.
func TTL(cat *locales.Catalog, lang string, d time.Duration) string {
	return ttl(&view{tr: cat, Lang: lang}, d)
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded: not reached
	}
	return sub
}
