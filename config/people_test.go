package config

import (
	"strings"
	"testing"
)

// A reload replaces the directory for every holder of the Config, copies
// included, while a holder of the old People keeps seeing the old one.
func TestSetPeopleReachesCopies(t *testing.T) {
	cfg, err := Parse([]byte(lookupDoc))
	if err != nil {
		t.Fatal(err)
	}
	held := cfg.People()
	cp := *cfg
	units := append(cfg.People().Units[:len(cfg.People().Units):len(cfg.People().Units)],
		Unit{ID: "u3", Name: "Unit Three", Head: "o-d", Leader: "o-a"})
	officials := append(cfg.People().Officials[:len(cfg.People().Officials):len(cfg.People().Officials)],
		Official{ID: "o-d", Name: "D", Phone: "+86 139 0000 0004", Unit: "u3", Roles: []string{"staff"}})
	p, err := cfg.CheckPeople(units, officials)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetPeople(p)
	for name, c := range map[string]*Config{"original": cfg, "copy": &cp} {
		o, ok := c.Official("o-d")
		if !ok || o.Phone != "13900000004" {
			t.Errorf("%s: o-d = %+v, %v; want the new official with the phone as Parse leaves it", name, o, ok)
		}
		if got := c.Rank("o-d"); got != RankUnitHead {
			t.Errorf("%s: rank of the new unit's head = %d, want %d", name, got, RankUnitHead)
		}
		if got := c.Rank("o-a"); got != RankLeader {
			t.Errorf("%s: rank of the new unit's leader = %d, want %d", name, got, RankLeader)
		}
	}
	if _, ok := held.Official("o-d"); ok {
		t.Error("a directory already held changed under its holder")
	}
	if len(cfg.Officials) != 3 {
		t.Errorf("the parsed list changed: %d officials", len(cfg.Officials))
	}
}

// CheckPeople refuses a directory the rest of the configuration cannot
// work with, and names what is wrong; the live directory is untouched.
func TestCheckPeopleRefuses(t *testing.T) {
	cfg, err := Parse([]byte(lookupDoc))
	if err != nil {
		t.Fatal(err)
	}
	before := cfg.People()
	cases := []struct {
		name      string
		units     []Unit
		officials []Official
		want      string
	}{
		{"no admin left", cfg.Units, []Official{{ID: "o-a", Name: "A", Phone: "13800000001", Unit: "u1", Roles: []string{"staff"}}},
			`no official has role "admin"`},
		{"head gone", cfg.Units, cfg.Officials[1:], `units[0].head: official "o-a" is not defined`},
		{"bad phone", cfg.Units, append([]Official{{ID: "o-x", Name: "X", Phone: "12345", Unit: "u1", Roles: []string{"admin"}}}, cfg.Officials...),
			`officials[0].phone: "12345" is not an 11-digit mobile number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cfg.CheckPeople(c.units, c.officials)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to say %q", err, c.want)
			}
			if cfg.People() != before {
				t.Error("a refused directory replaced the live one")
			}
		})
	}
}

// Rank answers the same from the index as from a scan.
func TestRankIndexedMatchesScan(t *testing.T) {
	for name, cfg := range configs(t) {
		t.Run(name, func(t *testing.T) {
			for id, want := range map[string]int{"o-a": RankUnitHead, "o-b": RankLeader, "o-c": RankStaff, "nobody": RankStaff} {
				if got := cfg.Rank(id); got != want {
					t.Errorf("Rank(%s) = %d, want %d", id, got, want)
				}
			}
		})
	}
}
