package sandbox

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/phone"
	"dutybot/phone/tencentfake"
)

// What the page does with a call or text on the played official's phone.
const (
	actPress  = "press"  // pick up and press the confirm key
	actAnswer = "answer" // pick up, hear it, hang up without pressing
	actReject = "reject" // decline: the call is not picked up
	actReply  = "reply"  // reply to a text with its confirm code
)

// States of a text message on the phone (calls have tencentfake's).
const (
	smsReceived = "received"
	smsReplied  = "replied"
)

// maxPhoneItems is how many settled calls and texts the panel keeps
// showing beside the ringing and unanswered ones.
const maxPhoneItems = 6

// PhoneButton is a button of a call or text: what the callee can do.
type PhoneButton struct {
	Text   string `json:"text"`
	Action string `json:"action"` // press, answer, reject or reply
}

// PhoneItem is a call or text message on the played official's phone.
type PhoneItem struct {
	Kind    string        `json:"kind"`   // "call" or "sms"
	ID      string        `json:"id"`     // the provider's call id, or the SMS's serial number
	Head    string        `json:"head"`   // "📞 来电 +86…", "✉️ 短信【…】"
	Text    string        `json:"text"`   // what the call reads out, or the text says
	Time    string        `json:"time"`   // HH:MM:SS
	State   string        `json:"state"`  // ringing, pressed, answered, no_answer, failed; received, replied
	Status  string        `json:"status"` // State in words
	Buttons []PhoneButton `json:"buttons,omitempty"`
}

// PhoneScreen is the phone of the official played: calls and texts to
// their number, newest first, with the change counter it was read at.
type PhoneScreen struct {
	Version  uint64      `json:"version"`
	Official string      `json:"official"`
	Title    string      `json:"title"`
	Items    []PhoneItem `json:"items"`
}

// phoneRoutes adds the phone panel's endpoints.
func (s *Sandbox) phoneRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sandbox/phone", s.handlePhone)
	mux.HandleFunc("GET /sandbox/phone/wait", s.handlePhoneWait)
	mux.HandleFunc("POST /sandbox/phone", s.handlePhoneAct)
}

// number is the official's phone as the provider dials it; false when the
// directory holds nothing callable.
func number(p person) (string, bool) { return phone.E164(p.Official.Phone) }

// PhoneOf shows the official's phone as lang words it.
func (s *Sandbox) PhoneOf(official, lang string) (PhoneScreen, bool) {
	i, ok := s.byID[official]
	if !ok {
		return PhoneScreen{}, false
	}
	p := s.people[i]
	v, _, _, _ := s.phone.version()
	cat := s.app.Catalog
	out := PhoneScreen{Version: v, Official: p.ID, Items: []PhoneItem{},
		Title: cat.T(lang, "SandboxPhoneTitle", map[string]any{"Name": p.Name, "Phone": config.DisplayPhone(p.Official.Phone)})}
	num, ok := number(p)
	if !ok {
		return out, true
	}
	type entry struct {
		at     time.Time
		item   PhoneItem
		active bool // ringing, or awaiting a reply
	}
	var all []entry
	for _, c := range s.phone.fake.Calls() {
		if c.Number == num {
			it := s.callItem(lang, c)
			all = append(all, entry{c.At, it, c.State == tencentfake.StateRinging})
		}
	}
	for _, m := range s.phone.fake.Messages() {
		if m.Number == num {
			it := s.smsItem(lang, m)
			all = append(all, entry{m.At, it, it.State == smsReceived})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int { return b.at.Compare(a.at) })
	settled := 0
	for _, e := range all {
		if !e.active {
			if settled == maxPhoneItems {
				continue
			}
			settled++
		}
		out.Items = append(out.Items, e.item)
	}
	return out, true
}

// words reads a call's or text's template parameters {caller, level,
// subject, alert id, key or code} as the app's own wording of them.
func (s *Sandbox) words(lang, id string, params []string) string {
	if len(params) != 5 {
		return strings.Join(params, " ")
	}
	return s.app.Catalog.T(lang, id, map[string]any{"Caller": params[0], "Level": params[1], "Subject": params[2],
		"ID": params[3], "Key": params[4]})
}

func (s *Sandbox) callItem(lang string, c tencentfake.Call) PhoneItem {
	cat := s.app.Catalog
	key := s.cfg.Phone.ConfirmKey
	it := PhoneItem{Kind: phone.KindCall, ID: c.CallID, State: c.State,
		Head:   cat.T(lang, "SandboxPhoneIncoming", map[string]any{"Number": c.Number}),
		Text:   s.words(lang, "PhoneVoice", c.Params),
		Time:   c.At.In(s.cfg.Location).Format(time.TimeOnly),
		Status: cat.T(lang, "SandboxPhoneState_"+c.State, map[string]any{"Key": cmp.Or(c.Key, key)})}
	if c.State == tencentfake.StateRinging {
		it.Buttons = []PhoneButton{
			{Text: cat.T(lang, "SandboxPhonePress", map[string]any{"Key": key}), Action: actPress},
			{Text: cat.T(lang, "SandboxPhoneAnswer", nil), Action: actAnswer},
			{Text: cat.T(lang, "SandboxPhoneReject", nil), Action: actReject},
		}
	}
	return it
}

func (s *Sandbox) smsItem(lang string, m tencentfake.SMS) PhoneItem {
	cat := s.app.Catalog
	it := PhoneItem{Kind: phone.KindSMS, ID: m.SerialNo, State: smsReceived,
		Head: cat.T(lang, "SandboxPhoneSMS", map[string]any{"Sign": m.Sign}),
		Text: s.words(lang, "PhoneSMS", m.Params),
		Time: m.At.In(s.cfg.Location).Format(time.TimeOnly)}
	if text, ok := s.phone.repliedWith(m.SerialNo); ok {
		it.State = smsReplied
		it.Status = cat.T(lang, "SandboxPhoneState_replied", map[string]any{"Code": text})
		return it
	}
	it.Status = cat.T(lang, "SandboxPhoneState_received", nil)
	it.Buttons = []PhoneButton{{Text: cat.T(lang, "SandboxPhoneReply", map[string]any{"Code": smsCode(m)}), Action: actReply}}
	return it
}

// smsCode is the confirm code a text asks to reply: its last parameter.
func smsCode(m tencentfake.SMS) string {
	if len(m.Params) == 0 {
		return ""
	}
	return m.Params[len(m.Params)-1]
}

func (s *Sandbox) handlePhone(w http.ResponseWriter, r *http.Request) {
	p, ok := s.person(w, r.URL.Query().Get("as"))
	if !ok {
		return
	}
	ph, _ := s.PhoneOf(p.ID, s.lang(r))
	writeJSON(w, http.StatusOK, ph)
}

// handlePhoneWait answers {"version":N} once the phone's change counter
// is no longer "after" (a call or text placed, or one acted on), or after
// a while with the current value (long polling, as /sandbox/wait).
func (s *Sandbox) handlePhoneWait(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, `"after" must be a change number from an earlier answer`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxWait)
	defer cancel()
	for {
		v, calls, texts, acted := s.phone.version()
		if v != after || ctx.Err() != nil {
			if r.Context().Err() == nil {
				writeJSON(w, http.StatusOK, map[string]uint64{"version": v})
			}
			return
		}
		woke := make(chan struct{}, 2)
		wctx, stop := context.WithCancel(ctx)
		go func() { _, _ = s.phone.fake.WaitCalls(wctx, calls+1); woke <- struct{}{} }()
		go func() { _, _ = s.phone.fake.WaitMessages(wctx, texts+1); woke <- struct{}{} }()
		select {
		case <-woke:
		case <-acted:
		case <-ctx.Done():
		}
		stop()
	}
}

