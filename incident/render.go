package incident

import (
	"fmt"
	"strings"
	"time"

	"dutybot/locales"
	"dutybot/storage"
)

// Button data of the incident buttons; the bot routes them here.
const (
	ReportUpPrefix = "iu:" // iu:<id>: 已上报 (or 已补报)
	UpdatePrefix   = "iv:" // iv:<id>: start a 续报
)

// ReportUpData is the data of an incident's 已上报 button.
func ReportUpData(id string) string { return ReportUpPrefix + id }

// UpdateData is the data of an incident's 续报 button.
func UpdateData(id string) string { return UpdatePrefix + id }

// LevelName renders a level: 一般事故 ….
func (s *Service) LevelName(lang, level string) string {
	return s.tr.T(lang, "IncidentLevel_"+level, nil)
}

// CategoryName renders a category: 道路交通 ….
func (s *Service) CategoryName(lang, category string) string {
	return s.tr.T(lang, "IncidentCat_"+category, nil)
}

// categoryAliases are earlier names still read: a report client written
// when 火灾 was called 消防 keeps working.
var categoryAliases = map[string]string{"消防": CatFire}

// ParseCategory reads a category given by id or by name in either
// language.
func (s *Service) ParseCategory(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if c, ok := categoryAliases[text]; ok {
		return c, true
	}
	for _, c := range Categories {
		if strings.EqualFold(text, c) || text == s.CategoryName(locales.ZH, c) || strings.EqualFold(text, s.CategoryName(locales.EN, c)) {
			return c, true
		}
	}
	return "", false
}

