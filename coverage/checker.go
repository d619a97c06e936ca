// Package coverage finds the gaps of the on-duty roster in special periods
// before they matter. Special periods are the statutory holidays of the
// working calendar (unless roster.holidays is false), the important dates
// and the yearly flood season of the configuration, and the active weather
// warnings that hold extreme-weather duty mode on. Every duty day of a
// special period (from roster.day_starts to day_starts the next day) must be
// covered all through by shifts, each with a 带班领导 and at least one
// 值班人员; standby (extreme-weather) shifts count only for warnings.
//
// A Checker runs once a day at roster.gap_check_at and tells the head of
// roster.office and the admins of the gaps of every special period that is
// on or begins within roster.gap_days_ahead days, again each day until they
// are filled. It also reads and writes roster files for the CLI, the HTTP
// API and the chat, answering each import with the gaps left. It knows
// nothing of Telegram.
package coverage

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/weather"
	"dutybot/workcal"
)

// EvRosterGaps is the event recorded when the daily check reports gaps.
const EvRosterGaps = "roster_gaps"

// metaLastCheck remembers the local date of the last daily check, so that a
// restart neither repeats it nor, after downtime, skips it.
const metaLastCheck = "coverage.last_check"

// noticeKey makes a gap notice still waiting to be sent be replaced by the
// next rather than sent twice.
const noticeKey = "roster-gaps"

// TopicGaps marks the daily notice of uncovered duty (storage.Ref.Topic).
const TopicGaps = "roster_gaps"

// Checker finds and reports roster gaps.
type Checker struct {
	cfg    *config.Config
	db     *storage.DB
	cal    *workcal.Calendar
	rota   *rota.Service
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	days   days
	at     time.Duration // roster.gap_check_at after midnight

	mu   sync.Mutex
	next time.Time
}

