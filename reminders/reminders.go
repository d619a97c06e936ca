// Package reminders sends the duty rhythm's messages: when a cadence rule
// fires, each official of its audience hears only of the items they owe:
// the day's agenda (what starts, what falls due, longer deadlines counted
// down), reminders of chosen points, countdowns, the leaders' morning brief
// and the principals' weekly digest. Nothing is sent to someone with
// nothing to hear.
package reminders

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"dutybot/cadence"
	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/duty"
	"dutybot/locales"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/workcal"
)

// ErrUnknownRule is a press naming no configured rule.
var ErrUnknownRule = errors.New("unknown reminder")

// Topics of the messages this package sends (storage.Ref.Topic), by rule
// kind: "agenda", "reminder", "countdown", "brief", "digest", "quota".
func topic(kind string) string {
	if kind == "" {
		return config.KindReminder
	}
	return kind
}

// point is a (task, point) pair.
type point struct{ task, point int }

// Rule is a compiled cadence rule.
type Rule struct {
	config.CadenceRule
	Schedule *cadence.Schedule
	points   []point // nil: every point (agenda, countdown)
}

// Service builds and records reminders.
type Service struct {
	db     *storage.DB
	tasks  *tasks.Service
	engine *callout.Engine
	cfg    *config.Config
	plan   *catalogue.Plan
	gen    *duty.Generator
	tr     *locales.Catalog
	clock  clock.Clock
	rules  map[string]*Rule
	order  []*Rule
	// Chart, if set, draws the monthly answer rate per unit; the weekly
	// digest carries it as a picture after its text.
	Chart func(now time.Time) ([]byte, error)
	// Log receives what goes wrong without stopping a reminder.
	Log *slog.Logger
}

// New compiles the configured rules against the calendar and the plan; an
// error names the rule's key.
func New(cfg *config.Config, db *storage.DB, plan *catalogue.Plan, cal *workcal.Calendar,
	tsk *tasks.Service, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock) (*Service, error) {
	s := &Service{db: db, tasks: tsk, engine: engine, cfg: cfg, plan: plan, gen: tsk.Generator(), tr: tr, clock: clk, rules: map[string]*Rule{}}
	var errs []error
	for i, cr := range cfg.Cadence.Rules {
		key := fmt.Sprintf("cadence.rules[%d]", i)
		sched, err := cadence.Compile(cr.Cron, cadence.Filter(cr.Calendar), cal)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.cron: %w", key, err))
			continue
		}
		r := &Rule{CadenceRule: cr, Schedule: sched}
		if r.Need == "" {
			r.Need = config.NeedReport
		}
		for k, ref := range cr.Tasks {
			task, pt, _ := strings.Cut(ref, ".")
			var tn, pn int
			fmt.Sscan(task, &tn)
			t, ok := plan.Task(tn)
			if !ok {
				errs = append(errs, fmt.Errorf("%s.tasks[%d]: task %s is not in the plan", key, k, task))
				continue
			}
			if pt == "" {
				for _, p := range t.Points {
					r.points = append(r.points, point{tn, p.No})
				}
				continue
			}
			fmt.Sscan(pt, &pn)
			if pn < 1 || pn > len(t.Points) {
				errs = append(errs, fmt.Errorf("%s.tasks[%d]: task %d has no point %d", key, k, tn, pn))
				continue
			}
			r.points = append(r.points, point{tn, pn})
		}
		s.rules[r.Name] = r
		s.order = append(s.order, r)
	}
	return s, errors.Join(errs...)
}

// Rules lists the compiled rules, for the cadence runner.
func (s *Service) Rules() []cadence.Rule {
	var out []cadence.Rule
	for _, r := range s.order {
		out = append(out, cadence.Rule{Name: r.Name, Schedule: r.Schedule})
	}
	return out
}

// audience lists the officials a rule reminds, in configuration order.
func (s *Service) audience(r *Rule) []config.Official { return s.cfg.AudienceOf(r.Audience) }

