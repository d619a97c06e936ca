package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/outbox"
	"dutybot/storage"
)

// Sender delivers queued jobs through the Bot API and classifies its errors
// for the outbox.
type Sender struct {
	api    *tg.Bot
	apiURL string // telegram.api_url, for ReachHint
}

// Send implements outbox.Sender. Every text is fitted to Telegram's limit
// here (fitText), whoever built the job: Telegram refuses a longer one, and
// a message cut short still arrives. A text for a group has its phone
// numbers and board links masked (groupSafe).
func (s *Sender) Send(ctx context.Context, j storage.Job) (int, error) {
	limit := maxMessageUnits
	if j.Op == storage.OpPhoto || j.Op == storage.OpDocument {
		limit = maxCaptionUnits
	}
	if j.ChatID < 0 {
		j.Text = groupSafe(j.Text) // a group is read by everyone in it
	}
	j.Text = fitText(j.Text, limit)
	switch j.Op {
	case storage.OpEdit:
		p := &tg.EditMessageTextParams{ChatID: j.ChatID, MessageID: j.MessageID, Text: j.Text}
		// An edit always states its keyboard: none means the buttons go.
		p.ReplyMarkup = inlineMarkup(j.Buttons, true)
		_, err := s.api.EditMessageText(ctx, p)
		if err != nil {
			if errors.Is(err, tg.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified") {
				return j.MessageID, nil
			}
			return 0, classify(err)
		}
		return j.MessageID, nil
	case storage.OpPhoto:
		var photo models.InputFile = &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(j.Photo)}
		if len(j.Photo) == 0 && j.FileID != "" {
			photo = &models.InputFileString{Data: j.FileID}
		}
		m, err := s.api.SendPhoto(ctx, &tg.SendPhotoParams{ChatID: j.ChatID, Caption: j.Text, Photo: photo, AllowPaidBroadcast: j.Paid})
		if err != nil {
			return 0, classify(err)
		}
		return m.ID, nil
	case storage.OpDocument:
		m, err := s.api.SendDocument(ctx, &tg.SendDocumentParams{ChatID: j.ChatID, Caption: j.Text, AllowPaidBroadcast: j.Paid,
			Document: &models.InputFileUpload{Filename: j.FileName, Data: bytes.NewReader(j.File)}})
		if err != nil {
			return 0, classify(err)
		}
		return m.ID, nil
	default:
		// Paid: a first call chosen for paid broadcast (0.1 Star, up to
		// 1,000 a second); the dispatcher clears it while paid is off.
		p := &tg.SendMessageParams{ChatID: j.ChatID, Text: j.Text, AllowPaidBroadcast: j.Paid}
		if j.ReplyTo != 0 {
			p.ReplyParameters = &models.ReplyParameters{MessageID: j.ReplyTo, AllowSendingWithoutReply: true}
		}
		switch {
		case j.Reply != nil && j.Reply.Remove:
			p.ReplyMarkup = &models.ReplyKeyboardRemove{RemoveKeyboard: true}
		case j.Reply != nil && j.Reply.ContactLabel != "":
			p.ReplyMarkup = &models.ReplyKeyboardMarkup{
				Keyboard:        [][]models.KeyboardButton{{{Text: j.Reply.ContactLabel, RequestContact: true}}},
				ResizeKeyboard:  true,
				OneTimeKeyboard: true,
			}
		default:
			if m := inlineMarkup(j.Buttons, false); m != nil {
				p.ReplyMarkup = m
			}
		}
		m, err := s.api.SendMessage(ctx, p)
		if err != nil {
			return 0, classify(err)
		}
		return m.ID, nil
	}
}

// inlineKeyboard is the Bot API's InlineKeyboardMarkup with callback
// buttons only. go-telegram/bot's models.InlineKeyboardButton always encodes
// an empty "copy_text", which the Bot API has been reported to reject
// (BUTTON_COPY_TEXT_INVALID); this sends just what a callback button needs.
type inlineKeyboard struct {
	InlineKeyboard [][]callbackButton `json:"inline_keyboard"`
}

type callbackButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

func inlineMarkup(rows [][]storage.Button, empty bool) models.ReplyMarkup {
	if len(rows) == 0 {
		if empty {
			return &inlineKeyboard{InlineKeyboard: [][]callbackButton{}}
		}
		return nil
	}
	kb := make([][]callbackButton, len(rows))
	for i, row := range rows {
		for _, b := range row {
			kb[i] = append(kb[i], callbackButton{Text: b.Text, CallbackData: b.Data})
		}
	}
	return &inlineKeyboard{InlineKeyboard: kb}
}

// noStars tells a paid message refused for lack of Stars. The Bot API
// documents no wording for it; MTProto's is BALANCE_TOO_LOW, and other
// wordings seen for Stars payments are matched too.
func noStars(err error) bool {
	if !errors.Is(err, tg.ErrorBadRequest) && !strings.Contains(err.Error(), ", 402 ") {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, w := range []string{"balance_too_low", "not enough stars", "stars_balance", "insufficient stars", "payment required"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// classify maps Bot API errors onto the outbox's retry rules.
func classify(err error) error {
	var tooMany *tg.TooManyRequestsError
	var migrate *tg.MigrateError
	switch {
	case errors.As(err, &tooMany):
		return &outbox.RetryAfterError{After: time.Duration(max(tooMany.RetryAfter, 1)) * time.Second}
	case errors.Is(err, tg.ErrorForbidden):
		return fmt.Errorf("%w: %v", outbox.ErrUnreachable, err)
	case errors.As(err, &migrate):
		// A group upgraded to a supergroup: the outbox sends there instead.
		return &outbox.MovedError{To: int64(migrate.MigrateToChatID), Err: fmt.Errorf("%w: %v", outbox.ErrPermanent, err)}
	case noStars(err):
		return fmt.Errorf("%w: %v", outbox.ErrNoStars, err)
	case errors.Is(err, tg.ErrorBadRequest):
		if strings.Contains(err.Error(), "chat not found") {
			return fmt.Errorf("%w: %v", outbox.ErrUnreachable, err)
		}
		return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
	case errors.Is(err, tg.ErrorNotFound):
		return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
	}
	return err // 5xx, timeouts, network: retried
}
