package phone

import (
	"testing"
	"time"
)

func TestE164(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13800001001", "+8613800001001", true},
		{"+86 138 0000 1001", "+8613800001001", true},
		{"138-0000-1001", "+8613800001001", true},
		{"0086 13800001001", "+8613800001001", true},
		{"023-68681234", "+862368681234", true}, // a landline with its area code
		{"(0755) 8376 3333", "+8675583763333", true},
		{"68681234", "", false}, // no area code
		{"12345", "", false},
		{"", "", false},
		{"00123456789", "", false},
		{"1380000100a", "", false},
	}
	for _, tc := range tests {
		got, ok := E164(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("E164(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSameNumber(t *testing.T) {
	for _, tc := range []struct {
		reported string
		want     bool
	}{{"13800001001", true}, {"+8613800001001", true}, {"8613800001001", true}, {"", true}, {"13900000000", false}} {
		if got := sameNumber(tc.reported, "+8613800001001"); got != tc.want {
			t.Errorf("sameNumber(%q) = %v, want %v", tc.reported, got, tc.want)
		}
	}
}

func TestConfirmCodeStableAndDistinct(t *testing.T) {
	a, b := confirmCode("A/sms/1/o-li"), confirmCode("B/sms/1/o-li")
	if a != confirmCode("A/sms/1/o-li") || len(a) != 4 || a == b {
		t.Errorf("codes %q and %q", a, b)
	}
}

func TestUsageCountsAndForgets(t *testing.T) {
	var u Usage
	now := mustTime("2026-12-03T08:00:00+08:00")
	u.add(now.Add(-25 * 3600e9))
	u.add(now.Add(-2 * 3600e9))
	u.add(now.Add(-30 * 60e9))
	if h, d := u.count(now, 3600e9), u.count(now, 24*3600e9); h != 1 || d != 2 || len(u.Times) != 2 {
		t.Errorf("hour %d, day %d, kept %d; want 1, 2, 2 (a day-old one forgotten)", h, d, len(u.Times))
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
