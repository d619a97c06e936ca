// Package callout implements 叫应 ("call and respond"): an alert reaches
// every official it targets, each must acknowledge it, every push and answer
// is recorded, and silence is reminded and then escalated up the chain
// (unit head, 分管领导, 主要负责人) by the level's policy. It knows nothing of
// Telegram: messages go out through the durable outbox as text and buttons.
package callout

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/metrics"
	"dutybot/storage"
)

// Errors answered to people pressing buttons or calling the API.
var (
	ErrUnknownAlert = errors.New("unknown alert")
	ErrNotYours     = errors.New("this button is not addressed to you")
	ErrAlready      = errors.New("already answered")
	ErrClosed       = errors.New("alert is closed")
	ErrForbidden    = errors.New("not allowed")
)

// ValidationError is a request that cannot be accepted as it is.
type ValidationError struct{ Reason string }

func (e *ValidationError) Error() string { return e.Reason }

// Engine runs 叫应 alerts.
type Engine struct {
	cfg     *config.Config
	db      *storage.DB
	clock   clock.Clock
	tr      *locales.Catalog
	m       *metrics.Metrics
	log     *slog.Logger
	loc     *time.Location
	wakeOut func()
	wakeDL  func()
	hooks   Hooks
	// channels perform the steps of actions features own (call, sms).
	channels map[string]ChannelFunc
	// committed run after the engine's transactions (OnCommitted).
	committed []func()
}

// Hooks let the services that raise alerts of their own kind (check-ins,
// spot checks) record what an answer or an escalation means for them, in
// the same transaction.
type Hooks struct {
	// Acked runs when a recipient is settled (answered or taken over).
	Acked func(tx *storage.Tx, a Alert, r Recipient) error
	// Stepped runs after an escalation step was taken for a recipient.
	Stepped func(tx *storage.Tx, a Alert, r Recipient, esc Escalation) error
	// Undelivered runs when the outbox gives up on a message (any kind),
	// before the engine's own handling: a work group the bot can no
	// longer post in is marked so.
	Undelivered func(tx *storage.Tx, j storage.Job, reason string, unreachable bool, at time.Time) error
	// Moved runs when a chat answered that it lives under another id now
	// (a group upgraded to a supergroup); the outbox sends j there next.
	Moved func(tx *storage.Tx, j storage.Job, to int64, at time.Time) error
}

// AddHooks adds hooks run for every alert; each hook should look at the
// alert's Kind and ignore the others. Call before Run.
func (e *Engine) AddHooks(h Hooks) {
	prev := e.hooks
	if h.Acked != nil {
		next := h.Acked
		if p := prev.Acked; p != nil {
			e.hooks.Acked = func(tx *storage.Tx, a Alert, r Recipient) error {
				if err := p(tx, a, r); err != nil {
					return err
				}
				return next(tx, a, r)
			}
		} else {
			e.hooks.Acked = next
		}
	}
	if h.Undelivered != nil {
		next := h.Undelivered
		if p := prev.Undelivered; p != nil {
			e.hooks.Undelivered = func(tx *storage.Tx, j storage.Job, reason string, unreachable bool, at time.Time) error {
				if err := p(tx, j, reason, unreachable, at); err != nil {
					return err
				}
				return next(tx, j, reason, unreachable, at)
			}
		} else {
			e.hooks.Undelivered = next
		}
	}
	if h.Moved != nil {
		next := h.Moved
		if p := prev.Moved; p != nil {
			e.hooks.Moved = func(tx *storage.Tx, j storage.Job, to int64, at time.Time) error {
				if err := p(tx, j, to, at); err != nil {
					return err
				}
				return next(tx, j, to, at)
			}
		} else {
			e.hooks.Moved = next
		}
	}
	if h.Stepped != nil {
		next := h.Stepped
		if p := prev.Stepped; p != nil {
			e.hooks.Stepped = func(tx *storage.Tx, a Alert, r Recipient, esc Escalation) error {
				if err := p(tx, a, r, esc); err != nil {
					return err
				}
				return next(tx, a, r, esc)
			}
		} else {
			e.hooks.Stepped = next
		}
	}
}

// New returns an engine. wakeOutbox and wakeDeadlines are called after a
// transaction queued messages or deadlines.
func New(cfg *config.Config, db *storage.DB, clk clock.Clock, tr *locales.Catalog, m *metrics.Metrics, log *slog.Logger) *Engine {
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = metrics.New(nil)
	}
	return &Engine{cfg: cfg, db: db, clock: clk, tr: tr, m: m, log: log, loc: loc,
		wakeOut: func() {}, wakeDL: func() {}}
}

