package rota

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/workcal"
)

var cst = time.FixedZone("CST", 8*3600)

// testService is a Service without storage, for what needs none.
func testService(t testing.TB) *Service {
	t.Helper()
	cal, err := workcal.New(cst, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Location: cst, Language: locales.ZH,
		Units:     []config.Unit{{ID: "yjb", Name: "应急办", Head: "o-wu"}},
		Officials: []config.Official{{ID: "o-wu", Name: "吴敏", Unit: "yjb"}},
		Roster: config.Roster{DayStarts: "08:00", Office: "yjb",
			ImportantDates: []config.DateRange{{Name: "全国两会", From: "2027-03-04", To: "2027-03-11"}}}}
	return &Service{cfg: cfg, cal: cal, tr: tr, loc: cst}
}

func TestParsePeriod(t *testing.T) {
	s := testService(t)
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, cst) // a Monday
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 8, 0, 0, 0, cst) }
	tests := []struct {
		args     string
		now      time.Time
		from, to time.Time
		name     string
		refusal  string
	}{
		{"", now, at(2026, 11, 30), at(2026, 12, 7), "", ""},
		{"", time.Date(2026, 12, 6, 23, 0, 0, 0, cst), at(2026, 11, 30), at(2026, 12, 7), "", ""}, // Sunday
		{"2026-10-01", now, at(2026, 10, 1), at(2026, 10, 8), "", ""},
		{"2026/10/1 2026年10月3日", now, at(2026, 10, 1), at(2026, 10, 4), "", ""},
		{"12-24 12-24", now, at(2026, 12, 24), at(2026, 12, 25), "", ""},
		{"国庆", now, at(2026, 10, 1), at(2026, 10, 8), "国庆节", ""}, // 53 days ago beats 305 days ahead
		{"国庆", time.Date(2027, 6, 1, 0, 0, 0, 0, cst), at(2027, 10, 1), at(2027, 10, 8), "国庆节", ""},
		{"国庆 2026", time.Date(2027, 6, 1, 0, 0, 0, 0, cst), at(2026, 10, 1), at(2026, 10, 8), "国庆节", ""},
		{"2027年春节", now, at(2027, 2, 5), at(2027, 2, 14), "春节", ""},
		{"元旦", time.Date(2027, 1, 2, 12, 0, 0, 0, cst), at(2027, 1, 1), at(2027, 1, 4), "元旦节", ""}, // in progress
		{"两会", now, at(2027, 3, 4), at(2027, 3, 12), "全国两会", ""},
		{"2026-02-30", now, time.Time{}, time.Time{}, "", "RotaRosterBadDate"},
		{"2026-12-09 2026-12-01", now, time.Time{}, time.Time{}, "", "RotaRosterBackwards"},
		{"2026-01-01 2026-03-04", now, time.Time{}, time.Time{}, "", "RotaRosterTooLong"},
		{"2026-12-01 x", now, time.Time{}, time.Time{}, "", "RotaRosterBadDate"},
		{"重阳", now, time.Time{}, time.Time{}, "", "RotaRosterUnknownName"},
		{"2026", now, time.Time{}, time.Time{}, "", "RotaRosterUsage"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			p, err := s.ParsePeriod(tc.args, tc.now)
			if tc.refusal != "" {
				var r *Refusal
				if !errors.As(err, &r) || r.Key != tc.refusal {
					t.Fatalf("ParsePeriod(%q) = %+v, %v; want refusal %s", tc.args, p, err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePeriod(%q): %v", tc.args, err)
			}
			if !p.From.Equal(tc.from) || !p.To.Equal(tc.to) || p.Name != tc.name {
				t.Errorf("ParsePeriod(%q) = %s – %s %q, want %s – %s %q", tc.args, p.From, p.To, p.Name, tc.from, tc.to, tc.name)
			}
		})
	}
}

