package app_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"dutybot/roster"
	"dutybot/rota"
)

// /roster shows this week by default, a week from a date, a range of
// dates, or a holiday by name from the real calendar (国庆 2026: October
// 1 to 7) or an important date from the configuration.
func TestRosterCommand(t *testing.T) {
	h := newRotaHarness(t, `
roster:
  important_dates:
    - {name: 区安全生产专项检查, from: "2026-12-14", to: "2026-12-15"}
`)
	h.bind(uZhang)
	var shifts []roster.Shift
	// 2026-09-30 to 2026-10-08, the national day holiday and a day either side.
	for d := 0; d < 9; d++ {
		shifts = append(shifts, duty(time.Date(2026, 9, 30+d, 8, 0, 0, 0, start.Location()), 24, roster.Holiday, "o-liu", "o-zhang"))
	}
	// Every day of December and January.
	for d := 0; d < 62; d++ {
		kind := roster.Daily
		if d >= 13 && d <= 14 {
			kind = roster.ImportantDate
		}
		shifts = append(shifts, duty(day(1+d, 8), 24, kind, "o-he", "o-li", "o-zhang"))
	}
	shifts = append(shifts, duty(day(0, 8), 24, roster.Daily, "o-liu", "o-wu"))
	h.importShifts(shifts...)

	tests := []struct {
		args  string
		want  []string
		count int // shift lines
		not   []string
	}{
		{"", []string{"值班表 2026-11-30（周一）至 2026-12-06（周日），共 7 班",
			"11-30（周一）08:00–次日08:00 · 带班 刘洋 · 值班 吴敏", "12-06（周日）08:00–次日08:00 · 带班 何军 · 值班 李芳、张明"}, 7,
			[]string{"12-07"}},
		{"2026-12-03", []string{"2026-12-03（周四）至 2026-12-09（周三），共 7 班", "12-03（周四）", "12-09（周三）"}, 7, []string{"12-02", "12-10"}},
		{"12-03 12-04", []string{"2026-12-03（周四）至 2026-12-04（周五），共 2 班"}, 2, nil},
		{"国庆", []string{"2026-10-01（周四）至 2026-10-07（周三） · 国庆节，共 7 班", "10-01（周四）08:00–次日08:00 · 带班 刘洋 · 值班 张明 · 节假日值班"}, 7,
			[]string{"09-30", "10-08"}},
		{"国庆节 2026", []string{"· 国庆节，共 7 班"}, 7, nil},
		{"专项检查", []string{"2026-12-14（周一）至 2026-12-15（周二） · 区安全生产专项检查，共 2 班", "重要节点值班"}, 2, nil},
		{"春节", []string{"2027-02-05（周五）至 2027-02-13（周六） · 春节，共 0 班", "该时段没有值班安排"}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			h := h.on(t)
			m := h.ask(uZhang, strings.TrimSpace("/roster "+tc.args))
			for _, w := range tc.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("/roster %s lacks %q:\n%s", tc.args, w, m.Text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(m.Text, w) {
					t.Errorf("/roster %s has %q:\n%s", tc.args, w, m.Text)
				}
			}
			if got := strings.Count(m.Text, "\n"); got != tc.count && !(tc.count == 0 && got == 1) {
				t.Errorf("/roster %s: %d lines after the header, want %d:\n%s", tc.args, got, tc.count, m.Text)
			}
		})
	}

	// Two months of parallel shifts are cut safely below Telegram's limit.
	h.srv.SendText(uZhang, "/roster 2026-12-01 2027-01-31")
	m := h.waitMsg(uZhang, "共 62 班", "另有")
	if n := len(utf16.Encode([]rune(m.Text))); n > 4096 {
		t.Errorf("/roster answer has %d characters", n)
	}
	if !strings.HasSuffix(m.Text, "请缩小日期范围。") {
		t.Errorf("cut answer ends %q", m.Text[len(m.Text)-40:])
	}

	bad := []struct{ args, want string }{
		{"2026-13-01", "无法识别日期“2026-13-01”"},
		{"2026-12-09 2026-12-01", "结束日期 2026-12-01 早于开始日期 2026-12-09"},
		{"2026-01-01 2026-12-31", "时间范围太长，最多 62 天"},
		{"元宵", "找不到名为“元宵”的节假日或重要节点"},
		{"2026-12-01 x y", "用法：/roster"},
	}
	for _, b := range bad {
		if m := h.ask(uZhang, "/roster "+b.args); !strings.Contains(m.Text, b.want) {
			t.Errorf("/roster %s = %q, want %q", b.args, m.Text, b.want)
		}
	}
}

// /duty when nobody is on duty says so, and tells the next shift.
func TestDutyWhenNobodyOnDuty(t *testing.T) {
	h := newRotaHarness(t)
	h.bind(uChen)
	h.srv.SendText(uChen, "/duty")
	h.waitMsg(uChen, "当前没有人在值班", "暂无后续班次")
	h.importShifts(duty(day(3, 8), 24, roster.Daily, "o-liu", "o-zhang"))
	h.srv.SendText(uChen, "/duty")
	h.waitMsg(uChen, "当前没有人在值班", "⏭ 下一班：12-03（周四）08:00–次日08:00 · 带班 刘洋 · 值班 张明")
}