// SetWakers connects the engine to the outbox and deadline runners.
func (e *Engine) SetWakers(outbox, deadlines func()) {
	e.wakeOut, e.wakeDL = outbox, deadlines
}

// Request asks for a new alert.
type Request struct {
	Kind    string // "alert" by default; later: weather, incident, roster, task
	Level   string
	Title   string
	Body    string
	Targets Targets
	Issuer  string // official id, empty for the API
	Source  string // "chat", "api" or "tasks"
	// Links tie the alert to what raised it (e.g. "task:14.2/yjb/2026-10-12");
	// at most one alert exists per link, so raising it twice is harmless.
	Links []string
	// Steps, if set, replace the level's escalation policy: on-duty alerts
	// escalate to the people of a shift ("official:o-li" targets).
	Steps []Step
	// Local words the alert in other languages (Alert.Local).
	Local map[string]AlertText
}

// ErrLinked is returned by Create when an alert with the request's link
// exists already.
var ErrLinked = errors.New("an alert for this link exists already")

// Resolve returns the officials an alert with these targets reaches, in
// configuration order: those its units, officials and roles name, and
// those its work groups expect.
func (e *Engine) Resolve(t Targets) ([]string, error) {
	out, _, err := e.resolve(t)
	return out, err
}

// resolve is Resolve that also tells, for each official called only
// through a work group, the group (the first of the targets' groups that
// expects them).
func (e *Engine) resolve(t Targets) ([]string, map[string]string, error) {
	if len(t.Groups) == 0 {
		out, err := e.resolvePlain(t)
		return out, nil, err
	}
	direct := map[string]bool{}
	if t.All || len(t.Units)+len(t.Officials)+len(t.Roles) > 0 {
		ids, err := e.resolvePlain(t)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			direct[id] = true
		}
	}
	byGroup := map[string]string{}
	for _, g := range t.Groups {
		if _, ok := e.cfg.Group(g); !ok {
			return nil, nil, &ValidationError{fmt.Sprintf("targets.groups: unknown group %q", g)}
		}
		members := e.cfg.GroupMembers(g)
		if len(members) == 0 {
			return nil, nil, &ValidationError{fmt.Sprintf("targets.groups: group %q expects nobody to answer", g)}
		}
		for _, o := range members {
			if _, taken := byGroup[o.ID]; !taken && !direct[o.ID] {
				byGroup[o.ID] = g
			}
		}
	}
	var out []string
	for _, o := range e.cfg.People().Officials {
		if _, ok := byGroup[o.ID]; ok || direct[o.ID] {
			out = append(out, o.ID)
		}
	}
	return out, byGroup, nil
}

