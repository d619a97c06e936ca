package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
)

// Telegram accounts of enterprises' heads (not officials): 何伟 heads 企业1
// and 企业2, 唐亮 (who reads English) 企业3; 冒充者 pretends.
const (
	uBoss   int64 = 3001
	uTang   int64 = 3002
	uForger int64 = 3003
)

// headsRegistry is the registry of the heads' tests: 企业1 and 企业2 on
// 刘洋's and 吴敏's plaques with 何伟 as head (his phone written two
// ways), 企业3 on 陈杰's with 唐亮.
func headsRegistry(boss1 string) string {
	row := func(n int, supervisor, unit, head, phone string) string {
		return fmt.Sprintf("- {name: 企业%d, code: %s, industry: 工贸, risk: 黄, admin: 刘洋, supervisor: %s, head: {name: %s, phone: %q}, unit: %s}\n",
			n, creditCode(n), supervisor, head, phone, unit)
	}
	return row(1, "吴敏", "yjb", "何伟", boss1) + row(2, "吴敏", "yjb", "何伟", "+86 139 0000 0001") +
		row(3, "陈杰", "cgdd", "唐亮", "13900000003")
}

func newHeadsHarness(t *testing.T) *harness {
	h := newHarness(t, harnessOpts{})
	h.srv.AddUser(fakeapi.User{ID: uBoss, FirstName: "何伟", LanguageCode: "zh-hans"})
	h.srv.AddUser(fakeapi.User{ID: uTang, FirstName: "Tang", LanguageCode: "en"})
	h.srv.AddUser(fakeapi.User{ID: uForger, FirstName: "冒充", LanguageCode: "zh-hans"})
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", headsRegistry("139-0000-0001"), testAPIToken, &res); code != http.StatusOK || res.Count != 3 {
		t.Fatalf("import: %d %+v", code, res)
	}
	return h
}

// bindHead plays a head binding with /company and their own contact.
func (h *harness) bindHead(user int64, phone string) fakeapi.Message {
	h.t.Helper()
	h.srv.SendText(user, "/company")
	m, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool { return m.ChatID == user && len(m.Keyboard) > 0 })
	if err != nil {
		h.t.Fatalf("the share keyboard: %v", err)
	}
	if kb := m.Keyboard; len(kb) != 1 || len(kb[0]) != 1 || !kb[0][0].RequestContact {
		h.t.Fatalf("want one request_contact button, got %+v", kb)
	}
	h.srv.ShareContact(user, phone, user)
	done, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool { return m.ChatID == user && m.RemoveKeyboard })
	if err != nil {
		h.t.Fatalf("bound: %v", err)
	}
	return done
}

