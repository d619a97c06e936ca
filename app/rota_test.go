package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/weather"
)

// newRotaHarness is the test town without overdue-task alerts, whose
// escalations would mingle with the roster's.
func newRotaHarness(t *testing.T, extra ...string) *harness {
	return newHarness(t, harnessOpts{edit: func(y string) string {
		return y + "\ntasks:\n  overdue_level: \"off\"\n" + strings.Join(extra, "")
	}})
}

// day returns hour:00 on a day of December 2026 (November 30 is day 0).
func day(d, hour int) time.Time {
	return time.Date(2026, 12, d, hour, 0, 0, 0, start.Location())
}

// duty builds a shift of hours hours from start, led by leader.
func duty(from time.Time, hours int, kind, leader string, staff ...string) roster.Shift {
	return roster.Shift{Start: from, End: from.Add(time.Duration(hours) * time.Hour), Leader: leader, Staff: staff,
		Place: "镇政府值班室", Phone: "023-65000000", Kind: kind}
}

// importShifts stores shifts as an admin's import would.
func (h *harness) importShifts(shifts ...roster.Shift) {
	h.t.Helper()
	if _, err := h.app.Rota.Import(shifts, "o-admin", "test.xlsx"); err != nil {
		h.t.Fatalf("import: %v", err)
	}
}

