package hazard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// The buttons on the loop's messages. Their data names the action, the
// hazard and the round it was sent in ("hz:ok:H20261202-01:2"), so a
// button left on an old message (the hazard was sent back and fixed again
// since, or someone else rechecked it) is known stale rather than acting
// on a step its presser never saw. The chat side reads them with
// ParsePress and checks them with Check; this package renders them with
// the notices that ask for the step.

// DataPrefix starts the data of every hazard button.
const DataPrefix = "hz:"

// Actions of the hazard buttons.
const (
	ActRectify  = "fix"   // 报告整改: photos and a note follow
	ActPass     = "ok"    // 复查通过
	ActSendBack = "back"  // 退回整改: the reason and a new deadline follow
	ActClose    = "close" // 销号
	ActOpen     = "open"  // show the hazard's card
	ActPhotos   = "pic"   // send the photos of the latest step that has some
)

// ErrStale is a button pressed after its step: the hazard moved on.
var ErrStale = errors.New("the hazard has moved on since this button was sent")

// Press is a hazard button's data.
type Press struct {
	Action string
	ID     string
	Round  int // the round the button was sent in; 0 for ActOpen and ActPhotos
}

// PressData is the data of a button taking action on h as it stands.
func PressData(action string, h Hazard) string {
	if action == ActOpen || action == ActPhotos {
		return DataPrefix + action + ":" + h.ID
	}
	return DataPrefix + action + ":" + h.ID + ":" + strconv.Itoa(h.Round)
}

// ParsePress reads a hazard button's data.
func ParsePress(data string) (Press, bool) {
	rest, ok := strings.CutPrefix(data, DataPrefix)
	if !ok {
		return Press{}, false
	}
	parts := strings.Split(rest, ":")
	switch {
	case len(parts) == 2 && (parts[0] == ActOpen || parts[0] == ActPhotos) && parts[1] != "":
		return Press{Action: parts[0], ID: parts[1]}, true
	case len(parts) != 3 || parts[1] == "":
		return Press{}, false
	}
	switch parts[0] {
	case ActRectify, ActPass, ActSendBack, ActClose:
	default:
		return Press{}, false
	}
	round, err := strconv.Atoi(parts[2])
	if err != nil || round < 0 {
		return Press{}, false
	}
	return Press{Action: parts[0], ID: parts[1], Round: round}, true
}

// stateFor is the state a hazard must be in for an action.
var stateFor = map[string]string{ActRectify: StateAssigned, ActPass: StateRectified,
	ActSendBack: StateRectified, ActClose: StateRechecked}

// Check reports whether official may take the pressed action on h now,
// by the rules the steps themselves apply: ErrForbidden for someone who
// may not manage the hazard, ErrStale when the hazard is no longer where
// the button was sent, ErrSelfRecheck for a recheck by whoever reported
// the fix. Any official may open a card; the photos are for those whom
// the hazard concerns or who may manage it.
func (s *Service) Check(official string, p Press, h Hazard) error {
	switch {
	case p.Action == ActOpen && s.official(official):
		return nil
	case p.Action == ActPhotos && (s.CanManage(official, h) || s.Concerns(official, h)):
		return nil
	case p.Action == ActOpen || p.Action == ActPhotos:
		return ErrForbidden
	}
	want, ok := stateFor[p.Action]
	switch {
	case !ok:
		return fmt.Errorf("%w: unknown action %q", ErrState, p.Action)
	case !s.CanManage(official, h):
		return ErrForbidden
	case h.State != want || h.Round != p.Round:
		return ErrStale
	case (p.Action == ActPass || p.Action == ActSendBack) && official == h.RectifiedBy:
		return ErrSelfRecheck
	}
	return nil
}

// CheckPrincipal reports whether the enterprise's own responsible person
// bound to chat may take the pressed action on h now: only 报告整改, only
// on a hazard of an enterprise whose 企业单位负责人 is bound to chat (as
// the registry lists them now), only in the round the button was sent in.
// ErrForbidden, whatever the hazard's state, for anyone else, so a forged
// button tells nothing of another enterprise's hazards.
func (s *Service) CheckPrincipal(chat int64, p Press, h Hazard) error {
	pl, ok := s.plaque(h.Enterprise)
	switch {
	case chat == 0 || !ok || pl.Principal.Chat != chat || p.ID != h.ID:
		return ErrForbidden
	case p.Action != ActRectify:
		return ErrForbidden
	case h.State != StateAssigned || h.Round != p.Round:
		return ErrStale
	}
	return nil
}

