package board

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// hazardLoop adds the hazard service to a fixture, its deadlines fired
// as the app fires them.
func (f *fixture) hazardLoop() *hazard.Service {
	f.t.Helper()
	hz := hazard.New(f.cfg, f.db, f.engine, f.cat, f.clk, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.fire.Handle(hazard.DeadlinePrefix, hz.Fire)
	return hz
}

// TestHazardCardFollowsTheLoop: the 隐患 card shows a 重大隐患 from 发现 to
// 销号 and a general hazard only once past its deadline, per 属地 unit, with
// the enterprise, the description cut short, the deadline, the days
// overdue and the responsible official by name; a registry import naming
// another 行业部门监管负责人 moves the responsibility; both languages.
func TestHazardCardFollowsTheLoop(t *testing.T) {
	f := newFixture(t, Options{})
	hz := f.hazardLoop()
	contains(t, "no hazards", f.section("zh-CN", "hazards"), "没有挂牌督办的重大隐患，也没有逾期未整改的隐患")

	day := func(d, h int) time.Time { return time.Date(2026, 11, 30+d, h, 0, 0, 0, start.Location()) }
	general, err := hz.Report(hazard.Finding{Enterprise: "91500106MA5U7X1234", EnterpriseName: "重庆某某机械厂", Unit: "cgdd",
		FoundBy: "o-zhang", Level: hazard.LevelGeneral, Description: "配电箱未接地，电缆老化破损，车间内多处私拉乱接电线，存在触电和火灾风险",
		Responsible: storage.Contact{Name: "李老板", Phone: "13900000001"},
		Assign:      &hazard.Assignment{Deadline: day(2, 18)}})
	if err != nil {
		t.Fatal(err)
	}
	major, err := hz.Report(hazard.Finding{Enterprise: "91500106MA5U7X5678", EnterpriseName: "含谷燃气站", Unit: "yjb",
		FoundBy: "o-zhang", Level: hazard.LevelMajor, Description: "储罐区可燃气体报警器失效"})
	if err != nil {
		t.Fatal(err)
	}
	b := f.board()
	if len(b.Hazards) != 1 || b.Hazards[0].Unit != "yjb" || b.Hazards[0].Major != 1 || len(b.Hazards[0].Items) != 1 {
		t.Fatalf("a general hazard before its deadline is not on the card; the major one is: %+v", b.Hazards)
	}
	zh := f.section("zh-CN", "hazards")
	contains(t, "a 重大隐患 found", zh, "应急办", "挂牌督办 1", "含谷燃气站", "储罐区可燃气体报警器失效", "尚未交办",
		"责任干部 张明", `data-hazard="`+major.ID+`"`)
	if strings.Contains(zh, general.ID) {
		t.Errorf("a hazard within its deadline is on the card:\n%s", zh)
	}

	// 交办 with 五落实; then the general hazard's deadline passes.
	if _, err := hz.Assign("o-wu", major.ID, hazard.Assignment{Deadline: day(10, 18), Five: &hazard.FiveFixes{
		Responsibility: "站长", Measures: "更换报警器", Funds: "2万元", TimeLimit: "10天", Plan: "停气预案"}}); err != nil {
		t.Fatal(err)
	}
	contains(t, "a 重大隐患 assigned", f.section("zh-CN", "hazards"), "期限 12-10 18:00", "整改中")
	f.advance(day(4, 9).Sub(f.clk.Now())) // 12-04 09:00: 1 day 15 h past 12-02 18:00
	b = f.board()
	if len(b.Hazards) != 2 || b.Hazards[0].Unit != "yjb" || b.Hazards[1].Unit != "cgdd" || b.Hazards[1].Overdue != 1 {
		t.Fatalf("units in configuration order, the overdue one counted: %+v", b.Hazards)
	}
	zh = f.section("zh-CN", "hazards")
	contains(t, "an overdue hazard", zh, "城管大队", "逾期 1", "重庆某某机械厂", "配电箱未接地，电缆老化破损，车间内多处私拉乱接电线，存在触电…",
		"期限 12-02 18:00", "逾期 2 天", "责任干部 张明")
	if strings.Contains(zh, "存在触电和火灾风险") {
		t.Errorf("the description is not cut short:\n%s", zh)
	}
	en := f.section("en", "hazards")
	contains(t, "the card in English", en, "Hazards", "1 listed", "1 overdue", "due 12-02 18:00", "2 d overdue",
		"official in charge: 张明", "Listed", "being fixed")

	// The registry names 吴敏 as the 行业部门监管负责人 of the machine
	// works: the card follows the import.
	f.update(func(tx *storage.Tx) error {
		if _, err := enterprise.Replace(tx, []enterprise.Enterprise{{Code: "91500106MA5U7X1234", Name: "重庆某某机械厂",
			Admin: "o-liu", Supervisor: "o-wu", Unit: "cgdd"}}); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: f.clk.Now(), Type: enterprise.EvImported, Actor: "o-admin"})
	})
	contains(t, "after a registry import", f.section("zh-CN", "hazards"), "责任干部 吴敏")

	// Fixed: off the card; the 重大隐患 stays until 销号.
	if _, err := hz.Rectified(general.ID, hazard.Rectification{By: storage.ActorEnterprise, Note: "已接地", Photos: []string{"p1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := hz.Rectified(major.ID, hazard.Rectification{By: "o-zhang", Note: "已更换", Photos: []string{"p2"}}); err != nil {
		t.Fatal(err)
	}
	zh = f.section("zh-CN", "hazards")
	contains(t, "the 重大隐患 rectified", zh, "含谷燃气站", "待复查")
	if strings.Contains(zh, general.ID) || strings.Contains(zh, "城管大队") {
		t.Errorf("a rectified general hazard is still on the card:\n%s", zh)
	}
	if _, err := hz.Recheck("o-wu", major.ID, hazard.Recheck{OK: true}); err != nil {
		t.Fatal(err)
	}
	contains(t, "the 重大隐患 rechecked", f.section("zh-CN", "hazards"), "待销号")
	if _, err := hz.Close("o-wu", major.ID, ""); err != nil {
		t.Fatal(err)
	}
	if b := f.board(); len(b.Hazards) != 0 {
		t.Errorf("a closed hazard is on the card: %+v", b.Hazards)
	}
	contains(t, "all closed", f.section("en", "hazards"), "No major hazard under listed supervision and no hazard overdue")
}

// TestHazardCardSurvivesAFreshBoard: a board started after the hazards
// were recorded (a restart) loads them at its first look.
func TestHazardCardSurvivesAFreshBoard(t *testing.T) {
	f := newFixture(t, Options{})
	hz := f.hazardLoop()
	for i := range 10 {
		if _, err := hz.Report(hazard.Finding{Enterprise: "91500106MA5U7X1234", EnterpriseName: "企业", Unit: "dzb",
			FoundBy: "o-zhang", Level: hazard.LevelMajor, Description: strings.Repeat("隐", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	zh := f.section("zh-CN", "hazards")
	contains(t, "ten 重大隐患", zh, "党政办", "挂牌督办 10", "另有 2 条")
}
