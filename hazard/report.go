package hazard

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/config"
	"dutybot/storage"
)

// Finding is a hazard as an official records it (发现).
type Finding struct {
	Enterprise string // 统一社会信用代码
	// EnterpriseName and Unit (the 属地 unit) are taken from the registry;
	// an enterprise it does not know must name them here.
	EnterpriseName string
	Unit           string
	FoundBy        string // an official id
	Level          string // LevelGeneral or LevelMajor
	Description    string
	Photos         []string // Telegram file ids
	Point          *storage.Point
	// Responsible is the person at the enterprise who must fix it; by
	// default the enterprise's own responsible person.
	Responsible storage.Contact
	// Assign, if set, gives the hazard to the enterprise (交办) in the same
	// step, as an inspection that sets its deadline on the spot does.
	Assign *Assignment
}

// Assignment is a 交办: the deadline, whom at the enterprise, and for a
// 重大隐患 its 五落实.
type Assignment struct {
	Deadline    time.Time
	Responsible storage.Contact // empty: as the hazard has it
	Five        *FiveFixes
}

// ParseLevel reads a hazard level: general/major or 一般/重大.
func ParseLevel(v string) (string, bool) {
	switch strings.TrimSpace(strings.ToLower(v)) {
	case LevelGeneral, "一般", "一般隐患":
		return LevelGeneral, true
	case LevelMajor, "重大", "重大隐患":
		return LevelMajor, true
	}
	return "", false
}

// text trims a typed text and checks its length.
func text(field, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		return "", fieldErr(field, ErrRequired)
	case utf8.RuneCountInString(v) > max:
		return "", fieldErr(field, fmt.Errorf("%w: at most %d characters", ErrTooLong, max))
	}
	return v, nil
}

func photos(field string, p []string) ([]string, error) {
	var out []string
	for _, id := range p {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	if len(out) > MaxPhotos {
		return nil, fieldErr(field, fmt.Errorf("%w: at most %d", ErrTooMany, MaxPhotos))
	}
	return out, nil
}

func contact(field string, c storage.Contact) (storage.Contact, error) {
	var err error
	if c.Name, err = text(field+".name", c.Name, MaxField, false); err != nil {
		return c, err
	}
	c.Phone, err = text(field+".phone", c.Phone, MaxField, false)
	return c, err
}

// validate checks a finding and fills in what the registry knows.
func (s *Service) validate(f *Finding) error {
	var err error
	if f.Enterprise, err = text("enterprise", f.Enterprise, MaxField, true); err != nil {
		return err
	}
	if !s.official(f.FoundBy) {
		return fieldErr("found_by", fmt.Errorf("%w %q", ErrBadOfficial, f.FoundBy))
	}
	level, ok := ParseLevel(f.Level)
	if !ok {
		return fieldErr("level", fmt.Errorf("%q %w", f.Level, ErrBadLevel))
	}
	f.Level = level
	if f.Description, err = text("description", f.Description, MaxText, true); err != nil {
		return err
	}
	if f.Photos, err = photos("photos", f.Photos); err != nil {
		return err
	}
	if f.Responsible, err = contact("responsible", f.Responsible); err != nil {
		return err
	}
	if f.EnterpriseName, err = text("enterprise_name", f.EnterpriseName, MaxField, false); err != nil {
		return err
	}
	if p, ok := s.plaque(f.Enterprise); ok {
		if f.EnterpriseName == "" {
			f.EnterpriseName = p.Name
		}
		if f.Unit == "" {
			f.Unit = p.Unit
		}
		if f.Responsible.Name == "" {
			f.Responsible = storage.Contact{Name: p.Principal.Name, Phone: p.Principal.Phone}
		}
	}
	switch {
	case f.EnterpriseName == "":
		return fieldErr("enterprise_name", ErrBadEnterprise)
	case f.Unit == "":
		return fieldErr("unit", ErrBadEnterprise)
	}
	if _, ok := s.cfg.Unit(f.Unit); !ok {
		return fieldErr("unit", fmt.Errorf("%w %q", ErrBadUnit, f.Unit))
	}
	return nil
}

// checkAssignment checks a 交办 of h, at now.
func (s *Service) checkAssignment(h Hazard, a *Assignment, now time.Time) error {
	if !a.Deadline.After(now) || a.Deadline.After(now.AddDate(0, 0, MaxDays)) {
		return fieldErr("deadline", ErrBadDeadline)
	}
	var err error
	if a.Responsible, err = contact("responsible", a.Responsible); err != nil {
		return err
	}
	if h.Level != LevelMajor {
		if a.Five != nil && *a.Five != (FiveFixes{}) {
			return fieldErr("five", fmt.Errorf("only a 重大隐患 is 挂牌督办 with 五落实 (this one is %s)", h.Level))
		}
		a.Five = nil
		return nil
	}
	if a.Five == nil {
		return fieldErr("five", fmt.Errorf("%w: responsibility, measures, funds, time_limit, plan", ErrFiveMissing))
	}
	f := *a.Five
	var missing []string
	for _, p := range []struct {
		name string
		v    *string
	}{{"responsibility", &f.Responsibility}, {"measures", &f.Measures}, {"funds", &f.Funds},
		{"time_limit", &f.TimeLimit}, {"plan", &f.Plan}} {
		if *p.v, err = text("five."+p.name, *p.v, MaxText, false); err != nil {
			return err
		}
		if *p.v == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return fieldErr("five", fmt.Errorf("%w: %s missing", ErrFiveMissing, strings.Join(missing, ", ")))
	}
	a.Five = &f
	return nil
}

// Report records a hazard found (发现) and, when the finding carries an
// assignment, gives it to the enterprise (交办) in the same transaction.
func (s *Service) Report(f Finding) (Hazard, error) {
	var h Hazard
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		h, err = s.ReportIn(tx, f)
		return err
	})
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		return Hazard{}, err
	case err != nil:
		return Hazard{}, fmt.Errorf("report hazard: %w", err)
	}
	s.engine.Committed()
	return h, nil
}

