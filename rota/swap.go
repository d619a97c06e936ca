package rota

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

// Errors of swap button presses.
var (
	ErrSwapUnknown  = errors.New("unknown swap")
	ErrSwapNotYours = errors.New("this swap is not addressed to you")
)

// SwapStaleError is a press on a swap that has moved on.
type SwapStaleError struct{ State string }

func (e *SwapStaleError) Error() string { return "swap already " + e.State }

// Swap button operations.
const (
	SwapAccept  = "a"
	SwapDecline = "d"
	SwapApprove = "y"
	SwapReject  = "n"
)

// SwapData is the data of a swap button.
func SwapData(op, id string) string { return SwapPrefix + op + ":" + id }

// SwapPrefix starts the data of the swap buttons.
const SwapPrefix = "sw:"

// ParseSwapData parses a swap button's data.
func ParseSwapData(data string) (op, id string, ok bool) {
	rest, ok := strings.CutPrefix(data, SwapPrefix)
	if !ok {
		return "", "", false
	}
	op, id, ok = strings.Cut(rest, ":")
	switch {
	case !ok || id == "":
		return "", "", false
	case op == SwapAccept, op == SwapDecline, op == SwapApprove, op == SwapReject:
		return op, id, true
	}
	return "", "", false
}

// lookupOfficial finds an official by id, phone or name.
func (s *Service) lookupOfficial(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if o, ok := s.cfg.Official(ref); ok {
		return o.ID, nil
	}
	if o, ok := s.cfg.OfficialByPhone(config.NormalizePhone(ref)); ok {
		return o.ID, nil
	}
	var found []string
	for _, o := range s.cfg.People().Officials {
		if strings.TrimSpace(o.Name) == ref {
			found = append(found, o.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", refuse("RotaSwapUnknownPerson", map[string]any{"Text": ref})
	case 1:
		return found[0], nil
	}
	return "", refuse("RotaSwapAmbiguous", map[string]any{"Text": ref})
}

// findShift finds the requester's shift by id or by the date it starts on.
func (s *Service) findShift(tx *storage.Tx, requester, ref string, now time.Time) (Shift, error) {
	if sh, err := LoadShift(tx, ref); err == nil {
		if !sh.Has(requester) {
			return sh, refuse("RotaSwapNotYours", nil)
		}
		return sh, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return sh, err
	}
	day, ok := s.parseDate(ref, now, true)
	if !ok {
		return Shift{}, refuse("RotaSwapBadShift", map[string]any{"Text": ref})
	}
	all, err := ShiftsStarting(tx, day, day.AddDate(0, 0, 1))
	if err != nil {
		return Shift{}, err
	}
	var mine []Shift
	for _, sh := range all {
		if sh.Has(requester) {
			mine = append(mine, sh)
		}
	}
	if len(mine) == 0 {
		return Shift{}, refuse("RotaSwapNoShift", map[string]any{"Date": day.Format("2006-01-02")})
	}
	for _, sh := range mine {
		if sh.Start.After(now) {
			return sh, nil
		}
	}
	return mine[0], nil
}

// swapBlocked says why colleague cannot take requester's place on sh now,
// or returns nil.
func (s *Service) swapBlocked(tx *storage.Tx, sh Shift, requester, colleague string, now time.Time) error {
	switch {
	case !sh.Start.After(now):
		return refuse("RotaSwapStarted", map[string]any{"Shift": sh.ID})
	case !sh.Has(requester):
		return refuse("RotaSwapNotYours", nil)
	case colleague == requester:
		return refuse("RotaSwapSelf", nil)
	case sh.Has(colleague):
		return refuse("RotaSwapAlreadyOn", map[string]any{"Name": s.cfg.OfficialName(colleague)})
	}
	other, err := ShiftsOverlapping(tx, sh.Start, sh.End)
	if err != nil {
		return err
	}
	for _, o := range other {
		if o.ID != sh.ID && o.Has(colleague) {
			return refuse("RotaSwapOverlap", map[string]any{"Name": s.cfg.OfficialName(colleague), "Shift": o.ID})
		}
	}
	return nil
}

// bound reports whether an official can be reached in Telegram.
func bound(tx *storage.Tx, official string) bool {
	b, err := tx.Binding(official)
	return err == nil && !b.Unreachable
}

// approvers returns who approves a swap: the shift's 带班领导; when the
// requester is the leader, the office head; the admins when that person
// is missing, cannot be reached or is part of the swap.
func (s *Service) approvers(tx *storage.Tx, sh Shift, requester, colleague string) []string {
	first := sh.Leader
	if requester == sh.Leader {
		first = s.officeHead()
	}
	if first != "" && first != requester && first != colleague && bound(tx, first) {
		return []string{first}
	}
	var out []string
	for _, a := range s.cfg.OfficialsWithRole(config.RoleAdmin) {
		if a.ID != requester && a.ID != colleague && bound(tx, a.ID) {
			out = append(out, a.ID)
		}
	}
	return out
}

// RequestSwap asks colleague (by id, name or phone) to take requester's
// place on a shift (by id or date) that has not started. The colleague
// accepts or declines, then the approver decides.
func (s *Service) RequestSwap(requester, shiftRef, colleagueRef string) (Swap, Shift, error) {
	now := s.clock.Now()
	colleague, err := s.lookupOfficial(colleagueRef)
	if err != nil {
		return Swap{}, Shift{}, err
	}
	var sw Swap
	var sh Shift
	err = s.db.Update(func(tx *storage.Tx) error {
		var err error
		if sh, err = s.findShift(tx, requester, strings.TrimSpace(shiftRef), now); err != nil {
			return err
		}
		if err := s.swapBlocked(tx, sh, requester, colleague, now); err != nil {
			return err
		}
		if !bound(tx, colleague) {
			return refuse("RotaSwapColleagueUnbound", map[string]any{"Name": s.cfg.OfficialName(colleague)})
		}
		open, err := OpenSwaps(tx, sh.ID)
		if err != nil {
			return err
		}
		for _, o := range open {
			if o.Requester == requester {
				return refuse("RotaSwapPending", map[string]any{"ID": o.ID})
			}
		}
		approvers := s.approvers(tx, sh, requester, colleague)
		if len(approvers) == 0 {
			return refuse("RotaSwapNoApprover", nil)
		}
		id, err := NextSwapID(tx)
		if err != nil {
			return err
		}
		sw = Swap{ID: id, Shift: sh.ID, ShiftStart: sh.Start, Requester: requester, Colleague: colleague,
			Leader: sh.Leader == requester, Approvers: approvers, State: SwapRequested, CreatedAt: now}
		if err := PutSwap(tx, sw); err != nil {
			return err
		}
		err = s.engine.Tell(tx, []string{colleague}, "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.SwapAskText(lang, sw, sh), [][]storage.Button{{
					{Text: s.T(lang, "RotaButtonAccept", nil), Data: SwapData(SwapAccept, id)},
					{Text: s.T(lang, "RotaButtonDecline", nil), Data: SwapData(SwapDecline, id)}}}
			})
		if err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: EvSwapRequested, Official: colleague,
			Actor: requester, Detail: s.swapDetail(sw), Code: storage.CodeSwap, Args: swapArgs(sw, sh)})
	})
	if err != nil {
		return Swap{}, sh, err
	}
	s.engine.WakeOutbox()
	return sw, sh, nil
}

