package bot

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/storage"
)

// The guided /check: the enterprise (one's plaques as buttons, or typed
// words to search), the kind, what was checked, findings, photos, a shared
// location, then hazards one by one (level, description, deadline, the
// person responsible at the enterprise, for a 重大隐患 its 五落实), a
// preview and submit. Photos and a location are taken at any step.

// Steps of the flow.
const (
	stepEnterprise = "enterprise"
	stepKind       = "kind"
	stepChecked    = "checked"
	stepFindings   = "findings"
	stepPhotos     = "photos"
	stepLocation   = "location"
	stepMore       = "more" // add a hazard?
	stepLevel      = "h_level"
	stepDesc       = "h_desc"
	stepDue        = "h_due"
	stepPerson     = "h_person"
	stepConfirm    = "confirm"
)

// fiveSteps ask a 重大隐患's 五落实, in order.
var fiveSteps = []string{"h_five_responsibility", "h_five_measures", "h_five_funds", "h_five_time_limit", "h_five_plan"}

// checkDraft is an inspection being written.
type checkDraft struct {
	Step       string         `json:"step"`
	Enterprise string         `json:"enterprise,omitempty"` // 信用代码
	Name       string         `json:"name,omitempty"`
	Head       string         `json:"head,omitempty"` // the enterprise's head, offered as the responsible person
	HeadPhone  string         `json:"head_phone,omitempty"`
	Kind       string         `json:"kind,omitempty"`
	Checked    string         `json:"checked,omitempty"`
	Findings   string         `json:"findings,omitempty"`
	Photos     []string       `json:"photos,omitempty"`
	Point      *storage.Point `json:"point,omitempty"`
	Hazards    []checkHazard  `json:"hazards,omitempty"`
	// Cur is the hazard being entered, added to Hazards once complete.
	Cur *checkHazard `json:"cur,omitempty"`
}

// checkHazard is a hazard being entered.
type checkHazard struct {
	Level       string           `json:"level"`
	Description string           `json:"description,omitempty"`
	Due         time.Time        `json:"due,omitzero"`
	Person      storage.Contact  `json:"person,omitzero"`
	Five        hazard.FiveFixes `json:"five,omitzero"`
}

func (d checkDraft) flowStep() string { return d.Step }

// checkHeader heads each question with the enterprise.
func (b *Bot) checkHeader(c caller, d checkDraft) string {
	return b.t(c, "CheckHeader", map[string]any{"Enterprise": d.Name})
}

// askCheckStep asks the question of d's step, or shows the preview.
func (b *Bot) askCheckStep(c caller, d checkDraft) {
	if d.Step == stepConfirm {
		b.reply2(c, b.checkPreview(c, d), b.previewButtons(c, d))
		return
	}
	n := len(d.Hazards) + 1
	q := b.t(c, "CheckQ_"+d.Step, map[string]any{"N": n, "Max": inspection.MaxPhotos, "Count": len(d.Photos),
		"Hazards": len(d.Hazards), "Head": d.Head})
	b.reply2(c, b.checkHeader(c, d)+"\n"+q, b.checkStepButtons(c, d))
}

// checkStepButtons are the answers a step offers as buttons.
func (b *Bot) checkStepButtons(c caller, d checkDraft) [][]storage.Button {
	v := func(label, value string) storage.Button {
		return storage.Button{Text: label, Data: checkPrefix + "v:" + d.Step + ":" + value}
	}
	var rows [][]storage.Button
	switch d.Step {
	case stepKind:
		rows = append(rows, []storage.Button{v(b.t(c, "CheckKind_"+inspection.KindCheck, nil), inspection.KindCheck),
			v(b.t(c, "CheckKind_"+inspection.KindProblem, nil), inspection.KindProblem)})
	case stepFindings:
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonCheckNone", nil), "none")})
	case stepPhotos:
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonCheckPhotosDone", nil), "done")})
	case stepLocation:
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonCheckSkip", nil), "skip")})
	case stepMore:
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonCheckAddHazard", nil), "yes"),
			v(b.t(c, "ButtonCheckNoMore", map[string]any{"Hazards": len(d.Hazards)}), "no")})
	case stepLevel:
		rows = append(rows, []storage.Button{v(b.t(c, "ButtonCheckGeneral", nil), hazard.LevelGeneral),
			v(b.t(c, "ButtonCheckMajor", nil), hazard.LevelMajor)})
	case stepDue:
		var row []storage.Button
		for _, days := range []int{7, 15, 30} {
			row = append(row, v(b.t(c, "ButtonCheckDays", map[string]any{"Days": days}), strconv.Itoa(days)))
		}
		rows = append(rows, row)
	case stepPerson:
		if d.Head != "" {
			rows = append(rows, []storage.Button{v(b.t(c, "ButtonCheckHead", map[string]any{"Name": d.Head}), "head")})
		}
	}
	return append(rows, b.checkCancelRow(c))
}

