// Package sandbox runs the whole bot without Telegram: the fake Bot API
// server of the test suite on loopback, the real app pointed at it with a
// made-up token and a throw-away database holding a demonstration roster
// of the duty day under way and the next, and a web chat in which anyone
// can play any official of the configuration. `dutybot sandbox` starts it;
// it prints one URL that serves the chat, the duty board and the HTTP API.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/redact"
	"dutybot/rota"
)

// Defaults of Options.
const (
	DefaultConfig = "config.example.yaml"
	DefaultHost   = "127.0.0.1"
	DefaultPort   = 8090
	// DefaultSpeed runs the example's default policy (10/20/30/45 min) in
	// 45 seconds.
	DefaultSpeed = 60
)

// Options configure a sandbox; zero values take the defaults.
type Options struct {
	// Config is the configuration file (default config.example.yaml). Its
	// telegram, storage and http settings are replaced.
	Config string
	// Host is the address to listen on (default 127.0.0.1).
	Host string
	// Port is the port to try first (default 8090); when it is taken a free
	// one is used. AnyPort takes a free one at once.
	Port    int
	AnyPort bool
	// Speed divides the escalation timings (see SpeedUp); default 60.
	Speed int
	// Log receives the app's logs; default discards them.
	Log *slog.Logger
}

// Sandbox is a running bot with its fake Telegram and web chat.
type Sandbox struct {
	cfg      *config.Config
	app      *app.App
	fake     *fakeapi.Server
	ln       net.Listener
	moved    int // the port asked for, when it was taken
	dir      string
	url      string
	apiToken string
	speed    int
	people   []person
	byID     map[string]int
	log      *slog.Logger
	web      *web
	// demoShifts are the demo roster's shifts, by start: the one under
	// way at start (checked in by its people once the bot raises its
	// check-in), then the next.
	demoShifts []rota.Shift
	// hazardStory plays the hazard loop's walk-through on the example
	// registry; nil without one that fits.
	hazardStory *hazardStory
	// groups are the configured work groups, each with a chat in the fake
	// server holding the bot and the officials it expects.
	groups []workGroup
	// samples counts the sample photos sent, so each looks a little
	// different.
	samples atomic.Uint32
	// phone is the fake of Tencent's voice and SMS the app calls through,
	// whose callee the page plays.
	phone *phoneLine

	closeOnce sync.Once
}

// New loads the configuration, starts the fake Bot API server, builds the
// app on a fresh database in a temporary directory and imports the demo
// roster into it; Run serves it.
func New(opts Options) (_ *Sandbox, err error) {
	if opts.Config == "" {
		opts.Config = DefaultConfig
	}
	if opts.Host == "" {
		opts.Host = DefaultHost
	}
	if opts.Port == 0 && !opts.AnyPort {
		opts.Port = DefaultPort
	}
	if opts.Speed == 0 {
		opts.Speed = DefaultSpeed
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg, err := config.Load(opts.Config)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w (run from the repository root, or name a configuration with -config)", err)
		}
		return nil, err
	}
	added := addCallStep(cfg) // before SpeedUp, which times it with the rest
	if err := SpeedUp(cfg, opts.Speed); err != nil {
		return nil, err
	}
	ppl, err := people(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{cfg: cfg, speed: opts.Speed, people: ppl, byID: map[string]int{}}
	for i, p := range ppl {
		s.byID[p.ID] = i
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.ln, err = listen(opts); err != nil {
		return nil, err
	}
	if !opts.AnyPort && s.ln.Addr().(*net.TCPAddr).Port != opts.Port {
		s.moved = opts.Port
	}
	s.url = "http://" + s.ln.Addr().String()
	if s.dir, err = os.MkdirTemp("", "dutybot-sandbox-"); err != nil {
		return nil, fmt.Errorf("sandbox: temporary directory: %w", err)
	}
	botToken := "777000:SANDBOX-" + randomHex(12)
	s.apiToken = randomHex(16)
	s.phone = fakePhone(cfg, added)
	s.phone.pointCallbacks(s.ln.Addr())
	s.log = slog.New(redact.NewHandler(opts.Log.Handler(), append([]string{botToken, s.apiToken}, s.phone.secrets...)...))
	s.logPhone()

	s.fake = fakeapi.New(fakeapi.Options{Token: botToken, BotUsername: "dutybot_sandbox_bot"})
	for _, p := range ppl {
		s.fake.AddUser(fakeUser(cfg, p))
	}
	s.setUpGroups()
	cfg.Telegram.APIURL = s.fake.URL()
	cfg.Telegram.Token = botToken
	cfg.Storage.Path = filepath.Join(s.dir, "dutybot.db")
	cfg.HTTP.Listen = s.ln.Addr().String()
	cfg.HTTP.PublicURL = s.url
	cfg.HTTP.APIToken = s.apiToken
	// Straight to the loopback fake: no proxy from the environment.
	client := &http.Client{Timeout: cfg.Telegram.PollTimeout.D() + 10*time.Second,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}}
	s.app, err = app.New(cfg, app.Options{Log: s.log, HTTPClient: client, NoHTTP: true, BoardOpenLoopback: true})
	if err != nil {
		return nil, fmt.Errorf("sandbox: start the bot: %w", err)
	}
	if err := s.loadDemoRoster(time.Now()); err != nil {
		return nil, err
	}
	if err := s.loadDemoRegistry(opts.Config); err != nil {
		return nil, err
	}
	if s.web, err = newWeb(s); err != nil {
		return nil, err
	}
	return s, nil
}

