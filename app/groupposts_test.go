package app_test

import (
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/roster"
	"dutybot/rota"
)

// noPhone fails when a group text shows a phone number, or the mask that
// stands for one (so none was put in to be masked).
func noPhone(t *testing.T, m fakeapi.Message) {
	t.Helper()
	for _, bad := range []string{"138000", "023-65000000", "*****"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("group message shows %q:\n%s", bad, m.Text)
		}
	}
}

// With roster.group set, each shift reminder is posted once in the duty
// group, naming the 带班领导 and 值班人员 without phones, while each person
// is still reminded privately and the private reminders are the record.
func TestShiftReminderPostedInDutyGroup(t *testing.T) {
	h := newRotaHarness(t, groupsYAML, "roster:\n  group: g-flood\n")
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uLiu} {
		h.bind(u)
	}
	h.importShifts(duty(day(1, 8), 24, roster.Holiday, "o-liu", "o-zhang", "o-li"))

	h.advanceTo(day(0, 15).Add(59 * time.Minute))
	h.quiet(chatFlood, "值班提醒")
	h.advanceTo(day(0, 16))
	m := h.waitMsg(chatFlood, "📅 值班提醒：明天的值班安排如下", "12-01（周二）08:00–次日08:00",
		"带班领导：刘洋", "值班人员：张明、李芳", "值班地点：镇政府值班室")
	noPhone(t, m)
	h.waitMsg(uLiu, "您明天值班（带班领导）", "13800000004")
	h.waitMsg(uZhang, "您明天值班（值班人员）")
	h.waitMsg(uLi, "您明天值班（值班人员）")
	h.eventually("three private reminders logged", func() bool { return len(h.events(rota.EvShiftReminded)) == 3 })

	h.advanceTo(day(1, 7).Add(30 * time.Minute))
	b := h.waitMsg(chatFlood, "⏰ 值班提醒：本班值班将于 08:00 开始", "带班领导：刘洋", "值班人员：张明、李芳")
	noPhone(t, b)
	h.waitMsg(uZhang, "您的值班将于 08:00 开始")
	time.Sleep(60 * time.Millisecond)
	if n := len(h.messages(chatFlood, "值班提醒")); n != 2 {
		t.Errorf("%d reminders in the group, want 2 (one per reminder, not one per person)", n)
	}
}

// A duty group that refuses the bot's messages (kicked without the bot
// being told) costs the group post only: the private reminders go, and
// the admins hear that the bot cannot post there.
func TestShiftReminderGroupRefusedPrivateStillSent(t *testing.T) {
	h := newRotaHarness(t, groupsYAML, "roster:\n  group: g-flood\n")
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uLiu} {
		h.bind(u)
	}
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: chatFlood, Code: 403,
		Description: "Forbidden: bot was kicked from the group chat", Times: -1})
	h.importShifts(duty(day(1, 8), 24, roster.Holiday, "o-liu", "o-zhang", "o-li"))
	h.advanceTo(day(0, 16))
	h.waitMsg(uLiu, "您明天值班（带班领导）")
	h.waitMsg(uZhang, "您明天值班（值班人员）")
	h.waitMsg(uLi, "您明天值班（值班人员）")
	h.waitMsg(uAdmin, "⚠️ 机器人已不能在工作群“防汛群”")
	if n := len(h.messages(chatFlood, "值班提醒")); n != 0 {
		t.Errorf("%d reminders in a group that refuses the bot", n)
	}
}

// newWarnGroupsHarness is the weather town with 防汛群 and 安全生产群 both
// in weather.groups.
func newWarnGroupsHarness(t *testing.T) *harness {
	return newHarness(t, harnessOpts{edit: func(y string) string {
		return strings.Replace(y, "  policies:\n", "  policies:\n"+urgentPolicy, 1) + weatherYAML +
			"  groups: [g-flood, g-safety]\n" + groupsYAML
	}})
}

