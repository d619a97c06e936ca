package fakeapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// markup is a parsed reply_markup parameter.
type markup struct {
	inline    [][]Button
	inlineRaw json.RawMessage // {"inline_keyboard":...}; nil when absent or empty
	keyboard  [][]Button
	remove    bool
}

// parseMarkup decodes reply_markup JSON text and validates callback data.
func parseMarkup(text string) (markup, *apiError) {
	var mk markup
	if strings.TrimSpace(text) == "" || text == "null" {
		return mk, nil
	}
	var raw struct {
		InlineKeyboard json.RawMessage `json:"inline_keyboard"`
		Keyboard       json.RawMessage `json:"keyboard"`
		RemoveKeyboard bool            `json:"remove_keyboard"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return mk, badRequest("can't parse reply keyboard markup JSON object")
	}
	switch {
	case raw.InlineKeyboard != nil:
		var rows [][]models.InlineKeyboardButton
		if err := json.Unmarshal(raw.InlineKeyboard, &rows); err != nil {
			return mk, badRequest("can't parse inline keyboard button: " + err.Error())
		}
		for _, row := range rows {
			var out []Button
			for _, b := range row {
				if len(b.CallbackData) > 64 {
					return mk, badRequest("BUTTON_DATA_INVALID")
				}
				out = append(out, Button{Text: b.Text, Data: b.CallbackData, URL: b.URL})
			}
			if len(out) > 0 {
				mk.inline = append(mk.inline, out)
			}
		}
		if len(mk.inline) > 0 {
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw.InlineKeyboard); err != nil {
				return mk, badRequest("can't parse inline keyboard markup")
			}
			mk.inlineRaw = json.RawMessage(`{"inline_keyboard":` + buf.String() + `}`)
		}
	case raw.Keyboard != nil:
		var rows [][]json.RawMessage
		if err := json.Unmarshal(raw.Keyboard, &rows); err != nil {
			return mk, badRequest("can't parse keyboard button: " + err.Error())
		}
		mk.keyboard = [][]Button{}
		for _, row := range rows {
			var out []Button
			for _, rb := range row {
				var text string
				if json.Unmarshal(rb, &text) == nil {
					out = append(out, Button{Text: text})
					continue
				}
				var kb models.KeyboardButton
				if err := json.Unmarshal(rb, &kb); err != nil {
					return mk, badRequest("can't parse keyboard button: " + err.Error())
				}
				out = append(out, Button{Text: kb.Text, RequestContact: kb.RequestContact})
			}
			if len(out) > 0 {
				mk.keyboard = append(mk.keyboard, out)
			}
		}
	case raw.RemoveKeyboard:
		mk.remove = true
	}
	return mk, nil
}

// sendableChatLocked returns a known chat that has not blocked the bot: a
// group the bot is in, may write in and that was not upgraded.
func (s *Server) sendableChatLocked(id int64) (*chat, *apiError) {
	c := s.chats[id]
	if c == nil {
		return nil, errChatNotFound
	}
	if s.blocked[id] {
		return nil, errForbiddenBlocked
	}
	if id < 0 {
		if aerr := groupRefusalLocked(c); aerr != nil {
			return nil, aerr
		}
	}
	return c, nil
}

func (s *Server) getMe(_ *http.Request, _ params) (any, *apiError) {
	return s.me, nil
}

func (s *Server) deleteWebhook(_ *http.Request, p params) (any, *apiError) {
	if p.bool("drop_pending_updates") {
		s.mu.Lock()
		s.updates = nil
		s.mu.Unlock()
	}
	return true, nil
}

func (s *Server) getWebhookInfo(_ *http.Request, _ params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"url": "", "has_custom_certificate": false, "pending_update_count": len(s.updates)}, nil
}

// getUpdates long-polls: it answers as soon as updates at or after offset exist or timeout expires.
func (s *Server) getUpdates(r *http.Request, p params) (any, *apiError) {
	offset, _ := p.int64("offset")
	limit, ok := p.int("limit")
	if !ok || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := p.int("timeout")
	var allowed []string
	if v := strings.TrimSpace(p.v["allowed_updates"]); v != "" {
		if err := json.Unmarshal([]byte(v), &allowed); err != nil {
			return nil, badRequest("can't parse allowed_updates")
		}
	}

	s.mu.Lock()
	if s.polling {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	}
	s.polling = true
	if allowed != nil {
		s.allowed = nil
		if len(allowed) > 0 {
			s.allowed = map[string]bool{}
			for _, a := range allowed {
				s.allowed[a] = true
			}
		}
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling = false
		s.mu.Unlock()
	}()

	deadline := time.NewTimer(time.Duration(max(0, timeout)) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		out := s.takeUpdatesLocked(offset, limit)
		wake := s.updWake
		s.mu.Unlock()
		if len(out) > 0 || timeout <= 0 {
			return out, nil
		}
		select {
		case <-wake:
		case <-deadline.C:
			timeout = 0
		case <-r.Context().Done():
			return []json.RawMessage{}, nil
		case <-s.closed:
			return []json.RawMessage{}, nil
		}
	}
}

// takeUpdatesLocked forgets confirmed (and disallowed) updates and returns up to limit pending ones.
func (s *Server) takeUpdatesLocked(offset int64, limit int) []json.RawMessage {
	switch {
	case offset > 0:
		s.updates = slices.DeleteFunc(s.updates, func(u update) bool { return u.id < offset })
	case offset < 0 && int64(len(s.updates)) > -offset:
		s.updates = slices.Delete(s.updates, 0, len(s.updates)-int(-offset))
	}
	if s.allowed != nil {
		s.updates = slices.DeleteFunc(s.updates, func(u update) bool { return !s.allowed[u.kind] })
	}
	out := []json.RawMessage{}
	for _, u := range s.updates {
		if len(out) == limit {
			break
		}
		out = append(out, u.raw)
	}
	return out
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// commandsKey identifies a command list by scope and language.
func commandsKey(p params) (string, *apiError) {
	scope := "default"
	if v := strings.TrimSpace(p.v["scope"]); v != "" {
		var sc struct {
			Type   string          `json:"type"`
			ChatID json.RawMessage `json:"chat_id"`
			UserID int64           `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(v), &sc); err != nil || sc.Type == "" {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
		scope = sc.Type
		if len(sc.ChatID) > 0 {
			scope += ":" + strings.Trim(string(sc.ChatID), `"`)
		}
		if sc.UserID != 0 {
			scope += ":" + strconv.FormatInt(sc.UserID, 10)
		}
	}
	return scope + "|" + p.v["language_code"], nil
}

