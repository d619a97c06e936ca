package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/storage"
)

// tagged gives the test town the unit tags the plan's groups use, so the
// seed's "一岗双责"科室 tasks reach 党政办 and 城管大队, and the "日周月"
// inspections the departments with supervisory duty, 应急办 and 城管大队.
//
// Who owes what in this town (Monday 2026-11-30 is the last working day of
// November): 张明 and 李芳 (应急办 staff) their daily inspection (14.2);
// 吴敏 and 陈杰 (heads of 应急办 and 城管大队) their monthly inspection (14.4)
// and the monthly 挂牌企业 quotas (19.2–19.4); 刘洋 (分管领导 of both) the
// daily 了解掌握 (8.2), weekly dispatch (8.3, 14.3), monthly checks (8.4)
// and the quotas; 何军 (principal, also 党政办's head and 分管领导) the
// town's monthly study (6.3, 8.1) and, as 党政办's 分管领导, 8.2–8.4.
func tagged(y string) string {
	y = strings.Replace(y, "{id: yjb, name: 应急办, head: o-wu, leader: o-liu}", "{id: yjb, name: 应急办, head: o-wu, leader: o-liu, tags: [supervisory]}", 1)
	y = strings.Replace(y, "{id: dzb, name: 党政办, head: o-he, leader: o-he}", "{id: dzb, name: 党政办, head: o-he, leader: o-he, tags: [yigang]}", 1)
	return strings.Replace(y, "{id: cgdd, name: 城管大队, head: o-chen, leader: o-liu}", "{id: cgdd, name: 城管大队, head: o-chen, leader: o-liu, tags: [yigang, supervisory]}", 1)
}

// newTaggedTown is the tagged town with its 挂牌企业: 刘洋 is the
// 行政负责人 of both, 吴敏 the 行业部门监管负责人 of 企业1, 陈杰 of 企业2, so
// the three owe item 19's quotas (someone on no plaque owes none).
func newTaggedTown(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, harnessOpts{edit: tagged})
	body := fmt.Sprintf(`- {name: 企业1, code: %s, industry: 工贸, risk: 黄, admin: 刘洋, supervisor: 吴敏, head: {name: 何伟, phone: 139-0000-0001}, unit: yjb}
- {name: 企业2, code: %s, industry: 工贸, risk: 黄, admin: 刘洋, supervisor: 陈杰, head: {name: 何伟, phone: 139-0000-0001}, unit: cgdd}
`, creditCode(1), creditCode(2))
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", body, testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("registry: %d %+v", code, res)
	}
	return h
}

func hasButton(m interface{ String() string }, label string) bool {
	return strings.Contains(m.String(), label)
}

