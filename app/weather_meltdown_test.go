package app_test

import (
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/storage"
)

// boardMsg waits for the live board of a warning in chat whose text
// contains parts.
func (h *harness) boardMsg(chat int64, id string, parts ...string) fakeapi.Message {
	h.t.Helper()
	return h.waitMsg(chat, append([]string{"📋 熔断看板", "#" + id}, parts...)...)
}

func TestMeltdownChecklistConfirmationsFillTheBoard(t *testing.T) {
	h := newWeatherHarness(t)
	for _, u := range []int64{uZhang, uWu, uDuty, uChen, uAdmin, uLiu} {
		h.bind(u)
	}
	id := h.warn(uDuty, "暴雨 红 全镇 三小时降雨量将超过100毫米")
	h.waitMsg(uDuty, "熔断清单 4 项已发往各责任单位")

	yjb := h.waitMsg(uWu, "🛑 熔断 · 暴雨红色预警 #"+id, "应急办：请立即落实", "08:30 前",
		"1. ⏳ 撤离：转移撤离危险区域群众（需报数量）", "2. ⏳ 停止：停止户外作业（需报数量）")
	if got := labels(yjb); len(got) != 2 || got[0] != "✅ 确认 1. 撤离" || got[1] != "✅ 确认 2. 停止" {
		t.Fatalf("应急办 buttons = %q", got)
	}
	cgdd := h.waitMsg(uChen, "🛑 熔断", "城管大队：请立即落实", "1. ⏳ 停止：停止户外作业", "2. ⏳ 禁止：禁止车辆驶入涉水路段")
	board := h.boardMsg(uDuty, id, "已落实 0/4 项", "【应急办】", "⏳ 撤离 转移撤离危险区域群众", "【城管大队】",
		"⏳ 禁止 禁止车辆驶入涉水路段", "⏰ 08:30 前未落实的将向责任单位叫应")
	if n := len(h.messages(uZhang, "🛑 熔断")); n != 0 {
		t.Errorf("staff of a unit with a head got %d checklists", n)
	}
	if n := len(h.messages(uLiu, "熔断看板")); n != 0 {
		t.Errorf("a leader who is neither issuer nor duty leader got %d boards", n)
	}

	// 陈杰 (城管大队) cannot confirm 应急办's items, even with forged data
	// in his own chat; nothing changes.
	evacuate := button(t, yjb, "1. 撤离")
	own := h.waitMsg(uChen, "城管大队：请立即落实")
	if a := h.press(uChen, own, evacuate); !a.ShowAlert || !strings.Contains(a.Text, "这是应急办的措施") {
		t.Errorf("foreign press = %+v", a)
	}
	if a := h.press(uChen, own, "wc:"+id+":99"); !strings.Contains(a.Text, "无效") {
		t.Errorf("unknown item press = %+v", a)
	}
	if a := h.press(uChen, own, "wc:"+id+":x"); !strings.Contains(a.Text, "无效") {
		t.Errorf("garbled item press = %+v", a)
	}
	h.srv.SendText(uChen, "35")
	h.waitMsg(uChen, "如需操作请使用命令") // no prompt was opened by the refused presses

	// 吴敏 confirms the evacuation with a count; a bad count is asked again.
	h.clk.Advance(4 * time.Minute)
	if a := h.press(uWu, yjb, evacuate); a.Text != "请回复数量" {
		t.Errorf("confirm press toast = %q", a.Text)
	}
	h.waitMsg(uWu, "请回复【撤离：转移撤离危险区域群众】的数量")
	h.srv.SendText(uWu, "大概三十多人")
	h.waitMsg(uWu, "请回复一个数量")
	h.srv.SendText(uWu, "35 已全部撤离")
	h.waitMsg(uWu, "✅ 已确认：应急办 · 撤离：转移撤离危险区域群众 — 35（已全部撤离）")
	b := h.boardMsg(uDuty, id, "已落实 1/4 项", "✅ 撤离 转移撤离危险区域群众 — 35（已全部撤离） · 吴敏 08:04")
	if b.ID != board.ID || b.Edits == 0 {
		t.Errorf("the board should be edited in place: message %d (edits %d), first board %d", b.ID, b.Edits, board.ID)
	}
	yjb = h.waitMsg(uWu, "应急办：请立即落实", "1. ✅ 撤离：转移撤离危险区域群众 — 35（已全部撤离） · 吴敏 08:04")
	if got := labels(yjb); len(got) != 1 || got[0] != "✅ 确认 2. 停止" {
		t.Errorf("应急办 buttons after confirming 1 = %q", got)
	}
	// Pressing the confirmed item again changes nothing.
	if a := h.press(uWu, yjb, evacuate); a.Text != "已由 吴敏 于 08:04 确认。" {
		t.Errorf("second press = %q", a.Text)
	}

	// 陈杰 confirms the forbid item without a note, then the stop with
	// "12处".
	h.clk.Advance(2 * time.Minute)
	cgdd = h.waitMsg(uChen, "城管大队：请立即落实")
	if a := h.press(uChen, cgdd, button(t, cgdd, "2. 禁止")); a.Text != "请回复备注，或直接确认" {
		t.Errorf("note press toast = %q", a.Text)
	}
	ask := h.waitMsg(uChen, "【禁止：禁止车辆驶入涉水路段】可回复落实情况备注")
	h.press(uChen, ask, button(t, ask, "直接确认"))
	h.waitMsg(uChen, "✅ 已确认：城管大队 · 禁止：禁止车辆驶入涉水路段 — 已落实")
	h.press(uChen, cgdd, button(t, cgdd, "1. 停止"))
	h.waitMsg(uChen, "请回复【停止：停止户外作业】的数量")
	h.srv.SendText(uChen, "12处")
	h.waitMsg(uChen, "✅ 已确认：城管大队 · 停止：停止户外作业 — 12")
	h.boardMsg(uDuty, id, "已落实 3/4 项", "✅ 停止 停止户外作业 — 12 · 陈杰 08:06", "✅ 禁止 禁止车辆驶入涉水路段 — 已落实 · 陈杰 08:06")
	h.waitMsg(uChen, "城管大队：请立即落实", "全部措施已落实")

	// An admin may confirm for a unit; /warn board sends the board again.
	h.srv.SendText(uAdmin, "/warn board")
	adminBoard := h.boardMsg(uAdmin, id, "已落实 3/4 项")
	h.srv.Press(uAdmin, uAdmin, adminBoard.ID, "wc:"+id+":2")
	h.waitMsg(uAdmin, "请回复【停止：停止户外作业】的数量")
	h.srv.SendText(uAdmin, "0 无户外作业")
	h.waitMsg(uAdmin, "✅ 已确认：应急办 · 停止：停止户外作业 — 0（无户外作业）")
	h.boardMsg(uDuty, id, "已落实 4/4 项", "✅ 全部措施已落实")
	h.boardMsg(uAdmin, id, "已落实 4/4 项")

	w := h.warning(id)
	if !w.Meltdown || w.Confirmed != 4 || len(w.Checklist) != 4 {
		t.Fatalf("warning = %+v", w)
	}
	want := []struct {
		unit, action, by, note string
		value                  int
	}{
		{"yjb", "evacuate", "o-wu", "已全部撤离", 35},
		{"yjb", "stop", "o-admin", "无户外作业", 0},
		{"cgdd", "stop", "o-chen", "", 12},
		{"cgdd", "forbid", "o-chen", "", -1},
	}
	for i, it := range w.Checklist {
		wt := want[i]
		if it.Unit != wt.unit || it.Action != wt.action || it.By != wt.by || it.Note != wt.note || it.State != "done" ||
			(wt.value < 0) != (it.Value == nil) || (it.Value != nil && *it.Value != wt.value) {
			t.Errorf("item %d = %+v, want %+v", i+1, it, wt)
		}
	}
	// Nothing is outstanding at the deadline: no unit is called.
	h.advanceTo(start.Add(31 * time.Minute))
	time.Sleep(50 * time.Millisecond)
	for _, u := range []int64{uWu, uChen} {
		if n := len(h.messages(u, "熔断措施未落实")); n != 0 {
			t.Errorf("chat %d got %d overdue calls with nothing outstanding", u, n)
		}
	}
}

