package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"fits", "abc", 3, "abc"},
		{"ascii", "abcdef", 4, "abc…"},
		{"han", "一二三四五六", 4, "一二三…"},
		{"emoji count twice", "🚨🚨🚨🚨", 6, "🚨🚨…"},
		{"no half surrogate pair", "a🚨🚨", 3, "a…"},
		{"trailing space dropped", "ab   cdefgh", 6, "ab…"},
		{"skin tone stays", "👍🏽👍🏽👍🏽", 9, "👍🏽👍🏽…"},
		{"skin tone not split off", "👍🏽👍🏽👍🏽", 7, "👍🏽…"},
		{"zwj sequence whole", "x👩\u200d🚒y", 5, "x…"},
		{"variation selector stays", "⚠️⚠️⚠️", 5, "⚠️⚠️…"},
		{"variation selector not split off", "⚠️⚠️⚠️", 4, "⚠️…"},
		{"flag pairs", "🇨🇳🇨🇳🇨🇳", 11, "🇨🇳🇨🇳…"},
		{"flag not halved", "🇨🇳🇨🇳🇨🇳", 8, "🇨🇳…"},
		{"combining mark", "e\u0301e\u0301e\u0301", 4, "e\u0301…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutText(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("cutText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if n := utf16Len(got); n > tt.limit {
				t.Errorf("%q is %d units, over %d", got, n, tt.limit)
			}
			if !utf8.ValidString(got) {
				t.Errorf("%q is not valid UTF-8", got)
			}
		})
	}
}

func TestFitText(t *testing.T) {
	call := "🔴 红色叫应 20261130-0001\n标题：" + strings.Repeat("🚨", 3000) + "\n请在 15:10 前应答（10 分钟）"
	tests := []struct {
		name, in string
		limit    int
		want     func(string) bool
	}{
		{"fits unchanged", "短消息\n第二行", 4096, func(s string) bool { return s == "短消息\n第二行" }},
		{"call keeps its head and deadline", call, 4096, func(s string) bool {
			return strings.HasPrefix(s, "🔴 红色叫应 20261130-0001\n标题：🚨") &&
				strings.HasSuffix(s, "🚨…\n请在 15:10 前应答（10 分钟）")
		}},
		{"long last line is cut like the rest", strings.Repeat("长", 10) + "\n" + strings.Repeat("尾", 100), 50,
			func(s string) bool {
				return strings.HasSuffix(s, "尾…") && strings.HasPrefix(s, strings.Repeat("长", 10)+"\n")
			}},
		{"one line", strings.Repeat("x", 5000), 4096, func(s string) bool {
			return s == strings.Repeat("x", 4095)+"…"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitText(tt.in, tt.limit)
			if n := utf16Len(got); n > tt.limit {
				t.Errorf("%d units, over %d", n, tt.limit)
			}
			if !tt.want(got) {
				t.Errorf("fitText = %q", got)
			}
		})
	}
}
