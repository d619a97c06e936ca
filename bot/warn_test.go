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
		groups  []string
		isUnits bool
		bad     string
	}{
		{"", nil, nil, false, ""},
		{"全镇", nil, nil, true, ""},
		{"ALL", nil, nil, true, ""},
		{"yjb", []string{"yjb"}, nil, true, ""},
		{"YJB", []string{"yjb"}, nil, true, ""},
		{"应急办,党政办", []string{"yjb", "dzb"}, nil, true, ""},
		{"党政办、应急办，党政办", []string{"dzb", "yjb"}, nil, true, ""},
		{"应急办,火星办", nil, nil, true, "火星办"},
		{"明天有暴雨", nil, nil, false, ""}, // the text, not units
		{"防汛群", nil, []string{"g-flood"}, true, ""},
		{"党政办,g-flood,防汛群", []string{"dzb"}, []string{"g-flood"}, true, ""},
		{"防汛群,火星群", nil, nil, true, "火星群"},
	}
	for _, tt := range tests {
		units, groups, isUnits, bad := b.parseWarnUnits(tt.word)
		if !slices.Equal(units, tt.units) || !slices.Equal(groups, tt.groups) || isUnits != tt.isUnits || bad != tt.bad {
			t.Errorf("parseWarnUnits(%q) = %v, %v, %v, %q; want %v, %v, %v, %q", tt.word, units, groups, isUnits, bad,
				tt.units, tt.groups, tt.isUnits, tt.bad)
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