func TestMeltdownOutstandingItemsEscalatedAtDeadline(t *testing.T) {
	h := newWeatherHarness(t)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uChen} {
		h.bind(u)
	}
	id := h.warn(uDuty, "暴雨 红 全镇")
	// 城管大队 confirms everything; 应急办 nothing.
	cgdd := h.waitMsg(uChen, "城管大队：请立即落实")
	h.press(uChen, cgdd, button(t, cgdd, "1. 停止"))
	h.waitMsg(uChen, "请回复【停止")
	h.srv.SendText(uChen, "3")
	h.waitMsg(uChen, "✅ 已确认：城管大队 · 停止")
	h.press(uChen, cgdd, button(t, cgdd, "2. 禁止"))
	h.waitMsg(uChen, "可回复落实情况备注")
	h.srv.SendText(uChen, "已设置路障")
	h.waitMsg(uChen, "✅ 已确认：城管大队 · 禁止：禁止车辆驶入涉水路段 — 已设置路障")
	h.boardMsg(uDuty, id, "已落实 2/4 项")

	h.advanceTo(start.Add(30 * time.Minute))
	call := h.waitMsg(uWu, "【熔断措施未落实：应急办（暴雨红色预警）】", "截至 08:30 仍未确认",
		"• 撤离：转移撤离危险区域群众", "• 停止：停止户外作业")
	button(t, call, "收到，立即落实")
	h.boardMsg(uDuty, id, "已落实 2/4 项", "⚠️ 已于 08:30 向未落实的单位叫应：应急办")
	if n := len(h.messages(uChen, "熔断措施未落实")); n != 0 {
		t.Errorf("城管大队 confirmed everything but got %d overdue calls", n)
	}
	mid := warnIDRE.FindStringSubmatch(call.Text)[1]
	a := h.alert(mid)
	if a.Kind != "meltdown" || a.Level != "red" || len(a.Recipients) != 1 || a.Recipients[0].Official != "o-wu" {
		t.Fatalf("meltdown alert = %+v", a)
	}
	// The red policy escalates it: the recipient is the unit head, so the
	// unit_head step is skipped and 刘洋 (分管领导) is told at 15 minutes.
	h.waitScheduled(mid, "o-wu", start.Add(35*time.Minute))
	h.advanceTo(start.Add(35 * time.Minute))
	h.waitScheduled(mid, "o-wu", start.Add(40*time.Minute))
	h.advanceTo(start.Add(40 * time.Minute))
	h.waitScheduled(mid, "o-wu", start.Add(45*time.Minute))
	h.advanceTo(start.Add(45 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "熔断措施未落实：应急办", "吴敏")

	// Confirming the last item closes the unit's alert.
	yjb := h.waitMsg(uWu, "应急办：请立即落实")
	h.press(uWu, yjb, button(t, yjb, "1. 撤离"))
	h.waitMsg(uWu, "请回复【撤离")
	h.srv.SendText(uWu, "8")
	h.waitMsg(uWu, "✅ 已确认：应急办 · 撤离")
	if s := h.alert(mid).State; s != "open" {
		t.Errorf("meltdown alert state with one item left = %s", s)
	}
	h.press(uWu, yjb, button(t, yjb, "2. 停止"))
	h.waitMsg(uWu, "请回复【停止")
	h.srv.SendText(uWu, "2")
	h.waitMsg(uWu, "✅ 已确认：应急办 · 停止")
	h.eventually("the meltdown alert closed", func() bool { return h.alert(mid).State == "closed" })
	if a := h.alert(mid); a.ClosedBy != "o-wu" {
		t.Errorf("closed by %q", a.ClosedBy)
	}
	h.boardMsg(uDuty, id, "已落实 4/4 项", "✅ 全部措施已落实")
}

