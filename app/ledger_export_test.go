package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/bot/fakeapi"
	"dutybot/rota"
	"dutybot/storage"
)

// sheetRows reads every row of a sheet of a workbook, as Excel shows the
// cells (formatted), trailing empty cells dropped.
func sheetRows(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the export does not open as a workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// trimRow drops trailing empty cells, as GetRows does.
func trimRow(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

// checkRows compares a sheet cell by cell with want (header included).
func checkRows(t *testing.T, sheet string, got, want [][]string) {
	t.Helper()
	for i := range want {
		want[i] = trimRow(want[i])
	}
	if len(got) != len(want) {
		t.Errorf("sheet %s has %d rows, want %d:\n%s", sheet, len(got), len(want), showRows(got))
	}
	for i := 0; i < min(len(got), len(want)); i++ {
		for j := 0; j < max(len(got[i]), len(want[i])); j++ {
			var g, w string
			if j < len(got[i]) {
				g = got[i][j]
			}
			if j < len(want[i]) {
				w = want[i][j]
			}
			if g != w {
				col, _ := excelize.ColumnNumberToName(j + 1)
				t.Errorf("sheet %s cell %s%d = %q, want %q", sheet, col, i+1, g, w)
			}
		}
	}
}

func showRows(rows [][]string) string {
	var sb strings.Builder
	for i, r := range rows {
		fmt.Fprintf(&sb, "  %d: %q\n", i+1, r)
	}
	return sb.String()
}

// apiGetBytes calls a GET endpoint and returns the status, headers and body.
func (h *harness) apiGetBytes(path, token string) (int, http.Header, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.apiURL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

// appendEvents records events as the incident, tip and roster services
// would, for the ledger to file.
func (h *harness) appendEvents(evs ...storage.Event) []storage.Event {
	h.t.Helper()
	var out []storage.Event
	err := h.app.DB.Update(func(tx *storage.Tx) error {
		for _, e := range evs {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
			seq, _ := tx.ChainHead()
			e.Seq = seq
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func lastEvent(t *testing.T, h *harness) storage.Event {
	t.Helper()
	var e storage.Event
	err := h.app.DB.View(func(tx *storage.Tx) error {
		var err error
		e, err = tx.EventAt(tx.EventCount())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ledgerDay plays a morning: a red call 张明 answers in 3 minutes and
// 李芳 leaves to her unit head, a yellow call to 刘洋 closed unanswered, a
// task report, and records of duty, an incident and an anonymous tip.
func ledgerDay(t *testing.T) (h *harness, red, yellow string, extra []storage.Event) {
	h = newHarness(t, harnessOpts{edit: tagged})
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uAdmin} {
		h.bind(u)
	}
	red = h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang","o-li"]}`)
	m := h.waitMsg(uZhang, "暴雨红色预警")
	h.waitScheduled(red, "o-zhang", start.Add(10*time.Minute))
	h.waitScheduled(red, "o-li", start.Add(10*time.Minute))
	h.advanceTo(start.Add(3 * time.Minute))
	h.press(uZhang, m, button(t, m, "收到"))
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uLi, "第二次叫应")
	h.waitScheduled(red, "o-li", start.Add(20*time.Minute))
	h.advanceTo(start.Add(20 * time.Minute))
	notice := h.waitMsg(uWu, "叫应升级", "我来处理")
	h.advanceTo(start.Add(25 * time.Minute))
	h.press(uWu, notice, button(t, notice, "我来处理"))
	h.eventually("李芳 taken over", func() bool { return h.recipient(red, "o-li").State == "acked" })

	h.advanceTo(start.Add(26 * time.Minute))
	yellow = h.createAlert("yellow", "防汛物资检查", `{"officials":["o-liu"]}`)
	h.waitMsg(uLiu, "防汛物资检查")
	h.advanceTo(start.Add(27 * time.Minute))
	if code, out := h.apiDo("POST", "/api/v1/alerts/"+yellow+"/close", testAPIToken, ""); code != http.StatusOK {
		t.Fatalf("close: %d %v", code, out)
	}
	h.advanceTo(start.Add(28 * time.Minute))
	h.srv.SendText(uZhang, "/done 14.2 检查企业 3 家")
	h.waitMsg(uZhang, "已报告完成 14.2")

	h.advanceTo(start.Add(29 * time.Minute))
	at := h.clk.Now()
	extra = h.appendEvents(
		storage.Event{At: at, Type: rota.EvCheckedIn, Alert: "20261130-0099", Official: "o-li", Actor: "o-li", Detail: "checkin:s-1"},
		storage.Event{At: at, Type: rota.EvAbsent, Alert: "20261130-0098", Official: "o-chen", Actor: "system", Detail: "no answer to spot check"},
		storage.Event{At: at, Type: "incident_reported", Alert: "SG-20261130-01", Official: "o-zhang", Actor: "o-zhang", Detail: "建设施工 一般 死亡0"},
		storage.Event{At: at, Type: "incident_late", Alert: "SG-20261130-01", Official: "o-liu", Actor: "system", Detail: "上报超时 5 分钟"},
		storage.Event{At: at, Type: "tip_received", Alert: "JB-0001", Actor: "anonymous", Detail: "某厂消防通道堵塞"},
		storage.Event{At: at, Type: "tip_assigned", Alert: "JB-0001", Official: "o-chen", Actor: "o-wu", Detail: "交城管大队，7 日内"},
	)
	h.advanceTo(start.Add(30 * time.Minute))
	// The 08:30 agenda logs an event of its own; wait for it, so tests
	// that read the chain head see no event arrive after.
	h.eventually("the 08:30 agenda logged", func() bool {
		found := false
		_ = h.app.DB.View(func(tx *storage.Tx) error {
			evs, _ := tx.EventsBetween(h.clk.Now(), h.clk.Now().Add(time.Second))
			for _, e := range evs {
				found = found || e.Type == storage.EvTaskReminder
			}
			return nil
		})
		return found
	})
	return h, red, yellow, extra
}

// The export of a morning, opened with excelize, holds every call, report,
// duty record, incident and tip, cell by cell as the alerts and events say.
func TestLedgerExportCellByCell(t *testing.T) {
	h, red, yellow, extra := ledgerDay(t)

	if code, _, _ := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-11-30", ""); code != http.StatusUnauthorized {
		t.Errorf("without token: %d", code)
	}
	for _, q := range []string{"from=11/30", "to=2026-13-01", "unit=nowhere", "official=o-nobody", "from=2026-12-02&to=2026-12-01", "period=soon"} {
		if code, _, body := h.apiGetBytes("/api/v1/ledger?"+q, testAPIToken); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	before := lastEvent(t, h).Seq
	code, hdr, data := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-11-30", testAPIToken)
	if code != http.StatusOK {
		t.Fatalf("export: %d %s", code, data)
	}
	if ct := hdr.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("Content-Type = %q", ct)
	}
	// The workbook carries the chain head as it read the log: at least the
	// head before the request, an event whose hash it shows, before the
	// record of the export (deliveries may be logged in between).
	sum := hdr.Get("X-Dutybot-Chain-Head")
	var head uint64
	var headHash string
	if _, err := fmt.Sscanf(sum, "%d %s", &head, &headHash); err != nil || head < before {
		t.Fatalf("chain head header %q (head before the request #%d)", sum, before)
	}
	var rec, atHead storage.Event
	_ = h.app.DB.View(func(tx *storage.Tx) error {
		atHead, _ = tx.EventAt(head)
		evs, _ := tx.Events(head, 100)
		for _, e := range evs {
			if e.Type == storage.EvLedgerExport {
				rec = e
			}
		}
		return nil
	})
	fileSum := sha256.Sum256(data)
	if atHead.Hash != headHash || rec.Actor != "api" || !strings.Contains(rec.Detail, hex.EncodeToString(fileSum[:])) ||
		!strings.Contains(rec.Detail, fmt.Sprintf("head #%d %s", head, headHash)) {
		t.Errorf("the export was not recorded with its file's hash and head #%d %s: %+v", head, headHash, rec)
	}

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.GetSheetList(), []string{"叫应记录", "任务报告", "值班记录", "事故直报", "隐患举报", "检查记录", "隐患台账", "挂牌企业", "挂牌责任人履职", "汇总"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	f.Close()

	// 叫应记录: one row per recipient, from the alerts as the API shows them.
	ra, ya := h.alert(red), h.alert(yellow)
	local := func(tm *time.Time) string { return tm.In(h.cfg.Location).Format(time.DateTime) }
	li, zhang, liu := ra.Recipients[0], ra.Recipients[1], ya.Recipients[0]
	if li.Official != "o-li" || zhang.Official != "o-zhang" || liu.Official != "o-liu" {
		t.Fatalf("recipients: %+v %+v", ra.Recipients, ya.Recipients)
	}
	if li.AckedBy != "o-wu" || len(li.Escalations) != 2 || liu.State != "pending" {
		t.Fatalf("the morning went otherwise: %+v %+v", li, liu)
	}
	checkRows(t, "叫应记录", sheetRows(t, data, "叫应记录"), [][]string{
		{"叫应编号", "级别", "类型", "标题", "接收人", "单位", "发出时间", "应答时间", "应答用时（分钟）", "应答人", "状态", "升级次数", "提醒与升级",
			"电话叫应（通）", "短信（条）"},
		{red, "红色", "叫应", "暴雨红色预警", "李芳", "应急办", local(li.SentAt), local(li.AckedAt), "", "吴敏", "由吴敏代为处置", "1",
			"11-30 08:10 再次提醒；11-30 08:20 升级至单位负责人：吴敏", "0", "0"},
		{red, "红色", "叫应", "暴雨红色预警", "张明", "应急办", local(zhang.SentAt), local(zhang.AckedAt),
			fmt.Sprintf("%.1f", zhang.AckedAt.Sub(*zhang.SentAt).Minutes()), "张明", "已应答", "0", "", "0", "0"},
		{yellow, "黄色", "叫应", "防汛物资检查", "刘洋", "党政办", local(liu.SentAt), "", "", "", "未应答", "0", "", "0", "0"},
	})
	if local(zhang.SentAt) != "2026-11-30 08:00:00" || local(zhang.AckedAt) != "2026-11-30 08:03:00" {
		t.Errorf("张明 sent %s, answered %s", local(zhang.SentAt), local(zhang.AckedAt))
	}

	// 任务报告: the reported events.
	var reports []storage.Event
	_ = h.app.DB.View(func(tx *storage.Tx) error {
		evs, err := tx.EventsBetween(start, start.Add(time.Hour))
		for _, e := range evs {
			if e.Type == storage.EvReported {
				reports = append(reports, e)
			}
		}
		return err
	})
	if len(reports) != 1 || !strings.HasPrefix(reports[0].Detail, "14.2/~o-zhang/2026-11-30 ") {
		t.Fatalf("reports = %+v", reports)
	}
	_, rest, _ := strings.Cut(reports[0].Detail, " ")
	task := "14.2 · 张明 · 2026-11-30" // names, never ids
	checkRows(t, "任务报告", sheetRows(t, data, "任务报告"), [][]string{
		{"时间", "报告人", "单位", "任务", "进度与说明", "事件序号"},
		{"2026-11-30 08:28:00", "张明", "应急办", task, rest, fmt.Sprint(reports[0].Seq)},
	})
	if !strings.HasSuffix(rest, ": 检查企业 3 家") {
		t.Errorf("report detail %q lost the note", rest)
	}

	evHeader := []string{"时间", "类型", "人员", "单位", "编号", "操作人", "详情", "事件序号"}
	at := "2026-11-30 08:29:00"
	checkRows(t, "值班记录", sheetRows(t, data, "值班记录"), [][]string{evHeader,
		{at, "到岗签到", "李芳", "应急办", "20261130-0099", "李芳", "checkin:s-1", fmt.Sprint(extra[0].Seq)},
		{at, "脱岗", "陈杰", "城管大队", "20261130-0098", "系统", "no answer to spot check", fmt.Sprint(extra[1].Seq)},
	})
	checkRows(t, "事故直报", sheetRows(t, data, "事故直报"), [][]string{evHeader,
		{at, "事故报告", "张明", "应急办", "SG-20261130-01", "张明", "建设施工 一般 死亡0", fmt.Sprint(extra[2].Seq)},
		{at, "迟报", "刘洋", "党政办", "SG-20261130-01", "系统", "上报超时 5 分钟", fmt.Sprint(extra[3].Seq)},
	})
	checkRows(t, "隐患举报", sheetRows(t, data, "隐患举报"), [][]string{evHeader,
		{at, "收到举报", "", "", "JB-0001", "匿名", "某厂消防通道堵塞", fmt.Sprint(extra[4].Seq)},
		{at, "交办", "陈杰", "城管大队", "JB-0001", "吴敏", "交城管大队，7 日内", fmt.Sprint(extra[5].Seq)},
	})

	// 汇总: the chain head the export carries is the event just before its
	// own record; every official and unit of the town is listed.
	checkRows(t, "汇总", sheetRows(t, data, "汇总"), [][]string{
		{"导出时间", "2026-11-30 08:30:00"},
		{"统计期间", "2026-11-30 至 2026-11-30"},
		{"筛选范围", "全镇"},
		{"事件链头序号", fmt.Sprint(head)},
		{"事件链头哈希", headHash},
		{"链校验", fmt.Sprintf("完整（%d 条事件逐条核验无误）", head)},
		{},
		{"按人员"},
		{"姓名", "单位", "叫应次数", "本人应答", "应答率", "应答用时中位数（分钟）", "逾期任务叫应"},
		{"张明", "应急办", "1", "1", "100.0%", "3.0", "0"},
		{"李芳", "应急办", "1", "0", "0.0%", "", "0"},
		{"吴敏", "应急办", "0", "0", "", "", "0"},
		{"刘洋", "党政办", "1", "0", "0.0%", "", "0"},
		{"何军", "党政办", "0", "0", "", "", "0"},
		{"杜峰", "应急办", "0", "0", "", "", "0"},
		{"安琪", "党政办", "0", "0", "", "", "0"},
		{"陈杰", "城管大队", "0", "0", "", "", "0"},
		{},
		{"按单位"},
		{"单位", "叫应次数", "本人应答", "应答率", "应答用时中位数（分钟）", "逾期任务叫应"},
		{"应急办", "2", "1", "50.0%", "3.0", "0"},
		{"党政办", "1", "0", "0.0%", "", "0"},
		{"城管大队", "0", "0", "", "", "0"},
		{},
		{"隐患排查治理"},
		{"本期检查记录", "0"},
		{"其中检查本人挂牌企业", "0"},
		{"其中协调解决难题", "0"},
		{"本期发现隐患", "0"},
		{"其中重大隐患", "0"},
		{"本期销号", "0"},
		{"导出时未销号", "0"},
		{"其中逾期未整改", "0"},
		{"挂牌企业", "0"},
		{},
		{"电话叫应"},
		{"电话拨出（通）", "0"},
		{"其中按键确认", "0"},
		{"其中接听未按键", "0"},
		{"其中未接听", "0"},
		{"短信发出（条）", "0"},
		{"受频次限制暂缓", "0"},
	})

	// Filters: a unit, an official, a period without calls.
	_, _, dzb := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-11-30&unit=dzb", testAPIToken)
	if rows := sheetRows(t, dzb, "叫应记录"); len(rows) != 2 || rows[1][4] != "刘洋" {
		t.Errorf("unit dzb calls:\n%s", showRows(rows))
	}
	if rows := sheetRows(t, dzb, "事故直报"); len(rows) != 2 || rows[1][1] != "迟报" {
		t.Errorf("unit dzb incidents:\n%s", showRows(rows))
	}
	if rows := sheetRows(t, dzb, "汇总"); rows[2][1] != "单位：党政办" || rows[9][0] != "刘洋" || rows[10][0] != "何军" {
		t.Errorf("unit dzb summary:\n%s", showRows(rows))
	}
	_, _, own := h.apiGetBytes("/api/v1/ledger?from=2026-11-30&to=2026-11-30&official=o-zhang", testAPIToken)
	if rows := sheetRows(t, own, "叫应记录"); len(rows) != 2 || rows[1][4] != "张明" {
		t.Errorf("张明's calls:\n%s", showRows(rows))
	}
	if rows := sheetRows(t, own, "汇总"); len(rows) != 33 || rows[9][0] != "张明" || rows[13][0] != "应急办" || rows[15][0] != "隐患排查治理" {
		t.Errorf("张明's summary:\n%s", showRows(rows))
	}
	_, _, dec := h.apiGetBytes("/api/v1/ledger?from=2026-12-01&to=2026-12-31", testAPIToken)
	if rows := sheetRows(t, dec, "叫应记录"); len(rows) != 1 {
		t.Errorf("December has calls:\n%s", showRows(rows))
	}

	// One alert's story.
	code, _, story := h.apiGetBytes("/api/v1/ledger/alerts/"+red, testAPIToken)
	for _, want := range []string{red + " 红色 叫应「暴雨红色预警」", " 发起叫应 ", " 代为处置 ", " 逐级升级 ", "李芳 (o-li)", "由吴敏代为处置", "2026-11-30 08:03:00 由张明应答，用时 3m0s"} {
		if code != http.StatusOK || !strings.Contains(string(story), want) {
			t.Errorf("story lacks %q: %d\n%s", want, code, story)
		}
	}
	if code, _, _ := h.apiGetBytes("/api/v1/ledger/alerts/20991231-0001", testAPIToken); code != http.StatusNotFound {
		t.Errorf("story of an unknown alert: %d", code)
	}
}

// /ledger sends the month's workbook to admins and principals in private,
// records the hand-over, and refuses everyone else.
func TestLedgerCommand(t *testing.T) {
	h, red, _, _ := ledgerDay(t)
	isDoc := func(chat int64) func(m fakeapi.Message) bool {
		return func(m fakeapi.Message) bool { return m.ChatID == chat && m.Document != "" }
	}

	h.srv.SendText(uZhang, "/ledger")
	h.waitMsg(uZhang, "只有管理员和主要负责人可以导出履职档案")
	h.srv.SendText(uAdmin, "/ledger 2026-13")
	h.waitMsg(uAdmin, "看不懂时间段“2026-13”")
	const group = -100777
	h.srv.AddGroup(group, "含谷镇安全生产群")
	h.srv.SendGroupText(group, uHe, "/ledger")
	h.waitMsg(group, "请在与我的私聊中导出")

	before := lastEvent(t, h).Seq
	h.srv.SendText(uHe, "/ledger")
	doc, err := h.srv.WaitFor(wait, isDoc(uHe))
	if err != nil {
		t.Fatalf("no workbook for 何军: %v", err)
	}
	if doc.Document != "履职档案_20261101_20261130.xlsx" {
		t.Errorf("file name %q", doc.Document)
	}
	for _, want := range []string{"履职档案 2026-11-01 至 2026-11-30", "叫应 3 人次", "任务报告 1 条", "值班记录 2 条", "事故直报 2 条", "隐患举报 2 条",
		"链校验：完整"} {
		if !strings.Contains(doc.Caption, want) {
			t.Errorf("caption lacks %q:\n%s", want, doc.Caption)
		}
	}
	// The chain head is the latest event when the workbook was made: at
	// least the one before the command (a delivery recorded meanwhile may
	// add one).
	if m := regexp.MustCompile(`事件链头 #(\d+)：`).FindStringSubmatch(doc.Caption); m == nil {
		t.Errorf("caption lacks the chain head:\n%s", doc.Caption)
	} else if n, _ := strconv.ParseUint(m[1], 10, 64); n < before {
		t.Errorf("chain head #%d is older than the last event #%d before the command", n, before)
	}
	rows := sheetRows(t, doc.Data, "叫应记录")
	if len(rows) != 4 || rows[1][0] != red || rows[2][4] != "张明" {
		t.Errorf("the chat workbook's calls:\n%s", showRows(rows))
	}
	h.eventually("the hand-over recorded", func() bool { return lastEvent(t, h).Type == storage.EvLedgerExport })
	rec := lastEvent(t, h)
	sum := sha256.Sum256(doc.Data)
	if rec.Official != "o-he" || rec.Actor != "o-he" || !strings.HasPrefix(rec.Detail, "chat 2026-11-01 至 2026-11-30 全镇") ||
		!strings.Contains(rec.Detail, hex.EncodeToString(sum[:])) {
		t.Errorf("record = %+v", rec)
	}

	// Last month had nothing: an empty workbook, still with the chain head.
	h.srv.SendText(uAdmin, "/ledger 上月")
	doc, err = h.srv.WaitFor(wait, isDoc(uAdmin))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Document != "履职档案_20261001_20261031.xlsx" || !strings.Contains(doc.Caption, "叫应 0 人次") {
		t.Errorf("last month: %s %q", doc.Document, doc.Caption)
	}
	if rows := sheetRows(t, doc.Data, "汇总"); rows[4][1] == "" || rows[1][1] != "2026-10-01 至 2026-10-31" {
		t.Errorf("empty month summary:\n%s", showRows(rows))
	}
}
