package callout

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

// crowdYAML is a unit of 14 staff (职工01…职工14) under the head 吴敏, the
// 分管领导 刘洋 and the principal 何军, on the default policy; the admin
// 安琪 is not bound.
func crowdYAML() string {
	var sb strings.Builder
	sb.WriteString(`
timezone: Asia/Shanghai
language: zh-CN
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
officials:
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
`)
	for i := 1; i <= 14; i++ {
		fmt.Fprintf(&sb, "  - {id: %s, name: %s, phone: \"139000000%02d\", unit: yjb, roles: [staff]}\n", crowdID(i), crowdName(i), i)
	}
	sb.WriteString(`escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 20m, action: escalate, to: unit_head}
      - {after: 30m, action: escalate, to: leader}
      - {after: 45m, action: escalate, to: principal}
  levels: {blue: default, yellow: default, orange: default, red: default}
`)
	return sb.String()
}

func crowdID(i int) string   { return fmt.Sprintf("o-s%02d", i) }
func crowdName(i int) string { return fmt.Sprintf("职工%02d", i) }

// fakeChats plays the dispatcher and Telegram for the engine: it delivers
// queued jobs in order, keeps each chat's messages as they now read, and
// refuses edits of messages the user deleted.
type fakeChats struct {
	f       *fixture
	chatOf  map[string]int64 // official → chat
	msgs    map[int]*sentMsg // by message id
	order   []int            // message ids in send order
	deleted map[int]bool
	next    int
}

type sentMsg struct {
	chat    int64
	id      int
	text    string
	buttons [][]storage.Button
	edits   int
}

func newFakeChats(f *fixture, officials ...string) *fakeChats {
	c := &fakeChats{f: f, chatOf: map[string]int64{}, msgs: map[int]*sentMsg{}, deleted: map[int]bool{}, next: 1000}
	now := f.clk.Now()
	f.update(func(tx *storage.Tx) error {
		for i, id := range officials {
			chat := int64(7001 + i)
			c.chatOf[id] = chat
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: chat, UserID: chat, BoundAt: now, Source: "config"}); err != nil {
				return err
			}
		}
		return nil
	})
	return c
}

// flush delivers every queued job at at, as the dispatcher would.
func (c *fakeChats) flush(at time.Time) {
	c.f.t.Helper()
	c.f.setClock(at)
	for range 100 {
		js := c.f.jobs()
		if len(js) == 0 {
			return
		}
		for _, j := range js {
			c.deliverJob(j, at)
		}
	}
	c.f.t.Fatal("the queue does not empty")
}

// flushOnly delivers the queued jobs matching keep.
func (c *fakeChats) flushOnly(at time.Time, keep func(storage.Job) bool) {
	c.f.t.Helper()
	c.f.setClock(at)
	for _, j := range c.f.jobs() {
		if keep(j) {
			c.deliverJob(j, at)
		}
	}
}

func (c *fakeChats) deliverJob(j storage.Job, at time.Time) {
	c.f.t.Helper()
	f := c.f
	if j.Lazy {
		var ok bool
		f.view(func(tx *storage.Tx) error {
			var err error
			j.Text, j.Buttons, ok, err = f.e.Render(tx, j)
			return err
		})
		if !ok {
			f.update(func(tx *storage.Tx) error { return tx.DeleteJob(j) })
			return
		}
	}
	var id int
	switch j.Op {
	case storage.OpEdit:
		m := c.msgs[j.MessageID]
		if m == nil || m.chat != j.ChatID || c.deleted[j.MessageID] {
			f.fail(j, "permanent failure: Bad Request: message to edit not found", false, at)
			return
		}
		m.text, m.buttons = j.Text, j.Buttons
		m.edits++
		id = m.id
	default:
		c.next++
		id = c.next
		c.msgs[id] = &sentMsg{chat: j.ChatID, id: id, text: j.Text, buttons: j.Buttons}
		c.order = append(c.order, id)
	}
	f.deliver(j, id, at)
}

// about returns the messages in an official's chat that name the alert.
func (c *fakeChats) about(official, alertID string) []*sentMsg {
	var out []*sentMsg
	for _, id := range c.order {
		m := c.msgs[id]
		if m.chat == c.chatOf[official] && strings.Contains(m.text, "#"+alertID) {
			out = append(out, m)
		}
	}
	return out
}

// notices returns the escalation notices in an official's chat.
func (c *fakeChats) notices(official, alertID string) []*sentMsg {
	var out []*sentMsg
	for _, m := range c.about(official, alertID) {
		if strings.Contains(m.text, "叫应升级") {
			out = append(out, m)
		}
	}
	return out
}

// callOf matches the first call of a recipient.
func callOf(official string) func(storage.Job) bool {
	return func(j storage.Job) bool { return j.Ref.Kind == storage.RefCall && j.Ref.Official == official }
}

