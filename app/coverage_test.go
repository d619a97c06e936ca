package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/api"
)

// at is a time on a date of 2026, Beijing time.
func at(m time.Month, d, hh, mm int) time.Time { return time.Date(2026, m, d, hh, mm, 0, 0, cst) }

// TestGapsBeforeNationalDay2026 runs the daily coverage check with the real
// working calendar under the fake clock: 中秋 (09-25..27) is covered and
// 国庆 (10-01..07) only up to 10-05. Nothing is reported more than seven
// days ahead; from 09-24 09:00 the office head (吴敏) and the admin hear of
// 10-06 and 10-07 every morning until the roster is filled.
func TestGapsBeforeNationalDay2026(t *testing.T) {
	h := newHarnessAt(t, harnessOpts{}, at(9, 23, 8, 0))
	h.bind(uWu)
	h.bind(uAdmin)
	h.bind(uZhang)
	var res api.ImportJSON
	rows := append(dayNight(date(9, 25), date(9, 27)), dayNight(date(10, 1), date(10, 5))...)
	if code := h.upload("国庆值班表.xlsx", rosterXLSX(t, "含谷镇2026年中秋国庆值班表", rows), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	if len(res.Gaps) != 2 || res.Gaps[0].Day != "2026-10-06" || res.Gaps[1].Day != "2026-10-07" || res.Gaps[0].Period != "国庆节" {
		t.Errorf("gaps after import = %+v", res.Gaps)
	}
	cov := h.app.Coverage
	waitNext := func(want time.Time) {
		t.Helper()
		h.eventually("next gap check at "+want.Format("01-02 15:04"), func() bool { return cov.NextRun().Equal(want) },
			func() string { return "next run " + cov.NextRun().String() })
	}
	notices := func(u int64) int { return len(h.messages(u, "值班表缺口")) }

	// 09-23 09:00: 国庆 begins in 8 days, 中秋 is covered: nothing.
	waitNext(at(9, 23, 9, 0))
	h.advanceTo(at(9, 23, 9, 0))
	waitNext(at(9, 24, 9, 0))
	if n := notices(uWu) + notices(uAdmin); n != 0 {
		t.Fatalf("%d gap notices on 09-23", n)
	}

	// 09-24 09:00: seven days ahead.
	h.advanceTo(at(9, 24, 9, 0))
	for _, u := range []int64{uWu, uAdmin} {
		m := h.waitMsg(u, "⚠️ 值班表缺口", "【国庆节】2026-10-01 至 2026-10-07", "10-06 至 10-07 全天无人值班（2 天）", "每天 09:00 复查")
		if strings.Contains(m.Text, "10-05") || strings.Contains(m.Text, "中秋") {
			t.Errorf("notice names covered days:\n%s", m.Text)
		}
	}
	waitNext(at(9, 25, 9, 0))
	if n := notices(uZhang); n != 0 {
		t.Errorf("staff got %d gap notices", n)
	}
	if ev := h.events("roster_gaps"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "国庆节: 10-06,10-07") {
		t.Errorf("events = %+v", ev)
	}

	// Restarting the same morning reports nothing twice.
	h.restart()
	cov = h.app.Coverage
	waitNext(at(9, 25, 9, 0))

	// 09-25: again.
	h.advanceTo(at(9, 25, 9, 0))
	h.eventually("second notice", func() bool { return notices(uWu) == 2 && notices(uAdmin) == 2 })
	waitNext(at(9, 26, 9, 0))

	// Filled: silent from then on.
	fill := dayNight(date(10, 6), date(10, 7))
	if code := h.upload("国庆补充.xlsx", rosterXLSX(t, "补充", fill), testAPIToken, &res); code != http.StatusOK || len(res.Gaps) != 0 {
		t.Fatalf("fill: %d %+v", code, res)
	}
	h.advanceTo(at(9, 26, 9, 0))
	waitNext(at(9, 27, 9, 0))
	time.Sleep(20 * time.Millisecond)
	if a, b := notices(uWu), notices(uAdmin); a != 2 || b != 2 {
		t.Errorf("notices after filling: 吴敏 %d, admin %d, want 2 each", a, b)
	}
	if n := len(h.events("roster_gaps")); n != 2 {
		t.Errorf("%d gap events, want 2", n)
	}
}
