package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/api"
	"dutybot/config"
	"dutybot/roster"
	"dutybot/roster/rostertest"
)

// runCLI runs dutybot with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// mustContain fails unless s holds every part.
func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, s)
		}
	}
}

// today is midnight today in Beijing: the CLI runs on the real clock, so
// the tests use dates from now on.
func today() time.Time {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	y, m, d := time.Now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// withDates appends a roster block making the three days from first an
// important date (重要节点), so that imports report gaps in it.
func withDates(doc string, first time.Time) string {
	return doc + fmt.Sprintf(`timezone: Asia/Shanghai
roster:
  important_dates:
    - {name: 专项检查, from: "%s", to: "%s"}
`, first.Format(time.DateOnly), first.AddDate(0, 0, 2).Format(time.DateOnly))
}

// serial is the Excel serial number of a date.
func serial(d time.Time) float64 {
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
}

// cliRoster writes a workbook as offices send it: a title row, the header,
// dates as serial numbers formatted as dates, and the 日期 and 带班领导
// cells of each date merged over its day and night rows. staff gives the
// day and night 值班人员 of each date.
func cliRoster(t *testing.T, path string, first time.Time, leaders []string, staff [][2]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := "Sheet1"
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ok(f.SetCellStr(s, "A1", "含谷镇值班表"))
	ok(f.MergeCell(s, "A1", "E1"))
	header := []any{"日期", "时段", "带班领导", "值班人员", "备注"}
	ok(f.SetSheetRow(s, "A2", &header))
	fmtDate := "yyyy-mm-dd"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate})
	ok(err)
	for i, leader := range leaders {
		r := 3 + 2*i
		ok(f.SetCellValue(s, fmt.Sprintf("A%d", r), serial(first.AddDate(0, 0, i))))
		ok(f.SetCellStyle(s, fmt.Sprintf("A%d", r), fmt.Sprintf("A%d", r), style))
		ok(f.MergeCell(s, fmt.Sprintf("A%d", r), fmt.Sprintf("A%d", r+1)))
		ok(f.SetCellStr(s, fmt.Sprintf("C%d", r), leader))
		ok(f.MergeCell(s, fmt.Sprintf("C%d", r), fmt.Sprintf("C%d", r+1)))
		ok(f.SetCellStr(s, fmt.Sprintf("B%d", r), "08:00-20:00"))
		ok(f.SetCellStr(s, fmt.Sprintf("B%d", r+1), "20:00-次日08:00"))
		ok(f.SetCellStr(s, fmt.Sprintf("D%d", r), staff[i][0]))
		ok(f.SetCellStr(s, fmt.Sprintf("D%d", r+1), staff[i][1]))
	}
	ok(f.SaveAs(path))
}

func TestRosterUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, validConfig)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"roster"}, 2, "", "dutybot roster import"},
		{[]string{"roster", "-h"}, 0, "dutybot roster export [-config FILE] [-from DATE] [-to DATE]", ""},
		{[]string{"roster", "help"}, 0, "HTTP API", ""},
		{[]string{"roster", "frob"}, 2, "", `unknown command "frob"`},
		{[]string{"roster", "import", "-h"}, 0, "-config", ""},
		{[]string{"roster", "export", "-h"}, 0, "-from", ""},
		{[]string{"roster", "template", "--help"}, 0, "-force", ""},
		{[]string{"roster", "import", "-config", cfg}, 2, "", "name the file"},
		{[]string{"roster", "import", "-config", cfg, "a.xlsx", "b.xlsx"}, 2, "", `unexpected argument "b.xlsx"`},
		{[]string{"roster", "template", "-config", cfg, filepath.Join(dir, "t.csv")}, 2, "", "name it .xlsx"},
		{[]string{"roster", "export", "-config", cfg, "-from", "10/01", filepath.Join(dir, "e.xlsx")}, 2, "", "not a date"},
		{[]string{"roster", "export", "-config", cfg, "-from", "2026-10-05", "-to", "2026-10-01", filepath.Join(dir, "e.xlsx")}, 2, "", "before -from"},
		{[]string{"roster", "import", "-config", cfg, filepath.Join(dir, "missing.xlsx")}, 1, "", "no such file"},
		{[]string{"help"}, 0, "dutybot roster template", ""},
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

