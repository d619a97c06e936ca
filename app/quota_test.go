package app_test

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/hazard"
	inspect "dutybot/inspection"
	"dutybot/storage"
)

// A month of real work, under the fake clock, is what item 19's quotas
// count: 吴敏 (行业部门监管负责人 of four 挂牌企业) guides two inspections,
// solves two problems and sees two hazards to 销号, so she is on target and
// hears nothing at the month's end; 刘洋 (their 行政负责人) records nothing
// himself but stood on the plaque of the hazards closed, so only his
// inspections and problems are behind and he is told so, on the two
// working days before the last; an inspection by 张明, on nobody's plaque,
// counts for nobody. /mytasks draws the bars from the records, and the
// half year's coverage counts the plaques visited (2 of 4).
func TestQuotaCountedFromRecords(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged, start: time.Date(2026, 12, 1, 8, 0, 0, 0, start.Location())})
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(4, false), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	for _, u := range []int64{uWu, uLiu, uZhang} {
		h.bind(u)
	}
	ins := h.app.Inspections
	record := func(who string, ent int, kind string, hazards ...inspect.Hazard) inspect.Inspection {
		t.Helper()
		in, err := ins.Submit(inspect.Record{Enterprise: creditCode(ent), Official: who, Kind: kind,
			Checked: "消防通道、动火作业", Hazards: hazards})
		if err != nil {
			t.Fatalf("%s inspects 企业%d: %v", who, ent, err)
		}
		return in
	}
	until := func(d, hour int) {
		t.Helper()
		if d := time.Date(2026, 12, d, hour, 0, 0, 0, start.Location()).Sub(h.clk.Now()); d > 0 {
			h.clk.Advance(d)
		}
	}
	day := func(d int) { until(d, 10) }
	finding := func(what string) inspect.Hazard {
		return inspect.Hazard{Level: hazard.LevelGeneral, Description: what, Deadline: h.clk.Now().Add(72 * time.Hour)}
	}
	closeHazard := func(id string) {
		t.Helper()
		if _, err := h.app.Hazards.Rectified(id, hazard.Rectification{By: storage.ActorEnterprise, Note: "已更换", Photos: []string{"fixed-" + id}}); err != nil {
			t.Fatalf("rectify %s: %v", id, err)
		}
		if _, err := h.app.Hazards.Recheck("o-liu", id, hazard.Recheck{OK: true}); err != nil {
			t.Fatalf("recheck %s: %v", id, err)
		}
		if _, err := h.app.Hazards.Close("o-liu", id, "已销号"); err != nil {
			t.Fatalf("close %s: %v", id, err)
		}
	}

	day(2)
	first := record("o-wu", 1, inspect.KindCheck, finding("灭火器过期"), finding("疏散通道堵塞"))
	record("o-zhang", 3, inspect.KindCheck) // 属地 staff, on no plaque
	day(4)
	record("o-wu", 2, inspect.KindProblem)
	h.srv.SendText(uWu, "/mytasks")
	h.waitMsg(uWu, "· 12-04", "检查挂牌企业 ▰▱ 1/2", "督促整改隐患 ▱▱ 0/2", "协调解决难题 ▰▱ 1/2")
	day(9)
	closeHazard(first.Hazards[0])
	record("o-wu", 2, inspect.KindCheck)
	day(15)
	closeHazard(first.Hazards[1])
	record("o-wu", 1, inspect.KindProblem)

	// On target: nothing of 19.2–19.4 left; the half year's coverage, due
	// 12-31, counts two of four plaques.
	h.srv.SendText(uWu, "/mytasks")
	m := h.waitMsg(uWu, "我的任务 · 吴敏（应急办）· 12-15", "本半年已检查挂牌企业 ▰▰▱▱ 2/4")
	for _, p := range []string{"• 19.2 ", "• 19.3 ", "• 19.4 "} {
		if strings.Contains(m.Text, p) {
			t.Errorf("吴敏 is on target but %s is listed:\n%s", p, m.Text)
		}
	}
	// 刘洋's list runs to two pages; his items as /mytasks reads them.
	g, err := h.app.Tasks.Mine("o-liu", h.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	bars := map[string]string{}
	for _, it := range g.All() {
		if strings.HasPrefix(it.PointID(), "19.") {
			bars[it.PointID()] = fmt.Sprintf("%d/%d", it.Progress, it.Quota)
		}
	}
	if want := map[string]string{"19.2": "0/2", "19.4": "0/2", "19.5": "0/4"}; !maps.Equal(bars, want) {
		t.Errorf("刘洋's plaque duties %v, want %v (the two hazards closed on his plaques count for 19.3)", bars, want)
	}
	h.srv.SendText(uZhang, "/mytasks")
	if m := h.waitMsg(uZhang, "我的任务 · 张明"); strings.Contains(m.Text, "• 19.") {
		t.Errorf("张明 owes no plaque duty:\n%s", m.Text)
	}

	// The month's end: those behind hear it on 12-29 and 12-30 at 09:00,
	// the others nothing.
	until(29, 9)
	r := h.waitMsg(uLiu, "挂牌责任人本月任务尚未达标 · 12-29", "• 19.2 ", "检查挂牌企业 ▱▱ 0/2", "• 19.4 ", "用 /check 记录检查指导")
	if strings.Contains(r.Text, "• 19.3 ") || len(r.Inline) != 0 {
		t.Errorf("the reminder lists a quota met or offers a button:\n%s", r.String())
	}
	until(30, 9)
	h.waitMsg(uLiu, "挂牌责任人本月任务尚未达标 · 12-30")
	if n := len(h.messages(uLiu, "尚未达标")); n != 2 {
		t.Errorf("刘洋 was reminded %d times, want 2 (12-29, 12-30)", n)
	}
	// Both firings are delivered by now: the people on target or owing
	// nothing heard nothing.
	if got := h.messages(uWu, "尚未达标"); len(got) != 0 {
		t.Errorf("吴敏 is on target but was reminded: %v", got[0].Text)
	}
	if got := h.messages(uZhang, "尚未达标"); len(got) != 0 {
		t.Errorf("张明 owes no quota but was reminded: %v", got[0].Text)
	}

	// Past the due time, the shortfall is a 叫应 to 刘洋 that shows what
	// the records reached; 吴敏's call lists her 14.4 and her half year's
	// coverage (2 of 4), not the monthly quotas she met.
	until(31, 19)
	c := h.waitMsg(uLiu, "逾期未报告", "• 19.2 ", "检查挂牌企业 ▱▱ 0/2 · 按 /check 检查记录自动计数", "• 19.5 ", "本半年已检查挂牌企业 ▱▱▱▱ 0/4")
	if strings.Contains(c.Text, "• 19.3 ") {
		t.Errorf("the call lists a quota met:\n%s", c.Text)
	}
	w := h.waitMsg(uWu, "逾期未报告", "• 14.4 ", "• 19.5 ", "本半年已检查挂牌企业 ▰▰▱▱ 2/4", "12-31 18:00")
	for _, p := range []string{"• 19.2 ", "• 19.3 ", "• 19.4 "} {
		if strings.Contains(w.Text, p) {
			t.Errorf("吴敏 is called for %s although on target:\n%s", p, w.Text)
		}
	}
}
