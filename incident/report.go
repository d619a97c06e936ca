package incident

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// Limits of what a report may carry.
const (
	maxPlace   = 200
	maxAccount = 2000
	maxPhotos  = 20
	// skew is how far ahead of the bot's clock a reported time may be and
	// still count as now (an API caller's clock may run a little fast).
	skew = time.Minute
)

// Report is an accident as reported.
type Report struct {
	OccurredAt time.Time
	Place      string
	Unit       string // unit or enterprise, free text
	Category   string // Categories
	Deaths     int
	Serious    int
	Missing    int
	LossYuan   int64
	Account    string
	Photos     []string
	Reporter   string // official id; empty for the API
	Source     string // chat or api
}

// Result tells what a report set going.
type Result struct {
	Incident Incident
	// Called are the officials the red 叫应 reached.
	Called []string
}

func invalid(format string, args ...any) error {
	return &callout.ValidationError{Reason: fmt.Sprintf(format, args...)}
}

// Validate checks a report without creating anything; it trims the texts
// in place. Reasons name the API's fields.
func (s *Service) Validate(r *Report, now time.Time) error {
	r.Place = strings.TrimSpace(r.Place)
	r.Unit = strings.TrimSpace(r.Unit)
	r.Account = strings.TrimSpace(r.Account)
	r.Category = strings.TrimSpace(r.Category)
	switch {
	case r.OccurredAt.IsZero():
		return invalid("occurred_at: required")
	case r.OccurredAt.After(now.Add(skew)):
		return invalid("occurred_at: %s is in the future", r.OccurredAt.In(s.loc).Format("2006-01-02 15:04"))
	case r.Place == "":
		return invalid("place: required")
	case len([]rune(r.Place)) > maxPlace:
		return invalid("place: longer than %d characters", maxPlace)
	case r.Unit == "":
		return invalid("unit: required")
	case len([]rune(r.Unit)) > maxPlace:
		return invalid("unit: longer than %d characters", maxPlace)
	case !slices.Contains(Categories, r.Category):
		return invalid("category: %q is not one of %s", r.Category, strings.Join(Categories, ", "))
	case len([]rune(r.Account)) > maxAccount:
		return invalid("account: longer than %d characters", maxAccount)
	case len(r.Photos) > maxPhotos:
		return invalid("photos: more than %d", maxPhotos)
	}
	if r.OccurredAt.After(now) {
		r.OccurredAt = now
	}
	if err := validFigures(r.Deaths, r.Serious, r.Missing, r.LossYuan); err != nil {
		return err
	}
	if r.Reporter != "" && !s.CanReport(r.Reporter) {
		return invalid("reporter: unknown official %q", r.Reporter)
	}
	return nil
}

func validFigures(deaths, serious, missing int, loss int64) error {
	for _, f := range []struct {
		name string
		n    int
	}{{"deaths", deaths}, {"serious_injuries", serious}, {"missing", missing}} {
		if f.n < 0 {
			return invalid("%s: %d must not be negative", f.name, f.n)
		}
		if f.n > maxCount {
			return invalid("%s: %d is more than %d", f.name, f.n, maxCount)
		}
	}
	if loss < 0 {
		return invalid("direct_loss_wan: must not be negative")
	}
	if loss > maxLossYuan {
		return invalid("direct_loss_wan: more than %s", FormatWan(maxLossYuan))
	}
	return nil
}

// Submit records an accident, computes its preliminary level, calls the
// concerned at once with a red 叫应 and starts the regulatory clocks, all
// in one transaction.
func (s *Service) Submit(r Report) (Result, error) {
	now := s.clock.Now()
	if err := s.Validate(&r, now); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		res, err = s.submitIn(tx, r, now)
		return err
	})
	if err != nil {
		var verr *callout.ValidationError
		if errors.As(err, &verr) {
			return Result{}, err
		}
		return Result{}, fmt.Errorf("record incident: %w", err)
	}
	s.engine.Committed()
	in := res.Incident
	s.log.Info("incident reported", "incident", in.ID, "level", in.Level, "category", in.Category,
		"occurred_at", in.OccurredAt, "report_due", in.ReportDue, "alert", in.Alert, "reporter", in.Reporter, "source", in.Source)
	return res, nil
}

