package noise

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// creditCode is a valid fictional 统一社会信用代码.
func creditCode(t *testing.T, n string) string {
	t.Helper()
	first := "91500106MA" + n
	c, ok := enterprise.CheckChar(first)
	if !ok {
		t.Fatalf("no check character for %s", first)
	}
	return first + string(c)
}

// registry is the small town's 挂牌企业: 刘洋 (分管领导 of 应急办 and 城管大队)
// is 行政负责人 of both, 吴敏 (head of 应急办) their 行业部门监管负责人; the
// machine works lies in 应急办's ground (whose 分管领导 刘洋 is), the mill
// in 城管大队's (whose head he is). Both owe item 19 and hold plaques.
func registry(t *testing.T) []enterprise.Enterprise {
	return []enterprise.Enterprise{
		{Code: creditCode(t, "0000001"), Name: "含谷机械厂", Industry: "industry_trade", Risk: "yellow",
			Admin: "o-liu", Supervisor: "o-wu", Head: storage.Contact{Name: "李老板", Phone: "13900000001"}, Unit: "yjb"},
		{Code: creditCode(t, "0000002"), Name: "含谷面粉厂", Industry: "industry_trade", Risk: "blue",
			Admin: "o-liu", Supervisor: "o-wu", Head: storage.Contact{Name: "王厂长", Phone: "13900000002"}, Unit: "cgdd"},
	}
}

// December 2026 in the small town with its registry: every inspection
// finds a hazard and half of them are 重大, so that the leaders' part of
// the loop is played. The two who owe item 19 inspect and solve problems
// as the quota asks, on time; the hazards run to 销号, some overdue first
// or sent back; every notice goes to someone the hazard concerns, one a
// step, and the hazard messages are counted apart from the routine
// pushes.
func TestSimulateHazardLoop(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(town))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, cfg.Location)
	var logs syncBuffer
	r, err := Simulate(context.Background(), Options{Config: cfg, From: from, To: from.AddDate(0, 1, 0), OnTime: 1, Seed: 4,
		Enterprises: registry(t), HazardShare: 1, MajorShare: 0.5,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatalf("Simulate: %v\nthe app's warnings:\n%s", err, logs.String())
	}
	var table bytes.Buffer
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", table.String())

	h := r.Hazards
	// 吴敏 and 刘洋 each: two inspections and two problems in December.
	if h.Inspections != 4 || h.Problems != 4 || h.Found != 4 || h.Major == 0 || h.Major == h.Found {
		t.Errorf("the loop: %+v; want 4 inspections, 4 problems, 4 hazards found, some of them 重大", h)
	}
	// The case the check is for is played: a 重大隐患 found by 吴敏, whose
	// 行政负责人 刘洋 is also the 分管领导 of its ground (told of the 交办
	// as a handler, of the 挂牌督办 as a leader: one notice, not two).
	if !slices.ContainsFunc(h.List, func(x hazard.Hazard) bool { return x.Level == hazard.LevelMajor && x.FoundBy == "o-wu" }) {
		t.Errorf("no 重大隐患 found by 吴敏 among %+v", h.List)
	}
	if h.Closed == 0 || h.Notices == 0 {
		t.Errorf("the loop closed %d hazards with %d notices", h.Closed, h.Notices)
	}
	if len(h.Stray) != 0 || len(h.Repeats) != 0 {
		t.Errorf("hazard messages to people they do not concern: %+v; told twice: %+v", h.Stray, h.Repeats)
	}
	var notices, calls int
	for _, o := range r.Officials {
		notices += o.Hazard
		calls += o.HazardCalls
		switch o.ID {
		case "o-wu", "o-liu":
			if o.Hazard == 0 || o.HazardPerMonth == 0 {
				t.Errorf("%s, on both plaques, got no hazard notice: %+v", o.ID, o)
			}
		case "o-zhang", "o-li", "o-admin":
			if o.Hazard+o.HazardCalls != 0 {
				t.Errorf("%s, whom no hazard concerns, got %d hazard notices and %d calls", o.ID, o.Hazard, o.HazardCalls)
			}
		}
		if o.PerMonth < float64(o.Hazard)/2 {
			t.Errorf("%s: %.1f messages a month, fewer than their hazard notices", o.ID, o.PerMonth)
		}
	}
	if notices != h.Notices || calls != h.Calls {
		t.Errorf("per official: %d notices and %d calls; in all: %d and %d", notices, calls, h.Notices, h.Calls)
	}
	// The hazard notices are counted apart from the routine pushes.
	for _, o := range r.Officials {
		if o.Routine+o.RoutineOff > o.Messages-o.Hazard-o.HazardCalls {
			t.Errorf("%s: %d routine pushes of %d messages, %d of them the hazard loop's", o.ID, o.Routine+o.RoutineOff,
				o.Messages, o.Hazard+o.HazardCalls)
		}
	}
	if !strings.Contains(table.String(), "hazard") || !strings.Contains(table.String(), "closed;") {
		t.Errorf("the table lacks the hazard loop:\n%s", table.String())
	}
}

