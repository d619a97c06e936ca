package bot

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/incident"
	"dutybot/storage"
)

// The guided /incident: when, where, unit, category, deaths, serious
// injuries, missing, loss, account, photos, preview, submit. A 续报 asks
// the figures and a note, each with "unchanged", then previews the new
// level and whether a 补报 is due.

// Steps of the flows, in order.
var (
	reportSteps = []string{"when", "place", "unit", "category", "deaths", "serious", "missing", "loss", "account", "photos"}
	updateSteps = []string{"deaths", "serious", "missing", "loss", "account"}
)

// Limits of the texts typed into a report.
const (
	maxIncidentPlace   = 200
	maxIncidentAccount = 2000
	maxIncidentPhotos  = 20
)

const (
	modeReport = "report"
	modeUpdate = "update"
)

// incidentDraft is a report or 续报 being composed.
type incidentDraft struct {
	// Mode is "report" (a new accident) or "update" (续报 of Incident).
	Mode     string `json:"mode"`
	Incident string `json:"incident,omitempty"`
	// Step is the question waiting for an answer (when, place, unit,
	// category, deaths, serious, missing, loss, account, photos, confirm).
	Step       string    `json:"step"`
	OccurredAt time.Time `json:"occurred_at,omitempty"`
	Place      string    `json:"place,omitempty"`
	Unit       string    `json:"unit,omitempty"`
	Category   string    `json:"category,omitempty"`
	Deaths     int       `json:"deaths"`
	Serious    int       `json:"serious_injuries"`
	Missing    int       `json:"missing"`
	LossYuan   int64     `json:"loss_yuan"`
	Account    string    `json:"account,omitempty"`
	Photos     []string  `json:"photos,omitempty"`
}

func (d incidentDraft) flowStep() string { return d.Mode + ":" + d.Step }

func stepsOf(d incidentDraft) []string {
	if d.Mode == modeUpdate {
		return updateSteps
	}
	return reportSteps
}

// nextStep returns the step after d's, or "confirm".
func nextStep(d incidentDraft) string {
	steps := stepsOf(d)
	i := slices.Index(steps, d.Step)
	if i < 0 || i+1 >= len(steps) {
		return "confirm"
	}
	return steps[i+1]
}

func (b *Bot) startIncidentReport(c caller) {
	d := incidentDraft{Mode: modeReport, Step: reportSteps[0]}
	if b.startFlow(c, flowIncident, d) {
		b.askIncidentStep(c, d, nil)
	}
}

