package enterprise

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"dutybot/roster"
	"dutybot/storage"
)

// with returns good(n) with columns of header set: pairs of header, value.
func with(n int, kv ...string) []string {
	row := good(n)
	for i := 0; i+1 < len(kv); i += 2 {
		row[slices.Index(header, kv[i])] = kv[i+1]
	}
	return row
}

// Every refusal names its row, its column and the problem, in the
// configured language; a file with a bad row imports nothing.
func TestImportRefusesBadRowsByName(t *testing.T) {
	cfg := loadConfig(t)
	cat := catalog(t)
	tests := []struct {
		name string
		row  []string
		col  string
		want string // the problem in Chinese
	}{
		{"bad check character", with(3, "统一社会信用代码", "91350100M000100Y44"), "统一社会信用代码", "校验位不符：末位是 4，按前 17 位应为 3"},
		{"short code", with(3, "统一社会信用代码", "9135010"), "统一社会信用代码", "不是 18 位的统一社会信用代码（7 位）"},
		{"unknown official", with(3, "行政负责人", "无名氏"), "行政负责人", "“无名氏”不是配置中的人员"},
		{"unknown supervisor by phone", with(3, "行业部门监管负责人", "13999999999"), "行业部门监管负责人", "“13999999999”不是配置中的人员"},
		{"ambiguous name", with(3, "行政负责人", "何军"), "行政负责人", "配置中有多人名为“何军”"},
		{"two people", with(3, "行政负责人", "李芳、王强"), "行政负责人", "写了不止一人"},
		{"unknown unit", with(3, "属地", "火星村"), "属地", "“火星村”不是配置中的单位"},
		{"unknown industry", with(3, "行业", "采矿"), "行业", "“采矿”不是可选的行业，应为：道路交通、建设施工、危化品、燃气、工贸、文旅、消防、特种设备、其他"},
		{"unknown risk", with(3, "风险等级", "紫"), "风险等级", "“紫”不是风险等级，应为：红、橙、黄、蓝"},
		{"bad yes/no", with(3, "重大危险源", "也许"), "重大危险源", "“也许”应为“是”或“否”"},
		{"bad phone", with(3, "企业单位负责人电话", "找前台"), "企业单位负责人电话", "“找前台”不是电话号码"},
		{"empty required", with(3, "企业单位负责人", ""), "企业单位负责人", "必填，不能为空"},
		{"duplicate", with(3, "统一社会信用代码", code(1)), "统一社会信用代码", "与第 3 行重复"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Row 1 a title, row 2 the header, rows 3 and 4 good, the bad
			// one on row 5.
			data := sheetFile(t, []string{"含谷镇挂牌企业台账"}, header, good(1), good(2), tt.row)
			list, err := ParseXLSX(bytes.NewReader(data), cfg)
			var rows roster.Errors
			if !errors.As(err, &rows) || list != nil {
				t.Fatalf("got %d enterprises, err %v", len(list), err)
			}
			if rows.Total != 1 || rows.List[0].Row != 5 || rows.List[0].Column != tt.col {
				t.Fatalf("problems %+v", rows.List)
			}
			if got := rows.List[0].Text(cat, "zh-CN"); !strings.Contains(got, tt.want) || !strings.HasPrefix(got, "第 5 行（"+tt.col+"）：") {
				t.Errorf("problem reads %q, want %q", got, tt.want)
			}
		})
	}

	// Several bad rows: every problem listed, by row.
	data := sheetFile(t, header, with(1, "行政负责人", "无名氏", "属地", "火星村"), good(2), with(3, "统一社会信用代码", "X"))
	_, err := ParseXLSX(bytes.NewReader(data), cfg)
	var rows roster.Errors
	if !errors.As(err, &rows) || rows.Total != 3 {
		t.Fatalf("err %v", err)
	}
	var got []string
	for _, re := range rows.List {
		got = append(got, re.Text(cat, "en"))
	}
	want := []string{`Row 2 (行政负责人): "无名氏" is not an official in the configuration`,
		`Row 2 (属地): "火星村" is not a unit in the configuration`,
		`Row 4 (统一社会信用代码): "X" is not an 18-character unified social credit code (1 characters)`}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A file whose header lacks a required column, or has no header, is
