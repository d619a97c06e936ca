package ledger

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/clock"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/locales"
	"dutybot/storage"
)

// creditCode is a valid fictional 统一社会信用代码.
func creditCode(n int) string {
	first := fmt.Sprintf("91500106MA%07d", n)
	c, _ := enterprise.CheckChar(first)
	return first + string(c)
}

// twoMonths plays November and half of December 2026 under a fake clock:
// a registry of three enterprises (企业甲: 张明 行政负责人, 吴敏 行业部门监管负责人,
// 陈杰 包保责任人; 企业乙: 张明 and 陈杰, in 城管大队's area; 企业丙: 李芳 and
// 吴敏), ten inspections (one in October) and four hazards, three of them
// closed. In November 张明 meets every quota; 李芳 inspects an enterprise
// not hers, 陈杰 one he only guarantees, and 吴敏 visits 企业丙 only in
// December. It returns the ledger and the clock at 12-15 10:00.
func twoMonths(t *testing.T) (*Ledger, *clock.Fake) {
	t.Helper()
	l, db := testLedger(t)
	loc := l.cfg.Location
	clk := clock.NewFake(time.Date(2026, 10, 1, 8, 0, 0, 0, loc))
	ents := []enterprise.Enterprise{
		{Code: creditCode(1), Name: "企业甲", Industry: "industry_trade", Risk: "yellow", Admin: "o-zhang", Supervisor: "o-wu",
			Guarantor: "o-chen", Unit: "yjb", Row: 1},
		{Code: creditCode(2), Name: "企业乙", Industry: "industry_trade", Risk: "blue", Admin: "o-zhang", Supervisor: "o-chen",
			Unit: "cgdd", Row: 2},
		{Code: creditCode(3), Name: "企业丙", Industry: "gas", Risk: "orange", Admin: "o-li", Supervisor: "o-wu", Unit: "yjb", Row: 3},
	}
	byCode := map[string]enterprise.Enterprise{}
	for _, e := range ents {
		byCode[e.Code] = e
	}
	update := func(fn func(tx *storage.Tx) error) {
		t.Helper()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx *storage.Tx) error { _, err := enterprise.Replace(tx, ents); return err })
	to := func(m time.Month, d, h, min int) {
		t.Helper()
		at := time.Date(2026, m, d, h, min, 0, 0, loc)
		if at.Before(clk.Now()) {
			t.Fatalf("the clock goes back to %s", at)
		}
		clk.Advance(at.Sub(clk.Now()))
	}
	inspect := func(id string, e int, official, kind string, plaque []string, checked, findings string, photos int,
		point *storage.Point, hazards ...string) {
		t.Helper()
		en := ents[e-1]
		i := inspection.Inspection{ID: id, Enterprise: en.Code, EnterpriseName: en.Name, Unit: en.Unit, Official: official,
			At: clk.Now(), Kind: kind, Checked: checked, Findings: findings, Point: point, Hazards: hazards, Plaque: plaque}
		for p := range photos {
			i.Photos = append(i.Photos, fmt.Sprintf("photo-%s-%d", id, p))
		}
		update(func(tx *storage.Tx) error { return inspection.Put(tx, i) })
	}
	found := func(id string, e int, by, desc string, due time.Time) {
		t.Helper()
		en := ents[e-1]
		now := clk.Now()
		h := hazard.Hazard{ID: id, Enterprise: en.Code, EnterpriseName: en.Name, Unit: en.Unit, Supervisor: en.Supervisor,
			Administrator: en.Admin, FoundBy: by, FoundAt: now, Level: hazard.LevelGeneral, Description: desc,
			Responsible: storage.Contact{Name: "王厂长", Phone: "13900000002"}, State: hazard.StateAssigned, Deadline: due, Round: 1,
			History: []hazard.Step{{State: hazard.StateFound, At: now, By: by}, {State: hazard.StateAssigned, At: now, By: by, Due: due}}}
		update(func(tx *storage.Tx) error { return hazard.Put(tx, h) })
	}
	closed := func(id, by string) {
		t.Helper()
		update(func(tx *storage.Tx) error {
			h, err := hazard.Load(tx, id)
			if err != nil {
				return err
			}
			now := clk.Now()
			h.History = append(h.History,
				hazard.Step{State: hazard.StateRectified, At: now, By: storage.ActorEnterprise, Name: "王厂长", Note: "已整改"},
				hazard.Step{State: hazard.StateRechecked, At: now, By: by},
				hazard.Step{State: hazard.StateClosed, At: now, By: by})
			h.State, h.RectifiedBy, h.RectifiedAt, h.RecheckedBy, h.RecheckedAt, h.ClosedBy, h.ClosedAt =
				hazard.StateClosed, storage.ActorEnterprise, now, by, now, by, now
			return hazard.Put(tx, h)
		})
	}
	admin, sup, guarantor := []string{enterprise.PlaqueAdmin}, []string{enterprise.PlaqueSupervisor}, []string{enterprise.PlaqueGuarantor}
	check, problem := inspection.KindCheck, inspection.KindProblem

	to(10, 20, 10, 0)
	inspect("C20261020-01", 2, "o-zhang", check, admin, "用电安全", "", 0, nil)
	to(11, 3, 9, 30)
	found("H20261103-01", 1, "o-zhang", "消防通道堵塞", time.Date(2026, 11, 10, 18, 0, 0, 0, loc))
	inspect("C20261103-01", 1, "o-zhang", check, admin, "消防通道、灭火器", "消防通道堵塞", 2,
		&storage.Point{Lat: 29.5631, Lon: 106.4402}, "H20261103-01")
	to(11, 4, 10, 0)
	found("H20261104-01", 2, "o-zhang", "配电箱无防护", time.Date(2026, 11, 20, 18, 0, 0, 0, loc))
	to(11, 10, 14, 0)
	inspect("C20261110-01", 2, "o-zhang", check, admin, "用电安全", "", 0, nil)
	to(11, 12, 10, 0)
	inspect("C20261112-01", 1, "o-zhang", problem, admin, "协调消防水源", "已协调接入市政水源", 1, nil)
	to(11, 15, 15, 20)
	inspect("C20261115-01", 2, "o-zhang", problem, admin, "协调危废转运", "", 0, nil)
	to(11, 20, 9, 0)
	found("H20261120-01", 1, "o-wu", "储罐区报警器失灵", time.Date(2026, 12, 1, 18, 0, 0, 0, loc))
	inspect("C20261120-01", 1, "o-wu", check, sup, "储罐区", "报警器失灵", 0, nil, "H20261120-01")
	to(11, 20, 10, 0)
	closed("H20261103-01", "o-wu")
	to(11, 25, 16, 45)
	inspect("C20261125-01", 1, "o-li", check, nil, "安全培训台账", "", 0, nil)
	to(11, 26, 10, 10)
	inspect("C20261126-01", 1, "o-chen", check, guarantor, "安全出口", "", 0, nil)
	to(11, 28, 11, 0)
	closed("H20261104-01", "o-chen")
	to(12, 2, 9, 0)
	closed("H20261120-01", "o-zhang")
	to(12, 5, 9, 0)
	inspect("C20261205-01", 1, "o-zhang", check, admin, "复查消防通道", "", 0, nil)
	to(12, 10, 11, 0)
	found("H20261210-01", 3, "o-wu", "配电柜老化", time.Date(2026, 12, 20, 18, 0, 0, 0, loc))
	inspect("C20261210-01", 3, "o-wu", problem, sup, "协调安全投入", "配电柜老化", 3,
		&storage.Point{Lat: 29.55, Lon: 106.42}, "H20261210-01")
	to(12, 15, 10, 0)
	return l, clk
}

