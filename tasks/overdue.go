package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/duty"
	"dutybot/locales"
	"dutybot/storage"
)

// metaSwept is the meta key of the last due time the sweeper handled.
const metaSwept = "tasks_overdue_swept"

// maxCatchUp bounds how far back a sweep after downtime raises alerts.
const maxCatchUp = 7 * 24 * time.Hour

// Sweeper raises 叫应 alerts for instances that pass their due time
// unreported: one alert per due time and set of people who owe the items,
// listing them, so a late duty is one call to each person who owes it (the
// principal's late quarterly meeting: one call, not one per unit) and a
// month's end is one call rather than forty. It escalates by the level's
// policy (up the chain, never down) and closes itself when the last of its
// items is reported. The call is worded in each recipient's language.
type Sweeper struct {
	svc    *Service
	engine *callout.Engine
	plan   *catalogue.Plan
	tr     *locales.Catalog
	level  string
	log    *slog.Logger
}

// NewSweeper returns a sweeper raising alerts of the given level.
func NewSweeper(svc *Service, engine *callout.Engine, plan *catalogue.Plan, tr *locales.Catalog, level string, log *slog.Logger) *Sweeper {
	if log == nil {
		log = slog.Default()
	}
	return &Sweeper{svc: svc, engine: engine, plan: plan, tr: tr, level: level, log: log}
}

// Link names the alert of an instance.
func Link(instanceID string) string { return "task:" + instanceID }