// pointsIn lists the points ("14.2") a /mytasks or agenda message names,
// in order, from its lines "• 14.2 …".
func pointsIn(text string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^• (\d+\.\d+) `).FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// /mytasks shows each official exactly what they owe now, on one page:
// staff their daily inspection, a unit head her monthly inspection and
// quotas, the 分管领导 his own items (daily, weekly, monthly) and the
// principal the town's; each point once, nothing of the future one by one,
// and every button one the bot accepts.
func TestMyTasksShowsWhatEachOwes(t *testing.T) {
	h := newTaggedTown(t)
	tests := []struct {
		user   int64
		header string
		today  []string // points, in order (own items first)
		all    []string
	}{
		{uZhang, "📋 我的任务 · 张明（应急办）· 11-30", []string{"14.2"}, []string{"14.2"}},
		{uWu, "📋 我的任务 · 吴敏（应急办）· 11-30", []string{"14.4", "19.2", "19.3", "19.4"}, []string{"14.4", "19.2", "19.3", "19.4"}},
		{uLiu, "📋 我的任务 · 刘洋（党政办）· 11-30", []string{"8.2", "8.4", "19.2", "19.3", "19.4"},
			[]string{"8.2", "8.4", "19.2", "19.3", "19.4", "8.3", "14.3"}},
		// 何军 also heads 党政办, which has no staff: its set-up item (12.1)
		// is his, after the town's (1.1), both due by 12-30.
		{uHe, "📋 我的任务 · 何军（党政办）· 11-30", []string{"6.3", "8.1", "8.2", "8.4"}, []string{"6.3", "8.1", "8.2", "8.4", "8.3", "1.1", "12.1"}},
	}
	for _, tt := range tests {
		h.bind(tt.user)
		h.srv.SendText(tt.user, "/mytasks")
		m := h.waitMsg(tt.user, tt.header)
		if tt.user == uLiu && (strings.Count(m.Text, "• 8.3 ") != 1 || strings.Contains(m.Text, "12-11")) {
			t.Errorf("future periods listed one by one:\n%s", m.Text)
		}
		if got := pointsIn(m.Text); strings.Join(got, ",") != strings.Join(tt.all, ",") {
			t.Errorf("%s lists %v, want %v\n%s", tt.header, got, tt.all, m.Text)
		}
		today := m.Text[strings.Index(m.Text, "📌 今天"):]
		if i := strings.Index(today, "🗓 本周"); i > 0 {
			today = today[:i]
		}
		if got := pointsIn(today); strings.Join(got, ",") != strings.Join(tt.today, ",") {
			t.Errorf("%s: today %v, want %v", tt.header, got, tt.today)
		}
		if hasButton(m, "▶") || strings.Contains(m.Text, "本单位") {
			t.Errorf("%s: more than one page or someone else's unit:\n%s", tt.header, m.Text)
		}
		for _, l := range labels(m) {
			if !strings.HasPrefix(l, "✅ 报告完成 ") {
				t.Errorf("%s: button %q is not an action", tt.header, l)
			}
		}
		if !strings.Contains(m.Text, "本人") {
			t.Errorf("%s: own items not marked:\n%s", tt.header, m.Text)
		}
		// Every button is accepted: nothing not yet started is offered.
		for _, row := range m.Inline {
			for _, b := range row {
				if a := h.press(tt.user, m, b.Data); !strings.Contains(a.Text, "已报告完成") && !strings.Contains(a.Text, "➕") {
					t.Errorf("%s: pressing %q: %q", tt.header, b.Text, a.Text)
				}
			}
		}
	}
}

// Reporting from /mytasks: a button reports and the list is redrawn in
// place; a quota counts up; someone else's own item is refused; /done
// reports with a note; a forged or malformed /done is answered.
func TestMyTasksReport(t *testing.T) {
	h := newTaggedTown(t)
	h.bind(uZhang)
	h.bind(uWu)
	h.srv.SendText(uZhang, "/mytasks")
	m := h.waitMsg(uZhang, "我的任务 · 张明", "逾期 0｜今天 1", "📌 今天", "14.2", "本人", "截止 18:00")
	data := button(t, m, "✅ 报告完成 14.2")
	// 吴敏 heads 应急办 but 14.2 is 张明's own.
	if a := h.press(uWu, m, data); !strings.Contains(a.Text, "只能由本人报告") {
		t.Errorf("foreign report toast = %q", a.Text)
	}
	if a := h.press(uZhang, m, data); a.Text != "✅ 已报告完成 14.2（11-30）" {
		t.Errorf("toast = %q", a.Text)
	}
	h.eventually("the list redrawn without it", func() bool {
		cur := h.latest(uZhang, m.ID)
		return cur.Edits > 0 && strings.Contains(cur.Text, "没有待办任务") && !hasButton(cur, "14.2")
	}, func() string { return h.latest(uZhang, m.ID).String() })
	if a := h.press(uZhang, m, data); !strings.Contains(a.Text, "已报告完成") {
		t.Errorf("second report toast = %q", a.Text)
	}
	// 吴敏's monthly quotas are counted from her records: a bar, no ➕1,
	// and /done refused with where the count comes from.
	h.srv.SendText(uWu, "/mytasks")
	w := h.waitMsg(uWu, "我的任务 · 吴敏", "检查挂牌企业 ▱▱ 0/2 · 按 /check 检查记录自动计数", "督促整改隐患 ▱▱ 0/2 · 按隐患销号自动计数")
	if hasButton(w, "➕1") || hasButton(w, "19.2") {
		t.Errorf("a counted quota offers a button:\n%s", w.String())
	}
	h.srv.SendText(uWu, "/done 19.2")
	h.waitMsg(uWu, "按检查和隐患记录自动计数，不能手工报告")
	h.srv.SendText(uWu, "/done 14.4 检查企业 3 家")
	h.waitMsg(uWu, "已报告完成 14.4")
	h.srv.SendText(uZhang, "/done 99.9")
	h.waitMsg(uZhang, "没有待报告的 99.9")
	h.srv.SendText(uZhang, "/done 14.4") // 吴敏's, not 张明's
	h.waitMsg(uZhang, "没有待报告的 14.4")
	h.srv.SendText(uZhang, "/done abc")
	h.waitMsg(uZhang, "用法：/done 任务号 备注")
}

// With tasks.ongoing set, the 常态化 points become monthly items of the
// units, and a long list pages.
func TestMyTasksOngoingAndPages(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		return tagged(y) + "tasks: {ongoing: monthly}\n"
	}})
	h.bind(uZhang)
	h.srv.SendText(uZhang, "/mytasks")
	m := h.waitMsg(uZhang, "我的任务 · 张明", "单位·应急办", "5.1")
	if !hasButton(m, "▶") || !hasButton(m, "1/") {
		t.Fatalf("no pages: %s", m.String())
	}
	h.press(uZhang, m, button(t, m, "▶"))
	h.eventually("page 2", func() bool { return hasButton(h.latest(uZhang, m.ID), "2/") },
		func() string { return h.latest(uZhang, m.ID).String() })
	if n := len(h.srv.Messages(uZhang)); n != 3 {
		t.Errorf("paging sent new messages: %d in the chat", n)
	}
}

// /mytasks speaks English to officials who chose it: a 分管领导 and the
// principal.
func TestMyTasksInEnglish(t *testing.T) {
	h := newTaggedTown(t)
	h.bind(uLiu)
	h.srv.SendText(uLiu, "/lang en")
	h.waitMsg(uLiu, "Language set to English")
	h.srv.SendText(uLiu, "/mytasks")
	m := h.waitMsg(uLiu, "📋 My tasks · 刘洋 (党政办) · 11-30", "Overdue 0 | today 5", "📌 Today", "yours", "due 18:00", "🗓 This week")
	if a := h.press(uLiu, m, button(t, m, "✅ Report 8.2 done")); a.Text != "✅ Reported 8.2 (11-30) done" {
		t.Errorf("toast = %q", a.Text)
	}
	if !strings.Contains(m.Text, "检查挂牌企业 ▱▱ 0/2 · counted from your /check inspections") || hasButton(m, "19.2") {
		t.Errorf("the counted quota in English:\n%s", m.String())
	}
	h.srv.SendText(uLiu, "/done 99.1")
	h.waitMsg(uLiu, "Nothing open for 99.1")
	// The principal's items are the town's, marked so.
	h.bind(uHe)
	h.srv.SendText(uHe, "/lang en")
	h.waitMsg(uHe, "Language set to English")
	h.srv.SendText(uHe, "/mytasks")
	p := h.waitMsg(uHe, "📋 My tasks · 何军 (党政办) · 11-30", "• 6.3 ", "· town ·", "• 12.1 ", "unit · 党政办", "⏳ Due within 30 days")
	button(t, p, "✅ Report 8.1 done")
}

// The agenda at 08:30 tells each official only what they owe, once a
// working day: nothing to those who owe nothing, nothing twice across a
// restart, nothing on the weekend.
func TestAgendaReachesOnlyThoseWhoOwe(t *testing.T) {
	h := newTaggedTown(t)
	for _, u := range []int64{uZhang, uWu, uLiu, uHe, uDuty, uAdmin, uChen} {
		h.bind(u)
	}
	h.advanceTo(start.Add(30 * time.Minute))
	m := h.waitMsg(uZhang, "🗓 今日待办 · 11-30", "14.2", "截止 18:00")
	if got := pointsIn(m.Text); strings.Join(got, ",") != "14.2" {
		t.Errorf("张明's agenda lists %v", got)
	}
	if a := h.press(uZhang, m, button(t, m, "✅ 报告完成 14.2")); a.Text != "✅ 已报告完成 14.2（11-30）" {
		t.Errorf("toast = %q", a.Text)
	}
	c := h.waitMsg(uChen, "🗓 今日待办 · 11-30", "14.4", "19.2")
	// The first agenda also tells him of 城管大队's set-up item (12.1).
	if got := pointsIn(c.Text); strings.Join(got, ",") != "14.4,19.2,19.3,19.4,12.1" {
		t.Errorf("陈杰's agenda lists %v", got)
	}
	h.waitMsg(uLiu, "🗓 今日待办 · 11-30", "8.2", "8.3", "14.3")
	h.waitMsg(uWu, "🗓 今日待办 · 11-30")
	h.waitMsg(uHe, "🗓 今日待办 · 11-30")
	// Every 11-30 agenda is recorded delivered before the restart, so the
	// new process counts only what it sends itself.
	agendaCount := func() int { return int(h.metric(`dutybot_pushes_total{kind="info",topic="agenda"}`)) }
	h.eventually("five agendas counted on 11-30", func() bool { return agendaCount() == 5 },
		func() string { return fmt.Sprint("counted ", agendaCount()) })
	h.restart()
	time.Sleep(50 * time.Millisecond)
	// Tuesday 12-01 to Sunday 12-06.
	for d := 1; d <= 6; d++ {
		h.advanceTo(time.Date(2026, 12, d, 8, 30, 0, 0, start.Location()))
		if d <= 4 {
			h.waitMsg(uZhang, fmt.Sprintf("🗓 今日待办 · 12-%02d", d))
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uZhang, "今日待办")); n != 5 {
		t.Errorf("%d agendas from Mon to Sun, want 5", n)
	}
	// 12-01 opens December: 陈杰's monthly items are news; 12-02 has none.
	if n := len(h.messages(uChen, "今日待办")); n != 2 {
		t.Errorf("陈杰 got %d agendas, want 2 (11-30, 12-01)", n)
	}
	for _, u := range []int64{uDuty, uAdmin} {
		if n := len(h.messages(u, "今日待办")); n != 0 {
			t.Errorf("chat %d owes nothing and got %d agendas", u, n)
		}
	}
	// The noise is measured: every agenda delivered since the restart is
	// counted by topic.
	var agendas int
	for _, u := range []int64{uZhang, uWu, uLiu, uHe, uChen} {
		agendas += len(h.messages(u, "今日待办")) - len(h.messages(u, "今日待办 · 11-30"))
	}
	// (counted once the delivery is recorded, just after the chat shows it)
	h.eventually(fmt.Sprintf("dutybot_pushes_total for the agenda = %d", agendas), func() bool { return agendaCount() == agendas },
		func() string { return fmt.Sprint("counted ", agendaCount()) })
}

// At 18:00 each person who owes something unreported gets one call listing
// it, worded in their language; silence climbs the chain and never down
// it; reporting the last item ends the call.
func TestOverdueOneCallPerPerson(t *testing.T) {
	h := newTaggedTown(t)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uChen} {
		h.bind(u)
	}
	h.srv.SendText(uLi, "/lang en")
	h.waitMsg(uLi, "Language set to English")
	h.advanceTo(start.Add(10*time.Hour + time.Second)) // 18:00:01
	call := h.waitMsg(uZhang, "逾期未报告 1 项（张明）", "14.2", "截止 11-30 18:00")
	h.waitMsg(uLi, "1 item(s) not reported (李芳)", "Due 11-30 18:00 and not reported done")
	h.waitMsg(uLiu, "逾期未报告 5 项（刘洋）", "8.2", "19.4")
	h.waitMsg(uHe, "逾期未报告 4 项（何军）", "6.3", "8.1")
	h.waitMsg(uWu, "逾期未报告 4 项（吴敏）", "14.4")
	h.waitMsg(uChen, "逾期未报告 4 项（陈杰）", "14.4")
	time.Sleep(50 * time.Millisecond)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uChen} {
		if n := len(h.messages(u, "逾期未报告")) + len(h.messages(u, "not reported")); n != 1 {
			t.Errorf("chat %d got %d overdue calls, want 1", u, n)
		}
	}
	id := regexp.MustCompile(`#(\d{8}-\d{4})`).FindStringSubmatch(call.Text)[1]
	if a := h.alert(id); a.Kind != "task" || a.Level != "yellow" || len(a.Recipients) != 1 {
		t.Fatalf("overdue alert = %+v", a)
	}
	liuCall := h.messages(uLiu, "逾期未报告")[0]
	liuID := regexp.MustCompile(`#(\d{8}-\d{4})`).FindStringSubmatch(liuCall.Text)[1]

	// Silence climbs: 张明's to his head 吴敏 at +20 min; 刘洋's (a 分管领导)
	// skips the unit head below him and reaches the principal at +45.
	for _, m := range []int{10, 20, 30, 45} {
		h.waitScheduledAny(start.Add(10*time.Hour + time.Duration(m)*time.Minute + time.Second))
		h.advanceTo(start.Add(10*time.Hour + time.Duration(m)*time.Minute + time.Second))
	}
	h.waitMsg(uWu, "叫应升级", id)
	h.waitMsg(uHe, "叫应升级", liuID)
	time.Sleep(50 * time.Millisecond)
	for _, m := range h.messages(uWu, "叫应升级") {
		if strings.Contains(m.Text, liuID) {
			t.Errorf("吴敏 was told of her 分管领导's silence: %s", m.Text)
		}
	}

	// 张明 reports; the call ends.
	h.srv.SendText(uZhang, "/done 14.2")
	h.waitMsg(uZhang, "已报告完成 14.2")
	h.eventually("the alert ended", func() bool { return h.alert(id).State == "closed" })
	if a := h.alert(id); a.ClosedBy != "o-zhang" {
		t.Errorf("closed by %q", a.ClosedBy)
	}
}

