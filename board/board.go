// Package board serves the live duty board (值班看板) on the bot's HTTP
// server: open alerts and who has answered, escalations, who is on duty,
// overdue tasks, the 熔断 checklist and answer rates, updated live, for the
// officials who lead the duty (admin, duty_leader, leader, principal); and
// the town's work-safety loop: open 重大隐患 and overdue hazards per unit,
// and each plaque holder's item-19 quotas this month.
//
// The page is Go templates, a little CSS and plain JavaScript embedded in
// the binary; nothing is loaded from elsewhere. It updates over
// server-sent events (/board/events): the server looks at the event log
// every Options.Poll, rebuilds what changed and pushes the sections whose
// HTML changed; the script swaps them in. Officials open it with a signed
// link sent by /board in a private chat, which sets a signed session
// cookie; see access.go.
package board

import (
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/quota"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/weather"
)

//go:embed web
var web embed.FS

// Deps are the services the board reads.
type Deps struct {
	Config  *config.Config
	DB      *storage.DB
	Engine  *callout.Engine
	Rota    *rota.Service
	Weather *weather.Service
	Tasks   *tasks.Service
	// Quota counts item 19's per-person quotas; nil counts them with
	// quota.New on Config and DB.
	Quota *quota.Service
	// Plan names the duty items; nil loads it from tasks.catalogue.
	Plan    *catalogue.Plan
	Catalog *locales.Catalog
	Clock   clock.Clock
	Log     *slog.Logger
}

// Options adjust access and timing; the zero value is production.
type Options struct {
	// OpenLoopback lets loopback clients in without signing in; only the
	// sandbox sets it.
	OpenLoopback bool
	// Poll is how often (wall time) an open board looks for changes;
	// default 1s.
	Poll time.Duration
	// Heartbeat is how often a quiet event stream is sent the time, which
	// keeps proxies from closing it; default 15s.
	Heartbeat time.Duration
}

// Server serves the board.
type Server struct {
	d      Deps
	o      Options
	loc    *time.Location
	mu     sync.RWMutex // guards secret, which SignOutAll replaces
	secret []byte
	tmpl   *template.Template
	static http.Handler
	live   live

	orderMu sync.Mutex
	order   map[string]int // official id -> position in the directory
	ordered *config.People // the directory order was made from

	closeOnce sync.Once
	closed    chan struct{}
}

// New returns the board. It creates the signing secret in storage the
// first time.
func New(d Deps, o Options) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if d.Plan == nil {
		plan, err := catalogue.Load(d.Config.Tasks.Catalogue, d.Config)
		if err != nil {
			return nil, fmt.Errorf("board: tasks.catalogue: %w", err)
		}
		d.Plan = plan
	}
	if d.Quota == nil {
		d.Quota = quota.New(d.Config, d.DB)
	}
	s := &Server{d: d, o: o, loc: d.Config.Location, closed: make(chan struct{})}
	if s.loc == nil {
		s.loc = time.Local
	}
	var err error
	if s.secret, err = loadSecret(d.DB); err != nil {
		return nil, err
	}
	if s.tmpl, err = template.ParseFS(web, "web/*.html"); err != nil {
		return nil, fmt.Errorf("board templates: %w", err)
	}
	s.static = http.StripPrefix("/board/static/", http.FileServerFS(mustSub(web, "web/static")))
	return s, nil
}

// orderOf returns the officials' positions in the directory, made again
// after a reload of the 通讯录 replaced it.
func (s *Server) orderOf() map[string]int {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if p := s.d.Config.People(); s.order == nil || !p.Same(s.ordered) {
		s.order, s.ordered = make(map[string]int, len(p.Officials)), p
		for i, off := range p.Officials {
			s.order[off.ID] = i
		}
	}
	return s.order
}

// Close ends the open event streams, so a server shutting down need not
// wait for them.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// Routes adds the board's routes (/board…) to mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /board", s.page)
	mux.HandleFunc("GET /board/{$}", s.page)
	mux.HandleFunc("GET /board/login", s.login)
	mux.HandleFunc("POST /board/login", s.login)
	mux.HandleFunc("GET /board/logout", s.logout)
	mux.HandleFunc("POST /board/logout", s.logout)
	mux.HandleFunc("GET /board/events", s.events)
	mux.HandleFunc("GET /board/ping", s.ping)
	mux.Handle("GET /board/static/", s.static)
}

// page serves the whole board.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	v, ok := s.admit(w, r)
	if !ok {
		return
	}
	lang := s.lang(r, v)
	snap, err := s.current()
	if err != nil {
		s.fail(w, "read the board", err)
		return
	}
	secs, err := s.sections(snap, lang)
	if err != nil {
		s.fail(w, "render the board", err)
		return
	}
	pv := &view{tr: s.d.Catalog, Lang: lang}
	pv.Stamp = pv.T("BoardUpdated", "Time", s.d.Clock.Now().In(s.loc).Format("15:04:05"))
	pv.Events = "/board/events?lang=" + lang
	pv.Ping = "/board/ping"
	pv.OtherURL = "/board?lang=" + other(lang)
	page := struct {
		*view
		Sections map[string]template.HTML
	}{pv, map[string]template.HTML{}}
	for id, h := range secs {
		page.Sections[id] = template.HTML(h) // rendered by html/template above
	}
	s.html(w, http.StatusOK, "page", page)
}

// html renders a template with the board's security headers.
func (s *Server) html(w http.ResponseWriter, code int, name string, data any) {
	secure(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		s.d.Log.Error("board: render page", "template", name, "err", err)
	}
}

// secure sets the headers every board response carries: nothing is cached
// or framed, no referrer leaks a link to another site, and only the
// board's own script and style run. (The referrer policy is same-origin,
// not no-referrer: under no-referrer browsers send "Origin: null" with a
// form, and the board's own sign-in and sign-out forms must show where
// they come from; see sameOrigin.)
func secure(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
}

func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.d.Log.Error("board: "+what, "err", err)
	secure(w)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// other is the language the page offers to switch to.
func other(lang string) string {
	if lang == locales.EN {
		return locales.ZH
	}
	return locales.EN
}
