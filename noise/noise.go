// Package noise measures how many messages dutybot's duty plan sends each
// official: it runs the real app through a simulated year on a fake clock
// against an in-process fake Telegram, has every duty item reported (most
// on time, some a working day late), has the holders of 挂牌企业 inspect
// them and run the hazards they find through the loop to 销号 (which is
// what item 19's counted points count), counts every message delivered
// per official, day and kind through the outbox's delivery observer, and
// sums that up as per-official figures; it checks that every hazard notice
// went to someone the hazard concerns, once a step. The same simulation
// measures the plan before and after a redesign.
package noise

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// Options describe a simulation.
type Options struct {
	// Config is the town (officials, units, cadence rules, the plan). It
	// is not modified: the simulation runs a copy on a throw-away database
	// and a fake Telegram, with every official bound.
	Config *config.Config
	// Year is simulated from 1 January 00:00 to the next 1 January, in
	// the town's time zone.
	Year int
	// From and To, if set, simulate only [From, To) (tests use a few weeks).
	From, To time.Time
	// OnTime is the share of items reported before they are due (0.9); the
	// rest are reported at 10:00 on the next working day after.
	OnTime float64
	// Seed makes the choice of late items, report times and reporters
	// repeatable.
	Seed uint64
	// Budget is the number of routine pushes per working day an official
	// should not exceed (default 4).
	Budget int
	// Enterprises is the 挂牌企业台账 imported at the start; without it
	// nobody can inspect, and the points counted from inspections and
	// closed hazards (19.2–19.5) stay undone.
	Enterprises []enterprise.Enterprise
	// HazardShare is the share of inspections (检查指导) that find a hazard
	// (default 0.5; negative: none); MajorShare the share of hazards found
	// that are 重大 (default 0.1; negative: none).
	HazardShare, MajorShare float64
	// Dir is where the throw-away database is made (default os.TempDir()).
	// bbolt syncs every commit to disk; on a memory file system such as
	// /dev/shm a year runs several times faster.
	Dir string
	// Log receives the app's log and the simulation's progress; nil
	// discards both.
	Log *slog.Logger
}

// token is the bot token the fake Telegram accepts.
const token = "4242:NOISE-SIMULATION"

// firstUser is the Telegram id of the first official; the others follow.
const firstUser = 7_000_000

