package config

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"dutybot/directory"
)

// withoutOfficials returns a YAML document without its officials: key.
func withoutOfficials(t *testing.T, doc string) string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	root := n.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "officials" {
			root.Content = slices.Delete(root.Content, i, i+2)
			break
		}
	}
	out, err := yaml.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// sameDirectory reports the differences between two directories: units
// and officials by id, roles as sets, phone numbers as shown.
func sameDirectory(t *testing.T, got, want *People) {
	t.Helper()
	if len(got.Officials) != len(want.Officials) || len(got.Units) != len(want.Units) {
		t.Errorf("%d officials and %d units, want %d and %d", len(got.Officials), len(got.Units), len(want.Officials), len(want.Units))
	}
	for _, w := range want.Officials {
		g, ok := got.Official(w.ID)
		gr, wr := slices.Sorted(slices.Values(g.Roles)), slices.Compact(slices.Sorted(slices.Values(w.Roles)))
		if !ok || g.Name != w.Name || g.Unit != w.Unit || g.Phone != w.Phone || g.Title != w.Title || g.Language != w.Language || !slices.Equal(gr, wr) {
			t.Errorf("official %s = %+v, %v; want %+v", w.ID, g, ok, w)
		}
	}
	for _, w := range want.Units {
		g, ok := got.Unit(w.ID)
		if !ok || g.Name != w.Name || g.Head != w.Head || g.Leader != w.Leader || !slices.Equal(g.Tags, w.Tags) {
			t.Errorf("unit %s = %+v, %v; want %+v", w.ID, g, ok, w)
		}
	}
}

// Export writes the whole directory, the YAML's people and the file's, as
// a 通讯录 that reads back to the same directory with the configuration's
// units, in both formats.
func TestDirectoryExportRoundTrip(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("../examples/通讯录.example.csv")
	if err != nil {
		t.Fatal(err)
	}
	doc := setFile(t, string(data), "通讯录.example.csv")
	a, err := Load(writeDirConfig(t, doc, map[string]string{"通讯录.example.csv": string(sample)}))
	if err != nil {
		t.Fatal(err)
	}
	entries := DirectoryEntries(a.People())
	if len(entries) != len(a.People().Officials) {
		t.Fatalf("%d rows for %d officials", len(entries), len(a.People().Officials))
	}
	for _, f := range []directory.Format{directory.CSV, directory.XLSX} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := directory.Write(&buf, f, entries); err != nil {
				t.Fatal(err)
			}
			name := "导出." + string(f)
			b, err := Load(writeDirConfig(t, setFile(t, withoutOfficials(t, string(data)), name), map[string]string{name: buf.String()}))
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Officials) != 0 {
				t.Fatalf("the YAML of the read-back still has %d officials", len(b.Officials))
			}
			sameDirectory(t, b.People(), a.People())
		})
	}
}

// setFile sets directory.file in a YAML document.
func setFile(t testing.TB, doc, file string) string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	root := n.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "directory" {
			continue
		}
		d := root.Content[i+1]
		for j := 0; j+1 < len(d.Content); j += 2 {
			if d.Content[j].Value == "file" {
				d.Content[j+1].Value = file
				out, err := yaml.Marshal(&n)
				if err != nil {
					t.Fatal(err)
				}
				return string(out)
			}
		}
	}
	t.Fatal("no directory.file in the document")
	return ""
}

// The template's examples, written and read back, map to the people they
// show: heads and 分管领导 by 上级, roles, titles, 编号 and languages.
func TestDirectoryTemplate(t *testing.T) {
	examples, notes := DirectoryTemplate()
	if len(notes) < 5 {
		t.Fatalf("%d notes", len(notes))
	}
	const doc = `
units:
  - {id: office, name: 应急办}
officials:
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: office, roles: [admin]}
directory:
  file: 通讯录模板.xlsx
`
	for _, f := range []directory.Format{directory.XLSX, directory.CSV} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := directory.Template(&buf, f, examples, notes); err != nil {
				t.Fatal(err)
			}
			read, err := directory.Read("通讯录模板."+string(f), buf.Bytes(), directory.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(read) != len(examples) {
				t.Fatalf("%d rows read, want the %d examples", len(read), len(examples))
			}
			name := "通讯录模板." + string(f)
			cfg, err := Load(writeDirConfig(t, setFile(t, doc, name), map[string]string{name: buf.String()}))
			if err != nil {
				t.Fatal(err)
			}
			qs, lv, gov := UnitIDFor("青山村"), UnitIDFor("绿水社区"), UnitIDFor("镇政府")
			want := []struct {
				id, unit, title, lang string
				roles                 []string
			}{
				{"p13800001001", gov, "镇长", "", []string{RolePrincipal}},
				{"p13800001002", gov, "副镇长", "", []string{RoleLeader}},
				{"p13800001003", qs, "村委会主任", "", []string{RoleUnitHead}},
				{"p13800001004", qs, "网格员", "", []string{RoleStaff}},
				{"qs-chengang", qs, "", "zh-CN", []string{RoleStaff, RoleAdmin}},
				{"p13800001006", lv, "社区书记", "", []string{RoleStaff}},
				{"p13800001007", lv, "网格员", "en", []string{RoleStaff}},
			}
			for _, w := range want {
				o, ok := cfg.Official(w.id)
				if !ok || o.Unit != w.unit || o.Title != w.title || o.Language != w.lang || !slices.Equal(o.Roles, w.roles) {
					t.Errorf("%s = %+v, %v; want %+v", w.id, o, ok, w)
				}
			}
			if u, _ := cfg.Unit(qs); u.Head != "p13800001003" || u.Leader != "p13800001002" {
				t.Errorf("青山村 = %+v, want 王小明 its head and 李卫东 its 分管领导", u)
			}
			if u, _ := cfg.Unit(lv); u.Head != "p13800001006" {
				t.Errorf("绿水社区 = %+v, want 周平 its head", u)
			}
		})
	}
}
