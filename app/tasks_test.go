package app_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/storage"
)

// tagged gives the test town the unit tags the plan's groups use, so the
// seed's "一岗双责"科室 tasks reach 应急办 and 城管大队.
func tagged(y string) string {
	y = strings.Replace(y, "{id: yjb, name: 应急办, head: o-wu, leader: o-liu}", "{id: yjb, name: 应急办, head: o-wu, leader: o-liu, tags: [yigang]}", 1)
	return strings.Replace(y, "{id: cgdd, name: 城管大队, head: o-chen, leader: o-liu}", "{id: cgdd, name: 城管大队, head: o-chen, leader: o-liu, tags: [yigang]}", 1)
}

// An official sees their unit's duty from the seed's plan, reports one item
// with a button, pages through the list, and reports another with /done.
func TestMyTasksReportAndPages(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged})
	h.bind(uZhang)
	h.bind(uChen)
	h.srv.SendText(uZhang, "/mytasks")
	// Monday 2026-11-30 08:00, the last workday of November: the month's items
	// and the daily ones (8.2 每日了解掌握, 14.2 日周月检查执法) are due today.
	m := h.waitMsg(uZhang, "我的任务 · 应急办 · 11-30", "逾期 0｜今天 40", "📌 今天", "8.2", "截止 11-30 18:00")
	if len([]rune(m.Text)) > 4096 {
		t.Fatalf("message too long: %d", len([]rune(m.Text)))
	}
	data := button(t, m, "8.2 11-30")
	button(t, m, "5.1 2026-11") // a monthly item names its month
	// 陈杰 of 城管大队 cannot report 应急办's item.
	if a := h.press(uChen, m, data); !strings.Contains(a.Text, "不是您单位的任务") {
		t.Errorf("foreign report toast = %q", a.Text)
	}
	if a := h.press(uZhang, m, data); a.Text != "✅ 已报告完成 8.2（11-30）" {
		t.Errorf("toast = %q", a.Text)
	}
	h.eventually("the list redrawn without it", func() bool {
		cur := h.latest(uZhang, m.ID)
		return cur.Edits > 0 && strings.Contains(cur.Text, "今天 39") && !hasButton(cur, "8.2 11-30")
	})
	if a := h.press(uZhang, m, data); !strings.Contains(a.Text, "已报告完成") {
		t.Errorf("second report toast = %q", a.Text)
	}
	// ▶ turns to the next page, where the monthly quotas of task 19 wait.
	h.press(uZhang, h.latest(uZhang, m.ID), button(t, h.latest(uZhang, m.ID), "▶"))
	h.eventually("page 2", func() bool {
		cur := h.latest(uZhang, m.ID)
		return hasButton(cur, "2/11") && hasButton(cur, "19.2（0/2）")
	}, func() string { return h.latest(uZhang, m.ID).String() })
	if n := len(h.srv.Messages(uZhang)); n != 3 {
		t.Errorf("paging sent new messages: %d in the chat", n)
	}
	// A quota counts up: 1/2 keeps it open, on the same page.
	page2 := h.latest(uZhang, m.ID)
	if a := h.press(uZhang, page2, button(t, page2, "19.2（0/2）")); !strings.Contains(a.Text, "19.2") || !strings.Contains(a.Text, "1/2") {
		t.Errorf("quota toast = %q", a.Text)
	}
	h.eventually("progress shown", func() bool { return hasButton(h.latest(uZhang, m.ID), "19.2（1/2）") },
		func() string { return h.latest(uZhang, m.ID).String() })

	// /done with a note reports the earliest open instance of a point.
	h.srv.SendText(uZhang, "/done 14.1 全镇执法清零检查")
	h.waitMsg(uZhang, "已报告完成 14.1")
	h.srv.SendText(uZhang, "/done 99.9")
	h.waitMsg(uZhang, "没有待报告的 99.9")
	h.srv.SendText(uZhang, "/done abc")
	h.waitMsg(uZhang, "用法：/done 任务号 备注")
}

func hasButton(m interface{ String() string }, label string) bool {
	return strings.Contains(m.String(), label)
}