// Prepare implements cadence.PrepareFunc: the messages of a rule's firing,
// one per official of its audience who has something to hear.
func (s *Service) Prepare(rule string, at time.Time) ([]storage.Job, error) {
	r, ok := s.rules[rule]
	if !ok {
		return nil, nil
	}
	if r.Kind == config.KindBrief || r.Kind == config.KindDigest {
		return s.summaries(r, at)
	}
	var jobs []storage.Job
	err := s.db.View(func(tx *storage.Tx) error {
		for _, o := range s.audience(r) {
			b, err := tx.Binding(o.ID)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && b.Unreachable) {
				continue
			}
			if err != nil {
				return err
			}
			var items []item
			switch r.Kind {
			case config.KindAgenda:
				items, err = s.agenda(tx, r, o.ID, at)
			case config.KindCountdown:
				items, err = s.countdown(tx, r, o.ID, at)
			case config.KindQuota:
				items, err = s.behind(tx, r, o.ID, at)
			default:
				items, err = s.items(tx, r, o.ID, at)
			}
			if err != nil {
				return err
			}
			if len(items) == 0 {
				continue // nothing of theirs to hear
			}
			text, buttons := s.render(callout.LanguageOf(tx, s.cfg, o.ID), r, items, at)
			jobs = append(jobs, storage.Job{ChatID: b.ChatID, Op: storage.OpSend, Text: text, Buttons: buttons,
				Ref: storage.Ref{Kind: storage.RefInfo, Official: o.ID, Topic: topic(r.Kind)}, CreatedAt: s.clock.Now()})
		}
		return nil
	})
	return jobs, err
}

// item is one line of a reminder: an instance and its progress.
type item struct {
	in       duty.Instance
	progress int
	daysLeft int // counted down: days to its due day
}

// wants reports whether the rule covers a point (every point when it names
// none).
func (r *Rule) wants(in duty.Instance) bool {
	return r.points == nil || slices.Contains(r.points, point{in.Task, in.Point})
}

// owed lists the open instances an official owes (not their unit's items
// they merely head) due in [from, to), each point and holder once: the
// earliest that keep says to tell.
func (s *Service) owed(tx *storage.Tx, official string, from, to time.Time, keep func(duty.Instance) (item, bool)) ([]item, error) {
	var out []item
	seen := map[string]bool{}
	for _, in := range s.gen.PersonBetween(official, from, to) {
		key := in.PointID() + "/" + in.Key()
		if seen[key] || !in.Owes(official) {
			continue
		}
		it, ok := keep(in)
		if !ok {
			continue
		}
		st, in, err := s.tasks.State(tx, in)
		if err != nil {
			return nil, err
		}
		if st.Done {
			continue
		}
		seen[key] = true
		it.in, it.progress = in, st.Progress
		out = append(out, it)
	}
	return out, nil
}

// behind lists the counted monthly quotas (item 19) an official owes in
// the month of at and has not met: the records, not a tap, say so.
func (s *Service) behind(tx *storage.Tx, r *Rule, official string, at time.Time) ([]item, error) {
	return s.owed(tx, official, at, at.AddDate(0, 1, 1), func(in duty.Instance) (item, bool) {
		return item{}, r.wants(in) && !in.Start.After(at) && in.Span() == duty.SpanMonth && s.tasks.Counted(in) != ""
	})
}

// items lists, for a reminder rule, the current open item of each of its
// points the official owes: the first one due at or after the firing
// whose period has started.
func (s *Service) items(tx *storage.Tx, r *Rule, official string, at time.Time) ([]item, error) {
	return s.owed(tx, official, at, at.AddDate(1, 0, 1), func(in duty.Instance) (item, bool) {
		return item{}, r.wants(in) && !in.Start.After(at)
	})
}

// AckData is the data of a reminder's acknowledge button.
func AckData(rule string, at time.Time) string {
	return fmt.Sprintf("ra:%s:%d", rule, at.Unix())
}

