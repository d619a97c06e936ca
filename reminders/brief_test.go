package reminders

import (
	"strings"
	"testing"
	"time"

	"dutybot/rota"
	"dutybot/storage"
	"dutybot/weather"
)

func TestBriefShowsTodaysDutyAndWarnings(t *testing.T) {
	s, err := setup(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	loc := s.cfg.Location
	today := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	at := func(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, loc) }
	put := func(sh rota.Shift) {
		t.Helper()
		if err := s.db.Update(func(tx *storage.Tx) error { return rota.PutShift(tx, sh) }); err != nil {
			t.Fatal(err)
		}
	}
	lines := func() string {
		t.Helper()
		got, err := s.dutyLines("zh-CN", today)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := lines(); !strings.Contains(got, "今日未排值班") {
		t.Errorf("no shifts: %q", got)
	}
	// Yesterday's shift runs into today but is not today's duty.
	put(rota.Shift{ID: "y", Start: at(0, 8), End: at(1, 8), Leader: "o-lifang", Staff: []string{"o-wumin"}, Kind: "holiday"})
	put(rota.Shift{ID: "d", Start: at(1, 8), End: at(2, 8), Leader: "o-zhangming", Staff: []string{"o-wumin", "o-xutao"}, Kind: "holiday"})
	put(rota.Shift{ID: "x", Start: at(1, 8), End: at(2, 8), Leader: "o-lifang", Staff: []string{"o-sunli"}, Kind: rota.ShiftExtreme})
	got := lines()
	if want := "今日值班 08:00–10-02 08:00：带班 张明 · 值班 吴敏、徐涛"; !strings.Contains(got, want) {
		t.Errorf("brief lines %q lack %q", got, want)
	}
	if strings.Count(got, "今日值班") != 1 || strings.Contains(got, "孙丽") || strings.Contains(got, "预警") {
		t.Errorf("yesterday's or standby shift or a warning shown without duty mode: %q", got)
	}
	if err := s.db.Update(func(tx *storage.Tx) error {
		return weather.PutWarning(tx, weather.Warning{ID: "20261001-0001", Type: "rainstorm", Level: "red",
			State: weather.WarningActive, DutyMode: true, IssuedAt: at(1, 6)})
	}); err != nil {
		t.Fatal(err)
	}
	got = lines()
	if strings.Count(got, "今日值班") != 2 || !strings.Contains(got, "孙丽") || !strings.Contains(got, "生效中的气象预警 1 条") {
		t.Errorf("duty mode: standby shift and warning not shown: %q", got)
	}
}