// listen takes the preferred port, or a free one when it is taken.
func listen(opts Options) (net.Listener, error) {
	if !opts.AnyPort {
		ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
		if err == nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, "0"))
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", opts.Host, err)
	}
	return ln, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// URL is the one address to open: the chat at /, the board at /board, the
// API under /api/v1.
func (s *Sandbox) URL() string { return s.url + "/" }

// APIToken is the bearer token of the HTTP API, made up for this run.
func (s *Sandbox) APIToken() string { return s.apiToken }

// Dir is the temporary directory holding the database; Run removes it.
func (s *Sandbox) Dir() string { return s.dir }

// Banner is what `dutybot sandbox` prints on start: where to go and what
// the speed-up did.
func (s *Sandbox) Banner() string {
	moved := ""
	if s.moved != 0 {
		moved = fmt.Sprintf("   (port %d is taken)", s.moved)
	}
	return fmt.Sprintf(`dutybot sandbox: the real bot against a local stand-in for Telegram; nothing leaves this machine.

  Open      %s%s
  Board     %sboard
  API token %s
            curl -H 'Authorization: Bearer %s' -d '{"level":"red","title":"暴雨红色预警","body":"请立即到岗","targets":{"units":["v-hangu"]}}' %sapi/v1/alerts
  Speed     escalation timings ÷%d: %s
  Phone     %s
  Data      %s (removed at exit)

Press Ctrl-C to stop.
`, s.URL(), moved, s.URL(), s.apiToken, s.apiToken, s.URL(), s.speed, describePolicies(s.cfg), s.phone.describe(s.cfg), s.dir)
}

// Run serves the chat and the bot until ctx ends, then stops everything
// and removes the temporary directory.
func (s *Sandbox) Run(ctx context.Context) error {
	defer s.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	appDone := make(chan error, 1)
	go func() { appDone <- s.app.Run(ctx) }()
	checkedIn := make(chan struct{})
	go func() { defer close(checkedIn); s.checkInDemoShift(ctx) }()

	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	srv.RegisterOnShutdown(s.app.Board.Close)
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(s.ln) }()
	s.log.Info("sandbox listening", "url", s.URL())

	var err error
	select {
	case <-ctx.Done():
	case aerr := <-appDone:
		appDone <- aerr // reported below
	case serr := <-httpDone:
		err = fmt.Errorf("sandbox: serve: %w", serr)
	}
	cancel()
	<-checkedIn
	sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
	defer c()
	_ = srv.Shutdown(sctx)
	if aerr := <-appDone; aerr != nil && !errors.Is(aerr, context.Canceled) && err == nil {
		err = fmt.Errorf("sandbox: the bot stopped: %w", aerr)
	}
	return err
}

// Close releases what New made when Run is not called; Run calls it.
func (s *Sandbox) Close() {
	s.closeOnce.Do(func() {
		if s.fake != nil {
			s.fake.Close()
		}
		if s.phone != nil {
			s.phone.fake.Close()
		}
		if s.ln != nil {
			_ = s.ln.Close()
		}
		if s.app != nil && s.app.DB != nil {
			_ = s.app.DB.Close() // Run closes it too; closing twice is harmless
		}
		if s.dir != "" {
			_ = os.RemoveAll(s.dir)
		}
	})
}