// title is the rule's own title or its kind's, in the reader's language.
func (s *Service) title(lang string, r *Rule) string {
	if r.Title != "" {
		return r.Title
	}
	return s.tr.T(lang, "RuleTitle_"+topic(r.Kind), nil)
}

func (s *Service) render(lang string, r *Rule, items []item, at time.Time) (string, [][]storage.Button) {
	loc := s.cfg.Location
	var sb strings.Builder
	header := "ReminderHeader"
	if r.Kind == config.KindAgenda {
		header = "AgendaHeader"
	}
	sb.WriteString(s.tr.T(lang, header, map[string]any{"Title": s.title(lang, r), "Date": at.In(loc).Format("01-02")}))
	var buttons [][]storage.Button
	for _, it := range items {
		id := it.in.PointID()
		due := it.in.Due.In(loc)
		when := s.tr.T(lang, "TasksDue", map[string]any{"Due": due.Format("01-02 15:04")})
		if s.day(due).Equal(s.day(at)) {
			when = s.tr.T(lang, "TasksDue", map[string]any{"Due": due.Format("15:04")})
		}
		sb.WriteString(fmt.Sprintf("\n• %s %s\n  %s", id, s.plan.PointText(it.in.Task, it.in.Point, 60), when))
		if it.daysLeft > 0 {
			sb.WriteString(" · " + s.tr.T(lang, "DaysLeft", map[string]any{"Days": it.daysLeft}))
		}
		if it.in.Owner == catalogue.OwnerUnit {
			sb.WriteString(" · " + s.tr.T(lang, "TaskOwnUnit", map[string]any{"Unit": s.cfg.UnitName(it.in.Unit)}))
		}
		counted := s.tasks.Counted(it.in)
		switch {
		case counted != "":
			sb.WriteString("\n  " + s.tr.T(lang, "TaskCounted_"+counted, map[string]any{"What": it.in.What,
				"Bar": tasks.Bar(it.progress, it.in.Quota), "Progress": it.progress, "Quota": it.in.Quota}))
		case it.in.Quota > 0:
			sb.WriteString(fmt.Sprintf(" · %s %d/%d", it.in.What, it.progress, it.in.Quota))
		}
		if r.Need != config.NeedReport || counted != "" { // counted from records: nothing to press
			continue
		}
		if it.in.Quota > 0 {
			buttons = append(buttons, []storage.Button{{Text: s.tr.T(lang, "ButtonTaskPlusOne",
				map[string]any{"Point": id, "What": it.in.What, "Progress": it.progress, "Quota": it.in.Quota}), Data: "tq:0:" + it.in.ID()}})
		} else {
			buttons = append(buttons, []storage.Button{{Text: s.tr.T(lang, "ButtonTaskDone",
				map[string]any{"Point": id, "Period": it.in.ShortPeriod()}), Data: "td:0:" + it.in.ID()}})
		}
	}
	if r.Need == config.NeedAck {
		buttons = append(buttons, []storage.Button{{Text: s.tr.T(lang, "ButtonAck", nil), Data: AckData(r.Name, at)}})
	}
	hint := "ReminderHint"
	if r.Kind == config.KindQuota {
		hint = "ReminderHintQuota"
	}
	sb.WriteString("\n\n" + s.tr.T(lang, hint, nil))
	return sb.String(), buttons
}

// Ack records that an official acknowledged a reminder (need: ack).
func (s *Service) Ack(db *storage.DB, official, data string) error {
	rest, ok := strings.CutPrefix(data, "ra:")
	name, _, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return ErrUnknownRule
	}
	if _, known := s.rules[name]; !known {
		return ErrUnknownRule
	}
	return db.Update(func(tx *storage.Tx) error {
		return tx.AppendEvent(storage.Event{At: s.clock.Now(), Type: storage.EvReminderAck, Official: official,
			Actor: official, Detail: rest, Code: storage.CodeReminderAck, Args: []storage.Arg{storage.Text("Rule", name)}})
	})
}
