package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/incident"
	"dutybot/storage"
)

// The test town's 应急办 (yjb, roster.office by default) has head 吴敏
// (o-wu) and 分管领导 刘洋 (o-liu); 何军 (o-he) is the principal. A new
// accident calls all three; 刘洋 and 何军 are the responsible leaders who
// are reminded and record 已上报.

func newIncidentHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, harnessOpts{})
}

// postIncident reports an accident over the API and returns its id.
func (h *harness) postIncident(occurred time.Time, category string, deaths int) string {
	h.t.Helper()
	code, out := h.apiDo("POST", "/api/v1/incidents", testAPIToken, fmt.Sprintf(
		`{"occurred_at":%q,"place":"含谷镇金凤路口","unit":"重庆某物流公司","category":%q,"deaths":%d,"serious_injuries":0,"missing":0,"direct_loss_wan":20,"account":"货车侧翻"}`,
		occurred.Format(time.RFC3339), category, deaths))
	if code != 201 {
		h.t.Fatalf("POST /api/v1/incidents: %d %v", code, out)
	}
	return out["id"].(string)
}

// incident reads an incident from the API.
func (h *harness) incident(id string) api.IncidentJSON {
	h.t.Helper()
	var in api.IncidentJSON
	h.getJSON("/api/v1/incidents/"+id, &in)
	return in
}

// incidentEvents returns the events of an incident of the given type.
func (h *harness) incidentEvents(id, typ string) []storage.Event {
	h.t.Helper()
	var out []storage.Event
	for _, e := range h.events(typ) {
		if e.Alert == id {
			out = append(out, e)
		}
	}
	return out
}

// waitIncidentCalls waits until the red 叫应 of an incident reached 吴敏,
// 刘洋 and 何军 and their answer clocks run, so the deadline runner is
// idle before the clock moves.
func (h *harness) waitIncidentCalls(id string) string {
	h.t.Helper()
	var alert string
	h.eventually("the incident's alert", func() bool {
		a, ok := h.app.Engine.Linked("incident:" + id)
		alert = a.ID
		return ok
	})
	for _, o := range []string{"o-wu", "o-liu", "o-he"} {
		h.eventually(o+" called", func() bool { return h.recipient(alert, o).SentAt != nil })
	}
	return alert
}

// pressAs presses a button of m as user and returns the toast.
func (h *harness) pressAs(user int64, m fakeapi.Message, label string) fakeapi.CallbackAnswer {
	h.t.Helper()
	return h.press(user, m, button(h.t, m, label))
}

var incidentIDRE = regexp.MustCompile(`事故 (I\d{8}-\d{2,})`)

