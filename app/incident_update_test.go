package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/incident"
	"dutybot/storage"
)

// updateIncident sends a 续报 over the API and returns the answer.
func (h *harness) updateIncident(id, body string) map[string]any {
	h.t.Helper()
	code, out := h.apiDo("POST", "/api/v1/incidents/"+id+"/update", testAPIToken, body)
	if code != 200 {
		h.t.Fatalf("update %s %s: %d %v", id, body, code, out)
	}
	return out
}

// A 续报 in chat: the figures change, the level is recomputed and, as it
// rises, everyone concerned is told; the casualty change inside the 补报
// window asks the responsible leaders for a 补报, which they record.
// Someone outside the office may look but not update.
func TestIncidentFollowUpRelevelsAndAsksSupplement(t *testing.T) {
	h := newIncidentHarness(t)
	for _, u := range []int64{uZhang, uWu, uLiu, uHe, uChen} {
		h.bind(u)
	}
	id := h.postIncident(start.Add(-10*time.Minute), "road_traffic", 1)
	h.waitIncidentCalls(id)
	if _, err := h.app.Incidents.ReportUp(id, "o-liu", "", "chat"); err != nil {
		t.Fatal(err)
	}

	// 陈杰 heads another unit: he sees the card, cannot update.
	h.srv.SendText(uChen, "/incident "+id)
	h.waitMsg(uChen, "🚨 事故 "+id, "初判：一般事故", "无权续报")
	h.srv.SendText(uChen, "3")
	h.waitMsg(uChen, "如需操作请使用命令")
	h.srv.SendText(uChen, "/incident I20991231-01")
	h.waitMsg(uChen, "没有编号为 I20991231-01 的事故")

	h.advanceTo(start.Add(20 * time.Minute))
	h.srv.SendText(uZhang, "/incident "+id)
	h.waitMsg(uZhang, "🚨 事故 "+id, "✅ 已上报：08:00 刘洋 → 区应急管理局")
	h.waitMsg(uZhang, "续报 "+id+" 1/5：死亡人数？", "当前：1")
	h.srv.SendText(uZhang, "3")
	m := h.waitMsg(uZhang, "续报 "+id+" 2/5：重伤（含急性工业中毒）人数？", "当前：0")
	h.pressAs(uZhang, m, "不变")
	h.waitMsg(uZhang, "续报 "+id+" 3/5：失踪人数？")
	h.srv.SendText(uZhang, "不变")
	m = h.waitMsg(uZhang, "续报 "+id+" 4/5", "当前：20")
	h.pressAs(uZhang, m, "不变")
	h.waitMsg(uZhang, "续报 "+id+" 5/5", "续报说明")
	h.srv.SendText(uZhang, "2名伤者抢救无效死亡")
	preview := h.waitMsg(uZhang, "请确认续报 "+id, "死亡 1→3 人，重伤 0 人，失踪 0 人，直接经济损失（估）20 万元",
		"说明：2名伤者抢救无效死亡", "等级：较大事故（由一般事故升级）", "补报期限（2026-12-07 07:50 前）内")
	h.pressAs(uZhang, preview, "提交")
	h.waitMsg(uZhang, "✅ 续报已记录：事故 "+id, "由一般事故升级，已通知相关领导", "须向区应急管理局补报")
	for _, u := range []int64{uWu, uLiu, uHe} {
		n := h.waitMsg(u, "📝 事故 "+id, "续报（张明）", "死亡 1→3 人", "等级由一般事故升为较大事故", "须向区应急管理局补报")
		_, canRecord := map[int64]bool{uLiu: true, uHe: true}[u]
		if got := len(n.Inline) > 0; got != canRecord {
			t.Errorf("chat %d: 已补报 button %v, want %v", u, got, canRecord)
		}
	}
	in := h.incident(id)
	if in.Level != "larger" || in.Deaths != 3 || !in.SupplementDue || len(in.Updates) != 1 ||
		in.Updates[0].LevelBefore != "general" || !in.Updates[0].Supplement || in.Updates[0].OutsideWindow {
		t.Fatalf("after the 续报: %+v", in)
	}
	upd := h.incidentEvents(id, incident.EvUpdate)
	if len(upd) != 1 || upd[0].Actor != "o-zhang" || upd[0].Detail != "deaths 1→3; level general→larger; note: 2名伤者抢救无效死亡" {
		t.Errorf("incident_update = %+v", upd)
	}
	if sup := h.incidentEvents(id, incident.EvSupplement); len(sup) != 1 || !strings.Contains(sup[0].Detail, "deaths 1→3") {
		t.Errorf("incident_supplement = %+v", sup)
	}

	// 刘洋 records the 补报.
	h.advanceTo(start.Add(40 * time.Minute))
	card := h.waitButton(uLiu, "📤 已补报")
	h.pressAs(uLiu, card, "已补报")
	ask := h.waitMsg(uLiu, "伤亡变化补报给了哪个部门")
	h.pressAs(uLiu, ask, "区应急管理局")
	h.waitMsg(uLiu, "📤 已记录补报：事故 "+id+" 于 08:40 由刘洋补报区应急管理局")
	h.waitMsg(uHe, "📤 事故 "+id+" 伤亡变化已于 08:40 由刘洋补报区应急管理局")
	in = h.incident(id)
	if in.SupplementDue || len(in.Supplements) != 1 || in.Supplements[0].By != "o-liu" || !in.Supplements[0].At.Equal(start.Add(40*time.Minute)) {
		t.Errorf("after the 补报: %+v", in)
	}
	if up := h.incidentEvents(id, incident.EvReportedUp); len(up) != 2 || !strings.HasPrefix(up[1].Detail, "补报 to 区应急管理局") {
		t.Errorf("incident_reported_up = %+v", up)
	}
	// A loss-only 续报 can raise the level too, without a 补报.
	out := h.updateIncident(id, `{"direct_loss_wan": 5000, "by": "o-wu"}`)
	if out["level"] != "major" || out["previous_level"] != "larger" || out["level_rose"] != true || out["supplement"] != false {
		t.Errorf("loss 续报 = %v", out)
	}
	h.waitMsg(uHe, "📝 事故 "+id, "续报（吴敏）", "直接经济损失（估）20→5000 万元", "等级由较大事故升为重大事故")
	// A 续报 that lowers nothing and raises nothing tells no one.
	before := len(h.srv.Messages(uHe))
	h.updateIncident(id, `{"account": "现场已清理"}`)
	time.Sleep(60 * time.Millisecond)
	if after := len(h.srv.Messages(uHe)); after != before {
		t.Errorf("a note-only 续报 sent %d messages to the principal", after-before)
	}
}

