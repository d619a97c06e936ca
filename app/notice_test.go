package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

// The crowd: staff of 应急办 职工01…职工NN, pre-bound to Telegram users
// 2001…, under the unit head 吴敏, the 分管领导 刘洋 and the principal 何军.
func crowdID(i int) string   { return fmt.Sprintf("o-s%02d", i) }
func crowdName(i int) string { return fmt.Sprintf("职工%02d", i) }
func crowdUser(i int) int64  { return 2000 + int64(i) }
func crowdTargets(n int) string {
	var ids []string
	for i := 1; i <= n; i++ {
		ids = append(ids, fmt.Sprintf("%q", crowdID(i)))
	}
	return `{"officials":[` + strings.Join(ids, ",") + `]}`
}

// newCrowdHarness starts the app with n crowd staff and binds the chain.
func newCrowdHarness(t *testing.T, n int) *harness {
	t.Helper()
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		var sb strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&sb, "  - {id: %s, name: %s, phone: \"139000000%02d\", unit: yjb, roles: [staff], telegram_id: %d}\n",
				crowdID(i), crowdName(i), i, crowdUser(i))
		}
		anchor := "roles: [unit_head]}\n"
		at := strings.LastIndex(y, anchor) + len(anchor)
		return y[:at] + sb.String() + y[at:]
	}})
	for i := 1; i <= n; i++ {
		h.srv.AddUser(fakeapi.User{ID: crowdUser(i), FirstName: crowdName(i), LanguageCode: "zh-hans"})
	}
	for _, u := range []int64{uWu, uLiu, uHe} {
		h.bind(u)
	}
	return h
}

// spreadCalls raises a yellow alert for the first n crowd staff whose calls
// Telegram takes one at a time, half a minute apart (answering 502 to the
// others until then; the app is down meanwhile, as after an outage). It
// returns the alert and each call as delivered.
func spreadCalls(h *harness, n int) (string, []fakeapi.Message) {
	h.t.Helper()
	refuse := func(from int) {
		h.srv.ClearFaults()
		for i := from; i <= n; i++ {
			h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: crowdUser(i), Code: 502, Times: -1})
		}
	}
	refuse(2)
	id := h.createAlert("yellow", "大风黄色预警", crowdTargets(n))
	calls := []fakeapi.Message{h.waitMsg(crowdUser(1), "大风黄色预警")}
	h.waitScheduled(id, crowdID(1), start.Add(10*time.Minute))
	for i := 2; i <= n; i++ {
		h.stop()
		refuse(i + 1)
		at := start.Add(time.Duration(i-1) * 30 * time.Second)
		h.advanceTo(at)
		h.startApp()
		calls = append(calls, h.waitMsg(crowdUser(i), "大风黄色预警"))
		h.waitScheduled(id, crowdID(i), at.Add(10*time.Minute))
	}
	return id, calls
}