// A warning with a 熔断 checklist is summed up in weather.groups: type,
// level, text and the board, edited in place as units confirm, then the
// lift, while the private calls and checklists go as always. 安全生产群,
// which refuses the bot's messages, holds nothing back.
func TestWarningPostedInWeatherGroupsAndLifted(t *testing.T) {
	h := newWarnGroupsHarness(t)
	h.floodGroup()
	h.srv.AddBotToGroup(chatSafe, "含谷镇安全生产工作群", uAdmin)
	h.srv.SendGroupText(chatSafe, uAdmin, "/bindgroup g-safety")
	h.waitMsg(chatSafe, "本群已绑定为工作群“安全生产群”")
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: chatSafe, Code: 403,
		Description: "Forbidden: bot was kicked from the group chat", Times: -1})
	for _, u := range []int64{uZhang, uWu, uDuty, uChen, uLiu} {
		h.bind(u)
	}

	id := h.warn(uDuty, "暴雨 红 全镇 三小时降雨量将超过100毫米")
	g := h.waitMsg(chatFlood, "⚠️ 预警通报：暴雨红色预警 #"+id, "类型：暴雨 · 级别：红色", "三小时降雨量将超过100毫米",
		"📋 熔断看板", "已落实 0/4 项", "【应急办】", "【城管大队】")
	noPhone(t, g)
	if len(g.Inline) != 0 {
		t.Errorf("the group summary has buttons: %v", g.Inline)
	}
	// The private calls and checklists go as always.
	h.waitMsg(uZhang, "暴雨红色预警")
	yjb := h.waitMsg(uWu, "🛑 熔断 · 暴雨红色预警 #"+id, "应急办：请立即落实")
	h.boardMsg(uDuty, id, "已落实 0/4 项")
	h.waitMsg(uAdmin, "⚠️ 机器人已不能在工作群“安全生产群”")

	// A confirmation shows in the group by an edit of the same message.
	h.clk.Advance(4 * time.Minute)
	h.press(uWu, yjb, button(t, yjb, "1. 撤离"))
	h.waitMsg(uWu, "请回复【撤离：转移撤离危险区域群众】的数量")
	h.srv.SendText(uWu, "35")
	e := h.waitText(chatFlood, g.ID, "已落实 1/4 项", "✅ 撤离 转移撤离危险区域群众 — 35 · 吴敏 08:04")
	if e.Edits == 0 {
		t.Error("the group summary was not edited in place")
	}

	code, out := h.apiDo("POST", "/api/v1/warnings/"+id+"/lift", testAPIToken, "")
	if code != 200 {
		t.Fatalf("lift: %d %v", code, out)
	}
	l := h.waitMsg(chatFlood, "✅ 解除通知：暴雨红色预警 #"+id, "已于 08:04 解除")
	noPhone(t, l)
	h.waitText(chatFlood, g.ID, "⏹ 预警已于 08:04 解除")
	h.waitMsg(uZhang, "✅ 解除通知：暴雨红色预警 #"+id)
	time.Sleep(60 * time.Millisecond)
	if n := len(h.messages(chatFlood, "#"+id)); n != 2 {
		t.Errorf("%d messages about the warning in the group, want the summary and the lift", n)
	}
	if n := len(h.messages(chatSafe, "#"+id)); n != 0 {
		t.Errorf("%d messages in a group that refuses the bot", n)
	}
}

// A warning without a checklist is posted once in the group when issued
// and once when lifted.
func TestWarningWithoutChecklistPostedOnceAndLifted(t *testing.T) {
	h := newWarnGroupsHarness(t)
	h.floodGroup()
	for _, u := range []int64{uZhang, uDuty} {
		h.bind(u)
	}
	id := h.warn(uDuty, "大风 蓝 全镇 阵风7级")
	g := h.waitMsg(chatFlood, "⚠️ 预警通报：大风蓝色预警 #"+id, "阵风7级", "各单位责任人已单独收到叫应")
	noPhone(t, g)
	if strings.Contains(g.Text, "熔断看板") {
		t.Errorf("a board for a warning without 熔断:\n%s", g.Text)
	}
	h.waitMsg(uZhang, "大风蓝色预警")
	h.clk.Advance(10 * time.Minute)
	if code, out := h.apiDo("POST", "/api/v1/warnings/"+id+"/lift", testAPIToken, ""); code != 200 {
		t.Fatalf("lift: %d %v", code, out)
	}
	h.waitMsg(chatFlood, "✅ 解除通知：大风蓝色预警 #"+id, "08:10")
	h.waitText(chatFlood, g.ID, "⏹ 预警已于 08:10 解除")
}

// /warn naming a work group calls the people the group expects in the
// group (one message, one button) while the units named are called
// privately; an unknown group is refused and changes nothing; over the API
// targets.groups does the same.
func TestWarnNamingGroupCallsInTheGroup(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		return strings.Replace(y, "  policies:\n", "  policies:\n"+urgentPolicy, 1) + weatherYAML + groupsYAML
	}})
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uWu, uDuty, uChen} {
		h.bind(u)
	}
	h.srv.SendText(uDuty, "/warn 大风 蓝 防汛群,火星群 阵风7级")
	h.waitMsg(uDuty, "未知的单位或工作群“火星群”")
	if n := len(h.warnings()); n != 0 {
		t.Fatalf("%d warnings after a refused /warn", n)
	}

	id := h.warn(uDuty, "大风 蓝 防汛群,城管大队 阵风7级")
	m := h.groupCall(chatFlood, "大风蓝色预警", "张明、李芳、吴敏、杜峰")
	noPhone(t, m)
	h.waitMsg(uChen, "大风蓝色预警") // 城管大队, named as a unit: called privately
	if n := len(h.messages(uZhang, "大风蓝色预警")); n != 0 {
		t.Errorf("张明, expected in 防汛群, was also called privately (%d)", n)
	}
	if a := h.press(uZhang, m, button(t, m, "✅ 收到")); !strings.Contains(a.Text, "已确认收到") {
		t.Errorf("group press: %q", a.Text)
	}
	if r := h.recipient(id, "o-zhang"); r.State != "acked" || r.AckedIn != "group" {
		t.Errorf("张明 = %+v, want acked in the group", r)
	}
	if w := h.warning(id); len(w.Groups) != 1 || w.Groups[0] != "g-flood" {
		t.Errorf("warning groups = %v", w.Groups)
	}

	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"kind":"weather","type":"gale","level":"blue","body":"阵风8级","targets":{"groups":["g-safety"]}}`)
	if code != 400 || !strings.Contains(strings.ToLower(out["error"].(string)), "g-safety") {
		t.Errorf("warning to an unbound group: %d %v", code, out)
	}
	code, out = h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"kind":"weather","type":"gale","level":"blue","body":"阵风8级","targets":{"groups":["g-flood"]}}`)
	if code != 201 && code != 200 {
		t.Fatalf("warning to a group over the API: %d %v", code, out)
	}
	h.groupCall(chatFlood, "阵风8级")
}
