package enterprise

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dutybot/locales"
)

// Every problem and warning the package can report has its message in
// both languages: a missing one would show as its bare id.
func TestEveryProblemHasItsMessages(t *testing.T) {
	cat := catalog(t)
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
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "NewProblem" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: NewProblem called with a computed id", fset.Position(call.Pos()))
				return true
			}
			id, _ := strconv.Unquote(lit.Value)
			ids = append(ids, id)
			return true
		})
	}
	if len(ids) < 12 {
		t.Fatalf("found only %d problem ids: %v", len(ids), ids)
	}
	ids = append(ids, "SheetProblemOnePerson", "EnterpriseWarnOverloaded", "EnterpriseWarnDeparted")
	for _, id := range Industries {
		ids = append(ids, "EnterpriseIndustry_"+id)
	}
	for _, id := range []string{"admin", "supervisor", "guarantor"} {
		ids = append(ids, "EnterpriseRole_"+id)
	}
	for _, id := range ids {
		for _, lang := range locales.Languages() {
			if !slices.Contains(cat.IDs(lang), id) {
				t.Errorf("%s has no message in %s", id, lang)
			}
		}
	}
}
