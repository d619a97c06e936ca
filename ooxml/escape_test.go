package ooxml

import "testing"

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a_x000D_b", "a\rb"},
		{"_x005F_x000D_", "_x000D_"},
		{"tab_x0009_", "tab\t"},
		{"_xZZZZ_ stays", "_xZZZZ_ stays"},
		{"short _x00", "short _x00"},
		{"张三_x000A_李四", "张三\n李四"},
	}
	for _, tt := range tests {
		if got := Unescape(tt.in); got != tt.want {
			t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
