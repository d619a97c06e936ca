package bot

import (
	"context"
	"errors"
	"strings"
	"sync"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// draft is an alert being composed in the guided /alert conversation.
type draft struct {
	step  string // level, targets, title, body, confirm
	level string
	all   bool
	units []string
	title string
	body  string
}

// drafts holds the conversations in progress, one per chat. They live in
// memory: a half-written alert is not worth persisting.
type drafts struct {
	mu sync.Mutex
	m  map[int64]*draft
}

func newDrafts() *drafts { return &drafts{m: map[int64]*draft{}} }

func (d *drafts) get(chat int64) *draft {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[chat]
}

func (d *drafts) put(chat int64, dr *draft) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[chat] = dr
}

func (d *drafts) active(chat int64) bool { return d.get(chat) != nil }

func (d *drafts) cancel(chat int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.m[chat]
	delete(d.m, chat)
	return ok
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
		b.reply(c, b.t(c, "AlertPrivateOnly", nil))
		return
	}
	if args == "" {
		b.cancelFlows(c)
		dr := &draft{step: "level"}
		b.drafts.put(c.chatID, dr)
		b.reply2(c, b.t(c, "AlertAskLevel", nil), b.levelButtons(c))
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
		b.reply(c, b.t(c, "AlertCreated", map[string]any{"ID": a.ID, "Count": len(a.Recipients)}))
	}
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

func (b *Bot) targetButtons(c caller, dr *draft) [][]storage.Button {
	mark := func(on bool, s string) string {
		if on {
			return "✓ " + s
		}
		return s
	}
	rows := [][]storage.Button{{{Text: mark(dr.all, b.t(c, "TargetAll", nil)), Data: "al:all"}}}
	var row []storage.Button
	for _, u := range b.Config.Units {
		on := false
		for _, x := range dr.units {
			on = on || x == u.ID
		}
		row = append(row, storage.Button{Text: mark(on, u.Name), Data: "al:u:" + u.ID})
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
	dr := b.drafts.get(c.chatID)
	if dr == nil {
		return b.t(c, "ToastStale", nil)
	}
	edit := func(text string, buttons [][]storage.Button) {
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text, Buttons: buttons,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	}
	switch {
	case data == "al:cancel":
		b.drafts.cancel(c.chatID)
		edit(b.t(c, "DraftCancelled", nil), nil)
		return b.t(c, "DraftCancelled", nil)
	case strings.HasPrefix(data, "al:lvl:") && dr.step == "level":
		lvl := strings.TrimPrefix(data, "al:lvl:")
		if _, ok := levelAliases[lvl]; !ok {
			return b.t(c, "ToastInvalid", nil)
		}
		dr.level, dr.step = lvl, "targets"
		edit(b.t(c, "AlertAskTargets", map[string]any{"Level": b.Engine.LevelLabel(c.lang, lvl)}), b.targetButtons(c, dr))
		return b.Engine.LevelLabel(c.lang, lvl)
	case (data == "al:all" || strings.HasPrefix(data, "al:u:")) && dr.step == "targets":
		if data == "al:all" {
			dr.all = !dr.all
		} else {
			u := strings.TrimPrefix(data, "al:u:")
			if _, ok := b.Config.Unit(u); !ok {
				return b.t(c, "ToastInvalid", nil)
			}
			dr.units = toggle(dr.units, u)
		}
		edit(b.t(c, "AlertAskTargets", map[string]any{"Level": b.Engine.LevelLabel(c.lang, dr.level)}), b.targetButtons(c, dr))
		return "✓"
	case data == "al:next" && dr.step == "targets":
		if !dr.all && len(dr.units) == 0 {
			return b.t(c, "ToastPickTargets", nil)
		}
		dr.step = "title"
		edit(b.t(c, "AlertTargetsChosen", map[string]any{"Targets": b.targetNames(c, dr)}), nil)
		b.reply(c, b.t(c, "AlertAskTitle", nil))
		return "✓"
	case data == "al:send" && dr.step == "confirm":
		b.drafts.cancel(c.chatID)
		edit(b.draftPreview(c, dr), nil)
		b.create(c, callout.Request{Level: dr.level, Title: dr.title, Body: dr.body, Issuer: c.official.ID,
			Source: "chat", Targets: storage.Targets{All: dr.all, Units: dr.units}})
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

func (b *Bot) targetNames(c caller, dr *draft) string {
	if dr.all {
		return b.t(c, "TargetAll", nil)
	}
	var names []string
	for _, id := range dr.units {
		u, _ := b.Config.Unit(id)
		names = append(names, u.Name)
	}
	return strings.Join(names, "、")
}

func (b *Bot) draftPreview(c caller, dr *draft) string {
	return b.t(c, "AlertPreview", map[string]any{"Level": b.Engine.LevelLabel(c.lang, dr.level),
		"Targets": b.targetNames(c, dr), "Title": dr.title, "Body": dr.body})
}

// onDraftText takes the title and body typed during the guided flow.
func (b *Bot) onDraftText(_ context.Context, c caller, text string) {
	dr := b.drafts.get(c.chatID)
	text = strings.TrimSpace(text)
	switch dr.step {
	case "title":
		if text == "" || len([]rune(text)) > 200 {
			b.reply(c, b.t(c, "AlertAskTitle", nil))
			return
		}
		dr.title, dr.step = text, "body"
		b.reply(c, b.t(c, "AlertAskBody", nil))
	case "body":
		if text == "-" || text == "无" {
			text = ""
		}
		if len([]rune(text)) > 3000 {
			b.reply(c, b.t(c, "AlertBodyTooLong", nil))
			return
		}
		dr.body, dr.step = text, "confirm"
		b.reply2(c, b.draftPreview(c, dr), [][]storage.Button{{
			{Text: b.t(c, "ButtonSend", nil), Data: "al:send"},
			{Text: b.t(c, "ButtonCancel", nil), Data: "al:cancel"}}})
	default:
		b.reply(c, b.t(c, "AlertUseButtons", nil))
	}
}
