package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/hazard"
	"dutybot/storage"
)

// The hazard loop's chat side (隐患排查治理): the buttons the loop's
// notices carry (hazard.DataPrefix: 报告整改, 复查通过, 退回整改, 销号,
// 照片), the flows they start (hazard_flow.go), and /hazards, which lists
// the caller's open hazards or shows one. Every rule is the hazard
// service's; a press is checked by it (hazard.Service.Check) before
// anything starts, and the step itself checks again.

// hazardFlowPrefix starts the data of the flows' own buttons (photos done,
// a deadline, confirm, cancel).
const hazardFlowPrefix = "hf:"

// Flows of the hazards feature.
const (
	flowHazardRectify  = "hazard.rectify"  // 报告整改: photos, then a note
	flowHazardSendBack = "hazard.sendback" // 退回整改: the reason, then a new deadline
	flowHazardPass     = "hazard.pass"     // 复查通过: an optional note
	// flowHazardHeadRectify is 报告整改 by an enterprise's bound head
	// (head.go): the same steps, a public flow since heads are no
	// officials.
	flowHazardHeadRectify = "hazard.head_rectify"
)

// hazardFlowTTL is how long an unfinished step waits; a fix reported from
// the site may take a while to photograph.
const hazardFlowTTL = 2 * time.Hour

// maxHazardsListed caps /hazards: the rest are counted, not listed.
const maxHazardsListed = 30

// hazardsFeature is /hazards, the hazard buttons and the flows; without
// the service it adds nothing.
func (b *Bot) hazardsFeature() feature {
	if b.Hazards == nil {
		return feature{name: "hazards"}
	}
	input := func(c caller, cv storage.Conversation, m *models.Message) {
		if d, ok := decodeFlow[hazardDraft](b, c, cv); ok {
			b.onHazardFlowInput(c, cv.Flow, d, m)
		}
	}
	fl := func(name, label string) flow {
		return flow{name: name, label: label, again: "FlowHazardAgain", ttl: hazardFlowTTL, input: input}
	}
	head := fl(flowHazardHeadRectify, "FlowHazardRectify")
	head.public, head.again = true, "FlowHazardHeadAgain"
	head.input = func(c caller, cv storage.Conversation, m *models.Message) {
		if c.head == nil && !c.bound {
			b.dropConversation(c.chatID) // the head's binding went meanwhile
			b.replyStart(c)
			return
		}
		input(c, cv, m)
	}
	return feature{name: "hazards",
		commands: []commandRoute{{name: "hazards", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) {
			b.onHazardsCommand(c, cmd.args)
		}}},
		callbacks: []callbackRoute{
			// Public: an enterprise's bound head presses 已整改 and the
			// flow's buttons; the handlers check who presses.
			{prefix: hazard.DataPrefix, public: true, handle: b.onHazardButton},
			{prefix: hazardFlowPrefix, public: true, handle: b.onHazardFlowButton},
			{prefix: hazardTipPrefix, handle: b.onTipHazardButton},
		},
		flows: []flow{fl(flowHazardRectify, "FlowHazardRectify"), fl(flowHazardSendBack, "FlowHazardSendBack"),
			fl(flowHazardPass, "FlowHazardPass"), head, b.tipHazardFlow()},
	}
}

// onHazardsCommand answers /hazards (the caller's open hazards) and
// /hazards <id> (one hazard's card with the buttons the caller may use).
func (b *Bot) onHazardsCommand(c caller, args string) {
	id, rest := cutWord(args)
	switch {
	case !c.private:
		b.reply(c, b.t(c, "HazardsPrivateOnly", nil))
	case id == "":
		b.listHazards(c)
	case rest != "" || strings.EqualFold(id, "help") || id == "帮助":
		b.reply(c, b.t(c, "HazardsUsage", nil))
	default:
		h, err := b.Hazards.Get(strings.ToUpper(strings.TrimPrefix(id, "#")))
		switch {
		case errors.Is(err, hazard.ErrUnknown):
			b.reply(c, b.t(c, "HazardUnknown", map[string]any{"ID": cutText(id, maxEchoUnits)}))
		case err != nil:
			b.Log.Error("load a hazard", "hazard", id, "err", err)
			b.reply(c, b.t(c, "InternalError", nil))
		default:
			b.reply2(c, b.hazardCard(c, h), b.hazardCardButtons(c, h))
		}
	}
}

