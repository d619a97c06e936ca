package inspection

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/locales"
	"dutybot/storage"
)

// Who may record an inspection of the works: those on its plaque, its 属地
// unit, its supervising department, and leaders, principals and admins;
// nobody else.
func TestAccess(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		official string
		by       string
		plaque   []string
	}{
		{"o-zhao", ByPlaque, []string{enterprise.PlaqueAdmin}},
		{"o-sun", ByPlaque, []string{enterprise.PlaqueSupervisor}},
		{"o-ma", ByPlaque, []string{enterprise.PlaqueGuarantor}},
		{"o-chen", ByUnit, nil},
		{"o-zhang", ByDepartment, nil},
		{"o-wu", ByDepartment, nil},
		{"o-liu", ByRole, nil},
		{"o-he", ByRole, nil},
		{"o-admin", ByRole, nil},
		{"o-qian", "", nil},
		{"o-nobody", "", nil},
		{"", "", nil},
	}
	for _, c := range cases {
		a := f.s.Access(c.official, works)
		if a.Allowed != (c.by != "") || a.By != c.by || !slices.Equal(a.Plaque, c.plaque) {
			t.Errorf("%s: %+v, want by %q plaque %v", c.official, a, c.by, c.plaque)
		}
	}
	// Someone on two places of one plaque holds both.
	both := works
	both.Guarantor = "o-sun"
	if a := f.s.Access("o-sun", both); !slices.Equal(a.Plaque, []string{enterprise.PlaqueSupervisor, enterprise.PlaqueGuarantor}) {
		t.Errorf("both: %+v", a)
	}
}

// A refused official gets a ForbiddenError carrying the enterprise, and
// nothing is stored.
func TestSubmitForbidden(t *testing.T) {
	f := newFixture(t)
	_, err := f.s.Submit(Record{Enterprise: works.Code, Official: "o-qian", Kind: KindCheck, Checked: "消防通道"})
	var fe *ForbiddenError
	if !errors.As(err, &fe) || fe.Enterprise.Supervisor != "o-sun" || fe.Enterprise.Name != works.Name {
		t.Fatalf("err = %v", err)
	}
	if n, _ := f.stored(); n != 0 {
		t.Errorf("%d inspections stored", n)
	}
}

