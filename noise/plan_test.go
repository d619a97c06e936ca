package noise

import "testing"

func TestParseItem(t *testing.T) {
	tests := []struct {
		id, duty, unit string
		ok             bool
	}{
		{"14.2/yjb/2026-10-08", "14.2 2026-10-08", "yjb", true},
		{"3.1/dzb/2026-Q1", "3.1 2026-Q1", "dzb", true},
		{"8.3/v-hangu/2026-W13", "8.3 2026-W13", "v-hangu", true},
		{"14.2/~o-wumin/2026-10-08", "14.2 2026-10-08", "~o-wumin", true},
		{"3.1/*/2026-Q4", "3.1 2026-Q4", "*", true},
		{"14.2/yjb", "", "", false},
		{"14.2//2026", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range tests {
		duty, unit, ok := parseItem(tc.id)
		if duty != tc.duty || unit != tc.unit || ok != tc.ok {
			t.Errorf("parseItem(%q) = %q, %q, %v; want %q, %q, %v", tc.id, duty, unit, ok, tc.duty, tc.unit, tc.ok)
		}
	}
}

func TestButtonItem(t *testing.T) {
	tests := []struct {
		data, id string
		ok       bool
	}{
		{"td:0:14.2/yjb/2026-10-08", "14.2/yjb/2026-10-08", true},
		{"tq:3:19.2/cgdd/2026-11", "19.2/cgdd/2026-11", true},
		{"ra:inspection:1765000000", "", false},
		{"td:x:14.2/yjb/2026-10-08", "", false},
		{"td:0:", "", false},
		{"ack:20261207-0001", "", false},
	}
	for _, tc := range tests {
		id, ok := buttonItem(tc.data)
		if id != tc.id || ok != tc.ok {
			t.Errorf("buttonItem(%q) = %q, %v; want %q, %v", tc.data, id, ok, tc.id, tc.ok)
		}
	}
}
