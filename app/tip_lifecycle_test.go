package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/callout"
	"dutybot/storage"
	"dutybot/tips"
)

// TestTipLifecycleOverdueEscalation: an anonymous tip is assigned for two
// typed days, survives a restart, goes overdue under the fake clock, raises
// a 叫应 to the unit head that escalates to the 分管领导, and is closed,
// which ends the 叫应 and sends the result back to the anonymous tipster.
func TestTipLifecycleOverdueEscalation(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	for _, u := range []int64{uWu, uChen, uLiu, uHe} {
		h.bind(u)
	}
	ref := h.tip(uWorker, "液化气站钢瓶露天堆放", "含谷镇滨河路液化气站", true)
	office := h.waitMsg(uWu, "🆕 隐患举报 "+ref)
	h.press(uWu, office, button(t, office, "城管大队"))
	m := h.waitButton(uWu, "✏️ 自定天数")
	h.press(uWu, m, button(t, m, "自定天数"))
	h.waitMsg(uWu, "请输入 "+ref+" 交由城管大队办理的天数")
	h.srv.SendText(uWu, "0")
	h.waitMsg(uWu, "1 到 365")
	h.srv.SendText(uWu, "2天")
	h.waitMsg(uWu, "✅ "+ref+" 已交由城管大队办理，期限 2026-12-02 08:00")
	h.waitMsg(uChen, "隐患举报 "+ref+" 交由城管大队办理，期限 2026-12-02 08:00")
	h.eventually("the office's buttons gone", func() bool {
		m := h.latest(uWu, m.ID)
		return len(m.Inline) == 0 && strings.Contains(m.Text, "城管大队办理中")
	})
	h.waitMsg(uWorker, "已受理", "期限 2026-12-02 08:00")
	// A stale press of the office's unit buttons changes nothing.
	if a := h.press(uWu, office, button(t, office, "党政办")); !strings.Contains(a.Text, "已指派") {
		t.Errorf("press after assignment = %+v", a)
	}

	h.restart()
	due := time.Date(2026, 12, 2, 8, 0, 0, 0, start.Location())
	h.advanceTo(due.Add(-time.Minute))
	time.Sleep(50 * time.Millisecond)
	if a, ok := h.app.Engine.Linked("tip:" + ref); ok {
		t.Fatalf("overdue 叫应 %s raised before the deadline", a.ID)
	}
	h.advanceTo(due)
	call := h.waitMsg(uChen, "隐患举报 "+ref+" 逾期未办结（城管大队）", "液化气站钢瓶", "/tip close "+ref)
	button(t, call, "收到，立即办理")
	h.waitMsg(uWu, "⏰ 隐患举报 "+ref+" 已逾期")
	a, ok := h.app.Engine.Linked("tip:" + ref)
	if !ok || a.Kind != "tip" || a.Level != "yellow" || len(h.alert(a.ID).Recipients) != 1 {
		t.Fatalf("overdue 叫应 = %+v, %v", a, ok)
	}
	if r := h.alert(a.ID).Recipients[0]; r.Official != "o-chen" {
		t.Fatalf("overdue 叫应 goes to %s, want the unit head o-chen", r.Official)
	}
	if strings.Contains(a.Body, workerName) || strings.Contains(a.Title, workerName) {
		t.Errorf("the overdue 叫应 shows the tipster: %q", a.Body)
	}
	// Silence escalates as usual: the unit head is 陈杰 himself, so the
	// 分管领导 刘洋 is called at 30 minutes.
	h.waitScheduled(a.ID, "o-chen", due.Add(10*time.Minute))
	h.advanceTo(due.Add(10 * time.Minute))
	h.waitMsg(uChen, "第二次叫应", ref)
	h.waitScheduled(a.ID, "o-chen", due.Add(20*time.Minute))
	h.advanceTo(due.Add(20 * time.Minute))
	h.waitScheduled(a.ID, "o-chen", due.Add(30*time.Minute))
	h.advanceTo(due.Add(30 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "陈杰")

	h.srv.SendText(uChen, "/tip close "+ref+" 不属实")
	h.waitMsg(uChen, "用法：/tip close")
	h.srv.SendText(uChen, "/tip close "+ref+" 不属实 经现场核查，钢瓶已入库")
	h.waitMsg(uChen, ref+" 已办结（不属实）")
	h.waitMsg(uWorker, "您的隐患举报 "+ref+" 已办结", "经核查不属实", "钢瓶已入库")
	h.eventually("the overdue 叫应 closed", func() bool { return h.alert(a.ID).State == callout.AlertClosed })
	h.srv.SendText(uChen, "/tip close "+ref+" 属实 再次办结")
	h.waitMsg(uChen, "举报 "+ref+" 已办结。")

	want := []string{tips.EvReceived, tips.EvAssigned, tips.EvOverdue, tips.EvClosed}
	evs := h.tipEvents(ref)
	if got := eventTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	if evs[1].Actor != "o-wu" || !strings.Contains(evs[1].Detail, "cgdd") || evs[2].Actor != "system" ||
		!strings.Contains(evs[2].Detail, a.ID) || evs[3].Actor != "o-chen" || !strings.HasPrefix(evs[3].Detail, "not verified") {
		t.Errorf("events = %+v", evs)
	}
	for _, e := range evs {
		if e.Alert != ref || e.At.IsZero() {
			t.Errorf("event %+v: Alert should be the tip reference", e)
		}
	}
	var tip map[string]any
	h.getJSON("/api/v1/tips/"+ref, &tip)
	if tip["state"] != "closed" || tip["verified"] != false || tip["overdue"] != true || tip["unit"] != "cgdd" {
		t.Errorf("API tip = %v", tip)
	}
	// The worker's status.
	h.srv.SendText(uWorker, "/tip "+ref)
	h.waitMsg(uWorker, "您的隐患举报 "+ref, "已办结，不属实", "钢瓶已入库")
}

// TestTipRevealOnlyByConfiguredRole: with tips.reveal_roles [leader], the
// 分管领导 may reveal (with a reason, recorded, the office head told), the
// principal and the admin may not, and a named tip has nothing to reveal.
func TestTipRevealOnlyByConfiguredRole(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		return y + "tips:\n  reveal_roles: [leader]\n"
	}})
	h.addWorker()
	for _, u := range []int64{uWu, uLiu, uHe, uAdmin, uZhang} {
		h.bind(u)
	}
	ref := h.tip(uWorker, "加油站违规夜间卸油", "含谷镇加油站", true)
	named := h.tip(uZhang, "桥下违章搭建", "含谷桥", false)
	revealed := func() int {
		n := 0
		for _, e := range h.allEvents() {
			if e.Type == tips.EvRevealed {
				n++
			}
		}
		return n
	}
	for _, u := range []int64{uHe, uAdmin, uWu} {
		h.srv.SendText(u, "/tip reveal "+ref+" 想知道是谁")
		h.waitMsg(u, "只有负责举报奖励的领导可以查看")
	}
	h.srv.SendText(uWorker, "/tip reveal "+ref+" 我是谁")
	h.waitMsg(uWorker, "只有负责举报奖励的领导可以查看")
	h.srv.SendText(uLiu, "/tip reveal "+ref)
	h.waitMsg(uLiu, "用法：/tip reveal")
	h.srv.SendText(uLiu, "/tip reveal "+named+" 核实")
	h.waitMsg(uLiu, named+" 是实名举报")
	if n := revealed(); n != 0 {
		t.Fatalf("%d reveals recorded before an allowed one", n)
	}
	for _, m := range h.srv.AllMessages() {
		if m.ChatID != uWorker && strings.Contains(m.Text, workerName) {
			t.Fatalf("chat %d saw the worker before any reveal: %q", m.ChatID, m.Text)
		}
	}

	h.srv.SendText(uLiu, "/tip reveal "+strings.ToLower(ref)+" 核实后发放奖励")
	h.waitMsg(uLiu, "🔓 匿名举报 "+ref, "赵 "+workerName, "@"+workerUsername, fmt.Sprint(uWorker), "核实后发放奖励")
	told := h.waitMsg(uWu, "刘洋", "查看了匿名举报 "+ref, "核实后发放奖励")
	if strings.Contains(told.Text, workerName) || strings.Contains(told.Text, workerUsername) {
		t.Errorf("the office head was shown the identity: %q", told.Text)
	}
	var e storage.Event
	for _, ev := range h.tipEvents(ref) {
		if ev.Type == tips.EvRevealed {
			e = ev
		}
	}
	if e.Actor != "o-liu" || e.Detail != "核实后发放奖励" || e.Official != "" || revealed() != 1 {
		t.Errorf("reveal event = %+v (%d reveals)", e, revealed())
	}

	// Rewards are for the same role, and only for a tip found true.
	h.srv.SendText(uHe, "/tip reward "+ref+" 500")
	h.waitMsg(uHe, "只有负责举报奖励的领导可以登记奖励")
	h.srv.SendText(uLiu, "/tip reward "+ref+" 500")
	h.waitMsg(uLiu, "只有经核查属实并已办结的举报才能登记奖励")
	h.srv.SendText(uWu, "/tip close "+ref+" 属实 已责令停业整改")
	h.waitMsg(uWorker, "经核查属实")
	h.srv.SendText(uLiu, "/tip reward "+ref+" 五百")
	h.waitMsg(uLiu, "金额请填写大于 0 的数字")
	h.srv.SendText(uLiu, "/tip reward "+ref+" 300.5")
	h.waitMsg(uLiu, "已登记 "+ref+" 的奖励 300.50 元")
	h.srv.SendText(uLiu, "/tip reward "+ref+" 300")
	h.waitMsg(uLiu, "已登记过奖励")
	var rewards []storage.Event
	for _, ev := range h.tipEvents(ref) {
		if ev.Type == tips.EvRewarded {
			rewards = append(rewards, ev)
		}
	}
	if len(rewards) != 1 || rewards[0].Actor != "o-liu" || rewards[0].Detail != "300.50 yuan" {
		t.Errorf("reward events = %+v", rewards)
	}
}

