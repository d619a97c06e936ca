package app_test

import (
	"strings"
	"testing"
	"time"
)

func TestAlertAcknowledged(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.bind(uLi)
	id := h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang","o-li"]}`)

	m := h.waitMsg(uZhang, "🔴 红色", "#"+id, "【暴雨红色预警】", "请立即到岗", "08:10 前")
	data := button(t, m, "收到")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	h.waitScheduled(id, "o-li", start.Add(10*time.Minute))

	h.clk.Advance(3 * time.Minute)
	toast := h.press(uZhang, m, data)
	if toast.Text != "已确认收到（08:03）" {
		t.Errorf("toast = %q", toast.Text)
	}
	edited := h.waitMsg(uZhang, "已于 08:03 确认收到")
	if len(edited.Inline) != 0 {
		t.Errorf("buttons should be gone after acknowledging: %v", edited.Inline)
	}
	r := h.recipient(id, "o-zhang")
	if r.State != "acked" || r.AckedBy != "o-zhang" || r.AckedAt == nil || !r.AckedAt.Equal(start.Add(3*time.Minute)) || r.NextAt != nil {
		t.Errorf("recipient after ack = %+v", r)
	}
	if got := h.recipient(id, "o-li").State; got != "pending" {
		t.Errorf("李芳 state = %s, want pending", got)
	}
	// 张明's chain is over: at +10m only 李芳 is reminded.
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uLi, "第二次叫应")
	h.eventually("no reminder for 张明", func() bool { return h.recipient(id, "o-li").NextAt != nil })
	if n := len(h.messages(uZhang, "第二次叫应")); n != 0 {
		t.Errorf("张明 got %d reminders after acknowledging", n)
	}
}

func TestSilenceEscalatesUpTheChain(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uWu, uLiu, uHe, uAdmin} {
		h.bind(u)
	}
	id := h.createAlert("yellow", "大风黄色预警", `{"officials":["o-zhang"]}`)
	h.waitMsg(uZhang, "大风黄色预警")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))

	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uZhang, "第二次叫应", "大风黄色预警")
	h.waitScheduled(id, "o-zhang", start.Add(20*time.Minute))
	if n := len(h.messages(uWu, "叫应升级")); n != 0 {
		t.Fatalf("unit head told %d times before 20m", n)
	}

	h.advanceTo(start.Add(20 * time.Minute))
	notice := h.waitMsg(uWu, "叫应升级", "张明（应急办），08:00 起", "我来处理")
	button(t, notice, "我来处理")
	h.waitScheduled(id, "o-zhang", start.Add(30*time.Minute))
	if r := h.recipient(id, "o-zhang"); r.State != "escalated" {
		t.Errorf("state after escalation = %s", r.State)
	}

	h.advanceTo(start.Add(30 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "张明")
	h.waitScheduled(id, "o-zhang", start.Add(45*time.Minute))

	h.advanceTo(start.Add(45 * time.Minute))
	h.waitMsg(uHe, "叫应升级", "张明")
	h.eventually("chain finished", func() bool {
		r := h.recipient(id, "o-zhang")
		return len(r.Escalations) == 4 && r.NextAt == nil
	})
	r := h.recipient(id, "o-zhang")
	want := []struct {
		action, to, person string
		at                 time.Duration
	}{
		{"remind", "", "", 10 * time.Minute},
		{"escalate", "unit_head", "o-wu", 20 * time.Minute},
		{"escalate", "leader", "o-liu", 30 * time.Minute},
		{"escalate", "principal", "o-he", 45 * time.Minute},
	}
	for i, w := range want {
		e := r.Escalations[i]
		if e.Action != w.action || e.To != w.to || !e.At.Equal(start.Add(w.at)) ||
			(w.person != "" && (len(e.People) != 1 || e.People[0] != w.person)) {
			t.Errorf("escalation %d = %+v, want %+v", i, e, w)
		}
	}
	// Nothing more is sent, however long the silence lasts.
	h.clk.Advance(5 * time.Hour)
	time.Sleep(50 * time.Millisecond)
	counts := map[int64]int{uZhang: 2, uWu: 1, uLiu: 1, uHe: 1}
	for u, want := range counts {
		got := len(h.messages(u, "#"+id))
		if got != want {
			t.Errorf("chat %d has %d messages about the alert, want %d", u, got, want)
		}
	}
}

