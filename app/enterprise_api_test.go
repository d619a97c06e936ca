package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"dutybot/api"
	"dutybot/enterprise"
)

// creditCode is a valid fictional 统一社会信用代码.
func creditCode(n int) string {
	first := fmt.Sprintf("91500106MA%07d", n)
	c, _ := enterprise.CheckChar(first)
	return first + string(c)
}

// registryYAML is a registry of n enterprises, all on 刘洋's and 吴敏's
// plaques, the last with a bad code when bad.
func registryYAML(n int, bad bool) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		code := creditCode(i)
		if bad && i == n {
			code = code[:17] + "Z"
		}
		fmt.Fprintf(&b, "- {name: 企业%d, code: %s, industry: 工贸, risk: 黄, admin: 刘洋, supervisor: 吴敏, head: {name: 何伟, phone: 139-0000-0001}, unit: yjb}\n", i, code)
	}
	return b.String()
}

func (h *harness) getEnterprises(out *api.EnterprisesJSON) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.apiURL+"/api/v1/enterprises", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	return h.do(req, out)
}

func (h *harness) uploadEnterprises(name, body, token string, out any) int {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.apiURL+"/api/v1/enterprises?filename="+url.QueryEscape(name), strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req, out)
}

// POST /api/v1/enterprises imports all or nothing, naming every bad row,
// and warns of 一人承包; GET lists the registry with names and warnings,
// or exports it as a workbook that imports again.
func TestEnterpriseAPI(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string { return y + "enterprises: {max_per_person: 2}\n" }})
	var out map[string]any
	if code := h.uploadEnterprises("台账.yaml", registryYAML(3, false), "wrong", &out); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}

	var rej api.RosterErrorJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(3, true), testAPIToken, &rej); code != http.StatusBadRequest ||
		len(rej.Rows) != 1 || rej.Rows[0].Row != 3 || rej.Rows[0].Column != "code" || !strings.Contains(rej.Rows[0].Error, "is not used in codes") ||
		!strings.Contains(rej.Error, "nothing was imported") {
		t.Fatalf("bad file: %d %+v", code, rej)
	}
	var list api.EnterprisesJSON
	if code := h.getEnterprises(&list); code != http.StatusOK || list.Count != 0 {
		t.Fatalf("after a refused file: %d %+v", code, list)
	}

	var res api.EnterpriseImportJSON
	if code := h.uploadEnterprises("台账.yaml", registryYAML(3, false), testAPIToken, &res); code != http.StatusOK || res.Count != 3 {
		t.Fatalf("import: %d %+v", code, res)
	}
	var warned []string
	for _, w := range res.Warnings {
		warned = append(warned, w.Text)
	}
	if !slices.Equal(warned, []string{
		"⚠️ 一人承包：刘洋挂牌 3 家企业（行政负责人或行业部门监管负责人），超过 2 家（enterprises.max_per_person），请调整",
		"⚠️ 一人承包：吴敏挂牌 3 家企业（行政负责人或行业部门监管负责人），超过 2 家（enterprises.max_per_person），请调整"}) {
		t.Errorf("warnings %q", warned)
	}
	if ev := h.events("enterprises_imported"); len(ev) != 1 || ev[0].Actor != "api" || ev[0].Code != "enterprises_imported" {
		t.Errorf("events %+v", ev)
	}

	if code := h.getEnterprises(&list); code != http.StatusOK || list.Count != 3 || len(list.Warnings) != 2 {
		t.Fatalf("list: %d %+v", code, list)
	}
	e := list.Enterprises[0]
	if e.Code != creditCode(1) || e.AdminName != "刘洋" || e.SupervisorName != "吴敏" || e.UnitName != "应急办" ||
		e.IndustryName != "工贸" || e.Head.Phone != "13900000001" || e.Source != "import:台账.yaml" {
		t.Errorf("enterprise %+v", e)
	}

	code, hdr, data := h.apiGetBytes("/api/v1/enterprises?format=xlsx", testAPIToken)
	if code != http.StatusOK || hdr.Get(api.HeaderEnterpriseCount) != "3" {
		t.Fatalf("export: %d %v", code, hdr)
	}
	back, err := enterprise.ParseXLSX(bytes.NewReader(data), h.app.Config)
	if err != nil || len(back) != 3 || back[2].Admin != "o-liu" {
		t.Fatalf("export reads back as %+v: %v", back, err)
	}
	// The export, sent back, replaces the registry with itself.
	if code := h.uploadEnterprises("enterprises.xlsx", string(data), testAPIToken, &res); code != http.StatusOK || res.Count != 3 || res.Replaced != 3 {
		t.Errorf("export re-imported: %d %+v", code, res)
	}
}
