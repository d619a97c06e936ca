package callout

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

func TestAckErrors(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li")
	a := f.deliveredAlert(testStart, "o-zhang", "o-li")
	tests := []struct {
		name                      string
		presser, alert, recipient string
		want                      error
	}{
		{"someone else's button", "o-li", a.ID, "o-zhang", ErrNotYours},
		{"unknown alert", "o-zhang", "20991231-0001", "o-zhang", ErrUnknownAlert},
		{"not a recipient", "o-he", a.ID, "o-he", ErrNotYours},
		{"empty presser", "", a.ID, "o-zhang", ErrNotYours},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.e.Ack(tt.presser, tt.alert, tt.recipient); !errors.Is(err, tt.want) {
				t.Errorf("Ack = %v, want %v", err, tt.want)
			}
		})
	}
	if r := f.recipient(a.ID, "o-zhang"); r.State != StatePending {
		t.Errorf("a refused press changed the recipient: %+v", r)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("a refused press queued %+v", js)
	}
}

func TestAck(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-duty")
	t0 := testStart
	a := f.create(Request{Level: "red", Title: "暴雨", Issuer: "o-duty", Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
	calls := f.deliverKind(storage.RefCall, t0)
	f.deliverKind(storage.RefSummary, t0)
	f.drain()
	if _, ok := f.deadlineOf(a.ID, "o-zhang"); !ok {
		t.Fatal("no deadline after delivery")
	}

	first := t0.Add(3 * time.Minute)
	f.setClock(first)
	out, err := f.e.Ack("o-zhang", a.ID, "o-zhang")
	if err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if !out.At.Equal(first) || out.Latency != 3*time.Minute || out.Alert.ID != a.ID {
		t.Errorf("outcome = %+v", out)
	}
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StateAcked || r.AckedBy != "o-zhang" || !r.AckedAt.Equal(first) || !r.NextAt.IsZero() {
		t.Errorf("recipient = %+v", r)
	}
	if _, ok := f.deadlineOf(a.ID, "o-zhang"); ok {
		t.Error("the deadline survived the acknowledgement")
	}
	if _, ok := f.deadlineOf(a.ID, "o-li"); !ok {
		t.Error("the other recipient's deadline went too")
	}
	if got := f.countEvents(a.ID, storage.EvAcked, "o-zhang"); got != 1 {
		t.Errorf("acked events = %d", got)
	}
	// The call message loses its button and shows the answer.
	edit := f.oneJob(storage.RefUpdate, "o-zhang")
	if edit.Op != storage.OpEdit || edit.ChatID != f.chat("o-zhang") || edit.MessageID != r.Messages[0].MessageID ||
		len(edit.Buttons) != 0 {
		t.Errorf("edit = %+v (calls %+v)", edit, calls)
	}
	mustContain(t, "edited call", edit.Text, "暴雨", "已于 08:03 确认收到")
	// The issuer's summary is edited.
	sum := f.oneJob(storage.RefSummary, "o-duty")
	if sum.Op != storage.OpEdit || sum.MessageID == 0 {
		t.Errorf("summary refresh = %+v", sum)
	}
	text, _ := f.render(sum)
	mustContain(t, "summary", text, "已应答 1/2", "未应答：李芳")
	if got := f.alert(a.ID); got.State != AlertOpen || got.Unanswered != 1 {
		t.Errorf("alert = %+v", got)
	}
	f.drain()

	// A second press: already answered, at the first time.
	f.setClock(t0.Add(7 * time.Minute))
	out, err = f.e.Ack("o-zhang", a.ID, "o-zhang")
	if !errors.Is(err, ErrAlready) || !out.At.Equal(first) {
		t.Errorf("second Ack = %+v, %v; want ErrAlready at %v", out, err, first)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("second press queued %+v", js)
	}

	// The last answer completes the alert.
	last := t0.Add(8 * time.Minute)
	f.setClock(last)
	if _, err := f.e.Ack("o-li", a.ID, "o-li"); err != nil {
		t.Fatal(err)
	}
	got := f.alert(a.ID)
	if got.State != AlertDone || !got.ClosedAt.Equal(last) || got.Unanswered != 0 {
		t.Errorf("alert after the last answer = %+v", got)
	}
	if n := f.countEvents(a.ID, storage.EvCompleted, ""); n != 1 {
		t.Errorf("completed events = %d", n)
	}
	if ds := f.deadlines(); len(ds) != 0 {
		t.Errorf("deadlines left: %+v", ds)
	}
	text, buttons := f.render(f.oneJob(storage.RefSummary, "o-duty"))
	mustContain(t, "final summary", text, "已应答 2/2", "全部应答（08:08）")
	if buttons != nil {
		t.Errorf("a finished summary keeps buttons: %+v", buttons)
	}
	// Pressing again after completion still says "already".
	if _, err := f.e.Ack("o-li", a.ID, "o-li"); !errors.Is(err, ErrAlready) {
		t.Errorf("Ack after completion = %v", err)
	}
}

func TestAckBeforeDelivery(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	out, err := f.e.Ack("o-zhang", a.ID, "o-zhang")
	if err != nil {
		t.Fatal(err)
	}
	if out.Latency != -1 {
		t.Errorf("latency = %v, want -1 for an undelivered call", out.Latency)
	}
	if got := f.alert(a.ID); got.State != AlertDone {
		t.Errorf("alert = %+v", got)
	}
}

func TestAckAfterClose(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	a := f.deliveredAlert(testStart, "o-zhang")
	if _, err := f.e.CloseByAPI(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); !errors.Is(err, ErrClosed) {
		t.Errorf("Ack after Close = %v, want ErrClosed", err)
	}
	if r := f.recipient(a.ID, "o-zhang"); r.State == StateAcked {
		t.Error("acknowledged a closed alert")
	}
}

func TestAckUnreachableRecipient(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
	// o-li was unbound, binds later and answers from /status or an API call.
	if r := f.recipient(a.ID, "o-li"); r.State != StateUnreachable {
		t.Fatalf("o-li = %+v", r)
	}
	if _, err := f.e.Ack("o-li", a.ID, "o-li"); err != nil {
		t.Fatal(err)
	}
	if r := f.recipient(a.ID, "o-li"); r.State != StateAcked {
		t.Errorf("o-li = %+v", r)
	}
	if _, ok := f.deadlineOf(a.ID, "o-li"); ok {
		t.Error("deadline survived")
	}
}

// handleFixture has o-zhang and o-li escalated to their head 吴敏, and
// 钱进 (no head) keeping the alert open.
func handleFixture(t *testing.T) (*fixture, Alert) {
	t.Helper()
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-wu", "o-qian")
	a := f.deliveredAlert(testStart, "o-zhang", "o-li", "o-qian")
	f.fireAll(testStart.Add(20 * time.Minute))
	f.drain()
	if n := f.notice(a.ID, "o-wu"); len(n.Silent) != 2 {
		t.Fatalf("notice = %+v", n)
	}
	return f, a
}

func TestHandle(t *testing.T) {
	f, a := handleFixture(t)
	for _, tt := range []struct {
		name                   string
		presser, alert, target string
		want                   error
	}{
		{"not the target", "o-li", a.ID, "o-wu", ErrNotYours},
		{"target without a notice", "o-he", a.ID, "o-he", ErrNotYours},
		{"recipient pressing for themself", "o-zhang", a.ID, "o-zhang", ErrNotYours},
		{"unknown alert", "o-wu", "20991231-0001", "o-wu", ErrUnknownAlert},
	} {
		if _, err := f.e.Handle(tt.presser, tt.alert, tt.target); !errors.Is(err, tt.want) {
			t.Errorf("%s: Handle = %v, want %v", tt.name, err, tt.want)
		}
	}
	if js := f.jobs(); len(js) != 0 {
		t.Fatalf("refused presses queued %+v", js)
	}

	at := testStart.Add(25 * time.Minute)
	f.setClock(at)
	out, err := f.e.Handle("o-wu", a.ID, "o-wu")
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	slices.Sort(out.Handled)
	if !slices.Equal(out.Handled, []string{"o-li", "o-zhang"}) || !out.At.Equal(at) {
		t.Errorf("outcome = %+v", out)
	}
	for _, o := range []string{"o-zhang", "o-li"} {
		r := f.recipient(a.ID, o)
		if r.State != StateAcked || r.AckedBy != "o-wu" || !r.AckedAt.Equal(at) {
			t.Errorf("%s = %+v", o, r)
		}
		if _, ok := f.deadlineOf(a.ID, o); ok {
			t.Errorf("%s keeps a deadline", o)
		}
		if n := f.countEvents(a.ID, storage.EvHandled, o); n != 1 {
			t.Errorf("handled events for %s = %d", o, n)
		}
		edit := f.oneJob(storage.RefUpdate, o)
		mustContain(t, "edited call", edit.Text, "吴敏", "接手处理")
	}
	for _, ev := range f.events(a.ID) {
		if ev.Type == storage.EvHandled && ev.Actor != "o-wu" {
			t.Errorf("handled event by %q", ev.Actor)
		}
	}
	if n := f.notice(a.ID, "o-wu"); !n.Handled || !n.HandledAt.Equal(at) {
		t.Errorf("notice = %+v", n)
	}
	if r := f.recipient(a.ID, "o-qian"); r.State != StateEscalated {
		t.Errorf("o-qian = %+v", r)
	}
	if got := f.alert(a.ID); got.State != AlertOpen || got.Unanswered != 1 {
		t.Errorf("alert = %+v", got)
	}
	// The notice is refreshed: nobody silent, no button.
	text, buttons := f.render(f.oneJob(storage.RefNotice, "o-wu"))
	mustContain(t, "refreshed notice", text, "您已于 08:25 接手：李芳、张明")
	if buttons != nil {
		t.Errorf("refreshed notice buttons = %+v", buttons)
	}

	if _, err := f.e.Handle("o-wu", a.ID, "o-wu"); !errors.Is(err, ErrAlready) {
		t.Errorf("second Handle = %v, want ErrAlready", err)
	}
	// The recipients' own late presses are "already".
	if out, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); !errors.Is(err, ErrAlready) || !out.At.Equal(at) {
		t.Errorf("Ack after Handle = %+v, %v", out, err)
	}
}

func TestHandleSkipsThoseWhoAnswered(t *testing.T) {
	f, a := handleFixture(t)
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	out, err := f.e.Handle("o-wu", a.ID, "o-wu")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Handled, []string{"o-li"}) {
		t.Errorf("handled = %v, want only o-li", out.Handled)
	}
	if r := f.recipient(a.ID, "o-zhang"); r.AckedBy != "o-zhang" {
		t.Errorf("o-zhang acked by %q", r.AckedBy)
	}
	if got := f.alert(a.ID); got.Unanswered != 1 {
		t.Errorf("unanswered = %d, want 1 (o-qian)", got.Unanswered)
	}
}

