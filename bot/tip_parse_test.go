package bot

import "testing"

func TestParseTipWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		days int
		ok   bool
	}{
		{"3", 3, true}, {"3天", 3, true}, {" 15 日 ", 15, true}, {"7 days", 7, true}, {"365", 365, true},
		{"0", 0, false}, {"366", 366, false}, {"三天", 0, false}, {"-2", 0, false}, {"", 0, false}, {"2.5", 0, false},
	} {
		days, ok := parseDays(tc.in)
		if ok != tc.ok || ok && days != tc.days {
			t.Errorf("parseDays(%q) = %d, %v; want %d, %v", tc.in, days, ok, tc.days, tc.ok)
		}
	}
	for _, tc := range []struct {
		in           string
		verified, ok bool
	}{
		{"属实", true, true}, {"Verified", true, true}, {"不属实", false, true}, {"unverified", false, true},
		{"属", false, false}, {"", false, false},
	} {
		verified, ok := parseVerdict(tc.in)
		if verified != tc.verified || ok != tc.ok {
			t.Errorf("parseVerdict(%q) = %v, %v; want %v, %v", tc.in, verified, ok, tc.verified, tc.ok)
		}
	}
	for in, want := range map[string]bool{"T2611-0007": true, "t2611-0007": true, "T2611-000123": true,
		"T2611-07": false, "2611-0007": false, "T2611-0007x": false, "close": false} {
		if got := tipRefRE.MatchString(in); got != want {
			t.Errorf("tipRefRE(%q) = %v, want %v", in, got, want)
		}
	}
}
