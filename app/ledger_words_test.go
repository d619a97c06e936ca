package app_test

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/incident"
	"dutybot/roster"
	"dutybot/storage"
	"dutybot/tips"
	"dutybot/weather"
)

// nextDeadline is the earliest pending deadline of the app.
func (h *harness) nextDeadline() (time.Time, bool) {
	var next time.Time
	var ok bool
	_ = h.app.DB.View(func(tx *storage.Tx) error {
		next, ok = tx.NextDeadline()
		return nil
	})
	return next, ok
}

// drained waits until the outbox has sent everything queued, so that the
// deliveries (and the deadlines they schedule) happen at the current time.
func (h *harness) drained() {
	h.t.Helper()
	h.eventually("the outbox drained", func() bool {
		n := -1
		_ = h.app.DB.View(func(tx *storage.Tx) error {
			jobs, err := tx.Jobs()
			n = len(jobs)
			return err
		})
		return n == 0
	})
}

// runTo moves the clock to t deadline by deadline, waiting at each for the
// app to fire what is due and send what that queued: every step is
// recorded at its own time.
func (h *harness) runTo(t time.Time) {
	h.t.Helper()
	for {
		h.drained()
		next, ok := h.nextDeadline()
		if !ok || next.After(t) {
			h.advanceTo(t)
			return
		}
		if next.After(h.clk.Now()) {
			h.advanceTo(next)
		}
		now := h.clk.Now()
		h.eventually("the deadlines due at "+now.Format("01-02 15:04:05"), func() bool {
			n, ok := h.nextDeadline()
			return !ok || n.After(now)
		})
	}
}

// ledgerTexts are the words typed by people (titles, places, notes) in
// ledgerHistory: the only words of the workbook not in its language.
var ledgerTexts = []string{"暴雨红色预警", "山洪蓝色预警", "值班表.xlsx", "含谷镇工业园区", "某建材公司", "脚手架坍塌，一人受伤送医",
	"伤者经抢救无效死亡", "某厂消防通道堵塞", "已督促企业清理通道", "检查企业 3 家", "3号桥积水已处置，请下一班继续关注",
	"今夜有大暴雨，请立即到岗", "区应急管理局", "镇政府值班室",
	"企业1", "企业2", "何伟", "消防通道被货物堵塞", "已清理通道", "仍有杂物", "储罐区可燃气体报警器失效", "站长", "更换报警器",
	"2万元", "10天", "停气预案"}