// Principal is the enterprise's own responsible person of a hazard's
// enterprise, as the registry has them now; ok is false when the registry
// does not hold the enterprise.
func (s *Service) Principal(h Hazard) (Person, bool) {
	p, ok := s.plaque(h.Enterprise)
	return p.Principal, ok
}

// principalButtons are the buttons under a notice to the enterprise's
// responsible person: 已整改 while the hazard waits for its fix.
func (s *Service) principalButtons(lang string, h Hazard) [][]storage.Button {
	if h.State != StateAssigned {
		return nil
	}
	return [][]storage.Button{{{Text: s.tr.T(lang, "ButtonHazardPrincipalRectify", nil), Data: PressData(ActRectify, h)}}}
}

// Buttons are the rows of the steps official may take on h as it stands.
func (s *Service) Buttons(lang, official string, h Hazard) [][]storage.Button {
	var row []storage.Button
	for _, a := range []struct{ action, label string }{
		{ActRectify, "ButtonHazardRectify"}, {ActPass, "ButtonHazardPass"},
		{ActSendBack, "ButtonHazardSendBack"}, {ActClose, "ButtonHazardClose"},
	} {
		p := Press{Action: a.action, ID: h.ID, Round: h.Round}
		if s.Check(official, p, h) == nil {
			row = append(row, storage.Button{Text: s.tr.T(lang, a.label, nil), Data: PressData(a.action, h)})
		}
	}
	var rows [][]storage.Button
	if row != nil {
		rows = append(rows, row)
	}
	// A recheck from afar starts from the photos of the fix.
	if n := len(LatestPhotos(h)); n > 0 && h.State == StateRectified && s.CanManage(official, h) {
		rows = append(rows, []storage.Button{{Text: s.tr.T(lang, "ButtonHazardPhotos", map[string]any{"Count": n}),
			Data: PressData(ActPhotos, h)}})
	}
	return rows
}

// LatestPhotos are the photos of a hazard's latest step that has some:
// those of the fix awaiting a recheck, else those taken when found.
func LatestPhotos(h Hazard) []string {
	for i := len(h.History) - 1; i >= 0; i-- {
		if len(h.History[i].Photos) > 0 {
			return h.History[i].Photos
		}
	}
	return h.Photos
}

// Recheckers are the officials asked to recheck a rectified hazard.
func (s *Service) Recheckers(h Hazard) []string { return s.recheckers(h, h.RectifiedBy) }

// tellActing is engine.Tell where each official gets, under the notice,
// the buttons of the steps they may take on h.
func (s *Service) tellActing(tx *storage.Tx, ids []string, h Hazard, now time.Time, render func(lang string) string) error {
	for _, id := range ids {
		err := s.engine.Tell(tx, []string{id}, "", s.ref(h), now,
			func(lang string) (string, [][]storage.Button) { return render(lang), s.Buttons(lang, id, h) })
		if err != nil {
			return err
		}
	}
	return nil
}

// Overdue reports whether an open hazard is past its deadline at now: it
// was marked so, or its deadline passed before the deadline runner got to
// it.
func Overdue(h Hazard, now time.Time) bool {
	return h.State == StateAssigned && (h.Overdue || (!h.Deadline.IsZero() && !now.Before(h.Deadline)))
}

// Concerns reports whether a hazard is among official's in /hazards: one
// they found or supervise or hold the plaque of, or in a unit they head or
// lead (分管); principals and admins see every one.
func (s *Service) Concerns(official string, h Hazard) bool {
	o, ok := s.cfg.Official(official)
	if !ok || official == "" {
		return false
	}
	if o.HasRole(config.RolePrincipal, config.RoleAdmin) || official == h.FoundBy || official == h.Supervisor || official == h.Administrator {
		return true
	}
	if p, ok := s.plaque(h.Enterprise); ok && (p.Supervisor == official || p.Administrator == official) {
		return true
	}
	u, ok := s.cfg.Unit(h.Unit)
	return ok && (u.Head == official || u.Leader == official)
}