// waitScheduledAny waits until the deadline runner holds a deadline at or
// before t, so advancing the clock to t fires it.
func (h *harness) waitScheduledAny(t time.Time) {
	h.t.Helper()
	h.eventually("a pending deadline", func() bool {
		var next time.Time
		_ = h.app.DB.View(func(tx *storage.Tx) error {
			if at, ok := tx.NextDeadline(); ok {
				next = at
			}
			return nil
		})
		return !next.IsZero() && !next.After(t)
	})
}

// Leaders see completion per unit, per person and for the town, and one
// unit's open items; staff may not.
func TestTasksForLeadersOnly(t *testing.T) {
	h := newTaggedTown(t)
	h.bind(uZhang)
	h.bind(uLiu)
	h.srv.SendText(uZhang, "/tasks")
	h.waitMsg(uZhang, "仅分管领导、主要负责人")
	h.srv.SendText(uZhang, "/done 14.2")
	h.waitMsg(uZhang, "已报告完成 14.2")
	h.srv.SendText(uLiu, "/tasks")
	h.waitMsg(uLiu, "各单位任务完成情况 · 2026-11", "应急办：完成 1/", "城管大队：完成 0/", "刘洋（本人事项）：完成 0/", "全镇事项：完成 0/")
	h.srv.SendText(uLiu, "/tasks 城管大队")
	h.waitMsg(uLiu, "城管大队 待办任务", "📌 今天", "14.4", "陈杰")
	h.srv.SendText(uLiu, "/tasks 火星办")
	h.waitMsg(uLiu, "没有名为 火星办 的单位")
}

