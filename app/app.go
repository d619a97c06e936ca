// Package app wires dutybot's services together: storage, the 叫应 engine,
// the outgoing queue, the deadline runner, the HTTP API and the Telegram
// bot. The binary, the tests and the load tools all start it the same way.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"dutybot/api"
	"dutybot/board"
	"dutybot/bot"
	"dutybot/cadence"
	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/coverage"
	"dutybot/duty"
	"dutybot/enterprise"
	"dutybot/groups"
	"dutybot/hazard"
	"dutybot/health"
	"dutybot/incident"
	"dutybot/inspection"
	"dutybot/lease"
	"dutybot/ledger"
	"dutybot/locales"
	"dutybot/metrics"
	"dutybot/outbox"
	"dutybot/phone"
	"dutybot/quarantine"
	"dutybot/quota"
	"dutybot/reminders"
	"dutybot/rota"
	"dutybot/scheduler"
	"dutybot/storage"
	"dutybot/supervision"
	"dutybot/tasks"
	"dutybot/tips"
	"dutybot/weather"
	"dutybot/workcal"
)

// Options adjusts how the app runs; the zero value is production.
type Options struct {
	Clock clock.Clock
	Log   *slog.Logger
	// HTTPClient is used for Bot API calls.
	HTTPClient *http.Client
	// Listener serves the HTTP API instead of listening on http.listen.
	Listener net.Listener
	// NoHTTP disables the HTTP server.
	NoHTTP bool
	// NoBot disables polling Telegram (the outbox still sends).
	NoBot bool
	// OnDelivered, if set, observes every message delivered (see
	// outbox.Dispatcher.OnDelivered); tools use it to count what officials
	// received.
	OnDelivered func(j storage.Job, messageID int, at time.Time)
	// BoardOpenLoopback lets loopback browsers see the duty board without
	// signing in; only the sandbox sets it.
	BoardOpenLoopback bool
	// InitDB lets a new, empty database start in an existing empty file
	// at storage.path (dutybot run -init-db); otherwise such a file is
	// refused, as a database that was lost.
	InitDB bool
	// PhoneClient carries the phone provider's requests (nil: its own).
	PhoneClient *http.Client
	// HTTPLimits bound the HTTP server's clients; zero fields take
	// DefaultHTTPLimits' values (tests shorten them).
	HTTPLimits HTTPLimits
}

// HTTPLimits bound what one client can hold of the HTTP server: a client
// that sends its request slowly (slowloris), reads the answer slowly or
// keeps an idle connection is cut off instead of holding a connection and
// a goroutine for ever. The board's event stream and the backup download
// extend their write deadline as they go (board/events.go, api/backup.go).
type HTTPLimits struct {
	ReadHeader     time.Duration // to send the request line and headers
	Read           time.Duration // to send the whole request, body included
	Write          time.Duration // from the end of the headers to the end of the answer
	Idle           time.Duration // a kept-alive connection between requests
	MaxHeaderBytes int
}

