package app_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/api"
	"dutybot/inspection"
	"dutybot/storage"
)

// getInspections reads GET /api/v1/inspections with a query.
func (h *harness) getInspections(query string) (int, api.InspectionsJSON) {
	h.t.Helper()
	var out api.InspectionsJSON
	req, _ := http.NewRequest("GET", h.apiURL+"/api/v1/inspections"+query, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	return h.do(req, &out), out
}

// sendPhoto makes user send a photo with the given file id in their
// private chat (the fake Bot API has no photo upload of users).
func (h *harness) sendPhoto(user int64, fileID string) {
	h.app.Bot.HandleUpdate(context.Background(), &models.Update{Message: &models.Message{
		ID: h.srv.NextMessageID(user), From: &models.User{ID: user, LanguageCode: "zh-hans"},
		Chat:  models.Chat{ID: user, Type: models.ChatTypePrivate},
		Photo: []models.PhotoSize{{FileID: "thumb", Width: 90}, {FileID: fileID, Width: 1280}}}})
}

// /check from picking the enterprise to submit: 吴敏 sees her plaques as
// buttons; 陈杰, of another unit and no leader, is refused an enterprise
// with its plaque named; 张明 of its 属地 unit finds it by name and records
// an inspection with a photo and a hazard, across a restart; the
// inspection is stored, the hazard found and assigned to the enterprise's
// head with its deadline, and 吴敏, its supervisor, is told.
func TestCheckFlow(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(3, false), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	for _, u := range []int64{uWu, uZhang, uChen, uLiu} {
		h.bind(u)
	}

	// 吴敏's plaques come first, as buttons; /cancel ends the flow.
	h.srv.SendText(uWu, "/check")
	m := h.waitMsg(uWu, "请选择要检查的企业", "您挂牌的企业")
	for _, name := range []string{"企业1", "企业2", "企业3", "取消"} {
		button(t, m, name)
	}
	h.srv.SendText(uWu, "/cancel")
	h.waitMsg(uWu, "已取消“企业检查记录”")

	// 陈杰 may not: the refusal names who supervises the enterprise.
	h.srv.SendText(uChen, "/check")
	h.waitMsg(uChen, "您没有挂牌企业")
	h.srv.SendText(uChen, "企业2")
	m = h.waitMsg(uChen, "找到 1 家企业")
	if a := h.pressAs(uChen, m, "企业2"); a.Text != "无权记录该企业的检查" {
		t.Errorf("refusal toast %+v", a)
	}
	h.waitMsg(uChen, "您不能记录对企业2的检查", "属地（应急办）", "行政负责人是刘洋", "行业部门监管负责人是吴敏")

	// 张明 searches: every enterprise matches, none is his.
	h.srv.SendText(uZhang, "/check")
	h.waitMsg(uZhang, "您没有挂牌企业")
	h.srv.SendText(uZhang, "化工")
	h.waitMsg(uZhang, "没有名称含“化工”的企业")
	h.srv.SendText(uZhang, "企业")
	m = h.waitMsg(uZhang, "找到 3 家企业")
	h.pressAs(uZhang, m, "企业1")
	m = h.waitMsg(uZhang, "检查记录 · 企业1", "请选择本次记录的类型")
	h.pressAs(uZhang, m, "检查指导")
	h.waitMsg(uZhang, "请输入检查内容")
	h.srv.SendText(uZhang, "消防通道、配电房")
	m = h.waitMsg(uZhang, "发现的问题或备注")
	h.srv.SendText(uZhang, "配电房电缆裸露，消防通道堵塞")
	h.waitMsg(uZhang, "请发送现场照片")
	h.srv.SendText(uZhang, "还有吗")
	h.waitMsg(uZhang, "请发送照片，或点“完成”继续")
	const photo = "AgACAgUAAxkBAAIcheck01"
	h.sendPhoto(uZhang, photo)
	m = h.waitMsg(uZhang, "已收到照片 1 张")
	h.pressAs(uZhang, m, "完成")
	loc := h.waitMsg(uZhang, "请分享现场位置")

	// A restart midway: the flow goes on where it stood.
	h.restart()
	h.pressAs(uZhang, loc, "跳过")
	m = h.waitMsg(uZhang, "本次检查是否发现隐患")
	h.pressAs(uZhang, m, "登记隐患")
	m = h.waitMsg(uZhang, "隐患 1：请选择隐患等级")
	h.pressAs(uZhang, m, "一般隐患")
	h.waitMsg(uZhang, "隐患 1：请描述隐患")
	h.srv.SendText(uZhang, "消防通道堵塞")
	h.waitMsg(uZhang, "隐患 1：整改期限")
	if r := h.ask(uZhang, "下周"); !strings.Contains(r.Text, "无法识别该期限") {
		t.Errorf("a bad deadline: %q", r.Text)
	}
	if r := h.ask(uZhang, "2026-11-01"); !strings.Contains(r.Text, "该期限已过") {
		t.Errorf("a past deadline: %q", r.Text)
	}
	h.srv.SendText(uZhang, "12-10")
	m = h.waitMsg(uZhang, "隐患 1：企业整改责任人", "企业单位负责人何伟")
	h.pressAs(uZhang, m, "何伟（企业单位负责人）")
	m = h.waitMsg(uZhang, "已登记隐患 1 项")
	h.pressAs(uZhang, m, "没有了，预览")
	m = h.waitMsg(uZhang, "请确认检查记录", "🏭 企业1", "类型：检查指导", "检查内容：消防通道、配电房",
		"照片：1 张", "位置：未提供", "隐患 1【一般隐患】消防通道堵塞", "整改期限 2026-12-10 23:59，责任人 何伟 13900000001")
	if a := h.pressAs(uZhang, m, "提交"); a.Text != "已提交" {
		t.Errorf("submit toast %+v", a)
	}
	done := h.waitMsg(uZhang, "检查记录 C20261130-01 已保存：企业1，检查指导", "隐患 H20261130-01：消防通道堵塞，已交办何伟，限 2026-12-10 23:59 前整改")
	if strings.Contains(done.Text, "本月您已检查") {
		t.Errorf("张明 has no plaque, yet is told of his month: %q", done.Text)
	}
	// A second press of the preview records nothing more.
	if a := h.press(uZhang, m, button(t, m, "提交")); a.Text != "该按钮已失效。" {
		t.Errorf("second submit %+v", a)
	}

	// The supervisor (吴敏, also the 属地 head) and the 行政负责人 (刘洋) are told.
	h.waitMsg(uWu, "隐患交办 H20261130-01", "张明 交办", "企业1", "消防通道堵塞", "2026-12-10 23:59")
	h.waitMsg(uLiu, "隐患交办 H20261130-01")

	code, list := h.getInspections("?official=o-zhang")
	if code != http.StatusOK || list.Count != 1 {
		t.Fatalf("inspections: %d %+v", code, list)
	}
	in := list.Inspections[0]
	if in.ID != "C20261130-01" || in.Enterprise != creditCode(1) || in.EnterpriseName != "企业1" || in.OfficialName != "张明" ||
		in.Kind != inspection.KindCheck || in.Checked != "消防通道、配电房" || in.Findings != "配电房电缆裸露，消防通道堵塞" ||
		!slices.Equal(in.Photos, []string{photo}) || !slices.Equal(in.Hazards, []string{"H20261130-01"}) ||
		in.OwnPlaque || len(in.Plaque) != 0 || in.UnitName != "应急办" {
		t.Errorf("inspection %+v", in)
	}
	for q, n := range map[string]int{"": 1, "?official=o-wu": 0, "?enterprise=" + creditCode(1): 1, "?enterprise=" + creditCode(2): 0,
		"?from=2026-11-30&to=2026-11-30": 1, "?from=2026-12-01": 0} {
		if code, l := h.getInspections(q); code != http.StatusOK || l.Count != n {
			t.Errorf("inspections%s: %d, %d, want %d", q, code, l.Count, n)
		}
	}
	for _, q := range []string{"?official=o-nobody", "?from=yesterday", "?from=2026-12-02&to=2026-12-01"} {
		if code, _ := h.getInspections(q); code != http.StatusBadRequest {
			t.Errorf("inspections%s: %d, want 400", q, code)
		}
	}
	code, hz := h.apiDo("GET", "/api/v1/hazards/H20261130-01", testAPIToken, "")
	resp, _ := hz["responsible"].(map[string]any)
	if code != http.StatusOK || hz["state"] != "assigned" || hz["found_by"] != "o-zhang" || hz["enterprise"] != creditCode(1) ||
		hz["deadline"] != "2026-12-10T23:59:00+08:00" || resp["name"] != "何伟" || hz["supervisor"] != "o-wu" {
		t.Errorf("hazard: %d %v", code, hz)
	}
	if ev := h.events(inspection.EvInspected); len(ev) != 1 || ev[0].Alert != "C20261130-01" || ev[0].Actor != "o-zhang" ||
		ev[0].Code != storage.CodeInspected {
		t.Errorf("events %+v", ev)
	}
}

// On her own plaque, 吴敏 records a problem solved with a 重大隐患 and its
// 五落实; the answer counts her month.
func TestCheckMajorHazardOwnPlaque(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(2, false), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	for _, u := range []int64{uWu, uLiu, uHe} {
		h.bind(u)
	}
	h.srv.SendText(uWu, "/check 企业2")
	m := h.waitMsg(uWu, "找到 1 家企业")
	h.pressAs(uWu, m, "企业2")
	m = h.waitMsg(uWu, "请选择本次记录的类型")
	h.pressAs(uWu, m, "协调解决安全管理难题")
	h.waitMsg(uWu, "请输入检查内容")
	h.srv.SendText(uWu, "协调燃气管道改造")
	m = h.waitMsg(uWu, "发现的问题或备注")
	h.pressAs(uWu, m, "无")
	m = h.waitMsg(uWu, "请发送现场照片")
	h.pressAs(uWu, m, "完成")
	h.waitMsg(uWu, "请分享现场位置")
	h.app.Bot.HandleUpdate(context.Background(), &models.Update{Message: &models.Message{ID: h.srv.NextMessageID(uWu),
		From: &models.User{ID: uWu, LanguageCode: "zh-hans"}, Chat: models.Chat{ID: uWu, Type: models.ChatTypePrivate},
		Location: &models.Location{Latitude: 29.56789, Longitude: 106.45678}}})
	h.waitMsg(uWu, "已记录位置 📍 29.56789, 106.45678")
	m = h.waitMsg(uWu, "本次检查是否发现隐患")
	h.pressAs(uWu, m, "登记隐患")
	m = h.waitMsg(uWu, "请选择隐患等级")
	h.pressAs(uWu, m, "重大隐患")
	h.waitMsg(uWu, "请描述隐患")
	h.srv.SendText(uWu, "燃气管道腐蚀")
	m = h.waitMsg(uWu, "整改期限")
	h.pressAs(uWu, m, "15天")
	h.waitMsg(uWu, "企业整改责任人")
	h.srv.SendText(uWu, "赵工 138-0000-9999")
	for _, a := range []struct{ ask, answer string }{{"责任：", "企业主要负责人何伟"}, {"措施：", "更换管道"},
		{"资金：", "20万元，企业自筹"}, {"时限：", "12月15日前"}, {"预案：", "停气并设警戒"}} {
		h.waitMsg(uWu, a.ask)
		h.srv.SendText(uWu, a.answer)
	}
	m = h.waitMsg(uWu, "已登记隐患 1 项")
	h.pressAs(uWu, m, "没有了，预览")
	m = h.waitMsg(uWu, "请确认检查记录", "类型：协调解决安全管理难题", "发现问题：无", "位置：📍 29.56789, 106.45678",
		"【重大隐患】燃气管道腐蚀", "整改期限 2026-12-15 23:59，责任人 赵工 13800009999", "五落实：责任 企业主要负责人何伟；措施 更换管道；资金 20万元，企业自筹；时限 12月15日前；预案 停气并设警戒")
	h.pressAs(uWu, m, "提交")
	h.waitMsg(uWu, "检查记录 C20261130-01 已保存", "挂牌督办", "本月：检查指导挂牌企业 0/2，督促隐患销号 0/2，协调解决难题 1/2；本半年已检查挂牌企业 1/")
	// 挂牌督办: the principal is told.
	h.waitMsg(uHe, "H20261130-01")
	_, list := h.getInspections("?official=o-wu")
	if list.Count != 1 || !list.Inspections[0].OwnPlaque || !slices.Equal(list.Inspections[0].Plaque, []string{"supervisor"}) ||
		list.Inspections[0].Kind != inspection.KindProblem || list.Inspections[0].Location == nil {
		t.Errorf("inspections %+v", list)
	}
}

// A hazard the loop refuses at submit (its deadline passed while the
// preview waited) is named with the reason; nothing is stored, the
// preview comes back, and without that hazard the inspection is saved.
func TestCheckHazardRefusedAtSubmit(t *testing.T) {
	h := newHarness(t, harnessOpts{start: start.Add(14*time.Hour + 30*time.Minute)}) // 22:30
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(1, false), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	h.bind(uWu)
	h.srv.SendText(uWu, "/check")
	m := h.waitMsg(uWu, "您挂牌的企业")
	h.pressAs(uWu, m, "企业1")
	h.checkWithHazard(uWu, "夜间值守", "值班室灭火器过期", "11-30" /* today, until 23:59 */, "何伟")
	m = h.waitMsg(uWu, "已登记隐患 1 项")
	h.pressAs(uWu, m, "没有了，预览")
	preview := h.waitMsg(uWu, "请确认检查记录", "整改期限 2026-11-30 23:59")

	h.advanceTo(start.Add(16 * time.Hour)) // 00:00: the deadline has passed
	if a := h.pressAs(uWu, preview, "提交"); a.Text != "检查记录未保存" {
		t.Errorf("refused submit toast %+v", a)
	}
	h.waitMsg(uWu, "隐患 1（值班室灭火器过期）未能登记：整改期限须在将来且不超过一年")
	if code, l := h.getInspections(""); code != http.StatusOK || l.Count != 0 {
		t.Fatalf("after a refused hazard: %d %+v", code, l)
	}
	if _, out := h.apiDo("GET", "/api/v1/hazards", testAPIToken, ""); len(out["hazards"].([]any)) != 0 {
		t.Fatalf("hazards stored: %v", out)
	}
	h.eventually("the preview again", func() bool { return len(h.messages(uWu, "请确认检查记录")) == 2 })
	again := h.messages(uWu, "请确认检查记录")[1]
	h.pressAs(uWu, again, "删除隐患 1")
	m = h.waitMsg(uWu, "请确认检查记录", "未登记隐患")
	h.pressAs(uWu, m, "提交")
	h.waitMsg(uWu, "检查记录 C20261201-01 已保存", "本月：检查指导挂牌企业 1/2")
}

// checkWithHazard walks /check on from the kind, once the enterprise is
// picked: a 检查指导 of checked with no findings, photos or location, and
// one 一般隐患 (what, deadline as typed) given to the button person.
func (h *harness) checkWithHazard(user int64, checked, what, deadline, person string) {
	h.t.Helper()
	m := h.waitMsg(user, "请选择本次记录的类型")
	h.pressAs(user, m, "检查指导")
	h.waitMsg(user, "请输入检查内容")
	h.srv.SendText(user, checked)
	m = h.waitMsg(user, "发现的问题或备注")
	h.pressAs(user, m, "无")
	m = h.waitMsg(user, "请发送现场照片")
	h.pressAs(user, m, "完成")
	m = h.waitMsg(user, "请分享现场位置")
	h.pressAs(user, m, "跳过")
	m = h.waitMsg(user, "本次检查是否发现隐患")
	h.pressAs(user, m, "登记隐患")
	m = h.waitMsg(user, "请选择隐患等级")
	h.pressAs(user, m, "一般隐患")
	h.waitMsg(user, "请描述隐患")
	h.srv.SendText(user, what)
	h.waitMsg(user, "整改期限")
	h.srv.SendText(user, deadline)
	m = h.waitMsg(user, "企业整改责任人")
	h.pressAs(user, m, person)
}