// The morning brief tells the 分管领导 yesterday's reports and what is
// overdue in his units; the principal sees the town's, the leaders' own
// and the town items too. The Monday digest gives principals last week's
// record with the answer-rate chart.
func TestBriefAndDigest(t *testing.T) {
	h := newTaggedTown(t)
	for _, u := range []int64{uZhang, uLiu, uHe, uWu} {
		h.bind(u)
	}
	h.srv.SendText(uZhang, "/done 14.2 上午检查3家")
	h.waitMsg(uZhang, "已报告完成 14.2")

	// Tuesday 12-01 08:00.
	h.advanceTo(start.Add(24 * time.Hour))
	h.waitMsg(uLiu, "🌅 每日了解掌握 · 12-01", "昨日报告完成 1 项", "逾期未报告：应急办", "城管大队", "刘洋", "进行中的叫应")
	h.waitMsg(uHe, "🌅 每日了解掌握 · 12-01", "全镇") // the principal oversees every unit and the town
	if n := len(h.messages(uZhang, "每日了解掌握 · ")); n != 0 {
		t.Errorf("staff got the leaders' brief")
	}

	// Monday 12-07 09:00: last week's record for the principal, one message:
	// the answer-rate chart with the digest as its caption.
	h.advanceTo(start.Add(7*24*time.Hour + time.Hour))
	chart, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool {
		return m.ChatID == uHe && m.Photo && strings.Contains(m.Caption, "应答率")
	})
	if err != nil {
		t.Fatalf("no answer-rate chart with the digest: %v", err)
	}
	for _, want := range []string{"📊 上周任务完成情况（11-30—12-06）", "应急办：完成 1/", "刘洋（本人事项）", "全镇事项"} {
		if !strings.Contains(chart.Caption, want) {
			t.Errorf("digest caption lacks %q: %s", want, chart.Caption)
		}
	}
	if !bytes.HasPrefix(chart.Data, []byte("\x89PNG")) {
		t.Errorf("the chart is not a PNG (%d bytes)", len(chart.Data))
	}
	if n := len(h.messages(uHe, "上周任务完成情况")); n != 0 {
		t.Errorf("the digest came as a separate text too: %d", n)
	}
}