// /spotcheck: the 带班领导 checks the staff of their shift within N
// minutes; silence at the first escalation is 脱岗; staff and other
// officials may not spot-check; with nobody on duty nothing is sent.
func TestSpotcheck(t *testing.T) {
	h := newRotaHarness(t)
	for _, u := range []int64{uZhang, uLi, uLiu, uWu, uHe, uAdmin, uDuty} {
		h.bind(u)
	}
	h.importShifts(duty(day(0, 8), 9, roster.Daily, "o-liu", "o-zhang", "o-li"))
	h.waitButton(uZhang, "✅ 到岗签到")

	for _, tc := range []struct {
		user int64
		want string
	}{
		{uZhang, "只有带班领导（包括当前班次的带班领导）"}, // staff
		{uWu, "只有带班领导（包括当前班次的带班领导）"},    // a unit head not leading the shift
		{uLiu, "用法：/spotcheck"},         // bad minutes
	} {
		text := "/spotcheck"
		if tc.user == uLiu {
			text = "/spotcheck 999"
		}
		if m := h.ask(tc.user, text); !strings.Contains(m.Text, tc.want) {
			t.Errorf("%d %s = %q, want %q", tc.user, text, m.Text, tc.want)
		}
	}
	if n := len(h.events(rota.EvSpotcheck)); n != 0 {
		t.Fatalf("refused spot checks logged %d", n)
	}

	h.advanceTo(day(0, 10))
	h.srv.SendText(uLiu, "/spotcheck 5")
	h.waitMsg(uLiu, "已发给 2 人：张明、李芳", "须在 10:05 前回应")
	zc := h.waitButton(uZhang, "✅ 在岗（回应查岗）")
	lc := h.waitButton(uLi, "✅ 在岗（回应查岗）")
	if !strings.Contains(zc.Text, "查岗：请在 5 分钟内回应") || !strings.Contains(zc.Text, "刘洋（党政办）查岗") {
		t.Errorf("spot check call:\n%s", zc.Text)
	}
	if n := len(h.messages(uLiu, "在岗（回应查岗）")); n != 0 {
		t.Error("the leader who checks was spot-checked himself")
	}
	evs := h.events(rota.EvSpotcheck)
	if len(evs) != 1 || evs[0].Actor != "o-liu" {
		t.Fatalf("spotcheck events = %+v", evs)
	}
	id := evs[0].Alert
	h.waitScheduled(id, "o-zhang", day(0, 10).Add(5*time.Minute))
	h.waitScheduled(id, "o-li", day(0, 10).Add(5*time.Minute))
	h.advanceTo(day(0, 10).Add(2 * time.Minute))
	h.press(uLi, lc, button(t, lc, "在岗"))
	h.eventually("answer logged", func() bool { return len(h.eventsFor(rota.EvSpotAnswered, "o-li")) == 1 })

	h.advanceTo(day(0, 10).Add(5 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "查岗", "张明（应急办），10:00 起")
	h.eventually("absent logged", func() bool { return len(h.events(rota.EvAbsent)) == 1 })
	absent := h.events(rota.EvAbsent)[0]
	if absent.Official != "o-zhang" || !absent.At.Equal(day(0, 10).Add(5*time.Minute)) || absent.Alert != id {
		t.Errorf("absent event = %+v", absent)
	}
	// The escalation goes on (scaled: office head at +10m), 脱岗 is
	// recorded once.
	h.waitScheduled(id, "o-zhang", day(0, 10).Add(10*time.Minute))
	h.advanceTo(day(0, 10).Add(10 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "查岗", "张明")
	time.Sleep(30 * time.Millisecond)
	if n := len(h.events(rota.EvAbsent)); n != 1 {
		t.Errorf("%d absent events", n)
	}

	// An admin checks every shift, leader included, with the configured
	// window (10 minutes).
	h.srv.SendText(uAdmin, "/spotcheck")
	h.waitMsg(uAdmin, "已发给 3 人：刘洋、张明、李芳", "须在 10:20 前回应")
	h.waitMsg(uLiu, "查岗：请在 10 分钟内回应")

	// After the shift, nobody is on duty: nothing is sent.
	h.advanceTo(day(0, 18))
	before := len(h.events(rota.EvSpotcheck))
	for _, u := range []int64{uDuty, uHe} {
		h.srv.SendText(u, "/spotcheck")
		h.waitMsg(u, "当前没有需要查岗的值班人员")
	}
	h.srv.SendText(uLiu, "/spotcheck") // no longer leading a shift
	h.waitMsg(uLiu, "只有带班领导（包括当前班次的带班领导）")
	if n := len(h.events(rota.EvSpotcheck)); n != before {
		t.Errorf("spot checks without anyone on duty: %d → %d", before, n)
	}
}

// Every roster command needs a bound official; the privileged ones and the
// buttons check who acts.
func TestRotaCommandsNeedBinding(t *testing.T) {
	h := newRotaHarness(t)
	h.importShifts(duty(day(0, 8), 24, roster.Daily, "o-liu", "o-zhang"))
	for _, cmd := range []string{"/duty", "/roster", "/swap 2026-12-01 李芳", "/spotcheck"} {
		h.advanceTo(h.clk.Now().Add(20 * time.Second)) // a stranger gets 3 answers a minute
		m := h.ask(uStranger, cmd)
		if !strings.Contains(m.Text, "Share my phone number") {
			t.Errorf("%s by a stranger: %q", cmd, m.Text)
		}
	}
	if n := len(h.events(rota.EvSpotcheck, rota.EvSwapRequested)); n != 0 {
		t.Errorf("strangers caused %d events", n)
	}
}
