package weather

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// MeltdownLink ties the alert raised for a unit's outstanding items to the
// warning, so it is raised once and found again to be closed.
func MeltdownLink(warning, unit string) string { return "meltdown:" + warning + ":" + unit }

// deadlinePrefix starts the keys of the 熔断 confirmation deadlines.
const deadlinePrefix = "w:m:"

func confirmDeadline(w Warning) storage.Deadline {
	return storage.Deadline{At: w.ConfirmBy, Key: deadlinePrefix + w.ID}
}

// Button data of the checklist; at most 64 bytes with an alert id and an
// item number.
const (
	prefixConfirm = "wc" // confirm an item (then asked for a count or a note)
	prefixNoNote  = "wn" // confirm an item without a note
)

// ItemDataPrefixes are the prefixes of the checklist buttons' data, for
// routers that dispatch presses by prefix.
func ItemDataPrefixes() []string { return []string{prefixConfirm + ":", prefixNoNote + ":"} }

// ConfirmData is the data of an item's confirm button.
func ConfirmData(warning string, no int) string {
	return prefixConfirm + ":" + warning + ":" + strconv.Itoa(no)
}

// NoNoteData is the data of the button confirming an item without a note.
func NoNoteData(warning string, no int) string {
	return prefixNoNote + ":" + warning + ":" + strconv.Itoa(no)
}

// IsItemData reports whether button data belongs to the checklist, even
// when garbled.
func IsItemData(data string) bool {
	return strings.HasPrefix(data, prefixConfirm+":") || strings.HasPrefix(data, prefixNoNote+":")
}

// ItemPress is a parsed checklist button.
type ItemPress struct {
	NoNote  bool
	Warning string
	No      int
}

// ParseItemData parses checklist button data; ok is false for anything
// else or garbled.
func ParseItemData(data string) (ItemPress, bool) {
	parts := strings.Split(data, ":")
	if len(parts) != 3 || (parts[0] != prefixConfirm && parts[0] != prefixNoNote) || parts[1] == "" {
		return ItemPress{}, false
	}
	no, err := strconv.Atoi(parts[2])
	if err != nil || no <= 0 {
		return ItemPress{}, false
	}
	return ItemPress{NoNote: parts[0] == prefixNoNote, Warning: parts[1], No: no}, true
}

// expand turns the configured checklist into one item per responsible unit
// among the warning's affected units, in unit order.
func (s *Service) expand(w Warning) []ChecklistItem {
	list := s.cfg.Weather.Meltdown.Checklist
	matching := make([][]string, len(list))
	for i, it := range list {
		matching[i] = s.cfg.UnitsMatching(it.Units)
	}
	var out []ChecklistItem
	for _, u := range s.cfg.People().Units {
		if len(w.Units) > 0 && !slices.Contains(w.Units, u.ID) {
			continue
		}
		for i, it := range list {
			if len(it.Types) > 0 && !slices.Contains(it.Types, w.Type) || !slices.Contains(matching[i], u.ID) {
				continue
			}
			out = append(out, ChecklistItem{Warning: w.ID, No: len(out) + 1, Unit: u.ID, Action: it.Action,
				Text: it.Text, Count: it.Count, State: ItemOpen})
		}
	}
	return out
}

// unitsOf lists the units of items in order of appearance.
func unitsOf(items []ChecklistItem) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it.Unit) {
			out = append(out, it.Unit)
		}
	}
	return out
}

func ofUnit(items []ChecklistItem, unit string) []ChecklistItem {
	var out []ChecklistItem
	for _, it := range items {
		if it.Unit == unit {
			out = append(out, it)
		}
	}
	return out
}

func open(items []ChecklistItem) []ChecklistItem {
	var out []ChecklistItem
	for _, it := range items {
		if !it.Done() {
			out = append(out, it)
		}
	}
	return out
}

// watchers are the officials shown the live board: the issuer and the duty
// leaders.
func (s *Service) watchers(issuer string) []string {
	var out []string
	if _, ok := s.cfg.Official(issuer); ok {
		out = append(out, issuer)
	}
	for _, o := range s.cfg.OfficialsWithRole(config.RoleDutyLeader) {
		if !slices.Contains(out, o.ID) {
			out = append(out, o.ID)
		}
	}
	return out
}

