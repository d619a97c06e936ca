// Package ledger is the 履职档案 (台账): it turns the event log, the alerts
// and their recipients into the workbook a leader hands to an inspector
// (every 叫应 call, task reports, duty records, incidents, hazard tips,
// inspections, the hazard loop, the enterprise registry, item 19's standing
// per person and month, and a summary per official and unit), tells one
// alert's full story, draws the monthly answer rate per unit, and posts
// the event chain's head daily to the principals as an outside witness. It
// knows nothing of Telegram.
package ledger

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/locales"
	"dutybot/quota"
	"dutybot/storage"
)

// Ledger reads the 履职档案 out of a database.
type Ledger struct {
	cfg *config.Config
	db  *storage.DB
	tr  *locales.Catalog
	// quota counts item 19 per person for the 挂牌责任人履职 sheet.
	quota *quota.Service
	// Lang is the language of the workbook and the chart: the configured
	// language, so the document the office hands on reads as one.
	Lang string
	// ChartFonts are font files tried in order for the chart's Chinese
	// labels; DefaultChartFonts when nil.
	ChartFonts []string
}

// New returns a ledger over db, worded through tr in the configured
// language.
func New(cfg *config.Config, db *storage.DB, tr *locales.Catalog) *Ledger {
	lang := locales.Match(cfg.Language)
	if lang == "" {
		lang = tr.Default()
	}
	return &Ledger{cfg: cfg, db: db, tr: tr, quota: quota.New(cfg, db), Lang: lang}
}

// Filter selects what an export holds.
type Filter struct {
	From, To time.Time // events and alerts at [From, To)
	Unit     string    // only calls to and records of this unit's officials; "" for all
	Official string    // only calls to and records of this official; "" for all
}

// Validate checks a filter against the configuration.
func (l *Ledger) Validate(f Filter) error {
	switch {
	case f.From.IsZero() || f.To.IsZero():
		return errors.New("the period needs a start and an end")
	case !f.To.After(f.From):
		return fmt.Errorf("the period ends (%s) before it starts (%s)", f.To.In(l.cfg.Location).Format(time.DateOnly), f.From.In(l.cfg.Location).Format(time.DateOnly))
	}
	if f.Unit != "" {
		if _, ok := l.cfg.Unit(f.Unit); !ok {
			return fmt.Errorf("unit %q is not defined", f.Unit)
		}
	}
	if f.Official != "" {
		if _, ok := l.cfg.Official(f.Official); !ok {
			return fmt.Errorf("official %q is not defined", f.Official)
		}
	}
	return nil
}

// concerns reports whether the record of official (whom it concerns) or
// actor (who did it) falls under the filter.
func (l *Ledger) concerns(f Filter, official, actor string) bool {
	switch {
	case f.Official != "":
		return official == f.Official || actor == f.Official
	case f.Unit != "":
		return l.unitOf(official) == f.Unit || l.unitOf(actor) == f.Unit
	}
	return true
}

func (l *Ledger) unitOf(official string) string {
	if o, ok := l.cfg.Official(official); ok {
		return o.Unit
	}
	return ""
}

// name is how a person or a part of the system (LedgerActor_…: the
// system, the HTTP API, an anonymous tipster) appears in the ledger.
func (l *Ledger) name(id string) string {
	if o, ok := l.cfg.Official(id); ok {
		return o.Name
	}
	if w, ok := l.word("LedgerActor_" + id); ok {
		return w
	}
	return id
}

// names joins the names of ids the way the language lists them.
func (l *Ledger) names(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = l.name(id)
	}
	return strings.Join(out, l.t("LedgerNameSep"))
}

// local formats t as the ledger shows times; zero is empty.
func (l *Ledger) local(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.cfg.Location).Format(time.DateTime)
}

// Period is a span of whole days, as /ledger and the CLI name it.
type Period struct {
	From, To time.Time // [From, To)
}

// Label is the period as the workbook shows it: first and last day.
func (p Period) Label(loc *time.Location) string {
	return p.From.In(loc).Format(time.DateOnly) + " 至 " + p.To.Add(-time.Nanosecond).In(loc).Format(time.DateOnly)
}

// ErrPeriod is returned, wrapped, for a period that cannot be read.
var ErrPeriod = errors.New("not a period")

// ParsePeriod reads a period: empty or 本月 for this month, 上月, 今年 or
// 本年, 去年, a month 2026-11, a year 2026, a day 2026-11-30, or two days
// "2026-11-01 2026-11-30" (also joined by 至 or ~), both included.
func ParsePeriod(s string, now time.Time, loc *time.Location) (Period, error) {
	now = now.In(loc)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	month := day(now.Year(), now.Month(), 1)
	s = strings.TrimSpace(s)
	for _, sep := range []string{"至", "~", "～", "—", ","} {
		s = strings.ReplaceAll(s, sep, " ")
	}
	fields := strings.Fields(s)
	switch len(fields) {
	case 0:
		return Period{month, month.AddDate(0, 1, 0)}, nil
	case 1:
		switch strings.ToLower(fields[0]) {
		case "本月", "this-month", "month":
			return Period{month, month.AddDate(0, 1, 0)}, nil
		case "上月", "last-month":
			return Period{month.AddDate(0, -1, 0), month}, nil
		case "今年", "本年", "this-year", "year":
			y := day(now.Year(), 1, 1)
			return Period{y, y.AddDate(1, 0, 0)}, nil
		case "去年", "last-year":
			y := day(now.Year()-1, 1, 1)
			return Period{y, y.AddDate(1, 0, 0)}, nil
		}
		if t, err := time.ParseInLocation("2006-01", fields[0], loc); err == nil {
			return Period{t, t.AddDate(0, 1, 0)}, nil
		}
		if t, err := time.ParseInLocation("2006", fields[0], loc); err == nil {
			return Period{t, t.AddDate(1, 0, 0)}, nil
		}
		if t, err := time.ParseInLocation(time.DateOnly, fields[0], loc); err == nil {
			return Period{t, t.AddDate(0, 0, 1)}, nil
		}
	case 2:
		a, errA := time.ParseInLocation(time.DateOnly, fields[0], loc)
		b, errB := time.ParseInLocation(time.DateOnly, fields[1], loc)
		if errA == nil && errB == nil {
			if b.Before(a) {
				return Period{}, fmt.Errorf("%w: %s is before %s", ErrPeriod, fields[1], fields[0])
			}
			return Period{a, b.AddDate(0, 0, 1)}, nil
		}
	}
	return Period{}, fmt.Errorf("%w: %q", ErrPeriod, s)
}
