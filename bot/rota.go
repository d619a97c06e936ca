package bot

// The roster's chat side: /duty, /roster, /spotcheck, /swap, and the
// handover (交接班) and swap buttons. Check-in (到岗签到) and spot-check
// answers are 叫应 acknowledgements handled by callout.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"dutybot/rota"
	"dutybot/storage"
)

// flowHandover waits for a 交接班 note after its button was pressed.
const flowHandover = "handover"

// handoverWait is the shift whose note the chat's next text is.
type handoverWait struct {
	Shift string `json:"shift"`
}

// rotaFeature is the roster's chat side; a bot built without the roster
// service has none.
func (b *Bot) rotaFeature() feature {
	if b.Rota == nil {
		return feature{name: "rota"}
	}
	cmd := func(handle func(c caller, args string)) func(context.Context, caller, command, *models.Message) {
		return func(_ context.Context, c caller, cmd command, _ *models.Message) { handle(c, cmd.args) }
	}
	return feature{name: "rota",
		commands: []commandRoute{
			{name: "duty", handle: cmd(func(c caller, _ string) { b.onDuty(c) })},
			{name: "roster", handle: cmd(b.onRoster)},
			{name: "spotcheck", handle: cmd(b.onSpotcheck)},
			{name: "swap", handle: cmd(b.onSwap)},
		},
		callbacks: []callbackRoute{
			{prefix: rota.HandoverPrefix, handle: b.onHandoverButton},
			{prefix: rota.SwapPrefix, handle: b.onSwapButton},
		},
		flows: []flow{{name: flowHandover, label: "FlowHandover", ttl: time.Hour,
			input: func(c caller, cv storage.Conversation, m *models.Message) {
				if w, ok := decodeFlow[handoverWait](b, c, cv); ok {
					b.onHandoverText(c, w, m.Text)
				}
			}}},
	}
}

// rotaError turns a roster error into the answer for the caller: a
// refusal explains itself, anything else is an internal error.
func (b *Bot) rotaError(c caller, what string, err error) string {
	var r *rota.Refusal
	if errors.As(err, &r) {
		return b.Rota.Explain(c.lang, r)
	}
	b.Log.Error(what, "official", c.official.ID, "err", err)
	return b.t(c, "InternalError", nil)
}

// cut shortens text to at most max bytes at a line break, so a long answer
// stays below Telegram's 4096 characters.
func cut(text string, max int) string {
	if len(text) <= max {
		return text
	}
	i := strings.LastIndexByte(text[:max], '\n')
	if i <= 0 {
		i = max
		for i > 0 && !utf8.RuneStart(text[i]) {
			i--
		}
	}
	return text[:i] + "\n…"
}

// onDuty shows who is on duty now: /duty.
func (b *Bot) onDuty(c caller) {
	text, err := b.Rota.DutyText(c.lang, b.Engine.Now())
	if err != nil {
		b.reply(c, b.rotaError(c, "show who is on duty", err))
		return
	}
	b.reply(c, cut(text, maxText))
}

// onRoster shows the shifts of this week, a week from a date, a range of
// dates or a named period: /roster [date [date] | 国庆].
func (b *Bot) onRoster(c caller, args string) {
	p, err := b.Rota.ParsePeriod(args, b.Engine.Now())
	if err != nil {
		b.reply(c, b.rotaError(c, "parse roster period", err))
		return
	}
	text, err := b.Rota.RosterText(c.lang, p, maxText)
	if err != nil {
		b.reply(c, b.rotaError(c, "show roster", err))
		return
	}
	b.reply(c, text)
}

// onSpotcheck sends a 查岗 to the people on duty: /spotcheck [minutes].
func (b *Bot) onSpotcheck(c caller, args string) {
	minutes := 0
	if a := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(args), "分钟")); a != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(a, "m"))
		if err != nil || n <= 0 {
			b.reply(c, b.t(c, "RotaSpotcheckUsage", map[string]any{"Max": rota.MaxSpotcheckMinutes}))
			return
		}
		minutes = n
	}
	res, err := b.Rota.Spotcheck(c.official.ID, minutes)
	if err != nil {
		b.reply(c, b.rotaError(c, "spot check", err))
		return
	}
	names := make([]string, len(res.People))
	for i, p := range res.People {
		names[i] = b.Config.OfficialName(p)
	}
	b.reply(c, b.t(c, "RotaSpotcheckSent", map[string]any{"Count": len(res.People), "Names": strings.Join(names, "、"),
		"Time": b.Config.DeadlineTime(res.Deadline), "ID": res.Alert.ID}))
}

// onSwap asks a colleague to take the caller's place on a shift:
// /swap <date|shift id> <colleague>; alone it shows the usage and the
// caller's coming shifts.
func (b *Bot) onSwap(c caller, args string) {
	fields := strings.Fields(args)
	if len(fields) < 2 {
		b.reply(c, b.swapUsage(c))
		return
	}
	sw, sh, err := b.Rota.RequestSwap(c.official.ID, fields[0], strings.Join(fields[1:], " "))
	if err != nil {
		b.reply(c, b.rotaError(c, "request swap", err))
		return
	}
	approvers := make([]string, len(sw.Approvers))
	for i, a := range sw.Approvers {
		approvers[i] = b.Config.OfficialName(a)
	}
	b.reply(c, b.t(c, "RotaSwapRequested", map[string]any{"ID": sw.ID, "Name": b.Config.OfficialName(sw.Colleague),
		"Hours": b.Rota.Hours(c.lang, sh), "Approver": strings.Join(approvers, "、")}))
}

