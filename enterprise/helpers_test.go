package enterprise

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"dutybot/config"
	"dutybot/locales"
)

// testConfig is a small town: two leaders, two department heads, a
// village, and two officials sharing a name.
const testConfig = `
telegram: {api_url: "http://127.0.0.1:9"}
units:
  - {id: yjb, name: 应急办, head: o-zhao, leader: o-li}
  - {id: scjgs, name: 市场监管所, head: o-sun, leader: o-li}
  - {id: v-hangu, name: 含谷村, leader: o-wang}
officials:
  - {id: o-li, name: 李芳, phone: "13800000002", unit: yjb, roles: [leader, admin]}
  - {id: o-wang, name: 王强, phone: "13800000003", unit: v-hangu, roles: [leader]}
  - {id: o-zhao, name: 赵静, phone: "13800000004", unit: yjb, roles: [unit_head]}
  - {id: o-sun, name: 孙丽, phone: "13800000012", unit: scjgs, roles: [unit_head]}
  - {id: o-he1, name: 何军, phone: "13800000020", unit: yjb, roles: [staff]}
  - {id: o-he2, name: 何军, phone: "13800000021", unit: scjgs, roles: [staff]}
`

func loadConfig(t testing.TB, extra ...string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig + strings.Join(extra, "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// code makes a valid fictional 统一社会信用代码 from a number: 91 (a
// company), the area code of 高新区 500106, nine characters, the check.
func code(n int) string {
	first := fmt.Sprintf("91500106MA%07d", n)
	c, ok := CheckChar(first)
	if !ok {
		panic(first)
	}
	return first + string(c)
}

// header is the header row of the tests' sheets.
var header = []string{"企业名称", "统一社会信用代码", "地址", "行业", "风险等级", "重大危险源", "行政负责人",
	"行业部门监管负责人", "企业单位负责人", "企业单位负责人电话", "属地"}

// good is a row under header for enterprise n.
func good(n int) []string {
	return []string{fmt.Sprintf("企业%d有限公司", n), code(n), "含谷镇工业园", "工贸", "黄", "否", "李芳", "孙丽",
		"何伟", "139-0000-0001", "含谷村"}
}

// sheetFile writes rows (the first a title or header) to an .xlsx.
func sheetFile(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &vals); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func catalog(t testing.TB) *locales.Catalog {
	t.Helper()
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func parseXLSX(t testing.TB, data []byte, cfg *config.Config) error {
	t.Helper()
	_, err := ParseXLSX(bytes.NewReader(data), cfg)
	return err
}
