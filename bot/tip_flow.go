package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
	"dutybot/tips"
)

// The guided /tip: the hazard (text), photos (optional), the place (a
// shared location or typed), named or anonymous, preview, submit. The draft
// is stored so a restart keeps it; it holds the sender's names only until
// the tip is sent, when they are sealed.

// tipDraftPrefix starts the data of the tipster's flow buttons.
const tipDraftPrefix = tips.DataPrefix + "d:"

// tipDraftTTL is how long an untouched draft waits for its next message.
const tipDraftTTL = time.Hour

func (b *Bot) startTipFlow(c caller, m *models.Message) {
	d := storage.TipDraft{Step: "text"}
	if m != nil && m.From != nil {
		d.Name = strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
		d.Username = m.From.Username
	}
	// Whatever else was being typed in this chat was abandoned for the tip.
	b.cancelFlows(c)
	if !b.saveTipDraft(c, d) {
		b.tipReply(c, b.t(c, "InternalError", nil), nil)
		return
	}
	b.tipReply(c, b.t(c, "TipAskText", nil), b.tipCancelRow(c))
}

func (b *Bot) saveTipDraft(c caller, d storage.TipDraft) bool {
	d.At = b.Engine.Now()
	if err := b.DB.Update(func(tx *storage.Tx) error { return tx.PutTipDraft(c.chatID, d) }); err != nil {
		b.Log.Error("store tip draft", "err", err)
		return false
	}
	return true
}

// tipCancel drops the chat's tip draft and prompt and reports whether
// there was one; /cancel calls it too.
func (b *Bot) tipCancel(c caller) bool {
	var had bool
	err := b.DB.Update(func(tx *storage.Tx) error {
		d, err := tx.DeleteTipDraft(c.chatID)
		if err != nil {
			return err
		}
		p, err := tx.DeleteTipPrompt(c.chatID)
		had = d || p
		return err
	})
	if err != nil {
		b.Log.Error("cancel tip draft", "err", err)
	}
	return had
}

func (b *Bot) dropTipDraft(c caller) {
	if err := b.DB.Update(func(tx *storage.Tx) error {
		_, err := tx.DeleteTipDraft(c.chatID)
		return err
	}); err != nil {
		b.Log.Error("drop tip draft", "err", err)
	}
}

func (b *Bot) tipCancelRow(c caller) [][]storage.Button {
	return [][]storage.Button{{{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}}
}

// tipInput takes a message (text, photo, location) the tip flow waits for;
// false means it was not waiting.
func (b *Bot) tipInput(c caller, m *models.Message) bool {
	var d storage.TipDraft
	var p storage.TipPrompt
	var hasDraft, hasPrompt bool
	var newer time.Time // the latest other flow of this chat
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		d, err = tx.TipDraft(c.chatID)
		if hasDraft = err == nil; err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		p, err = tx.TipPrompt(c.chatID)
		if hasPrompt = err == nil; err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if w, err := tx.WarnDraft(c.chatID); err == nil {
			newer = w.At
		}
		if w, err := tx.WarnPrompt(c.chatID); err == nil && w.At.After(newer) {
			newer = w.At
		}
		return nil
	})
	if err != nil {
		b.Log.Error("read tip draft", "err", err)
		return false
	}
	now := b.Engine.Now()
	// Abandoned ones go: the message is not for them.
	if hasDraft && now.Sub(d.At) > tipDraftTTL {
		hasDraft = false
		b.dropTipDraft(c)
	}
	if hasPrompt && now.Sub(p.At) > promptTTL {
		hasPrompt = false
		b.dropTipPrompt(c)
	}
	switch {
	case !hasDraft && !hasPrompt:
		return false
	case b.drafts.active(c.chatID):
		return false // an /alert begun after the tip
	case hasPrompt && (!hasDraft || p.At.After(d.At)):
		if p.At.Before(newer) || !c.bound {
			return false
		}
		b.onTipPromptInput(c, p, m)
		return true
	case d.At.Before(newer):
		return false // a /warn begun after the tip
	}
	b.onTipDraftInput(c, d, m)
	return true
}