// swapUsageShifts is how many coming shifts /swap alone lists.
const swapUsageShifts = 10

func (b *Bot) swapUsage(c caller) string {
	var sb strings.Builder
	sb.WriteString(b.t(c, "RotaSwapUsage", nil))
	shifts, err := b.Rota.Upcoming(c.official.ID, b.Engine.Now(), swapUsageShifts)
	if err != nil {
		b.Log.Error("list coming shifts", "official", c.official.ID, "err", err)
	}
	if len(shifts) == 0 {
		sb.WriteString("\n\n" + b.t(c, "RotaSwapNoShifts", nil))
		return sb.String()
	}
	sb.WriteString("\n\n" + b.t(c, "RotaSwapYourShifts", nil))
	for _, sh := range shifts {
		role := b.t(c, "RotaRoleStaff", nil)
		if sh.Leader == c.official.ID {
			role = b.t(c, "RotaRoleLeader", nil)
		}
		sb.WriteString("\n• " + b.t(c, "RotaSwapShiftLine", map[string]any{"ID": sh.ID,
			"Hours": b.Rota.Hours(c.lang, sh), "Role": role}))
	}
	return sb.String()
}

// onHandoverButton starts the 交接班 note of the pressed shift.
func (b *Bot) onHandoverButton(c caller, data string, _ int) (string, bool) {
	id, valid := rota.ParseHandoverData(data)
	if !valid {
		return b.t(c, "ToastInvalid", nil), true
	}
	if _, err := b.Rota.StartHandover(c.official.ID, id); err != nil {
		return b.rotaError(c, "start handover", err), true
	}
	if !b.startFlow(c, flowHandover, handoverWait{Shift: id}) {
		return b.t(c, "InternalError", nil), true
	}
	b.reply(c, b.t(c, "RotaHandoverPrompt", nil))
	return b.t(c, "RotaToastHandoverWrite", nil), false
}

// onSwapButton answers or decides a swap request.
func (b *Bot) onSwapButton(c caller, data string, msgID int) (toast string, alert bool) {
	op, id, valid := rota.ParseSwapData(data)
	if !valid {
		b.Log.Warn("garbled swap button", "user", c.userID, "data", data)
		return b.t(c, "ToastInvalid", nil), true
	}
	var out rota.SwapPress
	var err error
	switch op {
	case rota.SwapAccept, rota.SwapDecline:
		out, err = b.Rota.AnswerSwap(c.official.ID, id, op == rota.SwapAccept)
	default:
		out, err = b.Rota.DecideSwap(c.official.ID, id, op == rota.SwapApprove)
	}
	var stale *rota.SwapStaleError
	var refused *rota.Refusal
	switch {
	case errors.Is(err, rota.ErrSwapUnknown):
		return b.t(c, "ToastInvalid", nil), true
	case errors.Is(err, rota.ErrSwapNotYours):
		return b.t(c, "RotaToastSwapNotYours", nil), true
	case errors.As(err, &stale):
		return b.t(c, "RotaToastSwapStale", map[string]any{"State": b.t(c, "RotaSwapState_"+stale.State, nil)}), false
	case errors.As(err, &refused):
		b.editSwapMessage(c, msgID, op, out)
		return b.Rota.Explain(c.lang, refused), true
	case err != nil:
		return b.rotaError(c, "swap press", err), true
	}
	b.editSwapMessage(c, msgID, op, out)
	return b.t(c, "RotaToastSwap_"+out.Swap.State, nil), false
}

// editSwapMessage redraws the pressed swap message with its outcome and
// without buttons.
func (b *Bot) editSwapMessage(c caller, msgID int, op string, out rota.SwapPress) {
	if msgID == 0 || out.Swap.ID == "" || out.Shift.ID == "" {
		return
	}
	text := b.Rota.SwapAskText(c.lang, out.Swap, out.Shift)
	if op == rota.SwapApprove || op == rota.SwapReject {
		text = b.Rota.SwapApproveText(c.lang, out.Swap, out.Shift)
	}
	text += "\n\n" + b.Rota.SwapOutcome(c.lang, out.Swap, b.Engine.Now())
	b.send(storage.Job{Key: fmt.Sprintf("edit:%d:%d", c.chatID, msgID), ChatID: c.chatID, Op: storage.OpEdit,
		MessageID: msgID, Text: cut(text, maxText), Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
}

// onHandoverText stores the chat's 交接班 note; a refusal (empty, too
// long) keeps the flow so the note can be sent again.
func (b *Bot) onHandoverText(c caller, w handoverWait, text string) {
	res, err := b.Rota.Handover(c.official.ID, w.Shift, text, func(tx *storage.Tx) error {
		_, err := endFlowIn(tx, c.chatID, flowHandover)
		return err
	})
	var r *rota.Refusal
	switch {
	case errors.As(err, &r) && (r.Key == "RotaHandoverEmpty" || r.Key == "RotaHandoverTooLong"):
		b.reply(c, b.Rota.Explain(c.lang, r))
		return
	case err != nil:
		b.endFlow(c, flowHandover)
		b.reply(c, b.rotaError(c, "store handover note", err))
		return
	}
	var names []string
	for _, n := range res.Next {
		for _, p := range n.People() {
			if name := b.Config.OfficialName(p); p != c.official.ID && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		b.reply(c, b.t(c, "RotaHandoverSavedNoNext", nil))
		return
	}
	b.reply(c, b.t(c, "RotaHandoverSaved", map[string]any{"Names": strings.Join(names, "、")}))
}