// resolvePlain resolves units, officials, roles and all.
func (e *Engine) resolvePlain(t Targets) ([]string, error) {
	units := map[string]bool{}
	for _, u := range t.Units {
		if _, ok := e.cfg.Unit(u); !ok {
			return nil, &ValidationError{fmt.Sprintf("targets.units: unknown unit %q", u)}
		}
		units[u] = true
	}
	people := map[string]bool{}
	for _, o := range t.Officials {
		if _, ok := e.cfg.Official(o); !ok {
			return nil, &ValidationError{fmt.Sprintf("targets.officials: unknown official %q", o)}
		}
		people[o] = true
	}
	roles := map[string]bool{}
	for _, r := range t.Roles {
		if !validRole(r) {
			return nil, &ValidationError{fmt.Sprintf("targets.roles: unknown role %q", r)}
		}
		roles[r] = true
	}
	var out []string
	for _, o := range e.cfg.People().Officials {
		if t.All || units[o.Unit] || people[o.ID] || o.HasRole(keys(roles)...) {
			out = append(out, o.ID)
		}
	}
	if len(out) == 0 {
		return nil, &ValidationError{"targets: no official matches"}
	}
	return out, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func validRole(r string) bool {
	switch r {
	case config.RoleStaff, config.RoleUnitHead, config.RoleLeader, config.RolePrincipal, config.RoleDutyLeader, config.RoleAdmin:
		return true
	}
	return false
}

func validLevel(l string) bool {
	for _, v := range config.Levels {
		if v == l {
			return true
		}
	}
	return false
}

// Validate checks a request without creating anything.
func (e *Engine) Validate(req *Request) ([]string, error) {
	out, _, err := e.validate(req)
	return out, err
}

// validate is Validate that also tells the group each official called
// only through a work group is called in.
func (e *Engine) validate(req *Request) ([]string, map[string]string, error) {
	req.Level = strings.ToLower(strings.TrimSpace(req.Level))
	req.Title = strings.TrimSpace(req.Title)
	req.Body = strings.TrimSpace(req.Body)
	if req.Kind == "" {
		req.Kind = "alert"
	}
	switch {
	case !validLevel(req.Level):
		return nil, nil, &ValidationError{fmt.Sprintf("level: %q is not one of blue, yellow, orange, red", req.Level)}
	case req.Title == "":
		return nil, nil, &ValidationError{"title: must not be empty"}
	case len([]rune(req.Title)) > 200:
		return nil, nil, &ValidationError{"title: longer than 200 characters"}
	case len([]rune(req.Body)) > 3000:
		return nil, nil, &ValidationError{"body: longer than 3000 characters"}
	}
	if req.Issuer != "" {
		if _, ok := e.cfg.Official(req.Issuer); !ok {
			return nil, nil, &ValidationError{fmt.Sprintf("issuer: unknown official %q", req.Issuer)}
		}
	}
	return e.resolve(req.Targets)
}

// Create records an alert and queues its call to every recipient. A
// recipient who cannot be reached is escalated at once.
func (e *Engine) Create(req Request) (Alert, error) {
	var a Alert
	err := e.db.Update(func(tx *storage.Tx) error {
		var err error
		a, err = e.CreateIn(tx, req, e.clock.Now())
		return err
	})
	var verr *ValidationError
	if errors.Is(err, ErrLinked) || errors.As(err, &verr) {
		return Alert{}, err
	}
	if err != nil {
		return Alert{}, fmt.Errorf("create alert: %w", err)
	}
	e.wake()
	return a, nil
}

// CreateIn is Create inside the caller's transaction, for services that
// raise an alert together with their own state change (a shift's check-in
// at its start deadline). The caller must call Committed after the
// transaction commits, so the calls go out.
func (e *Engine) CreateIn(tx *storage.Tx, req Request, now time.Time) (Alert, error) {
	recips, byGroup, err := e.validate(&req)
	if err != nil {
		return Alert{}, err
	}
	if err := e.checkGroups(tx, req.Targets.Groups); err != nil {
		return Alert{}, err
	}
	calls, err := e.plan(tx, recips, byGroup)
	if err != nil {
		return Alert{}, err
	}
	steps := req.Steps
	if steps == nil {
		for _, s := range e.cfg.Policy(req.Level) {
			steps = append(steps, Step{After: s.After.D(), Action: s.Action, To: s.To})
		}
	}
	for _, link := range req.Links {
		if _, ok := LinkedAlert(tx, link); ok {
			return Alert{}, ErrLinked
		}
	}
	id, err := NextAlertID(tx, now.In(e.loc))
	if err != nil {
		return Alert{}, err
	}
	a := Alert{ID: id, Kind: req.Kind, Level: req.Level, Title: req.Title, Body: req.Body,
		Targets: req.Targets, Issuer: req.Issuer, Source: req.Source, CreatedAt: now, Links: req.Links,
		State: AlertOpen, Steps: steps, Recipients: recips, Total: len(recips), Unanswered: len(recips),
		Local: req.Local}
	if e.paid(a.Level, a.Kind) {
		a.PaidCalls = privateCalls(calls)
	}
	actor := req.Issuer
	if actor == "" {
		actor = "api"
		if req.Source != "" && req.Source != "api" {
			actor = "system"
		}
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvCreated, Alert: id, Actor: actor,
		Detail: fmt.Sprintf("%s %s: %d recipients", req.Level, req.Title, len(recips)), Code: storage.CodeCreated,
		Args: []storage.Arg{storage.Word("Level", storage.VocabLevel, req.Level), storage.Text("Title", req.Title),
			storage.Int("Count", len(recips))}}); err != nil {
		return Alert{}, err
	}
	if req.Issuer != "" {
		if b, err := tx.Binding(req.Issuer); err == nil {
			a.SummaryChat = b.ChatID
		}
	}
	if err := PutAlert(tx, a); err != nil {
		return Alert{}, err
	}
	if err := PutAlertTargets(tx, id, req.Targets); err != nil {
		return Alert{}, err
	}
	for _, link := range req.Links {
		if err := PutLink(tx, link, id); err != nil {
			return Alert{}, err
		}
	}
	memo := &callMemo{texts: map[string]string{}, labels: map[string]string{}}
	rs := make([]Recipient, 0, len(calls))
	for _, c := range calls {
		r := Recipient{AlertID: id, Official: c.official, State: StatePending, QueuedAt: now, Group: byGroup[c.official]}
		if o, ok := e.cfg.Official(c.official); ok {
			r.Unit = o.Unit
		}
		switch c.route {
		case routeGroup:
			// Called by the group's one message, posted below.
		case routeUnbound:
			if err := e.unreachable(tx, &a, &r, UnreachableUnbound, now); err != nil {
				return Alert{}, err
			}
		case routeBlocked:
			if err := e.unreachable(tx, &a, &r, UnreachableBlocked, now); err != nil {
				return Alert{}, err
			}
		default:
			if err := e.queueCallMemo(tx, a, r, c.binding, storage.RefCall, now, memo); err != nil {
				return Alert{}, err
			}
		}
		rs = append(rs, r)
	}
	// Stored in key order: bbolt inserts into the middle of a page in
	// memory until the commit, so 100,000 recipients put out of order cost
	// seconds of copying; the calls above keep the targets' order.
	slices.SortFunc(rs, func(x, y Recipient) int { return strings.Compare(x.Official, y.Official) })
	tx.Records(recipientsBucket).Appending() // a new alert's id sorts after the others
	for _, r := range rs {
		if err := PutRecipient(tx, r); err != nil {
			return Alert{}, err
		}
	}
	if err := tx.AppendEvents(memo.events); err != nil {
		return Alert{}, err
	}
	called := map[string]bool{} // groups someone is called in
	for _, g := range byGroup {
		called[g] = true
	}
	for _, g := range req.Targets.Groups {
		if !called[g] {
			continue // every member named directly, or the group named twice
		}
		called[g] = false
		if err := e.postGroup(tx, a, GroupCall{AlertID: id, Group: g}, now); err != nil {
			return Alert{}, err
		}
	}
	if err := e.refreshSummary(tx, a, now); err != nil {
		return Alert{}, err
	}
	tx.OnCommit(func() {
		e.m.AlertsCreated.Inc()
		e.log.Info("alert created", "alert", a.ID, "kind", a.Kind, "level", a.Level, "recipients", len(a.Recipients),
			"paid_calls", a.PaidCalls, "issuer", a.Issuer)
	})
	return a, nil
}

