package callout

import (
	"slices"
	"testing"
	"time"

	"dutybot/storage"
)

func TestFireRemindThenEscalate(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu", "o-liu", "o-he")
	t0 := testStart.Add(time.Minute)
	a := f.deliveredAlert(t0, "o-zhang")

	if due := f.fireOnce(t0.Add(10*time.Minute - time.Second)); len(due) != 0 {
		t.Fatalf("fired early: %+v", due)
	}

	// Step 0: a reminder to the recipient themself.
	if due := f.fireOnce(t0.Add(10 * time.Minute)); len(due) != 1 {
		t.Fatalf("due at +10m = %+v", due)
	}
	remind := f.oneJob(storage.RefRemind, "o-zhang")
	if remind.ChatID != f.chat("o-zhang") || len(remind.Buttons) != 1 || remind.Buttons[0][0].Data != AckData(a.ID, "o-zhang") {
		t.Errorf("reminder = %+v", remind)
	}
	mustContain(t, "reminder", remind.Text, "第二次叫应", a.ID, "08:11")
	if n := len(f.jobsFor(storage.RefNotice, "")); n != 0 {
		t.Errorf("%d notices after a reminder", n)
	}
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StatePending || len(r.Escalations) != 1 || r.Escalations[0].Action != "remind" || r.Escalations[0].Step != 0 {
		t.Errorf("after remind: %+v", r)
	}
	if r.NextStep != 1 || !r.NextAt.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("next = %d at %v", r.NextStep, r.NextAt)
	}
	if f.countEvents(a.ID, storage.EvReminded, "o-zhang") != 1 {
		t.Error("no reminded event")
	}
	f.drain()

	// Steps 1-3: escalations up the chain, each one notice.
	chain := []struct {
		after  time.Duration
		to     string
		target string
	}{
		{20 * time.Minute, "unit_head", "o-wu"},
		{30 * time.Minute, "leader", "o-liu"},
		{45 * time.Minute, "principal", "o-he"},
	}
	for i, c := range chain {
		step := i + 1
		if due := f.fireOnce(t0.Add(c.after)); len(due) != 1 || due[0].Payload != string(rune('0'+step)) {
			t.Fatalf("due at %v = %+v", c.after, due)
		}
		n := f.oneJob(storage.RefNotice, c.target)
		if n.ChatID != f.chat(c.target) || n.Op != storage.OpSend || n.Ref.Target != c.target {
			t.Errorf("notice = %+v", n)
		}
		text, buttons := f.render(n)
		mustContain(t, "notice", text, "张明", "应急办", "08:01")
		if len(buttons) != 1 || buttons[0][0].Data != HandleData(a.ID, c.target) {
			t.Errorf("notice buttons = %+v", buttons)
		}
		r := f.recipient(a.ID, "o-zhang")
		if r.State != StateEscalated {
			t.Errorf("state after step %d = %q, want escalated", step, r.State)
		}
		e := r.Escalations[len(r.Escalations)-1]
		if len(r.Escalations) != step+1 || e.Step != step || e.Action != "escalate" || e.To != c.to ||
			!slices.Equal(e.People, []string{c.target}) || !e.At.Equal(t0.Add(c.after)) {
			t.Errorf("escalation %d = %+v", step, e)
		}
		if len(f.jobsFor(storage.RefRemind, "")) != 0 {
			t.Error("an escalation reminded the recipient again")
		}
		f.drain()
	}
	r = f.recipient(a.ID, "o-zhang")
	if r.NextStep != 4 || !r.NextAt.IsZero() {
		t.Errorf("after the last step: next = %d at %v", r.NextStep, r.NextAt)
	}
	if ds := f.deadlines(); len(ds) != 0 {
		t.Errorf("deadlines after the last step: %+v", ds)
	}
	if got := f.countEvents(a.ID, storage.EvEscalated, "o-zhang"); got != 3 {
		t.Errorf("escalated events = %d", got)
	}
	if got := f.alert(a.ID); got.State != AlertOpen || got.Unanswered != 1 {
		t.Errorf("alert after the chain = %+v", got)
	}
}

