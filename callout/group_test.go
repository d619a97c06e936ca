package callout

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

const groupChat int64 = -500

// newGroupFixture is the test town with 防汛群 (应急办's 张明, 李芳, 吴敏, 杜峰
// expected), bound to groupChat unless unbound; canPost says whether the
// bot may post there.
func newGroupFixture(t *testing.T, bound, canPost bool) *fixture {
	t.Helper()
	f := newFixtureYAML(t, testYAML+"groups:\n  - {id: g-flood, name: 防汛群, units: [yjb]}\n  - {id: g-safe, name: 安全群, units: [cgdd]}\n")
	if bound {
		f.update(func(tx *storage.Tx) error {
			return tx.PutGroupChat(storage.GroupChat{ChatID: groupChat, Group: "g-flood", CanPost: canPost, State: storage.GroupMember})
		})
	}
	return f
}

// fireGroups fires the owed group edits due at now, as the scheduler does.
func (f *fixture) fireGroups(now time.Time) int {
	f.t.Helper()
	f.setClock(now)
	n := 0
	f.update(func(tx *storage.Tx) error {
		var due []storage.Deadline
		for _, d := range tx.DueDeadlines(now, 512) {
			if strings.HasPrefix(d.Key, GroupDeadlinePrefix) {
				due = append(due, d)
				if err := tx.DeleteDeadline(d); err != nil {
					return err
				}
			}
		}
		n = len(due)
		return f.e.FireGroups(tx, due, now)
	})
	return n
}

func TestParseGroupAck(t *testing.T) {
	for _, tc := range []struct {
		data         string
		alert, group string
		ok           bool
	}{
		{GroupAckData("20261130-0001", "g-flood"), "20261130-0001", "g-flood", true},
		{"gak:20261130-0001", "", "", false},
		{"gak::g-flood", "", "", false},
		{"gak:20261130-0001:", "", "", false},
		{"ack:20261130-0001:o-li", "", "", false},
		{"gak:a:b:c", "", "", false},
	} {
		a, g, ok := ParseGroupAck(tc.data)
		if a != tc.alert || g != tc.group || ok != tc.ok {
			t.Errorf("ParseGroupAck(%q) = %q, %q, %v; want %q, %q, %v", tc.data, a, g, ok, tc.alert, tc.group, tc.ok)
		}
	}
	if d := GroupAckData("20261130-99999", "g-abcdefghijklmnopqrstuv"); len(d) > 64 {
		t.Errorf("button data %q is longer than Telegram's 64 bytes", d)
	}
}