func (e *Engine) wake() {
	e.wakeOut()
	e.wakeDL()
	for _, fn := range e.committed {
		fn()
	}
}

// lang returns the language to speak to an official in: their /lang
// choice, else the configured one, else their Telegram client's, else the
// default.
func (e *Engine) lang(tx *storage.Tx, official string) string { return LanguageOf(tx, e.cfg, official) }

// LanguageOf is the language to speak to an official in, read inside a
// transaction: their /lang choice, else the configured one, else their
// Telegram client's, else the default.
func LanguageOf(tx *storage.Tx, cfg *config.Config, official string) string {
	b, err := tx.Binding(official)
	return languageFrom(cfg, official, b, err)
}

// languageFrom is LanguageOf from the official's binding, already read
// (err: as reading it answered).
func languageFrom(cfg *config.Config, official string, b storage.Binding, err error) string {
	if err == nil && b.Language != "" {
		return b.Language
	}
	if o, ok := cfg.Official(official); ok && o.Language != "" {
		return o.Language
	}
	if err == nil && b.TelegramLang != "" {
		return b.TelegramLang
	}
	return cfg.Language
}

// queueCall queues the call (or a reminder) to a recipient.
func (e *Engine) queueCall(tx *storage.Tx, a Alert, r Recipient, b storage.Binding, kind string, now time.Time) error {
	return e.queueCallMemo(tx, a, r, b, kind, now, nil)
}

// callMemo keeps what a whole alert's first calls share: their texts and
// button labels by language (they read the same for everyone who speaks
// one), and the events of the calls, logged together at the end. Rendering
// and logging them one by one was half the time to raise an alert to
// 100,000 officials.
type callMemo struct {
	texts, labels map[string]string
	events        []storage.Event
}

