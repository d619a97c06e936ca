package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// Limits of the JSON endpoints.
const (
	maxWait     = 25 * time.Second // one long poll of /sandbox/wait
	answerWait  = 10 * time.Second // how long a press waits for its toast
	maxUpload   = 20 << 20         // a roster file
	maxTextRune = 4096             // Telegram's message limit
)

// Button is a keyboard button as the page shows it.
type Button struct {
	Text    string `json:"text"`
	Data    string `json:"data,omitempty"`    // callback data of an inline button
	URL     string `json:"url,omitempty"`     // link of an inline button
	Contact bool   `json:"contact,omitempty"` // reply button that shares the contact
}

// Item is one message of a chat transcript, from either side.
type Item struct {
	ID       int        `json:"id"`
	From     string     `json:"from"` // "bot" or "user"
	Text     string     `json:"text,omitempty"`
	Time     string     `json:"time"`             // HH:MM, with the date when not today
	Edited   string     `json:"edited,omitempty"` // time of the last edit
	Buttons  [][]Button `json:"buttons,omitempty"`
	Document string     `json:"document,omitempty"` // file name
	Download string     `json:"download,omitempty"` // link to the bot's document
	Photo    string     `json:"photo,omitempty"`    // link to the image of a photo, from either side
	Contact  string     `json:"contact,omitempty"`  // phone of a shared contact, as config.DisplayPhone shows it
	By       string     `json:"by,omitempty"`       // in a work group: the name of the member who wrote it
	ByID     string     `json:"by_id,omitempty"`    // and their official id
}

// Chat is one official's private chat with the bot.
type Chat struct {
	Version  uint64     `json:"version"`
	Official string     `json:"official"`
	Messages []Item     `json:"messages"`
	Keyboard [][]Button `json:"keyboard,omitempty"` // reply keyboard shown now
}

// Person is an official the page offers to play.
type Person struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	Roles    []string `json:"roles"`
	Phone    string   `json:"phone"` // as config.DisplayPhone shows it
	UserID   int64    `json:"user_id"`
	Bound    bool     `json:"bound"`
	Messages int      `json:"messages"` // bot messages in their chat
}

// People is the list of officials with the change counter it was read at.
type People struct {
	Version uint64   `json:"version"`
	People  []Person `json:"people"`
}

// routes adds the JSON endpoints under /sandbox/.
func (s *Sandbox) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sandbox/people", s.handlePeople)
	mux.HandleFunc("GET /sandbox/chat", s.handleChat)
	mux.HandleFunc("GET /sandbox/wait", s.handleWait)
	mux.HandleFunc("POST /sandbox/send", s.handleSend)
	mux.HandleFunc("POST /sandbox/contact", s.handleContact)
	mux.HandleFunc("POST /sandbox/press", s.handlePress)
	mux.HandleFunc("POST /sandbox/upload", s.handleUpload)
	mux.HandleFunc("POST /sandbox/photo", s.handlePhoto)
	mux.HandleFunc("GET /sandbox/file", s.handleFile)
	mux.HandleFunc("GET /sandbox/groups", s.handleGroups)
	mux.HandleFunc("GET /sandbox/group", s.handleGroupChat)
	mux.HandleFunc("POST /sandbox/group/send", s.handleGroupSend)
	mux.HandleFunc("POST /sandbox/group/press", s.handleGroupPress)
	s.phoneRoutes(mux)
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, apiError{Error: fmt.Sprintf(format, args...)})
}

// person finds the official named by id, answering 400/404 when there is none.
func (s *Sandbox) person(w http.ResponseWriter, id string) (person, bool) {
	if id == "" {
		fail(w, http.StatusBadRequest, `"as" names no official`)
		return person{}, false
	}
	i, ok := s.byID[id]
	if !ok {
		fail(w, http.StatusNotFound, "no official %q in the configuration", id)
		return person{}, false
	}
	return s.people[i], true
}

// lang is the page language asked for, else the configuration's.
func (s *Sandbox) lang(r *http.Request) string {
	if l := locales.Match(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie("lang"); err == nil {
		if l := locales.Match(c.Value); l != "" {
			return l
		}
	}
	return s.cfg.Language
}

// bound reports which officials have a binding.
func (s *Sandbox) bound() (map[string]bool, error) {
	out := map[string]bool{}
	err := s.app.DB.View(func(tx *storage.Tx) error {
		bs, err := tx.Bindings()
		for _, b := range bs {
			out[b.Official] = true
		}
		return err
	})
	return out, err
}

// PeopleList lists the officials in config order as lang shows them.
func (s *Sandbox) PeopleList(lang string) (People, error) {
	v := s.fake.Version()
	bound, err := s.bound()
	if err != nil {
		return People{}, fmt.Errorf("read bindings: %w", err)
	}
	cat := s.app.Catalog
	out := People{Version: v, People: make([]Person, 0, len(s.people))}
	for _, p := range s.people {
		unit := p.Unit
		if u, ok := s.cfg.Unit(p.Unit); ok {
			unit = u.Name
		}
		roles := make([]string, 0, len(p.Roles))
		for _, r := range p.Roles {
			roles = append(roles, cat.T(lang, "Role_"+r, nil))
		}
		out.People = append(out.People, Person{ID: p.ID, Name: p.Name, Unit: unit, Roles: roles,
			Phone: config.DisplayPhone(p.Phone), UserID: p.UserID, Bound: bound[p.ID], Messages: len(s.fake.Messages(p.UserID))})
	}
	return out, nil
}

func (s *Sandbox) handlePeople(w http.ResponseWriter, r *http.Request) {
	ppl, err := s.PeopleList(s.lang(r))
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, ppl)
}