// refused as a whole, naming the columns.
func TestImportRefusesMissingColumns(t *testing.T) {
	cfg := loadConfig(t)
	cat := catalog(t)
	short := slices.DeleteFunc(slices.Clone(header), func(h string) bool { return h == "属地" || h == "风险等级" })
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"missing columns", sheetFile(t, short, good(1)[:len(short)]), "表头（第 1 行）缺少必填列：风险等级、属地"},
		{"no header", sheetFile(t, []string{"甲", "乙"}, []string{"1", "2"}), "前 5 行中没有表头行"},
		{"header only", sheetFile(t, header), "文件中没有企业"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parseXLSX(t, tt.data, cfg)
			if got := roster.Text(cat, "zh-CN", err); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Parse("台账.xls", []byte("x"), cfg); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf(".xls: %v", err)
	}
}

// The header is found under a title row, columns in any order and under
// the names towns use; merged 属地 cells apply to every row they cover;
// names, ids and phones name officials; phones are stored in the one form.
func TestImportReadsTheSheetAsTownsWriteIt(t *testing.T) {
	cfg := loadConfig(t)
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"含谷镇重点管控企业“三个责任人”挂牌公示台账"},
		{"序号", "企业（单位）名称", "属地村（社区）", "信用代码", "行业领域", "风险分级", "行政负责人", "监管负责人", "企业负责人", "企业负责人手机", "包保责任人", "重大危险源说明"},
		{1, "含谷精密机械有限公司", "含谷村", strings.ToLower(code(1)), "工贸企业", "黄色", "o-li", "孙丽", "何伟", "+86 139 0000 0001", "13800000004", "液氨储罐 20 吨"},
		{2, "白林燃气站", nil, code(2), "燃气", "红", "王强", "赵静", "唐亮", "023-6868 1234", "", ""},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", "A"+string(rune('1'+i)), &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell("Sheet1", "C3", "C4"); err != nil {
		t.Fatal(err)
	}
	buf, _ := f.WriteToBuffer()
	list, err := ParseXLSX(buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []Enterprise{
		{Row: 3, Name: "含谷精密机械有限公司", Code: code(1), Industry: "industry_trade", Risk: "yellow", MajorHazard: true,
			MajorHazardNote: "液氨储罐 20 吨", Admin: "o-li", AdminName: "李芳", Supervisor: "o-sun", SupervisorName: "孙丽",
			Head: storage.Contact{Name: "何伟", Phone: "13900000001"}, Guarantor: "o-zhao", GuarantorName: "赵静", Unit: "v-hangu"},
		{Row: 4, Name: "白林燃气站", Code: code(2), Industry: "gas", Risk: "red", Admin: "o-wang", AdminName: "王强",
			Supervisor: "o-zhao", SupervisorName: "赵静", Head: storage.Contact{Name: "唐亮", Phone: "023-6868 1234"}, Unit: "v-hangu"},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("got\n%+v\nwant\n%+v", list, want)
	}
}