// ledgerHistory plays two days of a town in lang, through the services as
// the bot and the API drive them, and returns the workbook of 11-30 and
// 12-01 exported over the API:
//   - a red 暴雨 call to 吴敏, the head of 应急办 (her own silence is not
//     escalated to the unit head: she is the unit head), and 李芳, who has
//     blocked the bot (her second call is skipped);
//   - a roster imported by 安琪 with two shifts: 11-30 09:00–21:00 led by
//     刘洋 with 张明; 12-01 08:00 for a day led by 杜峰 with 张明 and 陈杰,
//     who never bound the bot; reminders, the check-ins (刘洋's own
//     silence is not escalated to the 带班领导: he is the 带班领导), a
//     swap of 张明's second shift to 吴敏, a handover note;
//   - a red rainstorm warning with extreme-weather duty, lifted;
//   - an accident reported late, with a death added and a 补报;
//   - an anonymous hazard tip, assigned, verified and rewarded;
//   - a registry of two enterprises (企业1, 企业2: 刘洋 and 吴敏 on their
//     plaques, in 应急办's area), imported over the API;
//   - a hazard at 企业1 found by 张明 on 11-30, overdue that evening (a
//     叫应 to 吴敏), fixed by the enterprise, sent back by 张明, fixed
//     again, rechecked by 张明 and closed by 吴敏 on 12-01; a 重大隐患 at
//     企业2 assigned with its 五落实 and left open;
//   - a task report and an export of the ledger.
func ledgerHistory(t *testing.T, lang string) (*harness, []byte) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		y = strings.Replace(tagged(y), "language: zh-CN", "language: "+lang, 1)
		return y + "\ntasks:\n  overdue_level: \"off\"\n"
	}})
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uAdmin} {
		h.bind(u)
	}
	at := func(d, hour, min int) time.Time {
		return time.Date(2026, 11, 30+d, hour, min, 0, 0, start.Location())
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// 08:00 a red call; 李芳 blocks the bot, and a call she cannot get
	// marks her unreachable before her second call is due.
	h.createAlert("red", "暴雨红色预警", `{"officials":["o-wu","o-li"]}`)
	h.waitMsg(uWu, "暴雨红色预警")
	h.waitMsg(uLi, "暴雨红色预警") // delivered before she blocks, or she never had it
	h.srv.Block(uLi)
	blue := h.createAlert("blue", "山洪蓝色预警", `{"officials":["o-li"]}`)
	h.eventually("李芳 unreachable", func() bool { return h.recipient(blue, "o-li").State == "unreachable" })

	// The roster, imported by the admin.
	_, err := h.app.Rota.Import([]roster.Shift{
		{Start: at(0, 9, 0), End: at(0, 21, 0), Leader: "o-liu", Staff: []string{"o-zhang"}, Place: "镇政府值班室", Kind: roster.Daily},
		{Start: at(1, 8, 0), End: at(2, 8, 0), Leader: "o-duty", Staff: []string{"o-zhang", "o-chen"}, Place: "镇政府值班室", Kind: roster.Daily},
	}, "o-admin", "值班表.xlsx")
	must("import", err)

	// The registry, imported over the API.
	var imported map[string]any
	if code := h.uploadEnterprises("台账.yaml", registryYAML(2, false), testAPIToken, &imported); code != http.StatusOK {
		t.Fatalf("registry: %d %v", code, imported)
	}

	// 09:00 the check-in: 张明 answers, 刘洋 stays silent.
	h.runTo(at(0, 9, 0))
	first := h.checkin("20261130-0900")
	h.runTo(at(0, 9, 3))
	_, err = h.app.Engine.Ack("o-zhang", first, "o-zhang")
	must("check in", err)
	h.runTo(at(0, 9, 50))

	// 10:00 a red rainstorm warning, lifted at 10:05.
	h.runTo(at(0, 10, 0))
	res, err := h.app.Weather.Issue(weather.Request{Type: "rainstorm", Level: "red", Text: "今夜有大暴雨，请立即到岗",
		Issuer: "o-duty", Source: "chat"})
	must("warning", err)
	h.runTo(at(0, 10, 5))
	_, err = h.app.Weather.Lift("o-duty", res.Warning.ID)
	must("lift", err)

	// 11:00 an accident, reported up late, then a death and its 补报.
	h.runTo(at(0, 11, 0))
	inc, err := h.app.Incidents.Submit(incident.Report{OccurredAt: at(0, 10, 50), Place: "含谷镇工业园区", Unit: "某建材公司",
		Category: incident.CatConstruction, Serious: 1, LossYuan: 200_000, Account: "脚手架坍塌，一人受伤送医",
		Reporter: "o-zhang", Source: "chat"})
	must("incident", err)
	id := inc.Incident.ID
	h.runTo(inc.Incident.ReportDue.Add(10 * time.Minute))
	_, err = h.app.Incidents.ReportUp(id, "o-he", "区应急管理局", "chat")
	must("report up", err)
	h.runTo(h.clk.Now().Add(10 * time.Minute))
	dead := 1
	_, err = h.app.Incidents.Update(id, incident.Change{Deaths: &dead, Note: "伤者经抢救无效死亡", By: "o-zhang", Source: "chat"})
	must("update", err)
	h.runTo(h.clk.Now().Add(10 * time.Minute))
	_, err = h.app.Incidents.ReportUp(id, "o-he", "区应急管理局", "chat")
	must("补报", err)

	// 13:00 an anonymous tip, assigned to 城管大队, verified and rewarded.
	h.runTo(at(0, 13, 0))
	tip, err := h.app.Tips.Submit(tips.Report{Text: "某厂消防通道堵塞", Place: "含谷镇工业园区", Anonymous: true,
		Tipster: tips.Tipster{ChatID: uZhang, UserID: uZhang, Official: "o-zhang"}})
	must("tip", err)
	_, err = h.app.Tips.Assign("o-admin", tip.Ref, "cgdd", 72*time.Hour, false)
	must("assign", err)
	h.runTo(at(0, 13, 30))
	_, err = h.app.Tips.Close("o-admin", tip.Ref, true, "已督促企业清理通道")
	must("close tip", err)
	_, err = h.app.Tips.Reward("o-he", tip.Ref, "500")
	must("reward", err)

	// 13:35 two hazards found by 张明: one due at 18:00, a 重大隐患 with
	// its 五落实.
	h.runTo(at(0, 13, 35))
	hazardAPI := func(path, body string) map[string]any {
		t.Helper()
		code, out := h.apiDo("POST", "/api/v1/hazards"+path, testAPIToken, body)
		if code != http.StatusOK && code != http.StatusCreated {
			t.Fatalf("hazard %s: %d %v", path, code, out)
		}
		return out
	}
	general := hazardAPI("", `{"enterprise":"`+creditCode(1)+`","found_by":"o-zhang","level":"一般",
		"description":"消防通道被货物堵塞","photos":["p1"],"deadline":"2026-11-30 18:00"}`)["id"].(string)
	hazardAPI("", `{"enterprise":"`+creditCode(2)+`","found_by":"o-zhang","level":"重大",
		"description":"储罐区可燃气体报警器失效","deadline":"2026-12-10",
		"five":{"responsibility":"站长","measures":"更换报警器","funds":"2万元","time_limit":"10天","plan":"停气预案"}}`)

	// 13:40 a task report; 14:00 张明 hands his second shift to 吴敏.
	h.runTo(at(0, 13, 40))
	_, err = h.app.Tasks.Report("o-zhang", "14.2/~o-zhang/2026-11-30", 1, "检查企业 3 家", "")
	must("report", err)
	h.runTo(at(0, 14, 0))
	sw, _, err := h.app.Rota.RequestSwap("o-zhang", "2026-12-01", "吴敏")
	must("swap", err)
	_, err = h.app.Rota.AnswerSwap("o-wu", sw.ID, true)
	must("accept swap", err)
	_, err = h.app.Rota.DecideSwap("o-duty", sw.ID, true)
	must("approve swap", err)

	// 21:00 the first shift ends: 张明 writes the handover note.
	h.runTo(at(0, 21, 5))
	_, err = h.app.Rota.StartHandover("o-zhang", "20261130-0900")
	must("start handover", err)
	_, err = h.app.Rota.Handover("o-zhang", "20261130-0900", "3号桥积水已处置，请下一班继续关注", nil)
	must("handover", err)

	// 12-01 08:00 the second shift: 吴敏 and 杜峰 check in; 陈杰 cannot
	// be reached.
	h.runTo(at(1, 8, 0))
	second := h.checkin("20261201-0800")
	h.runTo(at(1, 8, 2))
	for _, o := range []string{"o-wu", "o-duty"} {
		_, err = h.app.Engine.Ack(o, second, o)
		must("check in "+o, err)
	}
	// 12-01 09:00 the overdue hazard is fixed, sent back, fixed again,
	// rechecked and closed.
	h.runTo(at(1, 9, 0))
	hazardAPI("/"+general+"/rectified", `{"by":"enterprise","note":"已清理通道","photos":["p2"]}`)
	h.runTo(at(1, 9, 30))
	hazardAPI("/"+general+"/recheck", `{"by":"o-zhang","ok":false,"note":"仍有杂物","deadline":"2026-12-01 12:00"}`)
	h.runTo(at(1, 11, 0))
	hazardAPI("/"+general+"/rectified", `{"by":"enterprise","note":"已清理通道","photos":["p3"]}`)
	h.runTo(at(1, 11, 30))
	hazardAPI("/"+general+"/recheck", `{"by":"o-zhang","ok":true}`)
	hazardAPI("/"+general+"/close", `{"by":"o-wu"}`)
	// An export of the first day, recorded; the second shift ends.
	if code, _, _ := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-11-30", testAPIToken); code != http.StatusOK {
		t.Fatalf("export: %d", code)
	}
	h.runTo(at(2, 9, 0))

	code, _, data := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-12-01", testAPIToken)
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, data)
	}
	return h, data
}

