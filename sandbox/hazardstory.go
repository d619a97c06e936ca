package sandbox

import "dutybot/enterprise"

// hazardStory is who plays the hazard loop's walk-through, taken from the
// registry loaded at start: an enterprise, its 行业部门监管负责人 who
// inspects it, its 属地 unit's head who reports the fix, and its
// 行政负责人, who hears of it too.
type hazardStory struct {
	Enterprise enterprise.Enterprise
	Inspector  string
	Head       string
	Admin      string
}

// pickHazardStory finds the first enterprise of list whose supervisor and
// 属地 unit head are two different officials the sandbox plays, and whose
// 行政负责人 is a third; nil when there is none.
func (s *Sandbox) pickHazardStory(list []enterprise.Enterprise) *hazardStory {
	plays := func(id string) bool { _, ok := s.byID[id]; return id != "" && ok }
	for _, e := range list {
		u, ok := s.cfg.Unit(e.Unit)
		if !ok || !plays(e.Supervisor) || !plays(u.Head) || !plays(e.Admin) {
			continue
		}
		if e.Supervisor == u.Head || e.Admin == u.Head || e.Admin == e.Supervisor {
			continue
		}
		return &hazardStory{Enterprise: e, Inspector: e.Supervisor, Head: u.Head, Admin: e.Admin}
	}
	return nil
}

// hazardSteps is the walk-through of one inspection finding one hazard
// through to 销号, or nil when the registry gives no enterprise to play it.
func (s *Sandbox) hazardSteps(lang string) []step {
	st := s.hazardStory
	if st == nil {
		return nil
	}
	cat := s.app.Catalog
	name := func(id string) string { return s.people[s.byID[id]].Name }
	data := map[string]any{"Inspector": name(st.Inspector), "InspectorUnit": s.cfg.UnitNameOf(st.Inspector),
		"Head": name(st.Head), "Unit": s.cfg.UnitName(st.Enterprise.Unit), "Admin": name(st.Admin),
		"Enterprise": st.Enterprise.Name, "Boss": st.Enterprise.Head.Name}
	return []step{
		{Text: cat.T(lang, "SandboxHazard1", data), As: st.Inspector},
		{Text: cat.T(lang, "SandboxHazard2", data), As: st.Head},
		{Text: cat.T(lang, "SandboxHazard3", data), As: st.Inspector, Cmd: "/check"},
		{Text: cat.T(lang, "SandboxHazard4", data), As: st.Inspector, Photo: true},
		{Text: cat.T(lang, "SandboxHazard5", data), As: st.Inspector},
		{Text: cat.T(lang, "SandboxHazard6", data), As: st.Head, Photo: true},
		{Text: cat.T(lang, "SandboxHazard7", data), As: st.Inspector},
		{Text: cat.T(lang, "SandboxHazard8", data), As: st.Head},
		{Text: cat.T(lang, "SandboxHazard9", data), As: st.Inspector, Cmd: "/mytasks"},
	}
}