// Casualty changes are 补报 within 7 days of a road-traffic or fire
// accident and 30 days of others; after that they are recorded and
// flagged as outside the window.
func TestIncidentSupplementWindow(t *testing.T) {
	h := newIncidentHarness(t)
	h.bind(uLiu)
	occurred := start.Add(-10 * time.Minute)
	road := h.postIncident(occurred, "road_traffic", 0)
	fire := h.postIncident(occurred, "消防", 0)
	gas := h.postIncident(occurred, "gas", 0)
	if c := h.incident(fire).Category; c != "fire" {
		t.Fatalf("category by name = %q", c)
	}
	check := func(id string, at time.Time, body string, supplement bool) {
		t.Helper()
		h.advanceTo(at)
		before := len(h.incidentEvents(id, incident.EvSupplement))
		out := h.updateIncident(id, body)
		if out["supplement"] != supplement || out["outside_window"] != !supplement {
			t.Errorf("%s at %s: supplement %v, outside %v; want supplement %v", id, at.Format("01-02 15:04"),
				out["supplement"], out["outside_window"], supplement)
		}
		want := before
		if supplement {
			want++
		}
		if n := len(h.incidentEvents(id, incident.EvSupplement)); n != want {
			t.Errorf("%s: %d incident_supplement events, want %d", id, n, want)
		}
		upd := h.incidentEvents(id, incident.EvUpdate)
		last := upd[len(upd)-1]
		if flagged := strings.Contains(last.Detail, "outside the 补报 window"); flagged == supplement {
			t.Errorf("%s: update detail %q (flagged %v)", id, last.Detail, flagged)
		}
	}
	day := 24 * time.Hour
	check(road, occurred.Add(7*day-time.Minute), `{"serious_injuries": 1}`, true)
	check(fire, occurred.Add(7*day), `{"serious_injuries": 1}`, true) // the last moment of the window
	check(gas, occurred.Add(7*day+time.Minute), `{"missing": 1}`, true)
	check(road, occurred.Add(7*day+time.Minute), `{"serious_injuries": 2}`, false)
	check(fire, occurred.Add(8*day), `{"deaths": 1}`, false)
	check(gas, occurred.Add(30*day), `{"missing": 0, "deaths": 1}`, true)
	check(gas, occurred.Add(30*day+time.Minute), `{"serious_injuries": 4}`, false)
	// A change of the loss alone is no casualty change: no 补报, no flag.
	out := h.updateIncident(gas, `{"direct_loss_wan": "35"}`)
	if out["supplement"] != false || out["outside_window"] != false {
		t.Errorf("loss-only change after the window: %v", out)
	}
	in := h.incident(gas)
	if in.Deaths != 1 || in.Missing != 0 || in.SeriousInjuries != 4 || in.DirectLossWan != "35" || len(in.Updates) != 4 {
		t.Errorf("gas incident after its 续报: %+v", in)
	}
}