// clockTime shows t as 15:04 on now's day, else with the date.
func (s *Service) clockTime(t, now time.Time) string {
	t, now = t.In(s.loc), now.In(s.loc)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format("01-02 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// DueTime shows when the upward report of an accident at occurred is due.
func (s *Service) DueTime(occurred, now time.Time) string {
	return s.clockTime(occurred.Add(s.cfg.Incidents.ReportWithin.D()), now)
}

// Within renders incidents.report_within: "1 小时", "90 分钟".
func (s *Service) Within(lang string) string {
	d := s.cfg.Incidents.ReportWithin.D()
	if d%time.Hour == 0 {
		return s.tr.T(lang, "IncidentWithinHours", map[string]any{"Count": int(d / time.Hour)})
	}
	return s.tr.T(lang, "IncidentWithinMinutes", map[string]any{"Count": int(d / time.Minute)})
}

// actorName names who did something: an official, the API or the system.
func (s *Service) actorName(lang, actor string) string {
	switch actor {
	case "api":
		return "API"
	case "system", "":
		return s.tr.T(lang, "IncidentSystem", nil)
	}
	return s.cfg.OfficialName(actor)
}

// shortTitle names an incident in one phrase: 含谷镇某路口 道路交通事故.
func (s *Service) shortTitle(lang string, in Incident) string {
	return s.tr.T(lang, "IncidentShortTitle", map[string]any{"Place": in.Place, "Category": s.CategoryName(lang, in.Category)})
}

// alertTitle is the title of the red 叫应 for a new accident.
func (s *Service) alertTitle(lang string, in Incident) string {
	title := s.tr.T(lang, "IncidentAlertTitle", map[string]any{"ID": in.ID, "Title": s.shortTitle(lang, in),
		"Level": s.LevelName(lang, in.Level)})
	if r := []rune(title); len(r) > 200 {
		title = string(r[:199]) + "…"
	}
	return title
}

// alertBody is the text of the red 叫应: the facts and the deadline.
func (s *Service) alertBody(lang string, in Incident, now time.Time) string {
	body := s.Facts(lang, in) + "\n" + s.tr.T(lang, "IncidentAlertAsk", map[string]any{
		"Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo(), "Within": s.Within(lang)})
	if r := []rune(body); len(r) > 3000 {
		body = string(r[:2999]) + "…"
	}
	return body
}

// Figures renders the casualties and loss.
func (s *Service) Figures(lang string, in Incident) string {
	return s.FigureChanges(lang, in, in)
}

// FigureChanges renders the figures after a change, with the old value
// where one changed: 死亡 1→3 人.
func (s *Service) FigureChanges(lang string, before, after Incident) string {
	n := func(old, new int) string {
		if old == new {
			return fmt.Sprint(new)
		}
		return fmt.Sprintf("%d→%d", old, new)
	}
	loss := FormatWan(after.LossYuan)
	if before.LossYuan != after.LossYuan {
		loss = FormatWan(before.LossYuan) + "→" + loss
	}
	return s.tr.T(lang, "IncidentFigures", map[string]any{"Deaths": n(before.Deaths, after.Deaths),
		"Serious": n(before.Serious, after.Serious), "Missing": n(before.Missing, after.Missing), "Loss": loss})
}

// Facts renders what was reported: time, place, unit, category, figures,
// account, photos.
func (s *Service) Facts(lang string, in Incident) string {
	return s.tr.T(lang, "IncidentFacts", map[string]any{"When": in.OccurredAt.In(s.loc).Format("2006-01-02 15:04"),
		"Place": in.Place, "Unit": in.Unit, "Category": s.CategoryName(lang, in.Category), "Figures": s.Figures(lang, in),
		"Account": in.Account, "Photos": len(in.Photos)})
}

// Card renders an incident for chat: its facts, level and where its
// regulatory clocks stand.
func (s *Service) Card(lang string, in Incident, now time.Time) string {
	var sb strings.Builder
	sb.WriteString(s.tr.T(lang, "IncidentCardHeader", map[string]any{"ID": in.ID, "Level": s.LevelName(lang, in.Level)}))
	sb.WriteString("\n" + s.Facts(lang, in))
	switch {
	case in.Up != nil:
		sb.WriteString("\n" + s.tr.T(lang, "IncidentCardUp", map[string]any{"Time": s.clockTime(in.Up.At, now),
			"By": s.actorName(lang, in.Up.By), "To": in.Up.To, "Late": in.Up.Late}))
	case in.Late:
		sb.WriteString("\n" + s.tr.T(lang, "IncidentCardLate", map[string]any{"Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo()}))
	default:
		sb.WriteString("\n" + s.tr.T(lang, "IncidentCardDue", map[string]any{"Due": s.clockTime(in.ReportDue, now), "ReportTo": s.ReportTo()}))
	}
	if n := len(in.Updates); n > 0 {
		sb.WriteString("\n" + s.tr.T(lang, "IncidentCardUpdates", map[string]any{"Count": n,
			"Time": s.clockTime(in.Updates[n-1].At, now)}))
	}
	for _, sup := range in.Supplements {
		sb.WriteString("\n" + s.tr.T(lang, "IncidentCardSupplemented", map[string]any{"Time": s.clockTime(sup.At, now),
			"By": s.actorName(lang, sup.By), "To": sup.To}))
	}
	if in.SupplementDue {
		sb.WriteString("\n" + s.tr.T(lang, "IncidentCardSupplementDue", map[string]any{"ReportTo": s.ReportTo()}))
	}
	return sb.String()
}

// Pending reports whether an upward report (the first, or a 补报) waits to
// be recorded.
func Pending(in Incident) bool { return in.Up == nil || in.SupplementDue }

// reportUpButtons is the 已上报 (or 已补报) button of an incident.
func (s *Service) reportUpButtons(lang string, in Incident) [][]storage.Button {
	label := "ButtonIncidentReportedUp"
	if in.Up != nil {
		label = "ButtonIncidentSupplementUp"
	}
	return [][]storage.Button{{{Text: s.tr.T(lang, label, nil), Data: ReportUpData(in.ID)}}}
}

// leaderButtons are the buttons of the card sent to the responsible
// leaders with a new accident: 已上报 and 续报.
func (s *Service) leaderButtons(lang string, in Incident) [][]storage.Button {
	row := s.reportUpButtons(lang, in)[0]
	row = append(row, storage.Button{Text: s.tr.T(lang, "ButtonIncidentUpdate", nil), Data: UpdateData(in.ID)})
	return [][]storage.Button{row}
}

// Buttons are the buttons an official is shown under an incident's card:
// 已上报 while a report is pending and they may record it, 续报 when they
// may send one.
func (s *Service) Buttons(lang, official string, in Incident) [][]storage.Button {
	var row []storage.Button
	if Pending(in) && s.CanReportUp(official) {
		row = append(row, s.reportUpButtons(lang, in)[0]...)
	}
	if s.CanUpdate(official, in) {
		row = append(row, storage.Button{Text: s.tr.T(lang, "ButtonIncidentUpdate", nil), Data: UpdateData(in.ID)})
	}
	if row == nil {
		return nil
	}
	return [][]storage.Button{row}
}