// A head shares their own number and is bound for every enterprise that
// lists it; someone else's contact card, an unknown number and a second
// account for a bound number are refused, nothing is bound, and the
// admins' digest names the refusals. The binding outlives a restart; a
// re-import that gives an enterprise another head's phone no longer
// matches it.
func TestHeadBinding(t *testing.T) {
	h := newHeadsHarness(t)
	h.bind(uAdmin)

	h.srv.SendText(uBoss, "/company")
	ask := h.waitMsg(uBoss, "企业单位负责人请点击下方“共享手机号以绑定企业”")
	if kb := h.srv.ReplyKeyboard(uBoss); len(kb) != 1 || len(kb[0]) != 1 || !kb[0][0].RequestContact ||
		kb[0][0].Text != "📱 共享手机号以绑定企业" {
		t.Fatalf("keyboard %+v (message %q)", kb, ask.Text)
	}
	// /help says how.
	h.srv.SendText(uForger, "/help")
	h.waitMsg(uForger, "/company 企业单位负责人")

	// Someone else's card: 冒充者 forwards 何伟's contact.
	h.srv.ShareContact(uForger, "13900000001", uBoss)
	h.waitMsg(uForger, "请分享您本人的手机号", "未做任何绑定")
	// An unknown number.
	h.srv.ShareContact(uForger, "13912345678", uForger)
	h.waitMsg(uForger, "不在值班人员名单中，也不是挂牌企业台账登记的企业单位负责人电话", "未做任何绑定")

	done := h.bindHead(uBoss, "+86 139-0000-0001")
	for _, want := range []string{"✅ 绑定成功！何伟", "以下 2 家企业", "企业1、企业2"} {
		if !strings.Contains(done.Text, want) {
			t.Errorf("the greeting lacks %q: %q", want, done.Text)
		}
	}
	if ev := h.events("enterprise_head_bound"); len(ev) != 1 || ev[0].Actor != "enterprise" || strings.Contains(ev[0].Detail, "13900000001") {
		t.Errorf("events %+v", ev)
	}
	// Another account claiming 何伟's number is refused (a minute on, so
	// that 冒充者 may be answered again: strangers get 3 answers a minute).
	h.advanceTo(h.clk.Now().Add(time.Minute))
	h.srv.ShareContact(uForger, "13900000001", uForger)
	h.waitMsg(uForger, "该手机号已绑定另一个 Telegram 账号", "未做任何绑定")
	h.srv.SendText(uForger, "/start")
	h.eventually("冒充者 is still asked to share", func() bool { return len(h.messages(uForger, "分享我的手机号")) > 0 })

	h.advanceTo(h.clk.Now().Add(10 * time.Minute))
	digest := h.waitMsg(uAdmin, "绑定被拒绝")
	for _, want := range []string{"分享的是他人的名片", "号码未登记", "该企业单位负责人的号码已绑定其他账号"} {
		if !strings.Contains(digest.Text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, digest.Text)
		}
	}

	h.restart()
	h.srv.SendText(uBoss, "/start")
	h.waitMsg(uBoss, "您已绑定为以下 2 家企业的企业单位负责人：企业1、企业2")
	h.srv.SendText(uBoss, "/help")
	h.waitMsg(uBoss, "您已作为企业单位负责人绑定本机器人", "已整改")
	// Officials' commands are not theirs.
	h.srv.SendText(uBoss, "/hazards")
	h.waitMsg(uBoss, "企业单位负责人可使用 /start、/company、/help、/cancel")

	// 企业1 now lists another head's phone: 何伟 answers for 企业2 only.
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", headsRegistry("13900000009"), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("re-import: %d %+v", code, res)
	}
	h.srv.SendText(uBoss, "/company")
	h.waitMsg(uBoss, "您已绑定为以下 1 家企业的企业单位负责人：企业2")
}