// listHazards lists the caller's open hazards: the overdue first, then by
// deadline, each with a button opening its card.
func (b *Bot) listHazards(c caller) {
	all, err := b.Hazards.List(hazard.Filter{})
	if err != nil {
		b.Log.Error("list hazards", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	now := b.Engine.Now()
	var overdue, open []hazard.Hazard
	for _, h := range all {
		switch {
		case h.State == hazard.StateClosed || !b.Hazards.Concerns(c.official.ID, h):
		case hazard.Overdue(h, now):
			overdue = append(overdue, h)
		default:
			open = append(open, h)
		}
	}
	if len(overdue)+len(open) == 0 {
		b.reply(c, b.t(c, "HazardsNone", nil))
		return
	}
	byDeadline := func(a, z hazard.Hazard) int {
		switch {
		case a.Deadline.IsZero() != z.Deadline.IsZero():
			if a.Deadline.IsZero() {
				return 1
			}
			return -1
		}
		return a.Deadline.Compare(z.Deadline)
	}
	slices.SortStableFunc(overdue, byDeadline)
	slices.SortStableFunc(open, byDeadline)
	lines := []string{b.t(c, "HazardsHeader", map[string]any{"Count": len(overdue) + len(open), "Overdue": len(overdue)})}
	var rows [][]storage.Button
	listed := 0
	for _, g := range []struct {
		title string
		list  []hazard.Hazard
	}{{"HazardsOverdue", overdue}, {"HazardsOpen", open}} {
		if len(g.list) == 0 {
			continue
		}
		lines = append(lines, "", b.t(c, g.title, map[string]any{"Count": len(g.list)}))
		for _, h := range g.list {
			if listed == maxHazardsListed {
				break
			}
			listed++
			lines = append(lines, b.hazardLine(c, h, now))
			rows = append(rows, []storage.Button{{Text: cutText(h.ID+" "+h.EnterpriseName, 40), Data: hazard.PressData(hazard.ActOpen, h)}})
		}
	}
	if more := len(overdue) + len(open) - listed; more > 0 {
		lines = append(lines, b.t(c, "HazardsMore", map[string]any{"Count": more}))
	}
	b.reply2(c, strings.Join(lines, "\n"), rows)
}

// hazardLine is one hazard in /hazards.
func (b *Bot) hazardLine(c caller, h hazard.Hazard, now time.Time) string {
	return b.t(c, "HazardsLine", map[string]any{"ID": h.ID, "Enterprise": h.EnterpriseName,
		"Level": b.t(c, "HazardLevel_"+h.Level, nil), "Listed": h.Level == hazard.LevelMajor,
		"Due": b.hazardTime(h.Deadline), "State": b.t(c, "HazardState_"+h.State, nil), "Overdue": hazard.Overdue(h, now)})
}

// hazardTime shows a time in the town's zone ("" for none).
func (b *Bot) hazardTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(b.Config.Location).Format("2006-01-02 15:04")
}

// hazardCard is a hazard as it stands: its state, the service's details
// and its latest step.
func (b *Bot) hazardCard(c caller, h hazard.Hazard) string {
	data := map[string]any{"ID": h.ID, "State": b.t(c, "HazardState_"+h.State, nil),
		"Overdue": hazard.Overdue(h, b.Engine.Now()), "Listed": h.Level == hazard.LevelMajor && h.State != hazard.StateClosed,
		"Round": h.Round}
	parts := []string{b.t(c, "HazardCardHead", data), b.Hazards.Details(c.lang, h)}
	if n := len(h.History); n > 1 {
		st := h.History[n-1]
		by := st.Name
		if by == "" {
			by = b.Config.OfficialName(st.By)
		}
		parts = append(parts, b.t(c, "HazardCardLast", map[string]any{"State": b.t(c, "HazardState_"+st.State, nil),
			"By": by, "Time": b.hazardTime(st.At), "Note": st.Note, "Photos": len(st.Photos)}))
	}
	return strings.Join(parts, "\n")
}

// hazardCardButtons are the steps the caller may take on h, and its photos.
func (b *Bot) hazardCardButtons(c caller, h hazard.Hazard) [][]storage.Button {
	rows := b.Hazards.Buttons(c.lang, c.official.ID, h)
	p := hazard.Press{Action: hazard.ActPhotos, ID: h.ID}
	if n := len(hazard.LatestPhotos(h)); n > 0 && h.State != hazard.StateRectified && b.Hazards.Check(c.official.ID, p, h) == nil {
		rows = append(rows, []storage.Button{{Text: b.t(c, "ButtonHazardPhotos", map[string]any{"Count": n}),
			Data: hazard.PressData(hazard.ActPhotos, h)}})
	}
	return rows
}

// editToCard rewrites the pressed message into the hazard's card as it
// stands, so buttons of a step gone leave it.
func (b *Bot) editToCard(c caller, msgID int, h hazard.Hazard) {
	if msgID == 0 {
		return
	}
	b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: b.hazardCard(c, h),
		Buttons: b.hazardCardButtons(c, h), Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID, Topic: hazard.KindHazard}})
}

