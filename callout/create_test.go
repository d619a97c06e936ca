package callout

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

func TestCreateQueuesCallsAndEscalatesUnbound(t *testing.T) {
	f := newFixture(t)
	// o-li (应急办, head 吴敏) and o-qian (城管大队, no head) are not bound.
	f.bind("o-zhang", "o-wu", "o-duty", "o-admin")
	now := f.clk.Now()
	a := f.create(Request{Level: " Red ", Title: "暴雨红色预警", Body: "请立即到岗", Issuer: "o-duty", Source: "chat",
		Targets: Targets{Units: []string{"yjb", "cgdd"}}})

	wantRecips := []string{"o-zhang", "o-li", "o-wu", "o-duty", "o-qian"}
	if !slices.Equal(a.Recipients, wantRecips) {
		t.Fatalf("recipients = %v, want %v", a.Recipients, wantRecips)
	}
	if a.Level != "red" || a.Kind != "alert" || a.State != AlertOpen || !a.CreatedAt.Equal(now) {
		t.Errorf("alert = %+v", a)
	}
	if len(a.Steps) != 4 || a.Steps[0].After != 10*time.Minute || a.Steps[1].To != "unit_head" {
		t.Errorf("steps = %+v", a.Steps)
	}
	if a.SummaryChat != f.chat("o-duty") {
		t.Errorf("summary chat = %d, want the issuer's", a.SummaryChat)
	}
	if stored := f.alert(a.ID); stored.ID != a.ID || stored.Total != 5 || stored.Unanswered != 5 {
		t.Errorf("stored alert = %+v", stored)
	}

	// One call per bound recipient, with an ack button carrying AckData.
	calls := f.jobsFor(storage.RefCall, "")
	if len(calls) != 3 {
		t.Fatalf("call jobs = %d, want 3: %+v", len(calls), calls)
	}
	for i, o := range []string{"o-zhang", "o-wu", "o-duty"} {
		j := calls[i]
		if j.Ref.Official != o || j.Ref.Alert != a.ID || j.ChatID != f.chat(o) || j.Op != storage.OpSend {
			t.Errorf("call %d = %+v, want one to %s", i, j, o)
		}
		if len(j.Buttons) != 1 || len(j.Buttons[0]) != 1 || j.Buttons[0][0].Data != AckData(a.ID, o) {
			t.Errorf("call to %s buttons = %+v", o, j.Buttons)
		} else {
			mustContain(t, "ack button", j.Buttons[0][0].Text, "收到")
		}
		mustContain(t, "call text", j.Text, a.ID, "暴雨红色预警", "请立即到岗", "杜峰", "08:10")
		if !j.CreatedAt.Equal(now) {
			t.Errorf("call created at %v", j.CreatedAt)
		}
		r := f.recipient(a.ID, o)
		if r.State != StatePending || !r.SentAt.IsZero() || !r.NextAt.IsZero() || len(r.Escalations) != 0 {
			t.Errorf("bound recipient %s = %+v", o, r)
		}
		if _, ok := f.deadlineOf(a.ID, o); ok {
			t.Errorf("deadline for %s before delivery", o)
		}
	}

	// o-li: unreachable, escalated at once to the unit head.
	li := f.recipient(a.ID, "o-li")
	if li.State != StateUnreachable || li.Unreachable != "not bound to Telegram" {
		t.Errorf("o-li = %+v, want unreachable", li)
	}
	if len(li.Escalations) != 1 {
		t.Fatalf("o-li escalations = %+v", li.Escalations)
	}
	if e := li.Escalations[0]; e.Action != "escalate" || e.Step != 1 || e.To != "unit_head" ||
		!slices.Equal(e.People, []string{"o-wu"}) || !e.At.Equal(now) {
		t.Errorf("o-li escalation = %+v", e)
	}
	// The next step keeps its spacing: leader 10 minutes after unit head.
	if li.NextStep != 2 || !li.NextAt.Equal(now.Add(10*time.Minute)) {
		t.Errorf("o-li next = %d at %v", li.NextStep, li.NextAt)
	}
	if d, ok := f.deadlineOf(a.ID, "o-li"); !ok || !d.At.Equal(li.NextAt) || d.Payload != "2" {
		t.Errorf("o-li deadline = %+v, %v", d, ok)
	}

	// o-qian: unreachable, the escalation finds no unit head.
	qian := f.recipient(a.ID, "o-qian")
	if qian.State != StateUnreachable || len(qian.Escalations) != 1 {
		t.Fatalf("o-qian = %+v", qian)
	}
	if e := qian.Escalations[0]; e.Action != "escalate" || len(e.People) != 0 || e.Reason != ReasonNoTarget || e.Note != "" {
		t.Errorf("o-qian escalation = %+v", e)
	}

	// One notice, to the bound head, listing o-li with a handle button.
	notices := f.jobsFor(storage.RefNotice, "")
	if len(notices) != 1 {
		t.Fatalf("notice jobs = %+v", notices)
	}
	n := notices[0]
	if n.Ref.Target != "o-wu" || n.ChatID != f.chat("o-wu") || n.Op != storage.OpSend {
		t.Errorf("notice = %+v", n)
	}
	for _, text := range []string{n.Text, func() string { s, _ := f.render(n); return s }()} {
		mustContain(t, "notice", text, "李芳", "应急办", "无法送达")
		mustNotContain(t, "notice", text, "钱进", "张明")
	}
	if _, buttons := f.render(n); len(buttons) != 1 || buttons[0][0].Data != HandleData(a.ID, "o-wu") {
		t.Errorf("notice buttons = %+v", buttons)
	}
	if got := f.notice(a.ID, "o-wu"); !slices.Equal(got.Silent, []string{"o-li"}) {
		t.Errorf("stored notice = %+v", got)
	}

	// The admin hears about both unreachable recipients.
	infos := f.jobsFor(storage.RefInfo, "o-admin")
	if len(infos) != 2 {
		t.Fatalf("admin info jobs = %+v", infos)
	}
	mustContain(t, "admin info", infos[0].Text, "李芳", a.ID, "原因：尚未绑定机器人")
	mustContain(t, "admin info", infos[1].Text, "钱进")
	for _, j := range infos {
		if j.ChatID != f.chat("o-admin") || j.Ref.Alert != a.ID {
			t.Errorf("admin info = %+v", j)
		}
	}

	// The issuer's summary.
	sum := f.oneJob(storage.RefSummary, "o-duty")
	if sum.ChatID != f.chat("o-duty") || sum.Key != "summary:"+a.ID || sum.Op != storage.OpSend || !sum.Lazy {
		t.Errorf("summary = %+v", sum)
	}
	sum.Text, sum.Buttons = f.render(sum)
	mustContain(t, "summary", sum.Text, "已应答 0/5", "无法送达：李芳、钱进", "未应答：杜峰、吴敏、张明") // recipients in id order
	if len(sum.Buttons) != 1 || sum.Buttons[0][0].Data != CloseData(a.ID) {
		t.Errorf("summary buttons = %+v", sum.Buttons)
	}
	if got := len(f.jobs()); got != 3+1+2+1 {
		t.Errorf("queued %d jobs, want 7", got)
	}

	// The ledger.
	for typ, want := range map[string]int{
		storage.EvCreated: 1, storage.EvSent: 4, storage.EvUnreachable: 2, storage.EvEscalated: 2,
	} {
		if got := f.countEvents(a.ID, typ, ""); got != want {
			t.Errorf("%s events = %d, want %d", typ, got, want)
		}
	}
	if evs := f.events(a.ID); evs[0].Type != storage.EvCreated || evs[0].Actor != "o-duty" {
		t.Errorf("first event = %+v", evs[0])
	}
}

