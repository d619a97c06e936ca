package bot

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
	"dutybot/tips"
)

// Hazard tips' chat side: /tip (a guided report, named or anonymous), the
// tipster's /tip <ref>, and the handlers' buttons and commands (assign,
// close, reveal, reward, stats). Callers may be unbound: enterprise workers
// who only started the bot. Messages of the tip flow name no official in
// their outbox record, so nothing recorded ties an anonymous tip to its
// tipster's chat.

// tipRefRE matches a tip reference as people type it.
var tipRefRE = regexp.MustCompile(`^[Tt]\d{4}-\d{4,6}$`)

// tipService is the hazard-tip service.
func (b *Bot) tipService() *tips.Service { return b.Tips }

// Flows of the tip feature.
const (
	flowTip       = "tip"        // the tipster's guided /tip
	flowTipHandle = "tip.handle" // a handler's typed days or result
)

// tipFeature is /tip: the public's guided report and the handlers'
// commands, buttons and typed answers.
func (b *Bot) tipFeature() feature {
	return feature{name: "tips",
		commands: []commandRoute{{name: "tip", public: true, handle: func(_ context.Context, c caller, cmd command, m *models.Message) {
			// Enterprise workers who only started the bot may report hazards.
			b.onTipCommand(c, cmd.args, m)
		}}},
		callbacks: []callbackRoute{{prefix: tips.DataPrefix, public: true, handle: b.tipPressed}},
		flows: []flow{
			{name: flowTip, label: "FlowTip", again: "FlowTipAgain", ttl: tipDraftTTL, public: true,
				input: func(c caller, cv storage.Conversation, m *models.Message) {
					if d, ok := decodeFlow[tipDraft](b, c, cv); ok {
						b.onTipDraftInput(c, d, m)
					}
				}},
			{name: flowTipHandle, label: "FlowTipHandle", ttl: promptTTL,
				input: func(c caller, cv storage.Conversation, m *models.Message) {
					if p, ok := decodeFlow[tipPrompt](b, c, cv); ok {
						b.onTipPromptInput(c, p, m)
					}
				}},
		},
	}
}

// onTipCommand handles /tip and /tip <ref>.
func (b *Bot) onTipCommand(c caller, args string, m *models.Message) {
	if !c.private {
		b.reply(c, b.t(c, "TipPrivateOnly", nil))
		return
	}
	sub, rest := cutWord(args)
	switch strings.ToLower(sub) {
	case "":
		b.onTipList(c, m)
	case "new", "新", "新举报", "举报":
		b.startTipFlow(c, m)
	case "cancel", "取消":
		b.onCancel(c)
	case "help", "帮助":
		b.tipReply(c, b.tipUsage(c), nil)
	case "close", "办结":
		b.onTipClose(c, rest)
	case "assign", "指派", "交办":
		b.onTipAssign(c, rest)
	case "reveal", "揭示":
		b.onTipReveal(c, rest)
	case "reward", "奖励":
		b.onTipReward(c, rest)
	case "stats", "统计":
		b.onTipStats(c, rest)
	default:
		if !tipRefRE.MatchString(sub) || rest != "" {
			b.tipReply(c, b.tipUsage(c), nil)
			return
		}
		b.onTipLookup(c, strings.ToUpper(sub))
	}
}

// tipUsage is the help for the caller: tipsters see their commands,
// handlers theirs too.
func (b *Bot) tipUsage(c caller) string {
	s := b.tipService()
	parts := []string{b.t(c, "TipUsage", nil)}
	id := c.official.ID
	if c.bound && (s.CanTriage(id) || s.CanReveal(id) || s.CanStats(id) || c.official.Unit != "") {
		parts = append(parts, b.t(c, "TipUsageHandler", map[string]any{"Triage": s.CanTriage(id),
			"Reveal": s.CanReveal(id), "Stats": s.CanStats(id)}))
	}
	return strings.Join(parts, "\n")
}

// onTipList lists the caller's own tips, or starts a report when there
// are none.
func (b *Bot) onTipList(c caller, m *models.Message) {
	mine, err := b.tipService().Mine(c.chatID)
	if err != nil {
		b.Log.Error("list own tips", "err", err)
		b.tipReply(c, b.t(c, "InternalError", nil), nil)
		return
	}
	if len(mine) == 0 {
		b.startTipFlow(c, m)
		return
	}
	b.tipReply(c, b.tipService().ListText(c.lang, mine),
		[][]storage.Button{{{Text: b.t(c, "TipButtonNew", nil), Data: tipDraftPrefix + "new"}}})
}