func (s *Service) swapDetail(sw Swap) string {
	role := "staff"
	if sw.Leader {
		role = "leader"
	}
	return fmt.Sprintf("swap %s: shift %s %s %s → %s", sw.ID, sw.Shift, role, sw.Requester, sw.Colleague)
}

// swapArgs are a swap in an event's typed detail: the shift's hours (its
// start when the shift is gone), the place handed over and who hands it
// to whom.
func swapArgs(sw Swap, sh Shift) []storage.Arg {
	shift := storage.Time("Shift", sw.ShiftStart)
	if sh.ID == sw.Shift && sh.Start.Equal(sw.ShiftStart) {
		shift = shiftArg(sh)
	}
	role := storage.WordStaff
	if sw.Leader {
		role = storage.WordLeader
	}
	return []storage.Arg{shift, storage.Word("Role", storage.VocabWord, role),
		storage.Officials("From", sw.Requester), storage.Officials("To", sw.Colleague)}
}

// goneWords are the reasons a swap expires, as event words.
var goneWords = map[string]string{"RotaSwapGoneChanged": storage.WordChanged, "RotaSwapGoneStarted": storage.WordStarted}

// swapRole names the place handed over: 带班领导 or 值班人员.
func (s *Service) swapRole(lang string, sw Swap) string {
	if sw.Leader {
		return s.T(lang, "RotaRoleLeader", nil)
	}
	return s.T(lang, "RotaRoleStaff", nil)
}