// TestRosterTemplateRoundTrip writes the template, fills it in as an
// office would, imports it on a free database, and exports it again.
func TestRosterTemplateRoundTrip(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", "")
	first := today().AddDate(0, 0, 20)
	cfgPath := writeConfig(t, withDates(validConfig, first))
	dir := t.TempDir()
	tpl := filepath.Join(dir, "值班表.xlsx")

	code, out, errOut := runCLI(t, "roster", "template", "-config", cfgPath, tpl)
	if code != 0 {
		t.Fatalf("template: %d\n%s", code, errOut)
	}
	mustContain(t, "template output", out, "wrote "+tpl, "3 officials", "dutybot roster import")
	if code, _, errOut := runCLI(t, "roster", "template", "-config", cfgPath, tpl); code != 1 || !strings.Contains(errOut, "use -force") {
		t.Errorf("template over an existing file: %d %s", code, errOut)
	}
	// The template as written still holds its example row: refused.
	code, _, errOut = runCLI(t, "roster", "import", "-config", cfgPath, tpl)
	if code != 1 || !strings.Contains(errOut, "第 2 行（备注）：这是模板的示例行，请删除") || !strings.Contains(errOut, "未导入任何内容") {
		t.Fatalf("unfilled template: %d\n%s", code, errOut)
	}

	// Fill it in: the example row (row 2) becomes the first day.
	f, err := excelize.OpenFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	headers, _ := f.GetRows(sheet)
	if !slices.Equal(headers[0][:6], []string{"日期", "星期", "时间", "带班领导", "值班人员1", "值班人员2"}) {
		t.Fatalf("template header = %v", headers[0])
	}
	for i, r := range [][]any{
		{serial(first), "", "08:00-次日08:00", "刘洋", "张明", "", "镇政府值班室", "023-65800000", "重要节点", ""},
		{serial(first.AddDate(0, 0, 1)), "", "08:00-次日08:00", "吴敏", "张明", "", "镇政府值班室", "023-65800000", "重要节点", "替班"},
	} {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, out, errOut = runCLI(t, "roster", "import", "-config", cfgPath, tpl)
	if code != 0 {
		t.Fatalf("import: %d\n%s", code, errOut)
	}
	third := first.AddDate(0, 0, 2).Format(time.DateOnly)
	mustContain(t, "import output", out, "imported "+tpl+" directly into", "dutybot is not running",
		"2 shifts stored from "+first.Format(time.DateOnly)+" 08:00", "0 stored shifts replaced",
		"1 gap in special periods", "专项检查 "+third+": nobody on duty all day")

	export := filepath.Join(dir, "导出.xlsx")
	code, out, errOut = runCLI(t, "roster", "export", "-config", cfgPath, "-from", first.Format(time.DateOnly),
		"-to", third, export)
	if code != 0 {
		t.Fatalf("export: %d\n%s", code, errOut)
	}
	mustContain(t, "export output", out, "wrote "+export+": 2 shifts starting "+first.Format(time.DateOnly)+" to "+third)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	back, err := roster.ParseFile(export, cfg)
	if err != nil {
		t.Fatalf("the export does not read back: %v", err)
	}
	start := first.Add(8 * time.Hour)
	want := []roster.Shift{
		{Start: start, End: start.AddDate(0, 0, 1), Leader: "o-liu", Staff: []string{"o-zhang"}, Place: "镇政府值班室",
			Phone: "023-65800000", Kind: roster.ImportantDate},
		{Start: start.AddDate(0, 0, 1), End: start.AddDate(0, 0, 2), Leader: "o-wu", Staff: []string{"o-zhang"},
			Place: "镇政府值班室", Phone: "023-65800000", Kind: roster.ImportantDate, Note: "替班"},
	}
	if len(back) != len(want) {
		t.Fatalf("read back %d shifts: %+v", len(back), back)
	}
	for i, w := range want {
		b := back[i]
		if !b.Start.Equal(w.Start) || !b.End.Equal(w.End) || b.Leader != w.Leader || !slices.Equal(b.Staff, w.Staff) ||
			b.Place != w.Place || b.Phone != w.Phone || b.Kind != w.Kind || b.Note != w.Note {
			t.Errorf("shift %d = %+v, want %+v", i, b, w)
		}
	}
	// The default span runs from today to the last shift.
	code, out, _ = runCLI(t, "roster", "export", "-config", cfgPath, "-force", export)
	if code != 0 || !strings.Contains(out, ": 2 shifts starting "+today().Format(time.DateOnly)+" or later") {
		t.Errorf("default export: %d %s", code, out)
	}
}

func TestRosterImportBadAndGoodFiles(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	first := today().AddDate(0, 0, 10)
	cfgPath := writeConfig(t, withDates(validConfig, first))
	dir := t.TempDir()

	// Rows 3–5 are fine; row 6 names an unknown 值班人员; row 7 an unknown
	// 带班领导 (merged over row 8) and no 值班人员.
	bad := filepath.Join(dir, "bad.xlsx")
	cliRoster(t, bad, first, []string{"刘洋", "吴敏", "王某"}, [][2]string{{"张明", "吴敏"}, {"张明", "赵六"}, {"", "张明"}})
	// The rows are told in the configured language, Chinese by default,
	// as the chat tells them.
	for _, tc := range []struct {
		cfg  string
		want string
	}{
		{cfgPath, bad + `：4 处问题，未导入任何内容：
  第 6 行（值班人员）：“赵六”不是配置中的人员
  第 7 行（带班领导）：“王某”不是配置中的人员
  第 7 行（值班人员）：缺少值班人员
  第 8 行（带班领导）：“王某”不是配置中的人员
`},
		{writeConfig(t, withDates("language: en\n"+validConfig, first)), bad + `: 4 problems; nothing was imported:
  Row 6 (值班人员): "赵六" is not an official in the configuration
  Row 7 (带班领导): "王某" is not an official in the configuration
  Row 7 (值班人员): missing 值班人员
  Row 8 (带班领导): "王某" is not an official in the configuration
`},
	} {
		code, out, errOut := runCLI(t, "roster", "import", "-config", tc.cfg, bad)
		if code != 1 || out != "" || errOut != tc.want {
			t.Errorf("bad file: exit %d\nstdout:\n%s\nstderr:\n%s\nwant:\n%s", code, out, errOut, tc.want)
		}
	}
	noHeader := filepath.Join(dir, "no-header.csv")
	if err := os.WriteFile(noHeader, []byte("姓名,电话\n张明,13800000001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "roster", "import", "-config", cfgPath, noHeader); code != 1 ||
		errOut != noHeader+"：前 5 行中没有表头行：应有日期、带班领导、值班人员三列\n未导入任何内容\n" {
		t.Errorf("a file without a header: exit %d\n%s", code, errOut)
	}
	// Nothing was stored.
	export := filepath.Join(dir, "e.xlsx")
	if code, out, errOut := runCLI(t, "roster", "export", "-config", cfgPath, export); code != 0 || !strings.Contains(out, ": 0 shifts starting") {
		t.Errorf("export after a bad file: %d %s %s", code, out, errOut)
	}

	good := filepath.Join(dir, "good.csv")
	csv := fmt.Sprintf("日期,时间,带班领导,值班人员\n%s,全天,刘洋,张明\n%s,全天,吴敏,张明\n%s,全天,刘洋,张明\n",
		first.Format("2006/1/2"), first.AddDate(0, 0, 1).Format("2006年1月2日"), first.AddDate(0, 0, 2).Format(time.DateOnly))
	if err := os.WriteFile(good, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "roster", "import", "-config", cfgPath, good)
	if code != 0 {
		t.Fatalf("CSV: %d\n%s", code, errOut)
	}
	mustContain(t, "CSV import", out, "3 shifts stored", "no gaps in the special periods it touches")

	old := filepath.Join(dir, "old.xls")
	if err := os.WriteFile(old, []byte{0xd0, 0xcf}, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "roster", "import", "-config", cfgPath, old)
	if code != 1 || !strings.Contains(errOut, "save it as .xlsx") {
		t.Errorf(".xls: %d %s", code, errOut)
	}
}

// TestRosterCLIWithRunningBot imports and exports while dutybot runs and
// holds the database: the CLI goes through its HTTP API.
func TestRosterCLIWithRunningBot(t *testing.T) {
	e := newCrashEnv(t)
	bot := e.start("dutybot")
	e.waitHealthy(bot)
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", crashAPIToken)
	first := today().AddDate(0, 0, 5)
	dir := t.TempDir()

	file := filepath.Join(dir, "值班表.xlsx")
	cliRoster(t, file, first, []string{"刘洋", "吴敏"}, [][2]string{{"张明", "何军"}, {"张明", "何军"}})
	code, out, errOut := runCLI(t, "roster", "import", "-config", e.cfgPath, file)
	if code != 0 {
		t.Fatalf("import: %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	mustContain(t, "import output", out, "through the running dutybot's HTTP API at "+e.baseURL, "4 shifts stored")

	status, data := e.do("GET", "/api/v1/roster?from="+first.Format(time.DateOnly), "")
	var got api.RosterJSON
	if err := json.Unmarshal(data, &got); status != http.StatusOK || err != nil || len(got.Shifts) != 4 {
		t.Fatalf("stored: %d %s", status, data)
	}
	if s := got.Shifts[1]; s.LeaderName != "刘洋" || !slices.Equal(s.StaffNames, []string{"何军"}) ||
		!s.Start.Equal(first.Add(20*time.Hour)) || s.Source != "import:值班表.xlsx" {
		t.Errorf("night shift = %+v", s)
	}

	// A bad file is refused before anything is sent.
	bad := filepath.Join(dir, "bad.xlsx")
	cliRoster(t, bad, first, []string{"刘洋"}, [][2]string{{"张明", "无名"}})
	code, _, errOut = runCLI(t, "roster", "import", "-config", e.cfgPath, bad)
	if code != 1 || !strings.Contains(errOut, `第 4 行（值班人员）：“无名”不是配置中的人员`) {
		t.Errorf("bad file: %d %s", code, errOut)
	}

	export := filepath.Join(dir, "export.xlsx")
	code, out, errOut = runCLI(t, "roster", "export", "-config", e.cfgPath, "-from", first.Format(time.DateOnly), export)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	mustContain(t, "export output", out, ": 4 shifts starting", "from the running dutybot's HTTP API")
	cfg, err := config.Load(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := roster.ParseFile(export, cfg); err != nil || len(back) != 4 {
		t.Errorf("export reads back to %d shifts: %v", len(back), err)
	}

	t.Setenv("DUTYBOT_API_TOKEN", "wrong-token")
	code, _, errOut = runCLI(t, "roster", "import", "-config", e.cfgPath, file)
	if code != 1 || !strings.Contains(errOut, "refused the API token") {
		t.Errorf("wrong token: %d %s", code, errOut)
	}
	t.Setenv("DUTYBOT_API_TOKEN", "")
	code, _, errOut = runCLI(t, "roster", "import", "-config", e.cfgPath, file)
	if code != 1 || !strings.Contains(errOut, "is in use by a running dutybot, so this command goes through its HTTP API") || !strings.Contains(errOut, "DUTYBOT_API_TOKEN") {
		t.Errorf("no token: %d %s", code, errOut)
	}
	if strings.Contains(errOut+out, crashAPIToken) {
		t.Error("the API token appeared in the output")
	}
}

// A hostile roster file is refused at its limit, in a line or two.
func TestRosterImportOfARowBomb(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	cfgPath := writeConfig(t, validConfig)
	bomb := filepath.Join(t.TempDir(), "bomb.xlsx")
	if err := os.WriteFile(bomb, rostertest.RowBomb(30000), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "roster", "import", "-config", cfgPath, bomb)
	if code != 1 || out != "" || len(errOut) > 300 {
		t.Fatalf("exit %d, stdout %q, stderr of %d bytes: %.300s", code, out, len(errOut), errOut)
	}
	mustContain(t, "refusal", errOut, "more than 10000 rows", "roster.import.max_rows", "nothing was imported")
}
