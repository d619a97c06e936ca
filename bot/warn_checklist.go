package bot

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"dutybot/storage"
	"dutybot/weather"
)

// flowWarnItem is a 熔断 item waiting for its count or note.
const flowWarnItem = "warn.item"

// itemPrompt is the 熔断 item whose confirmation waits for a count or a
// note typed in a private chat.
type itemPrompt struct {
	Warning string `json:"warning"`
	Item    int    `json:"item"`
}

// promptTTL is how long a chat's reply is taken as the count or note of
// the item whose button was pressed, or as the next step of a /warn draft;
// later text is ordinary text again.
const promptTTL = time.Hour

// countRE reads "35", "35人", "35 已全部撤离", "35，已全部撤离".
var countRE = regexp.MustCompile(`^\s*(\d{1,7})\s*(?:人|名|个|处|家|户|辆|艘|座)?\s*[，,、。.;；:：-]?\s*([\s\S]*)$`)

// numberRE finds the count in a sentence: "已撤离 35 人", "共转移群众35名".
var numberRE = regexp.MustCompile(`\d{1,7}`)

// onItemButton handles a 熔断 item's confirm button: it asks for the
// count or a note, or (wn:) confirms without a note.
func (b *Bot) onItemButton(c caller, p weather.ItemPress, msgID int) (string, bool) {
	it, err := b.Weather.Item(c.official.ID, p.Warning, p.No)
	if err != nil {
		return b.itemError(c, err, it)
	}
	if p.NoNote {
		if it.Count {
			return b.t(c, "ToastInvalid", nil), true
		}
		done, err := b.Weather.Confirm(c.official.ID, p.Warning, p.No, 0, "")
		if err != nil {
			return b.itemError(c, err, done)
		}
		b.endItemPrompt(c, p.Warning, p.No)
		text := b.confirmedText(c, done)
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
		return b.t(c, "WarnToastConfirmed", nil), false
	}
	if !b.startFlow(c, flowWarnItem, itemPrompt{Warning: p.Warning, Item: p.No}) {
		return b.t(c, "InternalError", nil), true
	}
	data := map[string]any{"Action": b.Weather.ActionName(c.lang, it.Action), "Text": it.Text}
	if it.Count {
		b.reply(c, b.t(c, "WarnAskCount", data))
		return b.t(c, "WarnToastAskCount", nil), false
	}
	b.reply2(c, b.t(c, "WarnAskNote", data), [][]storage.Button{{{Text: b.t(c, "WarnButtonNoNote", nil),
		Data: weather.NoNoteData(p.Warning, p.No)}}})
	return b.t(c, "WarnToastAskNote", nil), false
}

// onItemText takes the count or note a chat was asked for.
func (b *Bot) onItemText(c caller, p itemPrompt, text string) {
	it, err := b.Weather.Item(c.official.ID, p.Warning, p.Item)
	if err != nil {
		b.endItemPrompt(c, p.Warning, p.Item)
		msg, _ := b.itemError(c, err, it)
		b.reply(c, msg)
		return
	}
	value, note := 0, strings.TrimSpace(text)
	if it.Count {
		var ok bool
		if value, note, ok = parseItemCount(text); !ok {
			b.reply(c, b.t(c, "WarnBadCount", nil))
			return
		}
	} else if note == "-" || note == "无" {
		note = ""
	}
	if len([]rune(note)) > 500 {
		b.reply(c, b.t(c, "WarnNoteTooLong", nil))
		return
	}
	done, err := b.Weather.Confirm(c.official.ID, p.Warning, p.Item, value, note)
	b.endItemPrompt(c, p.Warning, p.Item)
	if err != nil {
		msg, _ := b.itemError(c, err, done)
		b.reply(c, msg)
		return
	}
	b.reply(c, b.confirmedText(c, done))
}

// parseItemCount reads a count answer: a number first ("35", "35人，已全部撤离";
// the rest is the note) or one number in a sentence ("已撤离 35 人",
// kept whole as the note). Two numbers in a sentence are ambiguous.
func parseItemCount(text string) (int, string, bool) {
	if m := countRE.FindStringSubmatch(text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, strings.TrimSpace(m[2]), true
	}
	// A run of more than seven digits splits in two and is refused too.
	nums := numberRE.FindAllString(text, -1)
	if len(nums) != 1 {
		return 0, "", false
	}
	n, _ := strconv.Atoi(nums[0])
	return n, strings.TrimSpace(text), true
}

// endItemPrompt ends the chat's count or note prompt if it is still the
// one for this item.
func (b *Bot) endItemPrompt(c caller, warning string, no int) {
	var p itemPrompt
	if b.flowData(c, flowWarnItem, &p) && p.Warning == warning && p.Item == no {
		b.endFlow(c, flowWarnItem)
	}
}

func (b *Bot) confirmedText(c caller, it weather.ChecklistItem) string {
	u, _ := b.Config.Unit(it.Unit)
	return b.t(c, "WarnConfirmed", map[string]any{"Unit": u.Name, "Action": b.Weather.ActionName(c.lang, it.Action),
		"Text": it.Text, "Result": b.Weather.Result(c.lang, it)})
}

// itemError explains why an item cannot be confirmed; alert tells whether
// the toast should be a dialog.
func (b *Bot) itemError(c caller, err error, it weather.ChecklistItem) (string, bool) {
	switch {
	case errors.Is(err, weather.ErrNotYourUnit):
		u, _ := b.Config.Unit(it.Unit)
		return b.t(c, "WarnToastNotYourUnit", map[string]any{"Unit": u.Name}), true
	case errors.Is(err, weather.ErrConfirmed):
		return b.t(c, "WarnToastAlreadyConfirmed", map[string]any{"Name": b.Config.OfficialName(it.By),
			"Time": it.At.In(b.Config.Location).Format("15:04")}), false
	case errors.Is(err, weather.ErrLifted):
		return b.t(c, "WarnToastLifted", nil), false
	case errors.Is(err, weather.ErrUnknownWarning), errors.Is(err, weather.ErrUnknownItem):
		return b.t(c, "ToastInvalid", nil), true
	}
	b.Log.Error("checklist item", "err", err)
	return b.t(c, "InternalError", nil), true
}
