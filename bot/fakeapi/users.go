package fakeapi

import (
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// User is a Telegram user the server plays; their private chat id equals ID.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

func (u User) model() models.User {
	return models.User{
		ID:           u.ID,
		FirstName:    u.FirstName,
		LastName:     u.LastName,
		Username:     u.Username,
		LanguageCode: u.LanguageCode,
	}
}

// CallbackAnswer is what the bot answered to a callback query.
type CallbackAnswer struct {
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
}

// chat is the server-side state of one chat.
type chat struct {
	id       int64
	title    string
	lastID   int           // last message id used in this chat (user and bot share the sequence)
	msgs     []*botMsg     // live bot messages in send order
	userMsgs map[int]bool  // live user message ids; nil before the first
	userLog  []UserMessage // live user messages in send order
	keyboard [][]Button    // reply keyboard currently shown to the user
	sentAt   []time.Time   // accepted sends
	posted   []time.Time   // accepted sends and edits, which a group's limit counts
	bucket   *bucket       // per-chat flood control
	// Groups (groups.go): their members, the bot's place (zero: a member
	// not told of it), whether the bot was told of its place, and the
	// supergroup a basic group was upgraded to.
	members    map[int64]bool
	bot        botPlace
	joined     bool
	migratedTo int64
}

func newChat(id int64) *chat {
	c := &chat{id: id}
	if id < 0 { // a private chat has no members to keep
		c.members = map[int64]bool{}
	}
	return c
}

// find returns the live bot message with the id, or nil.
func (c *chat) find(id int) *botMsg {
	if i, ok := c.index(id); ok {
		return c.msgs[i]
	}
	return nil
}

// index finds a live bot message by id: c.msgs is in send order, so in
// order of ids.
func (c *chat) index(id int) (int, bool) {
	return slices.BinarySearchFunc(c.msgs, id, func(m *botMsg, id int) int { return m.ID - id })
}

// update is a queued entry for getUpdates.
type update struct {
	id   int64
	kind string
	raw  json.RawMessage
}

// query is a callback query sent by Press.
type query struct {
	answered bool
	answer   CallbackAnswer
}

// file is a document or photo known to the server.
type file struct {
	id, uniqueID, name, path, mime string
	data                           []byte
}

// wireMessage is a Message as it travels over the wire.
type wireMessage struct {
	MessageID   int                    `json:"message_id"`
	From        *models.User           `json:"from,omitempty"`
	Date        int64                  `json:"date"`
	Chat        models.Chat            `json:"chat"`
	EditDate    int64                  `json:"edit_date,omitempty"`
	Text        string                 `json:"text,omitempty"`
	Entities    []models.MessageEntity `json:"entities,omitempty"`
	Document    *models.Document       `json:"document,omitempty"`
	Photo       []models.PhotoSize     `json:"photo,omitempty"`
	Caption     string                 `json:"caption,omitempty"`
	Contact     *models.Contact        `json:"contact,omitempty"`
	ReplyMarkup json.RawMessage        `json:"reply_markup,omitempty"`
	// A group's upgrade to a supergroup (groups.go).
	MigrateToChatID   int64 `json:"migrate_to_chat_id,omitempty"`
	MigrateFromChatID int64 `json:"migrate_from_chat_id,omitempty"`
}

// wireInaccessible is an InaccessibleMessage (date 0) for presses on unknown messages.
type wireInaccessible struct {
	Chat      models.Chat `json:"chat"`
	MessageID int         `json:"message_id"`
	Date      int         `json:"date"`
}

// wireCallbackQuery is a CallbackQuery as it travels over the wire.
type wireCallbackQuery struct {
	ID           string      `json:"id"`
	From         models.User `json:"from"`
	Message      any         `json:"message,omitempty"`
	ChatInstance string      `json:"chat_instance"`
	Data         string      `json:"data,omitempty"`
}

// AddUser registers (or replaces) a user and their private chat.
func (s *Server) AddUser(u User) {
	if u.ID <= 0 {
		panic(fmt.Sprintf("fakeapi: user id must be positive, got %d", u.ID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserLocked(u)
}

func (s *Server) addUserLocked(u User) {
	if u.FirstName == "" {
		u.FirstName = fmt.Sprintf("User%d", u.ID)
	}
	s.users[u.ID] = u
	if s.chats[u.ID] == nil {
		s.chats[u.ID] = newChat(u.ID)
	}
}

// userLocked returns the user, registering an anonymous one if unknown.
func (s *Server) userLocked(id int64) User {
	if id <= 0 {
		panic(fmt.Sprintf("fakeapi: user id must be positive, got %d", id))
	}
	if _, ok := s.users[id]; !ok {
		s.addUserLocked(User{ID: id})
	}
	return s.users[id]
}

// AddGroup registers a group chat (chatID must be negative) with a title.
func (s *Server) AddGroup(chatID int64, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groupLocked(chatID).title = title
}

func (s *Server) groupLocked(chatID int64) *chat {
	if chatID >= 0 {
		panic(fmt.Sprintf("fakeapi: group chat id must be negative, got %d", chatID))
	}
	c := s.chats[chatID]
	if c == nil {
		c = newChat(chatID)
		c.title = fmt.Sprintf("Group %d", -chatID)
		s.chats[chatID] = c
	}
	return c
}

// wireChatLocked describes a chat for the wire.
func (s *Server) wireChatLocked(id int64) models.Chat {
	if id > 0 {
		u := s.users[id]
		return models.Chat{ID: id, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
	}
	title := fmt.Sprintf("Group %d", -id)
	if c := s.chats[id]; c != nil {
		title = c.title
	}
	typ := models.ChatTypeGroup
	if id <= supergroupIDs {
		typ = models.ChatTypeSupergroup
	}
	return models.Chat{ID: id, Type: typ, Title: title}
}

// enqueueLocked queues an update of the given kind for getUpdates.
func (s *Server) enqueueLocked(kind string, payload any) {
	s.nextUpdate++
	raw, err := json.Marshal(map[string]any{"update_id": s.nextUpdate, kind: payload})
	if err != nil {
		panic("fakeapi: cannot encode update: " + err.Error())
	}
	s.updates = append(s.updates, update{id: s.nextUpdate, kind: kind, raw: raw})
	close(s.updWake)
	s.updWake = make(chan struct{})
}

// userMessageLocked stamps m as a new message of u in c, records and queues it.
func (s *Server) userMessageLocked(c *chat, u User, m wireMessage) int {
	now := s.now()
	c.lastID++
	if c.userMsgs == nil {
		c.userMsgs = map[int]bool{}
	}
	c.userMsgs[c.lastID] = true
	from := u.model()
	m.MessageID = c.lastID
	m.From = &from
	m.Date = now.Unix()
	m.Chat = s.wireChatLocked(c.id)
	um := UserMessage{ChatID: c.id, ID: m.MessageID, From: u.ID, Text: m.Text, Caption: m.Caption, Date: now}
	if m.Contact != nil {
		um.Contact = m.Contact.PhoneNumber
	}
	if m.Document != nil {
		um.Document, um.FileID = m.Document.FileName, m.Document.FileID
	}
	if n := len(m.Photo); n > 0 {
		um.FileID = m.Photo[n-1].FileID
		if f := s.files[um.FileID]; f != nil {
			um.Photo = f.name
		}
	}
	c.userLog = append(c.userLog, um)
	if inGroupLocked(c) {
		s.enqueueLocked("message", m) // a bot not in a group hears nothing of it
	}
	s.notifyLocked()
	return m.MessageID
}

// commandEntities returns a bot_command entity (UTF-16 units) when text starts with "/".
func commandEntities(text string) []models.MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	cmd := text
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		cmd = text[:i]
	}
	if len(cmd) < 2 {
		return nil
	}
	return []models.MessageEntity{{
		Type:   models.MessageEntityTypeBotCommand,
		Offset: 0,
		Length: len(utf16.Encode([]rune(cmd))),
	}}
}

// NextMessageID takes the next message id of the user's private chat, for
// a message a test hands the bot directly (Bot.HandleUpdate): message ids
// of a chat only grow, as Telegram's do, and the bot relies on it.
func (s *Server) NextMessageID(userID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userLocked(userID)
	c := s.chats[userID]
	c.lastID++
	return c.lastID
}

// SendText makes the user write text to the bot in their private chat; it returns the message id.
func (s *Server) SendText(userID int64, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	return s.userMessageLocked(s.chats[userID], u, wireMessage{Text: text, Entities: commandEntities(text)})
}

// SendGroupText makes the user write text in a group chat (negative id),
// of which they become a member; it returns the message id. The bot gets
// it only while it is in the group.
func (s *Server) SendGroupText(chatID int64, userID int64, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.groupLocked(chatID)
	u := s.userLocked(userID)
	c.members[userID] = true
	return s.userMessageLocked(c, u, wireMessage{Text: text, Entities: commandEntities(text)})
}

// ShareContact makes the user share a contact (e.g. via a request_contact button); it returns the message id.
func (s *Server) ShareContact(userID int64, phone string, contactUserID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	owner := u
	if cu, ok := s.users[contactUserID]; ok {
		owner = cu
	}
	contact := &models.Contact{PhoneNumber: phone, FirstName: owner.FirstName, LastName: owner.LastName, UserID: contactUserID}
	return s.userMessageLocked(s.chats[userID], u, wireMessage{Contact: contact})
}

// SendDocument makes the user upload a document (downloadable via getFile); it returns the message id.
func (s *Server) SendDocument(userID int64, fileName string, data []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	f := s.addFileLocked("documents", fileName, data)
	return s.userMessageLocked(s.chats[userID], u, wireMessage{Document: f.document()})
}

// SendGroupDocument makes the user upload a document in a group chat
// (negative id); it returns the message id.
func (s *Server) SendGroupDocument(chatID int64, userID int64, fileName string, data []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.groupLocked(chatID)
	u := s.userLocked(userID)
	c.members[userID] = true
	f := s.addFileLocked("documents", fileName, data)
	return s.userMessageLocked(c, u, wireMessage{Document: f.document()})
}

// addFileLocked stores file content and gives it an id and a download path.
func (s *Server) addFileLocked(dir, name string, data []byte) *file {
	s.nextFile++
	n := s.nextFile
	f := &file{
		id:       fmt.Sprintf("BQACAgIAAxkBAAI%06d", n),
		uniqueID: fmt.Sprintf("AgAD%06d", n),
		name:     name,
		path:     fmt.Sprintf("%s/file_%d%s", dir, n, path.Ext(name)),
		mime:     mime.TypeByExtension(path.Ext(name)),
		data:     append([]byte(nil), data...),
	}
	if f.mime == "" {
		f.mime = "application/octet-stream"
	}
	s.files[f.id] = f
	s.filePaths[f.path] = f
	return f
}

func (f *file) document() *models.Document {
	return &models.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime, FileSize: int64(len(f.data))}
}

func (f *file) photo() []models.PhotoSize {
	return []models.PhotoSize{{FileID: f.id, FileUniqueID: f.uniqueID, Width: 1, Height: 1, FileSize: len(f.data)}}
}

// Press makes the user press a button with data on a bot message (sent in its current state); it returns the query id.
func (s *Server) Press(userID int64, chatID int64, messageID int, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pressLocked(userID, chatID, messageID, data)
}

// PressButton presses the inline button labelled text on a bot message; it fails if there is none.
func (s *Server) PressButton(userID int64, chatID int64, messageID int, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var bm *botMsg
	if c := s.chats[chatID]; c != nil {
		bm = c.find(messageID)
	}
	if bm == nil {
		return "", fmt.Errorf("fakeapi: chat %d has no bot message %d", chatID, messageID)
	}
	var labels []string
	for _, row := range bm.Inline {
		for _, b := range row {
			if b.Text == text && b.Data != "" {
				return s.pressLocked(userID, chatID, messageID, b.Data), nil
			}
			labels = append(labels, strconv.Quote(b.Text))
		}
	}
	return "", fmt.Errorf("fakeapi: message %d in chat %d has no callback button %q (buttons: %s)",
		messageID, chatID, text, strings.Join(labels, ", "))
}

func (s *Server) pressLocked(userID int64, chatID int64, messageID int, data string) string {
	u := s.userLocked(userID)
	var msg any = wireInaccessible{Chat: s.wireChatLocked(chatID), MessageID: messageID}
	if c := s.chats[chatID]; c != nil {
		if bm := c.find(messageID); bm != nil {
			msg = s.wireBotMsgLocked(bm)
		}
	}
	s.nextQuery++
	id := strconv.FormatInt(4_000_000_000_000_000_000+s.nextQuery, 10)
	s.queries[id] = &query{}
	s.enqueueLocked("callback_query", wireCallbackQuery{
		ID:           id,
		From:         u.model(),
		Message:      msg,
		ChatInstance: strconv.FormatInt(chatID, 10),
		Data:         data,
	})
	return id
}

// Answer reports what answerCallbackQuery said for the query, if it was answered.
func (s *Server) Answer(queryID string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[queryID]
	if q == nil || !q.answered {
		return CallbackAnswer{}, false
	}
	return q.answer, true
}

// WaitAnswer waits up to timeout for the bot to answer the callback query.
func (s *Server) WaitAnswer(queryID string, timeout time.Duration) (CallbackAnswer, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		q := s.queries[queryID]
		wake := s.changedLocked()
		s.mu.Unlock()
		if q == nil {
			return CallbackAnswer{}, fmt.Errorf("fakeapi: unknown callback query %q", queryID)
		}
		if a, ok := s.Answer(queryID); ok {
			return a, nil
		}
		select {
		case <-wake:
		case <-deadline.C:
			return CallbackAnswer{}, fmt.Errorf("fakeapi: callback query %q not answered within %v", queryID, timeout)
		}
	}
}

// Pending returns how many updates the bot has not yet confirmed via getUpdates offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}
