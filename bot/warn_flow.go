package bot

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
	"dutybot/weather"
)

// The guided /warn: type, then the levels valid for it, affected units
// (all by default), text, preview, send.

// flowWarn is the guided /warn.
const flowWarn = "warn"

// warnDraft is a warning being composed in the guided /warn.
type warnDraft struct {
	Step  string   `json:"step"` // type, level, units, text, confirm
	Type  string   `json:"type,omitempty"`
	Level string   `json:"level,omitempty"`
	Units []string `json:"units,omitempty"` // none selected means every unit
	Text  string   `json:"text,omitempty"`
}

func (d warnDraft) flowStep() string { return d.Step }

func (b *Bot) startWarnFlow(c caller) {
	if b.startFlow(c, flowWarn, warnDraft{Step: "type"}) {
		b.reply2(c, b.t(c, "WarnAskType", nil), b.warnTypeButtons(c))
	}
}

func (b *Bot) warnCancelRow(c caller) []storage.Button {
	return []storage.Button{{Text: b.t(c, "ButtonCancel", nil), Data: warnDraftPrefix + "cancel"}}
}

func (b *Bot) warnTypeButtons(c caller) [][]storage.Button {
	var rows [][]storage.Button
	var row []storage.Button
	for _, t := range config.WarningTypes {
		row = append(row, storage.Button{Text: b.Weather.TypeName(c.lang, t), Data: warnDraftPrefix + "t:" + t})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return append(rows, b.warnCancelRow(c))
}

// warnLevelButtons offers only the levels the type is issued at.
func (b *Bot) warnLevelButtons(c caller, typ string) [][]storage.Button {
	var row []storage.Button
	for _, l := range weather.ValidLevels(typ) {
		row = append(row, storage.Button{Text: b.Engine.LevelLabel(c.lang, l), Data: warnDraftPrefix + "l:" + l})
	}
	return [][]storage.Button{row, b.warnCancelRow(c)}
}

func (b *Bot) warnUnitButtons(c caller, d warnDraft) [][]storage.Button {
	mark := func(on bool, s string) string {
		if on {
			return "✓ " + s
		}
		return s
	}
	rows := [][]storage.Button{{{Text: mark(len(d.Units) == 0, b.t(c, "WarnAllUnits", nil)), Data: warnDraftPrefix + "all"}}}
	var row []storage.Button
	for _, u := range b.Config.People().Units {
		on := false
		for _, x := range d.Units {
			on = on || x == u.ID
		}
		row = append(row, storage.Button{Text: mark(on, u.Name), Data: warnDraftPrefix + "u:" + u.ID})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return append(rows, []storage.Button{{Text: b.t(c, "ButtonNext", nil), Data: warnDraftPrefix + "next"},
		{Text: b.t(c, "ButtonCancel", nil), Data: warnDraftPrefix + "cancel"}})
}

func (b *Bot) warnTitle(c caller, d warnDraft) string {
	return b.Weather.Title(c.lang, d.Type, d.Level)
}

// onWarnDraftButton advances the guided flow; it returns the toast.
func (b *Bot) onWarnDraftButton(c caller, data string, msgID int) (string, bool) {
	var d warnDraft
	if !b.flowData(c, flowWarn, &d) {
		return b.t(c, "ToastStale", nil), false
	}
	edit := func(text string, buttons [][]storage.Button) {
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text, Buttons: buttons,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	}
	arg := strings.TrimPrefix(data, warnDraftPrefix)
	switch {
	case arg == "cancel":
		b.endFlow(c, flowWarn)
		edit(b.t(c, "WarnCancelled", nil), nil)
		return b.t(c, "WarnCancelled", nil), false
	case strings.HasPrefix(arg, "t:") && d.Step == "type":
		typ := strings.TrimPrefix(arg, "t:")
		if len(weather.ValidLevels(typ)) == 0 {
			return b.t(c, "ToastInvalid", nil), true
		}
		d.Type, d.Step = typ, "level"
		if !b.saveFlow(c, flowWarn, d) {
			return b.t(c, "ToastStale", nil), false
		}
		edit(b.t(c, "WarnAskLevel", map[string]any{"Type": b.Weather.TypeName(c.lang, typ)}), b.warnLevelButtons(c, typ))
		return b.Weather.TypeName(c.lang, typ), false
	case strings.HasPrefix(arg, "l:") && d.Step == "level":
		level := strings.TrimPrefix(arg, "l:")
		if !weather.ValidLevel(d.Type, level) {
			return b.Weather.LevelError(c.lang, d.Type, level), true
		}
		d.Level, d.Step = level, "units"
		if !b.saveFlow(c, flowWarn, d) {
			return b.t(c, "ToastStale", nil), false
		}
		edit(b.t(c, "WarnAskUnits", map[string]any{"Title": b.warnTitle(c, d)}), b.warnUnitButtons(c, d))
		return b.Engine.LevelLabel(c.lang, level), false
	case (arg == "all" || strings.HasPrefix(arg, "u:")) && d.Step == "units":
		if arg == "all" {
			d.Units = nil
		} else {
			u := strings.TrimPrefix(arg, "u:")
			if _, ok := b.Config.Unit(u); !ok {
				return b.t(c, "ToastInvalid", nil), true
			}
			d.Units = toggle(d.Units, u)
		}
		if !b.saveFlow(c, flowWarn, d) {
			return b.t(c, "ToastStale", nil), false
		}
		edit(b.t(c, "WarnAskUnits", map[string]any{"Title": b.warnTitle(c, d)}), b.warnUnitButtons(c, d))
		return "✓", false
	case arg == "next" && d.Step == "units":
		d.Step = "text"
		if !b.saveFlow(c, flowWarn, d) {
			return b.t(c, "ToastStale", nil), false
		}
		edit(b.t(c, "WarnUnitsChosen", map[string]any{"Title": b.warnTitle(c, d),
			"Units": b.Weather.UnitNames(c.lang, d.Units)}), nil)
		b.reply(c, b.t(c, "WarnAskText", nil))
		return "✓", false
	case arg == "send" && d.Step == "confirm":
		// Ended first: a press replayed after a crash finds no draft
		// rather than sending the warning twice.
		if !b.endFlow(c, flowWarn) {
			return b.t(c, "ToastStale", nil), false
		}
		edit(b.warnPreview(c, d), nil)
		b.issueWarning(c, weather.Request{Type: d.Type, Level: d.Level, Units: d.Units, Text: d.Text,
			Issuer: c.official.ID, Source: "chat"})
		return b.t(c, "ToastSent", nil), false
	}
	return b.t(c, "ToastStale", nil), false
}

// onWarnDraftText takes the warning's text; at other steps it points at
// the buttons.
func (b *Bot) onWarnDraftText(c caller, d warnDraft, text string) {
	if d.Step != "text" {
		b.reply(c, b.t(c, "WarnUseButtons", nil))
		return
	}
	text = strings.TrimSpace(text)
	if text == "-" || text == "无" {
		text = ""
	}
	if len([]rune(text)) > 2000 {
		b.reply(c, b.t(c, "WarnTextTooLong", nil))
		return
	}
	d.Text, d.Step = text, "confirm"
	if !b.saveFlow(c, flowWarn, d) {
		return
	}
	b.reply2(c, b.warnPreview(c, d), [][]storage.Button{{
		{Text: b.t(c, "ButtonSend", nil), Data: warnDraftPrefix + "send"},
		{Text: b.t(c, "ButtonCancel", nil), Data: warnDraftPrefix + "cancel"}}})
}

// warnPreview asks to confirm a draft warning, with what its paid first
// calls would cost when weather warnings of its level are sent paid.
func (b *Bot) warnPreview(c caller, d warnDraft) string {
	p := b.Weather.Preview(weather.Request{Type: d.Type, Level: d.Level, Units: d.Units})
	// The warning's 叫应 as weather.Issue raises it: its units, or everyone.
	targets := callout.Targets{Units: d.Units, All: len(d.Units) == 0}
	return b.t(c, "WarnPreview", map[string]any{"Title": b.warnTitle(c, d), "Units": b.Weather.UnitNames(c.lang, d.Units),
		"Window": b.Weather.Window(c.lang, d.Level), "Text": d.Text, "DutyMode": p.DutyMode,
		"Meltdown": p.Items > 0, "Items": p.Items, "ItemUnits": p.ItemUnits}) +
		b.estimateLine(c, callout.Request{Kind: weather.KindWeather, Level: d.Level, Title: b.warnTitle(c, d),
			Targets: targets, Issuer: c.official.ID, Source: "chat"})
}

// issueWarning sends a warning and tells the issuer how it went.
func (b *Bot) issueWarning(c caller, req weather.Request) {
	res, err := b.Weather.Issue(req)
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		b.reply(c, b.t(c, "WarnNotSent", map[string]any{"Error": verr.Reason}))
	case errors.Is(err, weather.ErrForbidden):
		b.reply(c, b.t(c, "WarnForbidden", nil))
	case err != nil:
		b.Log.Error("issue warning", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
	default:
		// The warning's 叫应 alert shares its id and recorded its paid calls.
		paid := 0
		if a, err := b.Engine.Alert(res.Warning.ID); err != nil {
			b.Log.Error("read the warning's alert", "warning", res.Warning.ID, "err", err)
		} else {
			paid = a.PaidCalls
		}
		b.reply(c, b.t(c, "WarnSent", map[string]any{"ID": res.Warning.ID,
			"Title": b.Weather.DisplayTitle(c.lang, res.Warning), "Count": res.Recipients,
			"DutyMode": res.Warning.DutyMode, "Meltdown": res.Items > 0, "Items": res.Items})+b.paidLine(c, paid))
	}
}

// onWarnLine sends a warning from one line: <type> <level> [units] [text],
// or <type+level> [units] [text] as in 暴雨红色预警.
func (b *Bot) onWarnLine(c caller, args string) {
	word, rest := cutWord(args)
	typ, level, ok := b.Weather.ParseTypeLevel(word)
	if !ok {
		if typ, ok = b.Weather.ParseType(word); !ok {
			b.reply(c, b.t(c, "WarnUnknownType", map[string]any{"Type": word, "Types": b.Weather.TypeNames(c.lang)}))
			return
		}
		var lw string
		lw, rest = cutWord(rest)
		if lw == "" {
			b.reply(c, b.t(c, "WarnUsage", nil))
			return
		}
		if level, ok = weather.ParseLevel(lw); !ok {
			b.reply(c, b.t(c, "WarnUnknownLevel", map[string]any{"Level": lw}))
			return
		}
	}
	if !weather.ValidLevel(typ, level) {
		b.reply(c, b.Weather.LevelError(c.lang, typ, level))
		return
	}
	uw, after := cutWord(rest)
	units, groups, isUnits, bad := b.parseWarnUnits(uw)
	if bad != "" {
		b.reply(c, b.t(c, "WarnUnknownUnit", map[string]any{"Unit": bad}))
		return
	}
	if isUnits {
		rest = after
	}
	if rest == "-" {
		rest = ""
	}
	b.issueWarning(c, weather.Request{Type: typ, Level: level, Units: units, Groups: groups, Text: rest, Issuer: c.official.ID, Source: "chat"})
}

var unitSep = regexp.MustCompile(`[,，、]`)

// parseWarnUnits reads a word naming the affected units and work groups:
// all (全镇), or unit ids, names and @tags and group ids and names
// (防汛群, whose expected officials are called in the group) separated by
// commas. isUnits is false when the word names no unit or group at all
// (it starts the text); bad is a part that is neither among parts that
// are.
func (b *Bot) parseWarnUnits(word string) (units, groups []string, isUnits bool, bad string) {
	switch strings.ToLower(word) {
	case "":
		return nil, nil, false, ""
	case "all", "全镇", "全体", "全部":
		return nil, nil, true, ""
	}
	var unknown []string
	for _, part := range unitSep.Split(word, -1) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var found []string
		if strings.HasPrefix(part, "@") {
			found = b.Config.UnitsMatching([]string{part})
		} else {
			for _, u := range b.Config.People().Units {
				if strings.EqualFold(u.ID, part) || u.Name == part {
					found = append(found, u.ID)
				}
			}
		}
		if len(found) == 0 {
			if g, ok := b.groupNamed(part); ok {
				if !slices.Contains(groups, g) {
					groups = append(groups, g)
				}
				continue
			}
			unknown = append(unknown, part)
		}
		for _, f := range found {
			if !slices.Contains(units, f) {
				units = append(units, f)
			}
		}
	}
	switch {
	case len(units) == 0 && len(groups) == 0:
		return nil, nil, false, ""
	case len(unknown) > 0:
		return nil, nil, true, unknown[0]
	}
	return units, groups, true, ""
}

// groupNamed finds a configured work group by id or name.
func (b *Bot) groupNamed(part string) (string, bool) {
	for _, g := range b.Config.Groups {
		if strings.EqualFold(g.ID, part) || g.Name == part {
			return g.ID, true
		}
	}
	return "", false
}