// Fourteen recipients whose calls were delivered half a minute apart fall
// silent one by one: each person up the chain gets one notice for the
// alert, edited as more fall silent and some answer, not one per recipient.
func TestNoticeOneMessagePerAlertAndPerson(t *testing.T) {
	f := newFixtureYAML(t, crowdYAML())
	people := []string{"o-wu", "o-liu", "o-he"}
	var staff []string
	for i := 1; i <= 14; i++ {
		staff = append(staff, crowdID(i))
	}
	c := newFakeChats(f, append(people, staff...)...)
	t0 := testStart
	a := f.create(Request{Level: "yellow", Title: "大风黄色预警", Source: "api", Targets: Targets{Officials: staff}})
	for i, s := range staff {
		c.flushOnly(t0.Add(time.Duration(i)*30*time.Second), callOf(s))
	}
	step := 30 * time.Second
	for now := t0; !now.After(t0.Add(55 * time.Minute)); now = now.Add(step) {
		f.fireAll(now)
		if now.Equal(t0.Add(26 * time.Minute)) {
			// Two answer after the unit head was told, before the 分管领导 is.
			for _, s := range staff[:2] {
				if _, err := f.e.Ack(s, a.ID, s); err != nil {
					t.Fatal(err)
				}
			}
		}
		c.flush(now)
	}
	for _, p := range people {
		ns := c.notices(p, a.ID)
		t.Logf("%s: %d notice message(s) for the alert, %d edits of the last", p, len(ns), ns[len(ns)-1].edits)
		if len(ns) != 1 {
			t.Errorf("%s got %d notices for one alert, want 1 (edited)", p, len(ns))
			continue
		}
		n := ns[0]
		mustContain(t, p+"'s notice", n.text, "以下 12 人未应答", crowdName(3), crowdName(14))
		if len(n.buttons) != 1 || n.buttons[0][0].Data != HandleData(a.ID, p) {
			t.Errorf("%s's notice buttons = %+v", p, n.buttons)
		}
		if got := f.notice(a.ID, p); got.MessageID != n.id || got.Messages != 1 {
			t.Errorf("%s's notice record = %+v, want message %d, 1 message", p, got, n.id)
		}
	}
	mustContain(t, "unit head's notice", c.notices("o-wu", a.ID)[0].text, "已应答："+crowdName(1)+"、"+crowdName(2))
	mustNotContain(t, "分管领导's notice", c.notices("o-liu", a.ID)[0].text, crowdName(1), crowdName(2))
	// Who was told when is unchanged: each escalation step, per recipient.
	for i, s := range staff[2:] {
		r := f.recipient(a.ID, s)
		if len(r.Escalations) != 4 {
			t.Fatalf("%s escalations = %+v", s, r.Escalations)
		}
		for k, after := range []time.Duration{20 * time.Minute, 30 * time.Minute, 45 * time.Minute} {
			want := t0.Add(time.Duration(i+2)*30*time.Second + after)
			if e := r.Escalations[k+1]; !e.At.Equal(want) || len(e.People) != 1 || e.People[0] != people[k] {
				t.Errorf("%s escalation %d = %+v, want %s at %s", s, k+1, e, people[k], want.Format("15:04:05"))
			}
		}
	}

	// The unit head takes over from the one notice: all 12 are settled.
	f.setClock(t0.Add(56 * time.Minute))
	out, err := f.e.Handle("o-wu", a.ID, "o-wu")
	if err != nil || len(out.Handled) != 12 {
		t.Fatalf("Handle = %+v, %v", out, err)
	}
	c.flush(t0.Add(56 * time.Minute))
	n := c.notices("o-wu", a.ID)
	if len(n) != 1 || n[0].buttons != nil {
		t.Fatalf("unit head's notices after taking over: %d, buttons %+v", len(n), n)
	}
	mustContain(t, "notice after take-over", n[0].text, "您已于 08:56 接手", "本次叫应已结束")
}