// Run sweeps at every due time until ctx is cancelled.
func (w *Sweeper) Run(ctx context.Context) error {
	clk := w.svc.clock
	for {
		next, err := w.sweep(clk.Now())
		if err != nil {
			w.log.Error("overdue sweep", "err", err)
			next = clk.Now().Add(time.Minute)
		}
		t := clk.NewTimer(next.Sub(clk.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// sweep raises alerts for instances due in (last sweep, now] and returns
// the next due time to look at.
func (w *Sweeper) sweep(now time.Time) (time.Time, error) {
	s := w.svc
	since := s.Since()
	var last time.Time
	if err := s.db.View(func(tx *storage.Tx) error {
		if v, ok := tx.Meta(metaSwept); ok {
			last, _ = time.Parse(time.RFC3339, v)
		}
		return nil
	}); err != nil {
		return time.Time{}, err
	}
	if last.IsZero() {
		last = now // nothing before the bot was running is raised
	}
	last = latest(last, since, now.Add(-maxCatchUp))
	if err := w.raise(s.gen.Between(last.Add(time.Nanosecond), now.Add(time.Nanosecond))); err != nil {
		return time.Time{}, err
	}
	if err := s.db.Update(func(tx *storage.Tx) error {
		return tx.PutMeta(metaSwept, now.Format(time.RFC3339Nano))
	}); err != nil {
		return time.Time{}, err
	}
	// The next due time after now (a second late, so it is past due).
	next, ok := s.gen.NextDue(now)
	if !ok {
		return now.Add(24 * time.Hour), nil
	}
	return next.Add(time.Second), nil
}

func latest(ts ...time.Time) time.Time {
	return slices.MaxFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}

// raise opens the alerts of overdue instances, grouped by due time and
// the people who owe them, leaving out what was reported or already raised.
func (w *Sweeper) raise(due []duty.Instance) error {
	type group struct {
		due   time.Time
		owers []string
		items []duty.Instance
	}
	var groups []*group
	byKey := map[string]*group{}
	progress := map[string]int{} // counted items: what the records say
	err := w.svc.db.View(func(tx *storage.Tx) error {
		for _, in := range due {
			st, counted, err := w.svc.State(tx, in)
			if err != nil {
				return err
			}
			if _, raised := callout.LinkedAlert(tx, Link(in.ID())); st.Done || raised || len(in.Owers) == 0 {
				continue
			}
			if w.svc.Counted(in) != "" {
				in = counted // its quota as the records set it (the plaques to cover)
				progress[in.ID()] = st.Progress
			}
			key := fmt.Sprint(in.Due.Unix(), in.Owers)
			g := byKey[key]
			if g == nil {
				g = &group{due: in.Due, owers: in.Owers}
				byKey[key] = g
				groups = append(groups, g)
			}
			g.items = append(g.items, in)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range groups {
		var links []string
		for _, in := range g.items {
			links = append(links, Link(in.ID()))
		}
		def := w.tr.Default()
		local := map[string]callout.AlertText{}
		for _, lang := range locales.Languages() {
			local[lang] = w.text(lang, g.items, g.owers, g.due, progress)
		}
		_, err := w.engine.Create(callout.Request{Kind: "task", Level: w.level, Source: "tasks", Links: links,
			Title: local[def].Title, Body: local[def].Body, Local: local,
			Targets: callout.Targets{Officials: g.owers}})
		if err != nil && !errors.Is(err, callout.ErrLinked) {
			return err
		}
	}
	return nil
}

// maxListed bounds the items an overdue call lists.
const maxListed = 30

// text words an overdue call in lang: whose items (a unit, a person, the
// town), the items (a counted one with what its records reached), the
// deadline and how to report.
func (w *Sweeper) text(lang string, items []duty.Instance, owers []string, due time.Time, progress map[string]int) callout.AlertText {
	cfg := w.svc.cfg
	owner := w.tr.T(lang, "TaskOverdueTown", nil)
	first := items[0]
	same := true
	for _, in := range items[1:] {
		same = same && in.Key() == first.Key()
	}
	switch {
	case !same && len(owers) == 1:
		owner = cfg.OfficialName(owers[0])
	case !same:
		owner = w.tr.T(lang, "TaskOverdueSeveral", nil)
	case first.Owner == catalogue.OwnerUnit:
		owner = cfg.UnitName(first.Unit)
	case first.Owner == catalogue.OwnerPerson:
		owner = cfg.OfficialName(first.Official)
	}
	var body strings.Builder
	allCounted := true
	for i, in := range items {
		if i == maxListed {
			body.WriteString(w.tr.T(lang, "AndMoreItems", map[string]any{"Count": len(items) - maxListed}) + "\n")
			break
		}
		fmt.Fprintf(&body, "• %s %s\n", in.PointID(), w.plan.PointText(in.Task, in.Point, 40))
		if name := w.svc.Counted(in); name != "" {
			p := progress[in.ID()]
			fmt.Fprintf(&body, "  %s\n", w.tr.T(lang, "TaskCounted_"+name, map[string]any{"What": in.What,
				"Bar": Bar(p, in.Quota), "Progress": p, "Quota": in.Quota}))
		} else {
			allCounted = false
		}
	}
	bodyID := "TaskOverdueBody"
	if allCounted {
		bodyID = "TaskOverdueBodyCounted"
	}
	body.WriteString(w.tr.T(lang, bodyID, map[string]any{"Due": due.In(cfg.Location).Format("01-02 15:04")}))
	return callout.AlertText{
		Title: w.tr.T(lang, "TaskOverdueTitle", map[string]any{"Count": len(items), "Owner": owner}),
		Body:  body.String(),
	}
}

// Reported closes the overdue alert of a reported instance once every item
// it lists is reported; official is who reported last.
func (w *Sweeper) Reported(instanceID, official string) error {
	a, ok := w.engine.Linked(Link(instanceID))
	if !ok || a.State != callout.AlertOpen {
		return nil
	}
	var open bool
	err := w.svc.db.View(func(tx *storage.Tx) error {
		for _, link := range a.Links {
			id := strings.TrimPrefix(link, "task:")
			in, ok := w.svc.gen.Instance(id)
			if !ok {
				continue
			}
			st, _, err := w.svc.State(tx, in)
			if err != nil {
				return err
			}
			open = open || !st.Done
		}
		return nil
	})
	if err != nil || open {
		return err
	}
	return w.engine.CloseSettled(a.ID, official)
}