func (s *Service) submitIn(tx *storage.Tx, r Report, now time.Time) (Result, error) {
	id, err := NextID(tx, now.In(s.loc))
	if err != nil {
		return Result{}, err
	}
	in := Incident{ID: id, OccurredAt: r.OccurredAt, Place: r.Place, Unit: r.Unit, Category: r.Category,
		Deaths: r.Deaths, Serious: r.Serious, Missing: r.Missing, LossYuan: r.LossYuan, Account: r.Account,
		Photos: r.Photos, Reporter: r.Reporter, Source: r.Source, ReportedAt: now,
		Level:     Level(r.Deaths, r.Serious, r.Missing, r.LossYuan),
		ReportDue: r.OccurredAt.Add(s.cfg.Incidents.ReportWithin.D())}
	lang := s.cfg.Language
	var res Result
	targets := s.Concerned()
	if len(targets) == 0 {
		for _, o := range s.cfg.OfficialsWithRole(config.RoleAdmin) {
			targets = s.add(targets, o.ID)
		}
	}
	if len(targets) > 0 {
		a, err := s.engine.CreateIn(tx, callout.Request{Kind: KindIncident, Level: "red", Title: s.alertTitle(lang, in),
			Body: s.alertBody(lang, in, now), Targets: callout.Targets{Officials: targets}, Issuer: r.Reporter,
			Source: sourceOf(r.Source), Links: []string{"incident:" + id}}, now)
		if err != nil {
			return Result{}, fmt.Errorf("call the concerned: %w", err)
		}
		in.Alert, res.Called = a.ID, a.Recipients
	} else {
		s.log.Warn("incident: nobody to call (no office, principals or admins configured)", "incident", id)
	}
	if err := PutIncident(tx, in); err != nil {
		return Result{}, err
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvReported, Alert: id,
		Actor: actorOf(r.Reporter, r.Source), Detail: fmt.Sprintf("%s %s at %s, %s; deaths %d, serious %d, missing %d, loss %s万元; report due %s; alert %s",
			in.Level, in.Category, s.stamp(in.OccurredAt), in.Place, in.Deaths, in.Serious, in.Missing, FormatWan(in.LossYuan),
			s.stamp(in.ReportDue), in.Alert),
		Code: storage.CodeIncidentReported, Args: []storage.Arg{
			storage.Word("Level", storage.VocabIncidentLevel, in.Level),
			storage.Word("Category", storage.VocabIncidentCategory, in.Category),
			storage.Time("Occurred", in.OccurredAt), storage.Text("Place", in.Place),
			storage.Int("Deaths", in.Deaths), storage.Int("Serious", in.Serious), storage.Int("Missing", in.Missing),
			storage.Text("Loss", FormatWan(in.LossYuan)), storage.Time("Due", in.ReportDue)}}); err != nil {
		return Result{}, err
	}
	if err := s.schedule(tx, in, now); err != nil {
		return Result{}, err
	}
	if err := s.engine.Tell(tx, s.Responsible(), "", storage.Ref{}, now, func(lang string) (string, [][]storage.Button) {
		return s.tr.T(lang, "IncidentLeaderCard", map[string]any{"ID": in.ID, "Due": s.clockTime(in.ReportDue, now),
				"ReportTo": s.ReportTo(), "Within": s.Within(lang)}) + "\n\n" + s.Card(lang, in, now),
			s.leaderButtons(lang, in)
	}); err != nil {
		return Result{}, err
	}
	res.Incident = in
	return res, nil
}

// sourceOf is the alert source of a report made in chat or over the API.
func sourceOf(source string) string {
	if source == "api" {
		return "api"
	}
	return "chat"
}

// stamp formats a time for the event log.
func (s *Service) stamp(t time.Time) string { return t.In(s.loc).Format("2006-01-02 15:04") }