// Groups the bot cannot post in and unknown groups are refused and nothing is created; an official both named and
// expected in the group is called privately.
func TestGroupTargets(t *testing.T) {
	for _, tc := range []struct {
		name           string
		bound, canPost bool
		targets        Targets
		want           string // error; "" for created
	}{
		{"unknown", true, true, Targets{Groups: []string{"g-x"}}, `unknown group "g-x"`},
		{"another group, not bound", true, true, Targets{Groups: []string{"g-flood", "g-safe"}}, `group "g-safe" is not bound`},
		{"not bound", false, true, Targets{Groups: []string{"g-flood"}}, `not bound to a chat`},
		{"cannot post", true, false, Targets{Groups: []string{"g-flood"}}, `cannot post`},
		{"bound", true, true, Targets{Groups: []string{"g-flood"}, Officials: []string{"o-li", "o-qian"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newGroupFixture(t, tc.bound, tc.canPost)
			f.bind(allOfficials...)
			a, err := f.e.Create(Request{Level: "red", Title: "汛情", Targets: tc.targets})
			var verr *ValidationError
			if tc.want != "" {
				if !errors.As(err, &verr) || !strings.Contains(verr.Reason, tc.want) {
					t.Fatalf("Create = %v, want a refusal saying %q", err, tc.want)
				}
				if js := f.jobs(); len(js) != 0 {
					t.Errorf("a refused alert queued %d messages", len(js))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"o-zhang": "g-flood", "o-li": "", "o-wu": "g-flood", "o-duty": "g-flood", "o-qian": ""}
			if len(a.Recipients) != len(want) {
				t.Errorf("recipients %v, want %v", a.Recipients, want)
			}
			for o, g := range want {
				if r := f.recipient(a.ID, o); r.Group != g {
					t.Errorf("%s called in %q, want %q", o, r.Group, g)
				}
			}
			if n := len(f.jobsFor(storage.RefCall, "")); n != 2 {
				t.Errorf("%d private calls, want 2 (李芳, 钱进)", n)
			}
			post := f.oneJob(storage.RefGroup, "")
			if post.ChatID != groupChat || post.Op != storage.OpSend {
				t.Errorf("group post %+v", post)
			}
			text, buttons := f.render(post)
			mustContain(t, "group post", text, "请以下人员确认：张明、吴敏、杜峰", "已应 0/3 · 未应：张明、吴敏、杜峰")
			mustNotContain(t, "group post", text, "李芳", "1380000")
			if len(buttons) != 1 || buttons[0][0].Data != GroupAckData(a.ID, "g-flood") {
				t.Errorf("buttons %v", buttons)
			}
		})
	}
}

// Presses are recorded once, by the expected, on the alert's own message;
// edits are at most one per interval, the presses in between shown by one
// owed edit; a failed post escalates at once.
func TestGroupAckAndEdits(t *testing.T) {
	f := newGroupFixture(t, true, true)
	f.bind(allOfficials...)
	a := f.create(Request{Level: "red", Title: "汛情", Targets: Targets{Groups: []string{"g-flood"}}})
	f.deliver(f.oneJob(storage.RefGroup, ""), 77, testStart)
	if r := f.recipient(a.ID, "o-li"); !r.SentAt.Equal(testStart) || r.NextAt.IsZero() {
		t.Fatalf("李芳's clock did not start with the post: %+v", r)
	}

	refusals := []struct {
		who, group string
		chat       int64
		msg        int
		want       error
	}{
		{"o-zhang", "g-flood", groupChat, 78, ErrWrongPlace},
		{"o-zhang", "g-flood", -600, 77, ErrWrongPlace},
		{"o-zhang", "g-safe", groupChat, 77, ErrWrongPlace},
		{"o-qian", "g-flood", groupChat, 77, ErrNotExpected},
	}
	for _, r := range refusals {
		if _, err := f.e.GroupAck(r.who, a.ID, r.group, r.chat, r.msg); !errors.Is(err, r.want) {
			t.Errorf("GroupAck(%s, %s, %d, %d) = %v, want %v", r.who, r.group, r.chat, r.msg, err, r.want)
		}
	}

	f.setClock(testStart.Add(time.Second))
	for _, o := range []string{"o-zhang", "o-li", "o-wu"} {
		if _, err := f.e.GroupAck(o, a.ID, "g-flood", groupChat, 77); err != nil {
			t.Fatalf("GroupAck(%s): %v", o, err)
		}
	}
	if _, err := f.e.GroupAck("o-li", a.ID, "g-flood", groupChat, 77); !errors.Is(err, ErrAlready) {
		t.Errorf("second press: %v, want ErrAlready", err)
	}
	if r := f.recipient(a.ID, "o-li"); r.State != StateAcked || r.AckedIn != ChannelGroup || !r.NextAt.IsZero() {
		t.Errorf("李芳 = %+v", r)
	}
	if n := f.countEvents(a.ID, storage.EvAcked, "o-li"); n != 1 {
		t.Errorf("%d ack events for 李芳", n)
	}
	if js := f.jobsFor(storage.RefGroup, ""); len(js) != 0 {
		t.Fatalf("edited within the interval of the post: %+v", js)
	}
	if n := f.fireGroups(testStart.Add(2 * time.Second)); n != 0 {
		t.Fatalf("%d owed edits fired before the interval", n)
	}
	if n := f.fireGroups(testStart.Add(3 * time.Second)); n != 1 {
		t.Fatalf("%d owed edits fired at the interval, want 1", n)
	}
	edit := f.oneJob(storage.RefGroup, "")
	if edit.Op != storage.OpEdit || edit.MessageID != 77 || edit.Key != "edit:-500:77" {
		t.Errorf("edit %+v", edit)
	}
	text, _ := f.render(edit)
	mustContain(t, "edit", text, "已应 3/4 · 未应：杜峰")

	// The last one, after the interval: the alert is done, the group sees it.
	f.deliver(edit, 77, testStart.Add(3*time.Second))
	f.setClock(testStart.Add(10 * time.Second))
	if _, err := f.e.GroupAck("o-duty", a.ID, "g-flood", groupChat, 77); err != nil {
		t.Fatal(err)
	}
	text, buttons := f.render(f.oneJob(storage.RefGroup, ""))
	mustContain(t, "final", text, "全部已确认（4/4")
	if buttons != nil {
		t.Errorf("the done alert keeps its button")
	}
	if got := f.alert(a.ID); got.State != AlertDone {
		t.Errorf("alert %s, want done", got.State)
	}
}

// A post the bot cannot make (removed from the group meanwhile) makes
// every member it called unreachable, which escalates them at once.
func TestGroupPostFailed(t *testing.T) {
	f := newGroupFixture(t, true, true)
	f.bind(allOfficials...)
	a := f.create(Request{Level: "red", Title: "汛情", Targets: Targets{Groups: []string{"g-flood"}}})
	f.fail(f.oneJob(storage.RefGroup, ""), "Forbidden: bot was kicked from the group chat", true, testStart)
	r := f.recipient(a.ID, "o-zhang")
	if r.State != StateUnreachable || len(r.Escalations) == 0 {
		t.Errorf("张明 after a failed post: %+v", r)
	}
}

// The group became a supergroup: a press on the old chat's message still
// counts and the update is posted anew in the new chat; an edit Telegram
// refuses (the chat moved, told only by the answer) posts anew as well.
func TestGroupMoved(t *testing.T) {
	const super int64 = -1000000000500
	f := newGroupFixture(t, true, true)
	f.bind(allOfficials...)
	a := f.create(Request{Level: "red", Title: "汛情", Targets: Targets{Groups: []string{"g-flood"}}})
	f.deliver(f.oneJob(storage.RefGroup, ""), 77, testStart)
	f.update(func(tx *storage.Tx) error {
		if err := tx.PutGroupChat(storage.GroupChat{ChatID: groupChat, Group: "g-flood", MovedTo: super}); err != nil {
			return err
		}
		return tx.PutGroupChat(storage.GroupChat{ChatID: super, Group: "g-flood", CanPost: true, MigratedFrom: groupChat})
	})
	f.setClock(testStart.Add(time.Minute))
	if _, err := f.e.GroupAck("o-zhang", a.ID, "g-flood", groupChat, 77); err != nil {
		t.Fatalf("press on the old chat's message: %v", err)
	}
	post := f.oneJob(storage.RefGroup, "")
	if post.Op != storage.OpSend || post.ChatID != super {
		t.Fatalf("after the move: %+v, want a post in the new chat", post)
	}
	f.deliver(post, 5, testStart.Add(time.Minute))
	if _, err := f.e.GroupAck("o-li", a.ID, "g-flood", super, 5); err != nil {
		t.Fatalf("press on the new message: %v", err)
	}
	if _, err := f.e.GroupAck("o-wu", a.ID, "g-flood", groupChat, 77); err != nil {
		t.Fatalf("a later press on the old message: %v", err)
	}
	f.fireGroups(testStart.Add(time.Minute + 3*time.Second))
	edit := f.oneJob(storage.RefGroup, "")
	if edit.Op != storage.OpEdit || edit.ChatID != super || edit.MessageID != 5 {
		t.Fatalf("edit %+v, want one of the new message", edit)
	}
	text, _ := f.render(edit)
	mustContain(t, "new message", text, "已应 3/4 · 未应：杜峰")

	// Telegram refuses the edit for good: posted anew.
	f.fail(edit, "Bad Request: message to edit not found", false, testStart.Add(2*time.Minute))
	again := f.oneJob(storage.RefGroup, "")
	if again.Op != storage.OpSend || again.ChatID != super {
		t.Errorf("after a refused edit: %+v, want a new post", again)
	}
}

// A group post Telegram has not taken for the first step's after (5xx,
// timeouts) escalates its recipients now; delivered later, they count as
// reached and still silent.
func TestGroupPostStalled(t *testing.T) {
	f := newGroupFixture(t, true, true)
	f.bind(allOfficials...)
	a := f.create(Request{Level: "red", Title: "汛情", Targets: Targets{Groups: []string{"g-flood"}}})
	post := f.oneJob(storage.RefGroup, "")
	if post.StallAfter != 10*time.Minute {
		t.Errorf("post StallAfter %v, want the first step's 10m", post.StallAfter)
	}
	at := testStart.Add(10 * time.Minute)
	f.update(func(tx *storage.Tx) error { return f.e.Stalled(tx, post, testStart, at) })
	if r := f.recipient(a.ID, "o-li"); r.State != StateUnreachable || len(r.Escalations) == 0 {
		t.Fatalf("李芳 after a stalled post: %+v", r)
	}
	f.deliver(post, 77, at.Add(time.Minute))
	if r := f.recipient(a.ID, "o-li"); r.State != StateEscalated || r.SentAt.IsZero() {
		t.Errorf("李芳 after the late post: %+v, want escalated, reached", r)
	}
}