// The loop reaches the bound head: 吴敏 finds a hazard at 企业1 with
// /check and the head is given it with an 已整改 button, no official's
// number in sight; another head's forged press and a stranger's change
// nothing; the head reports the fix with a photo and a note; 吴敏
// rechecks and closes it, and the head is told. An English-speaking head
// gets their notice in English.
func TestHeadReportsFix(t *testing.T) {
	h := newHeadsHarness(t)
	h.bind(uWu)
	h.bindHead(uBoss, "13900000001")
	tang := h.bindHead(uTang, "139 0000 0003")
	if !strings.Contains(tang.Text, "Bound! 唐亮") || !strings.Contains(tang.Text, "企业3") {
		t.Errorf("唐亮's greeting: %q", tang.Text)
	}

	// 吴敏 inspects 企业1, her plaque, and finds a hazard.
	h.srv.SendText(uWu, "/check 企业1")
	m := h.waitMsg(uWu, "找到 1 家企业")
	h.pressAs(uWu, m, "企业1")
	h.checkWithHazard(uWu, "消防通道", "消防通道堵塞", "12-10", "何伟（企业单位负责人）")
	m = h.waitMsg(uWu, "已登记隐患 1 项")
	h.pressAs(uWu, m, "没有了，预览")
	m = h.waitMsg(uWu, "请确认检查记录")
	h.pressAs(uWu, m, "提交")
	h.waitMsg(uWu, "隐患 H20261130-01：消防通道堵塞")
	const id = "H20261130-01"

	notice := h.waitMsg(uBoss, "隐患整改通知 "+id, "企业1", "消防通道堵塞", "2026-12-10 23:59")
	if !hasLabel(notice, "✅ 已整改") || len(notice.Inline) != 1 {
		t.Fatalf("the head's 交办: buttons %v", notice.Inline)
	}
	if strings.Contains(notice.Text, "1380000") || strings.Contains(notice.Text, "吴敏") {
		t.Errorf("the head's 交办 shows an official: %q", notice.Text)
	}
	fix := button(t, notice, "已整改")

	// A forged press by another head, or by a stranger, changes nothing.
	if a := h.press(uTang, tang, fix); !a.ShowAlert || a.Text != "该按钮已失效，未做任何更改。" && a.Text != "This button is no longer valid. Nothing was changed." {
		t.Errorf("唐亮's press: %+v", a)
	}
	if a := h.press(uStranger, fakeapi.Message{ChatID: uStranger, ID: 1}, fix); !a.ShowAlert || !strings.Contains(a.Text, "not bound") {
		t.Errorf("a stranger's press: %+v", a)
	}
	if st, _ := h.hazardState(id); st != "assigned" {
		t.Fatalf("forged presses left the hazard %s", st)
	}

	// 何伟 reports the fix: a word is no photo, a photo is.
	h.press(uBoss, notice, fix)
	ask := h.waitMsg(uBoss, "报告整改 "+id, "第 1 步")
	h.srv.SendText(uBoss, "弄好了")
	h.waitMsg(uBoss, "请发送整改后的照片")
	if a := h.press(uBoss, ask, button(t, ask, "照片已发完")); !strings.Contains(a.Text, "至少发送 1 张") {
		t.Errorf("done without photos: %+v", a)
	}
	h.srv.SendPhoto(uBoss, "fix.jpg", []byte("jpeg-boss-fix"), "")
	more := h.waitMsg(uBoss, "已收到照片 1 张")
	h.press(uBoss, more, button(t, more, "照片已发完"))
	h.waitMsg(uBoss, "第 2 步")
	h.srv.SendText(uBoss, "已清理消防通道并设置警示")
	h.waitMsg(uBoss, "✅ 已报告隐患 "+id+"（企业1）整改完成（照片 1 张），等待镇村工作人员复查")
	h.eventually("the 交办 turned into the head's card", func() bool {
		m := h.latest(uBoss, notice.ID)
		return strings.Contains(m.Text, "🧾 隐患 "+id+"｜已报整改，待复查") && len(m.Inline) == 0
	}, func() string { return h.latest(uBoss, notice.ID).Text })
	code, hz := h.apiDo("GET", "/api/v1/hazards/"+id, testAPIToken, "")
	hist, _ := hz["history"].([]any)
	last, _ := hist[len(hist)-1].(map[string]any)
	if code != http.StatusOK || hz["state"] != "rectified" || hz["rectified_by"] != "enterprise" || last["name"] != "何伟" ||
		last["note"] != "已清理消防通道并设置警示" || len(last["photos"].([]any)) != 1 {
		t.Fatalf("the hazard after the head's fix: %v", hz)
	}
	// The old button is stale now.
	if a := h.press(uBoss, notice, fix); a.Text != "该按钮已失效，未做任何更改。" {
		t.Errorf("a second 已整改: %+v", a)
	}

	// 吴敏 is asked to recheck, passes it and closes it; the head is told.
	recheck := h.waitMsg(uWu, "隐患 "+id, "已报整改", "何伟", "已清理消防通道并设置警示", "附照片 1 张")
	h.press(uWu, recheck, button(t, recheck, "复查通过"))
	h.waitMsg(uWu, "复查意见")
	h.srv.SendText(uWu, "现场核实，通道畅通")
	passed := h.waitMsg(uWu, "隐患 "+id+" 复查通过")
	if a := h.press(uWu, passed, button(t, passed, "销号")); !strings.Contains(a.Text, "已销号") {
		t.Errorf("close: %+v", a)
	}
	h.waitMsg(uBoss, "隐患 "+id+"（企业1）经复查已销号")
	code, hz = h.apiDo("GET", "/api/v1/hazards/"+id, testAPIToken, "")
	if code != http.StatusOK || hz["state"] != "closed" || hz["rechecked_by"] != "o-wu" || hz["closed_by"] != "o-wu" {
		t.Errorf("closed: %v", hz)
	}

	// 唐亮 reads English.
	h.createHazard(`{"enterprise":"` + creditCode(3) + `","found_by":"o-chen","level":"一般","description":"灭火器过期","deadline":"2026-12-05"}`)
	en := h.waitMsg(uTang, "Hazard rectification notice", "企业3", "灭火器过期")
	if !hasLabel(en, "✅ Fixed") {
		t.Errorf("唐亮's notice: %v", en.Inline)
	}
	// 何伟 sees nothing of 企业3.
	for _, m := range h.srv.Messages(uBoss) {
		if strings.Contains(m.Text, "企业3") || strings.Contains(m.Text, "灭火器") {
			t.Errorf("何伟 saw another enterprise's hazard: %q", m.Text)
		}
	}
}
