package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/storage"
)

// Change is a 续报: new figures (nil keeps a figure) and a note.
type Change struct {
	Deaths   *int
	Serious  *int
	Missing  *int
	LossYuan *int64
	Note     string
	By       string // official id; empty for the API
	Source   string // chat or api
	// Photos are added to the incident's.
	Photos []string
}

// UpdateOutcome tells what a 续报 did.
type UpdateOutcome struct {
	Incident Incident
	Update   Update
	// Rose is true when the preliminary level went up.
	Rose bool
}

// SupplementWindow returns until when casualty changes of an incident are
// 补报 (第十三条): incidents.supplement_days after the accident, or
// supplement_days_short for road traffic and fire.
func (s *Service) SupplementWindow(in Incident) time.Time {
	days := s.cfg.Incidents.SupplementDays
	if ShortWindow(in.Category) {
		days = s.cfg.Incidents.SupplementDaysShort
	}
	return in.OccurredAt.AddDate(0, 0, days)
}

// Update records a 续报: the figures change, the level is recomputed and,
// when it rises, everyone concerned is told. A casualty change inside the
// 补报 window makes a 补报 due (event incident_supplement) and asks the
// responsible leaders to report again; after the window it is recorded
// and flagged as outside it.
func (s *Service) Update(id string, ch Change) (UpdateOutcome, error) {
	ch.Note = strings.TrimSpace(ch.Note)
	if ch.By != "" {
		if _, ok := s.cfg.Official(ch.By); !ok {
			return UpdateOutcome{}, invalid("by: unknown official %q", ch.By)
		}
	}
	switch {
	case ch.Deaths == nil && ch.Serious == nil && ch.Missing == nil && ch.LossYuan == nil && ch.Note == "" && len(ch.Photos) == 0:
		return UpdateOutcome{}, invalid("nothing to update: give deaths, serious_injuries, missing, direct_loss_wan or account")
	case len([]rune(ch.Note)) > maxAccount:
		return UpdateOutcome{}, invalid("account: longer than %d characters", maxAccount)
	}
	now := s.clock.Now()
	var out UpdateOutcome
	err := s.db.Update(func(tx *storage.Tx) error {
		in, err := s.load(tx, id)
		if err != nil {
			return err
		}
		if ch.By != "" && !s.CanUpdate(ch.By, in) {
			return ErrForbidden
		}
		out, err = s.updateIn(tx, in, ch, now)
		return err
	})
	if err != nil {
		return out, err
	}
	s.engine.Committed()
	u := out.Update
	s.log.Info("incident updated", "incident", id, "level", u.Level, "was", u.LevelBefore, "supplement", u.Supplement,
		"outside_window", u.OutsideWindow, "by", u.By)
	return out, nil
}

func pick[T any](p *T, old T) T {
	if p == nil {
		return old
	}
	return *p
}