func TestCreateFromAPI(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	a := f.create(Request{Level: "yellow", Title: "t", Source: "api", Targets: Targets{Officials: []string{"o-zhang"}}})
	if a.SummaryChat != 0 || len(f.jobsFor(storage.RefSummary, "")) != 0 {
		t.Errorf("summary for an API alert: %+v", f.jobs())
	}
	if evs := f.events(a.ID); evs[0].Actor != "api" {
		t.Errorf("created by %q, want api", evs[0].Actor)
	}
	// An unbound admin is not told anything, and nothing else is queued.
	if got := len(f.jobs()); got != 1 {
		t.Errorf("jobs = %+v", f.jobs())
	}
}

func TestCreateBlockedChatIsUnreachable(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu")
	f.update(func(tx *storage.Tx) error {
		b, err := tx.Binding("o-zhang")
		if err != nil {
			return err
		}
		b.Unreachable = true
		return tx.PutBinding(b)
	})
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StateUnreachable || r.Unreachable != "chat blocked the bot" {
		t.Errorf("recipient = %+v", r)
	}
	if len(f.jobsFor(storage.RefCall, "")) != 0 {
		t.Error("a call was queued to a blocked chat")
	}
	f.oneJob(storage.RefNotice, "o-wu")
}

func TestCreateInvalidWritesNothing(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	_, err := f.e.Create(Request{Level: "red", Title: "t", Targets: Targets{Units: []string{"nosuch"}}})
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Create = %v, want a *ValidationError", err)
	}
	if n := len(f.jobs()); n != 0 {
		t.Errorf("%d jobs queued", n)
	}
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	if a.ID != "20261130-0001" {
		t.Errorf("id after a rejected request = %q", a.ID)
	}
}