// Simulate runs the app through the span of opts and reports what every
// official received.
func Simulate(ctx context.Context, opts Options) (*Report, error) {
	if opts.Config == nil {
		return nil, errors.New("noise: no town configuration")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Budget <= 0 {
		opts.Budget = 4
	}
	if opts.HazardShare == 0 {
		opts.HazardShare = 0.5
	}
	if opts.MajorShare == 0 {
		opts.MajorShare = 0.1
	}
	loc := opts.Config.Location
	if loc == nil {
		return nil, errors.New("noise: the configuration has no time zone (load it with config.Load or config.Parse)")
	}
	if opts.From.IsZero() && opts.Year == 0 {
		return nil, errors.New("noise: no year to simulate")
	}
	if opts.From.IsZero() {
		opts.From = time.Date(opts.Year, 1, 1, 0, 0, 0, 0, loc)
	}
	if opts.To.IsZero() {
		opts.To = time.Date(opts.From.In(loc).Year()+1, 1, 1, 0, 0, 0, 0, loc)
	}
	if !opts.From.Before(opts.To) {
		return nil, fmt.Errorf("noise: nothing to simulate from %s to %s", opts.From, opts.To)
	}
	wall := time.Now()

	dir, err := os.MkdirTemp(opts.Dir, "dutybot-noise")
	if err != nil {
		return nil, fmt.Errorf("noise: a directory for the database: %w", err)
	}
	defer os.RemoveAll(dir)
	srv := fakeapi.New(fakeapi.Options{Token: token})
	defer srv.Close()
	cfg, byChat := townCopy(opts.Config, srv.URL(), filepath.Join(dir, "dutybot.db"))
	for chat := range byChat {
		srv.AddUser(fakeapi.User{ID: chat, FirstName: byChat[chat]})
	}

	clk := clock.NewFake(opts.From)
	rec := newRecorder(byChat)
	a, err := app.New(cfg, app.Options{Clock: clk, Log: opts.Log, NoHTTP: true, NoBot: true, OnDelivered: rec.observe})
	if err != nil {
		return nil, fmt.Errorf("noise: start the app: %w", err)
	}
	// Tracking started on the first simulated day: the app recorded it.
	// The instances of the years the services look into, computed now
	// rather than by a service during start-up, while the baseline of
	// timers is taken.
	for y := opts.From.In(loc).Year(); y <= opts.To.In(loc).Year()+1; y++ {
		a.Tasks.Generator().Year(y)
	}
	if len(opts.Enterprises) > 0 {
		if _, err := a.Enterprises.Import(slices.Clone(opts.Enterprises), "noise", "registry"); err != nil {
			a.DB.Close()
			return nil, fmt.Errorf("noise: import the registry: %w", err)
		}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	hz := &loop{a: a, cal: a.Calendar, rng: rng, agenda: &agenda{}, share: max(opts.HazardShare, 0),
		majorShare: max(opts.MajorShare, 0), visited: map[string]map[string]time.Time{}}
	items := planItems(a, opts.From, opts.To)
	plan, err := schedule(a, hz, items, opts.OnTime)
	if err != nil {
		a.DB.Close()
		return nil, err
	}

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	stop := func() error {
		cancel()
		return <-done
	}
	d := &driver{app: a, clk: clk, srv: srv, rec: rec, log: opts.Log}
	alerts, hazards, err := d.run(ctx, hz.agenda, opts)
	if stopErr := stop(); stopErr != nil {
		err = errors.Join(err, fmt.Errorf("noise: the app stopped: %w", stopErr))
	}
	if err != nil {
		return nil, err
	}
	r := newReport(cfg, a.Calendar, opts, items, plan, rec.deliveries(), alerts)
	r.Hazards = hazardLoop(cfg, hz.figures, hazards, rec.deliveries(), alerts)
	r.Jumps, r.Wall = d.jumps, time.Since(wall)
	return r, nil
}

// run drives the app from start to the end of the span, taking the
// agenda's actions on their times, and returns the alerts the deliveries
// were about and the hazards as they ended.
func (d *driver) run(ctx context.Context, g *agenda, opts Options) (map[string]alertInfo, []hazard.Hazard, error) {
	alerts, err := d.drive(ctx, g, opts)
	if err != nil {
		return nil, nil, err
	}
	hazards, err := d.app.Hazards.List(hazard.Filter{})
	if err != nil {
		return nil, nil, fmt.Errorf("noise: read the hazards: %w", err)
	}
	return alerts, hazards, nil
}

// drive takes the agenda's actions on their times until the end of the
// span and returns the alerts the deliveries were about.
func (d *driver) drive(ctx context.Context, g *agenda, opts Options) (map[string]alertInfo, error) {
	if err := d.baseline(ctx); err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	loc := opts.Config.Location
	month := d.clk.Now().In(loc).Month()
	done := 0 // actions taken
	for {
		at, ok := d.clk.Next()
		if next, ok2 := g.peek(); ok2 && (!ok || next.Before(at)) {
			at, ok = next, true
		}
		if !ok || !at.Before(opts.To) {
			break
		}
		d.advanceTo(at)
		if err := d.settle(ctx); err != nil {
			return nil, fmt.Errorf("noise: %w", err)
		}
		// Duty reports due now are taken together, then settled; each
		// step of the hazard loop alone, so that what it sends is
		// counted as its own.
		reported := false
		for {
			a, ok := g.due(d.clk.Now())
			if !ok {
				break
			}
			done++
			if a.step != "" && reported {
				if err := d.settle(ctx); err != nil {
					return nil, fmt.Errorf("noise: %w", err)
				}
				reported = false
			}
			d.rec.setStep(a.step)
			if err := a.do(); err != nil {
				return nil, fmt.Errorf("noise: %w", err)
			}
			if a.step == "" {
				reported = true
				continue
			}
			if err := d.settle(ctx); err != nil {
				return nil, fmt.Errorf("noise: %w", err)
			}
			d.rec.setStep("")
		}
		if reported {
			if err := d.settle(ctx); err != nil {
				return nil, fmt.Errorf("noise: %w", err)
			}
		}
		if m := d.clk.Now().In(loc).Month(); m != month {
			month = m
			opts.Log.Info("noise: simulated a month", "now", d.clk.Now().In(loc).Format(time.DateOnly),
				"jumps", d.jumps, "delivered", d.rec.count(), "actions", done)
		}
	}
	if err := d.settle(ctx); err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	return d.alerts()
}

// alerts reads the alerts the observed deliveries were about.
func (d *driver) alerts() (map[string]alertInfo, error) {
	out := map[string]alertInfo{}
	err := d.app.DB.View(func(tx *storage.Tx) error {
		for _, dl := range d.rec.deliveries() {
			if dl.alert == "" {
				continue
			}
			if _, ok := out[dl.alert]; ok {
				continue
			}
			a, err := callout.LoadAlert(tx, dl.alert)
			if errors.Is(err, storage.ErrNotFound) {
				continue // a weather warning or the like: no 叫应 alert record
			}
			if err != nil {
				return fmt.Errorf("alert %s: %w", dl.alert, err)
			}
			out[a.ID] = alertInfo{kind: a.Kind, links: a.Links}
		}
		return nil
	})
	return out, err
}

// townCopy returns a copy of the town to simulate on: its database at
// dbPath, Telegram at apiURL, delivery unthrottled (the wall-clock pace of
// sending changes nothing of what is sent), and every official bound to a
// chat of their own; byChat maps those chats back to the officials.
func townCopy(town *config.Config, apiURL, dbPath string) (*config.Config, map[int64]string) {
	cfg := *town
	cfg.Telegram.APIURL, cfg.Telegram.Token = apiURL, token
	cfg.Storage.Path = dbPath
	cfg.Delivery.GlobalPerSecond, cfg.Delivery.ChatPerSecond = 1e6, 1e6
	cfg.Delivery.ChatBurst, cfg.Delivery.GroupPerMinute = 1000, 1e8
	cfg.Units, cfg.Officials = town.People().Units, slices.Clone(town.People().Officials)
	byChat := map[int64]string{}
	for i := range cfg.Officials {
		cfg.Officials[i].TelegramID = firstUser + int64(i)
		byChat[cfg.Officials[i].TelegramID] = cfg.Officials[i].ID
	}
	cfg.Reindex() // the copy's own directory, not the town's
	return &cfg, byChat
}

// planned is an item the simulation meets at its time: a report, or the
// last of the records a counted item counts.
type planned struct {
	at   time.Time
	who  string
	item item
	late bool
}

// schedule decides when and by whom each item is met, and puts what meets
// it on the loop's agenda. A reported item is reported by one of those who
// owe it: a share onTime at a random moment of the due day's working hours
// (from 09:00, or the item's start if later, to an hour before it is due),
// the rest at 10:00 on the next working day after the due day. A point
// counted from inspections (19.2, 19.4) is met by its owner's inspections
// at moments of working hours through its period, or, when late, left one
// short (a record counts in its own period: one made after the due time
// would count for the next); an owner without a plaque cannot inspect,
// and their item is not planned. The other counted points
// (19.3, 19.5) follow from those inspections and are not planned either.
func schedule(a *app.App, l *loop, items []item, onTime float64) ([]planned, error) {
	loc := a.Config.Location
	rng := l.rng
	var out []planned
	for _, it := range items {
		if it.counted != "" {
			official := strings.TrimPrefix(it.holder, "~")
			kind := recordKinds[it.counted]
			if kind == "" || len(l.plaques(official)) == 0 {
				continue
			}
			p := planned{who: official, item: it, late: rng.Float64() >= onTime, at: it.due}
			for _, at := range l.recordTimes(it, it.count, p.late) {
				l.n++
				l.agenda.add(at, fmt.Sprintf("inspect %s #%d", official, l.n), func() error { return l.visit(official, kind) })
			}
			out = append(out, p)
			continue
		}
		who := reporters(a, it)
		if len(who) == 0 {
			return nil, fmt.Errorf("noise: nobody may report %s", it.id)
		}
		p := planned{who: who[rng.IntN(len(who))], item: it}
		if rng.Float64() < onTime {
			due := it.due.In(loc)
			from := time.Date(due.Year(), due.Month(), due.Day(), 9, 0, 0, 0, loc)
			if it.start.After(from) {
				from = it.start
			}
			to := it.due.Add(-time.Hour)
			p.at = from
			if span := to.Sub(from); span > time.Second {
				p.at = from.Add(time.Duration(rng.Int64N(int64(span/time.Second))) * time.Second)
			}
		} else {
			p.at, p.late = a.Calendar.NextWorkday(it.due).Add(10*time.Hour), true
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(x, y planned) int { return cmp.Compare(x.at.UnixNano(), y.at.UnixNano()) })
	for _, p := range out {
		if p.item.counted == "" { // the others are met by the inspections on the agenda
			l.agenda.add(p.at, "", func() error { return report(a, p.who, p.item) })
		}
	}
	return out, nil
}