// TestTipNamedShowsNameToHandlers: a named tip shows handlers who sent it
// (an unbound worker by their Telegram names, an official by the roster),
// but the API never does.
func TestTipNamedShowsNameToHandlers(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	h.bind(uWu)
	h.bind(uZhang)
	ref := h.tip(uWorker, "厂房屋顶彩钢板松动", "含谷镇五金厂", false)
	h.waitMsg(uWu, "🆕 隐患举报 "+ref, "举报人：👤 赵 "+workerName, "@"+workerUsername)
	zref := h.tip(uZhang, "路口信号灯损坏", "含谷大道路口", false)
	h.waitMsg(uWu, "🆕 隐患举报 "+zref, "举报人：👤 张明（应急办）", "电话 13800000001")
	if evs := h.tipEvents(zref); len(evs) == 0 || evs[0].Actor != "o-zhang" {
		t.Errorf("named tip's events = %+v, want tip_received by o-zhang", evs)
	}
	if evs := h.tipEvents(ref); len(evs) == 0 || evs[0].Actor != "tipster" || !strings.Contains(evs[0].Detail, workerName) {
		t.Errorf("worker's named tip's events = %+v", evs)
	}
	for _, r := range []string{ref, zref} {
		_, body := h.apiRaw("/api/v1/tips/" + r)
		for _, s := range []string{workerName, workerUsername, "张明", "13800000001", "o-zhang"} {
			if strings.Contains(body, s) {
				t.Errorf("GET tip %s shows %q: %s", r, s, body)
			}
		}
		if !strings.Contains(body, `"anonymous":false`) {
			t.Errorf("GET tip %s: %s", r, body)
		}
	}
}