// Bad records are refused, each naming what is wrong.
func TestSubmitRefusals(t *testing.T) {
	f := newFixture(t)
	ok := Record{Enterprise: works.Code, Official: "o-sun", Kind: KindCheck, Checked: "消防通道"}
	cases := map[string]struct {
		edit func(r *Record)
		want error
	}{
		"unknown enterprise": {func(r *Record) { r.Enterprise = creditCode(99) }, ErrUnknownEnterprise},
		"unknown official":   {func(r *Record) { r.Official = "o-x" }, ErrUnknownOfficial},
		"bad kind":           {func(r *Record) { r.Kind = "visit" }, ErrBadKind},
		"nothing checked":    {func(r *Record) { r.Checked = "  " }, ErrRequired},
		"long findings":      {func(r *Record) { r.Findings = strings.Repeat("问", MaxText+1) }, ErrTooLong},
		"too many photos":    {func(r *Record) { r.Photos = slices.Repeat([]string{"p"}, MaxPhotos+1) }, ErrTooMany},
		"bad location":       {func(r *Record) { r.Point = &storage.Point{Lat: 91} }, ErrBadLocation},
		"too many hazards": {func(r *Record) {
			r.Hazards = slices.Repeat([]Hazard{{Level: "general", Description: "x", Deadline: t0.Add(48 * time.Hour)}}, MaxHazards+1)
		}, ErrTooMany},
	}
	for name, c := range cases {
		r := ok
		c.edit(&r)
		if _, err := f.s.Submit(r); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	if n, _ := f.stored(); n != 0 {
		t.Errorf("%d inspections stored", n)
	}
}

// An inspection with two hazards stores the inspection and both hazards,
// each found and assigned with its deadline; the 重大隐患 carries its 五落实.
// A refused hazard refuses it all, naming the hazard.
func TestSubmitWithHazards(t *testing.T) {
	f := newFixture(t)
	five := &hazard.FiveFixes{Responsibility: "李老板", Measures: "停用", Funds: "5万元", TimeLimit: "12月10日前", Plan: "应急预案"}
	due := time.Date(2026, 12, 10, 23, 59, 0, 0, f.s.Location())
	r := Record{Enterprise: works.Code, Official: "o-sun", Kind: KindCheck, Checked: "消防通道、配电房",
		Findings: "配电房电缆裸露", Photos: []string{"ph1", "ph2"}, Point: &storage.Point{Lat: 29.5, Lon: 106.4},
		Hazards: []Hazard{
			{Level: hazard.LevelGeneral, Description: "消防通道堵塞", Deadline: due},
			{Level: hazard.LevelMajor, Description: "配电房电缆裸露", Deadline: due, Five: nil},
		}}
	_, err := f.s.Submit(r)
	var he *HazardError
	if !errors.As(err, &he) || he.N != 2 || he.Description != "配电房电缆裸露" || !errors.Is(err, hazard.ErrFiveMissing) {
		t.Fatalf("a major hazard without its 五落实: %v", err)
	}
	if n, h := f.stored(); n != 0 || h != 0 {
		t.Fatalf("after a refused hazard: %d inspections, %d hazards stored", n, h)
	}

	r.Hazards[1].Five = five
	r.Hazards[1].Responsible = storage.Contact{Name: "张电工", Phone: "13700000000"}
	in := f.submit(r)
	if in.ID != "C20261130-01" || !slices.Equal(in.Hazards, []string{"H20261130-01", "H20261130-02"}) ||
		!slices.Equal(in.Plaque, []string{enterprise.PlaqueSupervisor}) || !in.OwnPlaque() || in.Unit != "lhc" ||
		in.EnterpriseName != works.Name || len(in.Photos) != 2 {
		t.Fatalf("inspection %+v", in)
	}
	h1, _ := f.hz.Get("H20261130-01")
	h2, _ := f.hz.Get("H20261130-02")
	if h1.State != hazard.StateAssigned || !h1.Deadline.Equal(due) || h1.FoundBy != "o-sun" || h1.Responsible.Name != "李老板" ||
		h1.Point == nil || h1.Five != nil {
		t.Errorf("hazard 1 %+v", h1)
	}
	if h2.Level != hazard.LevelMajor || h2.Five == nil || *h2.Five != *five || h2.Responsible.Name != "张电工" {
		t.Errorf("hazard 2 %+v", h2)
	}
	// Each hazard carries the inspection's photos as its evidence of 发现,
	// in its record, its history and its event.
	for _, h := range []hazard.Hazard{h1, h2} {
		if !slices.Equal(h.Photos, []string{"ph1", "ph2"}) || !slices.Equal(h.History[0].Photos, h.Photos) ||
			!slices.Equal(hazard.LatestPhotos(h), h.Photos) {
			t.Errorf("hazard %s: photos %v, found with %v", h.ID, h.Photos, h.History[0].Photos)
		}
		var found []storage.Event
		if err := f.db.View(func(tx *storage.Tx) error {
			var err error
			found, err = tx.AlertEvents(h.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 || found[0].Code != storage.CodeHazardFound || !slices.Contains(found[0].Args, storage.Int("Photos", 2)) {
			t.Errorf("hazard %s found: %+v", h.ID, found)
		}
	}
	var ev []storage.Event
	if err := f.db.View(func(tx *storage.Tx) error {
		var err error
		ev, err = tx.AlertEvents(in.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 || ev[0].Code != storage.CodeInspected || ev[0].Actor != "o-sun" ||
		!slices.Contains(ev[0].Args, storage.Text("Hazards", "H20261130-01、H20261130-02")) ||
		!slices.Contains(ev[0].Args, storage.Word("Kind", storage.VocabWord, storage.WordInspectionCheck)) ||
		!strings.Contains(ev[0].Detail, "重庆某某机械厂") {
		t.Errorf("events %+v", ev)
	}
	// The next one that day is -02, the next day's -01.
	r.Hazards = nil
	if in := f.submit(r); in.ID != "C20261130-02" {
		t.Errorf("second id %s", in.ID)
	}
	f.clk.Advance(24 * time.Hour)
	if in := f.submit(r); in.ID != "C20261201-01" {
		t.Errorf("next day's id %s", in.ID)
	}
}

// Done runs in the inspection's transaction: its error stores nothing,
// hazards included.
func TestSubmitDoneUndoes(t *testing.T) {
	f := newFixture(t)
	gone := errors.New("flow gone")
	_, err := f.s.Submit(Record{Enterprise: works.Code, Official: "o-sun", Kind: KindCheck, Checked: "x",
		Hazards: []Hazard{{Level: "general", Description: "d", Deadline: t0.Add(72 * time.Hour)}},
		Done:    func(*storage.Tx) error { return gone }})
	if !errors.Is(err, gone) {
		t.Fatalf("err = %v", err)
	}
	if n, h := f.stored(); n != 0 || h != 0 {
		t.Errorf("%d inspections, %d hazards stored", n, h)
	}
}

// A month of inspections under the fake clock gives each person the
// figures item 19 counts: their own plaques' inspections and problems,
// the enterprises covered; others' enterprises and other months aside.
func TestCountByOfficial(t *testing.T) {
	f := newFixture(t)
	rec := func(official, code, kind string) {
		f.submit(Record{Enterprise: code, Official: official, Kind: kind, Checked: "日常检查"})
	}
	// October: one, outside the month counted.
	f.set(time.Date(2026, 10, 31, 23, 30, 0, 0, f.s.Location()))
	rec("o-sun", works.Code, KindCheck)
	// November.
	f.set(time.Date(2026, 11, 1, 0, 30, 0, 0, f.s.Location()))
	rec("o-sun", works.Code, KindCheck)
	f.clk.Advance(5 * 24 * time.Hour)
	rec("o-sun", mill.Code, KindCheck)
	rec("o-sun", works.Code, KindProblem)
	rec("o-sun", shop.Code, KindCheck) // 安监站's shop: allowed (department), not her plaque
	rec("o-ma", works.Code, KindCheck) // 包保: allowed, not counted as 行政/监管负责人
	rec("o-zhao", mill.Code, KindProblem)
	f.set(time.Date(2026, 11, 30, 23, 59, 0, 0, f.s.Location()))
	rec("o-sun", works.Code, KindCheck)
	// December.
	f.set(time.Date(2026, 12, 1, 0, 0, 0, 0, f.s.Location()))
	rec("o-sun", works.Code, KindCheck)

	from, to := f.s.Month(time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC))
	cases := map[string]Counts{
		"o-sun":  {All: 5, Own: 3, Problems: 1, Covered: sorted(works.Code, mill.Code)},
		"o-ma":   {All: 1},
		"o-zhao": {All: 1, Problems: 1, Covered: []string{mill.Code}},
		"o-qian": {},
	}
	for official, want := range cases {
		got, err := f.s.CountByOfficial(official, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if got.All != want.All || got.Own != want.Own || got.Problems != want.Problems || !slices.Equal(got.Covered, want.Covered) {
			t.Errorf("%s: %+v, want %+v", official, got, want)
		}
	}
	all, _ := f.s.CountByOfficial("o-sun", time.Time{}, time.Time{})
	if all.All != 7 || all.Own != 5 {
		t.Errorf("o-sun without bounds: %+v", all)
	}

	// The list agrees, by official (the index) and by enterprise.
	list, err := f.s.List(Filter{Official: "o-sun", From: from, To: to})
	if err != nil || len(list) != 5 || list[0].At.After(list[4].At) {
		t.Fatalf("list: %d %v", len(list), err)
	}
	list, _ = f.s.List(Filter{Enterprise: mill.Code})
	if len(list) != 2 || list[0].Official != "o-sun" || list[1].Official != "o-zhao" {
		t.Errorf("mill's: %+v", list)
	}
	list, _ = f.s.List(Filter{Enterprise: works.Code, From: from, To: to})
	if len(list) != 4 {
		t.Errorf("works' in November: %d", len(list))
	}
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// Mine lists an official's plaques, 行政负责人 first; Match finds by words
// of the name or the start of the 信用代码, one's own first.
func TestMineAndMatch(t *testing.T) {
	f := newFixture(t)
	mine, err := f.s.Mine("o-sun")
	if err != nil || len(mine) != 2 {
		t.Fatalf("mine: %v %v", mine, err)
	}
	if mine, _ := f.s.Mine("o-ma"); len(mine) != 1 || mine[0].Code != works.Code {
		t.Errorf("o-ma's %+v", mine)
	}
	names := func(list []enterprise.Brief) []string {
		var out []string
		for _, e := range list {
			out = append(out, e.Name)
		}
		return out
	}
	var all []enterprise.Brief
	for _, e := range []enterprise.Enterprise{shop, works, mill} {
		all = append(all, enterprise.Brief{Code: e.Code, Name: e.Name, Admin: e.Admin, Supervisor: e.Supervisor, Guarantor: e.Guarantor})
	}
	cases := []struct {
		official, query string
		want            []string
	}{
		{"o-sun", "含谷", []string{"含谷面粉厂", "含谷五金店"}},                 // hers first
		{"o-wu", "含谷", []string{"含谷五金店", "含谷面粉厂"}},                  // his first
		{"o-wu", "厂", []string{"含谷面粉厂", "重庆某某机械厂"}},                 // by name
		{"o-wu", "机械 重庆", []string{"重庆某某机械厂"}},                      // every word
		{"o-wu", strings.ToLower(creditCode(3)), []string{"含谷五金店"}}, // a code
		{"o-wu", "  ", nil},
		{"o-wu", "化工", nil},
	}
	for _, c := range cases {
		if got := names(Match(all, c.official, c.query)); !slices.Equal(got, c.want) {
			t.Errorf("%s %q: %v, want %v", c.official, c.query, got, c.want)
		}
	}
	found, total, err := f.s.Search("o-sun", "厂", 1)
	if err != nil || total != 2 || len(found) != 1 || found[0].Code != works.Code && found[0].Code != mill.Code {
		t.Errorf("search: %v %d %v", found, total, err)
	}
}

// The ledger names the event and the kinds in both languages.
func TestLedgerWords(t *testing.T) {
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range locales.Languages() {
		for _, id := range []string{"LedgerEvType_" + EvInspected, "LedgerEv_" + storage.CodeInspected,
			"LedgerWord_" + storage.WordInspectionCheck, "LedgerWord_" + storage.WordInspectionProblem} {
			if !slices.Contains(cat.IDs(lang), id) {
				t.Errorf("%s: no message %s", lang, id)
			}
		}
	}
}