// Transcript is the official's chat: what they sent and what the bot sent,
// in order, with the bot messages in their current (edited) state.
func (s *Sandbox) Transcript(official string) (Chat, bool) {
	i, ok := s.byID[official]
	if !ok {
		return Chat{}, false
	}
	p := s.people[i]
	c := Chat{Version: s.fake.Version(), Official: p.ID, Messages: []Item{}}
	now := time.Now()
	for _, m := range s.fake.Messages(p.UserID) {
		it := Item{ID: m.ID, From: "bot", Text: m.Text, Time: s.clock(m.Date, now), Buttons: inline(m.Inline)}
		if m.Edits > 0 {
			it.Edited = s.clock(m.EditDate, now)
		}
		switch {
		case m.Photo:
			it.Text, it.Photo = m.Caption, fileLink(p.ID, m.ID)
		case m.Document != "":
			it.Text, it.Document = m.Caption, m.Document
			it.Download = fileLink(p.ID, m.ID)
		}
		c.Messages = append(c.Messages, it)
	}
	for _, m := range s.fake.UserMessages(p.UserID) {
		it := Item{ID: m.ID, From: "user", Text: m.Text, Time: s.clock(m.Date, now),
			Document: m.Document, Contact: config.DisplayPhone(m.Contact)}
		if m.Photo != "" {
			it.Text, it.Photo = m.Caption, fileLink(p.ID, m.ID)
		}
		c.Messages = append(c.Messages, it)
	}
	slices.SortFunc(c.Messages, func(a, b Item) int { return a.ID - b.ID })
	for _, row := range s.fake.ReplyKeyboard(p.UserID) {
		var out []Button
		for _, b := range row {
			out = append(out, Button{Text: b.Text, Contact: b.RequestContact})
		}
		c.Keyboard = append(c.Keyboard, out)
	}
	return c, true
}

func inline(rows [][]fakeapi.Button) [][]Button {
	var out [][]Button
	for _, row := range rows {
		var r []Button
		for _, b := range row {
			r = append(r, Button{Text: b.Text, Data: b.Data, URL: b.URL})
		}
		out = append(out, r)
	}
	return out
}

// clock shows t in the configured time zone: 15:04 today, else 01-02 15:04.
func (s *Sandbox) clock(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now = t.In(s.cfg.Location), now.In(s.cfg.Location)
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	return t.Format("01-02 15:04")
}

func (s *Sandbox) handleChat(w http.ResponseWriter, r *http.Request) {
	p, ok := s.person(w, r.URL.Query().Get("as"))
	if !ok {
		return
	}
	c, _ := s.Transcript(p.ID)
	writeJSON(w, http.StatusOK, c)
}

// handleWait answers {"version":N} once the fake server's change counter
// passes "after", or after a while with the current value (long polling).
func (s *Sandbox) handleWait(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, `"after" must be a change number from an earlier answer`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxWait)
	defer cancel()
	v, err := s.fake.WaitChange(ctx, after)
	if err != nil && r.Context().Err() != nil {
		return // the page went away or the sandbox is stopping
	}
	writeJSON(w, http.StatusOK, map[string]uint64{"version": v})
}

// decode reads a JSON body of at most 64 KiB into v.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "want a JSON body: %v", err)
		return false
	}
	return true
}

type sendReq struct {
	As   string `json:"as"`
	Text string `json:"text"`
}

// sent answers the id of the user's new message.
type sent struct {
	Message int `json:"message"`
}

func (s *Sandbox) handleSend(w http.ResponseWriter, r *http.Request) {
	var req sendReq
	if !decode(w, r, &req) {
		return
	}
	p, ok := s.person(w, req.As)
	if !ok {
		return
	}
	text, ok := messageText(w, req.Text)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sent{Message: s.fake.SendText(p.UserID, text)})
}

// messageText is a typed message trimmed, or a 400 when it is empty or
// longer than Telegram allows.
func messageText(w http.ResponseWriter, raw string) (string, bool) {
	text := strings.TrimSpace(raw)
	switch n := len([]rune(text)); {
	case n == 0:
		fail(w, http.StatusBadRequest, "the message is empty")
		return "", false
	case n > maxTextRune:
		fail(w, http.StatusBadRequest, "the message has %d characters; Telegram allows %d", n, maxTextRune)
		return "", false
	}
	return text, true
}

