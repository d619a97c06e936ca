package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/storage"
	"dutybot/weather"
)

// urgentPolicy answers red weather warnings in minutes.
const urgentPolicy = `    urgent:
      - {after: 5m, action: remind}
      - {after: 10m, action: escalate, to: unit_head}
      - {after: 15m, action: escalate, to: leader}
      - {after: 20m, action: escalate, to: principal}
`

// weatherYAML gives the test town a 熔断 checklist: 应急办 (yjb) has
// items 1 (evacuate, count) and 2 (stop, count), 城管大队 (cgdd) items 3
// (stop, count) and 4 (forbid, note) under a rainstorm.
const weatherYAML = `
weather:
  levels: {red: urgent}
  meltdown:
    confirm_within: 30m
    checklist:
      - {action: evacuate, text: 转移撤离危险区域群众, units: [yjb], types: [rainstorm, typhoon], count: true}
      - {action: stop, text: 停止户外作业, units: [cgdd, yjb], count: true}
      - {action: forbid, text: 禁止车辆驶入涉水路段, units: [cgdd]}
`

func newWeatherHarness(t *testing.T) *harness {
	return newHarness(t, harnessOpts{edit: func(y string) string {
		return strings.Replace(y, "  policies:\n", "  policies:\n"+urgentPolicy, 1) + weatherYAML
	}})
}

// dutyRecorder stands in for the roster's duty-mode hook.
type dutyRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *dutyRecorder) hook(tx *storage.Tx, w weather.Warning, on bool, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%s %v", w.ID, on))
	return nil
}

func (r *dutyRecorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// recordDutyMode replaces the duty-mode hook of the running app.
func (h *harness) recordDutyMode() *dutyRecorder {
	r := &dutyRecorder{}
	h.app.Weather.DutyMode = r.hook
	return r
}

var warnIDRE = regexp.MustCompile(`#(\d{8}-\d{4})`)

// warn sends "/warn <line>" as user and returns the new warning's id.
func (h *harness) warn(user int64, line string) string {
	h.t.Helper()
	before := len(h.messages(user, "已发布，叫应"))
	h.srv.SendText(user, "/warn "+line)
	h.eventually("the warning sent", func() bool { return len(h.messages(user, "已发布，叫应")) > before })
	ms := h.messages(user, "已发布，叫应")
	return warnIDRE.FindStringSubmatch(ms[len(ms)-1].Text)[1]
}

// warnings reads the active warnings from the API.
func (h *harness) warnings() []api.WarningJSON {
	h.t.Helper()
	var out struct {
		Warnings []api.WarningJSON `json:"warnings"`
	}
	h.getJSON("/api/v1/warnings", &out)
	return out.Warnings
}

// warning reads one warning from the API.
func (h *harness) warning(id string) api.WarningJSON {
	h.t.Helper()
	var w api.WarningJSON
	h.getJSON("/api/v1/warnings/"+id, &w)
	return w
}

func (h *harness) getJSON(path string, v any) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.apiURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		h.t.Fatal(err)
	}
}