func (s *Service) updateIn(tx *storage.Tx, in Incident, ch Change, now time.Time) (UpdateOutcome, error) {
	actor := actorOf(ch.By, ch.Source)
	u := Update{At: now, By: actor, Deaths: pick(ch.Deaths, in.Deaths), Serious: pick(ch.Serious, in.Serious),
		Missing: pick(ch.Missing, in.Missing), LossYuan: pick(ch.LossYuan, in.LossYuan), Note: ch.Note, LevelBefore: in.Level}
	if err := validFigures(u.Deaths, u.Serious, u.Missing, u.LossYuan); err != nil {
		return UpdateOutcome{}, err
	}
	if len(in.Photos)+len(ch.Photos) > maxPhotos {
		return UpdateOutcome{}, invalid("photos: more than %d", maxPhotos)
	}
	u.Level = Level(u.Deaths, u.Serious, u.Missing, u.LossYuan)
	u.Casualties = u.Deaths != in.Deaths || u.Serious != in.Serious || u.Missing != in.Missing
	window := s.SupplementWindow(in)
	if u.Casualties {
		u.Supplement = !now.After(window)
		u.OutsideWindow = !u.Supplement
	}
	changes, changed := s.changes(in, u), s.changeArgs(in, u)
	before := in
	in.Deaths, in.Serious, in.Missing, in.LossYuan, in.Level = u.Deaths, u.Serious, u.Missing, u.LossYuan, u.Level
	in.Photos = append(in.Photos, ch.Photos...)
	in.Updates = append(in.Updates, u)
	official := ""
	if ch.By != "" {
		official = ch.By
	}
	detail := changes
	args := slices.Clone(changed)
	if u.Level != u.LevelBefore {
		detail += fmt.Sprintf("; level %s→%s", u.LevelBefore, u.Level)
		args = append(args, storage.Word("LevelBefore", storage.VocabIncidentLevel, u.LevelBefore),
			storage.Word("Level", storage.VocabIncidentLevel, u.Level))
	}
	if u.OutsideWindow {
		detail += fmt.Sprintf("; casualty change outside the 补报 window (until %s)", s.stamp(window))
		args = append(args, storage.Time("Outside", window))
	}
	if u.Note != "" {
		detail += "; note: " + u.Note
		args = append(args, storage.Text("Note", u.Note))
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvUpdate, Alert: in.ID, Official: official,
		Actor: actor, Detail: strings.TrimPrefix(detail, "; "), Code: storage.CodeIncidentUpdate, Args: args}); err != nil {
		return UpdateOutcome{}, err
	}
	if u.Supplement {
		in.SupplementDue = true
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvSupplement, Alert: in.ID, Official: official,
			Actor: actor, Detail: fmt.Sprintf("casualties changed (%s) within the 补报 window (until %s); report to %s again",
				changes, s.stamp(window), s.ReportTo()),
			Code: storage.CodeIncidentSupplement, Args: append(slices.Clone(changed), storage.Time("Until", window),
				storage.Text("To", s.ReportTo()))}); err != nil {
			return UpdateOutcome{}, err
		}
	}
	if err := PutIncident(tx, in); err != nil {
		return UpdateOutcome{}, err
	}
	out := UpdateOutcome{Incident: in, Update: u, Rose: Rank(u.Level) > Rank(u.LevelBefore)}
	if !out.Rose && !u.Supplement {
		return out, nil
	}
	told := without(s.told(in), ch.By) // the updater hears from the bot
	var asked, others []string         // asked: those who may record the 补报
	for _, id := range told {
		if u.Supplement && s.CanReportUp(id) {
			asked = append(asked, id)
		} else {
			others = append(others, id)
		}
	}
	render := func(buttons bool) func(lang string) (string, [][]storage.Button) {
		return func(lang string) (string, [][]storage.Button) {
			text := s.tr.T(lang, "IncidentUpdateNotice", map[string]any{"ID": in.ID, "Title": s.shortTitle(lang, in),
				"By": s.actorName(lang, actor), "Figures": s.FigureChanges(lang, before, in), "Rose": out.Rose,
				"Before": s.LevelName(lang, u.LevelBefore), "Level": s.LevelName(lang, u.Level), "Supplement": u.Supplement,
				"ReportTo": s.ReportTo(), "Note": u.Note})
			if buttons {
				return text, s.reportUpButtons(lang, in)
			}
			return text, nil
		}
	}
	if err := s.engine.Tell(tx, asked, "", storage.Ref{}, now, render(true)); err != nil {
		return out, err
	}
	return out, s.engine.Tell(tx, others, "", storage.Ref{}, now, render(false))
}

// changes describes the figures that changed, for the event log.
// changeArgs are the figures an update changed, each "old→new", for an
// event's typed detail.
func (s *Service) changeArgs(in Incident, u Update) []storage.Arg {
	var out []storage.Arg
	for _, f := range []struct {
		name     string
		old, new int
	}{{"Deaths", in.Deaths, u.Deaths}, {"Serious", in.Serious, u.Serious}, {"Missing", in.Missing, u.Missing}} {
		if f.old != f.new {
			out = append(out, storage.Text(f.name, fmt.Sprintf("%d→%d", f.old, f.new)))
		}
	}
	if in.LossYuan != u.LossYuan {
		out = append(out, storage.Text("Loss", FormatWan(in.LossYuan)+"→"+FormatWan(u.LossYuan)))
	}
	return out
}

func (s *Service) changes(in Incident, u Update) string {
	var parts []string
	for _, f := range []struct {
		name     string
		old, new int64
	}{{"deaths", int64(in.Deaths), int64(u.Deaths)}, {"serious", int64(in.Serious), int64(u.Serious)},
		{"missing", int64(in.Missing), int64(u.Missing)}} {
		if f.old != f.new {
			parts = append(parts, fmt.Sprintf("%s %d→%d", f.name, f.old, f.new))
		}
	}
	if in.LossYuan != u.LossYuan {
		parts = append(parts, fmt.Sprintf("loss %s→%s万元", FormatWan(in.LossYuan), FormatWan(u.LossYuan)))
	}
	if len(parts) == 0 {
		return "figures unchanged"
	}
	return strings.Join(parts, ", ")
}
