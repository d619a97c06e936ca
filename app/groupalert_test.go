package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/storage"
)

// floodGroup adds the bot to 防汛群's chat and binds it there; 张明, 李芳,
// 吴敏 and 杜峰 (应急办) are expected to answer in it.
func (h *harness) floodGroup() {
	h.t.Helper()
	h.bind(uAdmin)
	h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uAdmin)
	h.srv.AddGroupMembers(chatFlood, uZhang, uLi, uWu, uDuty, uAdmin, uStranger)
	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatFlood, "✅ 本群已绑定为工作群“防汛群”")
}

// groupCall waits for the alert's message in a group chat.
func (h *harness) groupCall(chat int64, parts ...string) fakeapi.Message {
	h.t.Helper()
	m := h.waitMsg(chat, append([]string{"请以下人员确认："}, parts...)...)
	return m
}

// waitText waits until message id in chat reads all parts.
func (h *harness) waitText(chat int64, id int, parts ...string) fakeapi.Message {
	h.t.Helper()
	var m fakeapi.Message
	h.eventually(fmt.Sprintf("message %d in chat %d reading %q", id, chat, parts), func() bool {
		m = h.latest(chat, id)
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				return false
			}
		}
		return true
	}, func() string { return m.Text })
	return m
}

// A 叫应 over the API to a work group: one message in the group listing who
// is to answer, one button; the expected press and are recorded as group
// acks (record, event), anyone else and any forged button change nothing,
// the message shows who answered, the silent one is reminded privately and
// escalated to the unit head, and the group sees the end.
func TestGroupAlertByAPI(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uWu, uDuty} {
		h.bind(u)
	}
	// A group the bot is not in, an unknown group: refused, nothing made.
	for _, bad := range []struct{ targets, want string }{
		{`{"groups":["g-safety"]}`, `group "g-safety" is not bound`},
		{`{"groups":["g-nowhere"]}`, `unknown group "g-nowhere"`},
	} {
		code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
			fmt.Sprintf(`{"title":"演练","level":"orange","targets":%s}`, bad.targets))
		if code != 400 || !strings.Contains(fmt.Sprint(out["error"]), bad.want) {
			t.Errorf("targets %s: %d %v, want 400 %q", bad.targets, code, out, bad.want)
		}
	}

	id := h.createAlert("orange", "防汛检查", `{"groups":["g-flood"]}`)
	m := h.groupCall(chatFlood, "防汛检查", "张明、李芳、吴敏、杜峰", "已应 0/4 · 未应：张明、李芳、吴敏、杜峰")
	data := button(t, m, "✅ 收到")
	if strings.Contains(m.Text, "1380000") {
		t.Errorf("a phone number in the group:\n%s", m.Text)
	}
	for _, r := range h.alert(id).Recipients {
		if r.Channel != "group" || r.Group != "g-flood" {
			t.Errorf("recipient %s: channel %q group %q, want group g-flood", r.Official, r.Channel, r.Group)
		}
	}
	if len(h.messages(uZhang, "防汛检查")) != 0 {
		t.Error("a group recipient was also called privately")
	}

	if a := h.press(uZhang, m, data); !strings.Contains(a.Text, "已确认收到") {
		t.Errorf("expected member's press: %q", a.Text)
	}
	if a := h.press(uZhang, m, data); !strings.Contains(a.Text, "已确认") {
		t.Errorf("second press: %q", a.Text)
	}
	refusals := []struct {
		user int64
		msg  fakeapi.Message
		data string
		want string
	}{
		{uStranger, m, data, "You are not bound yet"},
		{uAdmin, m, data, "无需您在本群确认"},
		{uLi, m, callout.GroupAckData(id, "g-safety"), "不属于本群的这条叫应"},
		{uLi, h.waitMsg(chatFlood, "本群已绑定为工作群"), data, "不属于本群的这条叫应"},
		{uLi, m, callout.GroupAckData("20261130-0999", "g-flood"), "无效的按钮数据"},
	}
	for _, r := range refusals {
		if a := h.press(r.user, r.msg, r.data); !strings.Contains(a.Text, r.want) {
			t.Errorf("press by %d with %q: %q, want %q", r.user, r.data, a.Text, r.want)
		}
	}
	if r := h.recipient(id, "o-li"); r.State == "acked" {
		t.Error("a refused press acknowledged 李芳")
	}
	if r := h.recipient(id, "o-zhang"); r.State != "acked" || r.AckedIn != "group" || r.AckedBy != "o-zhang" {
		t.Errorf("张明 = %+v, want acked in the group", r)
	}
	var ack storage.Event
	for _, e := range h.events(storage.EvAcked) {
		if e.Alert == id && e.Official == "o-zhang" {
			ack = e
		}
	}
	if ack.Code != storage.CodeAckedGroup || !strings.Contains(ack.Detail, "channel: group") {
		t.Errorf("张明's ack event = %+v, want code %s, channel group", ack, storage.CodeAckedGroup)
	}

	// The edit comes within the interval.
	h.clk.Advance(3 * time.Second)
	h.waitText(chatFlood, m.ID, "已应 1/4 · 未应：李芳、吴敏、杜峰")
	h.press(uWu, m, data)
	h.press(uDuty, m, data)
	h.clk.Advance(3 * time.Second)
	h.waitText(chatFlood, m.ID, "已应 3/4 · 未应：李芳")

	// 李芳 stays silent: reminded privately, then escalated to 吴敏.
	h.advanceTo(start.Add(10*time.Minute + 30*time.Second))
	rem := h.waitMsg(uLi, "第二次叫应", "防汛检查")
	h.advanceTo(start.Add(20*time.Minute + 30*time.Second))
	h.waitMsg(uWu, "叫应升级", "李芳")
	if r := h.recipient(id, "o-li"); r.State != "escalated" || len(r.Escalations) != 2 {
		t.Errorf("李芳 = %+v, want escalated after a reminder", r)
	}
	_ = rem

	code, _ := h.apiDo("POST", "/api/v1/alerts/"+id+"/close", testAPIToken, "")
	if code != 200 {
		t.Fatalf("close: %d", code)
	}
	h.clk.Advance(3 * time.Second)
	end := h.waitText(chatFlood, m.ID, "已应 3/4", "始终未应：李芳")
	if len(end.Inline) != 0 {
		t.Errorf("the ended alert keeps its button: %v", end.Inline)
	}
	if n := h.srv.Stats().TooMany; n != 0 {
		t.Errorf("%d × 429", n)
	}

	// The 履职档案 shows where each answered.
	code, _, book := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-11-30", testAPIToken)
	if code != 200 {
		t.Fatalf("ledger export: %d", code)
	}
	_, sheets := allRows(t, book)
	var calls [][]string
	for _, rows := range sheets {
		if findRow(rows, id, "张明") != nil {
			calls = rows
		}
	}
	if r := findRow(calls, id, "张明"); findRow([][]string{r}, "已应答（工作群“防汛群”）") == nil {
		t.Errorf("张明's ledger row: %q, want answered in 防汛群", r)
	}
	if r := findRow(calls, id, "李芳"); findRow([][]string{r}, "工作群") != nil {
		t.Errorf("李芳's ledger row says she answered in the group: %q", r)
	}
}