func TestEscalationTargetTakesOver(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe} {
		h.bind(u)
	}
	id := h.createAlert("orange", "森林火险橙色预警", `{"officials":["o-zhang","o-li"]}`)
	h.waitMsg(uZhang, "森林火险")
	h.waitMsg(uLi, "森林火险")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	h.waitScheduled(id, "o-li", start.Add(10*time.Minute))
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitScheduled(id, "o-zhang", start.Add(20*time.Minute))
	h.waitScheduled(id, "o-li", start.Add(20*time.Minute))
	h.advanceTo(start.Add(20 * time.Minute))
	h.eventually("one notice naming both", func() bool {
		ms := h.srv.Messages(uWu)
		if len(ms) == 0 {
			return false
		}
		last := ms[len(ms)-1]
		return strings.Contains(last.Text, "2 人未应答") && strings.Contains(last.Text, "张明") && strings.Contains(last.Text, "李芳")
	})
	notices := h.messages(uWu, "叫应升级")
	notice := notices[len(notices)-1]

	// Someone else cannot press the unit head's button.
	if toast := h.press(uZhang, notice, button(t, notice, "我来处理")); !strings.Contains(toast.Text, "不是发给您的") {
		t.Errorf("foreign press toast = %q", toast.Text)
	}
	h.clk.Advance(2 * time.Minute)
	toast := h.press(uWu, notice, button(t, notice, "我来处理"))
	if toast.Text != "已接手 2 人的叫应" {
		t.Errorf("toast = %q", toast.Text)
	}
	h.waitMsg(uZhang, "吴敏 已于 08:22 接手处理")
	h.waitMsg(uLi, "吴敏 已于 08:22 接手处理")
	for _, o := range []string{"o-zhang", "o-li"} {
		r := h.recipient(id, o)
		if r.State != "acked" || r.AckedBy != "o-wu" || r.NextAt != nil {
			t.Errorf("%s after take-over = %+v", o, r)
		}
	}
	if a := h.alert(id); a.State != "done" || a.Answered != 2 {
		t.Errorf("alert after take-over: state %s answered %d", a.State, a.Answered)
	}
	// The chain stopped: the 分管领导 and principal hear nothing.
	h.advanceTo(start.Add(2 * time.Hour))
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uLiu, "叫应升级")) + len(h.messages(uHe, "叫应升级")); n != 0 {
		t.Errorf("%d escalations after the unit head took over", n)
	}
	// A second press changes nothing.
	if toast := h.press(uWu, notice, button(t, notice, "我来处理")); !strings.Contains(toast.Text, "已结束") {
		t.Errorf("second press toast = %q", toast.Text)
	}
}

func TestUnreachableRecipientEscalatedAtOnce(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uWu)
	h.bind(uAdmin)
	h.bind(uZhang)

	// 李芳 never bound the bot.
	id := h.createAlert("red", "暴雨红色预警", `{"officials":["o-li"]}`)
	h.waitMsg(uWu, "叫应升级", "李芳（应急办）", "无法送达")
	h.waitMsg(uAdmin, "无法联系：李芳（应急办）", "原因：尚未绑定机器人")
	r := h.recipient(id, "o-li")
	if r.State != "unreachable" || len(r.Escalations) != 1 || r.Escalations[0].To != "unit_head" || !r.Escalations[0].At.Equal(start) {
		t.Fatalf("unbound recipient = %+v", r)
	}
	// The later steps keep their spacing: 分管领导 10 minutes on.
	h.waitScheduled(id, "o-li", start.Add(10*time.Minute))

	// 张明 blocked the bot: Telegram answers 403 and he is escalated too.
	h.srv.Block(uZhang)
	id2 := h.createAlert("red", "山洪红色预警", `{"officials":["o-zhang"]}`)
	h.waitMsg(uWu, "山洪红色预警", "张明（应急办）", "无法送达")
	h.waitMsg(uAdmin, "无法联系：张明", "山洪红色预警")
	h.eventually("张明 unreachable", func() bool { return h.recipient(id2, "o-zhang").State == "unreachable" })
	// Once known blocked, the next alert escalates without trying.
	sent := h.srv.Stats().Forbidden
	id3 := h.createAlert("blue", "例行测试", `{"officials":["o-zhang"]}`)
	h.waitMsg(uWu, "例行测试", "张明")
	if r := h.recipient(id3, "o-zhang"); r.State != "unreachable" {
		t.Errorf("third alert state = %s", r.State)
	}
	if got := h.srv.Stats().Forbidden; got != sent {
		t.Errorf("the bot tried a known-blocked chat again (%d → %d 403s)", sent, got)
	}
	// He unblocks the bot and writes to it: alerts reach him again.
	h.srv.Unblock(uZhang)
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "进行中的叫应")
	id4 := h.createAlert("blue", "恢复测试", `{"officials":["o-zhang"]}`)
	h.waitMsg(uZhang, "恢复测试")
	if r := h.recipient(id4, "o-zhang"); r.State != "pending" {
		t.Errorf("after unblocking state = %s", r.State)
	}
}

