package bot

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// flowAlert is the guided /alert.
const flowAlert = "alert"

// alertDraft is an alert being composed in the guided /alert flow.
type alertDraft struct {
	Step  string   `json:"step"` // level, targets, title, body, confirm
	Level string   `json:"level,omitempty"`
	All   bool     `json:"all,omitempty"`
	Units []string `json:"units,omitempty"`
	Title string   `json:"title,omitempty"`
	Body  string   `json:"body,omitempty"`
}

func (d alertDraft) flowStep() string { return d.Step }

// alertPrefix starts the data of the guided flow's buttons.
const alertPrefix = "al:"

// alertFeature is /alert: one line, or a guided flow.
func (b *Bot) alertFeature() feature {
	return feature{name: "alert",
		commands: []commandRoute{{name: "alert", handle: func(ctx context.Context, c caller, cmd command, _ *models.Message) {
			b.onAlert(ctx, c, cmd.args)
		}}},
		callbacks: []callbackRoute{{prefix: alertPrefix, handle: func(c caller, data string, msgID int) (string, bool) {
			if !canIssue(c.official) {
				return b.t(c, "AlertForbidden", nil), true
			}
			return b.onDraftButton(c, data, msgID), false
		}}},
		flows: []flow{{name: flowAlert, label: "FlowAlert", again: "FlowAlertAgain", ttl: promptTTL,
			input: func(c caller, cv storage.Conversation, m *models.Message) {
				if d, ok := decodeFlow[alertDraft](b, c, cv); ok {
					b.onDraftText(c, d, m.Text)
				}
			}}},
	}
}

// levelAliases maps what people type to levels.
var levelAliases = map[string]string{
	"blue": "blue", "蓝": "blue", "蓝色": "blue", "iv": "blue", "4": "blue",
	"yellow": "yellow", "黄": "yellow", "黄色": "yellow", "iii": "yellow", "3": "yellow",
	"orange": "orange", "橙": "orange", "橙色": "orange", "ii": "orange", "2": "orange",
	"red": "red", "红": "red", "红色": "red", "i": "red", "1": "red",
}

// onAlert starts the guided flow, or creates an alert at once from the
// one-line form: /alert <level> <targets> <title> [| <body>].
func (b *Bot) onAlert(_ context.Context, c caller, args string) {
	if !canIssue(c.official) {
		b.reply(c, b.t(c, "AlertForbidden", nil))
		return
	}
	if !c.private {
		b.onGroupAlert(c, args)
		return
	}
	if args == "" {
		if b.startFlow(c, flowAlert, alertDraft{Step: "level"}) {
			b.reply2(c, b.t(c, "AlertAskLevel", nil), b.levelButtons(c))
		}
		return
	}
	req, err := b.parseOneLine(args)
	if err != nil {
		b.reply(c, b.t(c, "AlertUsage", map[string]any{"Error": err.Error()}))
		return
	}
	req.Issuer, req.Source = c.official.ID, "chat"
	b.create(c, req)
}

func (b *Bot) create(c caller, req callout.Request) {
	a, err := b.Engine.Create(req)
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		b.reply(c, b.t(c, "AlertUsage", map[string]any{"Error": verr.Reason}))
	case err != nil:
		b.Log.Error("create alert", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	default:
		b.reply(c, b.t(c, "AlertCreated", map[string]any{"ID": a.ID, "Count": len(a.Recipients)})+b.paidLine(c, a.PaidCalls))
	}
}

// paidLine tells, on a line of its own, what an alert's paid first calls
// cost; "" when none goes paid, so nothing about Stars shows otherwise.
func (b *Bot) paidLine(c caller, paid int) string {
	if paid <= 0 {
		return ""
	}
	return "\n" + b.t(c, "PaidCost", map[string]any{"Count": thousands(paid), "Stars": starsText(callout.Stars(paid))})
}

// estimateLine is paidLine for a request not sent yet (a preview): what
// Create would queue paid. A request Create would refuse shows nothing;
// Create says why when it is sent.
func (b *Bot) estimateLine(c caller, req callout.Request) string {
	est, err := b.Engine.Estimate(req)
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		return ""
	case err != nil:
		b.Log.Error("estimate alert", "err", err)
		return ""
	}
	return b.paidLine(c, est.PaidMessages)
}

// thousands writes n with its thousands grouped: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// starsText writes Stars to the tenth Telegram charges in: 1,000.0.
func starsText(stars float64) string {
	tenths := int(math.Round(stars * 10))
	return thousands(tenths/10) + "." + strconv.Itoa(tenths%10)
}