// unitContacts are the officials a unit's checklist goes to: its head, or
// when the head is not configured or cannot be reached, every reachable
// official of the unit.
func (s *Service) unitContacts(tx *storage.Tx, unit string) []string {
	reachable := func(id string) bool {
		b, err := tx.Binding(id)
		return err == nil && !b.Unreachable
	}
	u, _ := s.cfg.Unit(unit)
	if u.Head != "" && reachable(u.Head) {
		return []string{u.Head}
	}
	var out []string
	for _, o := range s.cfg.People().Officials {
		if o.Unit == unit && o.ID != u.Head && reachable(o.ID) {
			out = append(out, o.ID)
		}
	}
	return out
}

// MayConfirm reports whether an official may confirm a unit's items: its
// officials, its head and admins.
func (s *Service) MayConfirm(official, unit string) bool {
	o, ok := s.cfg.Official(official)
	if !ok {
		return false
	}
	u, _ := s.cfg.Unit(unit)
	return o.Unit == unit || (u.Head != "" && u.Head == official) || o.HasRole(config.RoleAdmin)
}

// startMeltdown stores the checklist of a warning, sends each unit its
// items and the watchers the board, and sets the confirmation deadline.
func (s *Service) startMeltdown(tx *storage.Tx, w *Warning, now time.Time) (items, units int, err error) {
	list := s.expand(*w)
	if len(list) == 0 {
		return 0, 0, tx.AppendEvent(storage.Event{At: now, Type: EvMeltdownStarted, Alert: w.ID, Actor: "system",
			Detail: "no checklist item applies", Code: storage.CodeMeltdownNone})
	}
	for _, it := range list {
		if err := PutChecklistItem(tx, it); err != nil {
			return 0, 0, err
		}
	}
	w.ConfirmBy = now.Add(s.cfg.Weather.Meltdown.ConfirmWithin.D())
	w.Watchers = s.watchers(w.Issuer)
	if err := tx.PutDeadline(confirmDeadline(*w)); err != nil {
		return 0, 0, err
	}
	us := unitsOf(list)
	for _, u := range us {
		if err := s.showUnit(tx, *w, u, ofUnit(list, u), s.unitContacts(tx, u), now); err != nil {
			return 0, 0, err
		}
	}
	if err := s.refreshBoard(tx, w, list, now); err != nil {
		return 0, 0, err
	}
	return len(list), len(us), tx.AppendEvent(storage.Event{At: now, Type: EvMeltdownStarted, Alert: w.ID,
		Actor: "system", Detail: fmt.Sprintf("%d items for %d units, confirm by %s", len(list), len(us),
			w.ConfirmBy.In(s.loc).Format("2006-01-02 15:04")),
		Code: storage.CodeMeltdownStarted, Args: []storage.Arg{storage.Int("Items", len(list)), storage.Int("Units", len(us)),
			storage.Time("ConfirmBy", w.ConfirmBy)}})
}