// /alert sent in a bound group by a duty leader posts there; a staff
// member may not; everyone answering shows 全部已确认. A private reminder
// answered privately counts too.
func TestGroupAlertByCommand(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uWu, uDuty} {
		h.bind(u)
	}
	h.srv.SendGroupText(chatFlood, uZhang, "/alert 橙 河水上涨")
	h.waitMsg(chatFlood, "您没有发布叫应的权限")
	h.srv.AddBotToGroup(chatOther, "闲聊群", uAdmin)
	h.srv.SendGroupText(chatOther, uDuty, "/alert 橙 河水上涨")
	h.waitMsg(chatOther, "本群尚未绑定为工作群")
	h.srv.SendGroupText(chatFlood, uDuty, "/alert 紫 河水上涨")
	h.waitMsg(chatFlood, "用法：在工作群里发送 /alert 级别 标题")

	h.srv.SendGroupText(chatFlood, uDuty, "/alert 橙 河水上涨，请各村巡查 | 30 分钟内回复，有情况打 13800000006")
	h.waitMsg(chatFlood, "已发布到本群，共 4 人需确认")
	m := h.groupCall(chatFlood, "河水上涨，请各村巡查", "30 分钟内回复", "发布人：杜峰", "已应 0/4")
	if strings.Contains(m.Text, "13800000006") {
		t.Errorf("a phone number in the group: %s", m.Text)
	}
	data := button(t, m, "✅ 收到")
	for _, u := range []int64{uZhang, uWu, uDuty} {
		h.press(u, m, data)
	}
	h.advanceTo(start.Add(10*time.Minute + 30*time.Second))
	rem := h.waitButton(uLi, "✅ 收到（确认）")
	h.press(uLi, rem, button(t, rem, "收到"))
	h.clk.Advance(3 * time.Second)
	end := h.waitText(chatFlood, m.ID, "全部已确认（4/4")
	if len(end.Inline) != 0 {
		t.Errorf("the answered alert keeps its button: %v", end.Inline)
	}
}