// A restart with pending deadlines, and one while a deadline passes,
// sends each reminder and the 迟报 exactly once.
func TestIncidentClocksSurviveRestart(t *testing.T) {
	h := newIncidentHarness(t)
	for _, u := range []int64{uWu, uLiu, uHe} {
		h.bind(u)
	}
	id := h.postIncident(start, "gas", 0) // due 09:00, reminders 08:30 and 08:50
	h.waitIncidentCalls(id)
	h.restart()
	h.advanceTo(start.Add(30 * time.Minute))
	h.waitMsg(uLiu, "上报提醒：事故 "+id, "还剩 30 分钟")
	h.restart()
	h.advanceTo(start.Add(50 * time.Minute))
	h.waitMsg(uLiu, "上报提醒：事故 "+id, "还剩 10 分钟")
	h.eventually("the 10-minute reminder of 何军", func() bool { return len(h.messages(uHe, "还剩 10 分钟")) == 1 })

	// Down while the due time passes: 迟报 comes at once on the way up.
	h.stop()
	h.advanceTo(start.Add(90 * time.Minute))
	h.startApp()
	h.waitMsg(uLiu, "⚠️ 迟报：事故 "+id)
	h.waitMsg(uHe, "📣 叫应 🔴 红色", "事故迟报："+id)
	h.restart()
	h.advanceTo(start.Add(3 * time.Hour))
	time.Sleep(100 * time.Millisecond)

	counts := []struct {
		chat int64
		s    string
		want int
	}{
		{uLiu, "上报提醒：事故 " + id, 2},
		{uHe, "上报提醒：事故 " + id, 2},
		{uLiu, "⚠️ 迟报：事故 " + id, 1},
		{uHe, "📣 叫应 🔴 红色 · ", 2}, // the accident and the 迟报
	}
	for _, c := range counts {
		if got := len(h.messages(c.chat, c.s)); got != c.want {
			t.Errorf("chat %d has %d messages with %q, want %d", c.chat, got, c.s, c.want)
		}
	}
	if n := len(h.incidentEvents(id, incident.EvReminder)); n != 2 {
		t.Errorf("%d incident_reminder events, want 2", n)
	}
	late := h.incidentEvents(id, incident.EvLate)
	if len(late) != 1 || !late[0].At.Equal(start.Add(90*time.Minute)) {
		t.Errorf("incident_late events = %+v", late)
	}
	if n := len(h.events(storage.EvCreated)); n != 2 {
		t.Errorf("%d alerts created, want 2 (the accident's and the 迟报's)", n)
	}
	var left int
	_ = h.app.DB.View(func(tx *storage.Tx) error {
		for _, d := range tx.DueDeadlines(start.Add(1000*time.Hour), 1000) {
			if strings.HasPrefix(d.Key, "i:") {
				left++
			}
		}
		return nil
	})
	if left != 0 {
		t.Errorf("%d incident deadlines left", left)
	}
}