// onTipLookup shows a tip: to its tipster their view, to its handlers
// theirs (never an anonymous tipster); to anyone else it does not exist.
func (b *Bot) onTipLookup(c caller, ref string) {
	s := b.tipService()
	t, err := s.MineRef(c.chatID, ref)
	if err == nil {
		b.tipReply(c, s.TipsterText(c.lang, t), nil)
		return
	}
	if !errors.Is(err, tips.ErrUnknown) {
		b.Log.Error("look a tip up", "tip", ref, "err", err)
		b.tipReply(c, b.t(c, "InternalError", nil), nil)
		return
	}
	if c.bound {
		if t, err := s.See(c.official.ID, ref); err == nil {
			b.tipReply(c, s.HandlerText(c.lang, t), b.tipActions(c, t))
			return
		}
	}
	b.tipReply(c, b.t(c, "TipNotFound", map[string]any{"Ref": ref}), nil)
}

// tipActions are the buttons a handler may press on a tip now.
func (b *Bot) tipActions(c caller, t tips.Tip) [][]storage.Button {
	s := b.tipService()
	switch {
	case t.State == tips.StateNew && s.CanTriage(c.official.ID):
		return s.OfficeButtons(c.lang, t)
	case t.State == tips.StateAssigned && s.CanClose(c.official.ID, t):
		return s.UnitButtons(c.lang, t)
	}
	return nil
}

// onTipClose handles /tip close <ref> 属实|不属实 <result>.
func (b *Bot) onTipClose(c caller, args string) {
	ref, rest := cutWord(args)
	word, result := cutWord(rest)
	verified, ok := parseVerdict(word)
	if !c.bound || !tipRefRE.MatchString(ref) || !ok || result == "" {
		b.tipReply(c, b.t(c, "TipCloseUsage", nil), nil)
		return
	}
	b.closeTip(c, strings.ToUpper(ref), verified, result)
}

func (b *Bot) closeTip(c caller, ref string, verified bool, result string) {
	if _, err := b.tipService().Close(c.official.ID, ref, verified, result); err != nil {
		b.tipFailed(c, ref, err)
		return
	}
	b.tipReply(c, b.t(c, "TipClosedOK", map[string]any{"Ref": ref, "Verified": verified}), b.tipClosedButtons(c, ref, verified))
}

// parseVerdict reads whether a closed tip was found true.
func parseVerdict(w string) (verified, ok bool) {
	switch strings.ToLower(w) {
	case "属实", "核实", "已核实", "verified", "true", "yes", "是":
		return true, true
	case "不属实", "未核实", "unverified", "not-verified", "false", "no", "否":
		return false, true
	}
	return false, false
}

// onTipAssign handles /tip assign <ref> <unit> [days]; it may reassign.
func (b *Bot) onTipAssign(c caller, args string) {
	ref, rest := cutWord(args)
	unitWord, daysWord := cutWord(rest)
	if !c.bound || !tipRefRE.MatchString(ref) || unitWord == "" {
		b.tipReply(c, b.t(c, "TipAssignUsage", nil), nil)
		return
	}
	unit, ok := b.unitByWord(unitWord)
	if !ok {
		b.tipReply(c, b.t(c, "TipUnknownUnit", map[string]any{"Unit": unitWord}), nil)
		return
	}
	var within time.Duration
	if daysWord != "" {
		days, ok := parseDays(daysWord)
		if !ok {
			b.tipReply(c, b.t(c, "TipBadDays", nil), nil)
			return
		}
		within = time.Duration(days) * 24 * time.Hour
	}
	b.assignTip(c, strings.ToUpper(ref), unit, within, true)
}

func (b *Bot) assignTip(c caller, ref, unit string, within time.Duration, reassign bool) bool {
	t, err := b.tipService().Assign(c.official.ID, ref, unit, within, reassign)
	if err != nil {
		b.tipFailed(c, ref, err)
		return false
	}
	b.tipReply(c, b.t(c, "TipAssignedOK", map[string]any{"Ref": ref, "Unit": b.Config.UnitName(unit),
		"Due": t.Due.In(b.Config.Location).Format("2006-01-02 15:04")}), nil)
	return true
}

// unitByWord finds a unit by id or name.
func (b *Bot) unitByWord(w string) (string, bool) {
	for _, u := range b.Config.People().Units {
		if strings.EqualFold(u.ID, w) || u.Name == w {
			return u.ID, true
		}
	}
	return "", false
}

// daysRE reads a number of days: "3", "3天", "3 days".
var daysRE = regexp.MustCompile(`^\s*(\d{1,3})\s*(?:天|日|d|day|days)?\s*$`)

func parseDays(s string) (int, bool) {
	m := daysRE.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, n >= 1 && n <= tips.MaxDays
}