// TestTipLookupOnlyByTipster: /tip <ref> shows the tipster their tip;
// anyone else who does not handle it is told it does not exist, the same
// answer as for a reference that was never given.
func TestTipLookupOnlyByTipster(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	h.bind(uWu)
	h.bind(uZhang)
	ref := h.tip(uWorker, "化工厂储罐泄漏异味", "含谷镇化工园", true)
	h.srv.SendText(uWorker, "/tip "+ref)
	h.waitMsg(uWorker, "您的隐患举报 "+ref, "匿名", "已收到，待指派承办单位")
	h.srv.SendText(uWorker, "/tip")
	list := h.waitMsg(uWorker, "您的隐患举报（1 条）", ref, "待指派")
	button(t, list, "新的举报")

	for u, want := range map[int64]string{uStranger: "No tip " + ref + " was found", uZhang: "没有找到举报 " + ref} {
		h.srv.SendText(u, "/tip "+ref)
		got := h.waitMsg(u, want)
		if strings.Contains(got.Text, "化工厂") {
			t.Errorf("chat %d was shown the tip: %q", u, got.Text)
		}
	}
	h.srv.SendText(uWorker, "/tip T2611-0099")
	h.waitMsg(uWorker, "没有找到举报 T2611-0099")
	// The office head looks it up as a handler: no tipster.
	h.srv.SendText(uWu, "/tip "+ref)
	view := h.waitMsg(uWu, "🔎 隐患举报 "+ref, "化工厂储罐", "匿名")
	button(t, view, "城管大队")
	// /tip is for private chats only.
	h.srv.AddGroup(-5001, "含谷镇安全生产群")
	h.srv.SendGroupText(-5001, uZhang, "/tip "+ref)
	h.waitMsg(-5001, "请在与我的私聊中进行")
	// A stranger pressing an office button is refused and changes nothing.
	if a := h.press(uStranger, view, button(t, view, "城管大队")); !a.ShowAlert {
		t.Errorf("stranger's press = %+v", a)
	}
	if got := eventTypes(h.tipEvents(ref)); !slices.Equal(got, []string{tips.EvReceived}) {
		t.Errorf("events = %v", got)
	}
}