// A member not bound to the bot cannot be reminded privately: the group
// is told instead, and their chain escalates as usual.
func TestGroupAlertRemindsUnboundInGroup(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.floodGroup()
	for _, u := range []int64{uZhang, uWu, uDuty} {
		h.bind(u)
	}
	id := h.createAlert("red", "山体滑坡", `{"groups":["g-flood"]}`)
	m := h.groupCall(chatFlood, "山体滑坡")
	data := button(t, m, "✅ 收到")
	for _, u := range []int64{uZhang, uDuty} {
		h.press(u, m, data)
	}
	h.advanceTo(start.Add(10*time.Minute + 30*time.Second))
	// 吴敏 is bound: reminded privately, not named in the group.
	g := h.waitMsg(chatFlood, "仍未确认：李芳")
	if strings.Contains(g.Text, "吴敏") {
		t.Errorf("the group reminder names a member reminded privately: %s", g.Text)
	}
	if g.ReplyTo != m.ID {
		t.Errorf("the group reminder replies to message %d, want the alert's %d", g.ReplyTo, m.ID)
	}
	h.waitMsg(uWu, "第二次叫应", "山体滑坡")
	h.advanceTo(start.Add(20*time.Minute + 30*time.Second))
	h.waitMsg(uWu, "叫应升级", "李芳")
	if r := h.recipient(id, "o-li"); r.State != "escalated" {
		t.Errorf("李芳 = %+v, want escalated", r)
	}
}

// The group becomes a supergroup mid-alert: a press on the message in the
// old chat still counts, and the next edit is a new post in the new chat.
func TestGroupAlertMigrated(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uWu, uDuty} {
		h.bind(u)
	}
	const superFlood int64 = -1000000000500
	id := h.createAlert("orange", "防汛检查", `{"groups":["g-flood"]}`)
	m := h.groupCall(chatFlood, "防汛检查")
	data := button(t, m, "✅ 收到")
	h.srv.MigrateGroup(chatFlood, superFlood, uAdmin)
	h.eventually("the group followed to the supergroup", func() bool {
		g, ok, err := h.app.Groups.Get("g-flood")
		return err == nil && ok && g.Chat.ChatID == superFlood
	})
	if a := h.press(uZhang, m, data); !strings.Contains(a.Text, "已确认收到") {
		t.Errorf("press on the old chat's message: %q", a.Text)
	}
	h.clk.Advance(3 * time.Second)
	n := h.groupCall(superFlood, "防汛检查", "已应 1/4 · 未应：李芳、吴敏、杜峰")
	if r := h.recipient(id, "o-zhang"); r.State != "acked" {
		t.Errorf("张明 = %s", r.State)
	}
	// Presses on the new message count as well.
	h.press(uLi, n, button(t, n, "✅ 收到"))
	h.clk.Advance(3 * time.Second)
	h.waitText(superFlood, n.ID, "已应 2/4 · 未应：吴敏、杜峰")
	if got := h.latest(chatFlood, m.ID); got.Edits != 0 {
		t.Errorf("the old chat's message was edited %d times after the move", got.Edits)
	}
}

// bigGroup is a work group of n officials of their own unit, bound to the
// bot by telegram_id (users 3001…) and to chatBig by chat_id, with the
// dispatcher and the fake both at Telegram's 20 a minute per group, the
// fake counting them in any 60 seconds.
const chatBig int64 = -800