// readSheets opens a workbook and reads the named sheets.
func readSheets(t *testing.T, data []byte) (*excelize.File, map[string][][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the export does not open as a workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	out := map[string][][]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		out[s] = rows
	}
	return f, out
}

// sameRows compares a sheet cell by cell with want (trailing empty cells
// dropped, as excelize reads them).
func sameRows(t *testing.T, sheet string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("sheet %s has %d rows, want %d", sheet, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		w := want[i]
		for len(w) > 0 && w[len(w)-1] == "" {
			w = w[:len(w)-1]
		}
		for j := range max(len(got[i]), len(w)) {
			var g, v string
			if j < len(got[i]) {
				g = got[i][j]
			}
			if j < len(w) {
				v = w[j]
			}
			if g != v {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				t.Errorf("%s!%s = %q, want %q", sheet, cell, g, v)
			}
		}
	}
}

// The workbook's 检查记录 and 挂牌责任人履职, and the inspection totals of the
// summary, cell by cell in both languages: every inspection of the two
// months with names, plaque roles and hazards in words; each person's
// standing per month as it was at the month's end (and now for December),
// those behind marked; the enterprises not yet visited by name.
func TestInspectionAndQuotaSheets(t *testing.T) {
	c1, c2, c3 := creditCode(1), creditCode(2), creditCode(3)
	type words struct {
		lang                     string
		inspections, quotas, sum string
		iHeader, qHeader         []string
		inspRows, quotaRows      [][]string
		summary                  [][]string
	}
	zh := words{lang: locales.ZH, inspections: "检查记录", quotas: "挂牌责任人履职", sum: "汇总",
		iHeader: []string{"检查编号", "检查时间", "企业名称", "统一社会信用代码", "属地单位", "检查人", "挂牌身份", "检查类型", "检查内容", "检查发现",
			"照片（张）", "位置（纬度, 经度）", "登记隐患", "计入挂牌责任人履职"},
		inspRows: [][]string{
			{"C20261103-01", "2026-11-03 09:30", "企业甲", c1, "应急办", "张明", "行政负责人", "检查指导", "消防通道、灭火器", "消防通道堵塞", "2",
				"29.5631, 106.4402", "H20261103-01：消防通道堵塞", "是"},
			{"C20261110-01", "2026-11-10 14:00", "企业乙", c2, "城管大队", "张明", "行政负责人", "检查指导", "用电安全", "", "0", "", "", "是"},
			{"C20261112-01", "2026-11-12 10:00", "企业甲", c1, "应急办", "张明", "行政负责人", "协调解决安全管理难题", "协调消防水源", "已协调接入市政水源", "1",
				"", "", "是"},
			{"C20261115-01", "2026-11-15 15:20", "企业乙", c2, "城管大队", "张明", "行政负责人", "协调解决安全管理难题", "协调危废转运", "", "0", "", "", "是"},
			{"C20261120-01", "2026-11-20 09:00", "企业甲", c1, "应急办", "吴敏", "行业部门监管负责人", "检查指导", "储罐区", "报警器失灵", "0", "",
				"H20261120-01：储罐区报警器失灵", "是"},
			{"C20261125-01", "2026-11-25 16:45", "企业甲", c1, "应急办", "李芳", "—", "检查指导", "安全培训台账", "", "0", "", "", "否"},
			{"C20261126-01", "2026-11-26 10:10", "企业甲", c1, "应急办", "陈杰", "包保责任人", "检查指导", "安全出口", "", "0", "", "", "否"},
			{"C20261205-01", "2026-12-05 09:00", "企业甲", c1, "应急办", "张明", "行政负责人", "检查指导", "复查消防通道", "", "0", "", "", "是"},
			{"C20261210-01", "2026-12-10 11:00", "企业丙", c3, "应急办", "吴敏", "行业部门监管负责人", "协调解决安全管理难题", "协调安全投入", "配电柜老化", "3",
				"29.55, 106.42", "H20261210-01：配电柜老化", "是"},
		},
		qHeader: []string{"月份", "姓名", "单位", "指导检查挂牌企业（每月应 2 次）", "督促整改隐患销号（每月应 2 项）", "协调解决难题（每月应 2 个）", "本月达标",
			"半年覆盖（已检查/挂牌企业）", "半年内未检查的挂牌企业"},
		quotaRows: [][]string{
			{"2026-11", "张明", "应急办", "2", "2", "2", "是", "2/2", ""},
			{"2026-11", "李芳", "应急办", "0", "0", "0", "否", "0/1", "企业丙"},
			{"2026-11", "吴敏", "应急办", "1", "1", "0", "否", "1/2", "企业丙"},
			{"2026-11", "陈杰", "城管大队", "0", "1", "0", "否", "0/1", "企业乙"},
			{"2026-12（截至 12-15）", "张明", "应急办", "1", "1", "0", "否", "2/2", ""},
			{"2026-12（截至 12-15）", "李芳", "应急办", "0", "0", "0", "否", "0/1", "企业丙"},
			{"2026-12（截至 12-15）", "吴敏", "应急办", "0", "1", "1", "否", "2/2", ""},
			{"2026-12（截至 12-15）", "陈杰", "城管大队", "0", "0", "0", "否", "0/1", "企业乙"},
		},
		summary: [][]string{{"隐患排查治理"}, {"本期检查记录", "9"}, {"其中检查本人挂牌企业", "7"}, {"其中协调解决难题", "3"},
			{"本期发现隐患", "4"}, {"其中重大隐患", "0"}, {"本期销号", "3"}, {"导出时未销号", "1"}, {"其中逾期未整改", "0"}, {"挂牌企业", "3"}},
	}
	en := words{lang: locales.EN, inspections: "Inspections", quotas: "Plaque duty (item 19)", sum: "Summary",
		iHeader: []string{"Inspection ID", "Inspected at", "Enterprise", "Credit code", "Area unit", "Inspector", "On the plaque as", "Kind",
			"Checked", "Findings", "Photos", "Location (lat, lon)", "Hazards registered", "Counts for item 19"},
		qHeader: []string{"Month", "Name", "Unit", "Plaque enterprises inspected (quota 2 a month)", "Hazards seen to closure (quota 2 a month)",
			"Problems solved (quota 2 a month)", "Month's quotas met", "Half-year coverage (visited/plaques)",
			"Plaque enterprises not visited this half year"},
		summary: [][]string{{"Hazards"}, {"Inspections in the period", "9"}, {"of them at the inspector's plaques", "7"},
			{"of them problems solved", "3"}, {"Found in the period", "4"}, {"of them major", "0"}, {"Closed in the period", "3"},
			{"Open when exported", "1"}, {"of them overdue", "0"}, {"Registered enterprises", "3"}},
	}
	// The English rows: the same records in English words.
	enWords := strings.NewReplacer("行政负责人", "administrative lead", "行业部门监管负责人", "supervising department lead",
		"包保责任人", "guarantor", "协调解决安全管理难题", "Safety management problem solved", "检查指导", "Inspection and guidance",
		"H20261103-01：", "H20261103-01: ", "H20261120-01：", "H20261120-01: ", "H20261210-01：", "H20261210-01: ",
		"（截至 12-15）", " (to 12-15)")
	yesNo := map[string]string{"是": "Yes", "否": "No"}
	for _, rows := range []struct{ from, to *[][]string }{{&zh.inspRows, &en.inspRows}, {&zh.quotaRows, &en.quotaRows}} {
		for _, r := range *rows.from {
			out := make([]string, len(r))
			for i, v := range r {
				if w, ok := yesNo[v]; ok {
					v = w
				}
				out[i] = enWords.Replace(v)
			}
			*rows.to = append(*rows.to, out)
		}
	}

	l, clk := twoMonths(t)
	period := Filter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, l.cfg.Location), To: time.Date(2027, 1, 1, 0, 0, 0, 0, l.cfg.Location)}
	officialID := regexp.MustCompile(`\bo-[a-z]+`)
	for _, w := range []words{zh, en} {
		t.Run(w.lang, func(t *testing.T) {
			l.Lang = w.lang
			var buf bytes.Buffer
			st, err := l.Export(&buf, period, clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			if st.Inspections != 9 || st.Hazards != 4 {
				t.Errorf("stats %+v", st)
			}
			f, rows := readSheets(t, buf.Bytes())
			list := f.GetSheetList()
			if i, q := slices.Index(list, w.inspections), slices.Index(list, w.quotas); i < 0 || q < 0 ||
				list[i+1] != l.SheetName(SheetHazards) || list[q-1] != l.SheetName(SheetPlaques) || list[len(list)-1] != w.sum {
				t.Errorf("sheets %q: 检查记录 before 隐患台账, 挂牌责任人履职 after 挂牌企业, the summary last", list)
			}
			sameRows(t, w.inspections, rows[w.inspections], append([][]string{w.iHeader}, w.inspRows...))
			sameRows(t, w.quotas, rows[w.quotas], append([][]string{w.qHeader}, w.quotaRows...))
			sum := rows[w.sum]
			at := slices.IndexFunc(sum, func(r []string) bool { return len(r) == 1 && r[0] == w.summary[0][0] })
			if at < 0 {
				t.Fatalf("the summary has no section %q", w.summary[0][0])
			}
			sameRows(t, w.sum+" (inspections and hazards)", sum[at:min(at+len(w.summary), len(sum))], w.summary)
			for _, s := range []string{w.inspections, w.quotas, w.sum} {
				for r, row := range rows[s] {
					for c, v := range row {
						if officialID.MatchString(v) {
							cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
							t.Errorf("%s!%s = %q: an official's id", s, cell, v)
						}
					}
				}
			}
			// Those behind are marked on every cell of their row, and
			// only they.
			for r := range w.quotaRows {
				behind := w.quotaRows[r][6] == w.quotaRows[1][6]
				for c := range w.qHeader {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
					id, err := f.GetCellStyle(w.quotas, cell)
					if err != nil {
						t.Fatal(err)
					}
					s, err := f.GetStyle(id)
					if err != nil {
						t.Fatal(err)
					}
					marked := len(s.Fill.Color) == 1 && s.Fill.Color[0] == BehindFill && s.Font != nil && s.Font.Color == BehindFont
					if marked != behind {
						t.Errorf("%s!%s marked %v, want %v (row %q)", w.quotas, cell, marked, behind, w.quotaRows[r])
					}
				}
			}
		})
	}
}