// queueCallMemo is queueCall for an alert's first calls, sharing memo
// (nil: nothing shared).
func (e *Engine) queueCallMemo(tx *storage.Tx, a Alert, r Recipient, b storage.Binding, kind string, now time.Time, memo *callMemo) error {
	lang := languageFrom(e.cfg, r.Official, b, nil)
	shared := memo != nil && r.SentAt.IsZero()
	var text, label string
	if shared {
		text, label = memo.texts[lang], memo.labels[lang]
	}
	if text == "" {
		text, label = e.callText(lang, a, r, kind, now), e.ackLabel(lang, a.Kind, a.Level)
		if shared {
			memo.texts[lang], memo.labels[lang] = text, label
		}
	}
	j := storage.Job{ChatID: b.ChatID, Op: storage.OpSend, Text: text,
		Buttons:   [][]storage.Button{{{Text: label, Data: AckData(a.ID, r.Official)}}},
		Ref:       storage.Ref{Kind: kind, Alert: a.ID, Official: r.Official},
		CreatedAt: now, Priority: priority(a.Level)}
	if kind == storage.RefCall {
		j.StallAfter = stallAfter(a)
		// Only the first call may be paid: reminders, notices and group
		// posts keep the free pace (delivery.paid_broadcast).
		j.Paid = e.paid(a.Level, a.Kind)
	}
	_, err := tx.Enqueue(j)
	if err != nil {
		return err
	}
	ev := storage.Event{At: now, Type: storage.EvSent, Alert: a.ID, Official: r.Official, Actor: "system", Detail: kind}
	if memo != nil {
		memo.events = append(memo.events, ev)
		return nil
	}
	return tx.AppendEvent(ev)
}

// ackLabel is the answer button's text: kinds may have their own, per
// level or for every level (a check-in is answered with 到岗签到; a blue or
// yellow weather warning with 收到预警, an orange or red one, which
// demands 到岗就位, with 收到预警，已到岗), else the plain acknowledgement.
func (e *Engine) ackLabel(lang, kind, level string) string {
	for _, id := range []string{"ButtonAck_" + kind + "_" + level, "ButtonAck_" + kind} {
		if e.tr.Has(id) {
			return e.tr.T(lang, id, nil)
		}
	}
	return e.tr.T(lang, "ButtonAck", nil)
}

// tell queues an informational message to an official if they are bound.
func (e *Engine) tell(tx *storage.Tx, official, key string, ref storage.Ref, now time.Time, render func(lang string) (string, [][]storage.Button)) error {
	b, err := tx.Binding(official)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && b.Unreachable) {
		return nil
	}
	if err != nil {
		return err
	}
	text, buttons := render(e.lang(tx, official))
	_, err = tx.Enqueue(storage.Job{Key: key, ChatID: b.ChatID, Op: storage.OpSend, Text: text, Buttons: buttons,
		Ref: ref, CreatedAt: now})
	return err
}

// Now returns the engine's clock time; handlers use it for display.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// Linked returns the alert raised for a link, if any.
func (e *Engine) Linked(link string) (Alert, bool) {
	var a Alert
	var ok bool
	_ = e.db.View(func(tx *storage.Tx) error {
		var id string
		if id, ok = LinkedAlert(tx, link); ok {
			var err error
			a, err = LoadAlert(tx, id)
			ok = err == nil
		}
		return nil
	})
	return a, ok
}

// CloseSettled closes an open alert whose cause was settled by actor (the
// official whose report settled it); an alert already ended is left alone.
func (e *Engine) CloseSettled(alertID, actor string) error {
	_, err := e.close(actor, alertID, true)
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}

// Lang returns the language to speak to an official in.
func (e *Engine) Lang(official string) string {
	lang := e.cfg.Language
	_ = e.db.View(func(tx *storage.Tx) error {
		lang = e.lang(tx, official)
		return nil
	})
	return lang
}

// Seen records that an official's chat just reached the bot, so a chat
// marked unreachable (blocked the bot) is reachable again.
func (e *Engine) Seen(official string) error {
	var blocked bool
	if err := e.db.View(func(tx *storage.Tx) error {
		b, err := tx.Binding(official)
		blocked = err == nil && b.Unreachable
		return nil
	}); err != nil || !blocked {
		return err
	}
	now := e.clock.Now()
	return e.db.Update(func(tx *storage.Tx) error {
		b, err := tx.Binding(official)
		if err != nil || !b.Unreachable {
			return err
		}
		b.Unreachable, b.UnreachableAt = false, time.Time{}
		if err := tx.PutBinding(b); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvReachable, Official: official, Actor: official})
	})
}

// TopicAdmin marks operational notices to the admins.
const TopicAdmin = "admin"

