package sandbox

import (
	"net/http"
	"slices"
	"time"
)

// groupChatBase numbers the work groups' chats as Telegram numbers
// supergroups (-100…); the i-th configured group without a chat_id gets
// groupChatBase-i.
const groupChatBase = -1_002_000_000_000

// sandboxGroupEdit bounds delivery.group_edit_interval in the sandbox, so
// that a group's live count follows the presses at once in a story, yet
// stays within the fake server's 20 messages a minute per group.
const sandboxGroupEdit = time.Second

// workGroup is a configured work group as the sandbox plays it: its chat in
// the fake server and the officials expected to answer there.
type workGroup struct {
	ID       string
	Name     string
	ChatID   int64
	Expected []string // official ids, in configuration order
}

// setUpGroups gives every configured work group a chat in the fake server
// with the bot in it and the officials it expects as members, and records
// the chat in the sandbox's copy of the configuration, so the groups are
// bound from the start.
func (s *Sandbox) setUpGroups() {
	for i := range s.cfg.Groups {
		g := &s.cfg.Groups[i]
		if g.ChatID == 0 {
			g.ChatID = groupChatBase - int64(i)
		}
		wg := workGroup{ID: g.ID, Name: g.Name, ChatID: g.ChatID}
		s.fake.AddGroup(g.ChatID, g.Name)
		var users []int64
		for _, o := range s.cfg.GroupMembers(g.ID) {
			if j, ok := s.byID[o.ID]; ok {
				users = append(users, s.people[j].UserID)
				wg.Expected = append(wg.Expected, o.ID)
			}
		}
		s.fake.AddGroupMembers(g.ChatID, users...)
		s.groups = append(s.groups, wg)
	}
}

// group finds the work group named id, answering 400/404 when there is none.
func (s *Sandbox) group(w http.ResponseWriter, id string) (workGroup, bool) {
	if id == "" {
		fail(w, http.StatusBadRequest, `"group" names no work group`)
		return workGroup{}, false
	}
	for _, g := range s.groups {
		if g.ID == id {
			return g, true
		}
	}
	fail(w, http.StatusNotFound, "no work group %q in the configuration", id)
	return workGroup{}, false
}

// GroupInfo is a work group the page offers to open.
type GroupInfo struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Members  []Person `json:"members"`  // the officials in the group, expected to answer
	Messages int      `json:"messages"` // bot messages in the group, for an unread badge
}

// GroupChat is a work group's chat: the bot's messages and the members'.
type GroupChat struct {
	Version  uint64 `json:"version"`
	Group    string `json:"group"`
	Name     string `json:"name"`
	Messages []Item `json:"messages"`
}

// Groups lists the work groups with their members, in configuration order.
func (s *Sandbox) Groups() []GroupInfo {
	out := make([]GroupInfo, 0, len(s.groups))
	for _, g := range s.groups {
		gi := GroupInfo{ID: g.ID, Name: g.Name, Members: []Person{}, Messages: len(s.fake.Messages(g.ChatID))}
		for _, id := range g.Expected {
			p := s.people[s.byID[id]]
			gi.Members = append(gi.Members, Person{ID: p.ID, Name: p.Name, Unit: s.cfg.UnitName(p.Unit), UserID: p.UserID})
		}
		out = append(out, gi)
	}
	return out
}

// GroupTranscript is the group's chat in order, the bot's messages in
// their current (edited) state, each member's message with their name.
func (s *Sandbox) GroupTranscript(g workGroup) GroupChat {
	c := GroupChat{Version: s.fake.Version(), Group: g.ID, Name: g.Name, Messages: []Item{}}
	now := time.Now()
	for _, m := range s.fake.Messages(g.ChatID) {
		it := Item{ID: m.ID, From: "bot", Text: m.Text, Time: s.clock(m.Date, now), Buttons: inline(m.Inline)}
		if m.Edits > 0 {
			it.Edited = s.clock(m.EditDate, now)
		}
		if m.Document != "" {
			it.Text = m.Caption
		}
		c.Messages = append(c.Messages, it)
	}
	for _, m := range s.fake.UserMessages(g.ChatID) {
		if m.Text == "" {
			continue // a service message or a file, which the page does not send
		}
		it := Item{ID: m.ID, From: "user", Text: m.Text, Time: s.clock(m.Date, now)}
		for _, p := range s.people {
			if p.UserID == m.From {
				it.By, it.ByID = p.Name, p.ID
			}
		}
		c.Messages = append(c.Messages, it)
	}
	slices.SortFunc(c.Messages, func(a, b Item) int { return a.ID - b.ID })
	return c
}

func (s *Sandbox) handleGroups(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.fake.Version(), "groups": s.Groups()})
}

func (s *Sandbox) handleGroupChat(w http.ResponseWriter, r *http.Request) {
	g, ok := s.group(w, r.URL.Query().Get("group"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.GroupTranscript(g))
}

type groupSendReq struct {
	Group string `json:"group"`
	As    string `json:"as"`
	Text  string `json:"text"`
}

// handleGroupSend sends text in a work group as one of the officials.
func (s *Sandbox) handleGroupSend(w http.ResponseWriter, r *http.Request) {
	var req groupSendReq
	if !decode(w, r, &req) {
		return
	}
	g, ok := s.group(w, req.Group)
	if !ok {
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
	writeJSON(w, http.StatusOK, sent{Message: s.fake.SendGroupText(g.ChatID, p.UserID, text)})
}

type groupPressReq struct {
	Group   string `json:"group"`
	As      string `json:"as"`
	Message int    `json:"message"`
	Data    string `json:"data"`
}

// handleGroupPress presses an inline button of a bot message in a work
// group as one of the officials, and waits briefly for the toast.
func (s *Sandbox) handleGroupPress(w http.ResponseWriter, r *http.Request) {
	var req groupPressReq
	if !decode(w, r, &req) {
		return
	}
	g, ok := s.group(w, req.Group)
	if !ok {
		return
	}
	p, ok := s.person(w, req.As)
	if !ok {
		return
	}
	s.pressIn(w, r, p.UserID, g.ChatID, req.Message, req.Data, "the group")
}
