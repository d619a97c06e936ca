// Package bot is dutybot's Telegram side: it binds officials to their chats,
// turns commands and button presses into 叫应 actions, and delivers the
// outgoing queue through the Bot API. Everything Telegram-specific lives
// here; the rules live in callout.
package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/coverage"
	"dutybot/enterprise"
	"dutybot/groups"
	"dutybot/hazard"
	"dutybot/incident"
	"dutybot/inspection"
	"dutybot/locales"
	"dutybot/metrics"
	"dutybot/quota"
	"dutybot/reminders"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/supervision"
	"dutybot/tasks"
	"dutybot/tips"
	"dutybot/weather"
)

// Deps are the services the bot works with.
type Deps struct {
	Config    *config.Config
	DB        *storage.DB
	Engine    *callout.Engine
	Tasks     *tasks.Service
	Reminders *reminders.Service
	Rota      *rota.Service
	Weather   *weather.Service
	Incidents *incident.Service
	Tips      *tips.Service
	// Inspections records /check; nil leaves /check answering an error.
	Inspections *inspection.Service
	// Quota counts item 19's figures an inspection's answer shows; nil
	// leaves them out.
	Quota *quota.Service
	// Hazards runs the hazard loop's buttons, flows and /hazards; nil
	// leaves them out.
	Hazards *hazard.Service
	// Supervision answers /who; nil leaves /who out.
	Supervision *supervision.Guide
	// Groups keeps the work groups' chats (/bindgroup, /groups, the bot's
	// place in each); nil leaves them out.
	Groups *groups.Service
	// Board makes the signed links /board sends; nil without a board.
	Board    BoardLinks
	Coverage *coverage.Checker // roster files sent in chat (document.go)
	// Enterprises is the 挂牌企业台账: registry files sent in chat
	// (document.go) and the bindings of enterprises' own heads (head.go);
	// nil leaves both out.
	Enterprises *enterprise.Registry
	Plan        *catalogue.Plan
	Catalog     *locales.Catalog
	Metrics     *metrics.Metrics
	Log         *slog.Logger
	// WakeOutbox is called after replies were queued.
	WakeOutbox func()
	// HTTPClient overrides the client used for Bot API calls (tests).
	HTTPClient *http.Client
}

// BoardLinks makes signed links to the duty board, and voids them.
type BoardLinks interface {
	// Link returns a link that lets official open the board, or an error
	// when their role may not.
	Link(official string) (string, error)
	// SignOutAll ends every board session and voids the links not yet
	// opened.
	SignOutAll() error
}

// Bot is the Telegram front end.
type Bot struct {
	Deps
	api      *tg.Bot
	username string
	shards   []chan *models.Update
	handled  chan int64  // ids of handled updates, to remove from the inbox
	routes   *routes     // every feature's commands, buttons and flows (router.go)
	imports  importQueue // roster files sent in chat (document_queue.go)
	// Allowances of answers to unbound accounts (strangers.go).
	limitsOnce          sync.Once
	strangers, tipsters *limiter
	// client and pollTimeout are used for getUpdates (intake.go).
	client      *http.Client
	pollTimeout time.Duration

	conflictMu   sync.Mutex
	lastConflict time.Time
}

// shardCount is how many chats' updates are handled in parallel; updates of
// one chat always go to the same shard and are handled in order.
const shardCount = 64

// New prepares the bot; it makes no network call until Run.
func New(d Deps) (*Bot, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.WakeOutbox == nil {
		d.WakeOutbox = func() {}
	}
	b := &Bot{Deps: d}
	routes, err := buildRoutes(b.features()...)
	if err != nil {
		return nil, err
	}
	b.routes = routes
	poll := d.Config.Telegram.PollTimeout.D()
	if poll < 2*time.Second {
		poll = 2 * time.Second // below this a long poll is hardly long
	}
	client := d.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: poll + 10*time.Second,
			Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: d.Config.Delivery.WorkerCount() + 8}}
	}
	b.client, b.pollTimeout = client, poll
	// The library sends every method but getUpdates: the bot polls itself
	// (intake.go), so an update is confirmed only once it is stored.
	api, err := tg.New(d.Config.Telegram.Token,
		tg.WithServerURL(d.Config.Telegram.APIURL),
		tg.WithHTTPClient(poll, client),
		tg.WithSkipGetMe(),
		tg.WithErrorsHandler(b.apiError),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	b.api = api
	return b, nil
}

