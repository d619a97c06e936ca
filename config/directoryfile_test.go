package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dutybot/directory"
)

// dirDoc is a small town whose villages come from a 通讯录: 应急办 with
// its head and 分管领导 in YAML, 党政办 with the leader and the admin.
const dirDoc = `
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办}
officials:
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
directory:
  file: 通讯录.csv
`

const dirHeader = "姓名,单位,职务/角色,手机号,上级,编号,语言\n"

// goodDirectory is the 通讯录 of dirDoc: 青山村 with a head's row, 绿水社区
// whose people name their head, one of 应急办's staff and the principal.
const goodDirectory = dirHeader +
	"王小明,青山村,村委会主任、单位负责人,13900000001,刘洋,,\n" +
	"赵丽,青山村,网格员,139-0000-0002,王小明,,\n" +
	"陈刚,青山村,工作人员 管理员,13900000003,13900000001,qs-chengang,zh\n" +
	"Anna Li,绿水社区,网格员,13900000004,周平,,en\n" +
	"周平,绿水社区,社区书记,13900000005,,,\n" +
	"孙强,应急办,科员,13900000006,吴敏,,\n" +
	"张建国,党政办,镇长、主要负责人,13900000007,刘洋,,\n"

// writeDirConfig writes doc as dutybot.yaml and each file beside it, and
// returns the configuration's path.
func writeDirConfig(t testing.TB, doc string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "dutybot.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadDir(t testing.TB, doc, csv string) (*Config, error) {
	t.Helper()
	return Load(writeDirConfig(t, doc, map[string]string{"通讯录.csv": csv}))
}

// A good file's rows become officials and units: heads and 分管领导 from
// 上级, roles from role words, titles from the others, languages, ids
// from 编号 or the phone; the YAML lists stay as parsed.
func TestDirectoryFileMapping(t *testing.T) {
	cfg, err := loadDir(t, dirDoc, goodDirectory)
	if err != nil {
		t.Fatal(err)
	}
	qs, lv := UnitIDFor("青山村"), UnitIDFor("绿水社区")
	officials := []struct {
		id, name, unit, phone, title, lang string
		roles                              []string
	}{
		{"p13900000001", "王小明", qs, "13900000001", "村委会主任", "", []string{RoleUnitHead}},
		{"p13900000002", "赵丽", qs, "13900000002", "网格员", "", []string{RoleStaff}},
		{"qs-chengang", "陈刚", qs, "13900000003", "", "zh-CN", []string{RoleStaff, RoleAdmin}},
		{"p13900000004", "Anna Li", lv, "13900000004", "网格员", "en", []string{RoleStaff}},
		{"p13900000005", "周平", lv, "13900000005", "社区书记", "", []string{RoleStaff}},
		{"p13900000006", "孙强", "yjb", "13900000006", "科员", "", []string{RoleStaff}},
		{"p13900000007", "张建国", "dzb", "13900000007", "镇长", "", []string{RolePrincipal}},
	}
	for _, w := range officials {
		o, ok := cfg.Official(w.id)
		if !ok {
			t.Errorf("no official %s", w.id)
			continue
		}
		if o.Name != w.name || o.Unit != w.unit || o.Phone != w.phone || o.Title != w.title || o.Language != w.lang || !slices.Equal(o.Roles, w.roles) {
			t.Errorf("%s = %+v, want %+v", w.id, o, w)
		}
	}
	units := []struct{ id, name, head, leader string }{
		{"yjb", "应急办", "o-wu", "o-liu"},
		{qs, "青山村", "p13900000001", "o-liu"}, // the head's 上级 is the 分管领导
		{lv, "绿水社区", "p13900000005", ""},     // no head's row: its people name the head
	}
	for _, w := range units {
		u, ok := cfg.Unit(w.id)
		if !ok || u.Name != w.name || u.Head != w.head || u.Leader != w.leader {
			t.Errorf("unit %s = %+v, %v; want %+v", w.id, u, ok, w)
		}
	}
	if got := cfg.Rank("p13900000005"); got != RankUnitHead {
		t.Errorf("the head named by 上级 ranks %d, want %d", got, RankUnitHead)
	}
	if n := len(cfg.People().Officials); n != 10 {
		t.Errorf("%d officials, want the 3 of YAML and the 7 of the file", n)
	}
	if len(cfg.Officials) != 3 || len(cfg.Units) != 2 {
		t.Errorf("the parsed lists hold %d officials and %d units, want the YAML's 3 and 2", len(cfg.Officials), len(cfg.Units))
	}
	rep := cfg.People().File()
	want := FileReport{File: "通讯录.csv", People: 7, UnitsCreated: 2, TitleStaff: 4,
		Titles: []TitleCount{{"网格员", 2}, {"社区书记", 1}, {"科员", 1}}}
	if rep == nil || rep.File != want.File || rep.People != want.People || rep.UnitsCreated != want.UnitsCreated ||
		rep.TitleStaff != want.TitleStaff || !slices.Equal(rep.Titles, want.Titles) {
		t.Errorf("file report = %+v, want %+v", rep, want)
	}
	// Parse reads no file: the directory is the YAML's.
	plain, err := Parse([]byte(dirDoc))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(plain.People().Officials); n != 3 || plain.People().File() != nil {
		t.Errorf("Parse: %d officials, file %v; want the YAML's 3 and no file", n, plain.People().File())
	}
}