type asReq struct {
	As string `json:"as"`
}

// handleContact shares the official's own contact, as the 📱 reply button does.
func (s *Sandbox) handleContact(w http.ResponseWriter, r *http.Request) {
	var req asReq
	if !decode(w, r, &req) {
		return
	}
	p, ok := s.person(w, req.As)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sent{Message: s.fake.ShareContact(p.UserID, p.Phone, p.UserID)})
}

type pressReq struct {
	As      string `json:"as"`
	Message int    `json:"message"`
	Data    string `json:"data"`
}

// Toast is the bot's answer to a button press.
type Toast struct {
	Answered bool   `json:"answered"`
	Text     string `json:"text,omitempty"`
	Alert    bool   `json:"alert,omitempty"` // shown as a dialog, not a toast
}

// handlePress presses an inline button the bot's message shows now and
// waits briefly for the bot's answer (the toast).
func (s *Sandbox) handlePress(w http.ResponseWriter, r *http.Request) {
	var req pressReq
	if !decode(w, r, &req) {
		return
	}
	p, ok := s.person(w, req.As)
	if !ok {
		return
	}
	s.pressIn(w, r, p.UserID, p.UserID, req.Message, req.Data, "the chat")
}

// pressIn presses, as user, a button that a bot message of chat shows now
// and answers the bot's toast, if it comes within answerWait; a message
// the chat does not have, or that no longer shows the button, is refused.
func (s *Sandbox) pressIn(w http.ResponseWriter, r *http.Request, user, chat int64, message int, data, where string) {
	var msg *fakeapi.Message
	for _, m := range s.fake.Messages(chat) {
		if m.ID == message {
			msg = &m
			break
		}
	}
	if msg == nil {
		fail(w, http.StatusNotFound, "%s has no bot message %d", where, message)
		return
	}
	found := false
	for _, row := range msg.Inline {
		for _, b := range row {
			found = found || (b.Data != "" && b.Data == data)
		}
	}
	if !found {
		fail(w, http.StatusConflict, "message %d no longer shows that button", message)
		return
	}
	q := s.fake.Press(user, chat, msg.ID, data)
	ctx, cancel := context.WithTimeout(r.Context(), answerWait)
	defer cancel()
	a, err := s.fake.WaitAnswerContext(ctx, q)
	if err != nil {
		if r.Context().Err() == nil {
			writeJSON(w, http.StatusOK, Toast{})
		}
		return
	}
	writeJSON(w, http.StatusOK, Toast{Answered: true, Text: a.Text, Alert: a.ShowAlert})
}

// handleUpload sends a file (a roster to import) as the official.
func (s *Sandbox) handleUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		fail(w, http.StatusBadRequest, "want a multipart form with a file of at most %d MB: %v", maxUpload>>20, err)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	p, ok := s.person(w, r.FormValue("as"))
	if !ok {
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		fail(w, http.StatusBadRequest, `the form has no "file": %v`, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		fail(w, http.StatusBadRequest, "read the file: %v", err)
		return
	}
	if len(data) == 0 {
		fail(w, http.StatusBadRequest, "the file is empty")
		return
	}
	writeJSON(w, http.StatusOK, sent{Message: s.fake.SendDocument(p.UserID, fh.Filename, data)})
}

// fileLink is where the page finds the document or photo of a message.
func fileLink(official string, message int) string {
	return fmt.Sprintf("/sandbox/file?as=%s&message=%d", official, message)
}

// handleFile serves the document or photo of a message in the official's
// chat: one the bot sent (a download) or a photo the official sent (shown
// in the chat).
func (s *Sandbox) handleFile(w http.ResponseWriter, r *http.Request) {
	p, ok := s.person(w, r.URL.Query().Get("as"))
	if !ok {
		return
	}
	id, err := strconv.Atoi(r.URL.Query().Get("message"))
	if err != nil {
		fail(w, http.StatusBadRequest, `"message" must be a message id`)
		return
	}
	for _, m := range s.fake.Messages(p.UserID) {
		if m.ID == id && m.Document != "" {
			serveFile(w, m.Document, m.Data, !m.Photo)
			return
		}
	}
	for _, m := range s.fake.UserMessages(p.UserID) {
		if m.ID != id || m.Photo == "" {
			continue
		}
		if name, data, ok := s.fake.File(m.FileID); ok {
			serveFile(w, name, data, false)
			return
		}
	}
	fail(w, http.StatusNotFound, "the chat has no document or photo in message %d", id)
}

// serveFile writes a file: a photo inline, to be shown, if its content is
// an image (whatever its name says), anything else as an attachment.
func serveFile(w http.ResponseWriter, name string, data []byte, attachment bool) {
	ct := http.DetectContentType(data)
	if attachment || !strings.HasPrefix(ct, "image/") {
		if ct = mime.TypeByExtension(path.Ext(name)); ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}