func TestFireCatchesUpAfterOutage(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu", "o-liu", "o-he")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-zhang")
	now := t0.Add(2 * time.Hour)
	due := f.fireAll(now)
	if len(due) != 4 {
		t.Fatalf("fired %d deadlines, want all 4 steps: %+v", len(due), due)
	}
	r := f.recipient(a.ID, "o-zhang")
	if len(r.Escalations) != 4 || r.NextStep != 4 || r.State != StateEscalated {
		t.Fatalf("recipient = %+v", r)
	}
	for i, e := range r.Escalations {
		if e.Step != i || !e.At.Equal(now) {
			t.Errorf("escalation %d = %+v", i, e)
		}
	}
	for _, target := range []string{"o-wu", "o-liu", "o-he"} {
		f.oneJob(storage.RefNotice, target)
	}
	f.oneJob(storage.RefRemind, "o-zhang")
}

func TestFireCoalescesNotices(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-wu")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-zhang", "o-li")
	f.fireOnce(t0.Add(10 * time.Minute))
	if n := len(f.jobsFor(storage.RefRemind, "")); n != 2 {
		t.Fatalf("reminders = %d, want 2", n)
	}
	f.drain()

	due := f.fireOnce(t0.Add(20 * time.Minute))
	if len(due) != 2 {
		t.Fatalf("due = %+v, want both recipients in one Fire", due)
	}
	n := f.oneJob(storage.RefNotice, "o-wu")
	text, buttons := f.render(n)
	mustContain(t, "coalesced notice", text, "以下 2 人未应答", "张明", "李芳")
	mustContain(t, "queued notice text", n.Text, "张明", "李芳")
	if len(buttons) != 1 || buttons[0][0].Data != HandleData(a.ID, "o-wu") {
		t.Errorf("buttons = %+v", buttons)
	}
	if got := f.notice(a.ID, "o-wu"); !slices.Equal(got.Silent, []string{"o-li", "o-zhang"}) &&
		!slices.Equal(got.Silent, []string{"o-zhang", "o-li"}) {
		t.Errorf("notice silent = %v", got.Silent)
	}
	for _, o := range []string{"o-zhang", "o-li"} {
		if r := f.recipient(a.ID, o); r.State != StateEscalated {
			t.Errorf("%s state = %q", o, r.State)
		}
	}

	// Once the notice is out it records its live message, which later
	// escalations to the same person edit (notice_test.go).
	f.deliver(n, 900, t0.Add(20*time.Minute))
	if got := f.notice(a.ID, "o-wu"); got.MessageID != 900 || got.ChatID != f.chat("o-wu") {
		t.Errorf("notice after delivery = %+v", got)
	}
}

func TestFireNoticeForEscalationWithoutPeople(t *testing.T) {
	f := newFixture(t)
	f.bind("o-qian", "o-liu")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-qian")
	f.fireAll(t0.Add(20 * time.Minute))
	r := f.recipient(a.ID, "o-qian")
	if len(r.Escalations) != 2 {
		t.Fatalf("escalations = %+v", r.Escalations)
	}
	e := r.Escalations[1]
	if e.Action != "escalate" || len(e.People) != 0 || e.Reason != ReasonNoTarget || e.Cause() != ReasonNoTarget {
		t.Errorf("escalation without a head = %+v", e)
	}
	if r.State != StateEscalated || r.NextStep != 2 {
		t.Errorf("recipient = %+v", r)
	}
	if n := len(f.jobsFor(storage.RefNotice, "")); n != 0 {
		t.Errorf("%d notices", n)
	}
	// The chain goes on to the leader.
	f.fireAll(t0.Add(30 * time.Minute))
	f.oneJob(storage.RefNotice, "o-liu")
}

func TestFireRemindToUnreachableIsSkipped(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-wu")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-zhang")
	f.update(func(tx *storage.Tx) error {
		b, err := tx.Binding("o-zhang")
		if err != nil {
			return err
		}
		b.Unreachable = true
		return tx.PutBinding(b)
	})
	f.fireOnce(t0.Add(10 * time.Minute))
	if n := len(f.jobsFor(storage.RefRemind, "")); n != 0 {
		t.Errorf("reminded a blocked chat")
	}
	r := f.recipient(a.ID, "o-zhang")
	if len(r.Escalations) != 1 || r.Escalations[0].Reason != ReasonUnreachable || r.NextStep != 1 {
		t.Errorf("recipient = %+v", r)
	}
}

