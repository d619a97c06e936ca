package enterprise

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"dutybot/roster"
)

// A file sent in chat is read as a registry only when it is one: the
// template, a town's own sheet with its usual headers, a YAML registry; a
// roster (workbook, YAML, CSV) or a file that cannot be read is left
// alone, and a registry lacking a column is still known, to be refused
// naming it.
func TestParseIfRegistry(t *testing.T) {
	cfg := loadConfig(t)
	tmpl, err := Template(cfg)
	if err != nil {
		t.Fatal(err)
	}
	export, err := Export(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	renamed := func(data []byte, sheet string) []byte {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
			t.Fatal(err)
		}
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	noUnit := []string{"企业名称", "统一社会信用代码", "行业", "风险等级", "行政负责人", "行业部门监管负责人", "企业单位负责人"}
	rosterSheet := sheetFile(t, []string{"日期", "班次", "带班领导", "值班人员", "值班电话", "备注"},
		[]string{"2026-12-01", "全天", "李芳", "赵静", "", ""})
	tests := []struct {
		name     string
		file     string
		data     []byte
		registry bool
		count    int    // enterprises read
		problem  string // the message of a refusal
		rows     int    // bad rows of a refusal
	}{
		{name: "the template, example row kept", file: "台账.xlsx", data: tmpl, registry: true, rows: 1},
		{name: "an empty export", file: "导出.xlsx", data: export, registry: true, problem: "EnterpriseProblemEmpty"},
		{name: "a town's sheet", file: "企业.xlsx", data: sheetFile(t, []string{"含谷镇挂牌企业"}, header, good(1), good(2)),
			registry: true, count: 2},
		{name: "a sheet lacking 属地", file: "企业.xlsx", data: sheetFile(t, noUnit, good(1)[:7]), registry: true,
			problem: "EnterpriseProblemMissingColumns"},
		{name: "the template's sheet with no header", file: "台账.xlsx", data: renamed(sheetFile(t, []string{"x"}, []string{"y"}), registrySheet),
			registry: true, problem: "EnterpriseProblemNoHeader"},
		{name: "a YAML registry", file: "台账.yaml", registry: true, count: 1, data: []byte(fmt.Sprintf(
			"- {name: 企业1, code: %s, industry: 工贸, risk: 黄, admin: 李芳, supervisor: 孙丽, head: {name: 何伟}, unit: yjb}\n", code(1)))},
		{name: "a YAML registry with a bad code", file: "台账.yml", registry: true, rows: 1, data: []byte(
			"- {name: 企业1, code: 123, industry: 工贸, risk: 黄, admin: 李芳, supervisor: 孙丽, head: {name: 何伟}, unit: yjb}\n")},
		{name: "a roster workbook", file: "值班表.xlsx", data: rosterSheet},
		{name: "the roster template", file: "值班表.xlsx", data: rosterTemplate(t)},
		{name: "a roster workbook named like a registry sheet elsewhere", file: "值班表.xlsx", data: renamed(rosterSheet, "企业值班")},
		{name: "a YAML roster", file: "值班表.yaml", data: []byte("- {date: 2026-12-01, leader: 李芳, staff: [赵静]}\n")},
		{name: "a CSV roster", file: "值班表.csv", data: []byte("日期,带班领导,值班人员\n2026-12-01,李芳,赵静\n")},
		{name: "not a workbook", file: "坏.xlsx", data: []byte("not a workbook")},
		{name: "bad YAML", file: "坏.yaml", data: []byte("- {name: [")},
		{name: "a YAML map", file: "台账.yaml", data: []byte("code: 1\n")},
		{name: "a PDF", file: "通知.pdf", data: []byte("%PDF-1.4")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, ok, err := ParseIfRegistry(tt.file, tt.data, cfg)
			if ok != tt.registry {
				t.Fatalf("registry = %v, want %v (err %v)", ok, tt.registry, err)
			}
			var rows roster.Errors
			var p *roster.Problem
			switch {
			case !tt.registry:
				if list != nil || err != nil {
					t.Errorf("not a registry, yet %d enterprises, %v", len(list), err)
				}
			case tt.rows > 0:
				if !errors.As(err, &rows) || rows.Total != tt.rows {
					t.Errorf("err = %v, want %d bad rows", err, tt.rows)
				}
			case tt.problem != "":
				if !errors.As(err, &p) || p.ID != tt.problem {
					t.Errorf("err = %v, want %s", err, tt.problem)
				}
			case err != nil || len(list) != tt.count:
				t.Errorf("%d enterprises, %v; want %d", len(list), err, tt.count)
			}
		})
	}
}

func rosterTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := roster.Template(loadConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