// Unit ids made from names are the same at every load, and pass as ids.
func TestUnitIDFor(t *testing.T) {
	a, b := UnitIDFor("青山村"), UnitIDFor("青山村")
	var e errs
	if a != b || !checkID(&e, "id", a) || UnitIDFor("绿水社区") == a {
		t.Errorf("UnitIDFor: %q, %q, %v", a, b, e.list)
	}
}

// A file with problems is refused whole, every problem placed by row and
// column, never by officials[N] of the combined list.
func TestDirectoryFileRefusals(t *testing.T) {
	collide := UnitIDFor("青山村")
	cases := []struct {
		name string
		doc  string // dirDoc when empty
		csv  string // rows after the header
		want []string
	}{
		{"bad phone", "", "王小明,青山村,单位负责人,1380000,,,\n",
			[]string{`通讯录.csv row 2 (手机号): "1380000" is not an 11-digit mobile number starting with 1`}},
		{"phone of a YAML official", "", "王小明,青山村,单位负责人,138 0000 0003,,,\n",
			[]string{`通讯录.csv row 2 (手机号): "138 0000 0003" duplicates officials[0].phone of the configuration`}},
		{"phone twice in the file", "", "王小明,青山村,单位负责人,13900000001,,,\n赵丽,青山村,,13900000001,,,\n",
			[]string{`通讯录.csv row 3 (手机号): "13900000001" duplicates row 2`}},
		{"unknown 上级", "", "王小明,青山村,工作人员,13900000001,李四,,\n",
			[]string{`通讯录.csv row 2 (上级): "李四" is nobody in the directory`}},
		{"unknown 上级 phone", "", "王小明,青山村,工作人员,13900000001,13999999999,,\n",
			[]string{`通讯录.csv row 2 (上级): nobody in the directory has the phone number 13999999999`}},
		{"ambiguous 上级", "", "王芳,青山村,工作人员,13900000001,,,\n王芳,绿水社区,工作人员,13900000002,,,\n周平,青山村,工作人员,13900000003,王芳,,\n",
			[]string{`通讯录.csv row 4 (上级): "王芳" is the name of 2 people (row 2, row 3): write the phone number of the one meant`}},
		{"two heads", "", "王小明,青山村,单位负责人,13900000001,,,\n赵丽,青山村,负责人,13900000002,,,\n",
			[]string{`通讯录.csv row 3 (职务/角色): 青山村 has two 单位负责人, rows 2 and 3`}},
		{"staff 上级 not the head", "", "王小明,青山村,单位负责人,13900000001,,,\n赵丽,青山村,网格员,13900000002,刘洋,,\n",
			[]string{`通讯录.csv row 3 (上级): 刘洋 (officials[1] of the configuration) is not the head of 青山村, 王小明 (row 2)`}},
		{"staff 上级 not the YAML head", "", "孙强,应急办,科员,13900000006,刘洋,,\n",
			[]string{`通讯录.csv row 2 (上级): 刘洋 (officials[1] of the configuration) is not the head of 应急办, 吴敏 (the configuration's units[0].head)`}},
		{"staff naming two heads", "", "周平,绿水社区,,13900000005,,,\n赵丽,绿水社区,网格员,13900000002,周平,,\nAnna Li,绿水社区,网格员,13900000004,刘洋,,\n",
			[]string{`通讯录.csv row 4 (上级): row 3 names 周平 as 上级 in 绿水社区 and this row 刘洋 (officials[1] of the configuration)`}},
		{"head of a YAML unit with a head", "", "王小明,应急办,单位负责人,13900000001,,,\n",
			[]string{`通讯录.csv row 2 (职务/角色): the configuration names the head of 应急办 already: o-wu (units[0].head)`}},
		{"another 分管领导 for a YAML unit", strings.Replace(dirDoc, "{id: dzb, name: 党政办}", "{id: dzb, name: 党政办, leader: o-liu}", 1),
			"王小明,党政办,单位负责人,13900000001,安琪,,\n",
			[]string{`通讯录.csv row 2 (上级): the configuration names the 分管领导 of 党政办 already: o-liu (units[1].leader), not 安琪 (officials[2] of the configuration)`}},
		{"编号 of a YAML official", "", "王小明,青山村,单位负责人,13900000001,,o-wu,\n",
			[]string{`通讯录.csv row 2 (编号): "o-wu" duplicates officials[0] of the configuration`}},
		{"编号 twice", "", "王小明,青山村,单位负责人,13900000001,,qs-1,\n赵丽,青山村,,13900000002,,qs-1,\n",
			[]string{`通讯录.csv row 3 (编号): "qs-1" duplicates row 2`}},
		{"bad 编号", "", "王小明,青山村,单位负责人,13900000001,,QS 1,\n",
			[]string{`通讯录.csv row 2 (编号): "QS 1" may contain only a-z, 0-9, _ and -`}},
		{"id made from a phone taken", strings.Replace(dirDoc, "officials:\n", "officials:\n  - {id: p13900000001, name: 老王, phone: \"13800000011\", unit: dzb, roles: [staff]}\n", 1),
			"王小明,青山村,单位负责人,13900000001,,,\n",
			[]string{`通讯录.csv row 2 (手机号): the id made from the phone number, "p13900000001" duplicates officials[0] of the configuration (give the row a 编号)`}},
		{"unit id taken", strings.Replace(dirDoc, "units:\n", "units:\n  - {id: "+collide+", name: 老青山}\n", 1),
			"王小明,青山村,单位负责人,13900000001,,,\n",
			[]string{`通讯录.csv row 2 (单位): the id ` + collide + ` dutybot gives the new unit "青山村" is the id of units[0] (老青山) of the configuration`}},
		{"two YAML units of the name", strings.Replace(dirDoc, "units:\n", "units:\n  - {id: yjb2, name: 应急办}\n", 1),
			"孙强,应急办,科员,13900000006,,,\n",
			[]string{`通讯录.csv row 2 (单位): "应急办" is the name of 2 units of the configuration, units[0] (id yjb2), units[1] (id yjb): write the unit's id`}},
		{"bad language", "", "王小明,青山村,单位负责人,13900000001,,,fr\n",
			[]string{`通讯录.csv row 2 (语言): "fr" is not a language`}},
		{"every problem at once", "", "王小明,青山村,单位负责人,1390000000,,,\n赵丽,青山村,,13800000004,张三,,\n陈刚,青山村,,13900000003,,Q,xx\n",
			[]string{`row 2 (手机号): "1390000000" is not`, `row 3 (手机号): "13800000004" duplicates officials[1].phone`,
				`row 3 (上级): "张三" is nobody`, `row 4 (编号): "Q" may contain only`, `row 4 (语言): "xx" is not a language`}},
		{"a row the reader refuses", "", "王小明,青山村,单位负责人,,,,\n",
			[]string{`通讯录.csv row 2 (手机号)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := c.doc
			if doc == "" {
				doc = dirDoc
			}
			cfg, err := loadDir(t, doc, dirHeader+c.csv)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; officials %v", ids(cfg.People().Officials))
			}
			var fe *directory.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v, want a *directory.FileError", err, err)
			}
			got := Problems(err)
			if len(got) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
					t.Errorf("no problem %q among\n%s", w, strings.Join(got, "\n"))
				}
			}
			for _, g := range got {
				if strings.Contains(g, "officials[") && !strings.Contains(g, "of the configuration") {
					t.Errorf("a problem names the combined list: %s", g)
				}
			}
		})
	}
}

// What the file's people leave wrong in the rest of the configuration is
// told by key, beside the file's rows; a file that cannot be read is
// refused by the reader's rules and limits, naming the file as configured.
func TestDirectoryFileOtherRefusals(t *testing.T) {
	noAdmin := strings.Replace(dirDoc, "roles: [admin]", "roles: [staff]", 1)
	_, err := loadDir(t, noAdmin, dirHeader+"王小明,青山村,单位负责人,1390000000,,,\n")
	got := Problems(err)
	if len(got) != 2 || !strings.HasPrefix(got[0], "通讯录.csv row 2 (手机号)") || !strings.HasPrefix(got[1], "officials: no official has role \"admin\"") {
		t.Errorf("problems %q, want the row and the configuration's key", got)
	}
	// The file gives the admin the YAML lacks.
	if _, err := loadDir(t, noAdmin, dirHeader+"王小明,青山村,管理员,13900000001,,,\n"); err != nil {
		t.Errorf("the file's 管理员 is not taken as the admin: %v", err)
	}
	limited := dirDoc + "  limits: {max_rows: 10}\n"
	_, err = loadDir(t, limited, dirHeader+strings.Repeat("王小明,青山村,,13900000001,,,\n", 12))
	var le *directory.LimitError
	if !errors.As(err, &le) || le.Key != directory.LimitRows || !strings.Contains(err.Error(), "raise directory.limits.max_rows") {
		t.Errorf("a file over directory.limits.max_rows: %v", err)
	}
	_, err = Load(writeDirConfig(t, dirDoc, nil))
	if err == nil || !strings.Contains(err.Error(), "通讯录.csv does not exist") {
		t.Errorf("a missing file: %v", err)
	}
	_, err = loadDir(t, dirDoc+"  limits: {max_rows: 1}\n", goodDirectory)
	if err == nil || !strings.Contains(err.Error(), "directory.limits.max_rows") {
		t.Errorf("a bad limit: %v", err)
	}
	// A header the reader cannot use.
	_, err = loadDir(t, dirDoc, "名字,地方\n王小明,青山村\n")
	var fe *directory.FileError
	if !errors.As(err, &fe) || fe.Name != "通讯录.csv" {
		t.Errorf("an unreadable file: %v, want a FileError naming 通讯录.csv", err)
	}
}

// The sample 通讯录 of examples/ maps onto config.example.yaml.
func TestExampleDirectory(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../examples/通讯录.example.csv")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(data), "  file: \"\"\n", "  file: 通讯录.example.csv\n", 1)
	cfg, err := loadDir(t, doc, "")
	if err == nil {
		t.Fatalf("an empty file was read: %d officials", len(cfg.People().Officials))
	}
	path := writeDirConfig(t, doc, map[string]string{"通讯录.example.csv": string(sample)})
	cfg, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rep := cfg.People().File()
	if rep == nil || rep.People < 8 || rep.People > 15 {
		t.Fatalf("the sample gives %+v", rep)
	}
	if len(cfg.People().Officials) != len(cfg.Officials)+rep.People {
		t.Errorf("%d officials, want the example's %d and the sample's %d", len(cfg.People().Officials), len(cfg.Officials), rep.People)
	}
}