// onTipDraftInput moves the draft on with what the tipster sent.
func (b *Bot) onTipDraftInput(c caller, d storage.TipDraft, m *models.Message) {
	text := strings.TrimSpace(m.Text)
	photo := ""
	if len(m.Photo) > 0 {
		text, photo = strings.TrimSpace(m.Caption), largestPhoto(m.Photo)
	}
	var point *storage.Point
	switch {
	case m.Venue != nil:
		point = &storage.Point{Lat: m.Venue.Location.Latitude, Lon: m.Venue.Location.Longitude}
		text = strings.TrimSpace(m.Venue.Title + " " + m.Venue.Address)
	case m.Location != nil:
		point = &storage.Point{Lat: m.Location.Latitude, Lon: m.Location.Longitude}
	}
	if photo != "" {
		if len(d.Photos) >= tips.MaxPhotos {
			b.tipReply(c, b.t(c, "TipErrTooMany", nil), nil)
			return
		}
		d.Photos = append(d.Photos, photo)
	}
	switch d.Step {
	case "text":
		if point != nil || text == "" {
			if !b.saveTipDraft(c, d) {
				b.tipReply(c, b.t(c, "InternalError", nil), nil)
				return
			}
			b.tipReply(c, b.t(c, "TipAskTextFirst", map[string]any{"Photos": len(d.Photos)}), b.tipCancelRow(c))
			return
		}
		if utf8.RuneCountInString(text) > tips.MaxText {
			b.tipReply(c, b.t(c, "TipErrTooLong", nil), nil)
			return
		}
		d.Text, d.Step = text, "photos"
		if !b.saveTipDraft(c, d) {
			b.tipReply(c, b.t(c, "InternalError", nil), nil)
			return
		}
		b.tipReply(c, b.t(c, "TipAskPhotos", map[string]any{"Photos": len(d.Photos)}), b.tipPhotoButtons(c, d))
	case "photos":
		switch {
		case photo != "":
			if !b.saveTipDraft(c, d) {
				b.tipReply(c, b.t(c, "InternalError", nil), nil)
				return
			}
			// One answer for an album: later photos replace it while it waits.
			b.send(storage.Job{Key: fmt.Sprintf("tip-photos:%d", c.chatID), ChatID: c.chatID, Op: storage.OpSend,
				Text:    b.t(c, "TipPhotoAdded", map[string]any{"Photos": len(d.Photos)}),
				Buttons: b.tipPhotoButtons(c, d), Ref: storage.Ref{Kind: storage.RefInfo}})
		case point != nil:
			b.tipPlace(c, d, text, point)
		default:
			b.tipReply(c, b.t(c, "TipUsePhotoButtons", nil), b.tipPhotoButtons(c, d))
		}
	case "place":
		if photo != "" && point == nil {
			if !b.saveTipDraft(c, d) {
				b.tipReply(c, b.t(c, "InternalError", nil), nil)
				return
			}
			if text == "" {
				b.tipReply(c, b.t(c, "TipAskPlace", nil), b.tipCancelRow(c))
				return
			}
		}
		if text == "" && point == nil {
			b.tipReply(c, b.t(c, "TipAskPlace", nil), b.tipCancelRow(c))
			return
		}
		b.tipPlace(c, d, text, point)
	default:
		b.tipReply(c, b.t(c, "TipUseButtons", nil), nil)
	}
}