// ReportIn is Report inside the caller's transaction, for a record that
// registers its hazards with itself, all or nothing (an inspection); the
// caller calls Committed once the transaction has committed. A refused
// finding returns the same errors as Report, before anything is written.
func (s *Service) ReportIn(tx *storage.Tx, f Finding) (Hazard, error) {
	if err := s.validate(&f); err != nil {
		return Hazard{}, err
	}
	p, _ := s.plaque(f.Enterprise)
	now := s.clock.Now()
	h := Hazard{Enterprise: f.Enterprise, EnterpriseName: f.EnterpriseName, Unit: f.Unit,
		Supervisor: p.Supervisor, Administrator: p.Administrator, FoundBy: f.FoundBy, FoundAt: now,
		Level: f.Level, Description: f.Description, Photos: f.Photos, Point: f.Point, Responsible: f.Responsible,
		State:   StateFound,
		History: []Step{{State: StateFound, At: now, By: f.FoundBy, Photos: f.Photos}}}
	if f.Assign != nil {
		if err := s.checkAssignment(h, f.Assign, now); err != nil {
			return Hazard{}, err
		}
	}
	var err error
	if h.ID, err = NextID(tx, now.In(s.loc)); err != nil {
		return Hazard{}, err
	}
	if err := Put(tx, h); err != nil {
		return Hazard{}, err
	}
	args := []storage.Arg{storage.Text("Enterprise", h.EnterpriseName),
		storage.Word("Level", storage.VocabWord, levelWord(h.Level)), storage.Text("Description", h.Description)}
	if n := len(h.Photos); n > 0 {
		args = append(args, storage.Int("Photos", n))
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvFound, Alert: h.ID, Actor: f.FoundBy,
		Detail: fmt.Sprintf("%s (%s), %s: %s; %d photos", h.EnterpriseName, h.Enterprise, h.Level, excerpt(h.Description, 200), len(h.Photos)),
		Code:   storage.CodeHazardFound, Args: args}); err != nil {
		return Hazard{}, err
	}
	if f.Assign != nil {
		if err := s.assign(tx, &h, f.FoundBy, *f.Assign, now); err != nil {
			return Hazard{}, err
		}
	}
	tx.OnCommit(func() {
		s.log.Info("hazard found", "hazard", h.ID, "enterprise", h.Enterprise, "level", h.Level, "state", h.State)
	})
	return h, nil
}

// Committed wakes the outbox and the deadline runner after a transaction
// in which ReportIn queued notices and set deadlines.
func (s *Service) Committed() { s.engine.Committed() }

// Assign gives a hazard found to the enterprise (交办).
func (s *Service) Assign(actor, id string, a Assignment) (Hazard, error) {
	now := s.clock.Now()
	var h Hazard
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if h, err = s.load(tx, id); err != nil {
			return err
		}
		if !s.CanManage(actor, h) {
			return ErrForbidden
		}
		if h.State != StateFound {
			return fmt.Errorf("%w: it is %s", ErrState, h.State)
		}
		if err := s.checkAssignment(h, &a, now); err != nil {
			return err
		}
		return s.assign(tx, &h, actor, a, now)
	})
	if err != nil {
		return Hazard{}, err
	}
	s.engine.Committed()
	return h, nil
}

