package app_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/hazard"
	check "dutybot/inspection"
	"dutybot/storage"
)

// getQuotas reads GET /api/v1/quotas with a query.
func (h *harness) getQuotas(query, token string) (int, api.QuotasJSON) {
	h.t.Helper()
	var out api.QuotasJSON
	req, _ := http.NewRequest("GET", h.apiURL+"/api/v1/quotas"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req, &out), out
}

// GET /api/v1/quotas counts item 19 per plaque holder from the records: 吴敏
// (行业部门监管负责人 of three enterprises) inspects two of them, solves two
// problems and sees two hazards to 销号, which count for 刘洋, their
// 行政负责人, too; 刘洋 inspects the third once. In November 吴敏 is on
// target and 刘洋 behind; December starts the month again but keeps the
// half year's coverage; January starts a half year. A bad month is 400,
// no token 401.
func TestQuotaAPI(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(3, false), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	inspect := func(official, code, kind string) {
		t.Helper()
		if _, err := h.app.Inspections.Submit(check.Record{Enterprise: code, Official: official, Kind: kind, Checked: "消防通道"}); err != nil {
			t.Fatal(err)
		}
	}
	inspect("o-wu", creditCode(1), check.KindCheck)
	inspect("o-wu", creditCode(2), check.KindCheck)
	inspect("o-wu", creditCode(1), check.KindProblem)
	inspect("o-wu", creditCode(2), check.KindProblem)
	inspect("o-liu", creditCode(3), check.KindCheck)
	hz := h.app.Hazards
	for range 2 {
		x, err := hz.Report(hazard.Finding{Enterprise: creditCode(1), FoundBy: "o-wu", Level: hazard.LevelGeneral,
			Description: "灭火器过期", Assign: &hazard.Assignment{Deadline: h.clk.Now().Add(72 * time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hz.Rectified(x.ID, hazard.Rectification{By: storage.ActorEnterprise, Note: "已更换", Photos: []string{"p1"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := hz.Recheck("o-wu", x.ID, hazard.Recheck{OK: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := hz.Close("o-wu", x.ID, ""); err != nil {
			t.Fatal(err)
		}
	}

	wu := api.QuotaJSON{Official: "o-wu", Name: "吴敏", Unit: "yjb", UnitName: "应急办", Plaques: 3}
	liu := api.QuotaJSON{Official: "o-liu", Name: "刘洋", Unit: "dzb", UnitName: "党政办", Plaques: 3, Behind: true}
	for _, c := range []struct {
		query               string
		month, from, to     string
		met                 int
		wu, liu             func(q *api.QuotaJSON)
		wuBehind, liuBehind bool
	}{
		{"", "2026-11", "2026-07-01", "2026-12-31", 1,
			func(q *api.QuotaJSON) { q.Inspections, q.Hazards, q.Problems, q.Covered = 2, 2, 2, 2 },
			func(q *api.QuotaJSON) { q.Inspections, q.Hazards, q.Covered = 1, 2, 1 }, false, true},
		{"?month=2026-11", "2026-11", "2026-07-01", "2026-12-31", 1,
			func(q *api.QuotaJSON) { q.Inspections, q.Hazards, q.Problems, q.Covered = 2, 2, 2, 2 },
			func(q *api.QuotaJSON) { q.Inspections, q.Hazards, q.Covered = 1, 2, 1 }, false, true},
		{"?month=2026-12", "2026-12", "2026-07-01", "2026-12-31", 0,
			func(q *api.QuotaJSON) { q.Covered = 2 }, func(q *api.QuotaJSON) { q.Covered = 1 }, true, true},
		{"?month=2027-01", "2027-01", "2027-01-01", "2027-06-30", 0,
			func(q *api.QuotaJSON) {}, func(q *api.QuotaJSON) {}, true, true},
	} {
		code, out := h.getQuotas(c.query, testAPIToken)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", c.query, code)
		}
		w, l := wu, liu
		c.wu(&w)
		c.liu(&l)
		w.Behind, l.Behind = c.wuBehind, c.liuBehind
		want := api.QuotasJSON{Month: c.month, HalfFrom: c.from, HalfTo: c.to, Target: 2, Count: 2, Met: c.met,
			Quotas: []api.QuotaJSON{w, l}}
		if !reflect.DeepEqual(out, want) {
			t.Errorf("GET /api/v1/quotas%s\n got %+v\nwant %+v", c.query, out, want)
		}
	}
	for _, q := range []string{"?month=2026-13", "?month=2026-1-1", "?month=十二月"} {
		if code, _ := h.getQuotas(q, testAPIToken); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	if code, _ := h.getQuotas("", ""); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", code)
	}
}
