package app_test

import (
	"strings"
	"testing"
	"time"

	"dutybot/roster"
	"dutybot/storage"
)

// newFlowHarness is a town with weather warnings (for the 熔断 count) and
// two shifts ending December 2, 08:00 (for the 交接班 note).
func newFlowHarness(t *testing.T) *harness {
	h := newWeatherHarness(t)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uAdmin} {
		h.bind(u)
	}
	return h
}

// flowCase starts a flow in a chat and takes it one step; finish sends
// the next step and waits for what shows the flow went on.
type flowCase struct {
	name   string
	chat   int64
	label  string // the flow's name as /cancel and expiry say it
	begin  func(t *testing.T, h *harness)
	finish func(t *testing.T, h *harness)
}

func flowCases() []flowCase {
	return []flowCase{
		{name: "alert", chat: uDuty, label: "发布叫应",
			begin: func(t *testing.T, h *harness) {
				h.srv.SendText(uDuty, "/alert")
				m := h.waitMsg(uDuty, "发布叫应 1/4")
				h.press(uDuty, m, button(t, m, "红色"))
				h.waitMsg(uDuty, "发布叫应 2/4")
			},
			finish: func(t *testing.T, h *harness) {
				m := h.waitMsg(uDuty, "发布叫应 2/4")
				h.press(uDuty, m, button(t, m, "全体人员"))
				h.press(uDuty, m, button(t, m, "下一步"))
				h.waitMsg(uDuty, "发布叫应 3/4")
				h.srv.SendText(uDuty, "防汛演练")
				h.waitMsg(uDuty, "4/4")
			}},
		{name: "warn", chat: uDuty, label: "发布气象预警",
			begin: func(t *testing.T, h *harness) {
				h.srv.SendText(uDuty, "/warn")
				m := h.waitMsg(uDuty, "发布气象预警 1/5")
				h.press(uDuty, m, button(t, m, "大风"))
				h.waitMsg(uDuty, "发布气象预警 2/5")
			},
			finish: func(t *testing.T, h *harness) {
				m := h.waitMsg(uDuty, "发布气象预警 2/5")
				h.press(uDuty, m, button(t, m, "黄色"))
				m = h.waitMsg(uDuty, "发布气象预警 3/5")
				h.press(uDuty, m, button(t, m, "下一步"))
				h.waitMsg(uDuty, "发布气象预警 4/5")
				h.srv.SendText(uDuty, "阵风8级")
				h.waitMsg(uDuty, "发布气象预警 5/5", "阵风8级")
			}},
		{name: "warn.item", chat: uWu, label: "熔断措施确认",
			begin: func(t *testing.T, h *harness) {
				h.warn(uDuty, "暴雨 红 全镇")
				m := h.waitMsg(uWu, "应急办：请立即落实")
				h.press(uWu, m, button(t, m, "1. 撤离"))
				h.waitMsg(uWu, "请回复【撤离")
			},
			finish: func(t *testing.T, h *harness) {
				h.srv.SendText(uWu, "已撤离 35 人")
				h.waitMsg(uWu, "✅ 已确认：应急办 · 撤离", "35（已撤离 35 人）")
			}},
		{name: "incident", chat: uZhang, label: "事故直报",
			begin: func(t *testing.T, h *harness) {
				h.srv.SendText(uZhang, "/incident")
				h.waitMsg(uZhang, "事故直报 1/10")
				h.srv.SendText(uZhang, "今天 07:50")
				h.waitMsg(uZhang, "事故直报 2/10", "事故地点")
			},
			finish: func(t *testing.T, h *harness) {
				h.srv.SendText(uZhang, "含谷镇金凤路口")
				h.waitMsg(uZhang, "事故直报 3/10", "事故单位")
			}},
		{name: "tip", chat: uLi, label: "隐患举报",
			begin: func(t *testing.T, h *harness) {
				h.srv.SendText(uLi, "/tip new")
				h.waitMsg(uLi, "隐患举报 1/4")
			},
			finish: func(t *testing.T, h *harness) {
				h.srv.SendText(uLi, "厂区消防栓损坏")
				h.waitMsg(uLi, "隐患举报 2/4")
			}},
		{name: "handover", chat: uZhang, label: "交接班记录",
			begin: func(t *testing.T, h *harness) {
				h.importShifts(duty(day(1, 8), 24, roster.Daily, "o-liu", "o-zhang"),
					duty(day(2, 8), 24, roster.Daily, "o-he", "o-li"))
				h.advanceTo(day(2, 8))
				ask := h.waitButton(uZhang, "✍️ 填写交接班记录")
				h.press(uZhang, ask, button(t, ask, "交接班"))
				h.waitMsg(uZhang, "请直接发送交接班记录")
			},
			finish: func(t *testing.T, h *harness) {
				h.srv.SendText(uZhang, "夜间巡查正常")
				h.waitMsg(uZhang, "交接班记录已保存，并已转交下一班")
			}},
	}
}