// allRows reads every sheet of a workbook, by name, in order.
func allRows(t *testing.T, data []byte) ([]string, map[string][][]string) {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		out[s] = rows
	}
	return f.GetSheetList(), out
}

// findRow returns the first row of rows whose cells hold every part, each
// in some cell.
func findRow(rows [][]string, parts ...string) []string {
	for _, r := range rows {
		line := "\x00" + strings.Join(r, "\x00") + "\x00"
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return r
		}
	}
	return nil
}

// The zh-CN workbook of a realistic history holds no English and no ids
// where names belong: checked cell by cell on every sheet, the only ASCII
// words are in the columns the sheets define as ids (叫应编号, 编号, the
// chain head's hash), and those hold ids of calls, incidents and tips,
// never of officials or units. Why a step did not escalate reads as such.
func TestLedgerWorkbookIsChinese(t *testing.T) {
	_, data := ledgerHistory(t, "zh-CN")
	sheets, rows := allRows(t, data)
	if want := []string{"叫应记录", "任务报告", "值班记录", "事故直报", "隐患举报", "检查记录", "隐患台账", "挂牌企业", "挂牌责任人履职", "汇总"}; !reflect.DeepEqual(sheets, want) {
		t.Fatalf("sheets %v, want %v", sheets, want)
	}
	// The id columns, by sheet (0-based), and the one id cell of the summary.
	idCols := map[string][]int{"叫应记录": {0}, "值班记录": {4}, "事故直报": {4}, "隐患举报": {4}, "隐患台账": {0, 2}, "挂牌企业": {1}, "检查记录": {0, 3}}
	idCell := func(sheet string, r, c int) bool {
		if cols, ok := idCols[sheet]; ok {
			return r > 0 && slices.Contains(cols, c)
		}
		return sheet == "汇总" && r == 4 && c == 1 // 事件链头哈希
	}
	asciiWord := regexp.MustCompile(`[A-Za-z]{2,}`)
	// Ids of calls, incidents, tips and hazards, hashes, and the
	// enterprises' 统一社会信用代码.
	idForm := regexp.MustCompile(`^(\d{8}-\d{4}|[A-Z]{1,2}-?\d{4,8}(-\d{1,4})?|[0-9a-f]{64}|[0-9A-HJ-NPQRTUWXY]{18})$`)
	officialID := regexp.MustCompile(`\bo-[a-z]+`)
	cells := 0
	for _, s := range sheets {
		for r, row := range rows[s] {
			for c, v := range row {
				cells++
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				switch {
				case v == "":
				case idCell(s, r, c):
					if !idForm.MatchString(v) {
						t.Errorf("%s!%s = %q: not the id of a call, incident, tip or hazard, nor a credit code", s, name, v)
					}
				case asciiWord.MatchString(v) || officialID.MatchString(v) || strings.Contains(v, "<no value>"):
					t.Errorf("%s!%s = %q: English or an id in the Chinese workbook", s, name, v)
				}
			}
		}
	}
	if cells < 300 {
		t.Errorf("only %d cells: the history did not play out", cells)
	}

	// What the steps and records say, with names: every step of a call
	// and the detail of every record, whole.
	calls := rows["叫应记录"]
	want := []struct {
		sheet string
		parts []string
	}{
		{"叫应记录", []string{"暴雨红色预警", "吴敏", "11-30 08:10 再次提醒；11-30 08:20 未升级：本人即单位负责人，无需再升级；" +
			"11-30 08:30 升级至分管领导：刘洋；11-30 08:45 升级至主要负责人：何军"}},
		{"叫应记录", []string{"暴雨红色预警", "李芳", "11-30 08:10 未能再次提醒（无法送达）；11-30 08:20 升级至单位负责人：吴敏；" +
			"11-30 08:30 升级至分管领导：刘洋；11-30 08:45 升级至主要负责人：何军"}},
		{"叫应记录", []string{"到岗签到 · 11-30（周一）09:00–21:00", "刘洋", "未应答（已升级）", "11-30 09:15 未升级：本人即带班领导，无需再升级；" +
			"11-30 09:30 升级至值班办公室负责人：吴敏；11-30 09:45 升级至主要负责人：何军"}},
		{"叫应记录", []string{"到岗签到 · 12-01（周二）08:00–次日08:00", "陈杰", "无法送达", "12-01 08:00 升级至带班领导：杜峰；" +
			"12-01 08:15 升级至值班办公室负责人：吴敏；12-01 08:30 升级至主要负责人：何军"}},
		{"叫应记录", []string{"事故直报", "何军", "11-30 11:10 再次提醒；11-30 11:20 未升级：本人即单位负责人，无需再升级；11-30 11:30 未升级：本人即分管领导，无需再升级；" +
			"11-30 11:45 未升级：本人即主要负责人，无需再升级"}},
		{"值班记录", []string{"导入值班表", "安琪", "2 个班次（2026-11-30 09:00 至 2026-12-02 08:00），替换 0 个"}},
		{"值班记录", []string{"值班提醒", "陈杰", "2026-12-01（周二）08:00–次日08:00：提前一天提醒，未能送达（未绑定或已屏蔽机器人）"}},
		{"值班记录", []string{"值班提醒", "张明", "2026-11-30（周一）09:00–21:00：开班前提醒"}},
		{"值班记录", []string{"到岗签到发出", "系统", "2026-11-30（周一）09:00–21:00：向刘洋、张明发出到岗签到"}},
		{"值班记录", []string{"到岗签到", "张明", "2026-11-30（周一）09:00–21:00"}},
		{"值班记录", []string{"极端天气值班", "杜峰", "暴雨红色预警：极端天气值班启动"}},
		{"值班记录", []string{"极端天气值班", "杜峰", "暴雨红色预警：极端天气值班解除"}},
		{"值班记录", []string{"申请换班", "吴敏", "张明", "2026-12-01（周二）08:00–次日08:00：值班人员由张明换给吴敏"}},
		{"值班记录", []string{"批准换班", "杜峰", "2026-12-01（周二）08:00–次日08:00：值班人员由张明换给吴敏"}},
		{"值班记录", []string{"值班结束", "2026-11-30（周一）09:00–21:00"}},
		{"值班记录", []string{"交接班提醒", "2026-11-30（周一）09:00–21:00：请刘洋、张明填写交接班记录"}},
		{"值班记录", []string{"交接班", "张明", "2026-11-30（周一）09:00–21:00：3号桥积水已处置，请下一班继续关注"}},
		{"值班记录", []string{"到岗签到发出", "2026-12-01（周二）08:00–次日08:00：向杜峰、吴敏、陈杰发出到岗签到"}},
		{"事故直报", []string{"事故报告", "张明", "建设施工，一般事故，2026-11-30 10:50 发生于含谷镇工业园区；死亡 0 人，重伤（含急性工业中毒）1 人，" +
			"失踪 0 人，直接经济损失约 20 万元；须于 2026-11-30 11:50 前上报"}},
		{"事故直报", []string{"上报提醒", "系统", "须于 2026-11-30 11:50 前上报，还剩 10 分钟；已提醒刘洋、何军"}},
		{"事故直报", []string{"迟报", "系统", "未于 2026-11-30 11:50 前上报区应急管理局"}},
		{"事故直报", []string{"已上报", "何军", "已上报区应急管理局（时限 2026-11-30 11:50），迟报 10 分钟"}},
		{"事故直报", []string{"续报", "张明", "死亡 0→1 人；说明：伤者经抢救无效死亡"}},
		{"事故直报", []string{"补报", "张明", "伤亡人数变化，须于 2026-12-30 10:50 前向区应急管理局补报：死亡 0→1 人"}},
		{"事故直报", []string{"已上报", "何军", "已向区应急管理局补报"}},
		{"隐患举报", []string{"收到举报", "匿名", "匿名"}},
		{"隐患举报", []string{"交办", "安琪", "交城管大队办理，须于 2026-12-03 13:00 前办结"}},
		{"隐患举报", []string{"办结", "安琪", "查实：已督促企业清理通道"}},
		{"隐患举报", []string{"奖励", "何军", "奖励 500 元"}},
		{"任务报告", []string{"张明", "14.2 · 张明 · 2026-11-30", "+1 (1/1): 检查企业 3 家"}},
		{"汇总", []string{"统计期间", "2026-11-30 至 2026-12-01"}},
		// The hazard overdue at 18:00 called 吴敏, its supervising official.
		{"叫应记录", []string{"隐患逾期", "隐患 H20261130-01 逾期未整改（企业1）", "吴敏"}},
		// Every hazard with its whole story, names for people and units.
		{"隐患台账", []string{"H20261130-01", "企业1", creditCode(1), "应急办", "一般隐患", "消防通道被货物堵塞", "张明",
			"2026-11-30 13:35:00", "何伟 13900000001", "吴敏", "2026-11-30 18:00；2026-12-01 12:00",
			"2026-11-30 13:35 发现：张明，附照片 1 张；2026-11-30 13:35 交办：张明，期限 2026-11-30 18:00；" +
				"2026-12-01 09:00 整改：何伟（企业单位负责人），说明：已清理通道，附照片 1 张；" +
				"2026-12-01 09:30 复查退回：张明，说明：仍有杂物，重新整改期限 2026-12-01 12:00；" +
				"2026-12-01 11:00 整改：何伟（企业单位负责人），说明：已清理通道，附照片 1 张；" +
				"2026-12-01 11:30 复查通过：张明；2026-12-01 11:30 销号：吴敏",
			"已销号", "1", "2026-12-01 11:30:00"}},
		{"隐患台账", []string{"H20261130-02", "企业2", "重大隐患（挂牌督办）", "储罐区可燃气体报警器失效", "2026-12-10 23:59",
			"责任：站长；措施：更换报警器；资金：2万元；时限：10天；预案：停气预案",
			"2026-11-30 13:35 发现：张明；2026-11-30 13:35 交办：张明，期限 2026-12-10 23:59", "整改中", "0"}},
		// The registry with the plaque officials by name.
		{"挂牌企业", []string{"企业1", creditCode(1), "工贸", "黄色", "无", "刘洋", "吴敏", "何伟 13900000001", "应急办", "1"}},
		{"挂牌企业", []string{"企业2", creditCode(2), "刘洋", "吴敏", "应急办"}},
		{"汇总", []string{"本期发现隐患", "2"}},
		{"汇总", []string{"其中重大隐患", "1"}},
		{"汇总", []string{"本期销号", "1"}},
		{"汇总", []string{"导出时未销号", "1"}},
		{"汇总", []string{"其中逾期未整改", "0"}},
		{"汇总", []string{"挂牌企业", "2"}},
		{"汇总", []string{"本期检查记录", "0"}},
		// Item 19 per person: the hazard closed on 12-01 counts for 吴敏,
		// its 行业部门监管负责人, and 张明, who found it; neither visited the
		// plaques yet.
		{"挂牌责任人履职", []string{"2026-11", "吴敏", "应急办", "0", "0", "0", "否", "0/2", "企业1、企业2"}},
		{"挂牌责任人履职", []string{"2026-12（截至 12-02）", "吴敏", "应急办", "0", "1", "0", "否", "0/2", "企业1、企业2"}},
		{"挂牌责任人履职", []string{"2026-12（截至 12-02）", "张明", "应急办", "0", "1", "0", "否", "0/0"}},
		{"挂牌责任人履职", []string{"2026-12（截至 12-02）", "刘洋", "党政办", "0", "0", "0", "否", "0/2", "企业1、企业2"}},
	}
	if sum := rows["汇总"]; len(sum) < 6 || sum[5][1] != fmt.Sprintf("完整（%s 条事件逐条核验无误）", sum[3][1]) {
		t.Errorf("the summary's chain check:\n%s", showRows(sum))
	}
	// A part is a whole cell.
	for i := range want {
		for j, p := range want[i].parts {
			want[i].parts[j] = "\x00" + p + "\x00"
		}
	}
	for _, w := range want {
		if findRow(rows[w.sheet], w.parts...) == nil {
			t.Errorf("%s has no row with %q:\n%s", w.sheet, w.parts, showRows(rows[w.sheet]))
		}
	}
	for _, r := range calls {
		if line := strings.Join(r, " "); strings.Contains(line, "无单位负责人可升级") || strings.Contains(line, "指定人员") {
			t.Errorf("a call reads as a configuration error: %q", r)
		}
	}
}