func TestDeliveredSchedulesFirstStep(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	at := testStart.Add(30 * time.Second)
	f.deliver(call, 77, at)

	r := f.recipient(a.ID, "o-zhang")
	if !r.SentAt.Equal(at) {
		t.Errorf("SentAt = %v, want %v", r.SentAt, at)
	}
	if r.NextStep != 0 || !r.NextAt.Equal(at.Add(10*time.Minute)) {
		t.Errorf("next = %d at %v", r.NextStep, r.NextAt)
	}
	if !slices.Equal(r.Messages, []MessageRef{{ChatID: f.chat("o-zhang"), MessageID: 77, Kind: storage.RefCall}}) {
		t.Errorf("messages = %+v", r.Messages)
	}
	ds := f.deadlines()
	if len(ds) != 1 || !ds[0].At.Equal(at.Add(10*time.Minute)) || ds[0].Key != deadlineKey(a.ID, "o-zhang") || ds[0].Payload != "0" {
		t.Errorf("deadlines = %+v", ds)
	}
	f.view(func(tx *storage.Tx) error {
		if due := tx.DueDeadlines(at.Add(10*time.Minute-time.Nanosecond), 10); len(due) != 0 {
			t.Errorf("due early: %+v", due)
		}
		return nil
	})
	if got := f.countEvents(a.ID, storage.EvDelivered, "o-zhang"); got != 1 {
		t.Errorf("delivered events = %d", got)
	}

	// A reminder delivered later neither moves SentAt nor the deadline.
	f.fireOnce(at.Add(10 * time.Minute))
	remind := f.oneJob(storage.RefRemind, "o-zhang")
	f.deliver(remind, 78, at.Add(11*time.Minute))
	r = f.recipient(a.ID, "o-zhang")
	if !r.SentAt.Equal(at) || r.NextStep != 1 || !r.NextAt.Equal(at.Add(20*time.Minute)) {
		t.Errorf("after reminder: %+v", r)
	}
	if len(r.Messages) != 2 || r.Messages[1] != (MessageRef{ChatID: f.chat("o-zhang"), MessageID: 78, Kind: storage.RefRemind}) {
		t.Errorf("messages = %+v", r.Messages)
	}
}

func TestDeliveredAfterAnswerMarksMessage(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	// o-zhang acknowledges an earlier copy before this one is confirmed
	// (e.g. the press came in while the send was retried).
	f.setClock(testStart.Add(time.Minute))
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.deliver(call, 55, testStart.Add(2*time.Minute))
	edit := f.oneJob(storage.RefUpdate, "o-zhang")
	if edit.Op != storage.OpEdit || edit.MessageID != 55 || len(edit.Buttons) != 0 {
		t.Errorf("edit = %+v", edit)
	}
	mustContain(t, "edit", edit.Text, "确认收到")
	if _, ok := f.deadlineOf(a.ID, "o-zhang"); ok {
		t.Error("an answered recipient got a deadline")
	}
}

// The call's answer deadline is shown to the minute, and to the second
// when the configuration asks for it (the sandbox, whose windows are
// seconds long).
func TestCallDeadlineShowsSecondsWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		seconds bool
		want    string
	}{
		{false, "请于 08:10 前"},
		{true, "请于 08:10:30 前"},
	} {
		f := newFixture(t)
		f.cfg.ShowSeconds = tc.seconds
		f.bind("o-zhang")
		f.clk.Advance(30 * time.Second)
		a := f.create(Request{Level: "yellow", Title: "大风黄色预警", Source: "api",
			Targets: Targets{Officials: []string{"o-zhang"}}})
		calls := f.jobsFor(storage.RefCall, "o-zhang")
		if len(calls) != 1 {
			t.Fatalf("ShowSeconds=%v: %d calls", tc.seconds, len(calls))
		}
		text, _ := f.render(calls[0])
		if !strings.Contains(text, tc.want) {
			t.Errorf("ShowSeconds=%v: call of %s lacks %q:\n%s", tc.seconds, a.ID, tc.want, text)
		}
	}
}
