package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"dutybot/api"
	"dutybot/config"
	"dutybot/enterprise"
)

// registryRow is one enterprise of a registry workbook, by the template's
// headers (without their "*").
type registryRow map[string]string

// goodRow is a row for enterprise n on 刘洋's and 吴敏's plaques, headed by
// 何伟.
func goodRow(n int) registryRow {
	return registryRow{"企业名称": fmt.Sprintf("企业%d", n), "统一社会信用代码": creditCode(n), "行业": "工贸", "风险等级": "黄",
		"行政负责人": "刘洋", "行业部门监管负责人": "吴敏", "企业单位负责人": "何伟", "企业单位负责人电话": "139-0000-0001", "属地": "应急办"}
}

func (r registryRow) with(kv ...string) registryRow {
	out := registryRow{}
	for k, v := range r {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// registryWorkbook fills the template of `dutybot enterprises template`
// (its example row replaced) with rows, leaving out the columns of drop.
func registryWorkbook(t *testing.T, cfg *config.Config, rows []registryRow, drop ...string) []byte {
	t.Helper()
	tmpl, err := enterprise.Template(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	header, err := f.GetRows(sheet)
	if err != nil || len(header) < 2 {
		t.Fatalf("template rows %v: %v", header, err)
	}
	if err := f.RemoveRow(sheet, 2); err != nil {
		t.Fatal(err)
	}
	cols := header[0]
	for i, r := range rows {
		for j, h := range cols {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if err := f.SetCellStr(sheet, cell, r[strings.TrimSuffix(h, "*")]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for j := len(cols) - 1; j >= 0; j-- {
		if slices.Contains(drop, strings.TrimSuffix(cols[j], "*")) {
			name, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.RemoveCol(sheet, name); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (h *harness) enterpriseCount() int {
	h.t.Helper()
	var list api.EnterprisesJSON
	if code := h.getEnterprises(&list); code != http.StatusOK {
		h.t.Fatalf("list enterprises: %d", code)
	}
	return list.Count
}

// An admin sends the registry workbook to the bot: it is told from a
// roster by its columns and replaces the registry all or nothing. The
// answer says what it holds and changed and warns of 一人承包; a bad file
// (a bad 信用代码, an unknown official, a duplicate, a missing column) is
// refused naming every row, in one message however many rows are bad, and
// changes nothing; a roster file still imports as a roster.
func TestRegistryImportInChat(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string { return y + "enterprises: {max_per_person: 2}\n" }})
	h.bind(uAdmin)
	cfg := h.app.Config

	good := registryWorkbook(t, cfg, []registryRow{goodRow(1), goodRow(2), goodRow(3)})
	h.srv.SendDocument(uAdmin, "挂牌企业台账.xlsx", good)
	h.waitMsg(uAdmin, "已收到 挂牌企业台账.xlsx，正在检查")
	m := h.waitMsg(uAdmin, "✅ 挂牌企业台账已导入：挂牌企业台账.xlsx", "现有 3 家企业（原有 0 家）：新增 3 家，变更 0 家，移除 0 家",
		"请注意以下 2 条提醒")
	for _, want := range []string{"⚠️ 一人承包：刘洋挂牌 3 家企业", "⚠️ 一人承包：吴敏挂牌 3 家企业", "超过 2 家（enterprises.max_per_person）"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the answer lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "o-liu") || strings.Contains(m.Text, "o-wu") {
		t.Errorf("the answer shows official ids:\n%s", m.Text)
	}
	if n := h.enterpriseCount(); n != 3 {
		t.Fatalf("%d enterprises stored, want 3", n)
	}
	if ev := h.events("enterprises_imported"); len(ev) != 1 || ev[0].Actor != "o-admin" {
		t.Errorf("events %+v", ev)
	}

	// The next file renames one, drops one, adds one; within the limit,
	// no warning.
	next := registryWorkbook(t, cfg, []registryRow{goodRow(1).with("企业名称", "企业1（更名）"), goodRow(2), goodRow(4).with("行政负责人", "何军", "行业部门监管负责人", "陈杰")})
	h.srv.SendDocument(uAdmin, "台账2.xlsx", next)
	h.waitMsg(uAdmin, "✅ 挂牌企业台账已导入：台账2.xlsx", "现有 3 家企业（原有 3 家）：新增 1 家，变更 1 家，移除 1 家",
		"无一人承包，挂牌人员均在配置中")

	// A bad file: every bad row named, nothing changed.
	bad := registryWorkbook(t, cfg, []registryRow{
		goodRow(5),
		goodRow(6).with("统一社会信用代码", creditCode(6)[:17]+"Z"),
		goodRow(7).with("行政负责人", "王某"),
		goodRow(5).with("企业名称", "企业5分厂"),
	})
	h.srv.SendDocument(uAdmin, "坏台账.xlsx", bad)
	m = h.waitMsg(uAdmin, "❌ 挂牌企业台账 坏台账.xlsx 有 3 处问题，未导入任何内容，原台账不变")
	for _, want := range []string{"第 3 行（统一社会信用代码*）：统一社会信用代码“" + creditCode(6)[:17] + "Z”第 18 位“Z”不是代码用字", "第 4 行（行政负责人*）：“王某”不是配置中的人员",
		"第 5 行（统一社会信用代码*）：统一社会信用代码 " + creditCode(5) + " 与第 2 行重复"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, m.Text)
		}
	}
	// A missing column.
	h.srv.SendDocument(uAdmin, "缺列.xlsx", registryWorkbook(t, cfg, []registryRow{goodRow(8)}, "属地", "行业"))
	h.waitMsg(uAdmin, "❌ 无法导入挂牌企业台账 缺列.xlsx", "缺少必填列：行业、属地", "原台账不变")
	// Forty bad rows: one message under Telegram's limit, the rest counted.
	var many []registryRow
	for i := range 40 {
		many = append(many, goodRow(100+i).with("行业部门监管负责人", strings.Repeat("不存在的人", 20)))
	}
	h.srv.SendDocument(uAdmin, "四十行.xlsx", registryWorkbook(t, cfg, many))
	m = h.waitMsg(uAdmin, "❌ 挂牌企业台账 四十行.xlsx 有 40 处问题")
	if n := len(utf16.Encode([]rune(m.Text))); n > 4096 || !strings.Contains(m.Text, "第 2 行") ||
		!strings.Contains(m.Text, "……另有") || !strings.Contains(m.Text, "处问题未列出") {
		t.Errorf("the long refusal (%d UTF-16 units):\n%s", n, m.Text)
	}
	var list api.EnterprisesJSON
	h.getEnterprises(&list)
	var names []string
	for _, e := range list.Enterprises {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, []string{"企业1（更名）", "企业2", "企业4"}) {
		t.Errorf("after refused files the registry holds %q", names)
	}

	// A YAML registry is one too; a roster still imports as a roster.
	h.srv.SendDocument(uAdmin, "台账.yaml", []byte(registryYAML(2, false)))
	h.waitMsg(uAdmin, "✅ 挂牌企业台账已导入：台账.yaml", "现有 2 家企业")
	h.srv.SendDocument(uAdmin, "12月值班表.xlsx", rosterXLSX(t, "含谷镇2026年12月值班表", dayNight(date(12, 1), date(12, 2))))
	h.waitMsg(uAdmin, "✅ 值班表已导入：12月值班表.xlsx", "新增 4 个班次")
	if n := h.shiftCount(); n != 4 {
		t.Errorf("%d shifts, want 4", n)
	}
	if n := h.enterpriseCount(); n != 2 {
		t.Errorf("the roster changed the registry: %d enterprises", n)
	}
}

// Only admins import the registry: staff are told so, a stranger is asked
// to bind, a group is asked for a private chat, and nothing changes.
func TestRegistryImportInChatRefused(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.bind(uAdmin)
	file := registryWorkbook(t, h.app.Config, []registryRow{goodRow(1)})
	h.srv.SendDocument(uZhang, "挂牌企业台账.xlsx", file)
	h.waitMsg(uZhang, "只有管理员可以导入值班表和挂牌企业台账", "未做任何更改")
	h.srv.SendDocument(uStranger, "挂牌企业台账.xlsx", file)
	h.waitMsg(uStranger, "Share my phone number")
	h.srv.SendGroupDocument(-500, uAdmin, "挂牌企业台账.xlsx", file)
	h.waitMsg(-500, "请在与我的私聊中发送值班表或挂牌企业台账文件")
	if n := h.enterpriseCount(); n != 0 {
		t.Errorf("%d enterprises stored by refused senders", n)
	}
	if ev := h.events("enterprises_imported"); len(ev) != 0 {
		t.Errorf("events %+v", ev)
	}
}
