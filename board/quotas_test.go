package board

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/quota"
	"dutybot/storage"
)

// works is:
//
//	重庆某某机械厂 (cgdd): 行政负责人 刘洋, 行业部门监管负责人 吴敏
//	含谷面粉厂 (cgdd):     行政负责人 刘洋, 行业部门监管负责人 陈杰
//	含谷五金店 (yjb):      行政负责人 何军, 行业部门监管负责人 陈杰
//
// so the plaque holders are 吴敏 (one plaque), 刘洋 (two), 何军 (one) and
// 陈杰 (two).
type works struct {
	reg     *enterprise.Registry
	hazards *hazard.Service
	checks  *inspection.Service
	codes   []string // the machine works, the mill, the shop
}

// creditCode is a valid fictional 统一社会信用代码.
func creditCode(t testing.TB, n int) string {
	first := fmt.Sprintf("91500106MA%07d", n)
	c, ok := enterprise.CheckChar(first)
	if !ok {
		t.Fatalf("no check character for %s", first)
	}
	return first + string(c)
}

// registryPlaques is the registry as the hazard loop sees it (as app.New
// wires it).
type registryPlaques struct{ reg *enterprise.Registry }

func (p registryPlaques) Plaque(code string) (hazard.Plaque, bool) {
	e, ok, _ := p.reg.Get(code)
	return hazard.Plaque{Name: e.Name, Unit: e.Unit, Supervisor: e.Supervisor, Administrator: e.Admin,
		Principal: hazard.Person{Name: e.Head.Name, Phone: e.Head.Phone}}, ok
}

// workLoop imports the registry into a fixture and wires the hazard loop
// and /check's inspections on it, as the app does.
func (f *fixture) workLoop() *works {
	f.t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &works{reg: enterprise.New(f.cfg, f.db, f.clk, log)}
	w.codes = []string{creditCode(f.t, 1), creditCode(f.t, 2), creditCode(f.t, 3)}
	list := []enterprise.Enterprise{
		{Code: w.codes[0], Name: "重庆某某机械厂", Industry: "industry_trade", Risk: "yellow", Admin: "o-liu", Supervisor: "o-wu",
			Head: storage.Contact{Name: "李老板", Phone: "13900000001"}, Unit: "cgdd"},
		{Code: w.codes[1], Name: "含谷面粉厂", Industry: "industry_trade", Risk: "blue", Admin: "o-liu", Supervisor: "o-chen",
			Head: storage.Contact{Name: "王厂长", Phone: "13900000002"}, Unit: "cgdd"},
		{Code: w.codes[2], Name: "含谷五金店", Industry: "other", Risk: "blue", Admin: "o-he", Supervisor: "o-chen",
			Head: storage.Contact{Name: "周店主", Phone: "13900000003"}, Unit: "yjb"},
	}
	if _, err := w.reg.Import(list, "o-admin", "挂牌企业.xlsx"); err != nil {
		f.t.Fatal(err)
	}
	w.hazards = hazard.New(f.cfg, f.db, f.engine, f.cat, f.clk, registryPlaques{w.reg}, log)
	f.fire.Handle(hazard.DeadlinePrefix, w.hazards.Fire)
	w.checks = inspection.New(f.cfg, f.db, w.reg, w.hazards, f.clk, log)
	return w
}

// inspect records an inspection by official of enterprise, of kind
// (inspection.KindCheck or KindProblem).
func (w *works) inspect(t testing.TB, official, enterprise, kind string) {
	t.Helper()
	if _, err := w.checks.Submit(inspection.Record{Enterprise: enterprise, Official: official, Kind: kind,
		Checked: "消防通道、配电箱、特种设备台账"}); err != nil {
		t.Fatal(err)
	}
}