type phoneActReq struct {
	As     string `json:"as"`
	ID     string `json:"id"`
	Action string `json:"action"`
}

// handlePhoneAct plays the official's side of a call or text: the fake
// posts Tencent's callbacks to the app as the real service would, and the
// answer is the item as it is now.
func (s *Sandbox) handlePhoneAct(w http.ResponseWriter, r *http.Request) {
	var req phoneActReq
	if !decode(w, r, &req) {
		return
	}
	p, ok := s.person(w, req.As)
	if !ok {
		return
	}
	num, _ := number(p)
	lang := s.lang(r)
	var status int
	var err error
	switch req.Action {
	case actPress, actAnswer, actReject:
		i := slices.IndexFunc(s.phone.fake.Calls(), func(c tencentfake.Call) bool { return c.CallID == req.ID && c.Number == num })
		if i < 0 {
			fail(w, http.StatusNotFound, "%s's phone has no call %q", p.ID, req.ID)
			return
		}
		switch req.Action {
		case actPress:
			status, err = s.phone.fake.Press(req.ID, s.cfg.Phone.ConfirmKey)
		case actAnswer:
			status, err = s.phone.fake.Answer(req.ID)
		default:
			status, err = s.phone.fake.NoAnswer(req.ID)
		}
		if errors.Is(err, tencentfake.ErrNotRinging) {
			fail(w, http.StatusConflict, "the call is no longer ringing")
			return
		}
	case actReply:
		i := slices.IndexFunc(s.phone.fake.Messages(), func(m tencentfake.SMS) bool { return m.SerialNo == req.ID && m.Number == num })
		if i < 0 {
			fail(w, http.StatusNotFound, "%s's phone has no text %q", p.ID, req.ID)
			return
		}
		code := smsCode(s.phone.fake.Messages()[i])
		if !s.phone.reply(req.ID, code) {
			fail(w, http.StatusConflict, "the text was replied to already")
			return
		}
		if status, err = s.phone.fake.Reply(num, code); err != nil || status != http.StatusOK {
			s.phone.unreply(req.ID)
		}
	default:
		fail(w, http.StatusBadRequest, `"action" must be %s, %s, %s or %s`, actPress, actAnswer, actReject, actReply)
		return
	}
	s.phone.acted()
	switch {
	case err != nil:
		fail(w, http.StatusBadGateway, "the stand-in for Tencent could not reach the bot: %v", err)
		return
	case status != http.StatusOK:
		fail(w, http.StatusBadGateway, "the bot answered the provider's callback with %d", status)
		return
	}
	if req.Action == actReply {
		for _, m := range s.phone.fake.Messages() {
			if m.SerialNo == req.ID {
				writeJSON(w, http.StatusOK, s.smsItem(lang, m))
				return
			}
		}
	}
	for _, c := range s.phone.fake.Calls() {
		if c.CallID == req.ID {
			writeJSON(w, http.StatusOK, s.callItem(lang, c))
			return
		}
	}
}
