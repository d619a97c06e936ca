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
	"dutybot/config"
	"dutybot/duty"
	"dutybot/storage"
)

// metaSwept is the meta key of the last due time the sweeper handled.
const metaSwept = "tasks_overdue_swept"

// maxCatchUp bounds how far back a sweep after downtime raises alerts.
const maxCatchUp = 7 * 24 * time.Hour

// Sweeper raises 叫应 alerts for instances that pass their due time
// unreported: one alert per unit, due time and people who owe the reports,
// listing the items, so a month's end is one call rather than forty. It
// escalates by the level's policy (unit head, 分管领导, …) and closes
// itself when the last of its items is reported.
type Sweeper struct {
	svc    *Service
	engine *callout.Engine
	plan   *catalogue.Plan
	level  string
	log    *slog.Logger
}

// NewSweeper returns a sweeper raising alerts of the given level.
func NewSweeper(svc *Service, engine *callout.Engine, plan *catalogue.Plan, level string, log *slog.Logger) *Sweeper {
	if log == nil {
		log = slog.Default()
	}
	return &Sweeper{svc: svc, engine: engine, plan: plan, level: level, log: log}
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
	since, err := s.Since()
	if err != nil {
		return time.Time{}, err
	}
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
	upcoming := s.gen.Between(now.Add(time.Nanosecond), now.AddDate(1, 0, 1))
	if len(upcoming) == 0 {
		return now.Add(24 * time.Hour), nil
	}
	return upcoming[0].Due.Add(time.Second), nil
}

func latest(ts ...time.Time) time.Time {
	return slices.MaxFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}

// raise opens the alerts of overdue instances, grouped by unit, due time
// and owers, leaving out what was reported or already raised.
func (w *Sweeper) raise(due []duty.Instance) error {
	type group struct {
		unit  string
		due   time.Time
		owers []string
		items []duty.Instance
	}
	var groups []*group
	byKey := map[string]*group{}
	err := w.svc.db.View(func(tx *storage.Tx) error {
		for _, in := range due {
			st, err := tx.TaskState(in.ID())
			if err != nil {
				return err
			}
			if _, raised := tx.LinkedAlert(Link(in.ID())); st.Done || raised {
				continue
			}
			owers := w.owers(in)
			if len(owers) == 0 {
				continue
			}
			key := fmt.Sprint(in.Unit, in.Due.Unix(), owers)
			g := byKey[key]
			if g == nil {
				g = &group{unit: in.Unit, due: in.Due, owers: owers}
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
	loc := w.svc.cfg.Location
	for _, g := range groups {
		unit := g.unit
		if u, ok := w.svc.cfg.Unit(g.unit); ok {
			unit = u.Name
		}
		var body strings.Builder
		var links []string
		for i, in := range g.items {
			links = append(links, Link(in.ID()))
			if i < 30 {
				fmt.Fprintf(&body, "• %s %s\n", catalogue.ID(in.Task, in.Point), w.plan.PointText(in.Task, in.Point, 40))
			} else if i == 30 {
				fmt.Fprintf(&body, "… 另有 %d 项\n", len(g.items)-30)
			}
		}
		fmt.Fprintf(&body, "截止 %s，尚未报告完成。请完成后用 /mytasks 或 /done 任务号 报告；全部报告后本叫应自动结束。",
			g.due.In(loc).Format("01-02 15:04"))
		_, err := w.engine.Create(callout.Request{Kind: "task", Level: w.level, Source: "tasks", Links: links,
			Title:   fmt.Sprintf("逾期未报告 %d 项（%s）", len(g.items), unit),
			Body:    body.String(),
			Targets: storage.Targets{Officials: g.owers}})
		if err != nil && !errors.Is(err, callout.ErrLinked) {
			return err
		}
	}
	return nil
}

// Reported closes the overdue alert of a reported instance once every item
// it lists is reported; official is who reported last.
func (w *Sweeper) Reported(instanceID, official string) error {
	a, ok := w.engine.Linked(Link(instanceID))
	if !ok || a.State != storage.AlertOpen {
		return nil
	}
	var open bool
	err := w.svc.db.View(func(tx *storage.Tx) error {
		for _, link := range a.Links {
			st, err := tx.TaskState(strings.TrimPrefix(link, "task:"))
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

// owers lists who owes an instance's report: the principals for a point of
// 主要负责人, the unit's 分管领导 for one of 分管负责人, else the unit's staff,
// else its head.
func (w *Sweeper) owers(in duty.Instance) []string {
	cfg := w.svc.cfg
	u, _ := cfg.Unit(in.Unit)
	var out []string
	switch {
	case slices.Contains(in.Roles, config.RolePrincipal):
		for _, o := range cfg.OfficialsWithRole(config.RolePrincipal) {
			out = append(out, o.ID)
		}
	case slices.Contains(in.Roles, config.RoleLeader) && u.Leader != "":
		out = []string{u.Leader}
	default:
		for _, o := range cfg.Officials {
			if o.Unit == in.Unit && o.HasRole(config.RoleStaff) {
				out = append(out, o.ID)
			}
		}
		if len(out) == 0 && u.Head != "" {
			out = []string{u.Head}
		}
	}
	return out
}
