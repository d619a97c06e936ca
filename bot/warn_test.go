package bot

import (
	"slices"
	"testing"
)

func TestParseWarnUnits(t *testing.T) {
	b := testBot(t)
	tests := []struct {
		word    string
		units   []string
		isUnits bool
		bad     string
	}{
		{"", nil, false, ""},
		{"全镇", nil, true, ""},
		{"ALL", nil, true, ""},
		{"yjb", []string{"yjb"}, true, ""},
		{"YJB", []string{"yjb"}, true, ""},
		{"应急办,党政办", []string{"yjb", "dzb"}, true, ""},
		{"党政办、应急办，党政办", []string{"dzb", "yjb"}, true, ""},
		{"应急办,火星办", nil, true, "火星办"},
		{"明天有暴雨", nil, false, ""}, // the text, not units
	}
	for _, tt := range tests {
		units, isUnits, bad := b.parseWarnUnits(tt.word)
		if !slices.Equal(units, tt.units) || isUnits != tt.isUnits || bad != tt.bad {
			t.Errorf("parseWarnUnits(%q) = %v, %v, %q; want %v, %v, %q", tt.word, units, isUnits, bad, tt.units, tt.isUnits, tt.bad)
		}
	}
}

func TestCutWord(t *testing.T) {
	tests := []struct{ in, word, rest string }{
		{"", "", ""},
		{"lift", "lift", ""},
		{"  暴雨   红 全镇 text\nmore ", "暴雨", "红 全镇 text\nmore"},
		{"暴雨\n红", "暴雨", "红"},
		{"暴雨\u3000红", "暴雨", "红"},
	}
	for _, tt := range tests {
		if w, r := cutWord(tt.in); w != tt.word || r != tt.rest {
			t.Errorf("cutWord(%q) = %q, %q", tt.in, w, r)
		}
	}
}

func TestCountReply(t *testing.T) {
	tests := []struct {
		in, count, note string
		ok              bool
	}{
		{"35", "35", "", true},
		{" 35 已全部撤离", "35", "已全部撤离", true},
		{"35人，已全部撤离", "35", "已全部撤离", true},
		{"12处", "12", "", true},
		{"0 无户外作业", "0", "无户外作业", true},
		{"大概三十人", "", "", false},
		{"-5", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		m := countRE.FindStringSubmatch(tt.in)
		if (m != nil) != tt.ok || (m != nil && (m[1] != tt.count || m[2] != tt.note)) {
			t.Errorf("countRE(%q) = %q", tt.in, m)
		}
	}
}