// A bound official reports an accident step by step: bad answers are
// explained and change nothing, the preview shows the preliminary level
// and whom it calls, and submitting calls the 应急办 head, its 分管领导 and
// the principal with a red 叫应 and gives the responsible leaders the
// 已上报 button.
func TestIncidentGuidedReport(t *testing.T) {
	h := newIncidentHarness(t)
	for _, u := range []int64{uZhang, uWu, uLiu, uHe} {
		h.bind(u)
	}

	// Cancelling with the button, then with the command.
	h.srv.SendText(uZhang, "/incident")
	m := h.waitMsg(uZhang, "事故直报 1/10", "事故发生时间")
	h.pressAs(uZhang, m, "取消")
	h.eventually("the question turned into 已取消", func() bool { return h.latest(uZhang, m.ID).Text == "已取消事故直报。" })
	h.srv.SendText(uZhang, "/incident")
	h.waitMsg(uZhang, "事故直报 1/10")
	h.srv.SendText(uZhang, "/incident cancel")
	h.waitMsg(uZhang, "已取消“事故直报”")
	h.srv.SendText(uZhang, "今天 07:50")
	h.waitMsg(uZhang, "如需操作请使用命令") // the draft is gone: plain text is not taken

	h.srv.SendText(uZhang, "/incident")
	h.eventually("a third flow", func() bool { return len(h.messages(uZhang, "事故直报 1/10")) == 2 })
	if r := h.ask(uZhang, "今天 09:00"); !strings.Contains(r.Text, "事故时间不能晚于现在（11-30 08:00）") {
		t.Errorf("a future time: %q", r.Text)
	}
	if r := h.ask(uZhang, "下午茶时间"); !strings.Contains(r.Text, "无法识别该时间") {
		t.Errorf("nonsense time: %q", r.Text)
	}
	h.srv.SendText(uZhang, "今天 07:50")
	h.waitMsg(uZhang, "事故直报 2/10", "事故地点")
	h.srv.SendText(uZhang, "含谷镇金凤路口")
	h.waitMsg(uZhang, "事故直报 3/10", "事故单位")
	h.srv.SendText(uZhang, "重庆某物流公司")
	m = h.waitMsg(uZhang, "事故直报 4/10", "事故类别")
	for _, name := range []string{"道路交通", "建设施工", "燃气", "危化品", "火灾", "工贸", "特种设备", "自然灾害", "其他", "取消"} {
		button(t, m, name)
	}
	if r := h.ask(uZhang, "飞机"); !strings.Contains(r.Text, "请点上方按钮选择") {
		t.Errorf("an unknown category typed: %q", r.Text)
	}
	if a := h.press(uZhang, m, "ix:v:deaths:0"); !strings.Contains(a.Text, "失效") {
		t.Errorf("a press for another step: %q", a.Text)
	}
	h.pressAs(uZhang, m, "道路交通")
	h.waitMsg(uZhang, "事故直报 5/10", "死亡人数")
	if r := h.ask(uZhang, "-1"); !strings.Contains(r.Text, "不小于 0 的整数") {
		t.Errorf("negative deaths: %q", r.Text)
	}
	h.srv.SendText(uZhang, "1")
	h.waitMsg(uZhang, "事故直报 6/10", "重伤（含急性工业中毒）人数")
	h.srv.SendText(uZhang, "2人")
	m = h.waitMsg(uZhang, "事故直报 7/10", "失踪人数")
	h.pressAs(uZhang, m, "0")
	h.waitMsg(uZhang, "事故直报 8/10", "直接经济损失（万元）")
	if r := h.ask(uZhang, "-5"); !strings.Contains(r.Text, "不能为负数") {
		t.Errorf("negative loss: %q", r.Text)
	}
	h.srv.SendText(uZhang, "12.5")
	h.waitMsg(uZhang, "事故直报 9/10", "简要经过")
	h.srv.SendText(uZhang, "货车与电动车相撞，伤者已送医")
	m = h.waitMsg(uZhang, "事故直报 10/10", "现场照片")
	h.pressAs(uZhang, m, "完成")
	preview := h.waitMsg(uZhang, "请确认事故信息", "时间：2026-11-30 07:50", "地点：含谷镇金凤路口", "单位：重庆某物流公司",
		"类别：道路交通", "死亡 1 人，重伤 2 人，失踪 0 人，直接经济损失（估）12.5 万元", "经过：货车与电动车相撞",
		"初判等级：一般事故", "吴敏、刘洋、何军", "须于 08:50 前向区应急管理局报告")
	h.pressAs(uZhang, preview, "提交")
	done := h.waitMsg(uZhang, "✅ 事故", "已登记，初判：一般事故", "已叫应：吴敏、刘洋、何军", "须于 08:50 前向区应急管理局报告")
	id := incidentIDRE.FindStringSubmatch(done.Text)[1]
	if id != "I20261130-01" {
		t.Errorf("incident id = %s, want I20261130-01", id)
	}
	if got := h.latest(uZhang, preview.ID); len(got.Inline) != 0 {
		t.Errorf("the preview keeps its buttons after submitting: %v", got.Inline)
	}

	alert := h.waitIncidentCalls(id)
	for _, u := range []int64{uWu, uLiu, uHe} {
		call := h.waitMsg(u, "📣 叫应 🔴 红色", "#"+alert, "事故直报 "+id, "含谷镇金凤路口 道路交通事故（初判一般事故）",
			"死亡 1 人，重伤 2 人", "08:50 前向区应急管理局报告", "发布人：张明（应急办）")
		button(t, call, "收到，立即处置")
	}
	for _, u := range []int64{uLiu, uHe} {
		card := h.waitButton(u, "📤 已上报")
		if !strings.Contains(card.Text, "事故 "+id+" 须于 08:50 前向区应急管理局报告") || !strings.Contains(card.Text, "初判：一般事故") {
			t.Errorf("leader card:\n%s", card.Text)
		}
		button(t, card, "续报")
	}
	if n := len(h.messages(uWu, "已上报")); n != 0 {
		t.Errorf("the office head got the 已上报 card (%d)", n)
	}
	in := h.incident(id)
	if in.Level != "general" || in.Category != "road_traffic" || in.Deaths != 1 || in.SeriousInjuries != 2 ||
		in.DirectLossWan != "12.5" || in.Reporter != "o-zhang" || in.Source != "chat" || in.Alert != alert ||
		!in.OccurredAt.Equal(start.Add(-10*time.Minute)) || !in.ReportDue.Equal(start.Add(50*time.Minute)) ||
		in.ReportedUp != nil || in.Late {
		t.Errorf("stored incident = %+v", in)
	}
	if len(in.Timeline) != 1 || in.Timeline[0].Type != incident.EvReported || in.Timeline[0].Actor != "o-zhang" {
		t.Errorf("timeline = %+v", in.Timeline)
	}
	// A second report the same day numbers on.
	if id2 := h.postIncident(start.Add(-time.Minute), "gas", 0); id2 != "I20261130-02" {
		t.Errorf("second id = %s", id2)
	}
}

