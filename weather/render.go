package weather

import (
	"fmt"
	"strings"
	"time"

	"dutybot/locales"
	"dutybot/storage"
)

// maxBoard keeps the board inside Telegram's 4096 characters.
const maxBoard = 3800

func colon(lang string) string {
	if lang == locales.EN {
		return ": "
	}
	return "："
}

// DisplayTitle is a warning's title in lang (the stored title is in the
// configured language, for the alert every recipient shares).
func (s *Service) DisplayTitle(lang string, w Warning) string {
	return s.Title(lang, w.Type, w.Level)
}

// Result says how an item was confirmed: the number with its note, the
// note, or plain done.
func (s *Service) Result(lang string, it ChecklistItem) string {
	switch {
	case it.Count && it.Note != "" && lang == locales.EN:
		return fmt.Sprintf("%d (%s)", it.Value, it.Note)
	case it.Count && it.Note != "":
		return fmt.Sprintf("%d（%s）", it.Value, it.Note)
	case it.Count:
		return fmt.Sprint(it.Value)
	case it.Note != "":
		return it.Note
	}
	return s.tr.T(lang, "WarnResultDone", nil)
}

// unitText is a unit's checklist message with a confirm button for each
// outstanding item while the warning is in force.
func (s *Service) unitText(lang string, w Warning, unit string, items []ChecklistItem) (string, [][]storage.Button) {
	var sb strings.Builder
	sb.WriteString(s.tr.T(lang, "WarnChecklistHeader", map[string]any{"Title": s.DisplayTitle(lang, w), "ID": w.ID,
		"Unit": s.cfg.UnitName(unit), "By": s.cfg.DeadlineTime(w.ConfirmBy)}))
	var buttons [][]storage.Button
	for i, it := range items {
		data := map[string]any{"N": i + 1, "Action": s.ActionName(lang, it.Action), "Text": it.Text, "Count": it.Count}
		if it.Done() {
			data["Result"], data["Name"], data["Time"] = s.Result(lang, it), s.name(it.By), s.hhmm(it.At)
			sb.WriteString("\n" + s.tr.T(lang, "WarnChecklistDone", data))
			continue
		}
		sb.WriteString("\n" + s.tr.T(lang, "WarnChecklistOpen", data))
		if w.State == WarningActive {
			buttons = append(buttons, []storage.Button{{Text: s.tr.T(lang, "WarnButtonConfirm", data),
				Data: ConfirmData(w.ID, it.No)}})
		}
	}
	switch {
	case w.State != WarningActive:
		sb.WriteString("\n" + s.tr.T(lang, "WarnChecklistLifted", map[string]any{"Time": s.hhmm(w.LiftedAt)}))
	case len(open(items)) == 0:
		sb.WriteString("\n" + s.tr.T(lang, "WarnChecklistAllDone", nil))
	}
	return sb.String(), buttons
}

// short cuts an item's text for the board.
func short(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return string(r[:n]) + "…"
}

// BoardText renders the 熔断 board: per unit, per action ✅ with the
// result, who and when, or ⏳.
func (s *Service) BoardText(lang string, w Warning, items []ChecklistItem, now time.Time) string {
	done := len(items) - len(open(items))
	head := []string{
		s.tr.T(lang, "WarnBoardHeader", map[string]any{"Title": s.DisplayTitle(lang, w), "ID": w.ID}),
		s.tr.T(lang, "WarnBoardProgress", map[string]any{"Done": done, "Total": len(items), "Time": s.hhmm(now)}),
	}
	var foot string
	switch {
	case w.State != WarningActive:
		foot = s.tr.T(lang, "WarnBoardLifted", map[string]any{"Time": s.hhmm(w.LiftedAt)})
	case done == len(items):
		foot = s.tr.T(lang, "WarnBoardComplete", nil)
	case w.Overdue:
		var names []string
		for _, u := range unitsOf(open(items)) {
			names = append(names, s.cfg.UnitName(u))
		}
		foot = s.tr.T(lang, "WarnBoardOverdue", map[string]any{"Time": s.cfg.DeadlineTime(w.ConfirmBy), "Units": strings.Join(names, sep(lang))})
	default:
		foot = s.tr.T(lang, "WarnBoardDeadline", map[string]any{"Time": s.cfg.DeadlineTime(w.ConfirmBy)})
	}
	// Long boards drop the item texts first, then the lines that do not fit.
	for _, textLen := range []int{16, 0} {
		lines := s.boardLines(lang, items, textLen)
		size := len([]rune(strings.Join(head, "\n"))) + len([]rune(foot)) + 2
		var body []string
		shown := 0
		for _, l := range lines {
			size += len([]rune(l.text)) + 1
			if size > maxBoard {
				break
			}
			body = append(body, l.text)
			shown += l.items
		}
		if shown == len(items) || textLen == 0 {
			if shown < len(items) {
				body = append(body, s.tr.T(lang, "WarnBoardMore", map[string]any{"Count": len(items) - shown}))
			}
			return strings.Join(append(append(head, body...), foot), "\n")
		}
	}
	return "" // not reached
}

type boardLine struct {
	text  string
	items int // checklist items the line shows
}

func (s *Service) boardLines(lang string, items []ChecklistItem, textLen int) []boardLine {
	var out []boardLine
	for _, u := range unitsOf(items) {
		out = append(out, boardLine{text: s.tr.T(lang, "WarnBoardUnit", map[string]any{"Unit": s.cfg.UnitName(u)})})
		for _, it := range ofUnit(items, u) {
			data := map[string]any{"Action": s.ActionName(lang, it.Action), "Text": ""}
			if textLen > 0 {
				data["Text"] = short(it.Text, textLen)
			}
			id := "WarnBoardOpen"
			if it.Done() {
				id = "WarnBoardDone"
				data["Result"], data["Name"], data["Time"] = s.Result(lang, it), s.name(it.By), s.hhmm(it.At)
			}
			out = append(out, boardLine{text: strings.Join(strings.Fields(s.tr.T(lang, id, data)), " "), items: 1})
		}
	}
	return out
}
