package roster

import (
	"errors"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dutybot/locales"
)

// The problems of a roster read in the reader's language, row by row, and
// the file's own problems too.
func TestProblemsInEachLanguage(t *testing.T) {
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t)
	csv := "日期,时间,带班领导,值班人员,类型\n" +
		"2026-10-01,,黄磊,王某\n" + // row 2: unknown official
		"2026-13-01,白班,,吴敏,春运\n" + // row 3: date, hours, leader, kind
		"10月1日,,黄磊,黄磊\n" // row 4: leader is staff
	_, err = ParseCSV(strings.NewReader(csv), cfg)
	var rows Errors
	if !errors.As(err, &rows) {
		t.Fatalf("%v is not an Errors", err)
	}
	render := func(lang string) string {
		lines := make([]string, len(rows.List))
		for i, re := range rows.List {
			lines[i] = re.Text(cat, lang)
		}
		return strings.Join(lines, "\n")
	}
	zh := `第 2 行（值班人员）：“王某”不是配置中的人员
第 3 行（日期）：日期“2026-13-01”不存在
第 3 行（时间）：无法识别时间“白班”，请写成 08:00-次日08:00 或 8:30-17:30
第 3 行（带班领导）：缺少带班领导
第 3 行（类型）：无法识别类型“春运”，请填日常、节假日、重要节点、汛期或极端天气
第 4 行（值班人员）：黄磊既是带班领导又是值班人员`
	if got := render(locales.ZH); got != zh {
		t.Errorf("in Chinese:\n%s\nwant:\n%s", got, zh)
	}
	// In English as Error says it, which the HTTP API and the log show.
	if got := render(locales.EN); got != strings.ReplaceAll(err.Error(), "row ", "Row ") {
		t.Errorf("in English:\n%s\nwant (Error):\n%s", got, err)
	}
	if ascii := regexp.MustCompile(`[A-Za-z]{3,}`).FindAllString(render(locales.ZH), -1); len(ascii) > 0 {
		t.Errorf("English words in the Chinese problems: %q", ascii)
	}

	_, err = ParseCSV(strings.NewReader("a,b\n1,2\n"), cfg)
	if got, want := Text(cat, locales.ZH, err), "前 5 行中没有表头行：应有日期、带班领导、值班人员三列"; got != want {
		t.Errorf("a file without a header in Chinese: %q, want %q", got, want)
	}
	if got := Text(cat, locales.EN, err); got != err.Error() {
		t.Errorf("in English: %q, want %q", got, err.Error())
	}
	plain := errors.New("read CSV: bare \" in non-quoted field")
	if got := Text(cat, locales.ZH, plain); got != plain.Error() {
		t.Errorf("an error that is no Problem: %q", got)
	}
}

// Every problem the package can report has its message in both languages:
// a missing one would show as its bare id.
func TestEveryProblemHasItsMessages(t *testing.T) {
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := gotoken.NewFileSet()
	var ids []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if fn, ok := call.Fun.(*ast.Ident); !ok || fn.Name != "problem" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: problem called with a computed id", fset.Position(call.Pos()))
				return true
			}
			id, _ := strconv.Unquote(lit.Value)
			ids = append(ids, id)
			return true
		})
	}
	if len(ids) < 20 {
		t.Fatalf("found only %d problem ids: %v", len(ids), ids)
	}
	for _, id := range ids {
		for _, lang := range locales.Languages() {
			if !slices.Contains(cat.IDs(lang), id) {
				t.Errorf("problem %s has no message in %s", id, lang)
			}
		}
	}
}
