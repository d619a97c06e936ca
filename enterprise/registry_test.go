package enterprise

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/config"
	"dutybot/storage"
)

func openDB(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// An import replaces the registry whole, in one transaction with its
// typed event, and keeps the index of who is on which plaque.
func TestRegistryImportReplacesTheRegistry(t *testing.T) {
	cfg := loadConfig(t)
	db := openDB(t)
	at := time.Date(2026, 11, 3, 9, 30, 0, 0, cfg.Location)
	reg := New(cfg, db, clock.NewFake(at), slog.New(slog.DiscardHandler))
	first, err := ParseXLSX(bytes.NewReader(sheetFile(t, header, good(1), good(2), with(3, "行政负责人", "王强"))), cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Import(first, "cli", "台账.xlsx")
	if err != nil || res.Count != 3 || res.Replaced != 0 {
		t.Fatalf("first import: %+v %v", res, err)
	}
	second, err := ParseYAML(strings.NewReader(fmt.Sprintf(`- {name: 新企业, code: %s, industry: 消防, risk: 蓝, admin: 王强, supervisor: 赵静, head: {name: 甲}, unit: yjb}`, code(9))), cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err = reg.Import(second, "o-li", "新台账.yaml")
	if err != nil || res.Count != 1 || res.Replaced != 3 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	list, err := reg.List()
	if err != nil || len(list) != 1 || list[0].Code != code(9) || list[0].Source != "import:新台账.yaml" || !list[0].ImportedAt.Equal(at) {
		t.Fatalf("stored %+v %v", list, err)
	}
	err = db.View(func(tx *storage.Tx) error {
		if got := PlaquesOf(tx, "o-wang"); !slices.Equal(got, []Plaque{{Role: PlaqueAdmin, Code: code(9)}}) {
			t.Errorf("plaques of 王强: %+v", got)
		}
		if got := PlaquesOf(tx, "o-li"); len(got) != 0 {
			t.Errorf("李芳 kept the plaques of the replaced registry: %+v", got)
		}
		evs, err := tx.Events(0, 10)
		if err != nil {
			return err
		}
		var got []string
		for _, e := range evs {
			if e.Type == EvImported {
				got = append(got, fmt.Sprintf("%s %s %v", e.Actor, e.Code, e.Args))
			}
		}
		want := []string{"cli enterprises_imported [{Source  台账.xlsx} {Count  3} {Replaced  0}]",
			"o-li enterprises_imported [{Source  新台账.yaml} {Count  1} {Replaced  3}]"}
		if !slices.Equal(got, want) {
			t.Errorf("events %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The ledger's words for the event exist in both languages.
	cat := catalog(t)
	for _, lang := range []string{"zh-CN", "en"} {
		if got := cat.T(lang, "LedgerEv_"+storage.CodeEnterprisesImported, map[string]any{"Source": "a.xlsx", "Count": 3, "Replaced": 0}); !strings.Contains(got, "a.xlsx") {
			t.Errorf("%s: %q", lang, got)
		}
	}
}

// One official on more plaques than enterprises.max_per_person is
// warned of (一人承包), as is a plaque naming an official since removed
// from the configuration; neither stops the import.
func TestWarnings(t *testing.T) {
	cfg := loadConfig(t, "enterprises: {max_per_person: 2}\n")
	var rows [][]string
	rows = append(rows, header)
	for n := 1; n <= 3; n++ {
		rows = append(rows, with(n, "行业部门监管负责人", "赵静")) // 李芳 and 赵静 on 3 each
	}
	rows = append(rows, with(4, "行政负责人", "孙丽", "行业部门监管负责人", "孙丽")) // one plaque, both roles
	rows = append(rows, with(5, "行政负责人", "王强"))
	list, err := ParseXLSX(bytes.NewReader(sheetFile(t, rows...)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog(t)
	var got []string
	for _, w := range Check(cfg, list) {
		got = append(got, w.Text(cat, "zh-CN"))
	}
	want := []string{
		"⚠️ 一人承包：李芳挂牌 3 家企业（行政负责人或行业部门监管负责人），超过 2 家（enterprises.max_per_person），请调整",
		"⚠️ 一人承包：赵静挂牌 3 家企业（行政负责人或行业部门监管负责人），超过 2 家（enterprises.max_per_person），请调整",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if w := Check(loadConfig(t), list); len(w) != 0 {
		t.Errorf("under the default of 10: %v", w)
	}

	// 孙丽 leaves the configuration: the stored plaques naming her are
	// warned of, by name, at start and by check-config.
	doc := strings.Replace(strings.Replace(testConfig, "head: o-sun, ", "", 1),
		`  - {id: o-sun, name: 孙丽, phone: "13800000012", unit: scjgs, roles: [unit_head]}`+"\n", "", 1)
	gone, err := config.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, w := range Check(gone, list) {
		if w.Kind == WarnDeparted {
			got = append(got, w.Text(cat, "zh-CN"))
		}
	}
	want = []string{"⚠️ 企业4有限公司的行政负责人孙丽（o-sun）已不在配置中，请更新挂牌公示并重新导入台账",
		"⚠️ 企业4有限公司的行业部门监管负责人孙丽（o-sun）已不在配置中，请更新挂牌公示并重新导入台账",
		"⚠️ 企业5有限公司的行业部门监管负责人孙丽（o-sun）已不在配置中，请更新挂牌公示并重新导入台账"}
	if !slices.Equal(got, want) {
		t.Errorf("departed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The example registry of the README imports into the example town
// without a problem or a warning.
func TestExampleRegistryImports(t *testing.T) {
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list, err := ParseFile("../examples/enterprises.example.yaml", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 6 || list[1].Guarantor != "o-zhaojing" || list[5].Head.Phone != "023-6868 0151" {
		t.Errorf("read %+v", list)
	}
	if w := Check(cfg, list); len(w) != 0 {
		t.Errorf("warnings %v", w)
	}
}