// The template, filled in, imports; its example row is refused until
// deleted; the export of what was imported imports to the same records.
func TestTemplateImportExportRoundTrip(t *testing.T) {
	cfg := loadConfig(t)
	tmpl, err := Template(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = parseXLSX(t, tmpl, cfg)
	var rows roster.Errors
	if !errors.As(err, &rows) || len(rows.List) != 1 || rows.List[0].Text(catalog(t), "zh-CN") != "第 2 行：这是模板的示例行，请删除后再导入" {
		t.Fatalf("template as it is: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	// The lists the drop-downs offer.
	dvs, err := f.GetDataValidations(registrySheet)
	if err != nil || len(dvs) != 7 {
		t.Fatalf("%d data validations: %v", len(dvs), err)
	}
	names := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		names[dn.Name] = dn.RefersTo
	}
	for name, ref := range map[string]string{"enterprise_industries": "'名单'!$A$2:$A$10", "enterprise_risks": "'名单'!$B$2:$B$5",
		"enterprise_officials": "'名单'!$D$2:$D$7", "enterprise_units": "'名单'!$E$2:$E$4"} {
		if names[name] != ref {
			t.Errorf("%s refers to %q, want %q", name, names[name], ref)
		}
	}
	officials, _ := f.GetCols(listSheet)
	if got := slices.DeleteFunc(officials[3][1:], func(s string) bool { return s == "" }); !slices.Equal(got, []string{"李芳", "王强", "赵静", "孙丽", "何军（o-he1）", "何军（o-he2）"}) {
		t.Errorf("officials list %q", got)
	}
	// Fill it in: the example row replaced by two enterprises.
	cells := map[string]string{"A2": "含谷精密机械有限公司", "B2": code(7), "D2": "工贸", "E2": "橙", "F2": "是", "G2": "液氨储罐",
		"H2": "李芳", "I2": "孙丽", "J2": "何伟", "K2": "13900000001", "L2": "何伟", "N2": "唐亮", "O2": "139 0000 0002",
		"P2": "罗敏", "R2": "何军（o-he2）", "S2": "含谷村",
		"A3": "白林加油站", "B3": code(8), "D3": "危化品", "E3": "红", "F3": "", "G3": "", "H3": "王强", "I3": "赵静", "J3": "唐亮", "K3": "",
		"L3": "", "N3": "", "O3": "", "P3": "", "R3": "", "S3": "应急办", "C3": "白林村 2 组", "M2": "13900000001"}
	for cell, v := range cells {
		if err := f.SetCellStr(registrySheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	filled, _ := f.WriteToBuffer()
	list, err := ParseXLSX(bytes.NewReader(filled.Bytes()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Guarantor != "o-he2" || list[0].Deputy.Phone != "13900000002" || !list[0].MajorHazard ||
		list[1].Unit != "yjb" || list[1].Industry != "hazchem" || list[0].Principal.Phone != "13900000001" {
		t.Fatalf("filled template read as %+v", list)
	}
	out, err := Export(list, cfg)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseXLSX(bytes.NewReader(out), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, list) {
		t.Errorf("export read back as\n%+v\nwant\n%+v", back, list)
	}
}

func TestImportYAML(t *testing.T) {
	cfg := loadConfig(t)
	doc := `
- name: 含谷精密机械有限公司
  code: ` + code(1) + `
  industry: industry_trade
  risk: yellow
  major_hazard: 否
  admin: 李芳
  supervisor: o-sun
  head: {name: 何伟, phone: 13900000001}
  principal: {name: 何伟, phone: "+86 139 0000 0001"}
  safety_manager: {name: 罗敏}
  unit: v-hangu
- name: 白林燃气站
  code: ` + code(2) + `
  industry: 燃气
  risk: 红
  major_hazard: true
  major_hazard_note: LPG 储罐
  admin: 13800000003
  supervisor: 赵静
  head: {name: 唐亮}
  guarantor: 何军（13800000020）
  unit: 含谷村
`
	list, err := ParseYAML(strings.NewReader(doc), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Head.Phone != "13900000001" || list[0].Principal.Phone != "13900000001" ||
		list[0].SafetyManager.Name != "罗敏" || list[1].Admin != "o-wang" || !list[1].MajorHazard || list[1].Guarantor != "o-he1" {
		t.Fatalf("read %+v", list)
	}
	bad := strings.Replace(strings.Replace(doc, "supervisor: 赵静", "supervisor: 无名", 1), "head: {name: 何伟, phone: 13900000001}", "head: {phone: 1}", 1)
	_, err = ParseYAML(strings.NewReader(bad), cfg)
	var rows roster.Errors
	if !errors.As(err, &rows) {
		t.Fatal(err)
	}
	var got []string
	for _, re := range rows.List {
		got = append(got, re.Error())
	}
	want := []string{`row 1 (head.name): required; it is empty`, `row 1 (head.phone): "1" is not a phone number`,
		`row 2 (supervisor): "无名" is not an official in the configuration`}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if _, err := ParseYAML(strings.NewReader("- name: x\n  colour: red\n"), cfg); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown key: %v", err)
	}
}