func (s *Server) setMyCommands(_ *http.Request, p params) (any, *apiError) {
	key, aerr := commandsKey(p)
	if aerr != nil {
		return nil, aerr
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(p.v["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := units(strings.TrimSpace(c.Description)); n == 0 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return true, nil
}

func (s *Server) getMyCommands(_ *http.Request, p params) (any, *apiError) {
	key, aerr := commandsKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.commands[key])
	if out == nil {
		out = []models.BotCommand{}
	}
	return out, nil
}

func (s *Server) deleteMyCommands(_ *http.Request, p params) (any, *apiError) {
	key, aerr := commandsKey(p)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, key)
	return true, nil
}

// messageText validates text and parse_mode and returns the plain text.
func messageText(p params) (string, *apiError) {
	plain, aerr := formatted(p.v["text"], p.v["parse_mode"])
	if aerr != nil {
		return "", aerr
	}
	if strings.TrimSpace(plain) == "" {
		return "", badRequest("message text is empty")
	}
	if units(plain) > 4096 {
		return "", badRequest("message is too long")
	}
	return plain, nil
}

func (s *Server) sendMessage(_ *http.Request, p params) (any, *apiError) {
	chatID, aerr := p.chatID()
	if aerr != nil {
		return nil, aerr
	}
	plain, aerr := messageText(p)
	if aerr != nil {
		return nil, aerr
	}
	mk, aerr := parseMarkup(p.v["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	var reply struct {
		MessageID int `json:"message_id"`
	}
	if rp := p.v["reply_parameters"]; rp != "" {
		if err := json.Unmarshal([]byte(rp), &reply); err != nil {
			return nil, badRequest("can't parse reply parameters JSON object")
		}
	}
	paid := p.bool("allow_paid_broadcast")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, aerr := s.sendableChatLocked(chatID)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.sendLimitsLocked(c, paid); aerr != nil {
		return nil, aerr
	}
	bm := s.addBotMsgLocked(c, Message{Text: p.v["text"], ParseMode: p.v["parse_mode"], ReplyTo: reply.MessageID, Paid: paid}, mk, plain)
	return s.wireBotMsgLocked(bm), nil
}

// sendLimitsLocked refuses a send to c that the bot's Stars cannot pay
// for (when paid) or that flood control holds back, and otherwise takes
// its rate tokens; the caller charges a paid send once it is recorded.
func (s *Server) sendLimitsLocked(c *chat, paid bool) *apiError {
	if paid {
		if aerr := s.canPayLocked(); aerr != nil {
			return aerr
		}
	}
	return s.rateLocked(c, paid)
}

// editTarget finds the bot message an edit call addresses.
func (s *Server) editTargetLocked(p params) (*chat, *botMsg, *apiError) {
	if p.v["chat_id"] == "" && p.v["inline_message_id"] != "" {
		return nil, nil, badRequest("message to edit not found")
	}
	chatID, aerr := p.chatID()
	if aerr != nil {
		return nil, nil, aerr
	}
	msgID, aerr := p.messageID()
	if aerr != nil {
		return nil, nil, aerr
	}
	c, aerr := s.sendableChatLocked(chatID)
	if aerr != nil {
		return nil, nil, aerr
	}
	bm := c.find(msgID)
	if bm == nil {
		return nil, nil, badRequest("message to edit not found")
	}
	return c, bm, nil
}

// inlineOnly rejects reply keyboards where only an inline keyboard is allowed.
func inlineOnly(mk markup) *apiError {
	if mk.keyboard != nil || mk.remove {
		return badRequest("inline keyboard expected")
	}
	return nil
}

var errNotModified = badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")

func (s *Server) editMessageText(_ *http.Request, p params) (any, *apiError) {
	plain, aerr := messageText(p)
	if aerr != nil {
		return nil, aerr
	}
	mk, aerr := parseMarkup(p.v["reply_markup"])
	if aerr == nil {
		aerr = inlineOnly(mk)
	}
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, bm, aerr := s.editTargetLocked(p)
	if aerr != nil {
		return nil, aerr
	}
	if bm.file != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	text, mode := p.v["text"], p.v["parse_mode"]
	if bm.Text == text && strings.EqualFold(bm.ParseMode, mode) && bytes.Equal(bm.inlineRaw, mk.inlineRaw) {
		return nil, errNotModified
	}
	if aerr := s.rateLocked(c, false); aerr != nil { // edits carry no allow_paid_broadcast
		return nil, aerr
	}
	bm.Text, bm.ParseMode, bm.plain = text, mode, plain
	s.editedLocked(bm, mk)
	return s.wireBotMsgLocked(bm), nil
}

func (s *Server) editMessageReplyMarkup(_ *http.Request, p params) (any, *apiError) {
	mk, aerr := parseMarkup(p.v["reply_markup"])
	if aerr == nil {
		aerr = inlineOnly(mk)
	}
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, bm, aerr := s.editTargetLocked(p)
	if aerr != nil {
		return nil, aerr
	}
	if bytes.Equal(bm.inlineRaw, mk.inlineRaw) {
		return nil, errNotModified
	}
	if aerr := s.rateLocked(c, false); aerr != nil { // edits carry no allow_paid_broadcast
		return nil, aerr
	}
	s.editedLocked(bm, mk)
	return s.wireBotMsgLocked(bm), nil
}

// editedLocked applies the new inline keyboard (absent = removed) and bumps edit counters.
func (s *Server) editedLocked(bm *botMsg, mk markup) {
	bm.Inline, bm.inlineRaw = mk.inline, mk.inlineRaw
	bm.Edits++
	bm.EditDate = s.now()
	if c := s.chats[bm.ChatID]; c != nil {
		c.posted = append(c.posted, bm.EditDate)
	}
	s.stats.Edited++
	s.notifyLocked()
}

func (s *Server) answerCallbackQuery(_ *http.Request, p params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[p.v["callback_query_id"]]
	if q == nil || q.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if units(p.v["text"]) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	cacheTime, _ := p.int("cache_time")
	q.answered = true
	q.answer = CallbackAnswer{Text: p.v["text"], ShowAlert: p.bool("show_alert"), URL: p.v["url"], CacheTime: cacheTime}
	s.notifyLocked()
	return true, nil
}

func (s *Server) sendDocument(_ *http.Request, p params) (any, *apiError) {
	return s.sendFile(p, "document")
}

func (s *Server) sendPhoto(_ *http.Request, p params) (any, *apiError) {
	return s.sendFile(p, "photo")
}

// sendFile implements sendDocument and sendPhoto; field names the file parameter.
func (s *Server) sendFile(p params, field string) (any, *apiError) {
	chatID, aerr := p.chatID()
	if aerr != nil {
		return nil, aerr
	}
	caption, mode := p.v["caption"], p.v["parse_mode"]
	plain, aerr := formatted(caption, mode)
	if aerr != nil {
		return nil, aerr
	}
	if units(plain) > 1024 {
		return nil, badRequest("message caption is too long")
	}
	mk, aerr := parseMarkup(p.v["reply_markup"])
	if aerr != nil {
		return nil, aerr
	}
	up, uploaded := p.files[field]
	ref := strings.TrimSpace(p.v[field])
	switch {
	case uploaded && len(up.data) == 0:
		return nil, badRequest("file must be non-empty")
	case !uploaded && ref == "":
		return nil, badRequest("there is no " + field + " in the request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, aerr := s.sendableChatLocked(chatID)
	if aerr != nil {
		return nil, aerr
	}
	f := s.files[ref]
	if !uploaded && f == nil && !strings.Contains(ref, "://") {
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	paid := p.bool("allow_paid_broadcast")
	if aerr := s.sendLimitsLocked(c, paid); aerr != nil {
		return nil, aerr
	}
	switch {
	case uploaded:
		f = s.addFileLocked(field+"s", up.name, up.data)
	case f == nil: // an HTTP URL Telegram would fetch
		f = s.addFileLocked(field+"s", path.Base(ref), nil)
	}
	m := Message{Document: f.name, Photo: field == "photo", Data: f.data, Caption: caption, ParseMode: mode, Paid: paid}
	bm := s.addBotMsgLocked(c, m, mk, plain)
	bm.file = f
	return s.wireBotMsgLocked(bm), nil
}

func (s *Server) deleteMessage(_ *http.Request, p params) (any, *apiError) {
	chatID, aerr := p.chatID()
	if aerr != nil {
		return nil, aerr
	}
	msgID, aerr := p.messageID()
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil, errChatNotFound
	}
	if i, ok := c.index(msgID); ok {
		s.deleteLocked(c, i)
		s.notifyLocked()
		return true, nil
	}
	if c.userMsgs[msgID] {
		delete(c.userMsgs, msgID)
		c.userLog = slices.DeleteFunc(c.userLog, func(m UserMessage) bool { return m.ID == msgID })
		s.notifyLocked()
		return true, nil
	}
	return nil, badRequest("message to delete not found")
}

func (s *Server) sendChatAction(_ *http.Request, p params) (any, *apiError) {
	chatID, aerr := p.chatID()
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, aerr := s.sendableChatLocked(chatID); aerr != nil {
		return nil, aerr
	}
	return true, nil
}

func (s *Server) getFile(_ *http.Request, p params) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[p.v["file_id"]]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	return models.File{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: int64(len(f.data)), FilePath: f.path}, nil
}

// serveFile answers file downloads at /file/bot<token>/<path>.
func (s *Server) serveFile(w http.ResponseWriter, rest string) {
	token, filePath, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	var data []byte
	found := false
	if f := s.filePaths[filePath]; token == s.token && f != nil && f.data != nil {
		data, found = f.data, true
	}
	s.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}
