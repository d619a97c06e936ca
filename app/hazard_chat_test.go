package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

// createHazard creates a hazard over the API (found by 张明 unless the
// extra fields say otherwise) and returns its id.
func (h *harness) createHazard(body string) string {
	h.t.Helper()
	code, out := h.apiDo("POST", "/api/v1/hazards", testAPIToken, body)
	if code != http.StatusCreated {
		h.t.Fatalf("create hazard: %d %v", code, out)
	}
	return out["id"].(string)
}

// hazardState reads a hazard's state and round over the API.
func (h *harness) hazardState(id string) (string, float64) {
	h.t.Helper()
	code, out := h.apiDo("GET", "/api/v1/hazards/"+id, testAPIToken, "")
	if code != http.StatusOK {
		h.t.Fatalf("get hazard %s: %d %v", id, code, out)
	}
	round, _ := out["round"].(float64)
	return out["state"].(string), round
}

// photos returns the photos the bot sent to chat.
func (h *harness) photos(chat int64) []fakeapi.Message {
	var out []fakeapi.Message
	for _, m := range h.srv.Messages(chat) {
		if m.Photo {
			out = append(out, m)
		}
	}
	return out
}

// hasLabel reports whether a message has a button whose label contains label.
func hasLabel(m fakeapi.Message, label string) bool {
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return true
			}
		}
	}
	return false
}

