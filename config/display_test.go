package config

import (
	"testing"
	"time"
)

// Deadlines are shown to the minute, and to the second when the timings
// are sped up (the sandbox sets ShowSeconds).
func TestDeadlineTime(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 2, 58, 30, 0, time.UTC) // 10:58:30 in Shanghai
	for _, tc := range []struct {
		seconds bool
		want    string
	}{
		{false, "10:58"},
		{true, "10:58:30"},
	} {
		c := &Config{Location: sh, ShowSeconds: tc.seconds}
		if got := c.DeadlineTime(at); got != tc.want {
			t.Errorf("ShowSeconds=%v: %q, want %q", tc.seconds, got, tc.want)
		}
	}
}
