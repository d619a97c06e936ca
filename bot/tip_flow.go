package bot

import (
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

// tipDraft is a tip being composed. It holds the sender's Telegram names
// only until the tip is sent, when they are sealed.
type tipDraft struct {
	Step      string         `json:"step"` // text, photos, place, identity, confirm
	Text      string         `json:"text,omitempty"`
	Photos    []string       `json:"photos,omitempty"`
	Place     string         `json:"place,omitempty"`
	Point     *storage.Point `json:"point,omitempty"`
	Anonymous bool           `json:"anonymous,omitempty"`
	// Name and Username are the Telegram names of the sender, shown to
	// handlers only if the tip is named.
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
}

func (d tipDraft) flowStep() string { return d.Step }

func (b *Bot) startTipFlow(c caller, m *models.Message) {
	d := tipDraft{Step: "text"}
	if m != nil && m.From != nil {
		d.Name = strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
		d.Username = m.From.Username
	}
	if b.startFlow(c, flowTip, d) {
		b.tipReply(c, b.t(c, "TipAskText", nil), b.tipCancelRow(c))
	}
}

func (b *Bot) saveTipDraft(c caller, d tipDraft) bool { return b.saveFlow(c, flowTip, d) }

func (b *Bot) tipCancelRow(c caller) [][]storage.Button {
	return [][]storage.Button{{{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}}
}

// onTipDraftInput moves the draft on with what the tipster sent.
func (b *Bot) onTipDraftInput(c caller, d tipDraft, m *models.Message) {
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
			return
		}
		b.tipReply(c, b.t(c, "TipAskPhotos", map[string]any{"Photos": len(d.Photos)}), b.tipPhotoButtons(c, d))
	case "photos":
		switch {
		case photo != "":
			if !b.saveTipDraft(c, d) {
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
func (b *Bot) tipPlace(c caller, d tipDraft, text string, point *storage.Point) {
	if utf8.RuneCountInString(text) > tips.MaxPlace {
		b.tipReply(c, b.t(c, "TipErrTooLong", nil), nil)
		return
	}
	d.Place, d.Point, d.Step = text, point, "identity"
	if !b.saveTipDraft(c, d) {
		return
	}
	b.tipReply(c, b.t(c, "TipAskIdentity", map[string]any{"Name": b.tipsterName(c, d)}), [][]storage.Button{
		{{Text: b.t(c, "TipButtonNamed", nil), Data: tipDraftPrefix + "named"},
			{Text: b.t(c, "TipButtonAnonymous", nil), Data: tipDraftPrefix + "anon"}},
		{{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}})
}

func (b *Bot) tipPhotoButtons(c caller, d tipDraft) [][]storage.Button {
	label := "TipButtonNoPhotos"
	if len(d.Photos) > 0 {
		label = "ButtonNext"
	}
	return [][]storage.Button{{{Text: b.t(c, label, nil), Data: tipDraftPrefix + "next"},
		{Text: b.t(c, "ButtonCancel", nil), Data: tipDraftPrefix + "cancel"}}}
}

// tipsterName is the name handlers see on a named tip: an official's
// registered name, else the Telegram name.
func (b *Bot) tipsterName(c caller, d tipDraft) string {
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

func (b *Bot) tipPreview(c caller, d tipDraft) string {
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
	var d tipDraft
	if !b.flowData(c, flowTip, &d) {
		return b.t(c, "ToastStale", nil), false
	}
	switch {
	case arg == "cancel":
		b.endFlow(c, flowTip)
		b.tipEdit(c, msgID, b.t(c, "TipCancelled", nil), nil)
		return b.t(c, "TipCancelled", nil), false
	case arg == "next" && d.Step == "photos":
		d.Step = "place"
		if !b.saveTipDraft(c, d) {
			return b.t(c, "ToastStale", nil), false
		}
		b.tipEdit(c, msgID, b.t(c, "TipPhotosDone", map[string]any{"Photos": len(d.Photos)}), nil)
		b.tipReply(c, b.t(c, "TipAskPlace", nil), b.tipCancelRow(c))
		return "✓", false
	case (arg == "named" || arg == "anon") && (d.Step == "identity" || d.Step == "confirm"):
		d.Anonymous, d.Step = arg == "anon", "confirm"
		if !b.saveTipDraft(c, d) {
			return b.t(c, "ToastStale", nil), false
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

func switchTo(d tipDraft) string {
	if d.Anonymous {
		return "named"
	}
	return "anon"
}

// submitTip sends the draft to the tips service, which drops the draft and
// tells the tipster the reference in the same transaction.
func (b *Bot) submitTip(c caller, d tipDraft, msgID int) (string, bool) {
	who := tips.Tipster{ChatID: c.chatID, UserID: c.userID, Name: d.Name, Username: d.Username, Lang: c.lang}
	if c.bound {
		who.Official = c.official.ID
	}
	_, err := b.tipService().Submit(tips.Report{Text: d.Text, Photos: d.Photos, Place: d.Place, Point: d.Point,
		Anonymous: d.Anonymous, Tipster: who, Done: func(tx *storage.Tx) error {
			_, err := endFlowIn(tx, c.chatID, flowTip)
			return err
		}})
	if err != nil {
		return b.tipErrorText(c, "", err), true
	}
	b.tipEdit(c, msgID, b.tipPreview(c, d), nil)
	return b.t(c, "TipToastSubmitted", nil), false
}