// events returns the logged events of the given types, oldest first.
func (h *harness) events(types ...string) []storage.Event {
	h.t.Helper()
	var out []storage.Event
	err := h.app.DB.View(func(tx *storage.Tx) error {
		all, err := tx.Events(0, 1<<30)
		for _, e := range all {
			if slices.Contains(types, e.Type) {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// eventsFor returns the events of a type concerning an official.
func (h *harness) eventsFor(typ, official string) []storage.Event {
	var out []storage.Event
	for _, e := range h.events(typ) {
		if e.Official == official {
			out = append(out, e)
		}
	}
	return out
}

// checkin returns the id of a shift's check-in alert, waiting for it.
func (h *harness) checkin(shiftID string) string {
	h.t.Helper()
	var id string
	h.eventually("check-in of "+shiftID, func() bool {
		a, ok := h.app.Engine.Linked("checkin:" + shiftID)
		id = a.ID
		return ok
	})
	return id
}

// storedShift loads a shift.
func (h *harness) storedShift(id string) rota.Shift {
	h.t.Helper()
	var sh rota.Shift
	if err := h.app.DB.View(func(tx *storage.Tx) error {
		var err error
		sh, err = rota.LoadShift(tx, id)
		return err
	}); err != nil {
		h.t.Fatalf("shift %s: %v", id, err)
	}
	return sh
}

// quiet lets the app run a moment and checks that chat got no message
// containing s.
func (h *harness) quiet(chat int64, s string) {
	h.t.Helper()
	time.Sleep(60 * time.Millisecond)
	if ms := h.messages(chat, s); len(ms) != 0 {
		h.t.Fatalf("chat %d got %q too early: %q", chat, s, ms[0].Text)
	}
}

// A holiday shift: its people are reminded the day before at 16:00 and
// 30 minutes before the start, with everything they need; at the start
// they must check in; whoever stays silent is escalated to the 带班领导
// at +15m, the office head at +30m and the principal at +45m; at the end
// the check-in closes and the handover note is asked for.
func TestShiftRemindersCheckinAndEscalation(t *testing.T) {
	h := newRotaHarness(t)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe} {
		h.bind(u)
	}
	h.importShifts(duty(day(1, 8), 24, roster.Holiday, "o-liu", "o-zhang", "o-li"))
	const id = "20261201-0800"

	h.advanceTo(day(0, 15).Add(59 * time.Minute))
	h.quiet(uZhang, "值班提醒")
	h.advanceTo(day(0, 16))
	m := h.waitMsg(uZhang, "📅 值班提醒：您明天值班（值班人员）", "12-01（周二）08:00–次日08:00",
		"带班领导：刘洋（党政办）13800000004", "张明（应急办）13800000001；李芳（应急办）13800000002",
		"值班地点：镇政府值班室", "值班电话：023-65000000", "类型：节假日值班")
	if len(m.Inline) != 0 {
		t.Errorf("a reminder has buttons: %v", m.Inline)
	}
	h.waitMsg(uLiu, "您明天值班（带班领导）")
	h.waitMsg(uLi, "您明天值班（值班人员）")
	h.eventually("three reminders logged", func() bool { return len(h.events(rota.EvShiftReminded)) == 3 })
	for _, e := range h.events(rota.EvShiftReminded) {
		if !e.At.Equal(day(0, 16)) || e.Actor != "system" || !strings.Contains(e.Detail, id) {
			t.Errorf("reminder event = %+v", e)
		}
	}

	h.advanceTo(day(1, 7).Add(29 * time.Minute))
	h.quiet(uZhang, "将于 08:00 开始")
	h.advanceTo(day(1, 7).Add(30 * time.Minute))
	h.waitMsg(uZhang, "⏰ 值班提醒：您的值班将于 08:00 开始（值班人员）", "镇政府值班室")
	h.quiet(uZhang, "到岗签到 ·")

	h.advanceTo(day(1, 8))
	call := h.waitButton(uZhang, "✅ 到岗签到")
	for _, want := range []string{"到岗签到 · 12-01（周二）08:00–次日08:00", "请于 08:15 前", "刘洋（党政办）13800000004"} {
		if !strings.Contains(call.Text, want) {
			t.Errorf("check-in call lacks %q:\n%s", want, call.Text)
		}
	}
	alert := h.checkin(id)
	liCall := h.waitButton(uLi, "✅ 到岗签到")
	liuCall := h.waitButton(uLiu, "✅ 到岗签到")
	for _, o := range []string{"o-zhang", "o-li", "o-liu"} {
		h.waitScheduled(alert, o, day(1, 8).Add(15*time.Minute))
	}

	// 李芳 checks in at 08:03: her message says so and the log has it.
	h.advanceTo(day(1, 8).Add(3 * time.Minute))
	if toast := h.press(uLi, liCall, button(t, liCall, "到岗签到")); toast.Text != "已确认收到（08:03）" {
		t.Errorf("check-in toast = %q", toast.Text)
	}
	h.eventually("李芳's call edited", func() bool {
		cur := h.latest(uLi, liCall.ID)
		return strings.Contains(cur.Text, "已于 08:03 确认收到") && len(cur.Inline) == 0
	})
	h.eventually("checked_in logged", func() bool { return len(h.eventsFor(rota.EvCheckedIn, "o-li")) == 1 })
	if e := h.eventsFor(rota.EvCheckedIn, "o-li")[0]; !e.At.Equal(day(1, 8).Add(3*time.Minute)) || e.Actor != "o-li" || e.Alert != alert {
		t.Errorf("checked_in event = %+v", e)
	}
	// 张明 cannot check in for 刘洋.
	if toast := h.press(uZhang, liuCall, button(t, liuCall, "到岗签到")); !strings.Contains(toast.Text, "不是发给您的") {
		t.Errorf("foreign check-in toast = %q", toast.Text)
	}
	h.advanceTo(day(1, 8).Add(5 * time.Minute))
	h.press(uLiu, liuCall, button(t, liuCall, "到岗签到"))
	h.eventually("刘洋 checked in", func() bool { return len(h.eventsFor(rota.EvCheckedIn, "o-liu")) == 1 })

	// 张明 stays silent: 带班领导 at 08:15, office head (应急办 吴敏) at
	// 08:30, principal 何军 at 08:45.
	h.advanceTo(day(1, 8).Add(14 * time.Minute))
	h.quiet(uLiu, "叫应升级")
	h.advanceTo(day(1, 8).Add(15 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "到岗签到 · 12-01", "张明（应急办），08:00 起")
	h.waitScheduled(alert, "o-zhang", day(1, 8).Add(30*time.Minute))
	if n := len(h.messages(uWu, "叫应升级")); n != 0 {
		t.Errorf("office head told %d times before 08:30", n)
	}
	h.advanceTo(day(1, 8).Add(30 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "张明（应急办）")
	h.waitScheduled(alert, "o-zhang", day(1, 8).Add(45*time.Minute))
	h.advanceTo(day(1, 8).Add(45 * time.Minute))
	h.waitMsg(uHe, "叫应升级", "张明（应急办）")
	h.eventually("chain finished", func() bool {
		r := h.recipient(alert, "o-zhang")
		return len(r.Escalations) == 3 && r.NextAt == nil
	})
	want := []struct {
		person string
		at     time.Duration
	}{{"o-liu", 15 * time.Minute}, {"o-wu", 30 * time.Minute}, {"o-he", 45 * time.Minute}}
	for i, e := range h.recipient(alert, "o-zhang").Escalations {
		if len(e.People) != 1 || e.People[0] != want[i].person || !e.At.Equal(day(1, 8).Add(want[i].at)) {
			t.Errorf("escalation %d = %+v, want %+v", i, e, want[i])
		}
	}
	// The checked-in people were not escalated.
	if r := h.recipient(alert, "o-li"); len(r.Escalations) != 0 {
		t.Errorf("李芳 escalated after checking in: %+v", r.Escalations)
	}

	// /duty shows the shift with check-ins.
	h.srv.SendText(uWu, "/duty")
	h.waitMsg(uWu, "📋 当前值班", "刘洋（党政办）13800000004 ✅ 08:05 签到", "李芳（应急办）13800000002 ✅ 08:03 签到",
		"张明（应急办）13800000001 ⏳ 未签到", "值班电话：023-65000000", "暂无后续班次")

	// The end closes the check-in and asks for the handover note.
	h.advanceTo(day(2, 8))
	h.eventually("张明's call closed", func() bool {
		return strings.Contains(h.latest(uZhang, call.ID).Text, "叫应已于 08:00 结束")
	})
	if a := h.alert(alert); a.State != "closed" {
		t.Errorf("check-in after the end: %s", a.State)
	}
	for _, u := range []int64{uZhang, uLi, uLiu} {
		h.waitButton(u, "✍️ 填写交接班记录")
	}
	if n := len(h.events(rota.EvHandoverAsked)); n != 1 {
		t.Errorf("%d handover_asked events", n)
	}
}

// Times already past when a roster is imported are skipped, but a shift in
// progress is asked to check in at once.
func TestImportMidShiftChecksInAtOnce(t *testing.T) {
	h := newRotaHarness(t)
	h.bind(uZhang)
	h.bind(uLiu)
	h.importShifts(duty(day(0, 7), 10, roster.Daily, "o-liu", "o-zhang"),
		duty(day(0, 17), 15, roster.Daily, "o-he", "o-li"))
	call := h.waitButton(uZhang, "✅ 到岗签到")
	if !strings.Contains(call.Text, "11-30（周一）07:00–17:00") || !strings.Contains(call.Text, "请于 08:15 前") {
		t.Errorf("late check-in call:\n%s", call.Text)
	}
	h.quiet(uZhang, "值班提醒")
	h.srv.SendText(uZhang, "/duty")
	h.waitMsg(uZhang, "张明（应急办）13800000001 ⏳ 未签到", "⏭ 下一班：11-30（周一）17:00–次日08:00 · 带班 何军 · 值班 李芳")
}

// A restart between the reminders and in the middle of a shift sends
// nothing twice, and importing the same roster again changes nothing.
func TestShiftCycleSurvivesRestartWithoutDuplicates(t *testing.T) {
	h := newRotaHarness(t)
	for _, u := range []int64{uZhang, uLiu, uWu} {
		h.bind(u)
	}
	shifts := []roster.Shift{duty(day(1, 8), 24, roster.Daily, "o-liu", "o-zhang")}
	h.importShifts(shifts...)
	h.restart()
	h.advanceTo(day(0, 16))
	h.waitMsg(uZhang, "您明天值班")
	h.advanceTo(day(1, 8))
	h.waitButton(uZhang, "✅ 到岗签到")
	alert := h.checkin("20261201-0800")
	h.waitScheduled(alert, "o-zhang", day(1, 8).Add(15*time.Minute))

	h.restart()
	h.importShifts(shifts...) // the same file again, mid-shift
	h.advanceTo(day(1, 8).Add(15 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "张明")
	h.waitScheduled(alert, "o-zhang", day(1, 8).Add(30*time.Minute))
	h.restart()
	h.advanceTo(day(1, 8).Add(30 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "张明")
	time.Sleep(60 * time.Millisecond)
	counts := map[string]int{"您明天值班": 1, "将于 08:00 开始": 1, "到岗签到 ·": 1}
	for s, want := range counts {
		if got := len(h.messages(uZhang, s)); got != want {
			t.Errorf("张明 got %d messages with %q, want %d", got, s, want)
		}
	}
	if got := len(h.messages(uLiu, "叫应升级")); got != 1 {
		t.Errorf("刘洋 got %d escalations, want 1", got)
	}
	if n := len(h.events(rota.EvShiftStarted)); n != 1 {
		t.Errorf("%d shift_started events, want 1", n)
	}
}

// At the end of a shift its people write the handover note, which goes to
// the people of the shift starting then; others cannot write it.
func TestHandoverNoteGoesToNextShift(t *testing.T) {
	h := newRotaHarness(t)
	for _, u := range []int64{uZhang, uLi, uLiu, uHe} {
		h.bind(u)
	}
	h.importShifts(duty(day(1, 8), 24, roster.Daily, "o-liu", "o-zhang"),
		duty(day(2, 8), 24, roster.Daily, "o-he", "o-li"))
	h.advanceTo(day(1, 7).Add(59 * time.Minute))
	h.quiet(uZhang, "交接班")
	h.advanceTo(day(2, 8))
	ask := h.waitButton(uZhang, "✍️ 填写交接班记录")
	if !strings.Contains(ask.Text, "12-01（周二）08:00–次日08:00 的值班已结束") {
		t.Errorf("handover ask:\n%s", ask.Text)
	}
	data := button(t, ask, "交接班")
	// 李芳 was not on that shift.
	if toast := h.press(uLi, ask, data); !strings.Contains(toast.Text, "您不在该班次中") {
		t.Errorf("foreign handover press = %q", toast.Text)
	}
	h.srv.SendText(uLi, "随便写点")
	h.waitMsg(uLi, "如需操作请使用命令")

	if toast := h.press(uZhang, ask, data); toast.Text != "请发送交接班记录" {
		t.Errorf("handover toast = %q", toast.Text)
	}
	h.waitMsg(uZhang, "请直接发送交接班记录")
	h.srv.SendText(uZhang, "夜间巡查正常；3号桥积水已处置，需继续关注。")
	h.waitMsg(uZhang, "交接班记录已保存，并已转交下一班：何军、李芳")
	for _, u := range []int64{uLi, uHe} {
		h.waitMsg(u, "🔁 交接班记录（12-01（周二）08:00–次日08:00）", "来自：张明（应急办）", "3号桥积水已处置")
	}
	if n := len(h.messages(uLiu, "🔁 交接班记录")); n != 0 {
		t.Errorf("the note went back to its own shift's leader")
	}
	evs := h.events(rota.EvHandover)
	if len(evs) != 1 || evs[0].Actor != "o-zhang" || !strings.Contains(evs[0].Detail, "20261201-0800 → 20261202-0800") {
		t.Fatalf("handover events = %+v", evs)
	}
	notes, err := h.app.Rota.HandoverNotes("20261201-0800")
	if err != nil || len(notes) != 1 || notes[0].Official != "o-zhang" || !strings.Contains(notes[0].Text, "3号桥") {
		t.Errorf("stored notes = %+v, %v", notes, err)
	}
	// The next text is a plain message again.
	h.srv.SendText(uZhang, "谢谢")
	h.waitMsg(uZhang, "如需操作请使用命令")
}

// An extreme-weather (standby) shift stays silent until a warning turns
// extreme-weather duty mode on; then its people are asked to check in at
// once, and leaders and the principal hear once that duty mode is on.
func TestStandbyShiftActsOnlyInDutyMode(t *testing.T) {
	h := newRotaHarness(t)
	for _, u := range []int64{uZhang, uChen, uLiu, uHe, uWu} {
		h.bind(u)
	}
	h.importShifts(duty(day(1, 8), 24, roster.ExtremeWeather, "o-wu", "o-chen"),
		duty(day(1, 8), 24, roster.Daily, "o-liu", "o-zhang"))
	h.advanceTo(day(1, 8))
	h.waitButton(uZhang, "✅ 到岗签到") // the daily shift runs
	h.quiet(uChen, "值班提醒")
	h.quiet(uChen, "到岗签到")
	h.srv.SendText(uChen, "/duty")
	m := h.waitMsg(uChen, "📋 当前值班", "张明")
	if strings.Contains(m.Text, "陈杰") {
		t.Errorf("/duty shows a standby shift outside duty mode:\n%s", m.Text)
	}

	h.advanceTo(day(1, 10))
	w := weather.Warning{ID: "20261201-0042", Type: "rainstorm", Level: "orange", Issuer: "o-duty", Source: "chat",
		IssuedAt: day(1, 10), State: weather.WarningActive, DutyMode: true}
	h.dutyMode(w, true)
	call := h.waitButton(uChen, "✅ 到岗签到")
	if !strings.Contains(call.Text, "极端天气值班（备勤）") {
		t.Errorf("standby check-in:\n%s", call.Text)
	}
	h.waitButton(uWu, "✅ 到岗签到")
	for _, u := range []int64{uLiu, uHe} {
		h.waitMsg(u, "⚠️ 极端天气值班模式已启动（🟠 橙色预警 #20261201-0042）", "24 小时")
	}
	h.srv.SendText(uChen, "/duty")
	h.waitMsg(uChen, "极端天气值班模式", "陈杰（城管大队）13800000008 ⏳ 未签到", "张明")

	// The same warning again (say it is upgraded): nothing twice.
	w.Level = "red"
	h.dutyMode(w, true)
	time.Sleep(60 * time.Millisecond)
	if n := len(h.messages(uChen, "到岗签到 ·")); n != 1 {
		t.Errorf("standby staff asked %d times", n)
	}
	if n := len(h.messages(uHe, "极端天气值班模式已启动")); n != 1 {
		t.Errorf("principal told %d times", n)
	}
	standby := h.checkin("20261201-0800")
	if standby == "" {
		t.Fatal("no check-in")
	}

	// Lifted: the standby check-in ends; the daily one goes on.
	w.State, w.DutyMode = weather.WarningLifted, false
	h.dutyMode(w, false)
	h.eventually("standby check-in closed", func() bool {
		return strings.Contains(h.latest(uChen, call.ID).Text, "叫应已于 10:00 结束")
	})
	evs := h.events(rota.EvDutyMode)
	if len(evs) != 3 || !strings.HasPrefix(evs[0].Detail, "on:") || !strings.HasPrefix(evs[2].Detail, "off:") || evs[0].Actor != "o-duty" {
		t.Errorf("duty_mode events = %+v", evs)
	}
}

// dutyMode plays the weather service switching duty mode: the warning is
// stored and rota.DutyMode runs in the same transaction.
func (h *harness) dutyMode(w weather.Warning, on bool) {
	h.t.Helper()
	now := h.clk.Now()
	err := h.app.DB.Update(func(tx *storage.Tx) error {
		if err := weather.PutWarning(tx, w); err != nil {
			return err
		}
		return h.app.Rota.DutyMode(tx, w, on, now)
	})
	if err != nil {
		h.t.Fatalf("duty mode %v: %v", on, err)
	}
	h.app.Engine.Committed()
}

// The cycle follows the configuration: other reminder times, a reminder
// step before escalating, and no handover note.
func TestShiftCycleFollowsConfig(t *testing.T) {
	h := newRotaHarness(t, `
roster:
  remind_day_before: "18:30"
  remind_before: 1h
  handover: false
  checkin_escalation:
    - {after: 5m, action: remind}
    - {after: 10m, action: escalate, to: office_head}
`)
	for _, u := range []int64{uZhang, uLiu, uWu} {
		h.bind(u)
	}
	h.importShifts(duty(day(1, 8), 9, roster.Daily, "o-liu", "o-zhang"))
	h.advanceTo(day(0, 18).Add(29 * time.Minute))
	h.quiet(uZhang, "值班提醒")
	h.advanceTo(day(0, 18).Add(30 * time.Minute))
	h.waitMsg(uZhang, "您明天值班", "12-01（周二）08:00–17:00")
	h.advanceTo(day(1, 6).Add(59 * time.Minute))
	h.quiet(uZhang, "将于 08:00 开始")
	h.advanceTo(day(1, 7))
	h.waitMsg(uZhang, "将于 08:00 开始")
	h.advanceTo(day(1, 8))
	h.waitMsg(uZhang, "到岗签到 ·", "请于 08:05 前")
	alert := h.checkin("20261201-0800")
	for _, o := range []string{"o-zhang", "o-liu"} {
		h.waitScheduled(alert, o, day(1, 8).Add(5*time.Minute))
	}
	h.advanceTo(day(1, 8).Add(5 * time.Minute))
	h.waitMsg(uZhang, "第二次叫应", "到岗签到 ·")
	for _, o := range []string{"o-zhang", "o-liu"} {
		h.waitScheduled(alert, o, day(1, 8).Add(10*time.Minute))
	}
	h.advanceTo(day(1, 8).Add(10 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "张明（应急办）")
	h.waitMsg(uWu, "叫应升级", "刘洋（党政办）")
	if n := len(h.messages(uLiu, "叫应升级")); n != 0 {
		t.Errorf("the shift leader was escalated to without a shift_leader step")
	}
	h.advanceTo(day(1, 17))
	h.eventually("shift ended", func() bool { return len(h.events(rota.EvShiftEnded)) == 1 })
	time.Sleep(60 * time.Millisecond)
	if n := len(h.messages(uZhang, "交接班")); n != 0 {
		t.Errorf("handover asked with handover: false")
	}
}
