package board

import (
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// A call or sms step says whom it rang or texted and what became of it,
// as the chat's steps do, in the reader's language; a step that reached
// nobody says why.
func TestPhoneStepWording(t *testing.T) {
	f := newFixture(t, Options{})
	at := start.Add(8 * time.Minute)
	tests := []struct {
		e      callout.Escalation
		zh, en string
	}{
		{callout.Escalation{Action: "call", People: []string{"o-li"}, Results: map[string]string{"o-li": "pressed"}, At: at},
			"08:08 电话叫应：李芳（已按键确认）", "08:08 phone call: 李芳 (confirmed with the key)"},
		{callout.Escalation{Action: "call", To: "unit_head", People: []string{"o-wu"}, Results: map[string]string{"o-wu": "no_answer"}, At: at},
			"08:08 电话叫应单位负责人：吴敏（未接听）", "08:08 phone call to the unit head: 吴敏 (not picked up)"},
		{callout.Escalation{Action: "call", To: "official:o-wu,o-he", People: []string{"o-wu", "o-he"},
			Results: map[string]string{"o-wu": "answered", "o-he": "placed"}, At: at},
			"08:08 电话叫应：吴敏（已接听未按键）、何军（已拨出）", "08:08 phone call: 吴敏 (picked up, pressed nothing), 何军 (called)"},
		{callout.Escalation{Action: "sms", People: []string{"o-li"}, Results: map[string]string{"o-li": "delivered"}, At: at},
			"08:08 短信：李芳（已送达）", "08:08 SMS: 李芳 (delivered)"},
		{callout.Escalation{Action: "sms", To: "leader", People: []string{"o-liu"}, Results: map[string]string{"o-liu": "placed"}, At: at},
			"08:08 短信发给分管领导：刘洋（已发出）", "08:08 SMS to the leader: 刘洋 (sent)"},
		{callout.Escalation{Action: "sms", People: []string{"o-li"}, Results: map[string]string{"o-li": "held"}, At: at},
			"08:08 短信：李芳（受频次限制未发送）", "08:08 SMS: 李芳 (held back by the SMS limits)"},
		{callout.Escalation{Action: "call", People: []string{"o-li"}, At: at}, "08:08 电话叫应：李芳", "08:08 phone call: 李芳"},
		{callout.Escalation{Action: "call", Reason: callout.ReasonNoChannel, At: at},
			"08:08 未电话叫应：未配置电话服务", "08:08 no phone call: no phone service configured"},
		{callout.Escalation{Action: "call", To: "unit_head", People: []string{"o-wu"}, Results: map[string]string{"o-wu": "refused"},
			Reason: callout.ReasonNoPhone, At: at},
			"08:08 未电话叫应单位负责人：无可拨打的电话号码（吴敏）", "08:08 no phone call to the unit head: no number to call (吴敏)"},
		{callout.Escalation{Action: "sms", To: "unit_head", Reason: callout.ReasonSelf, Passed: []string{"o-duty"}, At: at},
			"08:08 未发短信给单位负责人：本人即升级对象（杜峰）", "08:08 no SMS to the unit head: they are the target themselves (杜峰)"},
	}
	for _, tc := range tests {
		for lang, want := range map[string]string{"zh-CN": tc.zh, "en": tc.en} {
			v := &view{tr: f.cat, Lang: lang}
			if got := f.srv.step(v, "o-duty", tc.e, at); got != want {
				t.Errorf("%s %+v:\n got %q\nwant %q", lang, tc.e, got, want)
			}
		}
	}
}

// phoneCard stores an alert as the engine and the phone channel leave it
// twenty minutes on: 张明 confirmed his call with the key; 李芳 did not
// pick up, and her unit head 吴敏, called about her, pressed the key; 陈杰
// picked up without pressing, got a text and was then held back by the
// call limits; 钱进 replied to his text. A second alert had no phone
// steps.
func phoneCard(t *testing.T, f *fixture) (phoned, plain string) {
	t.Helper()
	m := func(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }
	step := func(n int, action, to string, at time.Time, person, result string) callout.Escalation {
		return callout.Escalation{Step: n, Action: action, To: to, At: at, People: []string{person}, Results: map[string]string{person: result}}
	}
	put := func(id, title string, rs ...callout.Recipient) {
		f.update(func(tx *storage.Tx) error {
			if err := tx.AppendEvent(storage.Event{At: start, Type: storage.EvCreated, Alert: id, Actor: "api"}); err != nil {
				return err
			}
			if err := callout.PutAlert(tx, callout.Alert{ID: id, Level: "red", Title: title, Source: "api", CreatedAt: start,
				State: callout.AlertOpen, Total: len(rs)}); err != nil {
				return err
			}
			for _, r := range rs {
				r.AlertID, r.QueuedAt, r.SentAt = id, start, start
				if err := callout.PutRecipient(tx, r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	put("20261130-0001", "暴雨红色预警",
		callout.Recipient{Official: "o-zhang", State: callout.StateAcked, AckedAt: m(5), AckedBy: "o-zhang", AckedIn: callout.ChannelPhone,
			Escalations: []callout.Escalation{step(0, "call", "", m(3), "o-zhang", "pressed")}},
		callout.Recipient{Official: "o-li", State: callout.StateAcked, AckedAt: m(9), AckedBy: "o-wu", AckedIn: callout.ChannelPhone,
			Escalations: []callout.Escalation{step(0, "call", "", m(3), "o-li", "no_answer"), step(1, "call", "unit_head", m(8), "o-wu", "pressed")}},
		callout.Recipient{Official: "o-chen", State: callout.StatePending,
			Escalations: []callout.Escalation{
				step(0, "call", "", m(3), "o-chen", "answered"),
				{Step: 1, Action: "call", To: "unit_head", At: m(8), Reason: callout.ReasonSelf, Passed: []string{"o-chen"}},
				step(2, "sms", "", m(13), "o-chen", "delivered"),
				step(3, "call", "", m(18), "o-chen", "held")}},
		callout.Recipient{Official: "o-qian", State: callout.StateAcked, AckedAt: m(15), AckedBy: "o-qian", AckedIn: callout.ChannelSMS,
			Escalations: []callout.Escalation{step(2, "sms", "", m(13), "o-qian", "replied")}},
	)
	put("20261130-0002", "防汛物资检查", callout.Recipient{Official: "o-zhang", State: callout.StatePending})
	f.clk.Advance(20 * time.Minute)
	return "20261130-0001", "20261130-0002"
}

// The card of an alert with phone steps shows who was reached how: the
// steps under a silent recipient, an answer from the phone by how and
// when, and the tally of its calls and texts with whom the limits held
// back; a card without phone steps has no tally.
func TestPhoneOnTheCard(t *testing.T) {
	f := newFixture(t, Options{})
	phoned, plain := phoneCard(t, f)
	tests := []struct {
		lang                     string
		zhang, li, chen, qian    []string
		tally, held, notAnswered string
	}{
		{lang: "zh-CN",
			zhang: []string{"张明", "电话确认 08:05"},
			li:    []string{"李芳", "08:09 由吴敏接手处理"},
			chen: []string{"08:03 电话叫应：陈杰（已接听未按键）", "08:08 未电话叫应单位负责人：本人即升级对象（陈杰）",
				"08:13 短信：陈杰（已送达）", "08:18 电话叫应：陈杰（受频次限制未拨打）"},
			qian:  []string{"钱进", "短信确认 08:15"},
			tally: "📞 电话叫应 4 通（按键确认 2，接听未按键 1，未接 1）；短信 2 条",
			held:  "受频次限制暂缓：陈杰"},
		{lang: "en",
			zhang: []string{"张明", "confirmed by phone 08:05"},
			li:    []string{"李芳", "08:09 taken over by 吴敏"},
			chen: []string{"08:03 phone call: 陈杰 (picked up, pressed nothing)", "08:08 no phone call to the unit head: they are the target themselves (陈杰)",
				"08:13 SMS: 陈杰 (delivered)", "08:18 phone call: 陈杰 (held back by the call limits)"},
			qian:  []string{"钱进", "confirmed by SMS 08:15"},
			tally: "📞 Phone calls: 4 (confirmed with the key 2, picked up without pressing 1, not picked up 1); SMS: 2",
			held:  "held back by the limits: 陈杰"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			html := f.section(tc.lang, "alerts")
			card := between(t, html, `data-alert="`+phoned+`"`, "</article>")
			contains(t, "张明", between(t, card, `data-official="o-zhang"`, "</li>"), tc.zhang...)
			contains(t, "李芳", between(t, card, `data-official="o-li"`, "</li>"), tc.li...)
			contains(t, "陈杰", between(t, card, `data-official="o-chen"`, "</li>"), tc.chen...)
			contains(t, "钱进", between(t, card, `data-official="o-qian"`, "</li>"), tc.qian...)
			contains(t, "the tally", between(t, card, `class="phone"`, "</p>"), tc.tally, tc.held)
			if other := between(t, html, `data-alert="`+plain+`"`, "</article>"); strings.Contains(other, `class="phone"`) {
				t.Errorf("a card without phone steps has a tally:\n%s", other)
			}
		})
	}
}

// between returns what follows from in s up to the next to; the test
// fails when from is not there.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("no %s in:\n%s", from, s)
	}
	rest := s[i:]
	if j := strings.Index(rest, to); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