func (s *Service) swapData(lang string, sw Swap, sh Shift) map[string]any {
	return map[string]any{"ID": sw.ID, "From": s.cfg.OfficialName(sw.Requester), "FromUnit": s.cfg.UnitNameOf(sw.Requester),
		"To": s.cfg.OfficialName(sw.Colleague), "Role": s.swapRole(lang, sw), "Hours": s.Hours(lang, sh),
		"Shift": sw.Shift, "Approver": s.names(sw.Approvers), "By": s.cfg.OfficialName(sw.DecidedBy)}
}

// SwapAskText is the request shown to the colleague.
func (s *Service) SwapAskText(lang string, sw Swap, sh Shift) string {
	return s.T(lang, "RotaSwapAsk", s.swapData(lang, sw, sh)) + "\n" + s.Describe(lang, sh, nil)
}

// SwapApproveText is the question shown to the approver.
func (s *Service) SwapApproveText(lang string, sw Swap, sh Shift) string {
	return s.T(lang, "RotaSwapAskApprove", s.swapData(lang, sw, sh)) + "\n" + s.Describe(lang, sh, nil)
}

// SwapOutcome is the line that ends a swap message once pressed.
func (s *Service) SwapOutcome(lang string, sw Swap, at time.Time) string {
	reason := ""
	if sw.Reason != "" {
		reason = s.T(lang, sw.Reason, nil)
	}
	return s.T(lang, "RotaSwapOutcome_"+sw.State, map[string]any{"Time": at.In(s.loc).Format("01-02 15:04"),
		"Reason": reason})
}

// SwapPress is what a swap button press did.
type SwapPress struct {
	Swap  Swap
	Shift Shift // as asked about
	// Changed is the shift as the approved swap made it.
	Changed *Shift
}

// loadSwap loads a swap for a press.
func (s *Service) loadSwap(tx *storage.Tx, id string) (Swap, error) {
	sw, err := LoadSwap(tx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return sw, ErrSwapUnknown
	}
	return sw, err
}

// stillPossible checks a swap against the shift as it is now; when it can
// no longer happen the swap expires (in the caller's transaction) and the
// refusal says why.
func (s *Service) stillPossible(tx *storage.Tx, sw *Swap, now time.Time) (Shift, error) {
	sh, err := LoadShift(tx, sw.Shift)
	reason := ""
	switch {
	case errors.Is(err, storage.ErrNotFound):
		reason = "RotaSwapGoneChanged"
	case err != nil:
		return sh, err
	case !sh.Start.Equal(sw.ShiftStart) || !sh.Has(sw.Requester) || (sw.Leader != (sh.Leader == sw.Requester)):
		reason = "RotaSwapGoneChanged"
	case !sh.Start.After(now):
		reason = "RotaSwapGoneStarted"
	default:
		if err := s.swapBlocked(tx, sh, sw.Requester, sw.Colleague, now); err != nil {
			var r *Refusal
			if !errors.As(err, &r) {
				return sh, err
			}
			reason = "RotaSwapGoneChanged"
		}
	}
	if reason == "" {
		return sh, nil
	}
	if err := s.expire(tx, sw, sh, reason, now); err != nil {
		return sh, err
	}
	return sh, refuse("RotaToastSwapGone", map[string]any{"Reason": MsgID(reason)})
}