// The API refuses bad input with the reason and creates nothing.
func TestIncidentAPIValidation(t *testing.T) {
	h := newIncidentHarness(t)
	h.bind(uLiu)
	body := func(mod string) string {
		fields := map[string]string{"occurred_at": `"2026-11-30T07:30:00+08:00"`, "place": `"金凤路口"`, "unit": `"某公司"`,
			"category": `"gas"`, "deaths": "0", "serious_injuries": "0", "missing": "0", "direct_loss_wan": "1", "account": `"泄漏"`}
		for _, kv := range strings.Split(mod, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				if v == "<none>" {
					delete(fields, k)
				} else {
					fields[k] = v
				}
			}
		}
		var parts []string
		for k, v := range fields {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	tests := []struct {
		mod, want string
	}{
		{`occurred_at="2026-11-30T09:00:00+08:00"`, "occurred_at: 2026-11-30 09:00 is in the future"},
		{`occurred_at="2026-11-30 08:30"`, "occurred_at: 2026-11-30 08:30 is in the future"},
		{`occurred_at="昨天"`, `occurred_at: "昨天" is not RFC 3339`},
		{`occurred_at=<none>`, "occurred_at: required"},
		{`deaths=-1`, "deaths: -1 must not be negative"},
		{`serious_injuries=-2`, "serious_injuries: -2 must not be negative"},
		{`missing=-3`, "missing: -3 must not be negative"},
		{`direct_loss_wan=-5`, "direct_loss_wan: -5 must not be negative"},
		{`direct_loss_wan="很多"`, "invalid number literal"},
		{`category="飞机"`, `category: "飞机" is not one of road_traffic, construction, gas`},
		{`category=<none>`, `category: "" is not one of`},
		{`place=" "`, "place: required"},
		{`unit=<none>`, "unit: required"},
		{`deaths=1.5`, "bad JSON"},
		{`colour="red"`, `bad JSON: json: unknown field "colour"`},
		{`reporter="o-nobody"`, `reporter: unknown official "o-nobody"`},
	}
	for _, tt := range tests {
		code, out := h.apiDo("POST", "/api/v1/incidents", testAPIToken, body(tt.mod))
		if code != 400 || !strings.Contains(fmt.Sprint(out["error"]), tt.want) {
			t.Errorf("%s: %d %v, want 400 %q", tt.mod, code, out, tt.want)
		}
	}
	if code, _ := h.apiDo("POST", "/api/v1/incidents", "wrong-token", body("")); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	var list struct {
		Incidents []any `json:"incidents"`
	}
	h.getJSON("/api/v1/incidents", &list)
	if len(list.Incidents) != 0 || len(h.events(incident.EvReported, storage.EvCreated)) != 0 {
		t.Fatalf("bad requests created %d incidents", len(list.Incidents))
	}

	// A good one: local time, the category by its name, the loss in 万元.
	code, out := h.apiDo("POST", "/api/v1/incidents", testAPIToken,
		body(`occurred_at="2026-11-30 07:30";category="危化品";direct_loss_wan=1200.5;deaths=2;missing=1;reporter="o-zhang"`))
	if code != 201 || out["id"] != "I20261130-01" || out["level"] != "larger" || out["report_due"] != "2026-11-30T08:30:00+08:00" {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	in := h.incident(id)
	if in.Category != "hazardous_chemicals" || in.DirectLossWan != "1200.5" || in.Reporter != "o-zhang" || in.Source != "api" {
		t.Errorf("stored = %+v", in)
	}
	if code, _ := h.apiDo("GET", "/api/v1/incidents/I20990101-01", testAPIToken, ""); code != 404 {
		t.Errorf("unknown incident: %d", code)
	}

	// 已上报 and 续报 over the API.
	for _, tt := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/reported", `{"by":"o-nobody"}`, 400, `by: unknown official "o-nobody"`},
		{"/reported", `{"by":"o-zhang"}`, 403, "may not"},
		{"/reported", `{"by":"o-wu"}`, 403, "may not"},
		{"/update", `{}`, 400, "nothing to update"},
		{"/update", `{"deaths": -1}`, 400, "deaths: -1 must not be negative"},
		{"/update", `{"direct_loss_wan": -1}`, 400, "direct_loss_wan: -1 must not be negative"},
		{"/update", `{"deaths": 1, "by": "o-chen"}`, 403, "may not"},
		{"/update", `{"deaths": 1, "by": "o-ghost"}`, 400, `by: unknown official "o-ghost"`},
	} {
		code, out := h.apiDo("POST", "/api/v1/incidents/"+id+tt.path, testAPIToken, tt.body)
		if code != tt.code || !strings.Contains(fmt.Sprint(out["error"]), tt.want) {
			t.Errorf("%s %s: %d %v, want %d %q", tt.path, tt.body, code, out, tt.code, tt.want)
		}
	}
	if n := len(h.events(incident.EvReportedUp, incident.EvUpdate)); n != 0 {
		t.Fatalf("refused requests recorded %d events", n)
	}
	code, reported := h.apiDo("POST", "/api/v1/incidents/"+id+"/reported", testAPIToken, `{"by":"o-liu","to":"区应急管理局（网报）"}`)
	up, _ := reported["reported_up"].(map[string]any)
	if code != 200 || up == nil || up["by"] != "o-liu" || up["to"] != "区应急管理局（网报）" || up["late"] != false {
		t.Errorf("reported: %d %v", code, reported)
	}
	if code, out := h.apiDo("POST", "/api/v1/incidents/"+id+"/reported", testAPIToken, `{}`); code != 409 {
		t.Errorf("reported twice: %d %v", code, out)
	}
	if code, out := h.apiDo("POST", "/api/v1/incidents/I20990101-01/reported", testAPIToken, `{}`); code != 404 {
		t.Errorf("reported unknown: %d %v", code, out)
	}
	h.waitMsg(uLiu, "📋 事故 "+id) // the card went to the 分管领导
	if n := len(h.messages(uLiu, "已于 08:00 由刘洋报")); n != 0 {
		t.Errorf("the official who reported over the API was told about it (%d)", n)
	}
	tl := h.incident(id).Timeline
	if len(tl) != 2 || tl[0].Type != "incident_reported" || tl[0].Actor != "o-zhang" || tl[1].Type != "incident_reported_up" ||
		tl[1].Actor != "o-liu" || !strings.Contains(tl[1].Detail, "to 区应急管理局（网报） at 2026-11-30 08:00") {
		t.Errorf("timeline = %+v", tl)
	}
}

// Only bound officials report: an unbound user is asked to bind first
// and nothing is drafted; a group is told to use a private chat.
func TestIncidentNeedsABoundOfficial(t *testing.T) {
	h := newIncidentHarness(t)
	h.srv.SendText(uStranger, "/incident")
	h.waitMsg(uStranger, "Hello")
	h.srv.SendText(uStranger, "今天 07:50")
	time.Sleep(60 * time.Millisecond)
	var drafts int
	_ = h.app.DB.View(func(tx *storage.Tx) error {
		if _, err := tx.Conversation(uStranger); err == nil {
			drafts++
		}
		return nil
	})
	if drafts != 0 {
		t.Error("an unbound user got an incident draft")
	}
	if ms := h.messages(uStranger, "1/10"); len(ms) != 0 {
		t.Errorf("an unbound user was asked: %q", ms[0].Text)
	}
	h.bind(uZhang)
	const group = -100500
	h.srv.AddGroup(group, "应急办工作群")
	h.srv.SendGroupText(group, uZhang, "/incident")
	h.waitMsg(group, "请在与我的私聊中进行事故直报")
}
