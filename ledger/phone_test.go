package ledger

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/locales"
	"dutybot/phone"
	"dutybot/storage"
)

// phoneStates are what may become of a call or a text message: each is
// put into words in a call's steps.
var phoneStates = []string{phone.StateQueued, phone.StatePlacing, phone.StateUncertain, phone.StatePlaced, phone.StatePressed,
	phone.StateAnswered, phone.StateNoAnswer, phone.StateFailed, phone.StateDelivered, phone.StateReplied, phone.StateHeld,
	phone.StateRefused, phone.StateCancelled, phone.StateRepeat}

// putAlert stores an alert created at with its recipients as the engine
// records them, and the event that files it in the period.
func putAlert(t *testing.T, db *storage.DB, id string, at time.Time, rs ...callout.Recipient) {
	t.Helper()
	err := db.Update(func(tx *storage.Tx) error {
		if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvCreated, Alert: id, Actor: "api"}); err != nil {
			return err
		}
		if err := callout.PutAlert(tx, callout.Alert{ID: id, Level: "red", Title: "暴雨红色预警", Source: "api", CreatedAt: at,
			Total: len(rs), State: callout.AlertOpen}); err != nil {
			return err
		}
		for _, r := range rs {
			r.AlertID, r.QueuedAt, r.SentAt = id, at, at
			if err := callout.PutRecipient(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// phoneAfternoon is an afternoon of 电话叫应 in 应急办 and 城管大队:
//
//   - 20261202-0001: 张明 confirms his call with the key; 李芳 does not
//     pick up, her unit head 吴敏 is called about her and presses the key
//     (taking her call over); 陈杰 picks up without pressing, is not
//     called as unit head about himself, gets a text and is held back by
//     the call limits.
//   - 20261202-0002: 张明 and 李芳 stay silent; one call to 吴敏 about both
//     of them is not picked up: it costs once, though it shows on both
//     their rows.
func phoneAfternoon(t *testing.T) (*Ledger, Filter, time.Time) {
	l, db := testLedger(t)
	at := time.Date(2026, 12, 2, 14, 0, 0, 0, cst)
	m := func(n int) time.Time { return at.Add(time.Duration(n) * time.Minute) }
	call := func(step int, to string, when time.Time, results map[string]string) callout.Escalation {
		e := callout.Escalation{Step: step, Action: "call", To: to, At: when, Results: results}
		for p := range results {
			e.People = append(e.People, p)
		}
		return e
	}
	putAlert(t, db, "20261202-0001", at,
		callout.Recipient{Official: "o-zhang", State: callout.StateAcked, AckedAt: m(5), AckedBy: "o-zhang", AckedIn: callout.ChannelPhone,
			Escalations: []callout.Escalation{call(0, "", m(3), map[string]string{"o-zhang": "pressed"})}},
		callout.Recipient{Official: "o-li", State: callout.StateAcked, AckedAt: m(9), AckedBy: "o-wu", AckedIn: callout.ChannelPhone,
			Escalations: []callout.Escalation{
				call(0, "", m(3), map[string]string{"o-li": "no_answer"}),
				call(1, "unit_head", m(8), map[string]string{"o-wu": "pressed"})}},
		callout.Recipient{Official: "o-chen", State: callout.StatePending,
			Escalations: []callout.Escalation{
				call(0, "", m(3), map[string]string{"o-chen": "answered"}),
				{Step: 1, Action: "call", To: "unit_head", At: m(8), Reason: callout.ReasonSelf, Passed: []string{"o-chen"}},
				{Step: 2, Action: "sms", At: m(13), People: []string{"o-chen"}, Results: map[string]string{"o-chen": "delivered"}},
				call(3, "", m(18), map[string]string{"o-chen": "held"})}},
	)
	at2 := time.Date(2026, 12, 2, 15, 0, 0, 0, cst)
	silent := func(o string) callout.Recipient {
		return callout.Recipient{Official: o, State: callout.StateEscalated,
			Escalations: []callout.Escalation{call(0, "unit_head", at2.Add(5*time.Minute), map[string]string{"o-wu": "no_answer"})}}
	}
	putAlert(t, db, "20261202-0002", at2, silent("o-zhang"), silent("o-li"))
	f := Filter{From: time.Date(2026, 12, 1, 0, 0, 0, 0, cst), To: time.Date(2027, 1, 1, 0, 0, 0, 0, cst)}
	return l, f, time.Date(2026, 12, 2, 16, 0, 0, 0, cst)
}

// The workbook says who was reached how (its rows in key order, an
// alert's recipients by id): each call's phone steps with
// what became of them, a call answered from the phone by how, what each
// call cost in calls and texts (new columns at the end), and the
// period's totals in the summary, a call about two people counted once.
func TestPhoneInTheWorkbook(t *testing.T) {
	type words struct {
		calls, sum string
		header     []string // the new columns, after 提醒与升级
		rows       [][]string
		summary    [][]string
	}
	zh := words{calls: "叫应记录", sum: "汇总", header: []string{"提醒与升级", "电话叫应（通）", "短信（条）"},
		rows: [][]string{
			{"陈杰", "未应答", "12-02 14:03 电话叫应：陈杰（已接听未按键）；12-02 14:08 未电话叫应单位负责人：本人即升级对象（陈杰）；" +
				"12-02 14:13 短信：陈杰（已送达）；12-02 14:18 电话叫应：陈杰（受频次限制未拨打）", "1", "1"},
			{"李芳", "由吴敏代为处置", "12-02 14:03 电话叫应：李芳（未接听）；12-02 14:08 电话叫应单位负责人：吴敏（已按键确认）", "2", "0"},
			{"张明", "已应答（电话按键）", "12-02 14:03 电话叫应：张明（已按键确认）", "1", "0"},
			{"李芳", "未应答（已升级）", "12-02 15:05 电话叫应单位负责人：吴敏（未接听）", "1", "0"},
			{"张明", "未应答（已升级）", "12-02 15:05 电话叫应单位负责人：吴敏（未接听）", "1", "0"},
		},
		summary: [][]string{{"电话叫应"}, {"电话拨出（通）", "5"}, {"其中按键确认", "2"}, {"其中接听未按键", "1"},
			{"其中未接听", "2"}, {"短信发出（条）", "1"}, {"受频次限制暂缓", "1", "陈杰"}},
	}
	en := words{calls: "Calls", sum: "Summary", header: []string{"Reminders and escalations", "Phone calls", "SMS"},
		rows: [][]string{
			{"陈杰", "Not answered", "12-02 14:03 phone call: 陈杰 (picked up, pressed nothing); " +
				"12-02 14:08 no phone call to the unit head: they are the target themselves (陈杰); " +
				"12-02 14:13 SMS: 陈杰 (delivered); 12-02 14:18 phone call: 陈杰 (held back by the call limits)", "1", "1"},
			{"李芳", "Handled by 吴敏", "12-02 14:03 phone call: 李芳 (not picked up); 12-02 14:08 phone call to the unit head: 吴敏 (confirmed with the key)", "2", "0"},
			{"张明", "Answered (phone key)", "12-02 14:03 phone call: 张明 (confirmed with the key)", "1", "0"},
			{"李芳", "Not answered (escalated)", "12-02 15:05 phone call to the unit head: 吴敏 (not picked up)", "1", "0"},
			{"张明", "Not answered (escalated)", "12-02 15:05 phone call to the unit head: 吴敏 (not picked up)", "1", "0"},
		},
		summary: [][]string{{"Phone calls and SMS"}, {"Phone calls placed", "5"}, {"of them confirmed with the key", "2"},
			{"of them picked up, nothing pressed", "1"}, {"of them not picked up", "2"}, {"SMS sent", "1"},
			{"Held back by the limits", "1", "陈杰"}},
	}
	l, f, now := phoneAfternoon(t)
	for lang, w := range map[string]words{locales.ZH: zh, locales.EN: en} {
		t.Run(lang, func(t *testing.T) {
			l.Lang = lang
			var buf bytes.Buffer
			if _, err := l.Export(&buf, f, now); err != nil {
				t.Fatal(err)
			}
			_, rows := readSheets(t, buf.Bytes())
			calls := rows[w.calls]
			if len(calls) != len(w.rows)+1 {
				t.Fatalf("%s has %d rows, want %d", w.calls, len(calls), len(w.rows)+1)
			}
			// The columns before stay where they were: 13 of them, the
			// steps last.
			if h := calls[0]; len(h) != 15 || !slices.Equal(h[12:], w.header) {
				t.Errorf("%s header %q, want 15 columns ending %q", w.calls, h, w.header)
			}
			for i, want := range w.rows {
				got := calls[i+1]
				if len(got) != 15 {
					t.Errorf("%s row %d has %d cells: %q", w.calls, i+2, len(got), got)
					continue
				}
				if g := []string{got[4], got[10], got[12], got[13], got[14]}; !slices.Equal(g, want) {
					t.Errorf("%s row %d:\n got %q\nwant %q", w.calls, i+2, g, want)
				}
			}
			sum := rows[w.sum]
			at := slices.IndexFunc(sum, func(r []string) bool { return len(r) == 1 && r[0] == w.summary[0][0] })
			if at < 0 {
				t.Fatalf("the summary has no section %q:\n%q", w.summary[0][0], sum)
			}
			sameRows(t, w.sum+" (phone)", sum[at:], w.summary)
		})
	}
}

// A recipient's cost counts what the provider took for them; the period's
// totals count a call about several recipients once.
func TestPhoneTotals(t *testing.T) {
	l, f, now := phoneAfternoon(t)
	b, err := l.Book(f, now)
	if err != nil {
		t.Fatal(err)
	}
	var calls, sms int
	for _, c := range b.Calls {
		p := c.Phone()
		calls += p.Calls
		sms += p.SMS
	}
	if calls != 6 || sms != 1 {
		t.Errorf("the rows count %d calls and %d SMS, want 6 and 1", calls, sms)
	}
	got := b.PhoneTotals()
	want := PhoneTotals{Phone: callout.Phone{Calls: 5, Pressed: 2, Answered: 1, NoAnswer: 2, SMS: 1, Held: []string{"o-chen"}}, HeldCount: 1}
	if got.Calls != want.Calls || got.Pressed != want.Pressed || got.Answered != want.Answered || got.NoAnswer != want.NoAnswer ||
		got.SMS != want.SMS || got.HeldCount != want.HeldCount || !slices.Equal(got.Held, want.Held) {
		t.Errorf("totals %+v, want %+v", got, want)
	}
	// An official's export holds their calls only.
	f.Official = "o-chen"
	if b, err = l.Book(f, now); err != nil {
		t.Fatal(err)
	}
	if got := b.PhoneTotals(); got.Calls != 1 || got.Answered != 1 || got.SMS != 1 || got.HeldCount != 1 {
		t.Errorf("陈杰's totals %+v", got)
	}
}
