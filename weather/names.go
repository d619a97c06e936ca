package weather

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/config"
	"dutybot/locales"
)

// TypeName is a warning type as people call it: 暴雨, Rainstorm.
func (s *Service) TypeName(lang, typ string) string { return s.tr.T(lang, "WarnType_"+typ, nil) }

// LevelName is a level's colour word as used in a title: 红色, red.
func (s *Service) LevelName(lang, level string) string { return s.tr.T(lang, "WarnLevel_"+level, nil) }

// ActionName is a 禁停撤疏 action's word: 撤离, Evacuate.
func (s *Service) ActionName(lang, action string) string {
	return s.tr.T(lang, "WarnAction_"+action, nil)
}

// Title is the standard title of a warning: 暴雨红色预警.
func (s *Service) Title(lang, typ, level string) string {
	return s.tr.T(lang, "WarnTitle", map[string]any{"Type": s.TypeName(lang, typ), "Level": s.LevelName(lang, level)})
}

// ValidLevels returns the levels a type is issued at, lowest first.
func ValidLevels(typ string) []string { return config.WarningLevels[typ] }

// ValidLevel reports whether a warning of this type is issued at level.
func ValidLevel(typ, level string) bool { return slices.Contains(config.WarningLevels[typ], level) }

// normalise folds what people type for a name: case, spaces, "_" and "-",
// and a trailing 预警 or "warning".
func normalise(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "", "_", "", "-", "", "\u3000", "").Replace(s)
	for _, suffix := range []string{"预警信号", "预警", "warning", "信号"} {
		s = strings.TrimSuffix(s, suffix)
	}
	return s
}

// ParseType maps a typed warning type to its id: the id itself
// ("cold_wave"), or its Chinese or English name ("寒潮", "Cold wave",
// "寒潮预警").
func (s *Service) ParseType(text string) (string, bool) {
	n := normalise(text)
	if n == "" {
		return "", false
	}
	for _, t := range config.WarningTypes {
		if n == normalise(t) || n == normalise(s.TypeName(locales.ZH, t)) || n == normalise(s.TypeName(locales.EN, t)) {
			return t, true
		}
	}
	return "", false
}

// levelAliases maps what people type for a level (after normalise) to it:
// the colour in Chinese or English, or the grade Ⅰ–Ⅳ.
var levelAliases = map[string]string{
	"blue": "blue", "蓝": "blue", "蓝色": "blue", "iv": "blue", "ⅳ": "blue", "4": "blue", "4级": "blue", "四级": "blue",
	"yellow": "yellow", "黄": "yellow", "黄色": "yellow", "iii": "yellow", "ⅲ": "yellow", "3": "yellow", "3级": "yellow", "三级": "yellow",
	"orange": "orange", "橙": "orange", "橙色": "orange", "ii": "orange", "ⅱ": "orange", "2": "orange", "2级": "orange", "二级": "orange",
	"red": "red", "红": "red", "红色": "red", "i": "red", "ⅰ": "red", "1": "red", "1级": "red", "一级": "red",
}

// ParseLevel maps a typed level to its id: 红, 红色, red, Ⅰ.
func ParseLevel(text string) (string, bool) {
	l, ok := levelAliases[normalise(text)]
	return l, ok
}

// ParseTypeLevel splits a word that names type and level together, such as
// 暴雨红色预警 or 高温橙色.
func (s *Service) ParseTypeLevel(word string) (typ, level string, ok bool) {
	n := normalise(word)
	for _, t := range config.WarningTypes {
		for _, name := range []string{normalise(s.TypeName(locales.ZH, t)), normalise(t)} {
			if rest, found := strings.CutPrefix(n, name); found && rest != "" {
				if l, ok := ParseLevel(rest); ok {
					return t, l, true
				}
			}
		}
	}
	return "", "", false
}

// levelNames joins the colour words of levels: 黄色、橙色、红色.
func (s *Service) levelNames(lang string, levels []string) string {
	var names []string
	for _, l := range levels {
		names = append(names, s.LevelName(lang, l))
	}
	return strings.Join(names, sep(lang))
}

// TypeNames joins the names of every warning type.
func (s *Service) TypeNames(lang string) string {
	var names []string
	for _, t := range config.WarningTypes {
		names = append(names, s.TypeName(lang, t))
	}
	return strings.Join(names, sep(lang))
}

// LevelError explains in lang why level is not valid for typ, naming the
// valid ones.
func (s *Service) LevelError(lang, typ, level string) string {
	return s.tr.T(lang, "WarnLevelInvalid", map[string]any{"Type": s.TypeName(lang, typ),
		"Level": s.LevelName(lang, level), "Valid": s.levelNames(lang, ValidLevels(typ))})
}

func sep(lang string) string {
	if lang == locales.EN {
		return ", "
	}
	return "、"
}

// UnitNames joins the names of units, or says "every unit" for none.
func (s *Service) UnitNames(lang string, units []string) string {
	if len(units) == 0 {
		return s.tr.T(lang, "WarnAllUnits", nil)
	}
	var names []string
	for _, id := range units {
		names = append(names, s.cfg.UnitName(id))
	}
	return strings.Join(names, sep(lang))
}

func (s *Service) name(id string) string {
	if id == "api" {
		return "API"
	}
	return s.cfg.OfficialName(id)
}

func (s *Service) hhmm(t time.Time) string { return t.In(s.loc).Format("15:04") }

// Window says how long recipients of a warning of this level have to answer
// before the first step of its policy.
func (s *Service) Window(lang, level string) string {
	steps := s.cfg.WeatherPolicy(level)
	if len(steps) == 0 {
		return s.tr.T(lang, "WarnWindowNone", nil)
	}
	return s.tr.T(lang, "WarnWindowMinutes", map[string]any{"Minutes": fmt.Sprint(int(steps[0].After.D().Minutes()))})
}
