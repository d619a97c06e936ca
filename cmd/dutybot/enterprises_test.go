package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"dutybot/enterprise"
)

// creditCode is a valid fictional 统一社会信用代码.
func creditCode(n int) string {
	first := fmt.Sprintf("91500106MA%07d", n)
	c, _ := enterprise.CheckChar(first)
	return first + string(c)
}

// registryFile writes a YAML registry of the validConfig town: enterprise
// n on 刘洋's and 吴敏's plaques; bad rows are added as given.
func registryFile(t *testing.T, dir string, n int, extra string) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "- {name: 企业%d, code: %s, industry: 燃气, risk: 橙, admin: 刘洋, supervisor: 吴敏, head: {name: 何伟, phone: 13900000001}, unit: 应急办}\n", i, creditCode(i))
	}
	b.WriteString(extra)
	path := filepath.Join(dir, fmt.Sprintf("台账%d.yaml", n))
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEnterprisesUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, validConfig)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"enterprises"}, 2, "", "dutybot enterprises import"},
		{[]string{"enterprises", "help"}, 0, "replaces the whole registry", ""},
		{[]string{"enterprises", "frob"}, 2, "", `unknown command "frob"`},
		{[]string{"enterprises", "import", "-config", cfg}, 2, "", "name the file"},
		{[]string{"enterprises", "template", "-config", cfg, filepath.Join(dir, "t.csv")}, 2, "", "name it .xlsx"},
		{[]string{"enterprises", "export", "-config", cfg, filepath.Join(dir, "t.yaml")}, 2, "", "name it .xlsx"},
		{[]string{"enterprises", "import", "-config", cfg, filepath.Join(dir, "missing.xlsx")}, 1, "", "no such file"},
		{[]string{"help"}, 0, "dutybot enterprises template", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
		})
	}
}

