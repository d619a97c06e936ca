package callout

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

func TestFailedCallUnreachableEscalatesAtOnce(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu", "o-admin")
	a := f.create(Request{Level: "red", Title: "暴雨", Targets: Targets{Officials: []string{"o-zhang"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	f.drain()
	at := testStart.Add(2 * time.Minute)
	f.setClock(at)
	reason := "Forbidden: bot was blocked by the user"
	f.fail(call, reason, true, at)

	b := f.binding("o-zhang")
	if !b.Unreachable || !b.UnreachableAt.Equal(at) {
		t.Errorf("binding = %+v, want unreachable since %v", b, at)
	}
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StateUnreachable || r.Unreachable != reason {
		t.Errorf("recipient = %+v", r)
	}
	if len(r.Escalations) != 1 {
		t.Fatalf("escalations = %+v", r.Escalations)
	}
	if e := r.Escalations[0]; e.Action != "escalate" || e.To != "unit_head" || !slices.Equal(e.People, []string{"o-wu"}) || !e.At.Equal(at) {
		t.Errorf("escalation = %+v", e)
	}
	if r.NextStep != 2 || !r.NextAt.Equal(at.Add(10*time.Minute)) {
		t.Errorf("next = %d at %v", r.NextStep, r.NextAt)
	}
	n := f.oneJob(storage.RefNotice, "o-wu")
	text, _ := f.render(n)
	mustContain(t, "notice", text, "张明", "无法送达")
	info := f.oneJob(storage.RefInfo, "o-admin")
	mustContain(t, "admin info", info.Text, "张明", reason)
	for typ, want := range map[string]int{storage.EvFailed: 1, storage.EvUnreachable: 1, storage.EvEscalated: 1} {
		if got := f.countEvents(a.ID, typ, "o-zhang"); got != want {
			t.Errorf("%s events = %d, want %d", typ, got, want)
		}
	}

	// A second failure report for the same recipient changes nothing more.
	f.drain()
	f.fail(call, reason, true, at.Add(time.Second))
	if r2 := f.recipient(a.ID, "o-zhang"); len(r2.Escalations) != 1 {
		t.Errorf("escalated twice: %+v", r2.Escalations)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("queued %+v", js)
	}
}

func TestFailedCallPermanentKeepsBinding(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	f.fail(call, "Bad Request: message is too long", false, testStart)
	if b := f.binding("o-zhang"); b.Unreachable {
		t.Error("a permanent failure marked the chat unreachable")
	}
	// The call never arrived: the recipient is escalated all the same.
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StateUnreachable || len(r.Escalations) != 1 || r.Escalations[0].Action != "escalate" {
		t.Errorf("recipient = %+v", r)
	}
}

func TestFailedRemindAfterDelivery(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-zhang")
	f.fireOnce(t0.Add(10 * time.Minute))
	remind := f.oneJob(storage.RefRemind, "o-zhang")
	f.drain()
	at := t0.Add(11 * time.Minute)
	f.fail(remind, "Forbidden: bot was blocked by the user", true, at)

	if b := f.binding("o-zhang"); !b.Unreachable {
		t.Error("the blocked chat is not marked")
	}
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StatePending || len(r.Escalations) != 1 || r.Escalations[0].Action != "remind" {
		t.Errorf("recipient = %+v; the chain should go on as scheduled", r)
	}
	if r.NextStep != 1 || !r.NextAt.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("next = %d at %v", r.NextStep, r.NextAt)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("queued %+v", js)
	}
	if f.countEvents(a.ID, storage.EvFailed, "o-zhang") != 1 || f.countEvents(a.ID, storage.EvUnreachable, "") != 0 {
		t.Errorf("events = %+v", f.events(a.ID))
	}
	// The unit head hears at the scheduled time.
	f.fireOnce(t0.Add(20 * time.Minute))
	f.oneJob(storage.RefNotice, "o-wu")
}

func TestFailedIgnoresSettledAndOtherJobs(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-wu", "o-admin")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
	zhang := f.oneJob(storage.RefCall, "o-zhang")
	li := f.oneJob(storage.RefCall, "o-li")
	f.drain()
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.fail(zhang, "network", false, testStart)
	if r := f.recipient(a.ID, "o-zhang"); r.State != StateAcked {
		t.Errorf("acknowledged recipient = %+v", r)
	}

	// An info message to a blocked chat only marks the binding.
	f.fail(storage.Job{ChatID: f.chat("o-li"), Op: storage.OpSend, Ref: storage.Ref{Kind: storage.RefInfo, Official: "o-li"}},
		"Forbidden: bot was blocked by the user", true, testStart)
	if b := f.binding("o-li"); !b.Unreachable {
		t.Error("binding not marked")
	}
	if r := f.recipient(a.ID, "o-li"); r.State != StatePending {
		t.Errorf("o-li = %+v", r)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("queued %+v", js)
	}

	// After Close a failed call does nothing more.
	if _, err := f.e.CloseByAPI(a.ID); err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.fail(li, "Forbidden: bot was blocked by the user", true, testStart)
	if r := f.recipient(a.ID, "o-li"); r.State != StatePending || len(r.Escalations) != 0 {
		t.Errorf("o-li after close = %+v", r)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("queued %+v", js)
	}
	// A failure for a job whose alert is gone is not an error.
	f.fail(storage.Job{ChatID: 1, Ref: storage.Ref{Kind: storage.RefCall, Alert: "20991231-0001", Official: "o-li"}}, "x", false, testStart)
}

func TestDeliveredNoticeThenAnswerEditsIt(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-wu")
	a := f.deliveredAlert(testStart, "o-zhang", "o-li")
	f.fireAll(testStart.Add(20 * time.Minute))
	n := f.oneJob(storage.RefNotice, "o-wu")
	f.drain()
	f.deliver(n, 4242, testStart.Add(20*time.Minute))
	if f.countEvents(a.ID, storage.EvDelivered, "o-wu") != 1 {
		t.Error("notice delivery not logged")
	}
	if _, err := f.e.Ack("o-li", a.ID, "o-li"); err != nil {
		t.Fatal(err)
	}
	edit := f.oneJob(storage.RefNotice, "o-wu")
	if edit.Op != storage.OpEdit || edit.MessageID != 4242 || edit.ChatID != f.chat("o-wu") {
		t.Fatalf("notice refresh = %+v", edit)
	}
	text, buttons := f.render(edit)
	mustContain(t, "edited notice", text, "以下 1 人未应答", "张明", "已应答：李芳")
	if len(buttons) != 1 || buttons[0][0].Data != HandleData(a.ID, "o-wu") {
		t.Errorf("buttons = %+v", buttons)
	}
}

// An unbound recipient on a policy that escalates before it reminds is
// escalated at once; if they bind before the reminder, the reminder is sent
// and must keep its acknowledge button.
func TestDeliveredReminderToFormerlyUnreachable(t *testing.T) {
	f := newFixture(t)
	f.bind("o-wu")
	a := f.create(Request{Level: "blue", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StateUnreachable || len(r.Escalations) != 1 || r.NextStep != 1 {
		t.Fatalf("recipient = %+v", r)
	}
	f.drain()
	f.bind("o-zhang")
	f.fireOnce(r.NextAt)
	remind := f.oneJob(storage.RefRemind, "o-zhang")
	if remind.Buttons[0][0].Data != AckData(a.ID, "o-zhang") {
		t.Fatalf("reminder = %+v", remind)
	}
	f.drain()
	f.deliver(remind, 31, r.NextAt)
	if edits := f.jobsFor(storage.RefUpdate, "o-zhang"); len(edits) != 0 {
		t.Errorf("a reminder reaching a formerly unreachable recipient was edited at once: %q", edits[0].Text)
	}
}

func TestDeliveredSummaryRecordsMessage(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-duty")
	a := f.create(Request{Level: "red", Title: "t", Issuer: "o-duty", Targets: Targets{Officials: []string{"o-zhang"}}})
	sum := f.oneJob(storage.RefSummary, "o-duty")
	f.drain()
	f.deliver(sum, 600, testStart)
	if got := f.alert(a.ID); got.SummaryMsg != 600 {
		t.Errorf("summary msg = %d", got.SummaryMsg)
	}
	// A second delivery (an edit) keeps the first message id.
	f.deliver(storage.Job{ChatID: f.chat("o-duty"), Op: storage.OpEdit, MessageID: 600,
		Ref: storage.Ref{Kind: storage.RefSummary, Alert: a.ID}}, 600, testStart)
	f.deliver(storage.Job{ChatID: f.chat("o-duty"), Op: storage.OpSend,
		Ref: storage.Ref{Kind: storage.RefSummary, Alert: a.ID}}, 601, testStart)
	if got := f.alert(a.ID); got.SummaryMsg != 600 {
		t.Errorf("summary msg = %d, want the first", got.SummaryMsg)
	}
	// Deliveries for vanished records are ignored.
	for _, kind := range []string{storage.RefCall, storage.RefRemind, storage.RefNotice, storage.RefSummary, storage.RefInfo} {
		f.deliver(storage.Job{ChatID: 1, Op: storage.OpSend, Ref: storage.Ref{Kind: kind, Alert: "20991231-0001",
			Official: "o-zhang", Target: "o-wu"}}, 1, testStart)
	}
}

func TestSummaryText(t *testing.T) {
	f := newFixture(t)
	at := time.Date(2026, 11, 30, 8, 30, 0, 0, f.e.loc)
	rec := func(id, state string) Recipient {
		return Recipient{AlertID: "20261130-0001", Official: id, State: state}
	}
	base := Alert{ID: "20261130-0001", Level: "red", Title: "暴雨", State: AlertOpen}
	mixed := []Recipient{
		rec("o-zhang", StateAcked), rec("o-li", StatePending), rec("o-wu", StateAcked),
		rec("o-liu", StateEscalated), rec("o-qian", StateUnreachable), rec("o-he", StatePending),
		rec("o-duty", StateAcked),
	}
	many := func(n int) []Recipient {
		var rs []Recipient
		for i := 1; i <= n; i++ {
			rs = append(rs, rec(fmt.Sprintf("p%02d", i), StatePending))
		}
		return rs
	}
	tests := []struct {
		name      string
		edit      func(a *Alert)
		rs        []Recipient
		has       []string
		hasNot    []string
		buttons   bool
		separator int // "、" count in the silent line, -1 to skip
	}{
		{name: "mixed", rs: mixed, buttons: true, separator: 1,
			has: []string{"#20261130-0001", "🔴 红色", "【暴雨】", "已应答 3/7", "未应答：李芳、何军", "已通知上级（仍未应答）：刘洋",
				"无法送达：钱进"},
			hasNot: []string{"张明", "吴敏", "杜峰", "全部应答"}},
		{name: "nobody answered yet", rs: many(3), buttons: true, separator: 2,
			has: []string{"已应答 0/3", "未应答：p01、p02、p03"}, hasNot: []string{"已上报", "无法送达", "等另外"}},
		{name: "exactly 40", rs: many(40), buttons: true, separator: 39,
			has: []string{"p01", "p40"}, hasNot: []string{"等另外"}},
		{name: "cut after 40", rs: many(45), buttons: true, separator: 40,
			has: []string{"已应答 0/45", "p01、", "p40、等另外 5 人"}, hasNot: []string{"p41", "p45"}},
		{name: "cut after 40 among 41", rs: many(41), buttons: true, separator: 40,
			has: []string{"p40、等另外 1 人"}, hasNot: []string{"p41"}},
		{name: "done", edit: func(a *Alert) { a.State, a.ClosedAt = AlertDone, at },
			rs: []Recipient{rec("o-zhang", StateAcked)}, separator: -1,
			has: []string{"已应答 1/1", "✅ 全部应答（08:30）"}, hasNot: []string{"未应答"}},
		{name: "closed by api", edit: func(a *Alert) { a.State, a.ClosedAt, a.ClosedBy = AlertClosed, at, "api" },
			rs: mixed, separator: -1, has: []string{"已应答 3/7", "⏹ 已于 08:30 由 API 结束"}},
		{name: "closed by an official", edit: func(a *Alert) { a.State, a.ClosedAt, a.ClosedBy = AlertClosed, at, "o-he" },
			rs: mixed, separator: -1, has: []string{"由 何军 结束"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			if tt.edit != nil {
				tt.edit(&a)
			}
			text, buttons := f.e.SummaryText("zh-CN", a, tt.rs)
			mustContain(t, "summary", text, tt.has...)
			mustNotContain(t, "summary", text, tt.hasNot...)
			if tt.buttons {
				if len(buttons) != 1 || len(buttons[0]) != 1 || buttons[0][0].Data != CloseData(a.ID) {
					t.Errorf("buttons = %+v", buttons)
				} else {
					mustContain(t, "close button", buttons[0][0].Text, "结束叫应")
				}
			} else if buttons != nil {
				t.Errorf("buttons on a %s alert: %+v", a.State, buttons)
			}
			if tt.separator >= 0 {
				line := ""
				for _, l := range strings.Split(text, "\n") {
					if strings.HasPrefix(l, "未应答：") {
						line = l
					}
				}
				if got := strings.Count(line, "、"); got != tt.separator {
					t.Errorf("silent line has %d separators, want %d: %q", got, tt.separator, line)
				}
			}
		})
	}
}

func TestSummaryTextEnglish(t *testing.T) {
	f := newFixture(t)
	a := Alert{ID: "20261130-0001", Level: "yellow", Title: "Storm", State: AlertOpen}
	var rs []Recipient
	for i := 0; i < 42; i++ {
		rs = append(rs, Recipient{Official: fmt.Sprintf("p%02d", i), State: StateEscalated})
	}
	text, buttons := f.e.SummaryText("en", a, rs)
	mustContain(t, "summary", text, "Answered 0/42", "Escalated, still silent: ", "and 2 more", "🟡 Yellow")
	if len(buttons) != 1 || buttons[0][0].Text != "⏹ Close alert" {
		t.Errorf("buttons = %+v", buttons)
	}
}

func TestRender(t *testing.T) {
	f := newFixture(t)
	f.view(func(tx *storage.Tx) error {
		plain := storage.Job{Text: "hi", Buttons: [][]storage.Button{{{Text: "b", Data: "d"}}}, Ref: storage.Ref{Kind: storage.RefInfo}}
		text, buttons, ok, err := f.e.Render(tx, plain)
		if err != nil || !ok || text != "hi" || len(buttons) != 1 {
			t.Errorf("Render(plain) = %q, %v, %v, %v", text, buttons, ok, err)
		}
		for _, kind := range []string{storage.RefSummary, storage.RefNotice} {
			gone := storage.Job{Lazy: true, Ref: storage.Ref{Kind: kind, Alert: "20991231-0001", Target: "o-wu"}}
			if _, _, ok, err := f.e.Render(tx, gone); ok || err != nil {
				t.Errorf("Render(%s of a missing alert) = %v, %v; want it dropped", kind, ok, err)
			}
		}
		return nil
	})
	// A notice rendered after the alert ended says so and has no button.
	f.bind("o-zhang", "o-wu")
	a := f.deliveredAlert(testStart, "o-zhang")
	f.fireAll(testStart.Add(20 * time.Minute))
	n := f.oneJob(storage.RefNotice, "o-wu")
	if _, err := f.e.CloseByAPI(a.ID); err != nil {
		t.Fatal(err)
	}
	text, buttons := f.render(n)
	mustContain(t, "notice after close", text, "本次叫应已结束")
	mustNotContain(t, "notice after close", text, "张明")
	if buttons != nil {
		t.Errorf("buttons = %+v", buttons)
	}
}
