package supervision

import (
	"os"
	"slices"
	"strings"
	"testing"

	"dutybot/config"
)

func exampleConfig(t *testing.T) *config.Config {
	t.Helper()
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// smallTown has the plan's units but no 社事办 or 市场监管所.
const smallTown = `
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: gjb, name: 规建办, leader: o-liu}
  - {id: jfb, name: 经发办, leader: o-liu}
  - {id: cgdd, name: 城管大队, leader: o-liu}
  - {id: pab, name: 平安办, leader: o-liu}
  - {id: nfzx, name: 农服中心, leader: o-liu}
  - {id: nb, name: 农办, leader: o-liu}
officials:
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: yjb, roles: [leader, principal, admin]}
`

func parse(t *testing.T, yaml string) (*config.Config, error) {
	t.Helper()
	return config.Parse([]byte(yaml))
}

func TestLookup(t *testing.T) {
	g, err := New(exampleConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Skipped) != 0 {
		t.Errorf("the example town lacks the lead units of %v", g.Skipped)
	}
	tests := []struct {
		query string
		want  []string // sector, lead unit, 分管领导 of each answer
	}{
		{"充电桩", []string{"充电桩 经发办 李芳"}}, // the example's own entry, in the built-in's place
		{" 充电站 ", []string{"充电桩 经发办 李芳"}},
		{"小区充电桩", []string{"充电桩 经发办 李芳"}},               // the query contains the sector
		{"电梯", []string{"特种设备 市场监管所 李芳"}},               // an alias equal to it wins over 老旧楼栋电梯加装
		{"外立面(城镇风貌)改造", []string{"外立面（城镇风貌）改造 规建办 李芳"}}, // brackets either width
		{"密室逃脱", []string{"密室逃脱 社事办 王强"}},
		{"量子计算", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range g.Lookup(tt.query) {
			got = append(got, a.Sector.Name+" "+a.Lead.Name+" "+a.Leader.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Lookup(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
	// A vague word finds several, never more than five.
	if n := len(g.Lookup("安全")); n > maxAnswers {
		t.Errorf("a vague word found %d sectors", n)
	}
}

// Configured sectors replace built-in ones of their name and add to the
// rest; builtin: false leaves only them. A built-in sector whose lead unit
// the town lacks is left out, and partners it lacks are dropped.
func TestConfiguredAndSkipped(t *testing.T) {
	cfg, err := parse(t, smallTown+`
supervision:
  sectors:
    - {name: 充电桩, aliases: [充电站], lead: cgdd, with: [pab], note: 镇城管大队统一巡查}
    - {name: 无人机, lead: pab}
`)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a := g.Lookup("充电站"); len(a) != 1 || a[0].Lead.Name != "城管大队" || a[0].Sector.Note == "" {
		t.Errorf("configured sector: %+v", a)
	}
	if a := g.Lookup("无人机"); len(a) != 1 || a[0].Lead.Name != "平安办" {
		t.Errorf("added sector: %+v", a)
	}
	if len(g.Lookup("燃气")) != 1 {
		t.Error("the built-in list does not answer beside configured sectors")
	}
	var skipped []string
	for _, s := range g.Skipped {
		skipped = append(skipped, s.Name)
	}
	if want := []string{"密室逃脱", "旅游景区", "小型游乐设施", "特种设备", "食品", "学校"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %q, want %q", skipped, want)
	}
	for _, s := range g.Sectors() {
		if slices.Contains(s.With, "scjgs") || slices.Contains(s.With, "ssb") {
			t.Errorf("%s keeps a partner the town lacks: %v", s.Name, s.With)
		}
	}

	cfg, err = parse(t, smallTown+`
supervision:
  builtin: false
  sectors:
    - {name: 无人机, lead: pab}
`)
	if err != nil {
		t.Fatal(err)
	}
	if g, err = New(cfg); err != nil || len(g.Sectors()) != 1 || len(g.Lookup("燃气")) != 0 {
		t.Errorf("builtin: false answers %d sectors (%v)", len(g.Sectors()), err)
	}
}

func TestConfigRefusesBadSectors(t *testing.T) {
	_, err := parse(t, smallTown+`
supervision:
  sectors:
    - {name: 充电桩, lead: nowhere, with: [pab, elsewhere]}
    - {name: 充电桩, lead: pab}
    - {name: "", lead: pab}
`)
	for _, want := range []string{`supervision.sectors[0].lead: "nowhere" is no unit id`, `supervision.sectors[0].with[1]: "elsewhere"`,
		`supervision.sectors[1].name: "充电桩" is listed twice`, "supervision.sectors[2].name: is empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