// TellAdmins queues a notice to every bound admin.
func (e *Engine) TellAdmins(render func(lang string) string) error {
	return e.TellAdminsCoalesced("", render)
}

// TellAdminsCoalesced is TellAdmins where a notice with the same key still
// waiting to be sent is replaced rather than repeated, so a burst of the
// same event (someone sharing contacts again and again) cannot flood the
// admins' chats.
func (e *Engine) TellAdminsCoalesced(key string, render func(lang string) string) error {
	now := e.clock.Now()
	err := e.db.Update(func(tx *storage.Tx) error {
		for _, admin := range e.cfg.OfficialsWithRole(config.RoleAdmin) {
			k := ""
			if key != "" {
				k = "admin:" + key + ":" + admin.ID
			}
			err := e.tell(tx, admin.ID, k, storage.Ref{Kind: storage.RefInfo, Official: admin.ID, Topic: TopicAdmin}, now,
				func(lang string) (string, [][]storage.Button) { return render(lang), nil })
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		e.wakeOut()
	}
	return err
}

// TellAdminsOnce is TellAdmins for a standing condition found at start-up
// (a plan year, a calendar year): each bound admin hears of key once, ever,
// so restarts do not repeat it; an admin bound later hears of it at the
// next start.
func (e *Engine) TellAdminsOnce(key string, render func(lang string) string) error {
	now := e.clock.Now()
	told := false
	err := e.db.Update(func(tx *storage.Tx) error {
		for _, admin := range e.cfg.OfficialsWithRole(config.RoleAdmin) {
			mk := "told:" + key + ":" + admin.ID
			if _, done := tx.Meta(mk); done {
				continue
			}
			if b, err := tx.Binding(admin.ID); err != nil || b.Unreachable {
				continue // not reachable yet: tell them at a later start
			}
			err := e.tell(tx, admin.ID, "admin:"+key+":"+admin.ID, storage.Ref{Kind: storage.RefInfo, Official: admin.ID, Topic: TopicAdmin}, now,
				func(lang string) (string, [][]storage.Button) { return render(lang), nil })
			if err != nil {
				return err
			}
			if err := tx.PutMeta(mk, now.Format(time.RFC3339)); err != nil {
				return err
			}
			told = true
		}
		return nil
	})
	if err == nil && told {
		e.wakeOut()
	}
	return err
}

// Prebind binds the officials whose telegram_id is set in the configuration
// to that private chat, unless they are already bound to it.
func (e *Engine) Prebind() error {
	now := e.clock.Now()
	return e.db.Update(func(tx *storage.Tx) error {
		for _, o := range e.cfg.People().Officials {
			if o.TelegramID == 0 {
				continue
			}
			if b, err := tx.Binding(o.ID); err == nil && b.ChatID == o.TelegramID {
				continue
			}
			if other, err := tx.OfficialByChat(o.TelegramID); err == nil && other != o.ID {
				e.log.Warn("telegram_id in config takes the chat over from another official", "official", o.ID, "was", other)
			}
			if err := tx.PutBinding(storage.Binding{Official: o.ID, ChatID: o.TelegramID, UserID: o.TelegramID,
				BoundAt: now, Source: "config"}); err != nil {
				return err
			}
			if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvBound, Official: o.ID, Actor: "config",
				Detail: fmt.Sprintf("chat %d", o.TelegramID)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tell queues, inside tx, an informational message to each bound, reachable
// official of ids, rendered in their language. A non-empty key makes the
// message replace one with the same key still waiting to be sent (a live
// board); ref says what it is about for the record. Unbound officials are
// skipped: callers that need an answer raise an alert instead.
func (e *Engine) Tell(tx *storage.Tx, ids []string, key string, ref storage.Ref, now time.Time,
	render func(lang string) (string, [][]storage.Button)) error {
	for _, id := range ids {
		k := ""
		if key != "" {
			k = key + ":" + id
		}
		r := ref
		r.Official = id
		if r.Kind == "" {
			r.Kind = storage.RefInfo
		}
		if err := e.tell(tx, id, k, r, now, render); err != nil {
			return err
		}
	}
	return nil
}

// WakeOutbox tells the outbox that messages were queued outside the
// engine's own transactions (by Tell).
func (e *Engine) WakeOutbox() { e.wakeOut() }

// WakeDeadlines tells the deadline runner that deadlines were added.
func (e *Engine) WakeDeadlines() { e.wakeDL() }
