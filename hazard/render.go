package hazard

import (
	"strconv"
	"strings"
	"time"

	"dutybot/storage"
)

// Details describes a hazard for officials: the enterprise, the level,
// what, who found it, whom at the enterprise, the deadline and, for a
// 重大隐患, its 五落实.
func (s *Service) Details(lang string, h Hazard) string {
	data := map[string]any{"Enterprise": h.EnterpriseName, "Unit": s.cfg.UnitName(h.Unit),
		"Level": s.tr.T(lang, "HazardLevel_"+h.Level, nil), "Description": h.Description,
		"FoundBy": s.cfg.OfficialName(h.FoundBy), "FoundAt": s.when(h.FoundAt), "Photos": len(h.Photos),
		"Person": h.Responsible.Name, "Phone": h.Responsible.Phone, "Due": s.when(h.Deadline), "Place": ""}
	if p := h.Point; p != nil {
		data["Place"] = strconv.FormatFloat(p.Lat, 'f', 5, 64) + ", " + strconv.FormatFloat(p.Lon, 'f', 5, 64)
	}
	lines := []string{s.tr.T(lang, "HazardDetails", data)}
	if f := h.Five; f != nil {
		lines = append(lines, s.tr.T(lang, "HazardFive", map[string]any{"Responsibility": f.Responsibility,
			"Measures": f.Measures, "Funds": f.Funds, "TimeLimit": f.TimeLimit, "Plan": f.Plan}))
	}
	return strings.Join(lines, "\n")
}

// levelWord is the ledger's word for a hazard level.
func levelWord(level string) string {
	if level == LevelMajor {
		return storage.WordMajor
	}
	return storage.WordGeneral
}

// fiveLine is the 五落实 on one line, for the log.
func fiveLine(f FiveFixes) string {
	return "responsibility: " + f.Responsibility + "; measures: " + f.Measures + "; funds: " + f.Funds +
		"; time limit: " + f.TimeLimit + "; plan: " + f.Plan
}

// when formats a time for people, in the town's time zone.
func (s *Service) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format("2006-01-02 15:04")
}

// excerpt cuts v to n runes.
func excerpt(v string, n int) string {
	r := []rune(v)
	if len(r) <= n {
		return v
	}
	return string(r[:n]) + "…"
}