// TestTipFlowPhotosLocationAndCancel: the guided report takes photos and a
// shared location, refuses steps out of order, can be cancelled, and the
// photos reach the handler who asks for them.
func TestTipFlowPhotosLocationAndCancel(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	h.bind(uWu)
	// Register a file with the fake server, so the photo can be sent back.
	h.srv.SendDocument(uWorker, "site.jpg", []byte("jpeg"))
	h.waitMsg(uWorker, "分享我的手机号")
	const fileID = "BQACAgIAAxkBAAI000001"
	user := &models.User{ID: uWorker, FirstName: "赵", LastName: workerName, Username: workerUsername, LanguageCode: "zh-hans"}
	chat := models.Chat{ID: uWorker, Type: models.ChatTypePrivate}
	inject := func(m models.Message) {
		m.From, m.Chat, m.ID = user, chat, h.srv.NextMessageID(uWorker)
		h.app.Bot.HandleUpdate(context.Background(), &models.Update{Message: &m})
	}

	h.srv.SendText(uWorker, "/tip cancel")
	h.waitMsg(uWorker, "当前没有进行中的操作")
	h.srv.SendText(uWorker, "/tip")
	m := h.waitMsg(uWorker, "隐患举报 1/4")
	h.press(uWorker, m, button(t, m, "取消"))
	h.waitMsg(uWorker, "已取消隐患举报")
	h.srv.SendText(uWorker, "随便说一句")
	h.waitMsg(uWorker, "分享我的手机号") // no flow: the usual answer

	h.srv.SendText(uWorker, "/tip")
	h.waitMsg(uWorker, "隐患举报 1/4")
	inject(models.Message{Location: &models.Location{Latitude: 29.5, Longitude: 106.4}})
	h.waitMsg(uWorker, "请先用文字描述隐患")
	inject(models.Message{Photo: []models.PhotoSize{{FileID: "small", Width: 90}, {FileID: fileID, Width: 1280}},
		Caption: "配电房电缆裸露，地面积水"})
	h.waitMsg(uWorker, "隐患举报 2/4", "已收到照片 1 张")
	h.srv.SendText(uWorker, "还有")
	h.waitMsg(uWorker, "请发送照片，或点“下一步”继续")
	inject(models.Message{Photo: []models.PhotoSize{{FileID: fileID, Width: 1280}}})
	m = h.waitMsg(uWorker, "已收到照片 2 张")
	h.press(uWorker, m, button(t, m, "下一步"))
	h.waitMsg(uWorker, "隐患举报 3/4")
	inject(models.Message{Location: &models.Location{Latitude: 29.56789, Longitude: 106.45678}})
	m = h.waitMsg(uWorker, "隐患举报 4/4", "赵 "+workerName)
	h.srv.SendText(uWorker, "匿名")
	h.waitMsg(uWorker, "请使用上方按钮继续")
	h.press(uWorker, m, button(t, m, "匿名举报"))
	m = h.waitMsg(uWorker, "请确认隐患举报", "配电房电缆裸露", "照片：2 张", "🕶 匿名")
	h.press(uWorker, m, button(t, m, "改为实名"))
	m = h.waitMsg(uWorker, "请确认隐患举报", "👤 实名（赵 "+workerName+"）")
	h.press(uWorker, m, button(t, m, "改为匿名"))
	m = h.waitMsg(uWorker, "请确认隐患举报", "🕶 匿名")
	h.press(uWorker, m, button(t, m, "提交举报"))
	done := h.waitMsg(uWorker, "隐患举报已提交")
	ref := tipRefRE.FindString(done.Text)
	// A second press of the same preview sends nothing more.
	if a := h.press(uWorker, m, tipDraftData("send")); a.Text != "该按钮已失效。" {
		t.Errorf("second submit = %+v", a)
	}
	if n := len(h.messages(uWorker, "隐患举报已提交")); n != 1 {
		t.Errorf("%d tips submitted, want 1", n)
	}

	office := h.waitMsg(uWu, "🆕 隐患举报 "+ref, "📍 29.56789, 106.45678", "照片：2 张")
	h.press(uWu, office, button(t, office, "查看照片（2）"))
	h.eventually("the photos sent", func() bool {
		n := 0
		for _, m := range h.srv.Messages(uWu) {
			if m.Photo && m.Caption == ref {
				n++
			}
		}
		return n == 2
	})
	var tip map[string]any
	h.getJSON("/api/v1/tips/"+ref, &tip)
	loc, _ := tip["location"].(map[string]any)
	if tip["photos"] != 2.0 || loc["lat"] != 29.56789 || tip["place"] != nil {
		t.Errorf("API tip = %v", tip)
	}
}