// New returns a checker. The configuration must have been validated.
func New(cfg *config.Config, db *storage.DB, cal *workcal.Calendar, r *rota.Service, engine *callout.Engine,
	tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Checker {
	if log == nil {
		log = slog.Default()
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	clockOf := func(s, def string) time.Duration {
		h, m, err := config.ParseClock(s)
		if err != nil {
			h, m, _ = config.ParseClock(def)
		}
		return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	}
	return &Checker{cfg: cfg, db: db, cal: cal, rota: r, engine: engine, tr: tr, clock: clk, log: log,
		days: days{loc: loc, start: clockOf(cfg.Roster.DayStarts, config.DefaultDayStarts)},
		at:   clockOf(cfg.Roster.GapCheckAt, config.DefaultGapCheckAt)}
}

// periods returns the special periods overlapping the dates [from, to].
func (c *Checker) periods(tx *storage.Tx, from, to time.Time) ([]Period, error) {
	var ps []Period
	if c.cfg.Roster.HolidaysSpecial() {
		ps = append(ps, holidayPeriods(c.cal, c.days, from, to)...)
	}
	ps = append(ps, importantPeriods(c.cfg.Roster, c.days, from, to)...)
	ps = append(ps, floodPeriods(c.cfg.Roster.FloodSeason, c.days, from, to)...)
	ws, err := weather.ActiveWarnings(tx)
	if err != nil {
		return nil, fmt.Errorf("coverage: read warnings: %w", err)
	}
	ps = append(ps, warningPeriods(ws, c.days, to)...)
	sortPeriods(ps)
	return ps, nil
}

// Upcoming returns, as the daily check sees them at now, the gaps of every
// special period that is on or begins within ahead days: all its days
// from today (at most a month of them), and for a warning today and
// tomorrow. Time before now is not counted.
func (c *Checker) Upcoming(tx *storage.Tx, now time.Time, ahead int) ([]Gap, error) {
	today := c.days.dutyDate(now)
	ps, err := c.periods(tx, today, c.days.add(today, ahead))
	if err != nil {
		return nil, err
	}
	return check(tx, c.days, ps, now, func(p Period) (time.Time, time.Time, bool) {
		first := later(today, p.First)
		if p.Open() {
			return first, c.days.add(today, 1), true
		}
		return first, earlier(p.Last, c.days.add(first, maxCheckedDays-1)), true
	})
}

// Within returns the gaps, from now on, of every special period
// overlapping [from, to): of the whole period, so that importing part of a
// holiday roster shows what the rest still needs. A warning is checked up
// to the last day of [from, to).
func (c *Checker) Within(tx *storage.Tx, from, to, now time.Time) ([]Gap, error) {
	if !to.After(from) {
		return nil, nil
	}
	today := c.days.dutyDate(now)
	first, last := c.days.dutyDate(from), c.days.dutyDate(to.Add(-time.Nanosecond))
	ps, err := c.periods(tx, first, last)
	if err != nil {
		return nil, err
	}
	return check(tx, c.days, ps, now, func(p Period) (time.Time, time.Time, bool) {
		if p.Open() {
			return later(today, p.First), last, true
		}
		return later(today, p.First), p.Last, true
	})
}

// UpcomingGaps is Upcoming at the current time in its own transaction.
func (c *Checker) UpcomingGaps(ahead int) ([]Gap, error) {
	var gaps []Gap
	err := c.db.View(func(tx *storage.Tx) error {
		var err error
		gaps, err = c.Upcoming(tx, c.clock.Now(), ahead)
		return err
	})
	return gaps, err
}

// GapsWithin is Within at the current time in its own transaction.
func (c *Checker) GapsWithin(from, to time.Time) ([]Gap, error) {
	var gaps []Gap
	err := c.db.View(func(tx *storage.Tx) error {
		var err error
		gaps, err = c.Within(tx, from, to, c.clock.Now())
		return err
	})
	return gaps, err
}

// recipients returns who is told of gaps: the head of roster.office and the
// admins, each once.
func (c *Checker) recipients() []string {
	var ids []string
	if u, ok := c.cfg.Unit(c.cfg.Roster.Office); ok && u.Head != "" {
		ids = append(ids, u.Head)
	}
	for _, o := range c.cfg.OfficialsWithRole(config.RoleAdmin) {
		if !slices.Contains(ids, o.ID) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// NextRun returns when the daily check runs next; zero until Run has
// looked. Tests wait for it before moving a fake clock.
func (c *Checker) NextRun() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.next
}

// Run runs the daily check until ctx ends: at roster.gap_check_at each day,
// or at once when today's check was missed while dutybot was down.
func (c *Checker) Run(ctx context.Context) error {
	for {
		next, err := c.step()
		if err != nil {
			c.log.Error("coverage: daily gap check", "err", err)
			next = c.clock.Now().Add(time.Minute)
		}
		t := c.clock.NewTimer(next.Sub(c.clock.Now()))
		// Published once the timer is set: a test that waits for it and then
		// moves a fake clock cannot slip in between.
		c.mu.Lock()
		c.next = next
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// step runs today's check if it is due and has not run, and returns when
// to look again.
func (c *Checker) step() (time.Time, error) {
	now := c.clock.Now()
	today := c.days.date(now)
	at := today.Add(c.at)
	if now.Before(at) {
		return at, nil
	}
	if _, err := c.CheckNow(now, today); err != nil {
		return time.Time{}, err
	}
	return c.days.add(today, 1).Add(c.at), nil
}

// CheckNow runs the daily check of date today at now, unless it already
// ran that day, and returns the gaps it reported. The notice to the office
// head and the admins, the event and the date of the check are stored in
// one transaction: a check is reported once, even across a crash.
func (c *Checker) CheckNow(now, today time.Time) ([]Gap, error) {
	day := today.Format(time.DateOnly)
	var gaps []Gap
	var told []string
	err := c.db.Update(func(tx *storage.Tx) error {
		gaps, told = nil, nil
		if last, ok := tx.Meta(metaLastCheck); ok && last >= day {
			return nil // already checked today
		}
		var err error
		if gaps, err = c.Upcoming(tx, now, c.cfg.Roster.GapDaysAhead); err != nil {
			return err
		}
		if len(gaps) > 0 {
			for _, id := range c.recipients() {
				if b, err := tx.Binding(id); err == nil && !b.Unreachable {
					told = append(told, id)
				}
			}
			err := c.engine.Tell(tx, told, noticeKey, storage.Ref{Kind: storage.RefInfo, Topic: TopicGaps}, now,
				func(lang string) (string, [][]storage.Button) { return c.Notice(lang, gaps), nil })
			if err != nil {
				return err
			}
			who := "told " + strings.Join(told, ",")
			if len(told) == 0 {
				who = "nobody to tell: neither the office head nor an admin is reachable"
			}
			if err := tx.AppendEvent(storage.Event{At: now, Type: EvRosterGaps, Actor: "system",
				Detail: summary(gaps, c.days.loc) + "; " + who, Code: storage.CodeRosterGaps,
				Args: []storage.Arg{storage.Int("Count", len(gaps)), storage.Officials("Told", told...)}}); err != nil {
				return err
			}
		}
		return tx.PutMeta(metaLastCheck, day)
	})
	if err != nil {
		return nil, fmt.Errorf("coverage: check %s: %w", day, err)
	}
	switch {
	case len(gaps) > 0 && len(told) == 0:
		c.log.Warn("roster gaps found but neither the head of roster.office nor an admin has bound a chat",
			"day", day, "gaps", len(gaps), "office", c.cfg.Roster.Office)
	case len(gaps) > 0:
		c.engine.WakeOutbox()
		c.log.Info("roster gaps reported", "day", day, "gaps", len(gaps), "told", len(told))
	}
	return gaps, nil
}

// summary describes gaps for the event record: each period with its days.
func summary(gaps []Gap, loc *time.Location) string {
	var parts []string
	var cur string
	var ds []string
	flush := func() {
		if cur != "" {
			parts = append(parts, cur+": "+strings.Join(ds, ","))
		}
	}
	for _, g := range gaps {
		if l := g.Period.Label(); l != cur {
			flush()
			cur, ds = l, nil
		}
		ds = append(ds, g.Day.In(loc).Format("01-02"))
	}
	flush()
	return fmt.Sprintf("%d gaps: %s", len(gaps), strings.Join(parts, "; "))
}