// tipPlace takes the place and asks named or anonymous.
func (b *Bot) tipPlace(c caller, d storage.TipDraft, text string, point *storage.Point) {
	if utf8.RuneCountInString(text) > tips.MaxPlace {
		b.tipReply(c, b.t(c, "TipErrTooLong", nil), nil)
		return
	}
	d.Place, d.Point, d.Step = text, point, "identity"
	if !b.saveTipDraft(c, d) {
		b.tipReply(c, b.t(c, "InternalError", nil), nil)
		return
	}
	b.tipReply(c, b.t(c, "TipAskIdentity", map[string]any{"Name": b.tipsterName(c, d)}), [][]storage.Button{
		{{Text: b.t(c, "TipButtonNamed", nil), Data: tipDraftPrefix + "named"},
			{Text: b.t(c, "TipButtonAnonymous", nil), Data: tipDraftPrefix + "anon"}},
		{{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}})
}

func (b *Bot) tipPhotoButtons(c caller, d storage.TipDraft) [][]storage.Button {
	label := "TipButtonNoPhotos"
	if len(d.Photos) > 0 {
		label = "ButtonNext"
	}
	return [][]storage.Button{{{Text: b.t(c, label, nil), Data: tipDraftPrefix + "next"},
		{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}}
}

// tipsterName is the name handlers see on a named tip: an official's
// registered name, else the Telegram name.
func (b *Bot) tipsterName(c caller, d storage.TipDraft) string {
	if c.bound {
		return c.official.Name
	}
	if d.Name != "" {
		return d.Name
	}
	if d.Username != "" {
		return "@" + d.Username
	}
	return b.t(c, "TipNoName", nil)
}

func (b *Bot) tipPreview(c caller, d storage.TipDraft) string {
	place := d.Place
	if d.Point != nil {
		place = strings.TrimSpace(fmt.Sprintf("%s 📍%.5f, %.5f", place, d.Point.Lat, d.Point.Lon))
	}
	return b.t(c, "TipPreview", map[string]any{"Text": d.Text, "Place": place, "Photos": len(d.Photos),
		"Anonymous": d.Anonymous, "Name": b.tipsterName(c, d)})
}

// onTipDraftButton advances the flow on a button; it returns the toast.
func (b *Bot) onTipDraftButton(c caller, arg string, msgID int) (string, bool) {
	if !c.private {
		return b.t(c, "TipPrivateOnly", nil), true
	}
	if arg == "new" {
		b.startTipFlow(c, nil)
		return "✓", false
	}
	var d storage.TipDraft
	err := b.DB.View(func(tx *storage.Tx) error {
		var err error
		d, err = tx.TipDraft(c.chatID)
		return err
	})
	if err != nil || b.Engine.Now().Sub(d.At) > tipDraftTTL {
		return b.t(c, "ToastStale", nil), false
	}
	switch {
	case arg == "cancel":
		b.tipCancel(c)
		b.tipEdit(c, msgID, b.t(c, "TipCancelled", nil), nil)
		return b.t(c, "TipCancelled", nil), false
	case arg == "next" && d.Step == "photos":
		d.Step = "place"
		if !b.saveTipDraft(c, d) {
			return b.t(c, "InternalError", nil), true
		}
		b.tipEdit(c, msgID, b.t(c, "TipPhotosDone", map[string]any{"Photos": len(d.Photos)}), nil)
		b.tipReply(c, b.t(c, "TipAskPlace", nil), b.tipCancelRow(c))
		return "✓", false
	case (arg == "named" || arg == "anon") && (d.Step == "identity" || d.Step == "confirm"):
		d.Anonymous, d.Step = arg == "anon", "confirm"
		if !b.saveTipDraft(c, d) {
			return b.t(c, "InternalError", nil), true
		}
		b.tipEdit(c, msgID, b.tipPreview(c, d), [][]storage.Button{
			{{Text: b.t(c, "TipButtonSubmit", nil), Data: tipDraftPrefix + "send"}},
			{{Text: b.t(c, "TipButtonSwitch", map[string]any{"Anonymous": d.Anonymous}), Data: tipDraftPrefix + switchTo(d)},
				{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}})
		return "✓", false
	case arg == "send" && d.Step == "confirm":
		return b.submitTip(c, d, msgID)
	}
	return b.t(c, "ToastStale", nil), false
}

func switchTo(d storage.TipDraft) string {
	if d.Anonymous {
		return "named"
	}
	return "anon"
}

// submitTip sends the draft to the tips service, which drops the draft and
// tells the tipster the reference in the same transaction.
func (b *Bot) submitTip(c caller, d storage.TipDraft, msgID int) (string, bool) {
	who := storage.Tipster{ChatID: c.chatID, UserID: c.userID, Name: d.Name, Username: d.Username, Lang: c.lang}
	if c.bound {
		who.Official = c.official.ID
	}
	_, err := b.tipService().Submit(tips.Report{Text: d.Text, Photos: d.Photos, Place: d.Place, Point: d.Point,
		Anonymous: d.Anonymous, Tipster: who})
	if err != nil {
		return b.tipErrorText(c, "", err), true
	}
	b.tipEdit(c, msgID, b.tipPreview(c, d), nil)
	return b.t(c, "TipToastSubmitted", nil), false
}