// onTipReveal handles /tip reveal <ref> <reason>.
func (b *Bot) onTipReveal(c caller, args string) {
	ref, reason := cutWord(args)
	if !c.bound || !b.tipService().CanReveal(c.official.ID) {
		b.tipReply(c, b.t(c, "TipRevealForbidden", nil), nil)
		return
	}
	if !tipRefRE.MatchString(ref) || reason == "" {
		b.tipReply(c, b.t(c, "TipRevealUsage", nil), nil)
		return
	}
	// The identity goes to this chat through the outbox, with the record.
	if _, err := b.tipService().Reveal(c.official.ID, strings.ToUpper(ref), reason); err != nil {
		b.tipFailed(c, strings.ToUpper(ref), err)
	}
}

// onTipReward handles /tip reward <ref> <amount>.
func (b *Bot) onTipReward(c caller, args string) {
	ref, amount := cutWord(args)
	if !c.bound || !b.tipService().CanReveal(c.official.ID) {
		b.tipReply(c, b.t(c, "TipRewardForbidden", nil), nil)
		return
	}
	if !tipRefRE.MatchString(ref) || amount == "" {
		b.tipReply(c, b.t(c, "TipRewardUsage", nil), nil)
		return
	}
	ref = strings.ToUpper(ref)
	t, err := b.tipService().Reward(c.official.ID, ref, amount)
	if err != nil {
		b.tipFailed(c, ref, err)
		return
	}
	b.tipReply(c, b.t(c, "TipRewardedOK", map[string]any{"Ref": ref, "Amount": t.Reward}), nil)
}

// onTipStats handles /tip stats [months].
func (b *Bot) onTipStats(c caller, args string) {
	s := b.tipService()
	if !c.bound || !s.CanStats(c.official.ID) {
		b.tipReply(c, b.t(c, "TipStatsForbidden", nil), nil)
		return
	}
	n := 12
	if args != "" {
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(args)); err != nil {
			n = 0
		}
	}
	months, err := s.Stats(n)
	if err != nil {
		b.tipFailed(c, "", err)
		return
	}
	b.tipReply(c, s.StatsText(c.lang, months), nil)
}

// tipFailed answers an error of the tip service.
func (b *Bot) tipFailed(c caller, ref string, err error) {
	b.tipReply(c, b.tipErrorText(c, ref, err), nil)
}

// tipErrorText says what went wrong in the caller's language.
func (b *Bot) tipErrorText(c caller, ref string, err error) string {
	data := map[string]any{"Ref": ref, "Max": tips.MaxDays}
	for _, e := range []struct {
		err error
		id  string
	}{
		{tips.ErrUnknown, "TipNotFound"}, {tips.ErrForbidden, "TipForbidden"}, {tips.ErrClosed, "TipErrClosed"},
		{tips.ErrAssigned, "TipErrAssigned"}, {tips.ErrNotVerified, "TipErrNotVerified"},
		{tips.ErrRewarded, "TipErrRewarded"}, {tips.ErrNotAnonymous, "TipErrNotAnonymous"},
		{tips.ErrNoText, "TipAskText"}, {tips.ErrNoPlace, "TipAskPlace"}, {tips.ErrTooLong, "TipErrTooLong"},
		{tips.ErrTooMany, "TipErrTooMany"}, {tips.ErrBadUnit, "TipErrBadUnit"}, {tips.ErrBadWithin, "TipBadDays"},
		{tips.ErrNoResult, "TipCloseUsage"}, {tips.ErrNoReason, "TipRevealUsage"},
		{tips.ErrBadAmount, "TipErrBadAmount"}, {tips.ErrBadMonths, "TipErrBadMonths"},
	} {
		if errors.Is(err, e.err) {
			return b.t(c, e.id, data)
		}
	}
	b.Log.Error("hazard tip", "tip", ref, "err", err)
	return b.t(c, "InternalError", nil)
}

// tipReply queues a message to the caller's chat naming no official, so
// its record says nothing of who is in the chat.
func (b *Bot) tipReply(c caller, text string, buttons [][]storage.Button) {
	if !b.mayAnswerTipster(c) {
		return
	}
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: text, Buttons: buttons,
		Ref: storage.Ref{Kind: storage.RefInfo}})
}

// tipEdit rewrites a message of the caller's chat.
func (b *Bot) tipEdit(c caller, msgID int, text string, buttons [][]storage.Button) {
	if msgID == 0 {
		b.tipReply(c, text, buttons)
		return
	}
	if !b.mayAnswerTipster(c) {
		return
	}
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text, Buttons: buttons,
		Ref: storage.Ref{Kind: storage.RefInfo}})
}