// TestFlowsResumeAfterARestart: a flow half done when the bot stops goes
// on from where it was when it starts again.
func TestFlowsResumeAfterARestart(t *testing.T) {
	for _, fc := range flowCases() {
		t.Run(fc.name, func(t *testing.T) {
			h := newFlowHarness(t)
			fc.begin(t, h)
			h.restart()
			fc.finish(t, h)
		})
	}
}

// TestCancelEndsEachFlow: /cancel ends whichever flow the chat is in,
// the 交接班 wait included, and says which; the next text is ordinary.
func TestCancelEndsEachFlow(t *testing.T) {
	h := newFlowHarness(t)
	for _, fc := range flowCases() {
		t.Run(fc.name, func(t *testing.T) {
			h := h.on(t)
			fc.begin(t, h)
			h.srv.SendText(fc.chat, "/cancel")
			h.waitMsg(fc.chat, "已取消“"+fc.label+"”")
			hints := len(h.messages(fc.chat, "如需操作请使用命令"))
			h.srv.SendText(fc.chat, "35")
			h.eventually("the text after /cancel answered as ordinary text", func() bool {
				return len(h.messages(fc.chat, "如需操作请使用命令")) == hints+1
			})
		})
	}
	var n int
	if err := h.app.DB.View(func(tx *storage.Tx) error { n = tx.ConversationCount(); return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d conversations left after every flow was cancelled", n)
	}
}

// TestFlowsExpireClearly: a flow left past its lifetime, across a
// restart, says it ended and how to start again, and records nothing.
func TestFlowsExpireClearly(t *testing.T) {
	tests := []struct {
		name, start, reply, again string
		idle                      time.Duration
	}{
		{"alert", "/alert", "“发布叫应”已超过 60 分钟未继续", "/alert", 61 * time.Minute},
		{"incident", "/incident", "“事故直报”已超过 120 分钟未继续", "/incident", 121 * time.Minute},
		{"warn", "/warn", "“发布气象预警”已超过 60 分钟未继续", "/warn", 61 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFlowHarness(t)
			h.srv.SendText(uDuty, tt.start)
			h.waitMsg(uDuty, "1/")
			h.restart()
			h.clk.Advance(tt.idle)
			h.srv.SendText(uDuty, "今天 07:50")
			m := h.waitMsg(uDuty, tt.reply, "刚才的消息没有记录", tt.again)
			if strings.Contains(m.Text, "2/") {
				t.Errorf("the expired flow went on: %q", m.Text)
			}
			h.srv.SendText(uDuty, "今天 07:50")
			h.eventually("a second text is ordinary", func() bool { return len(h.messages(uDuty, "如需操作请使用命令")) == 1 })
		})
	}
}

// TestStartingAFlowSaysWhatEnded: a flow begun while another waits ends
// that one and says so once.
func TestStartingAFlowSaysWhatEnded(t *testing.T) {
	h := newFlowHarness(t)
	h.srv.SendText(uDuty, "/warn")
	h.waitMsg(uDuty, "发布气象预警 1/5")
	h.srv.SendText(uDuty, "/alert")
	h.waitMsg(uDuty, "未完成的“发布气象预警”已结束")
	h.waitMsg(uDuty, "发布叫应 1/4")
	h.srv.SendText(uDuty, "/alert") // the same flow again: nothing ended to speak of
	h.eventually("the second /alert asked again", func() bool { return len(h.messages(uDuty, "发布叫应 1/4")) == 2 })
	if n := len(h.messages(uDuty, "已结束")); n != 1 {
		t.Errorf("%d messages say a flow ended, want 1", n)
	}
}