// A notice is edited while it is recent; someone added long after it rang
// (later than the alert's first step) rings a fresh notice, and the old
// one, its button gone, points to it: still one live notice.
func TestNoticeRingsAgainWhenOld(t *testing.T) {
	f := newFixtureYAML(t, crowdYAML())
	staff := []string{crowdID(1), crowdID(2), crowdID(3)}
	c := newFakeChats(f, append([]string{"o-wu", "o-liu", "o-he"}, staff...)...)
	t0 := testStart
	a := f.create(Request{Level: "yellow", Title: "大风黄色预警", Source: "api", Targets: Targets{Officials: staff}})
	// 职工01 at once, 职工02 a minute later, 职工03 a quarter of an hour later.
	for i, at := range []time.Duration{0, time.Minute, 15 * time.Minute} {
		c.flushOnly(t0.Add(at), callOf(staff[i]))
	}
	for now := t0.Add(15 * time.Minute); !now.After(t0.Add(35 * time.Minute)); now = now.Add(30 * time.Second) {
		f.fireAll(now)
		c.flush(now)
		if now.Equal(t0.Add(21 * time.Minute)) {
			if n := c.notices("o-wu", a.ID); len(n) != 1 || !strings.Contains(n[0].text, "以下 2 人未应答") {
				t.Fatalf("unit head at 08:21: %d notices", len(n))
			}
		}
	}
	ns := c.notices("o-wu", a.ID)
	if len(ns) != 2 {
		t.Fatalf("unit head got %d notices, want 2 (the second rings 15 minutes on)", len(ns))
	}
	old, live := ns[0], ns[1]
	if old.buttons != nil || strings.Contains(old.text, crowdName(1)) {
		t.Errorf("the old notice still reads as live: %q %+v", old.text, old.buttons)
	}
	mustContain(t, "old notice", old.text, "#"+a.ID, "已更新")
	mustContain(t, "live notice", live.text, "以下 3 人未应答", crowdName(1), crowdName(2), crowdName(3))
	if len(live.buttons) != 1 || live.buttons[0][0].Data != HandleData(a.ID, "o-wu") {
		t.Errorf("live notice buttons = %+v", live.buttons)
	}
	if got := f.notice(a.ID, "o-wu"); got.MessageID != live.id || got.Messages != 2 {
		t.Errorf("notice record = %+v, want message %d", got, live.id)
	}
	// An answer only edits the live notice.
	if _, err := f.e.Ack(staff[0], a.ID, staff[0]); err != nil {
		t.Fatal(err)
	}
	c.flush(t0.Add(36 * time.Minute))
	if ns := c.notices("o-wu", a.ID); len(ns) != 2 || !strings.Contains(ns[1].text, "已应答："+crowdName(1)) {
		t.Errorf("after an answer the unit head has %d notices, the live one reads %q", len(ns), ns[len(ns)-1].text)
	}
}

// An edit Telegram refuses (the user deleted the notice, or it is too old
// to edit) falls back to one new notice, which later changes edit in turn;
// nothing is re-sent once the notice has nothing left to ask.
func TestNoticeEditRefusedSendsOneNew(t *testing.T) {
	f := newFixtureYAML(t, crowdYAML())
	staff := []string{crowdID(1), crowdID(2), crowdID(3), crowdID(4)}
	c := newFakeChats(f, append([]string{"o-wu", "o-liu", "o-he"}, staff...)...)
	t0 := testStart
	a := f.create(Request{Level: "yellow", Title: "大风黄色预警", Source: "api", Targets: Targets{Officials: staff}})
	for i, s := range staff {
		c.flushOnly(t0.Add(time.Duration(i)*time.Minute), callOf(s))
	}
	f.fireAll(t0.Add(20 * time.Minute))
	c.flush(t0.Add(20 * time.Minute))
	first := c.notices("o-wu", a.ID)
	if len(first) != 1 {
		t.Fatalf("%d notices at 08:20", len(first))
	}
	c.deleted[first[0].id] = true // the unit head deletes it

	f.fireAll(t0.Add(21 * time.Minute))
	c.flush(t0.Add(21 * time.Minute))
	f.fireAll(t0.Add(22 * time.Minute))
	c.flush(t0.Add(22 * time.Minute))
	ns := c.notices("o-wu", a.ID)
	if len(ns) != 2 {
		t.Fatalf("unit head has %d notices, want the deleted one and one new", len(ns))
	}
	live := ns[1]
	if live.edits != 1 {
		t.Errorf("the new notice was edited %d times, want once (职工03 added)", live.edits)
	}
	mustContain(t, "new notice", live.text, "以下 3 人未应答", crowdName(1), crowdName(2), crowdName(3))
	if got := f.notice(a.ID, "o-wu"); got.MessageID != live.id || got.Messages != 2 {
		t.Errorf("notice record = %+v, want message %d", got, live.id)
	}
	if got := f.countEvents(a.ID, storage.EvFailed, "o-wu"); got != 1 {
		t.Errorf("failed events = %d, want the refused edit recorded", got)
	}

	// Deleted again, then everyone on it answers: nothing left to ask, so
	// the refused edit is not replaced by a new message.
	c.deleted[live.id] = true
	for _, s := range staff[:3] {
		if _, err := f.e.Ack(s, a.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	c.flush(t0.Add(22*time.Minute + 30*time.Second))
	if ns := c.notices("o-wu", a.ID); len(ns) != 2 {
		t.Errorf("unit head has %d notices after all on it answered, want still 2", len(ns))
	}
	if got := f.notice(a.ID, "o-wu"); got.MessageID != 0 {
		t.Errorf("notice record = %+v, want no live message", got)
	}
	// 职工04 falls silent later: a new notice rings for them.
	f.fireAll(t0.Add(23 * time.Minute))
	c.flush(t0.Add(23 * time.Minute))
	ns = c.notices("o-wu", a.ID)
	if len(ns) != 3 {
		t.Fatalf("unit head has %d notices, want a third for 职工04", len(ns))
	}
	mustContain(t, "third notice", ns[2].text, "以下 1 人未应答", crowdName(4), "已应答："+crowdName(1))
}