// parseOneLine parses "<level> <targets> <title> [| <body>]" where targets
// is "all" or a comma list of unit ids, official ids and role:<role>.
func (b *Bot) parseOneLine(args string) (callout.Request, error) {
	head, body, _ := strings.Cut(args, "|")
	fields := strings.Fields(head)
	if len(fields) < 3 {
		return callout.Request{}, errors.New("need <level> <targets> <title>")
	}
	level, ok := levelAliases[strings.ToLower(fields[0])]
	if !ok {
		return callout.Request{}, errors.New("level must be blue, yellow, orange or red (蓝/黄/橙/红)")
	}
	req := callout.Request{Level: level, Title: strings.Join(fields[2:], " "), Body: strings.TrimSpace(body)}
	for _, t := range strings.Split(fields[1], ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case t == "all" || t == "全体":
			req.Targets.All = true
		case strings.HasPrefix(t, "role:"):
			req.Targets.Roles = append(req.Targets.Roles, strings.TrimPrefix(t, "role:"))
		default:
			if _, ok := b.Config.Unit(t); ok {
				req.Targets.Units = append(req.Targets.Units, t)
			} else if _, ok := b.Config.Official(t); ok {
				req.Targets.Officials = append(req.Targets.Officials, t)
			} else {
				return callout.Request{}, errors.New("unknown target \"" + t + "\" (a unit id, an official id, role:<role> or all)")
			}
		}
	}
	return req, nil
}

// reply2 queues a message with inline buttons.
func (b *Bot) reply2(c caller, text string, buttons [][]storage.Button) {
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: text, Buttons: buttons,
		Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
}

func (b *Bot) levelButtons(c caller) [][]storage.Button {
	var row []storage.Button
	for _, l := range config.Levels {
		row = append(row, storage.Button{Text: b.Engine.LevelLabel(c.lang, l), Data: "al:lvl:" + l})
	}
	return [][]storage.Button{row, {{Text: b.t(c, "ButtonCancel", nil), Data: "al:cancel"}}}
}