// showUnit shows a unit's checklist to officials (or, with none given, to
// those who were shown it before).
func (s *Service) showUnit(tx *storage.Tx, w Warning, unit string, items []ChecklistItem, to []string, now time.Time) error {
	scope := checklistScope(w.ID, unit)
	if to == nil {
		var err error
		if to, err = viewers(tx, scope); err != nil {
			return err
		}
	}
	for _, o := range to {
		err := s.show(tx, scope, w.ID, o, false, now, func(lang string) (string, [][]storage.Button) {
			return s.unitText(lang, w, unit, items)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// refreshBoard queues the live board of every watcher and records the
// board messages known so far.
func (s *Service) refreshBoard(tx *storage.Tx, w *Warning, items []ChecklistItem, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	for _, o := range w.Watchers {
		err := s.show(tx, boardScope(w.ID), w.ID, o, false, now, func(lang string) (string, [][]storage.Button) {
			return s.BoardText(lang, *w, items, now), nil
		})
		if err != nil {
			return err
		}
	}
	var err error
	if w.Board, err = shownAt(tx, boardScope(w.ID)); err != nil {
		return err
	}
	if w.State != WarningActive {
		return nil // the lift shows the groups their summary
	}
	return s.showGroups(tx, *w, items, now)
}

// Item returns an item an official is about to confirm, or why they
// cannot: ErrUnknownWarning, ErrUnknownItem, ErrLifted, ErrNotYourUnit, or
// ErrConfirmed with the item as it was confirmed.
func (s *Service) Item(official, warning string, no int) (ChecklistItem, error) {
	var it ChecklistItem
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		_, it, err = s.confirmable(tx, official, warning, no)
		return err
	})
	return it, err
}

func (s *Service) confirmable(tx *storage.Tx, official, warning string, no int) (Warning, ChecklistItem, error) {
	w, err := s.load(tx, warning)
	if err != nil {
		return w, ChecklistItem{}, err
	}
	it, err := LoadChecklistItem(tx, warning, no)
	if errors.Is(err, storage.ErrNotFound) {
		return w, it, ErrUnknownItem
	}
	if err != nil {
		return w, it, err
	}
	switch {
	case !s.MayConfirm(official, it.Unit):
		return w, it, ErrNotYourUnit
	case it.Done():
		return w, it, ErrConfirmed
	case w.State != WarningActive:
		return w, it, ErrLifted
	}
	return w, it, nil
}

// Confirm records that official carried out an item, with the number it
// asks for (Count items) and an optional note. The unit's checklist and
// the board are updated; the unit's overdue alert ends with its last item.
func (s *Service) Confirm(official, warning string, no, value int, note string) (ChecklistItem, error) {
	note = strings.TrimSpace(note)
	if value < 0 {
		return ChecklistItem{}, &callout.ValidationError{Reason: "count: must not be negative"}
	}
	if len([]rune(note)) > 500 {
		return ChecklistItem{}, &callout.ValidationError{Reason: "note: longer than 500 characters"}
	}
	now := s.clock.Now()
	var it ChecklistItem
	err := s.db.Update(func(tx *storage.Tx) error {
		var w Warning
		var err error
		if w, it, err = s.confirmable(tx, official, warning, no); err != nil {
			return err
		}
		it.State, it.By, it.At, it.Note = ItemDone, official, now, note
		if it.Count {
			it.Value = value
		}
		if err := PutChecklistItem(tx, it); err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvMeltdownConfirmed, Alert: w.ID, Official: official,
			Actor: official, Detail: confirmDetail(it), Code: storage.CodeMeltdownConfirmed, Args: confirmArgs(it)}); err != nil {
			return err
		}
		items, err := Checklist(tx, w.ID)
		if err != nil {
			return err
		}
		mine := ofUnit(items, it.Unit)
		if err := s.showUnit(tx, w, it.Unit, mine, nil, now); err != nil {
			return err
		}
		if len(open(mine)) == 0 {
			if id, ok := callout.LinkedAlert(tx, MeltdownLink(w.ID, it.Unit)); ok {
				if _, err := s.engine.CloseIn(tx, official, id, now); err != nil && !errors.Is(err, callout.ErrClosed) {
					return err
				}
			}
		}
		if len(open(items)) == 0 {
			if !w.Overdue {
				if err := tx.DeleteDeadline(confirmDeadline(w)); err != nil {
					return err
				}
			}
			if err := tx.AppendEvent(storage.Event{At: now, Type: EvMeltdownComplete, Alert: w.ID, Actor: official,
				Detail: fmt.Sprintf("%d items", len(items)), Code: storage.CodeMeltdownComplete,
				Args: []storage.Arg{storage.Int("Items", len(items))}}); err != nil {
				return err
			}
		}
		if err := s.refreshBoard(tx, &w, items, now); err != nil {
			return err
		}
		return PutWarning(tx, w)
	})
	if err != nil {
		return it, err
	}
	s.engine.Committed()
	return it, nil
}

// confirmArgs are a confirmed 熔断 item in an event's typed detail.
func confirmArgs(it ChecklistItem) []storage.Arg {
	args := []storage.Arg{storage.Int("No", it.No), storage.Units("Unit", it.Unit),
		storage.Word("Action", storage.VocabMeltdownAction, it.Action)}
	if it.Count {
		args = append(args, storage.Int("Value", it.Value))
	}
	if it.Note != "" {
		args = append(args, storage.Text("Note", it.Note))
	}
	return args
}

func confirmDetail(it ChecklistItem) string {
	d := fmt.Sprintf("item %d %s %s", it.No, it.Unit, it.Action)
	if it.Count {
		d += fmt.Sprintf(": %d", it.Value)
	}
	if it.Note != "" {
		d += " (" + it.Note + ")"
	}
	return d
}