// plan2026 is a town's own plan for 2026: one dated deadline for 应急办,
// counted down by the agenda.
const plan2026 = `
source: 含谷镇2026年安全生产工作要点
year: 2026
measures:
  - no: 1
    title: 专项整治
    tasks:
      - no: 1
        text: 燃气安全专项整治
        units: [yjb]
        points:
          - {no: 1, text: 12月底完成燃气安全专项整治, timing: {kind: deadline, month: 12, day: 31}}
`

// A town's own plan for the year: its dated deadline is counted down 7,
// 3 and 1 days ahead in the agenda of those who owe it, and nobody is told
// the plan is of another year.
func TestOwnPlanDeadlineCountdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan-2026.yaml")
	if err := os.WriteFile(path, []byte(plan2026), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{edit: func(y string) string { return y + "tasks: {catalogue: " + path + "}\n" }})
	h.bind(uZhang)
	h.bind(uAdmin)
	h.advanceTo(time.Date(2026, 12, 24, 8, 30, 0, 0, start.Location()))
	h.waitMsg(uZhang, "今日待办 · 12-24", "1.1 12月底完成燃气安全专项整治", "还有 7 天", "单位·应急办")
	h.advanceTo(time.Date(2026, 12, 25, 8, 30, 0, 0, start.Location()))
	h.advanceTo(time.Date(2026, 12, 28, 8, 30, 0, 0, start.Location()))
	h.waitMsg(uZhang, "今日待办 · 12-28", "还有 3 天")
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uZhang, "今日待办")); n != 2 {
		t.Errorf("%d agendas, want 2 (12-24, 12-28)", n)
	}
	if n := len(h.messages(uAdmin, "年方案")); n != 0 {
		t.Errorf("the admin was told of a plan year: %d", n)
	}
}