// expire ends an open swap that can no longer happen and tells its people.
func (s *Service) expire(tx *storage.Tx, sw *Swap, sh Shift, reason string, now time.Time) error {
	sw.State, sw.Reason, sw.DecidedAt, sw.DecidedBy = SwapExpired, reason, now, "system"
	if err := PutSwap(tx, *sw); err != nil {
		return err
	}
	s2 := *sw
	err := s.engine.Tell(tx, []string{sw.Requester, sw.Colleague}, "", storage.Ref{Kind: storage.RefInfo}, now,
		func(lang string) (string, [][]storage.Button) {
			d := s.swapData(lang, s2, sh)
			d["Reason"] = s.T(lang, reason, nil)
			return s.T(lang, "RotaSwapExpiredNote", d), nil
		})
	if err != nil {
		return err
	}
	return tx.AppendEvent(storage.Event{At: now, Type: EvSwapExpired, Official: sw.Requester, Actor: "system",
		Detail: s.swapDetail(*sw) + ": " + reason, Code: storage.CodeSwapExpired,
		Args: append(swapArgs(*sw, sh), storage.Word("Reason", storage.VocabWord, goneWords[reason]))})
}

// expireSwaps ends the open swaps of a shift (it starts).
func (s *Service) expireSwaps(tx *storage.Tx, sh Shift, reason string, now time.Time) error {
	open, err := OpenSwaps(tx, sh.ID)
	if err != nil {
		return err
	}
	for _, sw := range open {
		if err := s.expire(tx, &sw, sh, reason, now); err != nil {
			return err
		}
	}
	return nil
}

// pressSwap runs a press on swap id in one transaction: the swap must be
// in state want and may(swap) must hold for the presser; a swap no longer
// possible (the shift started, the colleague got busy) is expired and its
// refusal returned; otherwise act decides it.
func (s *Service) pressSwap(id, want string, may func(Swap) bool,
	act func(tx *storage.Tx, sw Swap, sh Shift, now time.Time, out *SwapPress) error) (SwapPress, error) {
	now := s.clock.Now()
	var out SwapPress
	var gone error
	err := s.db.Update(func(tx *storage.Tx) error {
		out, gone = SwapPress{}, nil
		sw, err := s.loadSwap(tx, id)
		if err != nil {
			return err
		}
		out.Swap = sw
		if !may(sw) {
			return ErrSwapNotYours
		}
		if sw.State != want {
			return &SwapStaleError{State: sw.State}
		}
		sh, err := s.stillPossible(tx, &sw, now)
		out.Swap, out.Shift = sw, sh
		if err != nil {
			var r *Refusal
			if errors.As(err, &r) {
				gone = r
				return nil // keep the expiry
			}
			return err
		}
		return act(tx, sw, sh, now, &out)
	})
	if err == nil {
		s.engine.Committed()
		err = gone
	}
	return out, err
}

// settleSwap stores a swap's new state, tells people the note and records
// the event, in tx.
func (s *Service) settleSwap(tx *storage.Tx, sw Swap, sh Shift, to []string, note, event, official, actor string, now time.Time) error {
	if err := PutSwap(tx, sw); err != nil {
		return err
	}
	if err := s.engine.Tell(tx, to, "", storage.Ref{Kind: storage.RefInfo}, now,
		func(lang string) (string, [][]storage.Button) {
			return s.T(lang, note, s.swapData(lang, sw, sh)), nil
		}); err != nil {
		return err
	}
	return tx.AppendEvent(storage.Event{At: now, Type: event, Official: official, Actor: actor, Detail: s.swapDetail(sw),
		Code: storage.CodeSwap, Args: swapArgs(sw, sh)})
}