// The check itself: a notice to someone the hazard does not concern, a
// leader told of a general hazard, and one step told twice are found; the
// same person told of two steps, or a leader of a 重大隐患, is not.
func TestHazardLoopFindsStrayAndRepeatedNotices(t *testing.T) {
	cfg, err := config.Parse([]byte(town))
	if err != nil {
		t.Fatal(err)
	}
	general := hazard.Hazard{ID: "H20261201-01", Level: hazard.LevelGeneral, Unit: "cgdd", FoundBy: "o-wu",
		Supervisor: "o-wu", Administrator: "o-zhang",
		History: []hazard.Step{{State: hazard.StateFound, By: "o-wu"}, {State: hazard.StateRectified, By: "o-li"}}}
	major := general
	major.ID, major.Level = "H20261201-02", hazard.LevelMajor
	notice := func(official, hz, step string) delivery {
		return delivery{official: official, kind: storage.RefInfo, op: storage.OpSend, topic: TopicHazard, alert: hz, step: step}
	}
	call := delivery{official: "o-he", kind: storage.RefCall, op: storage.OpSend, alert: "A1"}
	seen := []delivery{
		notice("o-zhang", general.ID, "inspect #1"), // 行政负责人
		notice("o-liu", general.ID, "inspect #1"),   // 城管大队's head
		notice("o-liu", general.ID, "fix"),          // another step
		notice("o-li", general.ID, "close"),         // fixed it
		notice("o-admin", general.ID, "inspect #1"), // nothing to do with it
		notice("o-he", general.ID, "inspect #1"),    // the principal, of a general hazard
		notice("o-zhang", general.ID, "inspect #1"), // told twice
		notice("o-he", major.ID, "inspect #2"),      // the principal, of a 重大隐患
		call,                                        // the overdue call of the general one, to the principal
		{official: "o-he", kind: storage.RefInfo, op: storage.OpSend, topic: TopicAgenda}, // not the loop's
	}
	alerts := map[string]alertInfo{"A1": {kind: "hazard", links: []string{"hazard:" + general.ID + "/2"}}}
	got := hazardLoop(cfg, HazardLoop{}, []hazard.Hazard{general, major}, seen, alerts)
	var stray, repeats []string
	for _, d := range got.Stray {
		stray = append(stray, d.Official+" "+d.Hazard+" "+d.Step)
	}
	for _, d := range got.Repeats {
		repeats = append(repeats, d.Official+" "+d.Hazard+" "+d.Step)
	}
	wantStray := []string{"o-admin " + general.ID + " inspect #1", "o-he " + general.ID + " inspect #1", "o-he " + general.ID + " call A1"}
	if !sameItems(stray, wantStray) {
		t.Errorf("stray %q, want %q", stray, wantStray)
	}
	if !slices.Equal(repeats, []string{"o-zhang " + general.ID + " inspect #1"}) || got.Repeats[0].N != 2 {
		t.Errorf("repeats %+v", got.Repeats)
	}
	if got.Notices != 8 || got.Calls != 1 {
		t.Errorf("%d notices and %d calls counted, want 8 and 1", got.Notices, got.Calls)
	}
}

func sameItems(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