func TestMeltdownDeadlineSurvivesRestart(t *testing.T) {
	h := newWeatherHarness(t)
	for _, u := range []int64{uWu, uDuty, uChen} {
		h.bind(u)
	}
	id := h.warn(uDuty, "暴雨 红 全镇")
	board := h.boardMsg(uDuty, id, "已落实 0/4 项")
	yjb := h.waitMsg(uWu, "应急办：请立即落实")
	// The count is asked before the restart and given after it.
	h.press(uWu, yjb, button(t, yjb, "1. 撤离"))
	h.waitMsg(uWu, "请回复【撤离")
	h.eventually("the board's delivery recorded", func() bool {
		var n storage.View
		_ = h.app.DB.View(func(tx *storage.Tx) error {
			n, _ = tx.View("board/"+id, "o-duty")
			return nil
		})
		return n.MessageID == board.ID
	})

	h.restart()
	h.srv.SendText(uWu, "20")
	h.waitMsg(uWu, "✅ 已确认：应急办 · 撤离：转移撤离危险区域群众 — 20")
	b := h.boardMsg(uDuty, id, "已落实 1/4 项")
	if b.ID != board.ID {
		t.Errorf("after the restart the board was sent anew (%d) instead of edited (%d)", b.ID, board.ID)
	}
	h.advanceTo(start.Add(30 * time.Minute))
	h.waitMsg(uWu, "【熔断措施未落实：应急办（暴雨红色预警）】", "• 停止：停止户外作业")
	call := h.waitMsg(uChen, "【熔断措施未落实：城管大队（暴雨红色预警）】", "• 停止：停止户外作业", "• 禁止：禁止车辆驶入涉水路段")
	if strings.Contains(h.messages(uWu, "熔断措施未落实")[0].Text, "撤离") {
		t.Errorf("the confirmed item is listed as outstanding")
	}
	button(t, call, "收到，立即落实")
	h.boardMsg(uDuty, id, "向未落实的单位叫应：应急办、城管大队")
	// The deadline fired once: a second restart raises nothing more.
	h.restart()
	h.advanceTo(start.Add(40 * time.Minute))
	time.Sleep(50 * time.Millisecond)
	h.waitMsg(uChen, "第二次叫应", "【熔断措施未落实") // the alert's own reminder at 08:35
	calls := 0
	for _, m := range h.messages(uChen, "【熔断措施未落实") {
		if strings.HasPrefix(m.Text, "📣 叫应") {
			calls++
		}
	}
	if calls != 1 {
		t.Errorf("城管大队 got %d overdue calls, want 1", calls)
	}
}