// onHazardButton handles a press of a hazard button: checked by the
// service's rules first, then the step or the flow that asks for it.
func (b *Bot) onHazardButton(c caller, data string, msgID int) (string, bool) {
	switch {
	case !c.bound && c.head != nil:
		return b.onHeadHazardButton(c, data, msgID)
	case !c.bound:
		return b.t(c, "ToastUnbound", nil), true
	}
	p, h, toast, ok := b.pressedHazard(c, data, "ToastInvalid")
	if !ok {
		return toast, true
	}
	if err := b.Hazards.Check(c.official.ID, p, h); err != nil {
		if errors.Is(err, hazard.ErrStale) {
			b.editToCard(c, msgID, h)
		}
		return b.hazardErrorText(c, h, err), true
	}
	if !c.private && p.Action != hazard.ActClose {
		// Cards, photos and the steps' questions belong in a private chat.
		return b.t(c, "HazardsPrivateOnly", nil), true
	}
	switch p.Action {
	case hazard.ActOpen:
		b.reply2(c, b.hazardCard(c, h), b.hazardCardButtons(c, h))
		return h.ID, false
	case hazard.ActPhotos:
		return b.sendHazardPhotos(c, h), false
	case hazard.ActRectify:
		return b.startHazardFlow(c, flowHazardRectify, h, msgID)
	case hazard.ActSendBack:
		return b.startHazardFlow(c, flowHazardSendBack, h, msgID)
	case hazard.ActPass:
		return b.startHazardFlow(c, flowHazardPass, h, msgID)
	case hazard.ActClose:
		out, err := b.Hazards.Close(c.official.ID, h.ID, "")
		if err != nil {
			return b.hazardErrorText(c, h, err), true
		}
		b.editToCard(c, msgID, out)
		return b.t(c, "HazardClosedToast", map[string]any{"ID": out.ID}), false
	}
	return b.t(c, "ToastInvalid", nil), true
}

// sendHazardPhotos queues the photos of a hazard's latest step that has
// some to the presser's chat and returns the toast.
func (b *Bot) sendHazardPhotos(c caller, h hazard.Hazard) string {
	photos := hazard.LatestPhotos(h)
	if len(photos) == 0 {
		return b.t(c, "HazardNoPhotos", nil)
	}
	jobs := make([]storage.Job, 0, len(photos))
	for _, id := range photos {
		jobs = append(jobs, storage.Job{ChatID: c.chatID, Op: storage.OpPhoto, FileID: id, Text: h.ID + " " + h.EnterpriseName,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID, Topic: hazard.KindHazard}})
	}
	b.send(jobs...)
	return b.t(c, "HazardPhotosToast", map[string]any{"Count": len(jobs)})
}

// hazardErrorText words an error of the hazard service for the caller.
func (b *Bot) hazardErrorText(c caller, h hazard.Hazard, err error) string {
	var fe *hazard.FieldError
	data := map[string]any{"ID": h.ID, "State": b.t(c, "HazardState_"+h.State, nil)}
	switch {
	case errors.Is(err, hazard.ErrForbidden):
		return b.t(c, "HazardForbidden", data)
	case errors.Is(err, hazard.ErrStale), errors.Is(err, hazard.ErrState), errors.Is(err, hazard.ErrNotRechecked):
		return b.t(c, "HazardStale", data)
	case errors.Is(err, hazard.ErrSelfRecheck):
		return b.t(c, "HazardSelfRecheck", data)
	case errors.Is(err, hazard.ErrUnknown):
		return b.t(c, "HazardUnknown", data)
	case errors.As(err, &fe) && errors.Is(err, hazard.ErrBadDeadline):
		return b.t(c, "HazardBadDeadline", map[string]any{"Max": hazard.MaxDays})
	case errors.As(err, &fe) && errors.Is(err, hazard.ErrTooLong):
		return b.t(c, "HazardTooLong", map[string]any{"Max": hazard.MaxText})
	}
	b.Log.Error("a hazard step failed", "hazard", h.ID, "err", err)
	return b.t(c, "InternalError", nil)
}

// pressedHazard reads a hazard button's data and loads its hazard; when it
// cannot, it returns the toast to answer: ToastInvalid for garbled data,
// unknown (a locale id) for a hazard that does not exist.
func (b *Bot) pressedHazard(c caller, data, unknown string) (hazard.Press, hazard.Hazard, string, bool) {
	p, ok := hazard.ParsePress(data)
	if !ok {
		b.Log.Warn("garbled button data", "user", c.userID, "data", data)
		return p, hazard.Hazard{}, b.t(c, "ToastInvalid", nil), false
	}
	h, err := b.Hazards.Get(p.ID)
	switch {
	case errors.Is(err, hazard.ErrUnknown):
		return p, h, b.t(c, unknown, nil), false
	case err != nil:
		b.Log.Error("load a hazard", "hazard", p.ID, "err", err)
		return p, h, b.t(c, "InternalError", nil), false
	}
	return p, h, "", true
}