// DefaultHTTPLimits are generous for officials on slow links (a 10 MiB
// roster upload at 100 KB/s) and short for an attacker.
func DefaultHTTPLimits() HTTPLimits {
	return HTTPLimits{ReadHeader: 10 * time.Second, Read: 2 * time.Minute, Write: 2 * time.Minute,
		Idle: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
}

// server returns the HTTP server for handler with these limits, zero ones
// taken from DefaultHTTPLimits.
func (l HTTPLimits) server(handler http.Handler) *http.Server {
	d := DefaultHTTPLimits()
	return &http.Server{Handler: handler, ReadHeaderTimeout: cmp.Or(l.ReadHeader, d.ReadHeader),
		ReadTimeout: cmp.Or(l.Read, d.Read), WriteTimeout: cmp.Or(l.Write, d.Write), IdleTimeout: cmp.Or(l.Idle, d.Idle),
		MaxHeaderBytes: cmp.Or(l.MaxHeaderBytes, d.MaxHeaderBytes)}
}

// App is a wired dutybot.
type App struct {
	Config     *config.Config
	DB         *storage.DB
	Engine     *callout.Engine
	Bot        *bot.Bot
	Dispatcher *outbox.Dispatcher
	Deadlines  *scheduler.Deadlines
	API        *api.Server
	Metrics    *metrics.Metrics
	Registry   *prometheus.Registry
	Catalog    *locales.Catalog
	Plan       *catalogue.Plan
	Calendar   *workcal.Calendar
	Tasks      *tasks.Service
	Reminders  *reminders.Service
	Cadence    *cadence.Runner
	Overdue    *tasks.Sweeper
	Rota       *rota.Service
	Weather    *weather.Service
	Board      *board.Server
	Incidents  *incident.Service
	Witness    *ledger.Witness
	Tips       *tips.Service
	Hazards    *hazard.Service
	Coverage   *coverage.Checker
	Quarantine *quarantine.Reporter
	Health     *health.Checker
	// Enterprises is the 挂牌企业台账.
	Enterprises *enterprise.Registry
	// Inspections records /check (inspections of the registry's enterprises).
	Inspections *inspection.Service
	// Quota counts item 19's per-person work from the records.
	Quota *quota.Service
	// Groups keeps the work groups' chats (工作群).
	Groups *groups.Service
	// Lease says whether this instance runs the engine, when several share
	// a PostgreSQL database (always, on a bbolt file).
	Lease *lease.Elector
	// Phone places the call and sms steps (电话叫应); nil without a
	// phone provider.
	Phone *phone.Service

	opts Options
	log  *slog.Logger

	paidMu   sync.Mutex
	paidTold time.Time // the end of the last paid refusal the admins were told of
}

// New opens the database and builds every service; nothing runs until Run.
func New(cfg *config.Config, opts Options) (*App, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	cat, err := locales.New(cfg.Language)
	if err != nil {
		return nil, err
	}
	plan, err := catalogue.Load(cfg.Tasks.Catalogue, cfg)
	if err != nil {
		return nil, fmt.Errorf("tasks.catalogue: %w", err)
	}
	if um := plan.Unmatched(); len(um) > 0 {
		units := make([]string, len(um))
		for i, u := range um {
			units[i] = fmt.Sprintf("%s (%d points)", u.ID, len(u.Points))
			if len(u.Points) == 1 {
				units[i] = u.ID + " (1 point)"
			}
		}
		opts.Log.Warn("the task catalogue names units the configuration does not define; their share of the plan is skipped: give your units the plan's ids (dutybot check-config lists them)",
			"units", strings.Join(units, ", "), "points_asked_of_nobody", len(plan.Orphans()))
	}
	cal, err := LoadCalendar(cfg)
	if err != nil {
		return nil, err
	}
	db, err := OpenStorage(cfg, storage.Options{Create: opts.InitDB})
	if err != nil {
		return nil, err
	}
	if db.Created() {
		opts.Log.Warn("no database was there: started a new, empty one", "storage", db.Path())
	}
	if err := hazard.Upgrade(db); err != nil {
		db.Close()
		return nil, err
	}
	if err := loadFormer(db, cfg, opts.Log); err != nil {
		db.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	a := &App{Config: cfg, DB: db, Metrics: m, Registry: reg, Catalog: cat, Plan: plan, Calendar: cal,
		opts: opts, log: opts.Log}
	a.Lease = lease.New(db, db.Instance(), cfg.HA.Takeover.D(), opts.Log)
	a.Lease.OnTakeover = m.Takeovers.Inc
	if a.Tasks, err = tasks.New(cfg, db, plan, cal, opts.Clock); err != nil {
		db.Close()
		return nil, err
	}

	a.Engine = callout.New(cfg, db, opts.Clock, cat, m, opts.Log)
	if a.Reminders, err = reminders.New(cfg, db, plan, cal, a.Tasks, a.Engine, cat, opts.Clock); err != nil {
		db.Close()
		return nil, err
	}
	a.Rota = rota.New(cfg, db, a.Engine, cal, cat, opts.Clock, opts.Log)
	a.Weather = weather.New(cfg, db, a.Engine, cat, opts.Clock, opts.Log)
	a.Weather.DutyMode = a.Rota.DutyMode
	a.Incidents = incident.New(cfg, db, a.Engine, cat, opts.Clock, opts.Log)
	a.Tips = tips.New(cfg, db, a.Engine, cat, opts.Clock, opts.Log)
	a.Enterprises = enterprise.New(cfg, db, opts.Clock, opts.Log)
	a.Hazards = hazard.New(cfg, db, a.Engine, cat, opts.Clock, plaques{a.Enterprises, opts.Log}, opts.Log)
	a.Inspections = inspection.New(cfg, db, a.Enterprises, a.Hazards, opts.Clock, opts.Log)
	a.Quota = quota.New(cfg, db)
	a.Groups = groups.New(cfg, db, a.Engine, cat, opts.Clock, opts.Log)
	a.Quota.Register(a.Tasks)
	a.Tasks.RegisterEvidence("incidents", a.Incidents.Records)
	a.Tasks.RegisterEvidence("warnings", a.Weather.Records)
	a.Tasks.RegisterEvidence("duty", a.Rota.Records)
	a.Witness = ledger.NewWitness(cfg, db, a.Engine, cat, opts.Clock, opts.Log)
	book := ledger.New(cfg, db, cat)
	book.ChartFonts = cfg.Ledger.ChartFonts
	a.Reminders.Log = opts.Log
	a.Reminders.Chart = func(now time.Time) ([]byte, error) {
		img, err := book.AnswerRateChart(now)
		if errors.Is(err, ledger.ErrNoCalls) {
			return nil, nil // nothing to draw yet
		}
		return img, err
	}
	if a.Board, err = board.New(board.Deps{Config: cfg, DB: db, Engine: a.Engine, Rota: a.Rota, Weather: a.Weather,
		Tasks: a.Tasks, Quota: a.Quota, Plan: plan, Catalog: cat, Clock: opts.Clock, Log: opts.Log}, board.Options{OpenLoopback: opts.BoardOpenLoopback}); err != nil {
		db.Close()
		return nil, err
	}
	a.Coverage = coverage.New(cfg, db, cal, a.Rota, a.Engine, cat, opts.Clock, opts.Log)
	telegram := health.NewContact(opts.Clock)
	guide, err := supervision.New(cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(guide.Skipped) > 0 {
		opts.Log.Info("/who leaves out built-in sectors whose lead unit the configuration lacks; list the town's own under supervision.sectors",
			"count", len(guide.Skipped), "first", guide.Skipped[0].Name+" ("+guide.Skipped[0].Lead+")")
	}
	a.Bot, err = bot.New(bot.Deps{Config: cfg, DB: db, Engine: a.Engine, Tasks: a.Tasks, Reminders: a.Reminders, Plan: plan, Catalog: cat,
		Rota: a.Rota, Weather: a.Weather, Coverage: a.Coverage, Board: a.Board, Incidents: a.Incidents, Tips: a.Tips,
		Inspections: a.Inspections, Hazards: a.Hazards, Quota: a.Quota, Enterprises: a.Enterprises, Groups: a.Groups,
		Supervision: guide, Metrics: m, Log: opts.Log, HTTPClient: telegramClient(cfg, opts.HTTPClient, telegram, a.Lease)})
	if err != nil {
		db.Close()
		return nil, err
	}
	d := cfg.Delivery
	a.Dispatcher = outbox.New(db, opts.Clock, a.Bot.Sender(), a.Engine, outbox.Limits{
		GlobalPerSecond: d.GlobalPerSecond, ChatPerSecond: d.ChatPerSecond, ChatBurst: d.ChatBurst,
		GroupPerMinute: d.GroupPerMinute, RequestTimeout: d.RequestTimeout.D(), GiveUpAfter: d.GiveUpAfter.D(),
		Workers: d.WorkerCount(), PaidPerSecond: paidRate(d), PaidRetryAfter: d.PaidBroadcast.RetryAfter.D(),
	}, m, opts.Log)
	delivered := health.NewContact(opts.Clock)
	a.Dispatcher.OnDelivered = func(j storage.Job, messageID int, at time.Time) {
		delivered.Mark()
		if opts.OnDelivered != nil {
			opts.OnDelivered(j, messageID, at)
		}
	}
	if opts.NoBot {
		telegram = nil // nothing polls: an idle bot would look out of reach
	}
	h := cfg.Health
	a.Health = health.NewChecker(db, opts.Clock, health.Thresholds{OutboxStuck: h.OutboxStuckAfter.D(),
		DeadlineLate: h.DeadlineLateAfter.D(), TelegramSilent: h.TelegramSilentAfter.D(), ProbeEvery: h.WriteProbeEvery.D()},
		telegram, delivered)
	a.Health.Role = func() (string, bool, time.Time) {
		st := a.Lease.Status()
		return string(st.Role), a.Lease.Held(), st.DatabaseDownSince
	}
	var fire scheduler.Mux
	fire.Handle("r:", a.Engine.Fire)
	fire.Handle(callout.GroupDeadlinePrefix, a.Engine.FireGroups)
	fire.Handle("s:", a.Rota.Fire)
	fire.Handle("w:", a.Weather.Fire)
	fire.Handle("i:", a.Incidents.Fire)
	fire.Handle("t:", a.Tips.Fire)
	fire.Handle(hazard.DeadlinePrefix, a.Hazards.Fire)
	a.Quarantine = quarantine.NewReporter(db, opts.Clock, cat, a.Engine.TellAdminsCoalesced, opts.Log)
	a.Dispatcher.OnQuarantined = func(string) { a.Quarantine.Notify() } // the dispatcher counts its own
	a.Dispatcher.OnPaidRefused = a.paidRefused
	fire.Handle(bot.DeadlinePrefix, a.Bot.Fire)
	a.Deadlines = scheduler.NewDeadlines(db, opts.Clock, fire.Fire, scheduler.Options{
		Log: opts.Log, Late: func(l time.Duration) { m.DeadlineLate.Observe(l.Seconds()) },
		AfterFire: a.Engine.Committed, Quarantined: a.quarantined})
	a.Engine.SetWakers(a.Dispatcher.Wake, a.Deadlines.Wake)
	if cfg.Tasks.OverdueLevel != "off" {
		a.Overdue = tasks.NewSweeper(a.Tasks, a.Engine, plan, cat, cfg.Tasks.OverdueLevel, opts.Log)
		a.Tasks.OnReported = func(id, official string) {
			if err := a.Overdue.Reported(id, official); err != nil {
				opts.Log.Error("close a settled overdue alert", "instance", id, "err", err)
			}
		}
	}
	a.Cadence = cadence.NewRunner(db, opts.Clock, a.Reminders.Rules(), a.Reminders.Prepare, cadence.RunnerOptions{
		Grace: cfg.Cadence.Grace.D(), AfterFire: a.Dispatcher.Wake, Log: opts.Log})
	a.Bot.WakeOutbox = a.Dispatcher.Wake
	a.API = api.New(cfg, a.Engine, db, reg, opts.Log).WithDuty(a.Rota, a.Weather).WithReports(a.Incidents, a.Tips).WithRoster(a.Coverage).WithHealth(a.Health).WithLedger(book).WithHazards(a.Hazards)
	a.API.WithEnterprises(a.Enterprises, cat)
	a.API.WithInspections(a.Inspections).WithQuotas(a.Quota).WithDirectory(a.ReloadDirectory)
	if cfg.Phone.Enabled() {
		prov, err := newPhoneProvider(cfg, opts.PhoneClient, opts.Log)
		if err != nil {
			db.Close()
			return nil, err
		}
		a.Phone = phone.New(cfg, db, a.Engine, prov, opts.Clock, cat, phone.NewMetrics(reg), opts.Log)
		a.Phone.Register()
		a.API.WithPhone(a.Phone)
	}
	if err := a.Engine.Prebind(); err != nil {
		db.Close()
		return nil, fmt.Errorf("prebind officials: %w", err)
	}
	if err := a.Groups.Sync(); err != nil {
		db.Close()
		return nil, fmt.Errorf("bind the configured work groups: %w", err)
	}
	a.Lease.OnRecovered = a.databaseRecovered
	a.warnCalendar()
	a.warnPlan()
	a.Enterprises.WarnAtStart()
	return a, nil
}

// warnPlan tells the log, and the admins once, how the plan runs this
// year: a plan written for another year keeps its recurring points and
// drops its dated one-offs; parts of the plan that nobody owes (a unit with
// no staff and no head, a role nobody holds) are logged.
func (a *App) warnPlan() {
	year := a.opts.Clock.Now().In(a.Config.Location).Year()
	if gaps := duty.PlanGaps(a.Config, a.Plan, year, a.Config.Tasks.Ongoing); len(gaps) > 0 {
		a.log.Warn("parts of the task plan are owed by nobody: give those units a head or staff, or the roles their officials",
			"count", len(gaps), "first", gaps[0].Point+" "+gaps[0].String())
	}
	dropped := a.Plan.DroppedIn(year)
	if len(dropped) == 0 {
		return
	}
	planYear := a.Plan.Year
	a.log.Warn("the task plan was written for another year: its dated one-off deadlines are not applied; load this year's plan with tasks.catalogue",
		"plan_year", planYear, "year", year, "dropped", len(dropped))
	err := a.Engine.TellAdminsOnce(fmt.Sprintf("plan-%d-in-%d", planYear, year), func(lang string) string {
		return a.Catalog.T(lang, "AdminPlanYear", map[string]any{"PlanYear": planYear, "Year": year,
			"Count": len(dropped), "Points": strings.Join(dropped, "、")})
	})
	if err != nil {
		a.log.Error("tell the admins about the plan year", "err", err)
	}
}

// telegramClient is the Bot API client (c, or one like bot.New's default)
// with every answer marking contact, so /healthz can tell how long
// Telegram has been out of reach.
//
// On a shared database only the instance holding the engine lease may
// reach Telegram (lease.Elector.Transport).
func telegramClient(cfg *config.Config, c *http.Client, contact *health.Contact, l *lease.Elector) *http.Client {
	if c == nil {
		poll := max(cfg.Telegram.PollTimeout.D(), 2*time.Second)
		// One kept-alive connection per request in flight (the outbox's
		// workers, the poll and a few answers): at 1,000 messages a second
		// a new TLS connection per message would not keep up.
		c = &http.Client{Timeout: poll + 10*time.Second,
			Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: cfg.Delivery.WorkerCount() + 8}}
	} else {
		cp := *c
		c = &cp
	}
	c.Transport = l.Transport(contact.Transport(c.Transport))
	return c
}

// paidRate is the paid lane's pace: none unless paid broadcast is on.
func paidRate(d config.Delivery) float64 {
	if !d.PaidBroadcast.Enabled() {
		return 0
	}
	return d.PaidBroadcast.PerSecond
}

// quarantined counts a record put into quarantine and has the admins told.
func (a *App) quarantined(bucket string) {
	a.Metrics.Quarantined.WithLabelValues(bucket).Inc()
	a.Quarantine.Notify()
}

// paidRefused tells the admins that Telegram refused a paid message for
// lack of Stars: calls go on at the free pace until until, and they should
// top the balance up. The dispatcher calls it from its loop, so the notice
// is written in a goroutine; the paid messages already in flight are
// refused too, within the same window, and tell nobody again.
func (a *App) paidRefused(until time.Time) {
	at := until.Add(-a.Config.Delivery.PaidBroadcast.RetryAfter.D()) // when Telegram refused
	a.paidMu.Lock()
	told := at.Before(a.paidTold)
	if !told {
		a.paidTold = until
	}
	a.paidMu.Unlock()
	if told {
		return
	}
	a.log.Warn("paid broadcast refused for lack of Stars: calls go at the free pace; top up the bot's Stars in @BotFather", "until", until)
	perSecond := a.Config.Delivery.GlobalPerSecond
	when := until.In(a.Config.Location).Format("01-02 15:04")
	go func() {
		err := a.Engine.TellAdminsCoalesced("paid-refused", func(lang string) string {
			return a.Catalog.T(lang, "AdminPaidRefused", map[string]any{"PerSecond": perSecond, "Until": when})
		})
		if err != nil {
			a.log.Error("tell the admins paid broadcast was refused", "err", err)
		}
	}()
}

// Handler is the bot's HTTP interface: the API, health, metrics and the
// duty board. Run serves it on http.listen; the sandbox mounts it.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Board.Routes(mux)
	a.phoneRoutes(mux)
	mux.Handle("/", a.API.Handler())
	return mux
}

// Run serves until ctx is cancelled or the bot cannot start, then stops
// every service and closes the database. Every instance serves the HTTP
// API and the board; the engine (polling Telegram, the outbox, deadlines,
// cadence and the rest) runs while this instance holds the engine lease:
// always, on a bbolt file.
func (a *App) Run(ctx context.Context) error {
	defer a.DB.Close()
	// Start-up read the configuration and the directory (100,000 people
	// in a district) and checked every page of the database: hand what
	// that left behind back to the system, or the process keeps its peak.
	debug.FreeOSMemory()
	var jobs []job
	if !a.opts.NoHTTP {
		ln := a.opts.Listener
		if ln == nil {
			var err error
			ln, err = net.Listen("tcp", a.Config.HTTP.Listen)
			if err != nil {
				return fmt.Errorf("http.listen %s: %w", a.Config.HTTP.Listen, err)
			}
		}
		srv := a.opts.HTTPLimits.server(a.Handler())
		srv.RegisterOnShutdown(a.Board.Close)
		a.log.Info("HTTP API listening", "addr", ln.Addr().String())
		jobs = append(jobs, job{"http", func(ctx context.Context) error {
			go func() {
				<-ctx.Done()
				sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
				defer c()
				_ = srv.Shutdown(sctx)
			}()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}})
	}
	jobs = append(jobs,
		job{"watch", func(ctx context.Context) error { return a.DB.Watch(ctx, a.log, a.changed) }},
		job{"engine", func(ctx context.Context) error { return a.Lease.Run(ctx, a.runEngine) }})
	return runJobs(ctx, jobs)
}

// runEngine runs what must happen once among the instances sharing the
// database, until ctx ends (this instance lost the lease, or stops).
func (a *App) runEngine(ctx context.Context) error {
	a.Metrics.Leader.Set(1)
	defer a.Metrics.Leader.Set(0)
	jobs := []job{
		{"outbox", a.Dispatcher.Run}, {"deadlines", a.Deadlines.Run}, {"cadence", a.Cadence.Run},
		{"rota", a.Rota.Run}, {"weather", a.Weather.Run}, {"incidents", a.Incidents.Run}, {"tips", a.Tips.Run},
		{"ledger", a.Witness.Run}, {"coverage", a.Coverage.Run}, {"quarantine", a.Quarantine.Run},
	}
	if a.Overdue != nil {
		jobs = append(jobs, job{"overdue", a.Overdue.Run})
	}
	if a.Phone != nil {
		jobs = append(jobs, job{"phone", a.Phone.Run})
	}
	if !a.opts.NoBot {
		jobs = append(jobs, job{"telegram", a.Bot.Run})
	}
	return runJobs(ctx, jobs)
}

// changed wakes the engine for what another instance wrote: an alert made
// through a standby's API queues messages and deadlines the leader must
// see at once (nil: something may have been missed).
func (a *App) changed(buckets []string) {
	if buckets == nil || slices.Contains(buckets, "outbox") {
		a.Dispatcher.Wake()
	}
	if buckets == nil || slices.Contains(buckets, "deadlines") {
		a.Deadlines.Wake()
	}
	if a.Phone != nil {
		a.Phone.Changed(buckets)
	}
}

// databaseRecovered tells the admins, once this instance runs the engine
// again, that the database was away long enough for calls to go out late.
func (a *App) databaseRecovered(down time.Duration, since time.Time) {
	if down < a.Config.HA.Takeover.D() {
		return
	}
	at := since.In(a.Config.Location).Format("01-02 15:04:05")
	minutes := max(1, int(down.Round(time.Minute)/time.Minute))
	err := a.Engine.TellAdminsOnce("db-outage-"+since.UTC().Format(time.RFC3339), func(lang string) string {
		return a.Catalog.T(lang, "AdminDatabaseOutage", map[string]any{"Since": at, "Minutes": minutes})
	})
	if err != nil {
		a.log.Error("tell the admins the database was away", "err", err)
	}
}

// job is a named service loop.
type job struct {
	name string
	run  func(context.Context) error
}

// runJobs runs jobs until ctx ends or one fails; it stops them all and
// returns the first failure.
func runJobs(ctx context.Context, jobs []job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var runErr error
	var once sync.Once
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				once.Do(func() { runErr = fmt.Errorf("%s: %w", j.name, err) })
				cancel()
			}
		}()
	}
	<-ctx.Done()
	wg.Wait()
	return runErr
}

