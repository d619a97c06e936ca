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
	return s.baseURL() + "/board/login?t=" + t.Sign(s.key()), nil
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

// key is the current signing secret.
func (s *Server) key() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.secret
}

// SignOutAll ends every board session and voids every link not yet
// opened, by replacing the signing secret: for an admin who fears that a
// link or a signed-in browser has got into the wrong hands. Whoever needs
// the board asks /board for a new link.
func (s *Server) SignOutAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	secret, err := replaceSecret(s.d.DB)
	if err != nil {
		return err
	}
	s.secret = secret
	return nil
}

// viewer is who is looking at the board.
type viewer struct {
	official config.Official // zero for a loopback client in the sandbox
	loopback bool
}

// authenticate finds the viewer of a request. It returns 0 when they may
// see the board, 401 without a valid session (one signed with the current
// secret, not expired, not signed out) and 403 for an official whose role
// may not (checked on every request, against the running configuration).
func (s *Server) authenticate(r *http.Request) (viewer, int) {
	if t, ok := s.session(r); ok {
		o, ok := s.d.Config.Official(t.Official)
		switch {
		case !ok:
			return viewer{}, http.StatusUnauthorized
		case !CanView(o):
			return viewer{official: o}, http.StatusForbidden
		}
		return viewer{official: o}, 0
	}
	if s.o.OpenLoopback && loopback(r) {
		return viewer{loopback: true}, 0
	}
	return viewer{}, http.StatusUnauthorized
}

// session returns the session a request's cookie carries, if it is valid
// and was not signed out. A database that cannot be read counts as signed
// out: the board fails closed.
func (s *Server) session(r *http.Request) (Token, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Token{}, false
	}
	t, err := Verify(s.key(), c.Value, PurposeSession, s.d.Clock.Now())
	if err != nil {
		return Token{}, false
	}
	revoked := true
	if err := s.d.DB.View(func(tx *storage.Tx) error {
		revoked = sessionRevoked(tx, sessionID(c.Value))
		return nil
	}); err != nil {
		s.d.Log.Error("board: read the sign-outs", "err", err)
	}
	return t, !revoked
}

// sameOrigin reports whether a POST comes from the board's own pages: its
// Origin header, or its Referer when the browser sent no Origin, names the
// board's origin (http.public_url's when set, else the host the request
// was sent to). A form on another site that posts someone's link would
// sign the victim in as that someone (login CSRF), so board POSTs without
// it are refused. Browsers send Origin with every form POST; "null" (an
// opaque origin) is refused.
func (s *Server) sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Referer()
	}
	u, err := url.Parse(from)
	if from == "" || from == "null" || err != nil || u.Host == "" {
		return false
	}
	if pub := s.d.Config.HTTP.PublicURL; pub != "" {
		p, err := url.Parse(pub)
		return err == nil && strings.EqualFold(u.Scheme, p.Scheme) && strings.EqualFold(u.Host, p.Host)
	}
	// Without public_url the board is reached at whatever host the browser
	// used (an address, a name, behind a proxy that keeps Host); the
	// scheme is not compared, as a proxy may have ended TLS.
	return strings.EqualFold(u.Host, r.Host)
}

// crossSite serves the 403 page for a board POST from another site.
func (s *Server) crossSite(w http.ResponseWriter, r *http.Request) {
	s.d.Log.Info("board: cross-site request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"),
		"remote", r.RemoteAddr)
	lang := s.lang(r, viewer{})
	v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: "/board?lang=" + other(lang)}
	v.Title = v.T("BoardCrossSiteTitle")
	v.Message = v.T("BoardCrossSite")
	s.html(w, http.StatusForbidden, "access", v)
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
//
// Nor may another site sign a visitor in as someone else (login CSRF): a
// POST must come from the board's own page (sameOrigin), and a navigation
// that a browser marks as started by another site (Sec-Fetch-Site:
// cross-site or same-site) gets the button page too, which names whose
// board it opens. Opening the link from Telegram is not marked so.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	now := s.d.Clock.Now()
	tok := r.URL.Query().Get("t")
	if r.Method == http.MethodPost {
		if !s.sameOrigin(r) {
			s.crossSite(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		tok = r.PostFormValue("t")
	}
	t, err := Verify(s.key(), tok, PurposeLink, now)
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
	site := r.Header.Get("Sec-Fetch-Site")
	if r.Method != http.MethodPost && (r.Header.Get("Sec-Fetch-Mode") != "navigate" || site == "cross-site" || site == "same-site") {
		lang := s.lang(r, viewer{official: o})
		v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: "/board?lang=" + other(lang), Form: tok}
		v.Title = v.T("BoardOpenTitle")
		v.Message = v.T("BoardOpen", "Name", o.Name)
		s.html(w, http.StatusOK, "access", v)
		return
	}
	ttl := s.d.Config.Board.SessionTTL.D()
	session := Token{Purpose: PurposeSession, Official: o.ID, Expires: now.Add(ttl), ID: newID()}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: session.Sign(s.key()), Path: "/board",
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

// logout signs out. A GET answers a page whose button POSTs here (a GET
// changes nothing, so a link on another site cannot sign anyone out); the
// POST, from the board's own page, records the session as signed out in
// storage, so the cookie stops working even where it was copied, and
// clears it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r, viewer{})
	v := &view{tr: s.d.Catalog, Lang: lang, OtherURL: "/board?lang=" + other(lang)}
	if r.Method != http.MethodPost {
		v.Title = v.T("BoardSignOutTitle")
		v.Message = v.T("BoardSignOutConfirm")
		v.SignOut = true
		s.html(w, http.StatusOK, "access", v)
		return
	}
	if !s.sameOrigin(r) {
		s.crossSite(w, r)
		return
	}
	if t, ok := s.session(r); ok {
		c, _ := r.Cookie(CookieName)
		err := s.d.DB.Update(func(tx *storage.Tx) error {
			return revokeSession(tx, sessionID(c.Value), t.Expires, s.d.Clock.Now())
		})
		if err != nil {
			s.fail(w, "sign out", err)
			return
		}
		s.d.Log.Info("board: signed out", "official", t.Official, "remote", r.RemoteAddr)
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/board", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(r)})
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