// noticeNaming waits until chat shows a message about the alert naming who.
func (h *harness) noticeNaming(chat int64, id, who string) {
	h.t.Helper()
	h.eventually(fmt.Sprintf("chat %d's notice naming %s", chat, who), func() bool {
		for _, m := range h.messages(chat, "#"+id) {
			if strings.Contains(m.Text, who) {
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprint(h.messages(chat, "#"+id)) })
}

// Fourteen recipients whose calls went out half a minute apart fall silent
// one by one. The unit head, the 分管领导 and the principal each see one
// notice for the alert, edited as people fall silent and answer, across a
// restart, and its 我来处理 button takes over everyone still silent.
func TestOneNoticePerAlertAndPerson(t *testing.T) {
	const n = 14
	h := newCrowdHarness(t, n)
	id, calls := spreadCalls(h, n)

	chain := []struct {
		user  int64
		after time.Duration
	}{{uWu, 20 * time.Minute}, {uLiu, 30 * time.Minute}, {uHe, 45 * time.Minute}}
	acked := map[int]bool{}
	for tick := start.Add(10 * time.Minute); !tick.After(start.Add(52 * time.Minute)); tick = tick.Add(30 * time.Second) {
		h.advanceTo(tick)
		for i := 1; i <= n; i++ {
			if acked[i] {
				continue
			}
			delivered := start.Add(time.Duration(i-1) * 30 * time.Second)
			if tick.Equal(delivered.Add(10 * time.Minute)) {
				h.waitScheduled(id, crowdID(i), delivered.Add(20*time.Minute))
			}
			for k, c := range chain {
				if !tick.Equal(delivered.Add(c.after)) {
					continue
				}
				if k+1 < len(chain) {
					h.waitScheduled(id, crowdID(i), delivered.Add(chain[k+1].after))
				}
				h.noticeNaming(c.user, id, crowdName(i))
			}
		}
		switch {
		case tick.Equal(start.Add(23 * time.Minute)), tick.Equal(start.Add(33 * time.Minute)):
			h.restart() // mid-way: later changes still edit the notice sent before
		case tick.Equal(start.Add(26 * time.Minute)):
			// Two answer after the unit head was told, before the 分管领导 is.
			for _, i := range []int{1, 2} {
				h.press(crowdUser(i), calls[i-1], button(t, calls[i-1], "收到"))
				acked[i] = true
			}
			h.noticeNaming(uWu, id, "已应答："+crowdName(1)+"、"+crowdName(2))
		}
	}

	for _, c := range chain {
		ms := h.messages(c.user, "#"+id)
		edits := 0
		for _, m := range ms {
			edits += m.Edits
		}
		t.Logf("chat %d: %d message(s) about the alert, %d edit(s)", c.user, len(ms), edits)
		if len(ms) != 1 {
			t.Errorf("chat %d has %d messages about the alert, want 1 notice, edited", c.user, len(ms))
			continue
		}
		want := []string{"叫应升级", "以下 12 人未应答", "我来处理"}
		for i := 3; i <= n; i++ {
			want = append(want, crowdName(i)+"（应急办）")
		}
		if c.user == uWu {
			want = append(want, "已应答："+crowdName(1)+"、"+crowdName(2))
		}
		for _, w := range want {
			if !strings.Contains(ms[0].Text, w) {
				t.Errorf("chat %d's notice lacks %q:\n%s", c.user, w, ms[0].Text)
			}
		}
		button(t, ms[0], "我来处理")
	}
	if t.Failed() {
		return
	}

	notice := h.messages(uWu, "#"+id)[0]
	if toast := h.press(uWu, notice, button(t, notice, "我来处理")); toast.Text != "已接手 12 人的叫应" {
		t.Errorf("take-over toast = %q", toast.Text)
	}
	h.waitMsg(crowdUser(14), "吴敏 已于 08:52 接手处理")
	for _, c := range chain {
		h.noticeNaming(c.user, id, "本次叫应已结束")
		ms := h.messages(c.user, "#"+id)
		if len(ms) != 1 || len(ms[0].Inline) != 0 {
			t.Errorf("chat %d after the take-over: %d messages, buttons %v", c.user, len(ms), ms)
		}
	}
	if a := h.alert(id); a.State != "done" {
		t.Errorf("alert state after the take-over = %s", a.State)
	}
}

// When Telegram refuses to edit the notice (the unit head deleted it), one
// new notice is sent with everyone on it, and later changes edit that one.
func TestNoticeEditRefusedFallsBackToOneNew(t *testing.T) {
	h := newCrowdHarness(t, 3)
	id, _ := spreadCalls(h, 3)
	h.advanceTo(start.Add(20 * time.Minute))
	h.noticeNaming(uWu, id, crowdName(1))
	h.srv.Inject(fakeapi.Fault{Method: "editMessageText", ChatID: uWu, Code: 400,
		Description: "Bad Request: message to edit not found"})

	h.advanceTo(start.Add(20*time.Minute + 30*time.Second))
	h.eventually("a new notice naming both", func() bool {
		ms := h.messages(uWu, "#"+id)
		return len(ms) == 2 && strings.Contains(ms[1].Text, crowdName(1)) && strings.Contains(ms[1].Text, crowdName(2))
	}, func() string { return fmt.Sprint(h.messages(uWu, "#"+id)) })
	h.advanceTo(start.Add(21 * time.Minute))
	h.noticeNaming(uWu, id, crowdName(3))

	ms := h.messages(uWu, "#"+id)
	if len(ms) != 2 {
		t.Fatalf("unit head has %d notices, want the refused one and one new: %v", len(ms), ms)
	}
	if !strings.Contains(ms[1].Text, "以下 3 人未应答") || ms[1].Edits != 1 {
		t.Errorf("the new notice (edited %d times) reads:\n%s", ms[1].Edits, ms[1].Text)
	}
	button(t, ms[1], "我来处理")
}