func TestHandleCompletesAlert(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li", "o-wu")
	a := f.deliveredAlert(testStart, "o-zhang", "o-li")
	f.fireAll(testStart.Add(20 * time.Minute))
	if _, err := f.e.Handle("o-wu", a.ID, "o-wu"); err != nil {
		t.Fatal(err)
	}
	if got := f.alert(a.ID); got.State != AlertDone || got.Unanswered != 0 {
		t.Errorf("alert = %+v", got)
	}
	if n := f.countEvents(a.ID, storage.EvCompleted, ""); n != 1 {
		t.Errorf("completed events = %d", n)
	}
	if _, err := f.e.Handle("o-wu", a.ID, "o-wu"); !errors.Is(err, ErrClosed) {
		t.Errorf("Handle on a finished alert = %v, want ErrClosed", err)
	}
}

func TestHandleAfterClose(t *testing.T) {
	f, a := handleFixture(t)
	if _, err := f.e.CloseByAPI(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Handle("o-wu", a.ID, "o-wu"); !errors.Is(err, ErrClosed) {
		t.Errorf("Handle after Close = %v, want ErrClosed", err)
	}
}

func TestClose(t *testing.T) {
	tests := []struct {
		name, issuer, actor string
		want                error
	}{
		{"issuer", "o-liu", "o-liu", nil},
		{"admin", "o-liu", "o-admin", nil},
		{"principal", "o-liu", "o-he", nil},
		{"duty leader", "o-liu", "o-duty", nil},
		{"second duty leader", "", "o-duty2", nil},
		{"api", "o-liu", "api", nil},
		{"api alert by api", "", "api", nil},
		{"staff", "o-liu", "o-zhang", ErrForbidden},
		{"leader who did not issue it", "o-duty", "o-liu", ErrForbidden},
		{"unit head", "o-duty", "o-wu", ErrForbidden},
		{"unknown official", "o-duty", "o-ghost", ErrForbidden},
		{"empty actor on an API alert", "", "", ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.bind("o-zhang", "o-li")
			a := f.create(Request{Level: "red", Title: "t", Issuer: tt.issuer,
				Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
			f.deliverKind(storage.RefCall, testStart)
			f.drain()
			at := testStart.Add(5 * time.Minute)
			f.setClock(at)
			close := f.e.Close
			if tt.actor == "api" {
				close = func(_, id string) (Alert, error) { return f.e.CloseByAPI(id) }
			}
			got, err := close(tt.actor, a.ID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Close(%q) = %v, want %v", tt.actor, err, tt.want)
			}
			if tt.want != nil {
				if s := f.alert(a.ID); s.State != AlertOpen {
					t.Errorf("refused close changed the alert: %+v", s)
				}
				if len(f.deadlines()) != 2 || len(f.jobs()) != 0 {
					t.Errorf("refused close touched deadlines or queue")
				}
				return
			}
			if got.State != AlertClosed || got.ClosedBy != tt.actor || !got.ClosedAt.Equal(at) {
				t.Errorf("closed alert = %+v", got)
			}
			if s := f.alert(a.ID); s.State != AlertClosed {
				t.Errorf("stored = %+v", s)
			}
			if ds := f.deadlines(); len(ds) != 0 {
				t.Errorf("deadlines left: %+v", ds)
			}
			for _, o := range []string{"o-zhang", "o-li"} {
				if r := f.recipient(a.ID, o); !r.NextAt.IsZero() || r.State != StatePending {
					t.Errorf("%s = %+v", o, r)
				}
				edit := f.oneJob(storage.RefUpdate, o)
				if edit.Op != storage.OpEdit || len(edit.Buttons) != 0 {
					t.Errorf("edit = %+v", edit)
				}
				mustContain(t, "closed call", edit.Text, "叫应已于 08:05 结束")
			}
			if n := f.countEvents(a.ID, storage.EvClosed, ""); n != 1 {
				t.Errorf("closed events = %d", n)
			}
			if _, err := close(tt.actor, a.ID); !errors.Is(err, ErrClosed) {
				t.Errorf("second Close = %v, want ErrClosed", err)
			}
			if _, err := f.e.CloseByAPI(a.ID); !errors.Is(err, ErrClosed) {
				t.Errorf("second Close by api = %v, want ErrClosed", err)
			}
		})
	}
}

func TestCloseUnknownAndDone(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	if _, err := f.e.CloseByAPI("20991231-0001"); !errors.Is(err, ErrUnknownAlert) {
		t.Errorf("Close unknown = %v", err)
	}
	a := f.deliveredAlert(testStart, "o-zhang")
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.CloseByAPI(a.ID); !errors.Is(err, ErrClosed) {
		t.Errorf("Close of a finished alert = %v, want ErrClosed", err)
	}
}

func TestCloseSummary(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-duty")
	a := f.create(Request{Level: "red", Title: "t", Issuer: "o-duty", Targets: Targets{Officials: []string{"o-zhang"}}})
	f.drain()
	f.setClock(testStart.Add(30 * time.Minute))
	if _, err := f.e.Close("o-he", a.ID); err != nil {
		t.Fatal(err)
	}
	text, buttons := f.render(f.oneJob(storage.RefSummary, "o-duty"))
	mustContain(t, "closed summary", text, "已于 08:30 由 何军 结束")
	if buttons != nil {
		t.Errorf("closed summary buttons = %+v", buttons)
	}
}

// After an answer each of the recipient's messages is edited to show it,
// and keeps its own heading: the reminder stays 第二次叫应, also when the
// answer came while the reminder was on its way, and in a record written
// before messages knew their kind the call heading is used.
func TestAckKeepsTheSecondCallHeading(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li")
	t0 := testStart
	a := f.deliveredAlert(t0, "o-zhang", "o-li")
	f.fireOnce(t0.Add(10 * time.Minute))
	remind := f.oneJob(storage.RefRemind, "o-zhang")
	f.deliver(remind, 500, t0.Add(10*time.Minute))
	lateRemind := f.oneJob(storage.RefRemind, "o-li") // still on its way
	f.drain()

	f.setClock(t0.Add(12 * time.Minute))
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Ack("o-li", a.ID, "o-li"); err != nil {
		t.Fatal(err)
	}
	f.deliver(lateRemind, 600, t0.Add(12*time.Minute))
	edits := map[int]string{}
	for _, j := range f.jobsFor(storage.RefUpdate, "") {
		edits[j.MessageID] = j.Text
	}
	call := f.recipient(a.ID, "o-zhang").Messages[0].MessageID
	for _, tc := range []struct {
		what    string
		msg     int
		heading string
	}{
		{"张明's call", call, "📣 叫应"},
		{"张明's reminder", 500, "⏰ 第二次叫应"},
		{"李芳's reminder, answered on its way", 600, "⏰ 第二次叫应"},
	} {
		text, ok := edits[tc.msg]
		if !ok {
			t.Errorf("%s (message %d) was not edited; edits %v", tc.what, tc.msg, edits)
			continue
		}
		if !strings.HasPrefix(text, tc.heading) || !strings.Contains(text, "已于 08:12 确认收到") {
			t.Errorf("%s edited to:\n%s\nwant it to start with %q and show the answer", tc.what, text, tc.heading)
		}
	}

	// A recipient stored before MessageRef had a kind: its messages read
	// as calls (the old behaviour), nothing breaks.
	old := f.create(Request{Level: "red", Title: "旧记录", Targets: Targets{Officials: []string{"o-zhang"}}})
	f.deliverKind(storage.RefCall, t0.Add(13*time.Minute))
	f.drain()
	f.update(func(tx *storage.Tx) error {
		r, err := LoadRecipient(tx, old.ID, "o-zhang")
		if err != nil {
			return err
		}
		r.Messages = append(r.Messages, MessageRef{ChatID: f.chat("o-zhang"), MessageID: 700})
		return PutRecipient(tx, r)
	})
	if _, err := f.e.Ack("o-zhang", old.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	edited := false
	for _, j := range f.jobsFor(storage.RefUpdate, "o-zhang") {
		if j.MessageID == 700 {
			edited = true
			if !strings.HasPrefix(j.Text, "📣 叫应") {
				t.Errorf("a kind-less message edited to %q", j.Text)
			}
		}
	}
	if !edited {
		t.Error("the kind-less message was not edited")
	}
}
