// Package noise measures how many messages dutybot's duty plan sends each
// official: it runs the real app through a simulated year on a fake clock
// against an in-process fake Telegram, has every duty item reported (most
// on time, some a working day late), counts every message delivered per
// official, day and kind through the outbox's delivery observer, and sums
// that up as per-official figures. The same simulation measures the plan
// before and after a redesign.
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
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/clock"
	"dutybot/config"
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
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	items := planItems(a, opts.From, opts.To)
	plan, err := schedule(a, items, opts.OnTime, rng)
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
	alerts, err := d.run(ctx, plan, opts)
	if stopErr := stop(); stopErr != nil {
		err = errors.Join(err, fmt.Errorf("noise: the app stopped: %w", stopErr))
	}
	if err != nil {
		return nil, err
	}
	r := newReport(cfg, a.Calendar, opts, items, plan, rec.deliveries(), alerts)
	r.Jumps, r.Wall = d.jumps, time.Since(wall)
	return r, nil
}

// run drives the app from start to the end of the span, reporting items
// on their times, and returns the alerts the deliveries were about.
func (d *driver) run(ctx context.Context, plan []planned, opts Options) (map[string]alertInfo, error) {
	if err := d.baseline(ctx); err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	loc := opts.Config.Location
	month := d.clk.Now().In(loc).Month()
	next := 0 // the next planned report
	for {
		at, ok := d.clk.Next()
		if next < len(plan) && (!ok || plan[next].at.Before(at)) {
			at, ok = plan[next].at, true
		}
		if !ok || !at.Before(opts.To) {
			break
		}
		d.advanceTo(at)
		if err := d.settle(ctx); err != nil {
			return nil, fmt.Errorf("noise: %w", err)
		}
		reported := false
		for ; next < len(plan) && !plan[next].at.After(d.clk.Now()); next++ {
			if err := report(d.app, plan[next].who, plan[next].item); err != nil {
				return nil, fmt.Errorf("noise: %w", err)
			}
			reported = true
		}
		if reported {
			if err := d.settle(ctx); err != nil {
				return nil, fmt.Errorf("noise: %w", err)
			}
		}
		if m := d.clk.Now().In(loc).Month(); m != month {
			month = m
			opts.Log.Info("noise: simulated a month", "now", d.clk.Now().In(loc).Format(time.DateOnly),
				"jumps", d.jumps, "delivered", d.rec.count(), "reports", next)
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
			a, err := tx.Alert(dl.alert)
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
	cfg.Officials = slices.Clone(town.Officials)
	byChat := map[int64]string{}
	for i := range cfg.Officials {
		cfg.Officials[i].TelegramID = firstUser + int64(i)
		byChat[cfg.Officials[i].TelegramID] = cfg.Officials[i].ID
	}
	return &cfg, byChat
}

// planned is a report the simulation makes at its time.
type planned struct {
	at   time.Time
	who  string
	item item
	late bool
}

// schedule decides when and by whom each item is reported: a share onTime
// at a random moment of the due day's working hours (from 09:00, or the
// item's start if later, to an hour before it is due), the rest at 10:00
// on the next working day after the due day.
func schedule(a *app.App, items []item, onTime float64, rng *rand.Rand) ([]planned, error) {
	loc := a.Config.Location
	var out []planned
	for _, it := range items {
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
	return out, nil
}