// features are the parts of the bot's front end, each registering its
// commands, button prefixes and flows. Their order is the order of the
// command menu.
func (b *Bot) features() []feature {
	return []feature{b.coreFeature(), b.calloutFeature(), b.tasksFeature(), b.rotaFeature(), b.alertFeature(),
		b.warnFeature(), b.incidentFeature(), b.tipFeature(), b.checkFeature(), b.hazardsFeature(), b.whoFeature(), b.statusFeature(), b.boardFeature(), b.ledgerFeature(),
		b.groupsFeature(), b.headFeature(), b.flowsFeature()}
}

// Sender returns the outbox sender that delivers through this bot.
func (b *Bot) Sender() *Sender { return &Sender{api: b.api, apiURL: b.Config.Telegram.APIURL} }

// Run connects to the Bot API, registers the command menu, handles the
// updates left in the inbox by the last run and then polls for new ones
// until ctx is cancelled.
func (b *Bot) Run(ctx context.Context) error {
	me, err := b.getMe(ctx)
	if err != nil {
		return err
	}
	b.username = me.Username
	b.Log.Info("connected to Telegram", "bot", me.Username, "api_url", safeURL(b.Config.Telegram.APIURL))
	if _, err := b.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
		b.Log.Warn("deleteWebhook failed; polling may conflict with a webhook", "err", err)
	}
	b.registerCommands(ctx)

	var wg sync.WaitGroup
	b.handled = make(chan int64, 1024)
	removed := make(chan struct{})
	go func() {
		defer close(removed)
		b.removeHandled(b.handled)
	}()
	b.shards = make([]chan *models.Update, shardCount)
	for i := range b.shards {
		b.shards[i] = make(chan *models.Update, 64)
		wg.Add(1)
		go func(c chan *models.Update) {
			defer wg.Done()
			b.runShard(ctx, c)
		}(b.shards[i])
	}
	offset, err := b.replay(ctx)
	if err == nil {
		b.poll(ctx, offset)
	}
	for _, c := range b.shards {
		close(c)
	}
	wg.Wait()
	b.imports.wait()
	close(b.handled)
	<-removed
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// getMe retries until the Bot API answers, so a bot started while the
// network is down comes up when it returns. The first failure says what
// to check (reachHint); the retries after it do not repeat it.
func (b *Bot) getMe(ctx context.Context) (*models.User, error) {
	return b.getMeRetrying(ctx, time.Second)
}

// getMeRetrying is getMe waiting wait after the first failure, twice as
// long after each next one, up to a minute.
func (b *Bot) getMeRetrying(ctx context.Context, wait time.Duration) (*models.User, error) {
	hinted := false
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		me, err := b.api.GetMe(cctx)
		cancel()
		if err == nil {
			return me, nil
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return nil, fmt.Errorf("telegram rejected the bot token (check telegram.token_file or DUTYBOT_TELEGRAM_TOKEN): %w", err)
		}
		attrs := []any{"api_url", safeURL(b.Config.Telegram.APIURL), "err", maskToken(err.Error(), b.Config.Telegram.Token), "in", wait}
		if !hinted {
			attrs = append(attrs, "hint", reachHint(b.Config.Telegram.APIURL, os.Getenv))
			hinted = true
		}
		b.Log.Warn("cannot reach the Bot API, retrying", attrs...)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
}

// apiError logs errors of the polling loop; a 409 means another instance
// polls with the same token.
func (b *Bot) apiError(err error) {
	if errors.Is(err, tg.ErrorConflict) {
		b.conflictMu.Lock()
		defer b.conflictMu.Unlock()
		if time.Since(b.lastConflict) > time.Minute {
			b.lastConflict = time.Now()
			b.Log.Error("another process is polling Telegram with this bot token (409 Conflict); stop the other dutybot instance or webhook consumer", "err", err)
		}
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	b.Log.Warn("telegram polling error", "err", err)
}

// shardOf picks the shard of a chat.
func shardOf(chat int64) int {
	h := fnv.New32a()
	fmt.Fprint(h, chat)
	return int(h.Sum32() % shardCount)
}

func updateChat(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// handle runs one update with panic recovery.
func (b *Bot) handle(ctx context.Context, u *models.Update) {
	defer func() {
		if r := recover(); r != nil {
			b.Metrics.HandlerPanics.Inc()
			b.Log.Error("update handler panicked", "update", u.ID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	b.Metrics.UpdatesHandled.Inc()
	switch {
	case u.CallbackQuery != nil:
		b.onCallback(ctx, u.CallbackQuery)
	case u.Message != nil:
		b.onMessage(ctx, u.Message)
	case u.MyChatMember != nil:
		b.onMyChatMember(u.MyChatMember)
	}
}

// HandleUpdate handles one update synchronously; tests and the webhook-free
// sandbox use it.
func (b *Bot) HandleUpdate(ctx context.Context, u *models.Update) { b.handle(ctx, u) }
