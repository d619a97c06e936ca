package tips

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"dutybot/storage"
)

// Reveal opens the seal of an anonymous tip for an official of
// tips.reveal_roles (to pay a reward). The identity goes to the revealer's
// own chat only; the opening is recorded (event tip_revealed: the
// revealer, the reason, never the identity) and the 应急办 head is told.
func (s *Service) Reveal(actor, ref, reason string) (Tipster, error) {
	reason = strings.TrimSpace(reason)
	if !s.CanReveal(actor) {
		return Tipster{}, ErrForbidden
	}
	switch {
	case reason == "":
		return Tipster{}, ErrNoReason
	case utf8.RuneCountInString(reason) > MaxReason:
		return Tipster{}, ErrTooLong
	}
	now := s.clock.Now()
	var who Tipster
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := s.load(tx, ref)
		if err != nil {
			return err
		}
		if !t.Anonymous {
			return ErrNotAnonymous
		}
		if who, err = UnsealTipster(tx, ref); err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvRevealed, Alert: ref, Actor: actor,
			Detail: reason, Code: storage.CodeTipRevealed, Args: []storage.Arg{storage.Text("Reason", reason)}}); err != nil {
			return err
		}
		if err := s.engine.Tell(tx, []string{actor}, "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.IdentityText(lang, ref, who, reason), nil
			}); err != nil {
			return err
		}
		head := s.officeHead()
		if head == "" {
			return nil
		}
		return s.engine.Tell(tx, []string{head}, "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.tr.T(lang, "TipRevealedNotice", map[string]any{"Ref": ref, "By": s.cfg.OfficialName(actor),
					"Reason": reason, "Time": s.when(now)}), nil
			})
	})
	if err != nil {
		return Tipster{}, err
	}
	s.engine.WakeOutbox()
	s.log.Info("anonymous tipster revealed", "tip", ref, "by", actor)
	return who, nil
}

// amountRE reads a reward in yuan: "500", "500.5", "500元", "¥500".
var amountRE = regexp.MustCompile(`^[¥￥]?\s*(\d{1,7})(?:\.(\d{1,2}))?\s*(?:元|yuan|RMB|rmb|CNY)?$`)

// ParseAmount reads a reward in yuan and returns it normalised ("500",
// "500.50"); false for anything else or zero.
func ParseAmount(s string) (string, bool) {
	m := amountRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	whole := strings.TrimLeft(m[1], "0")
	frac := m[2]
	if len(frac) == 1 {
		frac += "0"
	}
	if whole == "" && strings.Trim(frac, "0") == "" {
		return "", false
	}
	if whole == "" {
		whole = "0"
	}
	if frac == "" || frac == "00" {
		return whole, true
	}
	return whole + "." + frac, true
}

// Reward records a reward paid for a verified tip (event tip_rewarded) and
// tells the tipster and the 应急办 head.
func (s *Service) Reward(actor, ref, amount string) (Tip, error) {
	if !s.CanReveal(actor) {
		return Tip{}, ErrForbidden
	}
	yuan, ok := ParseAmount(amount)
	if !ok {
		return Tip{}, ErrBadAmount
	}
	now := s.clock.Now()
	var t Tip
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if t, err = s.load(tx, ref); err != nil {
			return err
		}
		switch {
		case t.State != StateClosed || !t.Verified:
			return ErrNotVerified
		case t.Reward != "":
			return ErrRewarded
		}
		t.Reward, t.RewardedAt, t.RewardedBy = yuan, now, actor
		if err := PutTip(tx, t); err != nil {
			return err
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvRewarded, Alert: ref, Actor: actor,
			Detail: yuan + " yuan", Code: storage.CodeTipRewarded, Args: []storage.Arg{storage.Text("Yuan", yuan)}}); err != nil {
			return err
		}
		if err := s.tellTipsterOf(tx, ref, now, func(lang string) string {
			return s.tr.T(lang, "TipTipsterRewarded", map[string]any{"Ref": ref, "Amount": yuan})
		}); err != nil {
			return err
		}
		var to []string
		if head := s.officeHead(); head != "" && head != actor {
			to = append(to, head)
		}
		return s.engine.Tell(tx, to, "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.tr.T(lang, "TipRewardedNotice", map[string]any{"Ref": ref, "Amount": yuan,
					"By": s.cfg.OfficialName(actor)}), nil
			})
	})
	if err != nil {
		return Tip{}, err
	}
	s.engine.WakeOutbox()
	return t, nil
}