func TestForgedAndForeignPressesChangeNothing(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uLi, uDuty} {
		h.bind(u)
	}
	id := h.createAlert("yellow", "道路结冰黄色预警", `{"officials":["o-zhang","o-li"]}`)
	mz := h.waitMsg(uZhang, "道路结冰")
	ml := h.waitMsg(uLi, "道路结冰")
	zhangData := button(t, mz, "收到")

	tests := []struct {
		name string
		user int64
		msg  *struct{}
		data string
		want string
	}{
		{"someone else's button data", uLi, nil, zhangData, "不是发给您的"},
		{"garbled", uLi, nil, "ack:" + id, "无效的按钮数据"},
		{"nonsense", uLi, nil, "💥", "无效的按钮数据"},
		{"unknown alert", uLi, nil, "ack:20991231-9999:o-li", "无效的按钮数据"},
		{"not a recipient", uDuty, nil, "ack:" + id + ":o-duty", "不是发给您的"},
		{"staff may not close", uLi, nil, "cls:" + id, "没有此操作的权限"},
		{"unbound stranger", uStranger, nil, "ack:" + id + ":o-li", "not bound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			target := ml
			if tt.user == uDuty || tt.user == uStranger {
				target = ml
			}
			a := h.press(tt.user, target, tt.data)
			if !strings.Contains(a.Text, tt.want) {
				t.Errorf("toast = %q, want it to contain %q", a.Text, tt.want)
			}
		})
	}
	for _, o := range []string{"o-zhang", "o-li"} {
		if r := h.recipient(id, o); r.State != "pending" || r.AckedBy != "" {
			t.Errorf("%s changed: %+v", o, r)
		}
	}
	// The addressee's own press counts once; a second press says so.
	if a := h.press(uLi, ml, button(t, ml, "收到")); a.Text != "已确认收到（08:00）" {
		t.Errorf("own press = %q", a.Text)
	}
	if a := h.press(uLi, ml, button(t, ml, "收到")); a.Text != "您已于 08:00 确认过。" {
		t.Errorf("second press = %q", a.Text)
	}
	// Closed by the duty leader: a late press is refused.
	code, _ := h.apiDo("POST", "/api/v1/alerts/"+id+"/close", testAPIToken, "")
	if code != 200 {
		t.Fatalf("close: %d", code)
	}
	if a := h.press(uZhang, mz, zhangData); !strings.Contains(a.Text, "已结束") {
		t.Errorf("press after close = %q", a.Text)
	}
	h.waitMsg(uZhang, "叫应已于 08:00 结束")
	r := h.recipient(id, "o-zhang")
	if r.State != "pending" || r.NextAt != nil {
		t.Errorf("after close 张明 = %+v", r)
	}
	// A closed alert sends nothing more.
	h.clk.Advance(time.Hour)
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uZhang, "第二次叫应")); n != 0 {
		t.Errorf("reminder after close")
	}
}