// previewButtons: submit, another hazard, remove one, cancel.
func (b *Bot) previewButtons(c caller, d checkDraft) [][]storage.Button {
	rows := [][]storage.Button{{{Text: b.t(c, "ButtonCheckSubmit", nil), Data: checkPrefix + "send"}}}
	if len(d.Hazards) < inspection.MaxHazards {
		rows = append(rows, []storage.Button{{Text: b.t(c, "ButtonCheckMore", nil), Data: checkPrefix + "add"}})
	}
	for i := range d.Hazards {
		rows = append(rows, []storage.Button{{Text: b.t(c, "ButtonCheckDelete", map[string]any{"N": i + 1}),
			Data: checkPrefix + "del:" + strconv.Itoa(i+1)}})
	}
	return append(rows, b.checkCancelRow(c))
}

// checkPreview shows the inspection for confirmation.
func (b *Bot) checkPreview(c caller, d checkDraft) string {
	lines := []string{b.t(c, "CheckPreview", map[string]any{"Enterprise": d.Name, "Kind": b.t(c, "CheckKind_"+d.Kind, nil),
		"Checked": d.Checked, "Findings": d.Findings, "Photos": len(d.Photos), "Point": checkPoint(d.Point)})}
	if len(d.Hazards) == 0 {
		lines = append(lines, b.t(c, "CheckPreviewNoHazards", nil))
	}
	for i, h := range d.Hazards {
		lines = append(lines, b.t(c, "CheckPreviewHazard", map[string]any{"N": i + 1,
			"Level": b.t(c, "LedgerWord_hazard_"+h.Level, nil), "Description": h.Description, "Due": b.checkDue(h.Due),
			"Person": strings.TrimSpace(h.Person.Name + " " + h.Person.Phone), "Major": h.Level == hazard.LevelMajor,
			"Responsibility": h.Five.Responsibility, "Measures": h.Five.Measures, "Funds": h.Five.Funds,
			"TimeLimit": h.Five.TimeLimit, "Plan": h.Five.Plan}))
	}
	return strings.Join(lines, "\n")
}

