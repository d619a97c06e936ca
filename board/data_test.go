package board

import (
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/weather"
)

// contains fails the test unless s holds every part.
func contains(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, s)
		}
	}
}

func TestAlertCardsFollowTheCall(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.alert("red", "暴雨红色预警", "o-zhang", "o-li", "o-qian")
	f.advance(30 * time.Second)
	f.deliver() // calls reach 张明 and 李芳 at 08:00:30; 钱进 has no chat

	b := f.board()
	if len(b.Alerts) != 1 || b.Alerts[0].Alert.ID != id {
		t.Fatalf("alerts = %+v", b.Alerts)
	}
	f.advance(2*time.Minute + 30*time.Second)
	if _, err := f.engine.Ack("o-zhang", id, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	f.advance(18 * time.Minute) // 08:21: 李芳 reminded at 08:10:30 and escalated to 吴敏 at 08:20:30

	b = f.board()
	c := b.Alerts[0]
	if c.Answered != 1 || len(c.Recipients) != 3 {
		t.Fatalf("card answered %d of %d", c.Answered, len(c.Recipients))
	}
	var order []string
	for _, r := range c.Recipients {
		order = append(order, r.Official+":"+r.State)
	}
	if got := strings.Join(order, " "); got != "o-qian:unreachable o-li:escalated o-zhang:acked" {
		t.Errorf("recipients in order %s", got)
	}
	zh := f.section("zh-CN", "alerts")
	contains(t, "alerts (zh)", zh, "暴雨红色预警", "#"+id, "红色", "已应答 1/3", "发布：系统接口", "08:00 发出",
		`data-official="o-zhang" data-state="answered"`, "08:03 已应答",
		`data-official="o-li" data-state="escalated"`, "已升级至吴敏 · 等待 20 分钟", "08:10 再次叫应", "08:20 升级至吴敏（单位负责人）",
		`data-official="o-qian" data-state="unreachable"`, "无法送达（未绑定）", "08:00 升级至陈杰（单位负责人）")
	en := f.section("en", "alerts")
	contains(t, "alerts (en)", en, "Answered 1/3", "answered 08:03", "escalated to 吴敏 · waiting 20 min",
		"08:20 escalated to 吴敏 (unit head)")

	// 吴敏 takes the call over: 李芳 turns answered by her; closing the
	// alert takes it off the board.
	if _, err := f.engine.Handle("o-wu", id, "o-wu"); err != nil {
		t.Fatal(err)
	}
	contains(t, "alerts after the takeover", f.section("zh-CN", "alerts"), "由吴敏接手处理")
	if _, err := f.engine.CloseByAPI(id); err != nil {
		t.Fatal(err)
	}
	if b := f.board(); len(b.Alerts) != 0 {
		t.Errorf("closed alert still shown: %+v", b.Alerts)
	}
	contains(t, "alerts when none is open", f.section("zh-CN", "alerts"), "当前没有进行中的叫应")
}

func TestNewestAlertFirstAndNoRebuildWithoutChange(t *testing.T) {
	f := newFixture(t, Options{})
	first := f.alert("blue", "第一条", "o-zhang")
	f.advance(time.Minute)
	second := f.alert("yellow", "第二条", "o-li")
	s1, err := f.srv.current()
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{s1.board.Alerts[0].Alert.ID, s1.board.Alerts[1].Alert.ID}; got[0] != second || got[1] != first {
		t.Errorf("order %v, want newest first", got)
	}
	s2, _ := f.srv.current()
	if s2 != s1 {
		t.Error("the board was rebuilt although nothing changed")
	}
	f.clk.Advance(time.Minute)
	s3, _ := f.srv.current()
	if s3 == s1 {
		t.Error("the board was not rebuilt for a new minute")
	}
	f.alert("red", "第三条", "o-wu")
	s4, _ := f.srv.current()
	if s4 == s3 || len(s4.board.Alerts) != 3 {
		t.Errorf("a new alert did not reach the board: %d alerts", len(s4.board.Alerts))
	}
}

func TestDutyShowsTodayTomorrowAndCheckins(t *testing.T) {
	f := newFixture(t, Options{})
	day := func(d int, h int) time.Time { return time.Date(2026, 11, 30+d, h, 0, 0, 0, start.Location()) }
	shifts := []roster.Shift{
		{Start: day(-1, 8), End: day(0, 8), Leader: "o-he", Staff: []string{"o-li"}, Kind: roster.Daily},
		{Start: day(0, 8), End: day(1, 8), Leader: "o-liu", Staff: []string{"o-zhang"}, Kind: roster.Daily,
			Place: "镇政府值班室", Phone: "023-65800000"},
		{Start: day(1, 8), End: day(2, 8), Leader: "o-duty", Staff: []string{"o-li"}, Kind: roster.Daily},
		{Start: day(0, 8), End: day(1, 8), Leader: "o-he", Staff: []string{"o-wu"}, Kind: rota.ShiftExtreme},
		{Start: day(2, 8), End: day(3, 8), Leader: "o-liu", Staff: []string{"o-zhang"}, Kind: roster.Daily},
	}
	if _, err := f.rota.Import(shifts, "o-admin", "test.xlsx"); err != nil {
		t.Fatal(err)
	}
	f.advance(2 * time.Minute) // the 08:00 shift starts: its check-in goes out
	var checkin string
	f.update(func(tx *storage.Tx) error {
		st, err := rota.LoadShiftState(tx, "20261130-0800")
		checkin = st.Checkin
		return err
	})
	if checkin == "" {
		t.Fatal("no check-in alert for today's shift")
	}
	if _, err := f.engine.Ack("o-zhang", checkin, "o-zhang"); err != nil {
		t.Fatal(err)
	}

	b := f.board()
	if len(b.Days) != 2 || len(b.Days[0].Shifts) != 2 || len(b.Days[1].Shifts) != 1 {
		t.Fatalf("days: %+v", b.Days)
	}
	if b.DutyMode {
		t.Error("duty mode on without a warning")
	}
	duty := f.section("zh-CN", "duty")
	contains(t, "duty", duty, "今天 11-30 周一", "明天 12-01 周二", "已结束", "在岗", "未开始",
		"带班领导", "刘洋", "13800000004", "08:02 签到", "未签到", "镇政府值班室", "023-65800000")
	if !strings.Contains(duty, `<li class="later" data-official="o-he"><span class="role">带班领导</span> <b>何军</b>`) {
		t.Error("a shift that ended before it was imported shows its people as not checked in")
	}
	if strings.Contains(duty, "吴敏") {
		t.Error("the standby shift shows outside duty mode")
	}

	// A red rainstorm switches extreme-weather duty mode on: the standby
	// shift counts.
	if _, err := f.weather.Issue(weather.Request{Type: "rainstorm", Level: "red", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	b = f.board()
	if !b.DutyMode || len(b.Days[0].Shifts) != 3 {
		t.Errorf("in duty mode: mode %v, %d shifts today", b.DutyMode, len(b.Days[0].Shifts))
	}
	contains(t, "duty in duty mode", f.section("zh-CN", "duty"), "吴敏", "极端天气值班（备勤）")
}

func TestMeltdownChecklist(t *testing.T) {
	f := newFixture(t, Options{})
	if h := f.section("zh-CN", "meltdown"); !strings.Contains(h, "hidden") {
		t.Errorf("the checklist shows without a warning:\n%s", h)
	}
	res, err := f.weather.Issue(weather.Request{Type: "rainstorm", Level: "red", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	f.deliver()
	f.advance(4 * time.Minute)
	if _, err := f.weather.Confirm("o-wu", res.Warning.ID, 1, 35, "已全部撤离"); err != nil {
		t.Fatal(err)
	}
	b := f.board()
	if len(b.Warnings) != 1 || len(b.Warnings[0].Items) != 2 {
		t.Fatalf("warnings: %+v", b.Warnings)
	}
	h := f.section("zh-CN", "meltdown")
	contains(t, "meltdown", h, "暴雨红色预警", "已落实 1/2 项", "08:30 前确认", "应急办", "撤离", "转移撤离危险区域群众",
		"35（已全部撤离） · 吴敏 · 08:04", "城管大队", "禁止", "待确认")
	if strings.Contains(h, "hidden") {
		t.Error("the checklist is hidden during a warning")
	}
	// The sandbox divides confirm_within: its deadline shows its seconds.
	f.cfg.ShowSeconds = true
	f.advance(time.Minute) // a new minute: the board renders afresh
	contains(t, "meltdown with seconds", f.section("zh-CN", "meltdown"), "08:30:00 前确认")
	f.cfg.ShowSeconds = false
	if _, err := f.weather.LiftByAPI(res.Warning.ID); err != nil {
		t.Fatal(err)
	}
	if b := f.board(); len(b.Warnings) != 0 {
		t.Errorf("a lifted warning still shows its checklist")
	}
}

// Overdue duty shows per holder: each unit with the personal items owed
// through it, then officials owing items across units, one line per point
// with the periods missed.
func TestOverdueTasksPerHolder(t *testing.T) {
	f := newFixture(t, Options{})
	if b := f.board(); len(b.Overdue) != 0 {
		t.Fatalf("overdue at 08:00: %+v", b.Overdue)
	}
	contains(t, "tasks before the due time", f.section("zh-CN", "tasks"), "没有逾期任务")
	f.clk.Advance(10*time.Hour + time.Minute) // 18:01, past the due hour of the month's last working day
	b := f.board()
	rows := map[string]int{}
	for _, u := range b.Overdue {
		rows[u.Unit+u.Official] = u.Missed()
	}
	// 张明 and 李芳 missed today's inspection (14.2), 吴敏 her monthly one
	// (14.4) and her quotas; 刘洋, 分管领导 of both departments, his quotas.
	if rows["yjb"] != 2+1+3 || rows["o-liu"] != 3 || rows["cgdd"] == 0 {
		t.Fatalf("overdue rows: %v", rows)
	}
	h := f.section("zh-CN", "tasks")
	contains(t, "tasks", h, "应急办", "城管大队", "刘洋", "项逾期", "14.2", "张明", "应于 11-30 18:00 前完成")
	// A report takes the item off at the next look.
	if _, err := f.tasks.Report("o-zhang", "14.2/~o-zhang/2026-11-30", 1, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range f.board().Overdue {
		if u.Unit == "yjb" && u.Missed() != rows["yjb"]-1 {
			t.Errorf("after a report 应急办 has %d overdue, want %d", u.Missed(), rows["yjb"]-1)
		}
	}
}

func TestAnswerRates(t *testing.T) {
	f := newFixture(t, Options{})
	now := f.clk.Now()
	// put stores an alert created ago before now with its recipients.
	put := func(id string, ago time.Duration, state string, rs ...callout.Recipient) {
		f.update(func(tx *storage.Tx) error {
			a := callout.Alert{ID: id, Level: "red", Title: id, CreatedAt: now.Add(-ago), State: state}
			if err := callout.PutAlert(tx, a); err != nil {
				return err
			}
			for _, r := range rs {
				r.AlertID = id
				if err := callout.PutRecipient(tx, r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	sent := func(ago time.Duration) time.Time { return now.Add(-ago) }
	acked := func(off string, ago, after time.Duration) callout.Recipient {
		return callout.Recipient{Official: off, State: callout.StateAcked, SentAt: sent(ago), AckedAt: sent(ago).Add(after), AckedBy: off}
	}
	day := 24 * time.Hour
	// Outside the window: not counted.
	put("20261029-0001", 32*day, callout.AlertDone, acked("o-zhang", 32*day, time.Minute))
	put("20261031-0001", 30*day+time.Minute, callout.AlertDone, acked("o-zhang", 30*day, time.Minute))
	// 应急办: 张明 answers in 1m and 3m, 李芳 in 5m, once silent (escalated,
	// then the alert was closed), once taken over by 吴敏.
	put("20261101-0001", 29*day, callout.AlertClosed,
		acked("o-zhang", 29*day, time.Minute),
		callout.Recipient{Official: "o-li", State: callout.StateEscalated, SentAt: sent(29 * day)})
	put("20261120-0001", 10*day, callout.AlertDone,
		acked("o-zhang", 10*day, 3*time.Minute), acked("o-li", 10*day, 5*time.Minute),
		callout.Recipient{Official: "o-wu", State: callout.StateAcked, SentAt: sent(10 * day), AckedAt: sent(10 * day).Add(40 * time.Minute), AckedBy: "o-liu"})
	// 城管大队: 钱进 unreachable on a closed alert.
	put("20261125-0001", 5*day, callout.AlertClosed,
		callout.Recipient{Official: "o-qian", State: callout.StateUnreachable, Unreachable: "not bound to Telegram"})
	// An open alert: 陈杰 still inside his answer window is not counted yet;
	// 何军 escalated is.
	put("20261130-0001", time.Minute, callout.AlertOpen,
		callout.Recipient{Official: "o-chen", State: callout.StatePending, SentAt: sent(time.Minute)},
		callout.Recipient{Official: "o-he", State: callout.StateEscalated, SentAt: sent(time.Minute)})

	r := f.board().Rates
	got := map[string]UnitRate{}
	var order []string
	for _, u := range r.Units {
		got[u.Unit] = u
		order = append(order, u.Unit)
	}
	if strings.Join(order, ",") != "yjb,dzb,cgdd" {
		t.Errorf("units %v, want configuration order", order)
	}
	want := map[string]UnitRate{
		"yjb":  {Unit: "yjb", Called: 5, Answered: 3, Median: 3 * time.Minute},
		"dzb":  {Unit: "dzb", Called: 1, Answered: 0},
		"cgdd": {Unit: "cgdd", Called: 1, Answered: 0},
	}
	for u, w := range want {
		if g := got[u]; g.Called != w.Called || g.Answered != w.Answered || g.Median != w.Median {
			t.Errorf("%s = %+v, want %+v", u, g, w)
		}
	}
	if r.Total.Called != 7 || r.Total.Answered != 3 || r.Total.Median != 3*time.Minute {
		t.Errorf("total = %+v", r.Total)
	}
	h := f.section("zh-CN", "rates")
	contains(t, "rates", h, "近 30 天应答率", "10-31 至 11-30", "全镇", "42%", "3/7", "应急办", "60%", "3/5", "中位用时 3分钟", "城管大队", "0%", "0/1")
	contains(t, "rates (en)", f.section("en", "rates"), "Whole town", "median 3 min")
}

func TestMedian(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * m}, 5 * m},
		{[]time.Duration{5 * m, 1 * m}, 1 * m},
		{[]time.Duration{9 * m, 1 * m, 3 * m}, 3 * m},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDurations(t *testing.T) {
	f := newFixture(t, Options{})
	for _, tc := range []struct {
		d      time.Duration
		zh, en string
	}{
		{45 * time.Second, "45秒", "45s"},
		{3 * time.Minute, "3分钟", "3 min"},
		{2*time.Minute + 10*time.Second, "2分10秒", "2m10s"},
		{65 * time.Minute, "1小时5分", "1h5m"},
	} {
		for lang, want := range map[string]string{"zh-CN": tc.zh, "en": tc.en} {
			if got := duration(&view{tr: f.cat, Lang: lang}, tc.d); got != want {
				t.Errorf("%s in %s = %q, want %q", tc.d, lang, got, want)
			}
		}
	}
}

func TestDutyModeBadgeIsLive(t *testing.T) {
	f := newFixture(t, Options{})
	if h := f.section("zh-CN", "mode"); !strings.Contains(h, "hidden") {
		t.Errorf("duty mode shown without a warning: %s", h)
	}
	res, err := f.weather.Issue(weather.Request{Type: "rainstorm", Level: "orange", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if h := f.section("zh-CN", "mode"); strings.Contains(h, "hidden") || !strings.Contains(h, "极端天气值班模式已启动") {
		t.Errorf("duty mode not shown during an orange warning: %s", h)
	}
	if _, err := f.weather.LiftByAPI(res.Warning.ID); err != nil {
		t.Fatal(err)
	}
	if h := f.section("zh-CN", "mode"); !strings.Contains(h, "hidden") {
		t.Errorf("duty mode still shown after the warning was lifted: %s", h)
	}
}
