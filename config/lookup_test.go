package config

import (
	"slices"
	"sync"
	"testing"
	"time"
)

const lookupDoc = `
units:
  - id: u1
    name: Unit One
    head: o-a
  - id: u2
    name: Unit Two
    tags: [village]
officials:
  - id: o-a
    name: A
    phone: "13800000001"
    unit: u1
    roles: [unit_head, admin]
  - id: o-b
    name: B
    phone: "+86 138-0000-0002"
    unit: u2
    roles: [leader, staff, staff]
  - id: o-c
    name: C
    phone: "13800000003"
    unit: u2
    roles: [staff, admin]
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
    urgent:
      - {after: 2m, action: remind}
      - {after: 5m, action: escalate, to: leader}
  levels: {blue: default, yellow: default, orange: default, red: urgent}
`

func ids(os []Official) []string {
	out := []string{}
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

// configs returns the same configuration built by Parse (indexed) and as a
// plain copy without the index, so both lookup paths are tested.
func configs(t *testing.T) map[string]*Config {
	t.Helper()
	cfg, err := Parse([]byte(lookupDoc))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.people == nil {
		t.Fatal("Parse did not build the index")
	}
	plain := *cfg
	plain.people = nil
	return map[string]*Config{"parsed": cfg, "literal": &plain}
}

func TestLookups(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			officialCases := []struct {
				id     string
				wantOK bool
				name   string
			}{
				{"o-a", true, "A"},
				{"o-c", true, "C"},
				{"o-z", false, ""},
				{"", false, ""},
			}
			for _, c := range officialCases {
				o, ok := cfg.Official(c.id)
				if ok != c.wantOK || o.Name != c.name {
					t.Errorf("Official(%q) = %q, %v; want %q, %v", c.id, o.Name, ok, c.name, c.wantOK)
				}
			}

			unitCases := []struct {
				id     string
				wantOK bool
				name   string
			}{
				{"u1", true, "Unit One"},
				{"u2", true, "Unit Two"},
				{"u3", false, ""},
			}
			for _, c := range unitCases {
				u, ok := cfg.Unit(c.id)
				if ok != c.wantOK || u.Name != c.name {
					t.Errorf("Unit(%q) = %q, %v; want %q, %v", c.id, u.Name, ok, c.name, c.wantOK)
				}
			}

			roleCases := []struct {
				role string
				want []string
			}{
				{RoleAdmin, []string{"o-a", "o-c"}},
				{RoleStaff, []string{"o-b", "o-c"}}, // o-b lists staff twice
				{RoleLeader, []string{"o-b"}},
				{RolePrincipal, []string{}},
				{"nobody", []string{}},
			}
			for _, c := range roleCases {
				if got := ids(cfg.OfficialsWithRole(c.role)); !slices.Equal(got, c.want) {
					t.Errorf("OfficialsWithRole(%q) = %v, want %v", c.role, got, c.want)
				}
			}

			phoneCases := []struct {
				phone, want string
			}{
				{"13800000001", "o-a"},
				{"13800000002", "o-b"}, // written "+86 138-0000-0002"
				{NormalizePhone("+8613800000003"), "o-c"},
				{"13800000009", ""},
				{"", ""},
			}
			for _, c := range phoneCases {
				o, ok := cfg.OfficialByPhone(c.phone)
				if o.ID != c.want || ok != (c.want != "") {
					t.Errorf("OfficialByPhone(%q) = %q, %v; want %q", c.phone, o.ID, ok, c.want)
				}
			}

			policyCases := []struct {
				level string
				want  []time.Duration
			}{
				{"blue", []time.Duration{10 * time.Minute}},
				{"orange", []time.Duration{10 * time.Minute}},
				{"red", []time.Duration{2 * time.Minute, 5 * time.Minute}},
				{"purple", nil},
			}
			for _, c := range policyCases {
				var got []time.Duration
				for _, s := range cfg.Policy(c.level) {
					got = append(got, s.After.D())
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("Policy(%q) afters = %v, want %v", c.level, got, c.want)
				}
			}
		})
	}
}

func TestLookupResultsDoNotAliasConfig(t *testing.T) {
	cfg := configs(t)["parsed"]
	steps := cfg.Policy("red")
	steps[0].Action = "changed"
	_ = append(steps[:1], Step{Action: "appended"})
	if got := cfg.Policy("red"); got[0].Action != ActionRemind || got[1].To != ToLeader {
		t.Errorf("Policy result aliases the config: %v", got)
	}
	admins := cfg.OfficialsWithRole(RoleAdmin)
	admins[0].Name = "changed"
	if o, _ := cfg.Official("o-a"); o.Name != "A" {
		t.Errorf("OfficialsWithRole result aliases the config")
	}
}

// TestLookupsConcurrent runs under -race: a parsed Config is read-only.
func TestLookupsConcurrent(t *testing.T) {
	cfg := configs(t)["parsed"]
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				cfg.Official("o-b")
				cfg.Unit("u2")
				cfg.OfficialsWithRole(RoleStaff)
				cfg.OfficialByPhone("13800000001")
				cfg.Policy("red")
			}
		}()
	}
	wg.Wait()
}

func TestDisplayNames(t *testing.T) {
	cfg, err := Parse([]byte(lookupDoc))
	if err != nil {
		t.Fatal(err)
	}
	literal := &Config{Officials: []Official{{ID: "o-x", Unit: "u-x"}}, Units: []Unit{{ID: "u-x"}}} // no names, no index
	tests := []struct {
		name, got, want string
	}{
		{"official", cfg.OfficialName("o-a"), "A"},
		{"unknown official", cfg.OfficialName("system"), "system"},
		{"unnamed official", literal.OfficialName("o-x"), "o-x"},
		{"unit", cfg.UnitName("u2"), "Unit Two"},
		{"unknown unit", cfg.UnitName("u9"), "u9"},
		{"unnamed unit", literal.UnitName("u-x"), "u-x"},
		{"unit of official", cfg.UnitNameOf("o-b"), "Unit Two"},
		{"unit of unknown official", cfg.UnitNameOf("o-z"), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
