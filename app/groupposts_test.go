package app_test

import (
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/roster"
	"dutybot/storage"
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
	h.eventually("three private reminders logged", func() bool { return len(h.events(storage.EvShiftReminded)) == 3 })

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