// SendBoard sends an official the live board of a warning (of every
// active warning with a checklist when id is empty) as a new message,
// which later changes edit; it returns how many boards were sent.
func (s *Service) SendBoard(official, id string) (int, error) {
	now := s.clock.Now()
	n := 0
	err := s.db.Update(func(tx *storage.Tx) error {
		n = 0
		var ws []Warning
		if id != "" {
			w, err := s.load(tx, id)
			if err != nil {
				return err
			}
			ws = []Warning{w}
		} else {
			var err error
			if ws, err = ActiveWarnings(tx); err != nil {
				return err
			}
		}
		for _, w := range ws {
			items, err := Checklist(tx, w.ID)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				if id != "" {
					return ErrNoMeltdown
				}
				continue
			}
			if !slices.Contains(w.Watchers, official) {
				w.Watchers = append(w.Watchers, official)
			}
			err = s.show(tx, boardScope(w.ID), w.ID, official, true, now, func(lang string) (string, [][]storage.Button) {
				return s.BoardText(lang, w, items, now), nil
			})
			if err != nil {
				return err
			}
			if err := PutWarning(tx, w); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		s.engine.WakeOutbox()
	}
	return n, err
}

// Fire implements scheduler.FireFunc for the deadlines "w:m:<warning>": at
// confirm_within after a warning, each unit with outstanding items gets a
// 叫应 alert listing them, escalated by the policy of weather.meltdown.level.
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, d := range due {
		id, ok := strings.CutPrefix(d.Key, deadlinePrefix)
		if !ok {
			s.log.Warn("weather: unknown deadline", "key", d.Key)
			continue
		}
		w, err := LoadWarning(tx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if w.State != WarningActive || w.Overdue || !w.ConfirmBy.Equal(d.At) {
			continue // lifted, done or rescheduled meanwhile
		}
		if err := s.overdue(tx, &w, now); err != nil {
			return err
		}
		if err := PutWarning(tx, w); err != nil {
			return err
		}
	}
	return nil
}

// overdue raises the outstanding items of each unit as a 叫应 alert.
func (s *Service) overdue(tx *storage.Tx, w *Warning, now time.Time) error {
	w.Overdue = true
	items, err := Checklist(tx, w.ID)
	if err != nil {
		return err
	}
	late := open(items)
	for _, u := range unitsOf(late) {
		if err := s.raiseOutstanding(tx, *w, u, ofUnit(late, u), now); err != nil {
			return err
		}
	}
	return s.refreshBoard(tx, w, items, now)
}

func (s *Service) raiseOutstanding(tx *storage.Tx, w Warning, unit string, items []ChecklistItem, now time.Time) error {
	lang := s.cfg.Language
	u, _ := s.cfg.Unit(unit)
	targets := callout.Targets{Units: []string{unit}}
	if _, ok := s.cfg.Official(u.Head); ok {
		targets = callout.Targets{Officials: []string{u.Head}}
	}
	lines := []string{s.tr.T(lang, "WarnOverdueBody", map[string]any{"Time": s.cfg.DeadlineTime(w.ConfirmBy)})}
	var nos []string
	for _, it := range items {
		lines = append(lines, "• "+s.ActionName(lang, it.Action)+colon(lang)+it.Text)
		nos = append(nos, strconv.Itoa(it.No))
	}
	level := s.cfg.Weather.Meltdown.Level
	_, err := s.engine.CreateIn(tx, callout.Request{Kind: KindMeltdown, Level: level,
		Title: s.tr.T(lang, "WarnOverdueTitle", map[string]any{"Unit": s.cfg.UnitName(unit), "Title": w.Title}),
		Body:  strings.Join(lines, "\n"), Targets: targets, Source: "weather",
		Links: []string{MeltdownLink(w.ID, unit)}, Steps: s.steps(level)}, now)
	var verr *callout.ValidationError
	switch {
	case errors.Is(err, callout.ErrLinked):
		return nil
	case errors.As(err, &verr):
		s.log.Error("weather: no one to call for outstanding 熔断 items", "warning", w.ID, "unit", unit, "reason", verr.Reason)
		return tx.AppendEvent(storage.Event{At: now, Type: EvMeltdownNoOne, Alert: w.ID, Actor: "system",
			Detail: unit + ": " + verr.Reason, Code: storage.CodeMeltdownNoOne, Args: []storage.Arg{storage.Units("Unit", unit)}})
	case err != nil:
		return err
	}
	return tx.AppendEvent(storage.Event{At: now, Type: EvMeltdownOverdue, Alert: w.ID, Actor: "system",
		Detail: fmt.Sprintf("%s: items %s", unit, strings.Join(nos, ",")),
		Code:   storage.CodeMeltdownOverdue, Args: []storage.Arg{storage.Units("Unit", unit), storage.Text("Items", strings.Join(nos, ","))}})
}