func bigGroup(t *testing.T, n int) (*harness, []int64) {
	var units, officials strings.Builder
	units.WriteString("  - {id: big, name: 沿河各村, head: o-wu, leader: o-liu}\n")
	var users []int64
	for i := range n {
		u := int64(3001 + i)
		users = append(users, u)
		fmt.Fprintf(&officials, "  - {id: o-b%02d, name: 村干部%02d, phone: \"139%08d\", unit: big, roles: [staff], telegram_id: %d}\n", i, i, i, u)
	}
	h := newHarness(t, harnessOpts{limits: &fakeapi.Limits{GroupPerMinute: 20, GroupWindowed: true},
		edit: func(y string) string {
			y = strings.Replace(y, "group_per_minute: 6000", "group_per_minute: 20", 1)
			y = strings.Replace(y, "officials:\n", units.String()+"officials:\n", 1)
			y = strings.Replace(y, "escalation:\n", officials.String()+"escalation:\n", 1)
			return y + "groups:\n  - {id: g-big, name: 沿河村社区书记群, chat_id: -800, units: [big]}\n"
		}})
	for _, u := range users {
		h.srv.AddUser(fakeapi.User{ID: u, FirstName: fmt.Sprint(u), LanguageCode: "zh-hans"})
	}
	h.srv.AddGroup(chatBig, "沿河村社区书记群")
	h.srv.AddGroupMembers(chatBig, users...)
	return h, users
}

// 50 of 52 press within a second: the group's message is edited at most
// twice in the next 6 s, the fake enforcing 20 a minute never answers 429,
// and the last edit shows all 50 and names the two still silent.
func TestGroupAlertBurst(t *testing.T) {
	h, users := bigGroup(t, 52)
	h.createAlert("red", "洪峰过境", `{"groups":["g-big"]}`)
	m := h.groupCall(chatBig, "洪峰过境", "已应 0/52")
	data := button(t, m, "✅ 收到")
	h.clk.Advance(time.Minute) // the post is old: the first press edits at once

	var queries []string
	for _, u := range users[:50] {
		queries = append(queries, h.srv.Press(u, chatBig, m.ID, data))
	}
	for _, q := range queries {
		if a, err := h.srv.WaitAnswer(q, wait); err != nil || !strings.Contains(a.Text, "已确认收到") {
			t.Fatalf("press: %q %v", a.Text, err)
		}
	}
	for range 6 {
		h.clk.Advance(time.Second)
		time.Sleep(50 * time.Millisecond)
	}
	// The dispatcher spaces a group's messages 3 s apart in wall time.
	h.within(time.Minute, "the group showing the 50 presses", func() bool {
		return strings.Contains(h.latest(chatBig, m.ID).Text, "已应 50/52 · 未应：村干部50、村干部51")
	}, func() string { return h.latest(chatBig, m.ID).Text })
	<-h.app.Dispatcher.Idle()
	last := h.latest(chatBig, m.ID)
	t.Logf("edits after the burst: %d; sends and edits to the group: %d", last.Edits, len(h.srv.PostedAt(chatBig)))
	if last.Edits < 1 || last.Edits > 2 {
		t.Errorf("%d edits in the 6 s after the burst, want 1 or 2", last.Edits)
	}
	if n := h.srv.Stats().TooMany; n != 0 {
		t.Errorf("%d × 429 from a fake enforcing 20 a minute per group", n)
	}
	if posts := h.srv.PostedAt(chatBig); len(posts) > 1+last.Edits {
		t.Errorf("%d sends and edits to the group, want the post and its %d edits", len(posts), last.Edits)
	}
}

// An edit owed when the app stops is made after a restart: the owed edit
// is a durable deadline.
func TestGroupAlertOwedEditSurvivesRestart(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.floodGroup()
	for _, u := range []int64{uZhang, uLi, uWu, uDuty} {
		h.bind(u)
	}
	h.createAlert("orange", "防汛检查", `{"groups":["g-flood"]}`)
	m := h.groupCall(chatFlood, "防汛检查")
	data := button(t, m, "✅ 收到")
	h.press(uZhang, m, data) // within the interval of the post: owed
	h.press(uLi, m, data)
	<-h.app.Dispatcher.Idle()
	if got := h.latest(chatFlood, m.ID); got.Edits != 0 {
		t.Fatalf("edited %d times within the interval", got.Edits)
	}
	h.restart()
	h.clk.Advance(3 * time.Second)
	h.waitText(chatFlood, m.ID, "已应 2/4 · 未应：吴敏、杜峰")
}