func TestFireStaleDeadlines(t *testing.T) {
	t0 := testStart

	put := func(f *fixture, d storage.Deadline) {
		f.update(func(tx *storage.Tx) error { return tx.PutDeadline(d) })
	}
	// unchanged checks that firing left a recipient and the queue alone.
	unchanged := func(t *testing.T, f *fixture, before Recipient) {
		t.Helper()
		after := f.recipient(before.AlertID, before.Official)
		if after.State != before.State || len(after.Escalations) != len(before.Escalations) ||
			after.NextStep != before.NextStep || !after.NextAt.Equal(before.NextAt) {
			t.Errorf("recipient changed:\nbefore %+v\nafter  %+v", before, after)
		}
		if js := f.jobs(); len(js) != 0 {
			t.Errorf("queued %+v", js)
		}
	}

	t.Run("acked recipient", func(t *testing.T) {
		f := newFixture(t)
		f.bind("o-zhang", "o-li", "o-wu")
		a := f.deliveredAlert(t0, "o-zhang", "o-li")
		f.setClock(t0.Add(time.Minute))
		if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
			t.Fatal(err)
		}
		f.drain()
		put(f, storage.Deadline{At: t0.Add(10 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "0"})
		before := f.recipient(a.ID, "o-zhang")
		if due := f.fireOnce(t0.Add(10 * time.Minute)); len(due) != 2 {
			t.Fatalf("due = %+v", due)
		}
		if n := len(f.jobsFor(storage.RefRemind, "o-zhang")); n != 0 {
			t.Error("reminded an acknowledged recipient")
		}
		f.oneJob(storage.RefRemind, "o-li") // the live one still fires
		f.drain()
		unchanged(t, f, before)
	})

	t.Run("closed alert", func(t *testing.T) {
		f := newFixture(t)
		f.bind("o-zhang", "o-wu")
		a := f.deliveredAlert(t0, "o-zhang")
		f.setClock(t0.Add(time.Minute))
		if _, err := f.e.CloseByAPI(a.ID); err != nil {
			t.Fatal(err)
		}
		f.drain()
		before := f.recipient(a.ID, "o-zhang")
		put(f, storage.Deadline{At: t0.Add(10 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "0"})
		f.fireAll(t0.Add(time.Hour))
		unchanged(t, f, before)
	})

	t.Run("done alert", func(t *testing.T) {
		f := newFixture(t)
		f.bind("o-zhang", "o-wu")
		a := f.deliveredAlert(t0, "o-zhang")
		if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
			t.Fatal(err)
		}
		f.drain()
		before := f.recipient(a.ID, "o-zhang")
		put(f, storage.Deadline{At: t0.Add(20 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "1"})
		f.fireAll(t0.Add(time.Hour))
		unchanged(t, f, before)
	})

	t.Run("mismatched step", func(t *testing.T) {
		f := newFixture(t)
		f.bind("o-zhang", "o-wu")
		a := f.deliveredAlert(t0, "o-zhang")
		before := f.recipient(a.ID, "o-zhang")
		// Same time and key as the live deadline, another step.
		put(f, storage.Deadline{At: before.NextAt, Key: deadlineKey(a.ID, "o-zhang"), Payload: "1"})
		if due := f.fireOnce(before.NextAt); len(due) != 1 {
			t.Fatalf("due = %+v", due)
		}
		unchanged(t, f, before)
	})

	t.Run("mismatched time", func(t *testing.T) {
		f := newFixture(t)
		f.bind("o-zhang", "o-wu")
		a := f.deliveredAlert(t0, "o-zhang")
		before := f.recipient(a.ID, "o-zhang")
		put(f, storage.Deadline{At: t0.Add(5 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "0"})
		if due := f.fireOnce(t0.Add(5 * time.Minute)); len(due) != 1 {
			t.Fatalf("due = %+v", due)
		}
		unchanged(t, f, before)
		// The live deadline still fires.
		f.fireOnce(before.NextAt)
		f.oneJob(storage.RefRemind, "o-zhang")
	})

	t.Run("garbage", func(t *testing.T) {
		f := newFixture(t)
		f.bind("o-zhang", "o-wu")
		a := f.deliveredAlert(t0, "o-zhang")
		before := f.recipient(a.ID, "o-zhang")
		for _, d := range []storage.Deadline{
			{At: t0.Add(time.Minute), Key: "x:" + a.ID + "\x00o-zhang", Payload: "0"},
			{At: t0.Add(2 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "zero"},
			{At: t0.Add(3 * time.Minute), Key: deadlineKey("20991231-0001", "o-zhang"), Payload: "0"},
			{At: t0.Add(4 * time.Minute), Key: deadlineKey(a.ID, "o-ghost"), Payload: "0"},
			{At: t0.Add(5 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "-1"},
			{At: t0.Add(6 * time.Minute), Key: deadlineKey(a.ID, "o-zhang"), Payload: "99"},
		} {
			put(f, d)
		}
		if due := f.fireOnce(t0.Add(6 * time.Minute)); len(due) != 6 {
			t.Fatalf("due = %+v", due)
		}
		unchanged(t, f, before)
	})
}

// A unit head's own silence is not escalated to the unit head: the step
// records that she is the target herself, and its event says so as data
// (code and arguments) beside the English detail; the next step goes on.
func TestFireEscalationToSelfIsTyped(t *testing.T) {
	f := newFixture(t)
	f.bind("o-wu", "o-liu")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-wu")
	f.fireAll(t0.Add(20 * time.Minute))
	r := f.recipient(a.ID, "o-wu")
	if len(r.Escalations) != 2 {
		t.Fatalf("escalations = %+v", r.Escalations)
	}
	e := r.Escalations[1]
	if e.To != "unit_head" || len(e.People) != 0 || e.Reason != ReasonSelf || !slices.Equal(e.Passed, []string{"o-wu"}) || e.Note != "" {
		t.Errorf("escalation to herself = %+v", e)
	}
	var ev storage.Event
	for _, x := range f.events(a.ID) {
		if x.Type == storage.EvEscalated {
			ev = x
		}
	}
	want := []storage.Arg{storage.Word("To", storage.VocabRole, "unit_head"), storage.Officials("People"),
		storage.Word("Reason", storage.VocabReason, ReasonSelf), storage.Officials("Passed", "o-wu")}
	if ev.Code != storage.CodeEscalated || !slices.Equal(ev.Args, want) ||
		ev.Detail != "unit_head: skipped: the recipient is the unit_head themself" {
		t.Errorf("escalated event = %+v", ev)
	}
	f.fireAll(t0.Add(30 * time.Minute))
	if r := f.recipient(a.ID, "o-wu"); len(r.Escalations) != 3 || !slices.Equal(r.Escalations[2].People, []string{"o-liu"}) {
		t.Errorf("the chain did not go on to the 分管领导: %+v", r.Escalations)
	}
}

// A step resolved from a role into named people keeps the role: the 带班领导
// of a check-in.
func TestFireKeepsTheRoleOfNamedPeople(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-duty")
	a := f.create(Request{Level: "red", Title: "到岗签到", Targets: Targets{Officials: []string{"o-zhang"}},
		Steps: []Step{{After: 15 * time.Minute, Action: "escalate", To: ToOfficials + "o-duty", Role: "shift_leader"}}})
	f.deliverKind(storage.RefCall, testStart)
	f.fireAll(testStart.Add(15 * time.Minute))
	r := f.recipient(a.ID, "o-zhang")
	if len(r.Escalations) != 1 || r.Escalations[0].Role != "shift_leader" || !slices.Equal(r.Escalations[0].People, []string{"o-duty"}) {
		t.Errorf("escalations = %+v", r.Escalations)
	}
	n := 0
	for _, x := range f.events(a.ID) {
		if x.Type == storage.EvEscalated {
			n++
			if !slices.Equal(x.Args, []storage.Arg{storage.Word("To", storage.VocabRole, "shift_leader"), storage.Officials("People", "o-duty")}) {
				t.Errorf("escalated event args = %+v", x.Args)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d escalated events", n)
	}
}