// The upward report is due an hour after the accident: the responsible
// leaders are reminded 30 and 10 minutes before, at those exact times;
// when the due time passes without a report, 迟报 is recorded at once and
// the principal is called; a report after that is recorded as late.
func TestIncidentClockRemindsAndMarksLate(t *testing.T) {
	h := newIncidentHarness(t)
	for _, u := range []int64{uZhang, uWu, uLiu, uHe} {
		h.bind(u)
	}
	id := h.postIncident(start, "construction", 0) // due 09:00
	h.waitIncidentCalls(id)
	h.waitButton(uLiu, "📤 已上报")

	h.advanceTo(start.Add(29*time.Minute + 59*time.Second))
	h.quiet(uLiu, "上报提醒")
	h.advanceTo(start.Add(30 * time.Minute))
	for _, u := range []int64{uLiu, uHe} {
		r := h.waitMsg(u, "⏰ 上报提醒：事故 "+id, "须于 09:00 前向区应急管理局报告，还剩 30 分钟")
		button(t, r, "已上报")
	}
	rem := h.incidentEvents(id, incident.EvReminder)
	if len(rem) != 1 || !rem[0].At.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("reminder events = %+v", rem)
	}
	if n := len(h.messages(uWu, "上报提醒")); n != 0 {
		t.Errorf("the office head was reminded %d times; reminders go to the responsible leaders", n)
	}
	h.advanceTo(start.Add(49*time.Minute + 59*time.Second))
	h.quiet(uLiu, "还剩 10 分钟")
	h.advanceTo(start.Add(50 * time.Minute))
	h.waitMsg(uLiu, "⏰ 上报提醒：事故 "+id, "还剩 10 分钟")
	h.waitMsg(uHe, "⏰ 上报提醒：事故 "+id, "还剩 10 分钟")
	if rem := h.incidentEvents(id, incident.EvReminder); len(rem) != 2 || !rem[1].At.Equal(start.Add(50*time.Minute)) {
		t.Fatalf("reminder events = %+v", rem)
	}

	h.advanceTo(start.Add(59*time.Minute + 59*time.Second))
	time.Sleep(60 * time.Millisecond)
	if late := h.incidentEvents(id, incident.EvLate); len(late) != 0 || h.incident(id).Late {
		t.Fatalf("迟报 before the due time: %+v", late)
	}
	h.advanceTo(start.Add(time.Hour))
	call := h.waitMsg(uHe, "📣 叫应 🔴 红色", "事故迟报："+id+" 未在 09:00 前向区应急管理局报告")
	button(t, call, "收到")
	late := h.waitMsg(uLiu, "⚠️ 迟报：事故 "+id, "已记为迟报并叫应主要负责人")
	ev := h.incidentEvents(id, incident.EvLate)
	if len(ev) != 1 || !ev[0].At.Equal(start.Add(time.Hour)) || ev[0].Actor != "system" {
		t.Fatalf("incident_late events = %+v", ev)
	}
	in := h.incident(id)
	if !in.Late || in.LateAt == nil || !in.LateAt.Equal(start.Add(time.Hour)) || in.Escalation == "" {
		t.Fatalf("after the due time: %+v", in)
	}
	if esc := h.alert(in.Escalation); esc.Level != "red" || esc.Kind != "incident" || len(esc.Recipients) != 1 ||
		esc.Recipients[0].Official != "o-he" || esc.State != "open" {
		t.Errorf("escalation = %+v", esc)
	}

	// 刘洋 reports five minutes late, to the default department.
	h.advanceTo(start.Add(65 * time.Minute))
	h.pressAs(uLiu, late, "已上报")
	ask := h.waitButton(uLiu, "区应急管理局")
	if !strings.Contains(ask.Text, "事故 "+id+" 报给了哪个部门") {
		t.Errorf("ask: %q", ask.Text)
	}
	h.pressAs(uLiu, ask, "区应急管理局")
	h.waitMsg(uLiu, "✅ 已记录上报：事故 "+id+" 于 09:05 由刘洋报区应急管理局", "超出上报时限 5 分钟，记为迟报")
	for _, u := range []int64{uWu, uHe} {
		h.waitMsg(u, "✅ 事故 "+id+" 已于 09:05 由刘洋报区应急管理局", "超出上报时限 5 分钟，记为迟报")
	}
	in = h.incident(id)
	if in.ReportedUp == nil || !in.ReportedUp.Late || in.ReportedUp.By != "o-liu" || in.ReportedUp.To != "区应急管理局" ||
		!in.ReportedUp.At.Equal(start.Add(65*time.Minute)) {
		t.Errorf("reported up = %+v", in.ReportedUp)
	}
	if n := len(h.incidentEvents(id, incident.EvLate)); n != 1 {
		t.Errorf("%d incident_late events, want 1", n)
	}
	up := h.incidentEvents(id, incident.EvReportedUp)
	if len(up) != 1 || up[0].Actor != "o-liu" || !strings.Contains(up[0].Detail, "to 区应急管理局 at 2026-11-30 09:05") ||
		!strings.Contains(up[0].Detail, "迟报") {
		t.Errorf("incident_reported_up = %+v", up)
	}
	if st := h.alert(in.Escalation).State; st != "closed" {
		t.Errorf("the principal's escalation is %s after the report, want closed", st)
	}
	// Pressing again records nothing more.
	if a := h.pressAs(uLiu, late, "已上报"); !strings.Contains(a.Text, "已于 11-30 09:05 报区应急管理局") {
		t.Errorf("second press: %q", a.Text)
	}
	if n := len(h.incidentEvents(id, incident.EvReportedUp)); n != 1 {
		t.Errorf("%d incident_reported_up events after a second press", n)
	}
}

