package app_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/bot/fakeapi"
)

// Users of the example town beyond the harness's eight (whose phones match
// officials 1–8 of config.example.yaml: 张明, 李芳, 王强, 赵静, 刘洋, 陈杰,
// 杨帆, 黄磊).
const (
	uZhouting int64 = 2009 // 周婷, admin (phone 13800000009)
	uWumin    int64 = 2010 // 吴敏, 应急办 staff (13800000010)
)

// exampleHarness runs the app on config.example.yaml itself, pointed at the
// fake Bot API and a temporary database, its clock starting at start.
func exampleHarness(t *testing.T, start time.Time) *harness {
	t.Helper()
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(test string) string {
		apiURL := regexp.MustCompile(`api_url: (\S+)`).FindStringSubmatch(test)[1]
		dbPath := regexp.MustCompile(`(?m)^  path: (\S+)`).FindStringSubmatch(test)[1]
		y := string(example)
		for old, repl := range map[string]string{
			`api_url: https://api.telegram.org`: "api_url: " + apiURL,
			`poll_timeout: 30s`:                 "poll_timeout: 2s",
			`path: ./data/dutybot.db`:           "path: " + dbPath,
			`listen: 127.0.0.1:8080`:            "listen: 127.0.0.1:0",
			`global_per_second: 30`:             "global_per_second: 1000",
			`chat_per_second: 1 `:               "chat_per_second: 1000 ",
			`chat_burst: 3`:                     "chat_burst: 100",
		} {
			if !strings.Contains(y, old) {
				t.Fatalf("config.example.yaml no longer has %q", old)
			}
			y = strings.Replace(y, old, repl, 1)
		}
		return y
	}
	h := newHarness(t, harnessOpts{edit: edit, start: start})
	for id, phone := range map[int64]string{uZhouting: "13800000009", uWumin: "13800000010"} {
		h.srv.AddUser(fakeapi.User{ID: id, FirstName: phone, LanguageCode: "zh-hans"})
		h.srv.SendText(id, "/start")
		h.waitMsg(id, "分享我的手机号")
		h.srv.ShareContact(id, phone, id)
		h.waitMsg(id, "绑定成功")
	}
	return h
}

// holidayRoster is the 党政办's 元旦 roster as Excel: a title row, 日期 and
// 带班领导 merged down the day's two rows, a date serial; 01-03 is missing.
func holidayRoster(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"含谷镇2027年元旦节值班表"},
		{"日期", "星期", "值班时间", "带班领导", "值班人员", "值班电话", "值班地点", "类型"},
		{46388, "五", "08:00-20:00", "张明", "吴敏", "023-65800000", "镇政府值班室", "节假日"}, // 46388 = 2027-01-01
		{nil, nil, "20:00-次日08:00", nil, "马超", "023-65800000", "镇政府值班室", "节假日"},
		{"2027年1月2日", "六", "08:00-次日08:00", "李芳", "吴敏、马超", "023-65800000", "镇政府值班室", "节假日"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"A3", "A4"}, {"B3", "B4"}, {"D3", "D4"}} {
		if err := f.MergeCell(sh, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHolidayRosterAndRedWarningOnTheExampleTown plays issue 4's story on
// the example configuration: an admin imports the 元旦 roster from Excel
// and sees its gap, the office head is told of it a week ahead, the shift's
// people are reminded and check in (silence escalates), and the duty
// leader's red 暴雨 warning reaches everyone while its 熔断 checklist fills
// the board.
func TestHolidayRosterAndRedWarningOnTheExampleTown(t *testing.T) {
	h := exampleHarness(t, time.Date(2026, 12, 24, 10, 0, 0, 0, cst))
	for _, u := range []int64{uZhang, uLi, uLiu, uAdmin, uChen} {
		h.bind(u) // 张明 (principal), 李芳, 赵静 (应急办 head), 杨帆 (含谷村 head), 黄磊 (duty leader)
	}

	// The admin sends the Excel roster: stored, and the 01-03 gap named.
	h.srv.SendDocument(uZhouting, "元旦值班表.xlsx", holidayRoster(t))
	h.waitMsg(uZhouting, "✅ 值班表已导入：元旦值班表.xlsx", "新增 3 个班次", "【元旦节】", "01-03 全天无人值班")

	// A week before 元旦, at 09:00, the 应急办 head and the admins hear of it.
	h.advanceTo(time.Date(2026, 12, 25, 9, 0, 0, 0, cst))
	h.waitMsg(uLiu, "⚠️ 值班表缺口", "【元旦节】", "01-03 全天无人值班")
	h.waitMsg(uZhouting, "⚠️ 值班表缺口", "01-03 全天无人值班")

	// The day before, 16:00: 张明 and 吴敏 are reminded of their shift.
	h.advanceTo(time.Date(2026, 12, 31, 16, 0, 0, 0, cst))
	h.waitMsg(uZhang, "01-01", "08:00", "吴敏", "13800000010", "镇政府值班室")
	h.waitMsg(uWumin, "01-01", "08:00", "张明")

	// 08:00 on 元旦: the check-in call. 吴敏 checks in; 张明 stays silent.
	h.advanceTo(time.Date(2027, 1, 1, 8, 0, 0, 0, cst))
	call := h.waitButton(uWumin, "✅ 到岗签到")
	h.press(uWumin, call, button(t, call, "✅ 到岗签到"))
	h.eventually("吴敏's check-in shown", func() bool {
		return strings.Contains(h.latest(uWumin, call.ID).Text, "已于 08:00")
	})
	h.waitButton(uZhang, "✅ 到岗签到")
	checkin := regexp.MustCompile(`#(\d{8}-\d{4})`).FindStringSubmatch(call.Text)[1]
	// Steps count from delivery: wait until 张明's is recorded before the
	// clock moves (the first step, 带班领导, skips him: he leads).
	h.waitScheduled(checkin, "o-zhangming", time.Date(2027, 1, 1, 8, 15, 0, 0, cst))
	// 张明 leads the shift, so the 带班领导 step skips him; at +30 min the
	// 应急办 head (赵静) is told he has not checked in, not before.
	h.advanceTo(time.Date(2027, 1, 1, 8, 29, 0, 0, cst))
	h.quiet(uLiu, "#"+checkin)
	h.advanceTo(time.Date(2027, 1, 1, 8, 30, 0, 0, cst))
	h.waitMsg(uLiu, "🚨 叫应升级", "#"+checkin, "张明（党政办）")
	if n := len(h.messages(uLiu, "#"+checkin)); n != 1 {
		t.Errorf("the 应急办 head got %d messages about the check-in, want 1", n)
	}

	// The duty leader sends a red 暴雨 warning to the whole town.
	id := h.warn(uChen, "暴雨 红 全镇 今夜三小时降雨量将超过100毫米")
	for _, u := range []int64{uZhang, uLi, uLiu, uAdmin, uZhouting, uWumin} {
		h.waitMsg(u, "暴雨红色预警", "#"+id)
	}
	// 含谷村's head gets the village's 熔断 items and confirms the
	// evacuation with a count; the duty leader's board shows it.
	list := h.waitMsg(uAdmin, "🛑 熔断", "含谷村", "撤离")
	h.boardMsg(uChen, id, "已落实 0/")
	h.press(uAdmin, list, button(t, list, "1. 撤离"))
	h.waitMsg(uAdmin, "请回复【撤离")
	h.srv.SendText(uAdmin, "35 已全部撤离")
	h.waitMsg(uAdmin, "✅ 已确认", "35")
	h.boardMsg(uChen, id, "已落实 1/", "35")
}
