package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"dutybot/callout"
	"dutybot/config"
)

func TestParseCommand(t *testing.T) {
	name32 := strings.Repeat("a", 32)
	name33 := strings.Repeat("a", 33)
	tests := []struct {
		username string
		text     string
		want     command
		ok       bool
	}{
		{"hangu_duty_bot", "/status", command{name: "status"}, true},
		{"hangu_duty_bot", "/status@hangu_duty_bot", command{name: "status"}, true},
		{"hangu_duty_bot", "/status@Hangu_Duty_Bot", command{name: "status"}, true},
		{"hangu_duty_bot", "/status@otherbot", command{}, false},
		{"hangu_duty_bot", "/status@otherbot some args", command{}, false},
		{"", "/status@otherbot", command{name: "status"}, true}, // username not known yet
		{"hangu_duty_bot", "/Status", command{name: "status"}, true},
		{"hangu_duty_bot", "/ALERT", command{name: "alert"}, true},
		{"hangu_duty_bot", "/alert red all 标题 | 正文", command{name: "alert", args: "red all 标题 | 正文"}, true},
		{"hangu_duty_bot", "/alert@hangu_duty_bot 红 all 标题", command{name: "alert", args: "红 all 标题"}, true},
		{"hangu_duty_bot", "/alert   红 all   标题  ", command{name: "alert", args: "红 all   标题"}, true},
		{"hangu_duty_bot", "/alert\n红 all 标题\n第二行", command{name: "alert", args: "红 all 标题\n第二行"}, true},
		{"hangu_duty_bot", "/close 20261130-0001", command{name: "close", args: "20261130-0001"}, true},
		{"hangu_duty_bot", "/", command{}, false},
		{"hangu_duty_bot", "/ status", command{}, false},
		{"hangu_duty_bot", "hello", command{}, false},
		{"hangu_duty_bot", "", command{}, false},
		{"hangu_duty_bot", "status", command{}, false},
		{"hangu_duty_bot", "//status", command{}, false},
		{"hangu_duty_bot", "/cmd_with_underscore", command{name: "cmd_with_underscore"}, true},
		{"hangu_duty_bot", "/start2", command{name: "start2"}, true},
		{"hangu_duty_bot", "  /status  ", command{name: "status"}, true},
		{"hangu_duty_bot", "\t\n/help", command{name: "help"}, true},
		{"hangu_duty_bot", "/" + name32, command{name: name32}, true},
		{"hangu_duty_bot", "/" + name33, command{}, false},
		{"hangu_duty_bot", "/状态", command{}, false},
		{"hangu_duty_bot", "/status@", command{}, false},
		{"hangu_duty_bot", "/status-now", command{}, false},
		{"hangu_duty_bot", "/status,", command{}, false},
		{"hangu_duty_bot", "hi /status", command{}, false},
	}
	for _, tt := range tests {
		b := &Bot{username: tt.username}
		got, ok := b.parseCommand(tt.text)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseCommand(%q) with username %q = %+v, %v; want %+v, %v", tt.text, tt.username, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13800000001", "138****0001"},
		{"13912345678", "139****5678"},
		{"+8613800000001", "+86*******0001"},
		{"12345678", "123*5678"},
		{"1234567", "1234567"},
		{"123", "123"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := maskPhone(tt.in); got != tt.want {
			t.Errorf("maskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Whatever comes in, the middle never shows and the result stays
	// valid UTF-8 (it goes into a Telegram message and the event log).
	for _, in := range []string{"13800000001", "+86 138 0000 0001"} {
		got := maskPhone(config.NormalizePhone(in))
		if strings.Contains(got, "0000000") || !utf8.ValidString(got) {
			t.Errorf("maskPhone(%q) = %q", in, got)
		}
	}
}

func TestMaskPhoneMultibyte(t *testing.T) {
	// A forged contact card can carry any text as its phone number; a
	// refused binding masks it into an admin message.
	in := config.NormalizePhone("１３８０００００００１") // full-width digits
	if got := maskPhone(in); !utf8.ValidString(got) {
		t.Errorf("maskPhone cut a multi-byte character: %q", strings.ToValidUTF8(got, "\uFFFD"))
	}
}

func TestToggle(t *testing.T) {
	tests := []struct {
		list []string
		v    string
		want []string
	}{
		{nil, "yjb", []string{"yjb"}},
		{[]string{"yjb"}, "yjb", []string{}},
		{[]string{"yjb"}, "dzb", []string{"yjb", "dzb"}},
		{[]string{"yjb", "dzb", "cgdd"}, "dzb", []string{"yjb", "cgdd"}},
		{[]string{"yjb", "dzb", "cgdd"}, "yjb", []string{"dzb", "cgdd"}},
		{[]string{"yjb", "dzb", "cgdd"}, "cgdd", []string{"yjb", "dzb"}},
	}
	for _, tt := range tests {
		orig := append([]string(nil), tt.list...)
		got := toggle(tt.list, tt.v)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("toggle(%v, %q) = %v, want %v", tt.list, tt.v, got, tt.want)
		}
		if strings.Join(tt.list, ",") != strings.Join(orig, ",") {
			t.Errorf("toggle(%v, %q) changed its input to %v", orig, tt.v, tt.list)
		}
	}
	// Toggling twice restores the selection.
	sel := []string{"yjb", "dzb"}
	sel = toggle(toggle(sel, "cgdd"), "cgdd")
	if strings.Join(sel, ",") != "yjb,dzb" {
		t.Errorf("double toggle = %v", sel)
	}
}

const testYAML = `
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal, admin]}
groups:
  - {id: g-flood, name: 防汛群, units: [yjb]}
`

func testBot(t *testing.T) *Bot {
	t.Helper()
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	return &Bot{Deps: Deps{Config: cfg}, username: "hangu_duty_bot"}
}

func TestParseOneLine(t *testing.T) {
	b := testBot(t)
	tests := []struct {
		args    string
		want    callout.Request
		wantErr string
	}{
		{args: "红 all 暴雨红色预警 | 请立即到岗",
			want: callout.Request{Level: "red", Title: "暴雨红色预警", Body: "请立即到岗", Targets: callout.Targets{All: true}}},
		{args: "红色 全体 暴雨", want: callout.Request{Level: "red", Title: "暴雨", Targets: callout.Targets{All: true}}},
		{args: "red all t", want: callout.Request{Level: "red", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "RED all t", want: callout.Request{Level: "red", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "I all t", want: callout.Request{Level: "red", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "1 all t", want: callout.Request{Level: "red", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "橙 all t", want: callout.Request{Level: "orange", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "Orange all t", want: callout.Request{Level: "orange", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "ii all t", want: callout.Request{Level: "orange", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "黄色 all t", want: callout.Request{Level: "yellow", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "III all t", want: callout.Request{Level: "yellow", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "3 all t", want: callout.Request{Level: "yellow", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "蓝 all t", want: callout.Request{Level: "blue", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "blue all t", want: callout.Request{Level: "blue", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "iv all t", want: callout.Request{Level: "blue", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "4 all t", want: callout.Request{Level: "blue", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "红 yjb 标题",
			want: callout.Request{Level: "red", Title: "标题", Targets: callout.Targets{Units: []string{"yjb"}}}},
		{args: "红 o-he 标题",
			want: callout.Request{Level: "red", Title: "标题", Targets: callout.Targets{Officials: []string{"o-he"}}}},
		{args: "红 role:duty_leader 标题",
			want: callout.Request{Level: "red", Title: "标题", Targets: callout.Targets{Roles: []string{"duty_leader"}}}},
		{args: "红 role:x 标题", // role names are checked when the alert is created
			want: callout.Request{Level: "red", Title: "标题", Targets: callout.Targets{Roles: []string{"x"}}}},
		{args: "红 yjb,o-he,role:principal,,dzb, 多 个 词 的 标题 | 正文",
			want: callout.Request{Level: "red", Title: "多 个 词 的 标题", Body: "正文",
				Targets: callout.Targets{Units: []string{"yjb", "dzb"}, Officials: []string{"o-he"}, Roles: []string{"principal"}}}},
		{args: "红 all,yjb t", want: callout.Request{Level: "red", Title: "t",
			Targets: callout.Targets{All: true, Units: []string{"yjb"}}}},
		{args: "红 all t|b", want: callout.Request{Level: "red", Title: "t", Body: "b", Targets: callout.Targets{All: true}}},
		{args: "红 all t | a | b", want: callout.Request{Level: "red", Title: "t", Body: "a | b", Targets: callout.Targets{All: true}}},
		{args: "红 all t |", want: callout.Request{Level: "red", Title: "t", Targets: callout.Targets{All: true}}},
		{args: "红 all t | 第一行\n第二行 ", want: callout.Request{Level: "red", Title: "t", Body: "第一行\n第二行",
			Targets: callout.Targets{All: true}}},
		{args: "红 all\tt\u3000x", want: callout.Request{Level: "red", Title: "t x", Targets: callout.Targets{All: true}}},

		{args: "紫 all t", wantErr: "level must be blue, yellow, orange or red"},
		{args: "all 红 t", wantErr: "level must be"},
		{args: "红 nosuch t", wantErr: `unknown target "nosuch" (a unit id, an official id, role:<role> or all)`},
		{args: "红 yjb,nosuch t", wantErr: `unknown target "nosuch"`},
		{args: "红 ALL t", wantErr: `unknown target "ALL"`},
		{args: "红 all", wantErr: "need <level> <targets> <title>"},
		{args: "红", wantErr: "need <level> <targets> <title>"},
		{args: "", wantErr: "need <level> <targets> <title>"},
		{args: "红 all | 正文", wantErr: "need <level> <targets> <title>"},
		{args: "| 红 all t", wantErr: "need <level> <targets> <title>"},
	}
	for _, tt := range tests {
		got, err := b.parseOneLine(tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseOneLine(%q) = %+v, %v; want error %q", tt.args, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseOneLine(%q): %v", tt.args, err)
			continue
		}
		if !sameRequest(got, tt.want) {
			t.Errorf("parseOneLine(%q) =\n %+v\nwant\n %+v", tt.args, got, tt.want)
		}
	}
}

func sameRequest(a, b callout.Request) bool {
	j := func(s []string) string { return strings.Join(s, ",") }
	return a.Level == b.Level && a.Title == b.Title && a.Body == b.Body && a.Kind == b.Kind &&
		a.Issuer == b.Issuer && a.Source == b.Source && a.Targets.All == b.Targets.All &&
		j(a.Targets.Units) == j(b.Targets.Units) && j(a.Targets.Officials) == j(b.Targets.Officials) &&
		j(a.Targets.Roles) == j(b.Targets.Roles)
}

// Every level alias maps to a real level.
func TestLevelAliases(t *testing.T) {
	for alias, level := range levelAliases {
		if !strings.Contains(" blue yellow orange red ", " "+level+" ") {
			t.Errorf("alias %q maps to %q", alias, level)
		}
		if alias != strings.ToLower(alias) {
			t.Errorf("alias %q is not lower case; parseOneLine lowers what people type", alias)
		}
	}
	for _, l := range config.Levels {
		if levelAliases[l] != l {
			t.Errorf("level %q is not its own alias", l)
		}
	}
}

func TestParseItemCount(t *testing.T) {
	tests := []struct {
		in    string
		n     int
		note  string
		valid bool
	}{
		{"35", 35, "", true},
		{"35人", 35, "", true},
		{"35 已全部撤离", 35, "已全部撤离", true},
		{"35，已全部撤离", 35, "已全部撤离", true},
		{"已撤离 35 人", 35, "已撤离 35 人", true},
		{"共转移群众35名，无人员伤亡", 35, "共转移群众35名，无人员伤亡", true},
		{"evacuated 12 people", 12, "evacuated 12 people", true},
		{"0", 0, "", true},
		{"大概三十多人", 0, "", false},
		{"3 组转移 35 人", 3, "组转移 35 人", true}, // a leading number is the count
		{"已转移 3 户 12 人", 0, "", false},      // two numbers: which one?
		{"已撤离 123456789 人", 0, "", false},   // no count has nine digits
		{"", 0, "", false},
	}
	for _, tt := range tests {
		n, note, ok := parseItemCount(tt.in)
		if ok != tt.valid || n != tt.n || note != tt.note {
			t.Errorf("parseItemCount(%q) = %d, %q, %v; want %d, %q, %v", tt.in, n, note, ok, tt.n, tt.note, tt.valid)
		}
	}
}