// startIncidentUpdate starts a 续报 of incident id, or shows its card to
// someone who may not send one.
func (b *Bot) startIncidentUpdate(c caller, id string) {
	v, err := b.Incidents.Get(id)
	switch {
	case errors.Is(err, incident.ErrUnknownIncident):
		b.reply(c, b.t(c, "IncidentUnknown", map[string]any{"ID": id}))
		return
	case err != nil:
		b.Log.Error("load incident", "incident", id, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	in := v.Incident
	card := b.Incidents.Card(c.lang, in, b.Engine.Now())
	if !b.Incidents.CanUpdate(c.official.ID, in) {
		b.reply2(c, card+"\n"+b.t(c, "IncidentUpdateForbidden", nil), b.Incidents.Buttons(c.lang, c.official.ID, in))
		return
	}
	d := incidentDraft{Mode: modeUpdate, Incident: in.ID, Step: updateSteps[0], Deaths: in.Deaths,
		Serious: in.Serious, Missing: in.Missing, LossYuan: in.LossYuan}
	if !b.startFlow(c, flowIncident, d) {
		return
	}
	var rows [][]storage.Button
	if incident.Pending(in) && b.Incidents.CanReportUp(c.official.ID) {
		rows = [][]storage.Button{{{Text: b.t(c, "ButtonIncidentReportedUpShort", nil), Data: incident.ReportUpData(in.ID)}}}
	}
	b.reply2(c, card, rows)
	b.askIncidentStep(c, d, &in)
}

// onUpdateButton starts a 续报 from a card's button.
func (b *Bot) onUpdateButton(c caller, id string, _ int) (string, bool) {
	b.startIncidentUpdate(c, id)
	return b.t(c, "IncidentUpdateToast", map[string]any{"ID": id}), false
}

// flowName heads each question: 事故直报 or 续报 I20261130-01.
func (b *Bot) flowName(c caller, d incidentDraft) string {
	if d.Mode == modeUpdate {
		return b.t(c, "IncidentUpdateFlow", map[string]any{"ID": d.Incident})
	}
	return b.t(c, "IncidentReportFlow", nil)
}

// askIncidentStep asks the question of d's step (or shows the preview);
// in, for a 续报, is the incident as it stands.
func (b *Bot) askIncidentStep(c caller, d incidentDraft, in *incident.Incident) {
	if d.Step == "confirm" {
		b.reply2(c, b.incidentPreview(c, d), [][]storage.Button{{
			{Text: b.t(c, "ButtonIncidentSubmit", nil), Data: incidentDraftPrefix + "send"},
			{Text: b.t(c, "ButtonCancel", nil), Data: incidentDraftPrefix + "cancel"}}})
		return
	}
	steps := stepsOf(d)
	q := "IncidentQ_" + d.Step
	if d.Mode == modeUpdate && d.Step == "account" {
		q = "IncidentQ_note"
	}
	current := ""
	if d.Mode == modeUpdate {
		current = b.currentValue(d)
	}
	text := b.t(c, "IncidentAsk", map[string]any{"Flow": b.flowName(c, d), "N": slices.Index(steps, d.Step) + 1,
		"Total": len(steps), "Question": b.t(c, q, map[string]any{"Max": maxIncidentPhotos}), "Current": current})
	b.reply2(c, text, b.incidentStepButtons(c, d))
}

// currentValue shows a 续报's figure as it stands.
func (b *Bot) currentValue(d incidentDraft) string {
	switch d.Step {
	case "deaths":
		return strconv.Itoa(d.Deaths)
	case "serious":
		return strconv.Itoa(d.Serious)
	case "missing":
		return strconv.Itoa(d.Missing)
	case "loss":
		return incident.FormatWan(d.LossYuan)
	}
	return ""
}

func (b *Bot) incidentStepButtons(c caller, d incidentDraft) [][]storage.Button {
	v := func(label, value string) storage.Button {
		return storage.Button{Text: label, Data: incidentDraftPrefix + "v:" + d.Step + ":" + value}
	}
	cancel := []storage.Button{{Text: b.t(c, "ButtonCancel", nil), Data: incidentDraftPrefix + "cancel"}}
	var rows [][]storage.Button
	switch d.Step {
	case "when":
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonIncidentJustNow", nil), "now")})
	case "category":
		var row []storage.Button
		for _, cat := range incident.Categories {
			row = append(row, v(b.Incidents.CategoryName(c.lang, cat), cat))
			if len(row) == 3 {
				rows, row = append(rows, row), nil
			}
		}
		if row != nil {
			rows = append(rows, row)
		}
	case "deaths", "serious", "missing", "loss":
		if d.Mode == modeUpdate {
			rows = append(rows, []storage.Button{v(b.t(c, "ButtonIncidentUnchanged", nil), "=")})
		} else {
			rows = append(rows, []storage.Button{v("0", "0")})
		}
	case "account":
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonIncidentSkip", nil), "-")})
	case "photos":
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonIncidentPhotosDone", nil), "done")})
	}
	return append(rows, cancel)
}

// onIncidentDraftButton handles the flow's buttons; it returns the toast.
func (b *Bot) onIncidentDraftButton(c caller, arg string, msgID int) (string, bool) {
	var d incidentDraft
	if !b.flowData(c, flowIncident, &d) {
		return b.t(c, "ToastStale", nil), false
	}
	edit := func(text string) {
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: text,
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
	}
	switch {
	case arg == "cancel":
		b.endFlow(c, flowIncident)
		edit(b.t(c, "IncidentCancelled", nil))
		return b.t(c, "IncidentCancelled", nil), false
	case arg == "send" && d.Step == "confirm":
		// Ended first: a press replayed after a crash finds no draft
		// rather than reporting the accident twice.
		if !b.endFlow(c, flowIncident) {
			return b.t(c, "ToastStale", nil), false
		}
		edit(b.incidentPreview(c, d))
		if d.Mode == modeUpdate {
			b.submitIncidentUpdate(c, d)
		} else {
			b.submitIncident(c, d)
		}
		return b.t(c, "IncidentSubmittedToast", nil), false
	case strings.HasPrefix(arg, "v:"):
		step, value, _ := strings.Cut(strings.TrimPrefix(arg, "v:"), ":")
		if step != d.Step {
			return b.t(c, "ToastStale", nil), false
		}
		if problem := b.answerIncidentStep(c, &d, value, true); problem != "" {
			return problem, true
		}
		return "✓", false
	}
	return b.t(c, "ToastStale", nil), false
}

// onIncidentDraftText takes a typed answer to the current question.
func (b *Bot) onIncidentDraftText(c caller, d incidentDraft, text string) {
	if problem := b.answerIncidentStep(c, &d, text, false); problem != "" {
		b.reply(c, problem)
	}
}

// answerIncidentStep applies an answer (typed, or a button's value) to
// the step waiting, saves the draft and asks the next question. It
// returns what is wrong with the answer, or "" when it was taken.
func (b *Bot) answerIncidentStep(c caller, d *incidentDraft, value string, pressed bool) string {
	value = strings.TrimSpace(value)
	skip := value == "-" || value == "无" || strings.EqualFold(value, "none")
	unchanged := d.Mode == modeUpdate && (value == "=" || value == "不变" || strings.EqualFold(value, "same") || value == "-")
	now := b.Engine.Now()
	switch d.Step {
	case "when":
		if pressed && value == "now" {
			d.OccurredAt = now
			break
		}
		t, err := incident.ParseWhen(value, now, b.Config.Location)
		switch {
		case errors.Is(err, incident.ErrFuture):
			return b.t(c, "IncidentFutureTime", map[string]any{"Now": now.In(b.Config.Location).Format("01-02 15:04")})
		case err != nil:
			return b.t(c, "IncidentBadTime", nil)
		}
		d.OccurredAt = t
	case "place", "unit":
		if value == "" {
			return b.t(c, "IncidentEmpty", nil)
		}
		if len([]rune(value)) > maxIncidentPlace {
			return b.t(c, "IncidentTooLong", map[string]any{"Max": maxIncidentPlace})
		}
		if d.Step == "place" {
			d.Place = value
		} else {
			d.Unit = value
		}
	case "category":
		cat, ok := b.Incidents.ParseCategory(value)
		if !ok {
			return b.t(c, "IncidentUseButtons", nil)
		}
		d.Category = cat
	case "deaths", "serious", "missing":
		if unchanged {
			break
		}
		n, err := incident.ParseCount(value)
		if err != nil {
			return b.t(c, "IncidentBadCount", nil)
		}
		switch d.Step {
		case "deaths":
			d.Deaths = n
		case "serious":
			d.Serious = n
		default:
			d.Missing = n
		}
	case "loss":
		if unchanged {
			break
		}
		y, err := incident.ParseLossWan(value)
		if err != nil {
			return b.t(c, "IncidentBadLoss", nil)
		}
		d.LossYuan = y
	case "account":
		if skip || unchanged {
			d.Account = ""
			break
		}
		if len([]rune(value)) > maxIncidentAccount {
			return b.t(c, "IncidentTooLong", map[string]any{"Max": maxIncidentAccount})
		}
		d.Account = value
	case "photos":
		if !pressed && !skip && value != "完成" && value != "跳过" && !strings.EqualFold(value, "done") {
			return b.t(c, "IncidentPhotosHint", nil)
		}
	case "confirm":
		return b.t(c, "IncidentUseButtons", nil)
	default:
		return b.t(c, "ToastStale", nil)
	}
	d.Step = nextStep(*d)
	if !b.saveFlow(c, flowIncident, *d) {
		return ""
	}
	b.askIncidentStep(c, *d, nil)
	return ""
}

// onIncidentPhoto adds a photo to the draft, at any step.
func (b *Bot) onIncidentPhoto(c caller, d incidentDraft, fileID string) {
	if fileID == "" {
		return
	}
	if len(d.Photos) >= maxIncidentPhotos {
		b.reply(c, b.t(c, "IncidentPhotoLimit", map[string]any{"Max": maxIncidentPhotos}))
		return
	}
	d.Photos = append(d.Photos, fileID)
	if !b.saveFlow(c, flowIncident, d) {
		return
	}
	b.reply(c, b.t(c, "IncidentPhotoAdded", map[string]any{"Count": len(d.Photos), "AtPhotos": d.Step == "photos"}))
}

// incidentPreview shows a draft for confirmation.
func (b *Bot) incidentPreview(c caller, d incidentDraft) string {
	now := b.Engine.Now()
	level := incident.Level(d.Deaths, d.Serious, d.Missing, d.LossYuan)
	if d.Mode == modeUpdate {
		v, err := b.Incidents.Get(d.Incident)
		if err != nil {
			return b.t(c, "IncidentUnknown", map[string]any{"ID": d.Incident})
		}
		in := v.Incident
		after := in
		after.Deaths, after.Serious, after.Missing, after.LossYuan = d.Deaths, d.Serious, d.Missing, d.LossYuan
		casualties := d.Deaths != in.Deaths || d.Serious != in.Serious || d.Missing != in.Missing
		window := b.Incidents.SupplementWindow(in)
		return b.t(c, "IncidentUpdatePreview", map[string]any{"ID": in.ID, "Figures": b.Incidents.FigureChanges(c.lang, in, after),
			"Note": d.Account, "Photos": len(d.Photos), "Level": b.Incidents.LevelName(c.lang, level),
			"Rose": incident.Rank(level) > incident.Rank(in.Level), "Before": b.Incidents.LevelName(c.lang, in.Level),
			"Supplement": casualties && !now.After(window), "Outside": casualties && now.After(window),
			"Window": window.In(b.Config.Location).Format("2006-01-02 15:04"), "ReportTo": b.Incidents.ReportTo()})
	}
	in := incident.Incident{OccurredAt: d.OccurredAt, Place: d.Place, Unit: d.Unit, Category: d.Category,
		Deaths: d.Deaths, Serious: d.Serious, Missing: d.Missing, LossYuan: d.LossYuan, Account: d.Account, Photos: d.Photos}
	return b.t(c, "IncidentPreview", map[string]any{"Facts": b.Incidents.Facts(c.lang, in),
		"Level": b.Incidents.LevelName(c.lang, level), "Names": b.officialNames(b.Incidents.Concerned()),
		"Due": b.Incidents.DueTime(d.OccurredAt, now), "ReportTo": b.Incidents.ReportTo()})
}

// officialNames joins officials' names.
func (b *Bot) officialNames(ids []string) string {
	var names []string
	for _, id := range ids {
		names = append(names, b.Config.OfficialName(id))
	}
	return strings.Join(names, "、")
}

// submitIncident reports the drafted accident and tells the reporter
// what was set going.
func (b *Bot) submitIncident(c caller, d incidentDraft) {
	res, err := b.Incidents.Submit(incident.Report{OccurredAt: d.OccurredAt, Place: d.Place, Unit: d.Unit,
		Category: d.Category, Deaths: d.Deaths, Serious: d.Serious, Missing: d.Missing, LossYuan: d.LossYuan,
		Account: d.Account, Photos: d.Photos, Reporter: c.official.ID, Source: "chat"})
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		b.reply(c, b.t(c, "IncidentNotRecorded", map[string]any{"Error": verr.Reason}))
		return
	case err != nil:
		b.Log.Error("report incident", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	in := res.Incident
	b.reply(c, b.t(c, "IncidentSubmitted", map[string]any{"ID": in.ID, "Level": b.Incidents.LevelName(c.lang, in.Level),
		"Names": b.officialNames(res.Called), "Due": b.Incidents.DueTime(in.OccurredAt, b.Engine.Now()),
		"ReportTo": b.Incidents.ReportTo(), "Within": b.Incidents.Within(c.lang), "Late": !in.ReportDue.After(b.Engine.Now())}))
}

// submitIncidentUpdate records the drafted 续报.
func (b *Bot) submitIncidentUpdate(c caller, d incidentDraft) {
	v, err := b.Incidents.Get(d.Incident)
	if errors.Is(err, incident.ErrUnknownIncident) {
		b.reply(c, b.t(c, "IncidentUnknown", map[string]any{"ID": d.Incident}))
		return
	}
	if err != nil {
		b.Log.Error("load incident", "incident", d.Incident, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	in := v.Incident
	ch := incident.Change{Note: d.Account, Photos: d.Photos, By: c.official.ID, Source: "chat"}
	if d.Deaths != in.Deaths {
		ch.Deaths = &d.Deaths
	}
	if d.Serious != in.Serious {
		ch.Serious = &d.Serious
	}
	if d.Missing != in.Missing {
		ch.Missing = &d.Missing
	}
	if d.LossYuan != in.LossYuan {
		ch.LossYuan = &d.LossYuan
	}
	if ch.Deaths == nil && ch.Serious == nil && ch.Missing == nil && ch.LossYuan == nil && ch.Note == "" && len(ch.Photos) == 0 {
		b.reply(c, b.t(c, "IncidentNoChange", nil))
		return
	}
	out, err := b.Incidents.Update(d.Incident, ch)
	var verr *callout.ValidationError
	switch {
	case errors.As(err, &verr):
		b.reply(c, b.t(c, "IncidentNotRecorded", map[string]any{"Error": verr.Reason}))
		return
	case errors.Is(err, incident.ErrForbidden):
		b.reply(c, b.t(c, "IncidentUpdateForbidden", nil))
		return
	case errors.Is(err, incident.ErrUnknownIncident):
		b.reply(c, b.t(c, "IncidentUnknown", map[string]any{"ID": d.Incident}))
		return
	case err != nil:
		b.Log.Error("update incident", "incident", d.Incident, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	u := out.Update
	in = out.Incident
	var rows [][]storage.Button
	if u.Supplement && b.Incidents.CanReportUp(c.official.ID) {
		rows = [][]storage.Button{{{Text: b.t(c, "ButtonIncidentSupplementUp", nil), Data: incident.ReportUpData(in.ID)}}}
	}
	b.reply2(c, b.t(c, "IncidentUpdated", map[string]any{"ID": in.ID, "Figures": b.Incidents.Figures(c.lang, in),
		"Level": b.Incidents.LevelName(c.lang, u.Level), "Rose": out.Rose, "Before": b.Incidents.LevelName(c.lang, u.LevelBefore),
		"Supplement": u.Supplement, "Outside": u.OutsideWindow, "ReportTo": b.Incidents.ReportTo()}), rows)
}