// 已上报 before the due time: the free-text department is recorded with
// the time and who, no reminder and no 迟报 follow; only the responsible
// leaders, principals and admins may press it.
func TestIncidentReportedUpInTime(t *testing.T) {
	h := newIncidentHarness(t)
	for _, u := range []int64{uZhang, uWu, uLiu, uHe, uAdmin} {
		h.bind(u)
	}
	id := h.postIncident(start.Add(-15*time.Minute), "gas", 0) // due 08:45, reminders 08:15 and 08:35
	h.waitIncidentCalls(id)
	card := h.waitButton(uLiu, "📤 已上报")
	data := button(t, card, "已上报")

	// Not for staff, nor the office head; not for the unbound (a forged
	// press in their own chat).
	own := func(u int64) fakeapi.Message { return h.waitMsg(u, "绑定成功") }
	if a := h.press(uZhang, own(uZhang), data); !a.ShowAlert || !strings.Contains(a.Text, "只有分管领导、主要负责人或管理员可以记录上报") {
		t.Errorf("staff press = %+v", a)
	}
	if a := h.press(uWu, own(uWu), data); !a.ShowAlert || !strings.Contains(a.Text, "只有分管领导") {
		t.Errorf("office head press = %+v", a)
	}
	h.srv.SendText(uStranger, "/start")
	stranger := h.waitMsg(uStranger, "Hello")
	if a := h.press(uStranger, stranger, data); !a.ShowAlert || !strings.Contains(a.Text, "not bound") {
		t.Errorf("stranger press = %+v", a)
	}
	if n := len(h.events(incident.EvReportedUp)); n != 0 {
		t.Fatalf("refused presses recorded %d reports", n)
	}
	if n := len(h.messages(uZhang, "报给了哪个部门")) + len(h.messages(uWu, "报给了哪个部门")); n != 0 {
		t.Fatalf("refused presses were asked whom (%d)", n)
	}
	// An admin may: the press asks, /incident cancel drops the question.
	h.press(uAdmin, own(uAdmin), data)
	h.waitMsg(uAdmin, "报给了哪个部门")
	h.srv.SendText(uAdmin, "/incident cancel")
	h.waitMsg(uAdmin, "已取消“填写上报对象”")
	h.srv.SendText(uAdmin, "区应急管理局")
	h.waitMsg(uAdmin, "如需操作请使用命令")

	h.advanceTo(start.Add(10 * time.Minute))
	h.press(uLiu, card, data)
	h.waitMsg(uLiu, "报给了哪个部门")
	h.srv.SendText(uLiu, "区应急管理局值班室（电话报告）")
	h.waitMsg(uLiu, "✅ 已记录上报：事故 "+id+" 于 08:10 由刘洋报区应急管理局值班室（电话报告）")
	if ms := h.messages(uLiu, "记为迟报"); len(ms) != 0 {
		t.Errorf("an in-time report called late: %q", ms[0].Text)
	}
	h.waitMsg(uHe, "✅ 事故 "+id+" 已于 08:10 由刘洋报区应急管理局值班室（电话报告）")

	h.advanceTo(start.Add(2 * time.Hour))
	time.Sleep(60 * time.Millisecond)
	if n := len(h.incidentEvents(id, incident.EvReminder)); n != 0 {
		t.Errorf("%d reminders after the report", n)
	}
	if n := len(h.incidentEvents(id, incident.EvLate)); n != 0 {
		t.Errorf("%d incident_late events for an in-time report", n)
	}
	if _, ok := h.app.Engine.Linked("incident-late:" + id); ok {
		t.Error("an in-time report was escalated")
	}
	in := h.incident(id)
	if in.Late || in.ReportedUp == nil || in.ReportedUp.Late || in.ReportedUp.By != "o-liu" ||
		in.ReportedUp.To != "区应急管理局值班室（电话报告）" || !in.ReportedUp.At.Equal(start.Add(10*time.Minute)) {
		t.Errorf("incident = %+v", in)
	}
	up := h.incidentEvents(id, incident.EvReportedUp)
	if len(up) != 1 || up[0].Official != "o-liu" || !strings.Contains(up[0].Detail, "区应急管理局值班室（电话报告） at 2026-11-30 08:10") {
		t.Errorf("incident_reported_up = %+v", up)
	}
	// Nothing is pending any more: the card's button says so.
	if a := h.press(uHe, h.waitButton(uHe, "📤 已上报"), data); !strings.Contains(a.Text, "已于 11-30 08:10 报区应急管理局值班室（电话报告）") {
		t.Errorf("press after the report = %q", a.Text)
	}
}
