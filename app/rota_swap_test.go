package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/roster"
	"dutybot/rota"
)

// swapButton waits for the message about swap #id in chat with a button
// labelled label.
func (h *harness) swapButton(chat int64, id, label string) fakeapi.Message {
	h.t.Helper()
	m, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool {
		if m.ChatID != chat || !strings.Contains(m.Text, "#"+id+"：") {
			return false
		}
		for _, row := range m.Inline {
			for _, b := range row {
				if b.Text == label {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("waiting for swap #%s button %q in chat %d: %v", id, label, chat, err)
	}
	return m
}

// ask sends a command and returns the answer: the next message without
// buttons (calls and requests, which have some, may come in between).
func (h *harness) ask(user int64, text string) fakeapi.Message {
	h.t.Helper()
	n := len(h.srv.Messages(user))
	h.srv.SendText(user, text)
	var reply fakeapi.Message
	h.eventually("the answer to "+text, func() bool {
		for _, m := range h.srv.Messages(user)[n:] {
			if len(m.Inline) == 0 {
				reply = m
				return true
			}
		}
		return false
	})
	return reply
}

// A swap: the colleague accepts, the 带班领导 approves, the roster changes
// and its reminders follow the new person; declined, rejected and lapsed
// swaps change nothing; a leader's swap is approved by the office head;
// every bad request and every foreign, stale or forged press is refused.
func TestSwap(t *testing.T) {
	h := newRotaHarness(t)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uAdmin} {
		h.bind(u)
	}
	h.importShifts(
		duty(day(0, 8), 24, roster.Daily, "o-liu", "o-zhang"), // 20261130-0800, in progress
		duty(day(3, 8), 24, roster.Daily, "o-liu", "o-zhang"), // 20261203-0800
		duty(day(3, 8), 12, roster.Daily, "o-he", "o-li"),     // 20261203-0800b
		duty(day(4, 8), 24, roster.Daily, "o-liu", "o-li"),    // 20261204-0800
		duty(day(5, 8), 24, roster.Daily, "o-liu", "o-wu"),    // 20261205-0800
	)

	h.waitButton(uZhang, "✅ 到岗签到") // the shift in progress
	m := h.ask(uZhang, "/swap")
	if !strings.Contains(m.Text, "用法：/swap") || !strings.Contains(m.Text, "20261203-0800 12-03（周四）08:00–次日08:00（值班人员）") ||
		strings.Contains(m.Text, "20261130-0800") {
		t.Errorf("/swap alone:\n%s", m.Text)
	}
	refusals := []struct{ text, want string }{
		{"/swap 2026-12-03", "用法：/swap"},
		{"/swap 2026-12-06 李芳", "您在 2026-12-06 没有班次"},
		{"/swap 20261204-0800 吴敏", "您不在该班次中"},
		{"/swap 20261130-0800 吴敏", "班次 20261130-0800 已开始或已结束"},
		{"/swap 11-30 吴敏", "已开始或已结束"},
		{"/swap abc 吴敏", "无法识别“abc”"},
		{"/swap 2026-12-03 王五", "找不到人员“王五”"},
		{"/swap 2026-12-03 张明", "不能和自己换班"},
		{"/swap 2026-12-03 刘洋", "刘洋 已在该班次中"},
		{"/swap 2026-12-03 李芳", "李芳 在同一时段已有班次（20261203-0800b）"},
		{"/swap 2026-12-03 陈杰", "陈杰 尚未绑定机器人"},
	}
	for _, r := range refusals {
		if m := h.ask(uZhang, r.text); !strings.Contains(m.Text, r.want) {
			t.Errorf("%s = %q, want %q", r.text, m.Text, r.want)
		}
	}
	if n := len(h.events(rota.EvSwapRequested)); n != 0 {
		t.Fatalf("refused requests logged: %d", n)
	}

	// 张明 asks 吴敏 (by phone) to take 12-03; 刘洋 approves.
	if m := h.ask(uZhang, "/swap 2026-12-03 13800000003"); !strings.Contains(m.Text, "换班申请 #1 已发给 吴敏（12-03（周四）08:00–次日08:00）") ||
		!strings.Contains(m.Text, "由 刘洋 审批") {
		t.Errorf("request answer: %q", m.Text)
	}
	if m := h.ask(uZhang, "/swap 2026-12-03 吴敏"); !strings.Contains(m.Text, "待处理的换班申请 #1") {
		t.Errorf("second request: %q", m.Text)
	}
	ask := h.swapButton(uWu, "1", "✅ 接受")
	if !strings.Contains(ask.Text, "张明（应急办）请您代替其担任值班人员") || !strings.Contains(ask.Text, "镇政府值班室") {
		t.Errorf("swap ask:\n%s", ask.Text)
	}
	accept := button(t, ask, "接受")
	if toast := h.press(uLi, ask, accept); !strings.Contains(toast.Text, "不是发给您的换班申请") {
		t.Errorf("foreign accept = %q", toast.Text)
	}
	if toast := h.press(uWu, ask, accept); toast.Text != "已接受，等待审批" {
		t.Errorf("accept toast = %q", toast.Text)
	}
	h.eventually("the ask redrawn", func() bool {
		cur := h.latest(uWu, ask.ID)
		return len(cur.Inline) == 0 && strings.Contains(cur.Text, "您已于 11-30 08:00 接受")
	})
	if toast := h.press(uWu, ask, accept); !strings.Contains(toast.Text, "已处理（已接受，待审批）") {
		t.Errorf("second accept = %q", toast.Text)
	}
	h.waitMsg(uZhang, "吴敏 已接受换班申请 #1", "等待 刘洋 审批")
	approval := h.swapButton(uLiu, "1", "✅ 批准")
	if !strings.Contains(approval.Text, "张明 申请由 吴敏 代替其担任值班人员，吴敏 已同意") {
		t.Errorf("approval ask:\n%s", approval.Text)
	}
	approve := button(t, approval, "批准")
	for _, forged := range []struct {
		user       int64
		data, want string
	}{
		{uZhang, approve, "不是发给您的换班申请"},
		{uWu, approve, "不是发给您的换班申请"},
		{uLiu, "sw:y:99", "无效的按钮数据"},
		{uLiu, "sw:z:1", "无效的按钮数据"},
		{uLiu, "sw:y:", "无效的按钮数据"},
	} {
		if toast := h.press(forged.user, approval, forged.data); !strings.Contains(toast.Text, forged.want) {
			t.Errorf("press %q by %d = %q, want %q", forged.data, forged.user, toast.Text, forged.want)
		}
	}
	if sh := h.storedShift("20261203-0800"); !slices.Equal(sh.Staff, []string{"o-zhang"}) {
		t.Fatalf("the roster changed before approval: %+v", sh)
	}
	h.advanceTo(day(0, 9))
	if toast := h.press(uLiu, approval, approve); toast.Text != "已批准，值班表已更新" {
		t.Errorf("approve toast = %q", toast.Text)
	}
	sh := h.storedShift("20261203-0800")
	if !slices.Equal(sh.Staff, []string{"o-wu"}) || sh.Leader != "o-liu" || sh.Source != "swap:1" ||
		!strings.Contains(sh.Note, "换班#1：张明→吴敏（刘洋批准）") {
		t.Errorf("shift after the swap = %+v", sh)
	}
	for _, u := range []int64{uZhang, uWu, uLiu} {
		h.waitMsg(u, "换班已批准 #1：12-03（周四）08:00–次日08:00 的值班人员由 吴敏 代替 张明，批准人 刘洋",
			"值班人员：吴敏（应急办）13800000003")
	}
	h.eventually("the approval redrawn", func() bool {
		cur := h.latest(uLiu, approval.ID)
		return len(cur.Inline) == 0 && strings.Contains(cur.Text, "已于 11-30 09:00 批准")
	})
	if toast := h.press(uLiu, approval, approve); !strings.Contains(toast.Text, "已处理（已批准）") {
		t.Errorf("second approval = %q", toast.Text)
	}
	want := []struct{ typ, actor, official string }{
		{rota.EvSwapRequested, "o-zhang", "o-wu"},
		{rota.EvSwapAccepted, "o-wu", "o-zhang"},
		{rota.EvSwapApproved, "o-liu", "o-wu"},
	}
	evs := h.events(rota.EvSwapRequested, rota.EvSwapAccepted, rota.EvSwapApproved)
	if len(evs) != len(want) {
		t.Fatalf("swap events = %+v", evs)
	}
	for i, w := range want {
		if e := evs[i]; e.Type != w.typ || e.Actor != w.actor || e.Official != w.official || !strings.Contains(e.Detail, "swap 1: shift 20261203-0800 staff o-zhang → o-wu") {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}

	// 李芳 asks 张明, who declines.
	h.ask(uLi, "/swap 2026-12-04 张明")
	decl := h.swapButton(uZhang, "2", "❌ 拒绝")
	if toast := h.press(uZhang, decl, button(t, decl, "拒绝")); toast.Text != "已拒绝" {
		t.Errorf("decline toast = %q", toast.Text)
	}
	h.waitMsg(uLi, "张明 拒绝了换班申请 #2")

	// 李芳 asks 何军, who accepts; 刘洋 rejects.
	h.ask(uLi, "/swap 20261204-0800 何军")
	acc := h.swapButton(uHe, "3", "✅ 接受")
	h.press(uHe, acc, button(t, acc, "接受"))
	rej := h.swapButton(uLiu, "3", "❌ 驳回")
	if toast := h.press(uLiu, rej, button(t, rej, "驳回")); toast.Text != "已驳回" {
		t.Errorf("reject toast = %q", toast.Text)
	}
	for _, u := range []int64{uLi, uHe} {
		h.waitMsg(u, "换班申请 #3 被 刘洋 驳回", "仍由 李芳 担任值班人员")
	}
	if sh := h.storedShift("20261204-0800"); !slices.Equal(sh.Staff, []string{"o-li"}) || sh.Source != "import:test.xlsx" {
		t.Errorf("shift after declined and rejected swaps = %+v", sh)
	}

	// The 带班领导 swaps: the office head (应急办 吴敏) approves.
	if m := h.ask(uLiu, "/swap 2026-12-05 何军"); !strings.Contains(m.Text, "由 吴敏 审批") {
		t.Errorf("leader's request: %q", m.Text)
	}
	acc = h.swapButton(uHe, "4", "✅ 接受")
	h.press(uHe, acc, button(t, acc, "接受"))
	appr := h.swapButton(uWu, "4", "✅ 批准")
	if !strings.Contains(appr.Text, "代替其担任带班领导") {
		t.Errorf("leader swap approval:\n%s", appr.Text)
	}
	h.press(uWu, appr, button(t, appr, "批准"))
	h.eventually("leader replaced", func() bool { return h.storedShift("20261205-0800").Leader == "o-he" })
	h.waitMsg(uWu, "换班已批准 #4", "带班领导：何军")

	// A request still open when its shift starts lapses.
	h.ask(uLi, "/swap 2026-12-04 吴敏")
	lapsing := h.swapButton(uWu, "5", "✅ 接受")

	// The reminders follow the roster: 吴敏 is reminded of 12-03, 张明 not.
	h.advanceTo(day(2, 16))
	h.waitMsg(uWu, "您明天值班（值班人员）", "12-03（周四）")
	time.Sleep(60 * time.Millisecond)
	if n := len(h.messages(uZhang, "您明天值班")); n != 0 {
		t.Errorf("张明 was reminded of a shift he swapped away")
	}
	h.advanceTo(day(4, 8))
	for _, u := range []int64{uLi, uWu} {
		h.waitMsg(u, "换班申请 #5", "已失效：班次已开始")
	}
	if toast := h.press(uWu, lapsing, button(t, lapsing, "接受")); !strings.Contains(toast.Text, "已处理（已失效）") {
		t.Errorf("press on a lapsed swap = %q", toast.Text)
	}
	if sh := h.storedShift("20261204-0800"); !slices.Equal(sh.Staff, []string{"o-li"}) {
		t.Errorf("a lapsed swap changed the roster: %+v", sh)
	}
	for _, typ := range []string{rota.EvSwapDeclined, rota.EvSwapRejected, rota.EvSwapExpired} {
		if n := len(h.events(typ)); n != 1 {
			t.Errorf("%d %s events", n, typ)
		}
	}
}