// With no bot running the commands work on the file: the template filled
// in imports, a bad file is refused with every row named, the export
// imports again, and check-config warns of plaques naming an official
// since removed from the configuration.
func TestEnterprisesCLIDirect(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", "")
	cfgPath := writeConfig(t, validConfig+"enterprises: {max_per_person: 2}\n")
	dir := t.TempDir()

	tmpl := filepath.Join(dir, "模板.xlsx")
	code, out, errOut := runCLI(t, "enterprises", "template", "-config", cfgPath, tmpl)
	if code != 0 || !strings.Contains(out, "delete the example row") {
		t.Fatalf("template: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "enterprises", "import", "-config", cfgPath, tmpl)
	if code != 1 || !strings.Contains(errOut, "第 2 行：这是模板的示例行，请删除后再导入") {
		t.Errorf("template as it is: %d %s", code, errOut)
	}
	f, err := excelize.OpenFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]string{"A2": "含谷燃气站", "B2": creditCode(1), "D2": "燃气", "E2": "红", "H2": "刘洋", "I2": "吴敏", "J2": "唐亮", "S2": "党政办"} {
		if err := f.SetCellStr("挂牌企业台账", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	code, out, errOut = runCLI(t, "enterprises", "import", "-config", cfgPath, tmpl)
	if code != 0 {
		t.Fatalf("filled template: %d %s %s", code, out, errOut)
	}
	mustContain(t, "import output", out, "directly into", "挂牌企业台账已替换为 模板.xlsx：1 家企业（原有 0 家）", "无一人承包")

	bad := registryFile(t, dir, 2, fmt.Sprintf("- {name: 坏企业, code: %s, industry: 采矿, risk: 橙, admin: 无名, supervisor: 吴敏, head: {name: 甲}, unit: 应急办}\n",
		creditCode(1)))
	code, _, errOut = runCLI(t, "enterprises", "import", "-config", cfgPath, bad)
	if code != 1 {
		t.Fatalf("bad file imported: %s", errOut)
	}
	mustContain(t, "refusal", errOut, "3 处问题，未导入任何内容", "第 3 行（code）：统一社会信用代码 "+creditCode(1)+" 与第 1 行重复",
		"第 3 行（industry）：“采矿”不是可选的行业", "第 3 行（admin）：“无名”不是配置中的人员")

	good := registryFile(t, dir, 3, "")
	code, out, _ = runCLI(t, "enterprises", "import", "-config", cfgPath, good)
	if code != 0 {
		t.Fatal(out)
	}
	mustContain(t, "import output", out, "3 家企业（原有 1 家）", "⚠️ 一人承包：刘洋挂牌 3 家企业", "⚠️ 一人承包：吴敏挂牌 3 家企业")

	export := filepath.Join(dir, "导出.xlsx")
	code, out, errOut = runCLI(t, "enterprises", "export", "-config", cfgPath, export)
	if code != 0 || !strings.Contains(out, "3 enterprises (read from ") {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "enterprises", "import", "-config", cfgPath, export)
	if code != 0 || !strings.Contains(out, "3 家企业（原有 3 家）") {
		t.Errorf("export re-imported: %d %s", code, out)
	}

	// 刘洋 leaves: check-config names the plaques that still carry him.
	data, _ := os.ReadFile(cfgPath)
	doc := strings.Replace(strings.Replace(string(data), "leader: o-liu}", "}", 1),
		"  - {id: o-liu, name: 刘洋, phone: \"13800000003\", unit: dzb, roles: [leader, admin]}\n",
		"  - {id: o-liu2, name: 刘新, phone: \"13800000009\", unit: dzb, roles: [leader, admin]}\n", 1)
	if err := os.WriteFile(cfgPath, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "check-config", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("check-config: %d %s %s", code, out, errOut)
	}
	mustContain(t, "check-config", out, "enterprises: 3 enterprises in the registry, 5 warnings", "⚠️ 一人承包：刘洋挂牌 3 家企业",
		"⚠️ 企业1的行政负责人刘洋（o-liu）已不在配置中，请更新挂牌公示并重新导入台账")
}

// While dutybot runs and holds the database, import and export go
// through its HTTP API, and check-config asks it for the registry.
func TestEnterprisesCLIWithRunningBot(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", runningAPIToken)
	dir := t.TempDir()
	cfgPath := botConfig(t, dir, "config.yaml", freeAddr(t))
	base := apiBase(mustLoad(t, cfgPath))
	runningBot(t, cfgPath, runningAPIToken)

	code, out, errOut := runCLI(t, "enterprises", "import", "-config", cfgPath, registryFile(t, dir, 2, ""))
	if code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	mustContain(t, "import output", out, "through the running dutybot's HTTP API at "+base, "2 家企业（原有 0 家）")

	bad := registryFile(t, dir, 1, "- {name: 坏企业, code: 91500106MA0000002X, industry: 燃气, risk: 橙, admin: 刘洋, supervisor: 吴敏, head: {name: 甲}, unit: 火星村}\n")
	code, _, errOut = runCLI(t, "enterprises", "import", "-config", cfgPath, bad)
	if code != 1 {
		t.Fatal("bad file imported")
	}
	mustContain(t, "refusal", errOut, "第 2 行（code）：统一社会信用代码“91500106MA0000002X”校验位不符", "第 2 行（unit）：“火星村”不是配置中的单位")

	export := filepath.Join(dir, "导出.xlsx")
	code, out, errOut = runCLI(t, "enterprises", "export", "-config", cfgPath, export)
	if code != 0 || !strings.Contains(out, "2 enterprises (read from the running dutybot's HTTP API at "+base) {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	if list, err := enterprise.ParseFile(export, mustLoad(t, cfgPath)); err != nil || len(list) != 2 || list[1].Code != creditCode(2) {
		t.Errorf("export reads back as %+v: %v", list, err)
	}
	code, out, _ = runCLI(t, "check-config", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "enterprises: 2 enterprises in the registry, 0 warnings") {
		t.Errorf("check-config: %d %s", code, out)
	}
	// The bot's own log names nothing secret here; the token never shows.
	if strings.Contains(out+errOut, runningAPIToken) {
		t.Error("the API token appeared in the output")
	}
}