// plaques gives the hazard loop what it needs of an enterprise from the
// registry: its 属地 unit and the people on its plaque, its own head with
// the chat and language of the binding of the phone the registry lists
// for them, if that phone is bound.
type plaques struct {
	reg *enterprise.Registry
	log *slog.Logger
}

func (p plaques) Plaque(code string) (hazard.Plaque, bool) {
	e, head, ok, bound, err := p.reg.GetWithHead(code)
	if err != nil {
		p.log.Error("look up an enterprise for a hazard", "enterprise", code, "err", err)
	}
	if !ok {
		return hazard.Plaque{}, false
	}
	principal := hazard.Person{Name: e.Head.Name, Phone: e.Head.Phone}
	if bound {
		principal.Chat, principal.Lang = head.ChatID, head.Language
	}
	return hazard.Plaque{Name: e.Name, Unit: e.Unit, Supervisor: e.Supervisor, Administrator: e.Admin,
		Principal: principal}, true
}

// OpenStorage opens the database the configuration names: the bbolt file
// at storage.path, or the PostgreSQL database of storage.dsn_file (or
// DUTYBOT_STORAGE_DSN, read by config.ResolveSecrets).
func OpenStorage(cfg *config.Config, o storage.Options) (*storage.DB, error) {
	if !cfg.Storage.Postgres() {
		return storage.OpenWith(cfg.Storage.Path, o)
	}
	if cfg.Storage.DSN == "" {
		return nil, fmt.Errorf("storage.dsn_file: no connection string: name a file or set %s", config.EnvStorageDSN)
	}
	idle := max(cfg.HA.Takeover.D()/6, time.Second)
	return storage.OpenPostgres(cfg.Storage.DSN, storage.PGOptions{IdleInTransaction: idle})
}