// TestHazardChatLoop plays the loop from Telegram: 陈杰 (the 属地 unit
// head) is given the hazard and reports it fixed with photos and a note
// (the bot restarting half-way), 张明 (who found it) is asked to recheck
// with the photos to hand, sends it back with a reason and a new
// deadline, 陈杰 fixes it again, 张明 passes the recheck and closes it.
// 李芳, who has nothing to do with it, is refused and changes nothing;
// buttons left on earlier messages say they are out of date.
func TestHazardChatLoop(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uChen, uLi} {
		h.bind(u)
	}
	id := h.createHazard(hazardBody(`,"deadline":"2026-12-03"`))
	assigned := h.waitMsg(uChen, "隐患交办 "+id, "重庆某某机械厂", "配电箱未接地")
	if !hasLabel(assigned, "报告整改") || hasLabel(assigned, "复查通过") {
		t.Fatalf("the 交办 to the unit head: buttons %v", assigned.Inline)
	}

	// Someone not allowed: 李芳 sees the card with no buttons, and a
	// forged press is refused.
	h.srv.SendText(uLi, "/hazards "+strings.ToLower(id))
	card := h.waitMsg(uLi, "隐患 "+id+"｜整改中", "配电箱未接地", "整改期限：2026-12-03 23:59")
	if len(card.Inline) != 0 {
		t.Errorf("李芳's card has buttons %v", card.Inline)
	}
	if a := h.press(uLi, card, button(t, assigned, "报告整改")); !a.ShowAlert || !strings.Contains(a.Text, "不能办理") {
		t.Errorf("李芳's press: %+v", a)
	}
	if st, round := h.hazardState(id); st != "assigned" || round != 1 {
		t.Fatalf("after the refused press: %s round %v", st, round)
	}

	// 陈杰 reports the fix: a text and an empty "done" are not photos.
	h.press(uChen, assigned, button(t, assigned, "报告整改"))
	ask := h.waitMsg(uChen, "报告整改 "+id, "第 1 步")
	h.srv.SendText(uChen, "弄好了")
	h.waitMsg(uChen, "请发送整改后的照片")
	if a := h.press(uChen, ask, button(t, ask, "照片已发完")); !strings.Contains(a.Text, "至少发送 1 张") {
		t.Errorf("done without photos: %+v", a)
	}
	_, photo1 := h.srv.SendPhoto(uChen, "fix1.jpg", []byte("jpeg-fix-1"), "")
	h.waitMsg(uChen, "已收到照片 1 张")
	h.restart() // the draft survives
	_, photo2 := h.srv.SendPhoto(uChen, "fix2.jpg", []byte("jpeg-fix-2"), "")
	more := h.waitMsg(uChen, "已收到照片 2 张")
	h.press(uChen, more, button(t, more, "照片已发完"))
	h.waitMsg(uChen, "第 2 步")
	h.srv.SendText(uChen, "已重新接地并加装漏电保护")
	h.waitMsg(uChen, "隐患 "+id+" 已报整改（照片 2 张）", "已请 张明 复查")
	h.eventually("the 交办 turned into the card", func() bool {
		m := h.latest(uChen, assigned.ID)
		return strings.Contains(m.Text, "已报整改，待复查") && !hasLabel(m, "报告整改") && hasLabel(m, "查看照片（2 张）")
	}, func() string { return h.latest(uChen, assigned.ID).Text })

	// 张明 is asked to recheck, with the photos to hand.
	recheck := h.waitMsg(uZhang, "隐患 "+id, "已报整改", "陈杰", "已重新接地并加装漏电保护", "附照片 2 张")
	for _, l := range []string{"复查通过", "退回整改", "查看照片（2 张）"} {
		if !hasLabel(recheck, l) {
			t.Fatalf("the recheck request lacks %q: %v", l, recheck.Inline)
		}
	}
	if a := h.press(uZhang, recheck, button(t, recheck, "查看照片")); !strings.Contains(a.Text, "2 张") {
		t.Errorf("photos press: %+v", a)
	}
	h.eventually("the photos of the fix in 张明's chat", func() bool {
		p := h.photos(uZhang)
		return len(p) == 2 && string(p[0].Data) == "jpeg-fix-1" && string(p[1].Data) == "jpeg-fix-2"
	})
	// 陈杰 reported it: he may not recheck it.
	h.srv.SendText(uChen, "/hazards "+id)
	own := h.waitMsg(uChen, "🧾 隐患 "+id+"｜已报整改，待复查", "最近一步：已报整改，待复查，陈杰")
	if hasLabel(own, "复查通过") || hasLabel(own, "退回整改") {
		t.Errorf("the fixer is offered the recheck: %v", own.Inline)
	}
	if a := h.press(uChen, own, button(t, recheck, "复查通过")); !strings.Contains(a.Text, "须由他人") {
		t.Errorf("the fixer's recheck press: %+v", a)
	}

	// 张明 sends it back: a reason, a deadline not understood, one.
	h.press(uZhang, recheck, button(t, recheck, "退回整改"))
	h.waitMsg(uZhang, "退回整改 "+id, "退回原因")
	h.srv.SendText(uZhang, "接地线松动，漏保未测试")
	h.waitMsg(uZhang, "新的整改期限")
	h.srv.SendText(uZhang, "下周")
	h.waitMsg(uZhang, "没看懂这个期限")
	h.srv.SendText(uZhang, "12-05")
	h.waitMsg(uZhang, "隐患 "+id+" 已退回重新整改，新的整改期限 2026-12-05 23:59", "接地线松动")
	back := h.waitMsg(uChen, "复查未通过", "张明", "接地线松动，漏保未测试", "2026-12-05 23:59")
	if !hasLabel(back, "报告整改") {
		t.Fatalf("the send-back to 陈杰: %v", back.Inline)
	}
	if st, round := h.hazardState(id); st != "assigned" || round != 2 {
		t.Fatalf("after the send-back: %s round %v", st, round)
	}
	// The first request's buttons are out of date now.
	if a := h.press(uZhang, recheck, button(t, recheck, "复查通过")); !strings.Contains(a.Text, "现为“整改中”，此按钮已过时") {
		t.Errorf("stale press: %+v", a)
	}

	// The second fix, by the send-back's button.
	h.press(uChen, back, button(t, back, "报告整改"))
	h.waitMsg(uChen, "报告整改 "+id, "第 1 步")
	h.srv.SendPhoto(uChen, "fix3.jpg", []byte("jpeg-fix-3"), "")
	more = h.waitMsg(uChen, "已收到照片 1 张")
	h.press(uChen, more, button(t, more, "照片已发完"))
	h.waitMsg(uChen, "第 2 步", "共 2 步")
	h.srv.SendText(uChen, "已紧固接地线，漏保测试正常")
	recheck2 := h.waitMsg(uZhang, "已报整改", "已紧固接地线，漏保测试正常", "附照片 1 张")
	// A round-1 button stays stale though the state is "rectified" again.
	if a := h.press(uZhang, recheck, button(t, recheck, "复查通过")); !strings.Contains(a.Text, "此按钮已过时") {
		t.Errorf("round-1 press in round 2: %+v", a)
	}
	if st, _ := h.hazardState(id); st != "rectified" {
		t.Fatalf("a stale press changed the hazard: %s", st)
	}

	// 张明 passes the recheck with a remark and closes it.
	h.press(uZhang, recheck2, button(t, recheck2, "复查通过"))
	h.waitMsg(uZhang, "复查通过 "+id, "复查意见")
	h.srv.SendText(uZhang, "现场核实，接地可靠")
	passed := h.waitMsg(uZhang, "隐患 "+id+" 复查通过（现场核实，接地可靠）")
	if a := h.press(uZhang, passed, button(t, passed, "销号")); !strings.Contains(a.Text, "已销号") {
		t.Errorf("close press: %+v", a)
	}
	h.waitMsg(uChen, "隐患 "+id, "已销号", "张明")
	h.eventually("the pass message turned into the closed card", func() bool {
		m := h.latest(uZhang, passed.ID)
		return strings.Contains(m.Text, "🧾 隐患 "+id+"｜已销号") && !hasLabel(m, "销号")
	}, func() string { return h.latest(uZhang, passed.ID).Text })
	if a := h.press(uZhang, passed, button(t, passed, "销号")); !strings.Contains(a.Text, "现为“已销号”") {
		t.Errorf("a second close: %+v", a)
	}

	code, out := h.apiDo("GET", "/api/v1/hazards/"+id, testAPIToken, "")
	var states []string
	for _, s := range out["history"].([]any) {
		states = append(states, s.(map[string]any)["state"].(string))
	}
	hist := out["history"].([]any)
	if code != http.StatusOK || strings.Join(states, " ") != "found assigned rectified assigned rectified rechecked closed" ||
		out["rechecked_by"] != "o-zhang" || out["closed_by"] != "o-zhang" || out["rectified_by"] != "o-chen" {
		t.Fatalf("the hazard: %v", out)
	}
	if p := hist[2].(map[string]any)["photos"].([]any); len(p) != 2 || p[0] != photo1 || p[1] != photo2 {
		t.Errorf("the first fix's photos: %v, want %s %s", p, photo1, photo2)
	}
	if n := hist[2].(map[string]any)["note"]; n != "已重新接地并加装漏电保护" {
		t.Errorf("the first fix's note: %v", n)
	}
	if n := hist[5].(map[string]any)["note"]; n != "现场核实，接地可靠" {
		t.Errorf("the recheck's note: %v", n)
	}
}