func tipDraftData(action string) string { return "tip:d:" + action }

// TestTipDraftGivesWay: a tip draft left for over an hour takes no later
// text (the tipster is told it expired), and a /warn begun after a tip
// draft gets its own text.
func TestTipDraftGivesWay(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uDuty)
	h.srv.SendText(uDuty, "/tip")
	h.waitMsg(uDuty, "隐患举报 1/4")
	h.advanceTo(start.Add(61 * time.Minute))
	h.srv.SendText(uDuty, "厂区消防栓损坏")
	h.waitMsg(uDuty, "“隐患举报”已超过 60 分钟未继续", "/tip new")
	if n := len(h.messages(uDuty, "隐患举报 2/4")); n != 0 {
		t.Fatal("an abandoned draft took the text")
	}

	h.srv.SendText(uDuty, "/tip")
	h.eventually("a second draft", func() bool { return len(h.messages(uDuty, "隐患举报 1/4")) == 2 })
	h.clk.Advance(time.Minute)
	h.srv.SendText(uDuty, "/warn")
	m := h.waitMsg(uDuty, "发布气象预警 1/5")
	h.press(uDuty, m, button(t, m, "大风"))
	m = h.waitMsg(uDuty, "发布气象预警 2/5")
	h.press(uDuty, m, button(t, m, "黄色"))
	m = h.waitMsg(uDuty, "发布气象预警 3/5")
	h.press(uDuty, m, button(t, m, "下一步"))
	h.waitMsg(uDuty, "发布气象预警 4/5")
	h.srv.SendText(uDuty, "阵风8级")
	h.waitMsg(uDuty, "发布气象预警 5/5", "阵风8级")
	if n := len(h.messages(uDuty, "隐患举报 2/4")); n != 0 {
		t.Fatal("the tip draft took the warning's text")
	}
}