// The workday inspection reminder reaches staff of responsible units at
// 08:30, carries a button to report, is not sent twice across a restart,
// and skips the weekend.
func TestWorkdayReminder(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged})
	h.bind(uZhang) // staff of 应急办
	h.bind(uChen)  // head of 城管大队: not staff
	h.advanceTo(start.Add(30 * time.Minute))
	m := h.waitMsg(uZhang, "⏰ 工作日检查执法 · 11-30", "14.2", "截止 11-30 18:00")
	if a := h.press(uZhang, m, button(t, m, "14.2 11-30")); a.Text != "✅ 已报告完成 14.2（11-30）" {
		t.Errorf("toast = %q", a.Text)
	}
	h.restart()
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uZhang, "工作日检查执法")); n != 1 {
		t.Errorf("%d reminders after a restart", n)
	}
	// Tuesday 08:30: the next one; the weekend 12-05/06 has none.
	h.advanceTo(start.Add(24*time.Hour + 30*time.Minute))
	h.waitMsg(uZhang, "⏰ 工作日检查执法 · 12-01")
	for d := 2; d <= 6; d++ {
		h.advanceTo(start.Add(time.Duration(d)*24*time.Hour + 30*time.Minute))
		if d <= 4 {
			h.waitMsg(uZhang, fmt.Sprintf("⏰ 工作日检查执法 · 12-%02d", d))
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uZhang, "工作日检查执法")); n != 5 {
		t.Errorf("%d reminders from Mon to Sun, want 5", n)
	}
	if n := len(h.messages(uChen, "工作日检查执法")); n != 0 {
		t.Errorf("a unit head got the staff reminder")
	}
}

// Items unreported at 18:00 raise one 叫应 per unit and owers; silence
// escalates to the unit head; reporting the last item ends the alert.
func TestOverdueRaisesAndReportCloses(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged})
	for _, u := range []int64{uZhang, uLi, uWu, uLiu} {
		h.bind(u)
	}
	h.advanceTo(start.Add(10*time.Hour + time.Second)) // 18:00:01
	call := h.waitMsg(uZhang, "逾期未报告", "项（应急办）", "14.2")
	id := regexp.MustCompile(`#(\d{8}-\d{4})`).FindStringSubmatch(call.Text)[1]
	a := h.alert(id)
	if a.Kind != "task" || a.Level != "yellow" || len(a.Recipients) != 2 {
		t.Fatalf("overdue alert = %+v", a)
	}
	// The 分管领导 owes the leader items: a separate call.
	h.waitMsg(uLiu, "逾期未报告", "8.2")

	// Silence escalates like any 叫应: the unit head hears at +20 min.
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Hour+10*time.Minute+time.Second))
	h.advanceTo(start.Add(10*time.Hour + 10*time.Minute + time.Second))
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Hour+20*time.Minute+time.Second))
	h.advanceTo(start.Add(10*time.Hour + 20*time.Minute + time.Second))
	h.waitMsg(uWu, "叫应升级", "逾期未报告")

	// 张明 reports everything the alert lists; the last report ends it.
	links := h.storedLinks(id)
	if len(links) < 2 {
		t.Fatalf("links = %v", links)
	}
	for i, l := range links {
		if _, err := h.app.Tasks.Report("o-zhang", strings.TrimPrefix(l, "task:"), 1, "", ""); err != nil {
			t.Fatal(err)
		}
		if i < len(links)-1 && h.alert(id).State != "open" {
			t.Fatalf("closed after %d of %d reports", i+1, len(links))
		}
	}
	h.eventually("the alert ended", func() bool { return h.alert(id).State == "closed" })
	h.waitMsg(uZhang, "逾期未报告", "叫应已于")
	if a := h.alert(id); a.ClosedBy != "o-zhang" {
		t.Errorf("closed by %q", a.ClosedBy)
	}
	// Nothing more: the 分管领导 gets no escalation of 张明's call.
	h.advanceTo(start.Add(11 * time.Hour))
	time.Sleep(50 * time.Millisecond)
	for _, m := range h.messages(uLiu, "叫应升级") {
		if strings.Contains(m.Text, id) {
			t.Errorf("escalated after it was settled: %s", m.Text)
		}
	}
}

