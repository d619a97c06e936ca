package config

import (
	"strings"
	"testing"
)

func TestGroupsValidation(t *testing.T) {
	cases := []struct {
		name   string
		groups string
		want   []string // each must appear in the error; none: valid
	}{
		{"valid, bound by chat_id", `
  - {id: g-flood, name: 防汛群, chat_id: -1001234567890, units: ["@yigang"]}
  - {id: g-safe, name: 安全生产群, roles: [leader], officials: [o-a]}`, nil},
		{"positive chat_id", `
  - {id: g-flood, name: 防汛群, chat_id: 12345, units: [u1]}`,
			[]string{`groups[0].chat_id: 12345 is positive; a group's chat id is negative`, "/bindgroup g-flood"}},
		{"duplicate id and chat_id", `
  - {id: g-flood, name: 防汛群, chat_id: -100, units: [u1]}
  - {id: g-flood, name: 防汛群二, chat_id: -100, units: [u2]}`,
			[]string{`groups[1].id: "g-flood" duplicates groups[0]`, `groups[1].chat_id: -100 duplicates groups[0].chat_id`}},
		{"unknown unit, tag, role and official", `
  - {id: g-x, name: X群, units: [nowhere, "@nosuch"], roles: [boss], officials: [o-zz]}`,
			[]string{`groups[0].units[0]: unit "nowhere" is not defined`, `groups[0].units[1]: no unit has tag "nosuch"`,
				`groups[0].roles[0]: "boss" is not one of`, `groups[0].officials[0]: official "o-zz" is not defined`}},
		{"nobody expected", `
  - {id: g-x, name: X群}`, []string{`groups[0]: nobody is expected to answer in the group`}},
		{"selects no official", `
  - {id: g-x, name: X群, units: [u2], roles: [principal]}`, []string{`groups[0]: its units, roles and officials select no official`}},
		{"bad id, empty name", `
  - {id: G Flood, name: " ", units: [u1]}`, []string{`groups[0].id: "G Flood" may contain only`, `groups[0].name: " " is empty`}},
		{"id of a unit or an official", `
  - {id: u1, name: 一群, units: [u1]}
  - {id: o-b, name: 二群, units: [u1]}`, []string{`groups[0].id: "u1" is already the id of a unit`, `groups[1].id: "o-b" is already the id of an official`}},
		{"unknown key", `
  - {id: g-x, name: X群, units: [u1], chat: -5, nmae: X}`, []string{`groups[0].chat: unknown key`, `groups[0].nmae: unknown key; did you mean "name"?`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(base + "groups:" + tc.groups + "\n"))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want errors %q, got none", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestGroupMembers(t *testing.T) {
	doc := base + `
groups:
  - {id: g-heads, name: 负责人群, units: ["@yigang"], roles: [unit_head]}
  - {id: g-mixed, name: 混合群, roles: [leader], officials: [o-a]}
  - {id: g-unit, name: 二群, units: [u2]}
`
	cfg, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(os []Official) string {
		var out []string
		for _, o := range os {
			out = append(out, o.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct{ group, want string }{
		{"g-heads", "o-a"}, // the head of the tagged unit, not the leader of u2
		{"g-mixed", "o-a,o-b"},
		{"g-unit", "o-b"},
		{"g-none", ""},
	} {
		if got := ids(cfg.GroupMembers(tc.group)); got != tc.want {
			t.Errorf("GroupMembers(%s) = %q, want %q", tc.group, got, tc.want)
		}
	}
	if g, ok := cfg.Group("g-mixed"); !ok || g.Name != "混合群" || g.ChatID != 0 {
		t.Errorf("Group(g-mixed) = %+v, %v", g, ok)
	}
}

func TestGroupRefsValidation(t *testing.T) {
	const groups = "groups:\n  - {id: g-flood, name: 防汛群, units: [u1]}\n"
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"known groups", groups + "roster:\n  group: g-flood\nweather:\n  groups: [g-flood]\n", nil},
		{"unknown roster group", groups + "roster:\n  group: g-nope\n", []string{`roster.group: group "g-nope" is not defined in groups`}},
		{"unknown and repeated weather groups", groups + "weather:\n  groups: [g-flood, g-x, g-flood]\n",
			[]string{`weather.groups[1]: group "g-x" is not defined in groups`, `weather.groups[2]: group "g-flood" is listed twice`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(base + tc.yaml))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want errors %q, got none", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