// AnswerSwap records the colleague's answer: accepted swaps go to the
// approver, declined ones end.
func (s *Service) AnswerSwap(presser, id string, accept bool) (SwapPress, error) {
	may := func(sw Swap) bool { return presser == sw.Colleague }
	return s.pressSwap(id, SwapRequested, may, func(tx *storage.Tx, sw Swap, sh Shift, now time.Time, out *SwapPress) error {
		sw.AnsweredAt = now
		if !accept {
			sw.State = SwapDeclined
			out.Swap = sw
			return s.settleSwap(tx, sw, sh, []string{sw.Requester}, "RotaSwapDeclinedNote", EvSwapDeclined, sw.Requester, presser, now)
		}
		sw.State = SwapAccepted
		// The approvers are chosen again: who can be reached may have changed.
		if a := s.approvers(tx, sh, sw.Requester, sw.Colleague); len(a) > 0 {
			sw.Approvers = a
		}
		out.Swap = sw
		if err := s.engine.Tell(tx, sw.Approvers, "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.SwapApproveText(lang, sw, sh), [][]storage.Button{{
					{Text: s.T(lang, "RotaButtonApprove", nil), Data: SwapData(SwapApprove, sw.ID)},
					{Text: s.T(lang, "RotaButtonReject", nil), Data: SwapData(SwapReject, sw.ID)}}}
			}); err != nil {
			return err
		}
		return s.settleSwap(tx, sw, sh, []string{sw.Requester}, "RotaSwapAcceptedNote", EvSwapAccepted, sw.Requester, presser, now)
	})
}

// DecideSwap records the approver's decision; an approved swap changes the
// roster (the requester replaced, source "swap:<id>", a note added), moves
// the shift's reminders and check-in to the new person, and tells everyone.
func (s *Service) DecideSwap(presser, id string, approve bool) (SwapPress, error) {
	may := func(sw Swap) bool { return slices.Contains(sw.Approvers, presser) }
	return s.pressSwap(id, SwapAccepted, may, func(tx *storage.Tx, sw Swap, sh Shift, now time.Time, out *SwapPress) error {
		sw.DecidedAt, sw.DecidedBy = now, presser
		if !approve {
			sw.State = SwapRejected
			out.Swap = sw
			return s.settleSwap(tx, sw, sh, []string{sw.Requester, sw.Colleague}, "RotaSwapRejectedNote", EvSwapRejected, sw.Requester, presser, now)
		}
		sw.State = SwapApproved
		out.Swap = sw
		if err := PutSwap(tx, sw); err != nil {
			return err
		}
		if err := s.unscheduleShift(tx, sh); err != nil {
			return err
		}
		changed := sh
		if sw.Leader {
			changed.Leader = sw.Colleague
		} else {
			changed.Staff = slices.Clone(sh.Staff)
			for i, p := range changed.Staff {
				if p == sw.Requester {
					changed.Staff[i] = sw.Colleague
				}
			}
		}
		changed.Source = "swap:" + sw.ID
		note := s.T(s.cfg.Language, "RotaSwapShiftNote", s.swapData(s.cfg.Language, sw, sh))
		changed.Note = strings.TrimSpace(strings.TrimSpace(changed.Note) + " " + note)
		if err := PutShift(tx, changed); err != nil {
			return err
		}
		if err := s.scheduleShift(tx, changed, now); err != nil {
			return err
		}
		out.Changed = &changed
		told := addUnique(people(changed), sw.Requester)
		told = addUnique(told, sw.Approvers...)
		if err := s.engine.Tell(tx, told, "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.T(lang, "RotaSwapApprovedNote", s.swapData(lang, sw, changed)) + "\n" +
					s.Describe(lang, changed, nil), nil
			}); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: EvSwapApproved, Official: sw.Colleague,
			Actor: presser, Detail: s.swapDetail(sw), Code: storage.CodeSwap, Args: swapArgs(sw, sh)})
	})
}