// storedLinks reads what raised an alert.
func (h *harness) storedLinks(id string) []string {
	h.t.Helper()
	var links []string
	err := h.app.DB.View(func(tx *storage.Tx) error {
		a, err := tx.Alert(id)
		links = a.Links
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return links
}

// Leaders see completion per unit and one unit's open items; staff may not.
func TestTasksForLeadersOnly(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged})
	h.bind(uZhang)
	h.bind(uLiu)
	h.srv.SendText(uZhang, "/tasks")
	h.waitMsg(uZhang, "仅分管领导、主要负责人")
	// 张明 reports today's 14.2; the table counts it.
	h.srv.SendText(uZhang, "/done 14.2")
	h.waitMsg(uZhang, "已报告完成 14.2")
	h.srv.SendText(uLiu, "/tasks")
	h.waitMsg(uLiu, "各单位任务完成情况 · 2026-11", "应急办：完成 1/", "城管大队：完成 0/")
	h.srv.SendText(uLiu, "/tasks 城管大队")
	h.waitMsg(uLiu, "城管大队 待办任务", "📌 今天", "14.2")
	h.srv.SendText(uLiu, "/tasks 火星办")
	h.waitMsg(uLiu, "没有名为 火星办 的单位")
}

// The morning brief tells the 分管领导 yesterday's reports and what is
// overdue; the Monday digest gives principals last week's completion; the
// countdown warns 7, 3 and 1 days before a deadline.
func TestBriefDigestAndCountdown(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged})
	for _, u := range []int64{uZhang, uLiu, uHe, uWu} {
		h.bind(u)
	}
	h.srv.SendText(uZhang, "/done 14.2 上午检查3家")
	h.waitMsg(uZhang, "已报告完成 14.2")

	// Tuesday 12-01 08:00.
	h.advanceTo(start.Add(24 * time.Hour))
	// 刘洋 leads 应急办 and 城管大队 and belongs to 党政办.
	h.waitMsg(uLiu, "🌅 每日了解掌握 · 12-01", "昨日报告完成 1 项", "逾期未报告：应急办", "党政办", "城管大队", "进行中的叫应")
	h.waitMsg(uHe, "🌅 每日了解掌握 · 12-01") // the principal oversees every unit
	if n := len(h.messages(uZhang, "每日了解掌握 · ")); n != 0 {
		t.Errorf("staff got the leaders' brief")
	}

	// Monday 12-07 09:00: last week's completion for the principal.
	h.advanceTo(start.Add(7*24*time.Hour + time.Hour))
	h.waitMsg(uHe, "📊 上周任务完成情况（11-30—12-06）", "应急办：完成 1/", "城管大队：完成 0/")
	// The digest carries the monthly answer-rate chart as a picture.
	chart, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool {
		return m.ChatID == uHe && m.Photo && strings.Contains(m.Caption, "应答率")
	})
	if err != nil {
		t.Fatalf("no answer-rate chart after the digest: %v", err)
	}
	if !bytes.HasPrefix(chart.Data, []byte("\x89PNG")) {
		t.Errorf("the chart is not a PNG (%d bytes)", len(chart.Data))
	}

	// Thursday 12-24 09:00: task 26's 12月底 deadlines are 7 days away.
	h.advanceTo(time.Date(2026, 12, 24, 9, 0, 0, 0, start.Location()))
	cd := h.waitMsg(uWu, "截止倒计时 · 12-24", "26.1", "还有 7 天")
	button(t, cd, "26.1")
	h.waitMsg(uZhang, "截止倒计时 · 12-24", "还有 7 天")
	// Friday 12-25: 6 days, no countdown.
	h.advanceTo(time.Date(2026, 12, 25, 9, 0, 0, 0, start.Location()))
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uWu, "截止倒计时")); n != 1 {
		t.Errorf("%d countdowns by 12-25, want 1", n)
	}
}

// /mytasks speaks English to an official who chose it.
func TestMyTasksInEnglish(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: tagged})
	h.bind(uZhang)
	h.srv.SendText(uZhang, "/lang en")
	h.waitMsg(uZhang, "Language set to English")
	h.srv.SendText(uZhang, "/mytasks")
	m := h.waitMsg(uZhang, "📋 My tasks · 应急办 · 11-30", "Overdue 0 | today 40", "📌 Today", "due 11-30 18:00")
	button(t, m, "8.2 11-30 done")
	if a := h.press(uZhang, m, button(t, m, "8.2 11-30")); a.Text != "✅ Reported 8.2 (11-30) done" {
		t.Errorf("toast = %q", a.Text)
	}
	h.srv.SendText(uZhang, "/done 99.1")
	h.waitMsg(uZhang, "Nothing open for 99.1")
}