func (b *Bot) targetButtons(c caller, dr alertDraft) [][]storage.Button {
	mark := func(on bool, s string) string {
		if on {
			return "✓ " + s
		}
		return s
	}
	rows := [][]storage.Button{{{Text: mark(dr.All, b.t(c, "TargetAll", nil)), Data: "al:all"}}}
	var row []storage.Button
	for _, u := range b.Config.People().Units {
		row = append(row, storage.Button{Text: mark(slices.Contains(dr.Units, u.ID), u.Name), Data: "al:u:" + u.ID})
		if len(row) == 3 {
			rows = append(rows, row)
			row = nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return append(rows, []storage.Button{{Text: b.t(c, "ButtonNext", nil), Data: "al:next"},
		{Text: b.t(c, "ButtonCancel", nil), Data: "al:cancel"}})
}

// onDraftButton advances the guided flow after a button press; it returns
// the toast to show.
func (b *Bot) onDraftButton(c caller, data string, msgID int) string {
	var dr alertDraft
	if !b.flowData(c, flowAlert, &dr) {
		return b.t(c, "ToastStale", nil)
	}
	edit := func(text string, buttons [][]storage.Button) {
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text, Buttons: buttons,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	}
	switch {
	case data == "al:cancel":
		b.endFlow(c, flowAlert)
		edit(b.t(c, "DraftCancelled", nil), nil)
		return b.t(c, "DraftCancelled", nil)
	case strings.HasPrefix(data, "al:lvl:") && dr.Step == "level":
		lvl := strings.TrimPrefix(data, "al:lvl:")
		if _, ok := levelAliases[lvl]; !ok {
			return b.t(c, "ToastInvalid", nil)
		}
		dr.Level, dr.Step = lvl, "targets"
		if !b.saveFlow(c, flowAlert, dr) {
			return b.t(c, "ToastStale", nil)
		}
		edit(b.t(c, "AlertAskTargets", map[string]any{"Level": b.Engine.LevelLabel(c.lang, lvl)}), b.targetButtons(c, dr))
		return b.Engine.LevelLabel(c.lang, lvl)
	case (data == "al:all" || strings.HasPrefix(data, "al:u:")) && dr.Step == "targets":
		if data == "al:all" {
			dr.All = !dr.All
		} else {
			u := strings.TrimPrefix(data, "al:u:")
			if _, ok := b.Config.Unit(u); !ok {
				return b.t(c, "ToastInvalid", nil)
			}
			dr.Units = toggle(dr.Units, u)
		}
		if !b.saveFlow(c, flowAlert, dr) {
			return b.t(c, "ToastStale", nil)
		}
		edit(b.t(c, "AlertAskTargets", map[string]any{"Level": b.Engine.LevelLabel(c.lang, dr.Level)}), b.targetButtons(c, dr))
		return "✓"
	case data == "al:next" && dr.Step == "targets":
		if !dr.All && len(dr.Units) == 0 {
			return b.t(c, "ToastPickTargets", nil)
		}
		dr.Step = "title"
		if !b.saveFlow(c, flowAlert, dr) {
			return b.t(c, "ToastStale", nil)
		}
		edit(b.t(c, "AlertTargetsChosen", map[string]any{"Targets": b.targetNames(c, dr)}), nil)
		b.reply(c, b.t(c, "AlertAskTitle", nil))
		return "✓"
	case data == "al:send" && dr.Step == "confirm":
		// Ended first: a press replayed after a crash finds no draft
		// rather than raising the alert twice.
		if !b.endFlow(c, flowAlert) {
			return b.t(c, "ToastStale", nil)
		}
		edit(b.draftPreview(c, dr), nil)
		b.create(c, b.draftRequest(c, dr))
		return b.t(c, "ToastSent", nil)
	}
	return b.t(c, "ToastStale", nil)
}

func toggle(list []string, v string) []string {
	for i, x := range list {
		if x == v {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return append(list, v)
}

func (b *Bot) targetNames(c caller, dr alertDraft) string {
	if dr.All {
		return b.t(c, "TargetAll", nil)
	}
	var names []string
	for _, id := range dr.Units {
		names = append(names, b.Config.UnitName(id))
	}
	return strings.Join(names, "、")
}

// draftRequest is the alert a draft asks for.
func (b *Bot) draftRequest(c caller, dr alertDraft) callout.Request {
	return callout.Request{Level: dr.Level, Title: dr.Title, Body: dr.Body, Issuer: c.official.ID,
		Source: "chat", Targets: callout.Targets{All: dr.All, Units: dr.Units}}
}

// draftPreview asks to confirm a draft, with what its paid first calls
// would cost when its level is sent paid.
func (b *Bot) draftPreview(c caller, dr alertDraft) string {
	return b.t(c, "AlertPreview", map[string]any{"Level": b.Engine.LevelLabel(c.lang, dr.Level),
		"Targets": b.targetNames(c, dr), "Title": dr.Title, "Body": dr.Body}) + b.estimateLine(c, b.draftRequest(c, dr))
}

// onDraftText takes the title and body typed during the guided flow.
func (b *Bot) onDraftText(c caller, dr alertDraft, text string) {
	text = strings.TrimSpace(text)
	switch dr.Step {
	case "title":
		if text == "" || len([]rune(text)) > 200 {
			b.reply(c, b.t(c, "AlertAskTitle", nil))
			return
		}
		dr.Title, dr.Step = text, "body"
		if b.saveFlow(c, flowAlert, dr) {
			b.reply(c, b.t(c, "AlertAskBody", nil))
		}
	case "body":
		if text == "-" || text == "无" {
			text = ""
		}
		if len([]rune(text)) > 3000 {
			b.reply(c, b.t(c, "AlertBodyTooLong", nil))
			return
		}
		dr.Body, dr.Step = text, "confirm"
		if b.saveFlow(c, flowAlert, dr) {
			b.reply2(c, b.draftPreview(c, dr), [][]storage.Button{{
				{Text: b.t(c, "ButtonSend", nil), Data: "al:send"},
				{Text: b.t(c, "ButtonCancel", nil), Data: "al:cancel"}}})
		}
	default:
		b.reply(c, b.t(c, "AlertUseButtons", nil))
	}
}

// onGroupAlert posts a 叫应 in the work group the command was sent in:
// /alert <level> <title> [| <body>], answered there by the group's
// expected officials with one tap.
func (b *Bot) onGroupAlert(c caller, args string) {
	if b.Groups == nil {
		b.reply(c, b.t(c, "AlertPrivateOnly", nil))
		return
	}
	g, ok, err := b.Groups.ByChat(c.chatID)
	switch {
	case err != nil:
		b.Log.Error("group alert: find group", "chat", c.chatID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	case !ok:
		b.reply(c, b.t(c, "AlertGroupUnbound", nil))
		return
	}
	head, body, _ := strings.Cut(args, "|")
	fields := strings.Fields(head)
	if len(fields) < 2 {
		b.reply(c, b.t(c, "AlertGroupUsage", map[string]any{"Error": ""}))
		return
	}
	level, ok := levelAliases[strings.ToLower(fields[0])]
	if !ok {
		b.reply(c, b.t(c, "AlertGroupUsage", map[string]any{"Error": "level must be blue, yellow, orange or red (蓝/黄/橙/红)"}))
		return
	}
	a, err := b.Engine.Create(callout.Request{Level: level, Title: strings.Join(fields[1:], " "), Body: strings.TrimSpace(body),
		Targets: callout.Targets{Groups: []string{g.Group.ID}}, Issuer: c.official.ID, Source: "chat"})
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		b.reply(c, b.t(c, "AlertGroupUsage", map[string]any{"Error": verr.Reason}))
	case err != nil:
		b.Log.Error("create group alert", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	default:
		b.reply(c, b.t(c, "AlertGroupCreated", map[string]any{"ID": a.ID, "Count": len(a.Recipients)}))
	}
}
