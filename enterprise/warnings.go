package enterprise

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"dutybot/config"
	"dutybot/roster"
)

// Kinds of Warning.
const (
	WarnOverloaded = "overloaded" // 一人承包: more plaques than enterprises.max_per_person
	WarnDeparted   = "departed"   // a plaque names an official no longer in the configuration
)

// Warning is something to fix in a registry that does not stop it being
// used: it is told to whoever imports it and at start.
type Warning struct {
	Kind     string `json:"kind"`
	Official string `json:"official"`        // the official's id
	Name     string `json:"name,omitempty"`  // their name (for a departed one, as it was at import)
	Count    int    `json:"count,omitempty"` // WarnOverloaded: their plaques
	Max      int    `json:"max,omitempty"`   // WarnOverloaded: enterprises.max_per_person
	// WarnDeparted: the enterprise, and the plaque role (Plaque…).
	Code       string `json:"code,omitempty"`
	Enterprise string `json:"enterprise,omitempty"`
	Role       string `json:"role,omitempty"`
}

// Check returns the warnings of a registry under cfg: each official
// holding more plaques (行政负责人 or 行业部门监管负责人 of distinct
// enterprises) than enterprises.max_per_person, most first, then each
// plaque naming an official the configuration no longer has, by
// enterprise.
func Check(cfg *config.Config, list []Enterprise) []Warning {
	max := cmp.Or(cfg.Enterprises.MaxPerPerson, config.DefaultMaxPerPerson)
	held := map[string]int{}
	recorded := map[string]string{} // names as imported, for officials since removed
	var out, departed []Warning
	for _, e := range list {
		if e.Admin != "" {
			held[e.Admin]++
			recorded[e.Admin] = e.AdminName
		}
		if e.Supervisor != "" && e.Supervisor != e.Admin {
			held[e.Supervisor]++
			recorded[e.Supervisor] = e.SupervisorName
		}
		names := map[string]string{PlaqueAdmin: e.AdminName, PlaqueSupervisor: e.SupervisorName,
			PlaqueGuarantor: e.GuarantorName}
		for _, p := range e.Plaques() {
			if _, ok := cfg.Official(p[1]); !ok {
				departed = append(departed, Warning{Kind: WarnDeparted, Official: p[1], Name: names[p[0]],
					Code: e.Code, Enterprise: e.Name, Role: p[0]})
			}
		}
	}
	for id, n := range held {
		if n > max {
			name := cfg.OfficialName(id)
			if _, ok := cfg.Official(id); !ok {
				name = recorded[id]
			}
			out = append(out, Warning{Kind: WarnOverloaded, Official: id, Name: name, Count: n, Max: max})
		}
	}
	slices.SortFunc(out, func(a, b Warning) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Official, b.Official)) })
	return append(out, departed...)
}

// Text returns the warning in lang, naming people by name.
func (w Warning) Text(tr roster.Translator, lang string) string {
	who := w.Name
	if who == "" {
		who = w.Official
	}
	switch w.Kind {
	case WarnOverloaded:
		return tr.T(lang, "EnterpriseWarnOverloaded", map[string]any{"Name": who, "Count": w.Count, "Max": w.Max})
	case WarnDeparted:
		return tr.T(lang, "EnterpriseWarnDeparted", map[string]any{"Name": who, "ID": w.Official,
			"Enterprise": w.Enterprise, "Role": tr.T(lang, "EnterpriseRole_"+w.Role, nil)})
	}
	return w.String()
}

// String is the warning in English, for logs.
func (w Warning) String() string {
	switch w.Kind {
	case WarnOverloaded:
		return fmt.Sprintf("一人承包: %s (%s) is on %d plaques, more than enterprises.max_per_person (%d)", w.Name, w.Official, w.Count, w.Max)
	case WarnDeparted:
		return fmt.Sprintf("%s (%s), %s of %s (%s), is no longer in the configuration", w.Name, w.Official, w.Role, w.Enterprise, w.Code)
	}
	return w.Kind
}