// The built-in 2022 plan in 2026: the admins hear once that its one-offs
// do not apply (not again after a restart), /help says so to admins, and
// /plan shows the plan as it runs, with the records that stand for its
// event points.
func TestPlanYearAndPlanView(t *testing.T) {
	h := newTaggedTown(t)
	h.bind(uAdmin)
	h.bind(uZhang)
	h.restart() // the admin is bound now: told at this start
	h.waitMsg(uAdmin, "任务计划为 2022 年方案，现在是 2026 年", "15 项一次性截止事项", "4.1")
	h.restart()
	time.Sleep(100 * time.Millisecond)
	if n := len(h.messages(uAdmin, "任务计划为 2022 年方案")); n != 1 {
		t.Errorf("the admin was told %d times", n)
	}
	h.srv.SendText(uAdmin, "/help")
	h.waitMsg(uAdmin, "/plan", "其中 15 项一次性截止事项在 2026 年不适用")
	h.srv.SendText(uZhang, "/help")
	m := h.waitMsg(uZhang, "/plan 任务计划")
	if strings.Contains(m.Text, "一次性截止事项") {
		t.Errorf("staff told of the plan year: %s", m.Text)
	}

	h.postIncident(start.Add(-20*time.Minute), "道路交通", 0)
	h.srv.SendText(uZhang, "/plan")
	h.waitMsg(uZhang, "📘 任务计划 · 2022 年方案", "2026 年：", "一次性截止事项 15 项：2022 年的截止事项，本年不适用",
		"事件触发 19 项", "41.1 以事故直报记录为准：2026 年 1 起", "45.1 以预警叫应记录为准：2026 年 0 次",
		"常态化 21 项：持续落实，不按月确认", "您本人负责：14.2")
	h.srv.SendText(uZhang, "/plan 14")
	h.waitMsg(uZhang, "📘 14. 完善本部门安全监管内设机构", "14.2 “日周月”检查执法", "每个工作日 · 本人：张明、李芳",
		"14.4", "每月 · 本人：吴敏、陈杰", "⚠️ 无人负责：城管大队无工作人员")
	h.srv.SendText(uZhang, "/plan 99")
	h.waitMsg(uZhang, "没有任务 99")
}
