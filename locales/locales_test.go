package locales

import (
	"strings"
	"testing"
)

func TestBothLanguagesDefineTheSameMessages(t *testing.T) {
	c, err := New(ZH)
	if err != nil {
		t.Fatal(err)
	}
	zh, en := c.IDs(ZH), c.IDs(EN)
	if strings.Join(zh, ",") != strings.Join(en, ",") {
		missing := map[string][]string{}
		in := func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		}
		for _, id := range zh {
			if !in(en, id) {
				missing["en"] = append(missing["en"], id)
			}
		}
		for _, id := range en {
			if !in(zh, id) {
				missing["zh-CN"] = append(missing["zh-CN"], id)
			}
		}
		t.Fatalf("message ids differ: %v", missing)
	}
	if len(zh) < 50 {
		t.Fatalf("only %d messages loaded", len(zh))
	}
}

func TestTranslate(t *testing.T) {
	c, err := New(ZH)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, id string
		data     map[string]any
		want     string
	}{
		{ZH, "ToastAcked", map[string]any{"Time": "08:05"}, "已确认收到（08:05）"},
		{EN, "ToastAcked", map[string]any{"Time": "08:05"}, "Acknowledged (08:05)"},
		{"fr", "ToastAcked", map[string]any{"Time": "08:05"}, "已确认收到（08:05）"}, // unknown language: default
		{ZH, "NoSuchMessage", nil, "NoSuchMessage"},
		{EN, "AlertPreview", map[string]any{"Level": "L", "Targets": "T", "Title": "X", "Body": ""}, "Please confirm:\nLevel: L\nRecipients: T\nTitle: X"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.id, tt.data); got != tt.want {
			t.Errorf("T(%s, %s) = %q, want %q", tt.lang, tt.id, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{"zh-hans": ZH, "zh-CN": ZH, "ZH": ZH, "en-US": EN, "en": EN, "fr": "", "": ""} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewRejectsUnknownDefault(t *testing.T) {
	if _, err := New("fr"); err == nil {
		t.Fatal("want error")
	}
}