// assign records a checked 交办 of h: its deadline, its event, and the
// notices to the supervising official, the administrator and the 属地
// unit head, the enterprise's person when bound, and for a 重大隐患 the
// 分管领导 and the principals (挂牌督办).
func (s *Service) assign(tx *storage.Tx, h *Hazard, actor string, a Assignment, now time.Time) error {
	if a.Responsible != (storage.Contact{}) {
		h.Responsible = a.Responsible
	}
	h.Five = a.Five
	h.State, h.Deadline, h.Overdue = StateAssigned, a.Deadline, false
	h.Round++
	h.History = append(h.History, Step{State: StateAssigned, At: now, By: actor, Due: a.Deadline})
	if err := Put(tx, *h); err != nil {
		return err
	}
	if err := tx.PutDeadline(deadline(*h)); err != nil {
		return err
	}
	told := s.handlers(*h, actor)
	args := []storage.Arg{storage.Text("Enterprise", h.EnterpriseName), storage.Time("Due", h.Deadline),
		storage.Text("Person", h.Responsible.Name), storage.Officials("Told", told...)}
	detail := fmt.Sprintf("due %s, %s", s.when(h.Deadline), h.Responsible.Name)
	var listed []string
	if h.Five != nil {
		leaders := s.listedTold(*h, actor)
		// A leader who is also a handler (the 分管领导 on the plaque) has
		// the 交办 with its 五落实 already: one notice a step.
		listed = slices.DeleteFunc(slices.Clone(leaders), func(id string) bool { return slices.Contains(told, id) })
		f := h.Five
		args = append(args, storage.Word("Listed", storage.VocabWord, storage.WordListed),
			storage.Text("Responsibility", f.Responsibility), storage.Text("Measures", f.Measures), storage.Text("Funds", f.Funds),
			storage.Text("TimeLimit", f.TimeLimit), storage.Text("Plan", f.Plan), storage.Officials("Leaders", leaders...))
		detail += "; 挂牌督办: " + fiveLine(*h.Five)
	}
	if err := tx.AppendEvent(storage.Event{At: now, Type: EvAssigned, Alert: h.ID, Actor: actor,
		Detail: detail, Code: storage.CodeHazardAssigned, Args: args}); err != nil {
		return err
	}
	if err := s.tellActing(tx, told, *h, now, func(lang string) string {
		return s.tr.T(lang, "HazardAssignedNotice", map[string]any{"ID": h.ID, "By": s.cfg.OfficialName(actor)}) +
			"\n" + s.Details(lang, *h)
	}); err != nil {
		return err
	}
	if err := s.tellEnterprise(tx, *h, now, func(lang string) string {
		return s.tr.T(lang, "HazardEnterpriseAssigned", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
			"Description": h.Description, "Due": s.when(h.Deadline), "Person": h.Responsible.Name})
	}); err != nil {
		return err
	}
	if h.Five == nil {
		return nil
	}
	return s.engine.Tell(tx, listed, "", s.ref(*h), now,
		func(lang string) (string, [][]storage.Button) {
			return s.tr.T(lang, "HazardListedNotice", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
				"Unit": s.cfg.UnitName(h.Unit), "By": s.cfg.OfficialName(actor)}) + "\n" + s.Details(lang, *h), nil
		})
}

// deadline is the durable deadline of a hazard's current round.
func deadline(h Hazard) storage.Deadline {
	return storage.Deadline{At: h.Deadline, Key: DeadlinePrefix + h.ID}
}

// handlers are told of a 交办 or a send-back: the supervising official and
// the 行政负责人 on the plaque and the 属地 unit head, not the one who did it.
func (s *Service) handlers(h Hazard, actor string) []string {
	p, ok := s.plaque(h.Enterprise)
	sup, admin := h.Supervisor, h.Administrator
	if ok {
		sup, admin = p.Supervisor, p.Administrator
	}
	u, _ := s.cfg.Unit(h.Unit)
	return s.people(actor, sup, admin, u.Head)
}

// listedTold are told of a 挂牌督办: the 属地 unit's 分管领导 and the
// principals.
func (s *Service) listedTold(h Hazard, actor string) []string {
	u, _ := s.cfg.Unit(h.Unit)
	ids := []string{u.Leader}
	for _, o := range s.cfg.OfficialsWithRole(config.RolePrincipal) {
		ids = append(ids, o.ID)
	}
	return s.people(actor, ids...)
}

// people keeps the configured officials of ids, once each, in order,
// leaving out skip.
func (s *Service) people(skip string, ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id == skip || !s.official(id) || slices.Contains(out, id) {
			continue
		}
		out = append(out, id)
	}
	return out
}

// tellEnterprise queues a message to the enterprise's responsible person
// if they are bound to the bot; while the hazard waits for its fix, the
// message carries the 已整改 button with which they report it.
func (s *Service) tellEnterprise(tx *storage.Tx, h Hazard, now time.Time, render func(lang string) string) error {
	p, ok := s.plaque(h.Enterprise)
	if !ok || p.Principal.Chat == 0 {
		return nil
	}
	lang := p.Principal.Lang
	if lang == "" {
		lang = s.cfg.Language
	}
	_, err := tx.Enqueue(storage.Job{ChatID: p.Principal.Chat, Op: storage.OpSend, Text: render(lang),
		Buttons: s.principalButtons(lang, h), Ref: s.ref(h), CreatedAt: now})
	return err
}