// The same history configured in English gives an English workbook: its
// sheets, headers and values; the only Chinese left is what people named
// and typed (officials, units, titles, places, notes).
func TestLedgerWorkbookInEnglish(t *testing.T) {
	h, data := ledgerHistory(t, "en")
	sheets, rows := allRows(t, data)
	if want := []string{"Calls", "Task reports", "Duty records", "Incident reports", "Hazard tips", "Inspections", "Hazards", "Enterprises",
		"Plaque duty (item 19)", "Summary"}; !reflect.DeepEqual(sheets, want) {
		t.Fatalf("sheets %v, want %v", sheets, want)
	}
	headers := map[string][]string{
		"Calls": {"Call ID", "Level", "Kind", "Title", "Recipient", "Unit", "Sent", "Answered", "Time to answer (min)",
			"Answered by", "State", "Escalations", "Reminders and escalations", "Phone calls", "SMS"},
		"Task reports":     {"Time", "Reported by", "Unit", "Task", "Progress and notes", "Event no."},
		"Duty records":     {"Time", "Type", "Person", "Unit", "Reference", "By", "Detail", "Event no."},
		"Incident reports": {"Time", "Type", "Person", "Unit", "Reference", "By", "Detail", "Event no."},
		"Hazard tips":      {"Time", "Type", "Person", "Unit", "Reference", "By", "Detail", "Event no."},
	}
	for s, want := range headers {
		if got := rows[s][0]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s headers %q, want %q", s, got, want)
		}
	}
	if got := rows["Summary"][8]; !reflect.DeepEqual(got, []string{"Name", "Unit", "Calls", "Answered in person", "Answer rate",
		"Median time to answer (min)", "Overdue-task calls"}) {
		t.Errorf("summary headers %q", got)
	}
	var known []string
	for _, o := range h.cfg.Officials {
		known = append(known, o.Name)
	}
	for _, u := range h.cfg.Units {
		known = append(known, u.Name)
	}
	// The English names of accident levels keep the legal term of 493号:
	// "ordinary accident (一般)".
	known = append(known, ledgerTexts...)
	known = append(known, "(一般)")
	han := regexp.MustCompile(`\p{Han}`)
	for _, s := range sheets {
		for r, row := range rows[s] {
			for c, v := range row {
				rest := v
				for _, k := range known {
					rest = strings.ReplaceAll(rest, k, "")
				}
				if han.MatchString(rest) || strings.Contains(v, "<no value>") {
					name, _ := excelize.CoordinatesToCellName(c+1, r+1)
					t.Errorf("%s!%s = %q: Chinese the office did not type", s, name, v)
				}
			}
		}
	}
	want := []struct {
		sheet string
		parts []string
	}{
		{"Calls", []string{"Red", "Call", "吴敏", "Not answered (escalated)", "11-30 08:10 called again; 11-30 08:20 not escalated: they are the unit head themselves; " +
			"11-30 08:30 escalated to the leader in charge: 刘洋; 11-30 08:45 escalated to the principal: 何军"}},
		{"Calls", []string{"李芳", "11-30 08:10 not called again (unreachable); 11-30 08:20 escalated to the unit head: 吴敏; " +
			"11-30 08:30 escalated to the leader in charge: 刘洋; 11-30 08:45 escalated to the principal: 何军"}},
		{"Calls", []string{"Check-in", "Check-in · 11-30 (Mon) 09:00–21:00", "刘洋", "11-30 09:15 not escalated: they are the shift leader themselves; " +
			"11-30 09:30 escalated to the duty office head: 吴敏; 11-30 09:45 escalated to the principal: 何军"}},
		{"Duty records", []string{"Roster imported", "安琪", "2 shifts (2026-11-30 09:00 to 2026-12-02 08:00), 0 replaced"}},
		{"Duty records", []string{"Check-in asked", "System", "2026-11-30 (Mon) 09:00–21:00: check-in asked of 刘洋, 张明"}},
		{"Duty records", []string{"Swap approved", "2026-12-01 (Tue) 08:00–08:00 next day: duty staff place from 张明 to 吴敏"}},
		{"Duty records", []string{"Extreme-weather duty", "杜峰", "Rainstorm warning (Red): extreme-weather duty on"}},
		{"Duty records", []string{"Handover", "张明", "2026-11-30 (Mon) 09:00–21:00: 3号桥积水已处置，请下一班继续关注"}},
		{"Incident reports", []string{"Reported up", "何军", "Reported to 区应急管理局 (due 2026-11-30 11:50), 10 min late"}},
		{"Incident reports", []string{"Follow-up report", "dead 0→1; note: 伤者经抢救无效死亡"}},
		{"Hazard tips", []string{"Tip received", "Anonymous"}},
		{"Summary", []string{"Period", "2026-11-30 to 2026-12-01"}},
		{"Summary", []string{"Scope", "Whole town"}},
		{"Hazards", []string{"H20261130-02", "Major hazard (listed for supervision)", "Being fixed",
			"responsibility: 站长; measures: 更换报警器; funds: 2万元; time limit: 10天; plan: 停气预案"}},
		{"Enterprises", []string{"企业1", "industry and trade", "Yellow", "None", "刘洋", "吴敏"}},
		{"Summary", []string{"Found in the period", "2"}},
		{"Summary", []string{"Inspections in the period", "0"}},
		{"Plaque duty (item 19)", []string{"2026-12 (to 12-02)", "吴敏", "0", "1", "0", "No", "0/2", "企业1, 企业2"}},
	}
	for i := range want {
		for j, p := range want[i].parts {
			want[i].parts[j] = "\x00" + p + "\x00"
		}
	}
	for _, w := range want {
		if findRow(rows[w.sheet], w.parts...) == nil {
			t.Errorf("%s has no row with %q:\n%s", w.sheet, w.parts, showRows(rows[w.sheet]))
		}
	}
	_ = fmt.Sprint
}