// closeHazard takes a hazard found by official at enterprise through the
// whole loop to 销号: fixed by the enterprise, rechecked and closed by
// official.
func (w *works) closeHazard(t testing.TB, official, enterprise string, now time.Time) {
	t.Helper()
	h, err := w.hazards.Report(hazard.Finding{Enterprise: enterprise, FoundBy: official, Level: hazard.LevelGeneral,
		Description: "灭火器过期", Assign: &hazard.Assignment{Deadline: now.Add(72 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.hazards.Rectified(h.ID, hazard.Rectification{By: storage.ActorEnterprise, Note: "已更换", Photos: []string{"p1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.hazards.Recheck(official, h.ID, hazard.Recheck{OK: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.hazards.Close(official, h.ID, ""); err != nil {
		t.Fatal(err)
	}
}

// standing is a row as the tests write it: name, then the month's
// inspections, hazards and problems, then covered/plaques.
func standing(f *fixture, r quota.Row) string {
	return fmt.Sprintf("%s %d %d %d %d/%d", f.cfg.OfficialName(r.Official), r.Month.Inspections, r.Month.Hazards,
		r.Month.Problems, len(r.Half.Covered), len(r.Half.Plaques))
}

func standings(f *fixture, b *Board) string {
	var out []string
	for _, r := range b.Quotas {
		out = append(out, standing(f, r))
	}
	return strings.Join(out, "; ")
}

// TestQuotaCardCountsTheRecords: the 履职 card lists every plaque holder
// with the month's figures counted from inspections and closed hazards,
// those behind first (in configuration order), those on target after; it
// follows each inspection and 销号 and starts again when the month turns,
// while the half year's coverage keeps November's visits.
func TestQuotaCardCountsTheRecords(t *testing.T) {
	f := newFixture(t, Options{})
	if b := f.board(); len(b.Quotas) != 0 {
		t.Fatalf("no registry, no inspections: nobody on the card: %s", standings(f, b))
	}
	contains(t, "no plaque holders", f.section("zh-CN", "quotas"), "还没有挂牌责任人")
	w := f.workLoop()
	if got, want := standings(f, f.board()), "吴敏 0 0 0 0/1; 刘洋 0 0 0 0/2; 何军 0 0 0 0/1; 陈杰 0 0 0 0/2"; got != want {
		t.Fatalf("after the import:\n got %s\nwant %s", got, want)
	}

	// 吴敏 meets every quota at the machine works; his two hazards count
	// for 刘洋 too, its 行政负责人, who inspects it once.
	works, mill := w.codes[0], w.codes[1]
	w.inspect(t, "o-wu", works, inspection.KindCheck)
	if got, want := standings(f, f.board()), "吴敏 1 0 0 1/1; 刘洋 0 0 0 0/2; 何军 0 0 0 0/1; 陈杰 0 0 0 0/2"; got != want {
		t.Fatalf("after one inspection:\n got %s\nwant %s", got, want)
	}
	w.inspect(t, "o-wu", works, inspection.KindCheck)
	w.inspect(t, "o-wu", works, inspection.KindProblem)
	w.inspect(t, "o-wu", works, inspection.KindProblem)
	if got, want := standings(f, f.board()), "吴敏 2 0 2 1/1; 刘洋 0 0 0 0/2; 何军 0 0 0 0/1; 陈杰 0 0 0 0/2"; got != want {
		t.Fatalf("after four inspections:\n got %s\nwant %s", got, want)
	}
	w.closeHazard(t, "o-wu", works, f.clk.Now())
	if got, want := standings(f, f.board()), "吴敏 2 1 2 1/1; 刘洋 0 1 0 0/2; 何军 0 0 0 0/1; 陈杰 0 0 0 0/2"; got != want {
		t.Fatalf("after one 销号:\n got %s\nwant %s", got, want)
	}
	w.closeHazard(t, "o-wu", works, f.clk.Now())
	w.inspect(t, "o-liu", mill, inspection.KindCheck)
	b := f.board()
	if got, want := standings(f, b), "刘洋 1 2 0 1/2; 何军 0 0 0 0/1; 陈杰 0 0 0 0/2; 吴敏 2 2 2 1/1"; got != want {
		t.Fatalf("吴敏 on target goes last:\n got %s\nwant %s", got, want)
	}
	if b.Quotas[0].Behind() == false || b.Quotas[3].Behind() {
		t.Errorf("behind: %v, on target: %v", b.Quotas[0].Behind(), !b.Quotas[3].Behind())
	}

	// December: the month's figures start again; the half year keeps
	// November's visits.
	f.advance(time.Date(2026, 12, 1, 9, 0, 0, 0, start.Location()).Sub(f.clk.Now()))
	if got, want := standings(f, f.board()), "吴敏 0 0 0 1/1; 刘洋 0 0 0 1/2; 何军 0 0 0 0/1; 陈杰 0 0 0 0/2"; got != want {
		t.Fatalf("in December:\n got %s\nwant %s", got, want)
	}
}

// TestQuotaCardInBothLanguages renders the card: names and units (never
// an official's id), each figure against its target, the summary, those
// behind marked and their short figures highlighted, those on target
// marked done.
func TestQuotaCardInBothLanguages(t *testing.T) {
	f := newFixture(t, Options{})
	w := f.workLoop()
	works, mill := w.codes[0], w.codes[1]
	for _, kind := range []string{inspection.KindCheck, inspection.KindCheck, inspection.KindProblem, inspection.KindProblem} {
		w.inspect(t, "o-wu", works, kind)
	}
	w.closeHazard(t, "o-wu", works, f.clk.Now())
	w.closeHazard(t, "o-wu", works, f.clk.Now())
	w.inspect(t, "o-liu", mill, inspection.KindCheck)

	zh := f.section("zh-CN", "quotas")
	contains(t, "the card in Chinese", zh, "挂牌责任人履职 · 本月", "4 人中 1 人本月达标",
		"<b>刘洋</b> <small>党政办</small>", "指导检查 1/2", "隐患销号 2/2", "解决难题 0/2", "半年覆盖 1/2", "未达标",
		"<b>吴敏</b> <small>应急办</small>", "本月达标", `<span class="fig half">半年覆盖 1/1`, "<b>陈杰</b> <small>城管大队</small>",
		`<span class="fig short half">半年覆盖 1/2`)
	en := f.section("en", "quotas")
	contains(t, "the card in English", en, "Plaque holders&#39; duties · this month", "1 of 4 on target this month",
		"<b>刘洋</b> <small>党政办</small>", "inspections 1/2", "hazards closed 2/2", "problems solved 0/2",
		"half-year coverage 1/2", "behind", "on target")
	for _, html := range []string{zh, en} {
		for _, o := range f.cfg.Officials {
			if strings.Contains(html, o.ID) {
				t.Errorf("the card shows the id %s:\n%s", o.ID, html)
			}
		}
		// 刘洋's line: behind, his problems short, his hazards not.
		line := html[strings.Index(html, "<b>刘洋</b>"):]
		line = line[:strings.Index(line, "</li>")]
		if !strings.Contains(line, `class="fig short">`+map[bool]string{true: "解决难题", false: "problems solved"}[html == zh]) ||
			strings.Contains(line, `class="fig short">`+map[bool]string{true: "隐患销号", false: "hazards closed"}[html == zh]) {
			t.Errorf("刘洋's short figures are not the ones marked:\n%s", line)
		}
		if strings.Index(html, "<b>刘洋</b>") > strings.Index(html, "<b>吴敏</b>") {
			t.Errorf("the person on target comes before one behind:\n%s", html)
		}
		if !strings.Contains(html, `<li class="met">`+"\n    "+`<span class="who"><b>吴敏</b>`) {
			t.Errorf("吴敏 is not marked on target:\n%s", html)
		}
	}
}

// TestQuotaCardListsAtMostItsLimit: a town of more plaque holders than the
// card lists says how many more there are and counts them all in the
// summary.
func TestQuotaCardListsAtMostItsLimit(t *testing.T) {
	f := newFixture(t, Options{})
	b := &Board{}
	for i := range maxQuotaRows + 5 {
		r := quota.Row{Official: f.cfg.Officials[i%len(f.cfg.Officials)].ID}
		if i < 3 {
			r.Month = quota.Figures{Inspections: 2, Hazards: 2, Problems: 3}
		}
		b.Quotas = append(b.Quotas, r)
	}
	v := f.srv.newView(b, "zh-CN")
	if len(v.Quotas.Rows) != maxQuotaRows || v.Quotas.More != 5 {
		t.Errorf("%d rows and %d more, want %d and 5", len(v.Quotas.Rows), v.Quotas.More, maxQuotaRows)
	}
	if want := fmt.Sprintf("%d 人中 3 人本月达标", maxQuotaRows+5); v.Quotas.Summary != want {
		t.Errorf("summary %q, want %q", v.Quotas.Summary, want)
	}
}
