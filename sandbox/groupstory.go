package sandbox

import "slices"

// The officials of the work-group story on the example town: 黄磊 (duty
// leader) raises a 叫应 in 防汛群; 朱红, 王强 and 黄磊 himself answer there
// one after another; 杨帆 stays silent, is reminded privately and
// escalated to 王强.
const (
	groupStoryGroup  = "g-flood"
	groupStoryDuty   = "o-huanglei"
	groupStoryFirst  = "o-zhuhong"
	groupStoryLeader = "o-wangqiang"
	groupStorySilent = "o-yangfan"
)

// GroupStoryAlert is the 叫应 of the work-group story, sent in the group.
// Orange runs the default policy, whose first reminder (10 s at -speed 60)
// leaves time to press three times before it.
const GroupStoryAlert = "/alert 橙 暴雨橙色预警 | 请各村（社区）负责人回复收到"

// groupSteps is the walk-through of one 叫应 in a work group: three
// members press ✅ 收到 and the group message counts them live, one stays
// silent and is chased privately; nil when the configuration lacks the
// group or its people.
func (s *Sandbox) groupSteps(lang string) []step {
	var g workGroup
	for _, wg := range s.groups {
		if wg.ID == groupStoryGroup {
			g = wg
		}
	}
	for _, id := range []string{groupStoryDuty, groupStoryFirst, groupStoryLeader, groupStorySilent} {
		if !slices.Contains(g.Expected, id) {
			return nil
		}
	}
	cat := s.app.Catalog
	name := func(id string) string { return s.people[s.byID[id]].Name }
	data := map[string]any{"Group": g.Name, "Count": len(g.Expected), "Duty": name(groupStoryDuty),
		"First": name(groupStoryFirst), "Leader": name(groupStoryLeader), "Silent": name(groupStorySilent)}
	return []step{
		{Text: cat.T(lang, "SandboxGroup1", data), As: groupStoryDuty},
		{Text: cat.T(lang, "SandboxGroup2", data), As: groupStoryDuty, Group: g.ID, Cmd: GroupStoryAlert},
		{Text: cat.T(lang, "SandboxGroup3", data), As: groupStoryFirst, Group: g.ID},
		{Text: cat.T(lang, "SandboxGroup4", data), As: groupStoryLeader, Group: g.ID},
		{Text: cat.T(lang, "SandboxGroup5", data), As: groupStoryDuty, Group: g.ID},
		{Text: cat.T(lang, "SandboxGroup6", data), As: groupStorySilent},
		{Text: cat.T(lang, "SandboxGroup7", data), As: groupStoryLeader},
	}
}