// onCheckButton handles the flow's buttons; it returns the toast.
func (b *Bot) onCheckButton(c caller, arg string, msgID int) (string, bool) {
	var d checkDraft
	if !b.flowData(c, flowCheck, &d) {
		return b.t(c, "ToastStale", nil), false
	}
	switch {
	case arg == "cancel":
		b.endFlow(c, flowCheck)
		b.send(storage.Job{ChatID: c.chatID, Op: storage.OpEdit, MessageID: msgID, Text: b.t(c, "CheckCancelled", nil),
			Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
		return b.t(c, "CheckCancelled", nil), false
	case strings.HasPrefix(arg, "e:"):
		if d.Step != stepEnterprise {
			return b.t(c, "ToastStale", nil), false
		}
		return b.pickEnterprise(c, d, strings.TrimPrefix(arg, "e:"))
	case arg == "send" && d.Step == stepConfirm:
		return b.submitCheck(c, d, msgID)
	case arg == "add" && d.Step == stepConfirm && len(d.Hazards) < inspection.MaxHazards:
		d.Step, d.Cur = stepLevel, &checkHazard{}
		if b.saveFlow(c, flowCheck, d) {
			b.askCheckStep(c, d)
		}
		return "✓", false
	case strings.HasPrefix(arg, "del:") && d.Step == stepConfirm:
		n, err := strconv.Atoi(strings.TrimPrefix(arg, "del:"))
		if err != nil || n < 1 || n > len(d.Hazards) {
			return b.t(c, "ToastStale", nil), false
		}
		d.Hazards = slices.Delete(d.Hazards, n-1, n)
		if b.saveFlow(c, flowCheck, d) {
			b.askCheckStep(c, d)
		}
		return b.t(c, "CheckHazardDeleted", map[string]any{"N": n}), false
	case strings.HasPrefix(arg, "v:"):
		step, value, _ := strings.Cut(strings.TrimPrefix(arg, "v:"), ":")
		if step != d.Step {
			return b.t(c, "ToastStale", nil), false
		}
		if problem := b.answerCheckStep(c, &d, value, true); problem != "" {
			return problem, true
		}
		return "✓", false
	}
	return b.t(c, "ToastStale", nil), false
}

// pickEnterprise takes the enterprise chosen, if the caller may inspect it.
func (b *Bot) pickEnterprise(c caller, d checkDraft, code string) (string, bool) {
	e, ok, err := b.Inspections.Enterprise(code)
	switch {
	case err != nil:
		b.Log.Error("check: read an enterprise", "enterprise", code, "err", err)
		return b.t(c, "InternalError", nil), true
	case !ok:
		return b.t(c, "CheckEnterpriseGone", map[string]any{"Enterprise": code}), true
	}
	if !b.Inspections.Access(c.official.ID, e).Allowed {
		b.reply(c, b.forbiddenText(c, e))
		return b.t(c, "CheckForbiddenToast", nil), true
	}
	d.Enterprise, d.Name, d.Head, d.HeadPhone, d.Step = e.Code, e.Name, e.Head.Name, e.Head.Phone, stepKind
	if b.saveFlow(c, flowCheck, d) {
		b.askCheckStep(c, d)
	}
	return e.Name, false
}

// onCheckInput takes a message sent while the chat is in the flow: a
// photo or a location at any step, else a typed answer.
func (b *Bot) onCheckInput(c caller, d checkDraft, m *models.Message) {
	switch {
	case len(m.Photo) > 0:
		b.onCheckPhoto(c, d, largestPhoto(m.Photo))
	case m.Location != nil || m.Venue != nil:
		loc := m.Location
		if m.Venue != nil {
			loc = &m.Venue.Location
		}
		d.Point = &storage.Point{Lat: loc.Latitude, Lon: loc.Longitude}
		if d.Step == stepLocation {
			d.Step = stepMore
			if b.saveFlow(c, flowCheck, d) {
				b.reply(c, b.t(c, "CheckLocationAdded", map[string]any{"Point": checkPoint(d.Point)}))
				b.askCheckStep(c, d)
			}
			return
		}
		if b.saveFlow(c, flowCheck, d) {
			b.reply(c, b.t(c, "CheckLocationAdded", map[string]any{"Point": checkPoint(d.Point)}))
		}
	default:
		text := strings.TrimSpace(m.Text)
		if d.Step == stepEnterprise {
			if text == "" {
				b.reply(c, b.t(c, "CheckEmpty", nil))
				return
			}
			b.checkSearch(c, text)
			return
		}
		if problem := b.answerCheckStep(c, &d, text, false); problem != "" {
			b.reply(c, problem)
		}
	}
}

// onCheckPhoto adds a photo; one answer stands for an album.
func (b *Bot) onCheckPhoto(c caller, d checkDraft, fileID string) {
	if fileID == "" {
		return
	}
	if len(d.Photos) >= inspection.MaxPhotos {
		b.reply(c, b.t(c, "CheckPhotoLimit", map[string]any{"Max": inspection.MaxPhotos}))
		return
	}
	d.Photos = append(d.Photos, fileID)
	if !b.saveFlow(c, flowCheck, d) {
		return
	}
	var rows [][]storage.Button
	if d.Step == stepPhotos {
		rows = b.checkStepButtons(c, d)
	}
	b.send(storage.Job{Key: fmt.Sprintf("check-photos:%d", c.chatID), ChatID: c.chatID, Op: storage.OpSend,
		Text:    b.t(c, "CheckPhotoAdded", map[string]any{"Count": len(d.Photos), "AtPhotos": d.Step == stepPhotos}),
		Buttons: rows, Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}})
}

// checkText reads a typed text answer.
func (b *Bot) checkText(c caller, value string, max int) (string, string) {
	switch {
	case value == "":
		return "", b.t(c, "CheckEmpty", nil)
	case utf8.RuneCountInString(value) > max:
		return "", b.t(c, "CheckTooLong", map[string]any{"Max": max})
	}
	return value, ""
}

// answerCheckStep applies an answer (typed, or a button's value) to the
// step waiting, saves the draft and asks the next question. It returns
// what is wrong with the answer, or "" when it was taken.
func (b *Bot) answerCheckStep(c caller, d *checkDraft, value string, pressed bool) string {
	value = strings.TrimSpace(value)
	none := value == "无" || value == "-" || strings.EqualFold(value, "none") || value == "没有"
	var problem string
	switch d.Step {
	case stepKind:
		switch {
		case value == inspection.KindCheck || value == "检查" || value == "检查指导" || value == "1":
			d.Kind = inspection.KindCheck
		case value == inspection.KindProblem || strings.Contains(value, "难题") || value == "2":
			d.Kind = inspection.KindProblem
		default:
			return b.t(c, "CheckUseButtons", nil)
		}
		d.Step = stepChecked
	case stepChecked:
		if d.Checked, problem = b.checkText(c, value, inspection.MaxText); problem != "" {
			return problem
		}
		d.Step = stepFindings
	case stepFindings:
		if none || (pressed && value == "none") {
			d.Findings = ""
		} else if d.Findings, problem = b.checkText(c, value, inspection.MaxText); problem != "" {
			return problem
		}
		d.Step = stepPhotos
	case stepPhotos:
		if !(pressed && value == "done") && value != "完成" && value != "跳过" && !strings.EqualFold(value, "done") && !none {
			return b.t(c, "CheckPhotosHint", nil)
		}
		d.Step = stepLocation
	case stepLocation:
		if !(pressed && value == "skip") && value != "跳过" && !strings.EqualFold(value, "skip") && !none {
			return b.t(c, "CheckLocationHint", nil)
		}
		d.Step = stepMore
	case stepMore:
		switch {
		case value == "yes" || value == "是" || value == "有":
			if len(d.Hazards) >= inspection.MaxHazards {
				return b.t(c, "CheckTooManyHazards", map[string]any{"Max": inspection.MaxHazards})
			}
			d.Step, d.Cur = stepLevel, &checkHazard{}
		case value == "no" || value == "否" || none:
			d.Step = stepConfirm
		default:
			return b.t(c, "CheckUseButtons", nil)
		}
	case stepLevel:
		level, ok := hazard.ParseLevel(value)
		if !ok {
			return b.t(c, "CheckUseButtons", nil)
		}
		d.cur().Level, d.Step = level, stepDesc
	case stepDesc:
		if d.cur().Description, problem = b.checkText(c, value, hazard.MaxText); problem != "" {
			return problem
		}
		d.Step = stepDue
	case stepDue:
		if pressed {
			value += "天"
		}
		due, err := hazard.ParseDeadline(value, b.Engine.Now(), b.Config.Location)
		switch {
		case errors.Is(err, hazard.ErrDeadlinePast):
			return b.t(c, "CheckDatePast", nil)
		case errors.Is(err, hazard.ErrDeadlineFar):
			return b.t(c, "CheckDateFar", nil)
		case err != nil:
			return b.t(c, "CheckBadDate", nil)
		}
		d.cur().Due, d.Step = due, stepPerson
	case stepPerson:
		if pressed && value == "head" {
			d.cur().Person = storage.Contact{Name: d.Head, Phone: d.HeadPhone}
		} else {
			if _, problem = b.checkText(c, value, hazard.MaxField); problem != "" {
				return problem
			}
			d.cur().Person = parseContact(value)
		}
		if d.cur().Level == hazard.LevelMajor {
			d.Step = fiveSteps[0]
		} else {
			d.finishHazard()
		}
	case stepConfirm:
		return b.t(c, "CheckUseButtons", nil)
	default:
		i := slices.Index(fiveSteps, d.Step)
		if i < 0 || d.Cur == nil {
			return b.t(c, "ToastStale", nil)
		}
		v, problem := b.checkText(c, value, hazard.MaxText)
		if problem != "" {
			return problem
		}
		f := &d.cur().Five
		*[]*string{&f.Responsibility, &f.Measures, &f.Funds, &f.TimeLimit, &f.Plan}[i] = v
		if i+1 < len(fiveSteps) {
			d.Step = fiveSteps[i+1]
		} else {
			d.finishHazard()
		}
	}
	if !b.saveFlow(c, flowCheck, *d) {
		return ""
	}
	b.askCheckStep(c, *d)
	return ""
}

// cur is the hazard being entered.
func (d *checkDraft) cur() *checkHazard {
	if d.Cur == nil {
		d.Cur = &checkHazard{}
	}
	return d.Cur
}

// finishHazard adds the hazard entered and asks for another.
func (d *checkDraft) finishHazard() {
	d.Hazards = append(d.Hazards, *d.cur())
	d.Cur, d.Step = nil, stepMore
}

// parseContact reads “name” or “name phone” as typed.
func parseContact(s string) storage.Contact {
	fields := strings.Fields(s)
	if len(fields) > 1 {
		last := fields[len(fields)-1]
		digits := strings.Map(func(r rune) rune {
			if r == '-' || r == '+' {
				return -1
			}
			return r
		}, last)
		if _, err := strconv.ParseUint(digits, 10, 64); err == nil && len(digits) >= 7 {
			return storage.Contact{Name: strings.Join(fields[:len(fields)-1], " "), Phone: digits}
		}
	}
	return storage.Contact{Name: s}
}
