package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/roster"
)

// The demo roster covers the duty day under way and the next, 24 hours
// each from roster.day_starts in the town's time zone: before 08:00 the day
// under way began yesterday. The example town's duty leader leads the
// first, its first 分管领导 the second; its staff take turns.
func TestDemoRosterCoversTheDutyDayUnderWayAndTheNext(t *testing.T) {
	cfg := loadExample(t)
	sh := cfg.Location
	tests := []struct {
		name  string
		now   time.Time
		dates []string
	}{
		{"morning", time.Date(2026, 12, 2, 10, 58, 0, 0, sh), []string{"2026-12-02", "2026-12-03"}},
		{"at the start", time.Date(2026, 12, 2, 8, 0, 0, 0, sh), []string{"2026-12-02", "2026-12-03"}},
		{"before the start", time.Date(2026, 12, 2, 7, 59, 0, 0, sh), []string{"2026-12-01", "2026-12-02"}},
		{"late evening", time.Date(2026, 12, 31, 23, 30, 0, 0, sh), []string{"2026-12-31", "2027-01-01"}},
		// 02:58 UTC is 10:58 in Shanghai: the town's clock decides.
		{"UTC caller", time.Date(2026, 12, 2, 2, 58, 0, 0, time.UTC), []string{"2026-12-02", "2026-12-03"}},
	}
	for _, tt := range tests {
		plan, ok := demoRoster(cfg, tt.now)
		if !ok || len(plan) != 2 {
			t.Fatalf("%s: %v %+v", tt.name, ok, plan)
		}
		if plan[0].Leader != "o-huanglei" || plan[0].Staff != "o-zhouting" || plan[1].Leader != "o-lifang" || plan[1].Staff != "o-wumin" {
			t.Errorf("%s: people %+v", tt.name, plan)
		}
		// The file reads back, through the parser every roster file takes,
		// as two 24-hour shifts, the first under way at now.
		shifts, err := roster.ParseYAML(bytes.NewReader(demoRosterYAML(cfg, plan)), cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(shifts) != 2 {
			t.Fatalf("%s: %d shifts", tt.name, len(shifts))
		}
		for i, s := range shifts {
			start := s.Start.In(sh)
			if got := start.Format(time.DateOnly); got != tt.dates[i] || start.Format("15:04") != "08:00" || s.End.Sub(s.Start) != 24*time.Hour {
				t.Errorf("%s: shift %d runs %v to %v, want %s 08:00 for 24 h", tt.name, i, start, s.End.In(sh), tt.dates[i])
			}
		}
		if now := tt.now; now.Before(shifts[0].Start) || !now.Before(shifts[0].End) {
			t.Errorf("%s: the first shift %v–%v is not under way", tt.name, shifts[0].Start, shifts[0].End)
		}
	}
}

// A town with nobody to lead a shift, or nobody to staff it, gets no demo
// roster rather than a wrong one.
func TestDemoRosterNeedsALeaderAndStaff(t *testing.T) {
	const town = `
units:
  - {id: yjb, name: 应急办, head: o-wu}
officials:
  - {id: o-wu, name: 吴敏, phone: "13800000002", unit: yjb, roles: [unit_head, admin]}
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [ZHANG]}
  - {id: o-li, name: 李芳, phone: "13800000003", unit: yjb, roles: [LI]}
escalation:
  policies:
    default: [{after: 10m, action: escalate, to: unit_head}]
  levels: {blue: default, yellow: default, orange: default, red: default}
`
	for _, tt := range []struct {
		zhang, li string
		ok        bool
	}{
		{"duty_leader", "staff", true},
		{"principal", "staff", true},
		{"staff", "staff", false},             // nobody to lead
		{"duty_leader", "unit_head", false},   // nobody on duty under them
		{"leader, staff", "unit_head", false}, // the only staff member leads
	} {
		doc := strings.NewReplacer("ZHANG", tt.zhang, "LI", tt.li).Replace(town)
		cfg, err := config.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		plan, ok := demoRoster(cfg, time.Now())
		if ok != tt.ok {
			t.Errorf("张明 %s, 李芳 %s: demo roster %v %+v", tt.zhang, tt.li, ok, plan)
		}
		if ok && (plan[0].Leader != "o-zhang" || plan[0].Staff != "o-li") {
			t.Errorf("张明 %s, 李芳 %s: %+v", tt.zhang, tt.li, plan)
		}
	}
}

// The sandbox starts with the demo roster loaded: /duty names who is on
// duty now, checked in, and the next shift, so the reader's first /duty is
// not empty.
func TestSandboxDutyNamesTheDemoRoster(t *testing.T) {
	sb := start(t, 60)
	// The current shift is checked in by its people once the bot raises it.
	deadline := time.Now().Add(wait)
	for {
		d, err := sb.app.Rota.OnDuty(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Shifts) == 1 && len(d.Shifts[0].Checkin) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo shift is not on duty and checked in: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	bind(t, sb, "o-yangfan")
	if code := do(t, sb, "POST", "/sandbox/send", sendReq{As: "o-yangfan", Text: "/duty"}, nil); code != http.StatusOK {
		t.Fatalf("send /duty: %d", code)
	}
	c := waitChat(t, sb, "o-yangfan", "who is on duty", botSays("带班领导", "黄磊", "周婷", "下一班", "李芳", "吴敏"))
	m, _ := find(c, "下一班")
	if !regexp.MustCompile(`黄磊[^\n]*✅ \d\d:\d\d 签到`).MatchString(m.Text) || !regexp.MustCompile(`周婷[^\n]*✅ \d\d:\d\d 签到`).MatchString(m.Text) {
		t.Errorf("/duty does not show the current shift checked in:\n%s", m.Text)
	}
	if strings.Contains(m.Text, "当前没有人在值班") || strings.Contains(m.Text, "未签到") {
		t.Errorf("/duty:\n%s", m.Text)
	}
	// Nothing stays open beside the reader's own story: the check-in is
	// done (黄磊 as duty leader sees every open alert).
	if open, err := sb.app.Engine.Open("o-huanglei"); err != nil || len(open) != 0 {
		t.Errorf("open alerts after the demo check-in: %v %+v", err, open)
	}
	// The page says the roster is loaded, naming both shifts.
	resp, err := http.Get(sb.URL())
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, want := range []string{"已载入演示值班表", "带班 黄磊", "带班 李芳"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