// labels lists the button labels of a message.
func labels(m fakeapi.Message) []string {
	var out []string
	for _, row := range m.Inline {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

func TestWarnGuidedFlowOffersOnlyValidLevels(t *testing.T) {
	h := newWeatherHarness(t)
	rec := h.recordDutyMode()
	h.bind(uDuty)
	h.bind(uChen)

	h.srv.SendText(uDuty, "/warn")
	m := h.waitMsg(uDuty, "发布气象预警 1/5")
	for _, name := range []string{"暴雨", "暴雪", "寒潮", "大风", "高温", "大雾", "道路结冰", "雷电", "冰雹", "台风", "沙尘暴", "干旱", "霜冻", "霾", "森林火险", "取消"} {
		button(t, m, name)
	}
	h.press(uDuty, m, button(t, m, "高温"))
	m = h.waitMsg(uDuty, "发布气象预警 2/5（高温）")
	if got, want := labels(m), []string{"🟡 黄色", "🟠 橙色", "🔴 红色", "取消"}; !slices.Equal(got, want) {
		t.Fatalf("高温 levels offered = %q, want %q", got, want)
	}
	// A forged blue press is refused and names the valid levels.
	a := h.press(uDuty, m, "wd:l:blue")
	if !a.ShowAlert || !strings.Contains(a.Text, "高温预警没有蓝色等级，可选：黄色、橙色、红色") {
		t.Errorf("forged blue press = %+v", a)
	}
	if got := h.latest(uDuty, m.ID); got.Text != m.Text {
		t.Errorf("the refused press changed the flow: %q", got.Text)
	}
	// 冰雹 (after cancelling and starting again) offers orange and red only.
	h.press(uDuty, m, button(t, m, "取消"))
	h.waitMsg(uDuty, "已取消")
	h.srv.SendText(uDuty, "/warn")
	m = h.waitMsg(uDuty, "发布气象预警 1/5")
	h.press(uDuty, m, button(t, m, "冰雹"))
	m = h.waitMsg(uDuty, "发布气象预警 2/5（冰雹）")
	if got, want := labels(m), []string{"🟠 橙色", "🔴 红色", "取消"}; !slices.Equal(got, want) {
		t.Fatalf("冰雹 levels offered = %q, want %q", got, want)
	}
	h.srv.SendText(uDuty, "/warn cancel")
	h.waitMsg(uDuty, "已取消")
	h.srv.SendText(uDuty, "随便说点什么")
	h.waitMsg(uDuty, "如需操作请使用命令") // the draft is gone: plain text is not taken

	h.srv.SendText(uDuty, "/warn")
	m = h.waitMsg(uDuty, "发布气象预警 1/5")
	if a := h.press(uDuty, m, "wd:l:red"); !strings.Contains(a.Text, "失效") {
		t.Errorf("a level press at the type step = %q", a.Text)
	}
	h.press(uDuty, m, button(t, m, "高温"))
	m = h.waitMsg(uDuty, "发布气象预警 2/5（高温）")
	h.press(uDuty, m, button(t, m, "橙色"))
	m = h.waitMsg(uDuty, "发布气象预警 3/5（高温橙色预警）")
	if !slices.Contains(labels(m), "✓ 全镇各单位") {
		t.Errorf("all units should be chosen by default: %q", labels(m))
	}
	h.srv.SendText(uDuty, "现在就发")
	h.waitMsg(uDuty, "请使用上方按钮继续")
	h.press(uDuty, m, button(t, m, "城管大队"))
	m = h.waitButton(uDuty, "✓ 城管大队")
	if slices.Contains(labels(m), "✓ 全镇各单位") {
		t.Errorf("choosing a unit should clear all: %q", labels(m))
	}
	h.press(uDuty, m, button(t, m, "下一步"))
	h.waitMsg(uDuty, "高温橙色预警 · 影响范围：城管大队")
	h.waitMsg(uDuty, "发布气象预警 4/5")
	h.srv.SendText(uDuty, "今天午后最高气温将达37℃以上")
	m = h.waitMsg(uDuty, "发布气象预警 5/5", "高温橙色预警", "影响范围：城管大队", "应答时限：10 分钟",
		"今天午后最高气温将达37℃以上", "将启动极端天气值班模式")
	if strings.Contains(m.Text, "熔断") {
		t.Errorf("orange heat does not trigger 熔断: %q", m.Text)
	}
	h.press(uDuty, m, button(t, m, "发布"))
	h.waitMsg(uDuty, "✅ 气象预警 #20261130-0001《高温橙色预警》已发布，叫应 1 人", "已启动极端天气值班模式")
	call := h.waitMsg(uChen, "🟠 橙色", "【高温橙色预警】", "今天午后最高气温将达37℃以上", "到岗就位、逐级叫应",
		"影响范围：城管大队", "发布人：杜峰")
	button(t, call, "收到预警，已到岗")

	w := h.warning("20261130-0001")
	if w.Type != "heat" || w.Level != "orange" || !slices.Equal(w.Units, []string{"cgdd"}) || !w.DutyMode ||
		w.Meltdown || w.Issuer != "o-duty" || w.Source != "chat" || w.State != "active" {
		t.Errorf("warning = %+v", w)
	}
	if got := rec.get(); !slices.Equal(got, []string{"20261130-0001 true"}) {
		t.Errorf("duty mode hook calls = %q", got)
	}
}

func TestWarnOneLine(t *testing.T) {
	h := newWeatherHarness(t)
	h.bind(uDuty)
	refused := []struct{ line, reply string }{
		{"高温 蓝 全镇 注意防暑", "高温预警没有蓝色等级，可选：黄色、橙色、红色"},
		{"heat blue", "高温预警没有蓝色等级，可选：黄色、橙色、红色"},
		{"冰雹 黄", "冰雹预警没有黄色等级，可选：橙色、红色"},
		{"沙暴 红", "未知的预警类型“沙暴”"},
		{"暴雨 紫 全镇", "无法识别的等级“紫”"},
		{"暴雨 红 城管大队,火星办 注意", "未知的单位或工作群“火星办”"},
		{"暴雨", "用法："},
	}
	for _, r := range refused {
		h.srv.SendText(uDuty, "/warn "+r.line)
		h.waitMsg(uDuty, r.reply)
	}
	if ws := h.warnings(); len(ws) != 0 {
		t.Fatalf("refused lines created warnings: %+v", ws)
	}

	id := h.warn(uDuty, "Rainstorm yellow cgdd,应急办 明天有大到暴雨\n请做好防范")
	w := h.warning(id)
	if w.Type != "rainstorm" || w.Level != "yellow" || !slices.Equal(w.Units, []string{"cgdd", "yjb"}) ||
		w.Text != "明天有大到暴雨\n请做好防范" || w.Title != "暴雨黄色预警" || w.DutyMode || w.Meltdown {
		t.Errorf("warning = %+v", w)
	}
	id = h.warn(uDuty, "大风蓝色预警 注意防风")
	w = h.warning(id)
	if w.Type != "gale" || w.Level != "blue" || len(w.Units) != 0 || w.Text != "注意防风" {
		t.Errorf("warning = %+v", w)
	}
	id = h.warn(uDuty, "道路结冰 橙 全镇")
	w = h.warning(id)
	if w.Type != "road_icing" || w.Level != "orange" || len(w.Units) != 0 || w.Text != "" || !w.DutyMode {
		t.Errorf("warning = %+v", w)
	}
	if n := len(h.warnings()); n != 3 {
		t.Errorf("%d warnings active, want 3", n)
	}
}

func TestRedRainstormCallsEveryoneAndEscalatesToPrincipal(t *testing.T) {
	h := newWeatherHarness(t)
	rec := h.recordDutyMode()
	users := []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uAdmin, uChen}
	for _, u := range users {
		h.bind(u)
	}
	id := h.warn(uDuty, "暴雨 红 全镇 预计未来3小时降雨量将达100毫米以上")
	if id != "20261130-0001" {
		t.Fatalf("id = %s", id)
	}
	var call fakeapi.Message
	for _, u := range users {
		call = h.waitMsg(u, "🔴 红色", "#"+id, "【暴雨红色预警】", "预计未来3小时降雨量将达100毫米以上",
			"请立即到岗就位、逐级叫应", "影响范围：全镇各单位", "启动极端天气值班模式", "启动熔断机制", "08:05 前")
		button(t, call, "收到预警，已到岗")
	}
	a := h.alert(id)
	if a.Kind != "weather" || a.Level != "red" || len(a.Recipients) != 8 || a.Issuer != "o-duty" || a.Source != "chat" {
		t.Fatalf("alert = %+v", a)
	}
	// Everyone but 张明 answers.
	for _, u := range users[1:] {
		m := h.waitMsg(u, "【暴雨红色预警】")
		h.press(u, m, button(t, m, "收到预警"))
	}
	h.waitScheduled(id, "o-zhang", start.Add(5*time.Minute))
	h.advanceTo(start.Add(5 * time.Minute))
	h.waitMsg(uZhang, "第二次叫应", "暴雨红色预警")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "张明")
	h.waitScheduled(id, "o-zhang", start.Add(15*time.Minute))
	h.advanceTo(start.Add(15 * time.Minute))
	h.waitMsg(uLiu, "叫应升级", "张明")
	h.waitScheduled(id, "o-zhang", start.Add(20*time.Minute))
	h.advanceTo(start.Add(20 * time.Minute))
	h.waitMsg(uHe, "叫应升级", "张明")
	h.eventually("the chain reached the principal", func() bool {
		r := h.recipient(id, "o-zhang")
		return len(r.Escalations) == 4 && r.NextAt == nil
	})
	r := h.recipient(id, "o-zhang")
	if e := r.Escalations[3]; e.To != "principal" || !slices.Equal(e.People, []string{"o-he"}) || !e.At.Equal(start.Add(20*time.Minute)) {
		t.Errorf("last escalation = %+v", e)
	}
	if got := rec.get(); !slices.Equal(got, []string{id + " true"}) {
		t.Errorf("duty mode hook calls = %q", got)
	}
}

func TestWarnDraftsAndPromptsExpire(t *testing.T) {
	h := newWeatherHarness(t)
	h.bind(uDuty)
	h.bind(uWu)
	h.srv.SendText(uDuty, "/warn")
	draft := h.waitMsg(uDuty, "发布气象预警 1/5")
	id := h.warn(uDuty, "暴雨 红 全镇")
	yjb := h.waitMsg(uWu, "应急办：请立即落实")
	h.press(uWu, yjb, button(t, yjb, "1. 撤离"))
	h.waitMsg(uWu, "请回复【撤离")

	h.clk.Advance(61 * time.Minute)
	h.srv.SendText(uWu, "35")
	h.waitMsg(uWu, "“熔断措施确认”已超过 60 分钟未继续", "重新点按")
	if w := h.warning(id); w.Confirmed != 0 {
		t.Errorf("a reply an hour after the press confirmed the item")
	}
	if a := h.press(uDuty, draft, button(t, draft, "暴雨")); !strings.Contains(a.Text, "失效") {
		t.Errorf("a press on an hour-old draft = %q", a.Text)
	}
	h.srv.SendText(uDuty, "hello")
	h.waitMsg(uDuty, "如需操作请使用命令")
}
