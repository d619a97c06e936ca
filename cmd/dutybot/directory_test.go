package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/directory"
)

const cliDirectory = "姓名,单位,职务/角色,手机号,上级\n" +
	"王小明,青山村,村委会主任、单位负责人,13900000001,刘洋\n" +
	"赵丽,青山村,网格员,13900000002,王小明\n"

// withDirectory adds directory.file to the configuration at cfgPath and
// writes the 通讯录 beside it.
func withDirectory(t testing.TB, cfgPath, csv string) {
	t.Helper()
	doc, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, append(doc, "directory:\n  file: 通讯录.csv\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	writeDirectory(t, cfgPath, csv)
}

// writeDirectory replaces the 通讯录 beside the configuration.
func writeDirectory(t testing.TB, cfgPath, csv string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfgPath), "通讯录.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The template, in either format, reads back as its fictional examples;
// a CSV template's notes go to the terminal; a file is not replaced
// without -force.
func TestDirectoryTemplateCommand(t *testing.T) {
	dir := t.TempDir()
	examples, _ := config.DirectoryTemplate()
	for _, args := range [][]string{{"-o", filepath.Join(dir, "通讯录.xlsx")}, {"-format", "csv", "-o", filepath.Join(dir, "模板.txt")}} {
		code, out, errOut := runCLI(t, append([]string{"directory", "template"}, args...)...)
		if code != 0 || out != "" {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		entries, err := directory.ReadFile(args[len(args)-1], directory.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(examples) || entries[2].Name != examples[2].Name || entries[2].Superior != examples[2].Superior {
			t.Errorf("%v: read back %+v", args, entries)
		}
		if csv := slices.Contains(args, "csv"); csv != strings.Contains(errOut, "上级：") {
			t.Errorf("%v: notes on the terminal %v, want them for CSV only:\n%s", args, !csv, errOut)
		}
	}
	code, _, errOut := runCLI(t, "directory", "template", "-o", filepath.Join(dir, "通讯录.xlsx"))
	if code != 1 || !strings.Contains(errOut, "exists; use -force") {
		t.Errorf("replacing without -force: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "directory", "template", "-format", "xls"); code != 2 || !strings.Contains(errOut, "xlsx or csv") {
		t.Errorf("-format xls: exit %d %s", code, errOut)
	}
}

// Export writes the configuration's officials and the 通讯录's as one
// file; check-config tells where the directory comes from and counts the
// rows read as staff by their titles, a mistyped role word among them.
func TestDirectoryExportAndCheckConfig(t *testing.T) {
	cfgPath := writeConfig(t, validConfig)
	withDirectory(t, cfgPath, cliDirectory+"钱进,青山村,单位负债人,13900000003,王小明\n")
	out := filepath.Join(filepath.Dir(cfgPath), "导出.csv")
	code, stdout, errOut := runCLI(t, "directory", "export", "-config", cfgPath, "-o", out)
	if code != 0 || stdout != "" || !strings.Contains(errOut, "6 officials in 3 units") {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, errOut)
	}
	entries, err := directory.ReadFile(out, directory.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name+"/"+e.Unit+"/"+e.Superior)
	}
	want := []string{"张明/应急办/吴敏", "吴敏/应急办/刘洋", "刘洋/党政办/", "王小明/青山村/刘洋", "赵丽/青山村/王小明", "钱进/青山村/王小明"}
	if !slices.Equal(names, want) {
		t.Errorf("exported %v\nwant     %v", names, want)
	}
	code, stdout, errOut = runCLI(t, "check-config", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("check-config: exit %d\n%s%s", code, stdout, errOut)
	}
	mustContain(t, "check-config", stdout, "directory: 6 officials in 3 units: 3 from the configuration, 3 from 通讯录.csv (1 unit made from its 单位 column)",
		"2 rows of it have no role word and are read as staff, most often titled 单位负债人 (1), 网格员 (1)")
}

// dutybot directory reload asks the running dutybot, which reads the file
// again and says what changed, or lists every problem by row; with no
// dutybot running it says so.
func TestDirectoryReloadCommand(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", runningAPIToken)
	dir := t.TempDir()
	cfgPath := botConfig(t, dir, "config.yaml", freeAddr(t))
	withDirectory(t, cfgPath, cliDirectory)

	code, _, errOut := runCLI(t, "directory", "reload", "-config", cfgPath)
	if code != 1 || !strings.Contains(errOut, "no dutybot is running on "+filepath.Join(dir, "dutybot.db")) {
		t.Errorf("reload without a running bot: exit %d %s", code, errOut)
	}
	runningBot(t, cfgPath, runningAPIToken)
	writeDirectory(t, cfgPath, cliDirectory+"钱进,青山村,网格员,13900000003,王小明\n")
	code, out, errOut := runCLI(t, "directory", "reload", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("reload: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "reload", out, "read 通讯录.csv again: 6 officials in 3 units; 1 added, 0 removed, 0 changed", "added: p13900000003")

	// A broken file: every problem by row, nothing changes, and the
	// command still reaches the bot (it does not read the file itself).
	writeDirectory(t, cfgPath, cliDirectory+"钱进,青山村,网格员,1390000000,王小明\n孙悦,青山村,网格员,13900000004,李四\n")
	code, out, errOut = runCLI(t, "directory", "reload", "-config", cfgPath)
	if code != 1 || out != "" {
		t.Errorf("reload of a broken file: exit %d %s", code, out)
	}
	mustContain(t, "the refusal", errOut, "the 通讯录 was not loaded (2 problems)",
		`  通讯录.csv row 4 (手机号): "1390000000" is not an 11-digit mobile number`, `  通讯录.csv row 5 (上级): "李四" is nobody in the directory`)
	writeDirectory(t, cfgPath, cliDirectory)
	code, out, _ = runCLI(t, "directory", "reload", "-config", cfgPath)
	mustContain(t, "reload after the refusal", out, "5 officials in 3 units; 0 added, 1 removed") // the refusal changed nothing
	if code != 0 {
		t.Errorf("exit %d", code)
	}
}

// SIGHUP has dutybot read the 通讯录 again, logging what changed, or every
// problem of a file it refuses, and it keeps running either way.
func TestSIGHUPReloadsTheDirectory(t *testing.T) {
	e := newCrashEnv(t)
	withDirectory(t, e.cfgPath, "姓名,单位,职务/角色,手机号,上级\n王小明,青山村,单位负责人,13900000101,刘洋\n")
	c := e.start("dutybot")
	e.waitHealthy(c)
	waitLog := func(parts ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			out := c.out.String()
			if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(out, p) }) {
				return
			}
			if time.Now().After(deadline) || c.exited() {
				t.Fatalf("no %q in the log (exited: %v)", parts, c.exited())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	writeDirectory(t, e.cfgPath, "姓名,单位,职务/角色,手机号,上级\n王小明,青山村,单位负责人,13900000101,刘洋\n赵丽,青山村,网格员,13900000102,王小明\n")
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog("SIGHUP: reading the 通讯录 again", `msg="directory reloaded"`, "officials=7", "added=1")
	writeDirectory(t, e.cfgPath, "姓名,单位,职务/角色,手机号,上级\n王小明,青山村,单位负责人,1390000010,刘洋\n")
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog("directory reload refused", `通讯录.csv row 2 (手机号): \"1390000010\" is not an 11-digit mobile number`)
	if c.exited() {
		t.Fatalf("dutybot exited after SIGHUP: %v", c.err)
	}
	if h, err := e.health(); err != nil || h.Status != "ok" {
		t.Errorf("health after the reloads: %+v %v", h, err)
	}
	code, body := e.do("POST", "/api/v1/directory/reload", "")
	if code != 400 || !strings.Contains(string(body), "row 2 (手机号)") {
		t.Errorf("the API after SIGHUP: %d %s", code, body)
	}
}