// TestHazardChatList: /hazards lists the caller's open hazards, the
// overdue first; another unit's hazard is not 陈杰's, the principal sees
// all; a closed one leaves the list.
func TestHazardChatList(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uChen, uHe, uZhang} {
		h.bind(u)
	}
	h.srv.SendText(uChen, "/hazards")
	h.waitMsg(uChen, "没有未销号的隐患")

	later := h.createHazard(hazardBody(`,"deadline":"2026-12-10"`))
	soon := h.createHazard(strings.Replace(hazardBody(`,"deadline":"2026-11-30 09:00"`), "重庆某某机械厂", "重庆某某铸造厂", 1))
	major := h.createHazard(strings.NewReplacer("一般", "重大", "重庆某某机械厂", "重庆某某化工厂").Replace(hazardBody(
		`,"deadline":"2026-12-05","five":{"responsibility":"厂长","measures":"停用","funds":"2万元","time_limit":"5日","plan":"撤人"}`)))
	other := h.createHazard(strings.NewReplacer(`"cgdd"`, `"yjb"`, "o-zhang", "o-li", "重庆某某机械厂", "重庆某某纸箱厂").Replace(hazardBody(`,"deadline":"2026-12-04"`)))
	h.advanceTo(time.Date(2026, 11, 30, 9, 0, 0, 0, start.Location()))
	h.waitMsg(uZhang, "隐患 "+soon+" 逾期未整改")

	h.srv.SendText(uChen, "/hazards")
	list := h.waitMsg(uChen, "我的隐患：未销号 3 条，其中逾期 1 条")
	text := list.Text
	order := []string{"逾期未整改（1）", "⏰ " + soon + " 重庆某某铸造厂｜一般隐患｜期限 2026-11-30 09:00｜整改中",
		"整改、复查中（2）", "• " + major + " 重庆某某化工厂｜重大隐患（挂牌督办）｜期限 2026-12-05 23:59｜整改中",
		"• " + later + " 重庆某某机械厂｜一般隐患｜期限 2026-12-10 23:59｜整改中"}
	at := 0
	for _, part := range order {
		i := strings.Index(text[at:], part)
		if i < 0 {
			t.Fatalf("%q not found in order in:\n%s", part, text)
		}
		at += i + len(part)
	}
	if strings.Contains(text, other) {
		t.Errorf("陈杰's list names another unit's hazard %s:\n%s", other, text)
	}
	if len(list.Inline) != 3 || !strings.HasPrefix(list.Inline[0][0].Text, soon) {
		t.Fatalf("the list's buttons: %v", list.Inline)
	}
	h.press(uChen, list, list.Inline[0][0].Data)
	card := h.waitMsg(uChen, "🧾 隐患 "+soon+"｜整改中｜⏰ 已逾期", "重庆某某铸造厂")
	if !hasLabel(card, "报告整改") {
		t.Errorf("the card's buttons: %v", card.Inline)
	}

	h.srv.SendText(uHe, "/hazards")
	h.waitMsg(uHe, "未销号 4 条，其中逾期 1 条", other, "重庆某某纸箱厂")

	h.srv.AddGroup(-4242, "城管大队工作群")
	h.srv.SendGroupText(-4242, uChen, "/hazards")
	h.waitMsg(-4242, "请在与机器人的私聊中进行")

	h.srv.SendText(uChen, "/hazards H20990101-01")
	h.waitMsg(uChen, "没有编号为 H20990101-01 的隐患")
}

