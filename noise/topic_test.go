package noise

import (
	"testing"

	"dutybot/locales"
)

// textTopic recognises the messages as the locale files render them, in
// both languages.
func TestTextTopic(t *testing.T) {
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text func(lang string) string
		want string
	}{
		{"reminder", func(l string) string {
			return cat.T(l, "ReminderHeader", map[string]any{"Title": "工作日检查执法", "Date": "12-07"}) +
				"\n• 14.2 …\n  " + cat.T(l, "TasksDue", map[string]any{"Due": "12-07 18:00"})
		}, TopicReminder},
		{"countdown", func(l string) string {
			return cat.T(l, "ReminderHeader", map[string]any{"Title": "截止倒计时", "Date": "06-23"}) +
				"\n• 15.1 …\n  " + cat.T(l, "TasksDue", map[string]any{"Due": "06-30 18:00"}) + " · " +
				cat.T(l, "DaysLeft", map[string]any{"Days": 7})
		}, TopicCountdown},
		{"brief", func(l string) string {
			return cat.T(l, "BriefHeader", map[string]any{"Title": "每日了解掌握", "Date": "12-07"})
		}, TopicBrief},
		{"digest", func(l string) string {
			return cat.T(l, "DigestHeader", map[string]any{"Title": "上周任务完成情况", "From": "11-30", "To": "12-06"})
		}, TopicDigest},
		{"digest chart", func(l string) string { return cat.T(l, "DigestChartCaption", nil) }, TopicDigest},
		{"witness", func(l string) string {
			return cat.T(l, "LedgerWitness", map[string]any{"Date": "2026-12-07", "Time": "08:00", "Seq": 42, "Hash": "ab12"})
		}, TopicWitness},
		{"roster gaps", func(l string) string {
			return cat.T(l, "CoverageNoticeHeader", map[string]any{"DayStarts": "08:00"})
		}, TopicRoster},
		{"calendar missing", func(l string) string {
			return cat.T(l, "AdminCalendarMissing", map[string]any{"Year": 2027})
		}, TopicAdmin},
		{"unreachable", func(l string) string {
			return cat.T(l, "AdminUnreachable", map[string]any{"Name": "张明", "Unit": "应急办", "Alert": "1", "Title": "x", "Reason": "blocked"})
		}, TopicAdmin},
		{"anything else", func(l string) string {
			return cat.T(l, "TasksHeader", map[string]any{"Unit": "应急办", "Date": "12-07"})
		}, TopicOther},
	}
	for _, tc := range tests {
		for _, lang := range []string{locales.ZH, locales.EN} {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				text := tc.text(lang)
				if got := textTopic(text); got != tc.want {
					t.Errorf("textTopic(%q) = %q, want %q", text, got, tc.want)
				}
			})
		}
	}
}