func TestDutySteps(t *testing.T) {
	s := testService(t)
	steps := []config.Step{
		{After: config.Duration(10 * time.Minute), Action: config.ActionRemind},
		{After: config.Duration(15 * time.Minute), Action: config.ActionEscalate, To: config.ToShiftLeader},
		{After: config.Duration(30 * time.Minute), Action: config.ActionEscalate, To: config.ToOfficeHead},
		{After: config.Duration(45 * time.Minute), Action: config.ActionEscalate, To: config.ToPrincipal},
	}
	tests := []struct {
		name    string
		leaders []string
		office  string
		scale   float64
		want    []callout.Step
	}{
		{"named people", []string{"o-liu", "o-he"}, "yjb", 1, []callout.Step{
			{After: 10 * time.Minute, Action: "remind"},
			{After: 15 * time.Minute, Action: "escalate", To: "official:o-liu,o-he", Role: "shift_leader"},
			{After: 30 * time.Minute, Action: "escalate", To: "official:o-wu", Role: "office_head"},
			{After: 45 * time.Minute, Action: "escalate", To: "principal"}}},
		{"nobody to name is left out", nil, "", 1, []callout.Step{
			{After: 10 * time.Minute, Action: "remind"},
			{After: 45 * time.Minute, Action: "escalate", To: "principal"}}},
		{"scaled", []string{"o-liu"}, "yjb", 0.2, []callout.Step{
			{After: 2 * time.Minute, Action: "remind"},
			{After: 3 * time.Minute, Action: "escalate", To: "official:o-liu", Role: "shift_leader"},
			{After: 6 * time.Minute, Action: "escalate", To: "official:o-wu", Role: "office_head"},
			{After: 9 * time.Minute, Action: "escalate", To: "principal"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.cfg.Roster.Office = tc.office
			if got := s.dutySteps(steps, tc.leaders, tc.scale); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("dutySteps = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestHours(t *testing.T) {
	s := testService(t)
	tests := []struct {
		from, to time.Time
		want     string
	}{
		{time.Date(2026, 12, 1, 8, 0, 0, 0, cst), time.Date(2026, 12, 2, 8, 0, 0, 0, cst), "12-01（周二）08:00–次日08:00"},
		{time.Date(2026, 12, 1, 8, 30, 0, 0, cst), time.Date(2026, 12, 1, 17, 30, 0, 0, cst), "12-01（周二）08:30–17:30"},
		{time.Date(2026, 12, 31, 8, 0, 0, 0, cst), time.Date(2027, 1, 3, 8, 0, 0, 0, cst), "12-31（周四）08:00–01-03 08:00"},
		// Stored in UTC, shown in the town's time.
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), "12-01（周二）08:00–次日08:00"},
	}
	for _, tc := range tests {
		if got := s.Hours(locales.ZH, Shift{Start: tc.from, End: tc.to}); got != tc.want {
			t.Errorf("Hours(%s, %s) = %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestButtonData(t *testing.T) {
	for _, tc := range []struct {
		data   string
		op, id string
		ok     bool
	}{
		{SwapData(SwapAccept, "12"), "a", "12", true},
		{SwapData(SwapReject, "3"), "n", "3", true},
		{"sw:x:3", "", "", false},
		{"sw:a:", "", "", false},
		{"sw:a", "", "", false},
		{"rh:1", "", "", false},
	} {
		op, id, ok := ParseSwapData(tc.data)
		if op != tc.op || id != tc.id || ok != tc.ok {
			t.Errorf("ParseSwapData(%q) = %q %q %v", tc.data, op, id, ok)
		}
		if len(tc.data) > 64 {
			t.Errorf("%q is longer than Telegram's 64 bytes", tc.data)
		}
	}
	if id, ok := ParseHandoverData(HandoverData("20261201-0800b")); !ok || id != "20261201-0800b" {
		t.Errorf("handover data round trip: %q %v", id, ok)
	}
	if _, ok := ParseHandoverData("rh:"); ok {
		t.Error("empty handover data accepted")
	}
	for _, k := range []string{deadlineKey(actStart, "20261201-0800"), deadlineKey(actDayBefore, "x:y")} {
		action, id, ok := parseDeadlineKey(k)
		if !ok || deadlineKey(action, id) != k {
			t.Errorf("deadline key %q parsed to %q %q %v", k, action, id, ok)
		}
	}
}