// TestHazardFromTip: a tip closed as 属实 becomes a hazard of the
// enterprise it names, found in the registry by part of its name, with
// the tip's text and photos, given to the enterprise at once; a tip is
// turned into a hazard only once.
func TestHazardFromTip(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	for _, u := range []int64{uWu, uChen} {
		h.bind(u)
	}
	reg := fmt.Sprintf("- {name: 重庆宏达仓储有限公司, code: %s, industry: 工贸, risk: 黄, admin: 刘洋, supervisor: 吴敏, head: {name: 何伟, phone: 139-0000-0001}, unit: cgdd}\n"+
		"- {name: 重庆宏达建材厂, code: %s, industry: 工贸, risk: 蓝, admin: 刘洋, supervisor: 吴敏, head: {name: 王五, phone: 139-0000-0002}, unit: cgdd}\n",
		creditCode(1), creditCode(2))
	var out map[string]any
	if code := h.uploadEnterprises("台账.yaml", reg, testAPIToken, &out); code != http.StatusOK {
		t.Fatalf("registry: %d %v", code, out)
	}

	// The worker's tip, with a photo.
	h.srv.SendText(uWorker, "/tip new")
	h.waitMsg(uWorker, "隐患举报 1/4")
	h.srv.SendText(uWorker, "宏达仓库堆放大量易燃物，消防通道堵塞")
	h.waitMsg(uWorker, "隐患举报 2/4")
	_, photo := h.srv.SendPhoto(uWorker, "site.jpg", []byte("jpeg-site"), "")
	m := h.waitMsg(uWorker, "已收到照片 1 张")
	h.press(uWorker, m, button(t, m, "下一步"))
	h.waitMsg(uWorker, "隐患举报 3/4")
	h.srv.SendText(uWorker, "工业园3号库房")
	m = h.waitMsg(uWorker, "隐患举报 4/4")
	h.press(uWorker, m, button(t, m, "匿名举报"))
	m = h.waitButton(uWorker, "📨 提交举报")
	h.press(uWorker, m, button(t, m, "提交举报"))
	ref := tipRefRE.FindString(h.waitMsg(uWorker, "隐患举报已提交").Text)

	office := h.waitMsg(uWu, "🆕 隐患举报 "+ref)
	h.press(uWu, office, button(t, office, "城管大队"))
	m = h.waitButton(uWu, "期限 7 天")
	h.press(uWu, m, button(t, m, "期限 7 天"))
	unit := h.waitMsg(uChen, "隐患举报 "+ref+" 交由城管大队办理")
	h.press(uChen, unit, button(t, unit, "属实，填写结果"))
	h.waitMsg(uChen, "请输入 "+ref+" 的处理结果")
	h.srv.SendText(uChen, "属实，已责令整改")
	closed := h.waitMsg(uChen, ref+" 已办结（属实）")

	h.press(uChen, closed, button(t, closed, "转为隐患"))
	h.waitMsg(uChen, "举报 "+ref+" 转为隐患", "第 1 步")
	h.srv.SendText(uChen, "不存在的厂")
	h.waitMsg(uChen, "没有名称含“不存在的厂”的企业")
	h.srv.SendText(uChen, "宏达")
	pick := h.waitMsg(uChen, "找到 2 家企业")
	h.press(uChen, pick, button(t, pick, "重庆宏达仓储有限公司"))
	due := h.waitMsg(uChen, "重庆宏达仓储有限公司 的整改期限")
	h.press(uChen, due, button(t, due, "7 天"))
	done := h.waitMsg(uChen, "举报 "+ref+" 已转为隐患", "重庆宏达仓储有限公司（属地：城管大队）", "整改期限 2026-12-07 23:59")
	id := done.Inline[0][0].Text

	// The plaque's supervisor is given it, with the tip's words.
	given := h.waitMsg(uWu, "隐患交办 "+id, "【举报 "+ref+" 转】宏达仓库堆放大量易燃物", "工业园3号库房", "照片：1 张", "何伟")
	if !hasLabel(given, "报告整改") {
		t.Errorf("the 交办 to the supervisor: %v", given.Inline)
	}
	code, hz := h.apiDo("GET", "/api/v1/hazards/"+id, testAPIToken, "")
	if code != http.StatusOK || hz["enterprise"] != creditCode(1) || hz["found_by"] != "o-chen" || hz["state"] != "assigned" ||
		fmt.Sprint(hz["photos"]) != "["+photo+"]" || hz["supervisor"] != "o-wu" {
		t.Fatalf("the hazard: %d %v", code, hz)
	}

	// Once only.
	if a := h.press(uChen, closed, button(t, closed, "转为隐患")); !strings.Contains(a.Text, "已转为隐患 "+id) {
		t.Errorf("a second conversion: %+v", a)
	}
}