// The new sheets select by the export's period and filter as the hazard
// sheet does: a unit's area and officials, an official's own inspections
// and those at their plaques, the months of the period begun by the
// export.
func TestInspectionAndQuotaSheetsFiltered(t *testing.T) {
	l, clk := twoMonths(t)
	loc := l.cfg.Location
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, loc) }
	tests := []struct {
		name        string
		f           Filter
		inspections []string
		quotas      []string // month and name
	}{
		{"November", Filter{From: month(2026, 11), To: month(2026, 12)},
			[]string{"C20261103-01", "C20261110-01", "C20261112-01", "C20261115-01", "C20261120-01", "C20261125-01", "C20261126-01"},
			[]string{"2026-11 张明", "2026-11 李芳", "2026-11 吴敏", "2026-11 陈杰"}},
		{"城管大队", Filter{From: month(2026, 11), To: month(2027, 1), Unit: "cgdd"},
			[]string{"C20261110-01", "C20261115-01", "C20261126-01"},
			[]string{"2026-11 陈杰", "2026-12（截至 12-15） 陈杰"}},
		{"李芳", Filter{From: month(2026, 11), To: month(2027, 1), Official: "o-li"},
			[]string{"C20261125-01", "C20261210-01"}, // hers, and one at her plaque
			[]string{"2026-11 李芳", "2026-12（截至 12-15） 李芳"}},
		{"December and a month to come", Filter{From: month(2026, 12), To: month(2027, 2), Official: "o-wu"},
			[]string{"C20261205-01", "C20261210-01"}, // at her plaque (企业甲), and hers
			[]string{"2026-12（截至 12-15） 吴敏"}},
		{"a month without records", Filter{From: month(2026, 9), To: month(2026, 10)},
			nil, []string{"2026-09 张明", "2026-09 李芳", "2026-09 吴敏", "2026-09 陈杰"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if _, err := l.Export(&buf, tc.f, clk.Now()); err != nil {
				t.Fatal(err)
			}
			_, rows := readSheets(t, buf.Bytes())
			var ins, qs []string
			for _, r := range rows["检查记录"][1:] {
				ins = append(ins, r[0])
			}
			for _, r := range rows["挂牌责任人履职"][1:] {
				qs = append(qs, r[0]+" "+r[1])
			}
			if !slices.Equal(ins, tc.inspections) {
				t.Errorf("inspections %q, want %q", ins, tc.inspections)
			}
			if !slices.Equal(qs, tc.quotas) {
				t.Errorf("quotas %q, want %q", qs, tc.quotas)
			}
		})
	}
}
