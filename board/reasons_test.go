package board

import (
	"strings"
	"testing"
	"time"

	"dutybot/callout"
)

// The steps under a recipient say why nobody was told, in the reader's
// language: 吴敏's own silence does not go to the unit head, for she is the
// unit head; 刘洋's does not go to the 分管领导, for he is the 分管领导 of
// his unit; 何军's does not go down to his 分管领导. None reads like a
// missing configuration.
func TestStepsSayWhyNobodyWasTold(t *testing.T) {
	yaml := strings.Replace(testYAML, "{id: dzb, name: 党政办, head: o-he, leader: o-he, tags: [yigang]}",
		"{id: dzb, name: 党政办, head: o-he, leader: o-liu, tags: [yigang]}", 1)
	if yaml == testYAML {
		t.Fatal("the test town changed: 党政办 not found")
	}
	f := newFixtureYAML(t, Options{}, yaml)
	id := f.alert("red", "暴雨红色预警", "o-wu", "o-liu", "o-he")
	f.deliver()
	f.advance(46 * time.Minute) // every step of the default policy: 10, 20, 30 and 45 minutes

	zh := f.section("zh-CN", "alerts")
	person := func(html, official string) string {
		t.Helper()
		i := strings.Index(html, `data-official="`+official+`"`)
		if i < 0 {
			t.Fatalf("no line of %s on the card:\n%s", official, html)
		}
		rest := html[i+1:]
		if j := strings.Index(rest, `data-official="`); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	contains(t, "吴敏 (zh)", person(zh, "o-wu"), "08:10 再次叫应", "08:20 未升级：本人即单位负责人，无需再升级",
		"08:30 升级至刘洋（分管领导）", "08:45 升级至何军（主要负责人）")
	contains(t, "刘洋 (zh)", person(zh, "o-liu"), "08:20 升级至何军（单位负责人）", "08:30 未升级：本人即分管领导，无需再升级",
		"08:45 升级至何军（主要负责人）")
	contains(t, "何军 (zh)", person(zh, "o-he"), "08:20 未升级：本人即单位负责人，无需再升级",
		"08:30 未升级：分管领导刘洋职级不高于本人，不向下升级", "08:45 未升级：本人即主要负责人，无需再升级")
	for _, wrong := range []string{"无单位负责人可升级", "无分管领导可升级", "无主要负责人可升级", "无可升级对象"} {
		if strings.Contains(zh, wrong) {
			t.Errorf("the card says %q:\n%s", wrong, zh)
		}
	}
	en := f.section("en", "alerts")
	contains(t, "吴敏 (en)", person(en, "o-wu"), "08:20 not escalated: they are the unit head themselves")
	contains(t, "刘洋 (en)", person(en, "o-liu"), "08:30 not escalated: they are the leader themselves")
	contains(t, "何军 (en)", person(en, "o-he"), "08:30 not escalated: the leader, 刘洋, does not rank above them",
		"08:45 not escalated: they are the principal themselves")
	if b := f.board(); len(b.Alerts) != 1 || b.Alerts[0].Alert.ID != id {
		t.Errorf("alerts %+v", b.Alerts)
	}
}

// Records written before reasons were typed keep their wording; a check-in
// escalated to its shift leader names the role the step was resolved from.
func TestStepWording(t *testing.T) {
	f := newFixture(t, Options{})
	at := start.Add(20 * time.Minute)
	tests := []struct {
		e      callout.Escalation
		zh, en string
	}{
		{callout.Escalation{Action: "remind", At: at, Note: "skipped: unreachable"}, "08:20 未能再次叫应（无法送达）", "08:20 not called again (unreachable)"},
		{callout.Escalation{Action: "escalate", To: "unit_head", At: at, Note: "skipped: no unit_head configured"},
			"08:20 未升级：无单位负责人可升级", "08:20 not escalated: no unit head to escalate to"},
		{callout.Escalation{Action: "escalate", To: "official:o-li", At: at, Note: "skipped: no official:o-li configured"},
			"08:20 未升级：无可升级对象", "08:20 not escalated: nobody to escalate to"},
		// The 带班领导's own check-in, as an older binary recorded it.
		{callout.Escalation{Action: "escalate", To: "official:o-duty", At: at, Note: "skipped: no official:o-duty configured"},
			"08:20 未升级：本人即升级对象，无需再升级", "08:20 not escalated: they are the one to escalate to themselves"},
		{callout.Escalation{Action: "escalate", To: "official:o-duty", Role: "shift_leader", At: at, Reason: callout.ReasonSelf},
			"08:20 未升级：本人即带班领导，无需再升级", "08:20 not escalated: they are the shift leader themselves"},
		{callout.Escalation{Action: "escalate", To: "official:o-duty", At: at, Reason: callout.ReasonSelf},
			"08:20 未升级：本人即升级对象，无需再升级", "08:20 not escalated: they are the one to escalate to themselves"},
		{callout.Escalation{Action: "escalate", To: "official:o-duty", Role: "shift_leader", At: at, People: []string{"o-duty"}},
			"08:20 升级至杜峰（带班领导）", "08:20 escalated to 杜峰 (shift leader)"},
		{callout.Escalation{Action: "escalate", To: "unit_head", At: at, Reason: callout.ReasonNoTarget},
			"08:20 未升级：无单位负责人可升级", "08:20 not escalated: no unit head to escalate to"},
	}
	for _, tc := range tests {
		for lang, want := range map[string]string{"zh-CN": tc.zh, "en": tc.en} {
			v := &view{tr: f.cat, Lang: lang}
			if got := f.srv.step(v, "o-duty", tc.e, at); got != want {
				t.Errorf("%s %+v: %q, want %q", lang, tc.e, got, want)
			}
		}
	}
}

// Why a recipient cannot be reached, in the reader's words; the Bot API's
// own answer is shown as it came.
func TestUnreachableWording(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct{ reason, zh, en string }{
		{callout.UnreachableUnbound, "未绑定", "not bound"},
		{callout.UnreachableBlocked, "已屏蔽机器人", "blocked the bot"},
		{callout.UnreachableStalled(10*time.Minute + 3*time.Second), "Telegram 10 分钟未接收", "Telegram did not take it for 10 min"},
		{"Bad Request: chat not found", "Bad Request: chat not found", "Bad Request: chat not found"},
	}
	for _, tc := range tests {
		for lang, want := range map[string]string{"zh-CN": tc.zh, "en": tc.en} {
			if got := unreachable(&view{tr: f.cat, Lang: lang}, tc.reason); got != want {
				t.Errorf("%s %q: %q, want %q", lang, tc.reason, got, want)
			}
		}
	}
}
