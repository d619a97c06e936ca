package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/storage"
)

// newPaidHarness is the test town with delivery.paid_broadcast set to
// paid (a YAML flow mapping).
func newPaidHarness(t *testing.T, paid string) *harness {
	return newHarness(t, harnessOpts{edit: func(y string) string {
		return strings.Replace(y, "  give_up_after: 10m\n", "  give_up_after: 10m\n  paid_broadcast: "+paid+"\n", 1)
	}})
}

// The API tells what an alert's paid first calls cost when it creates it,
// and the alert shows the estimate beside the calls delivered paid.
func TestPaidAlertOverAPI(t *testing.T) {
	h := newPaidHarness(t, "{levels: [red]}")
	h.bind(uZhang)
	h.bind(uLi) // 吴敏 is not bound: no private call, nothing paid

	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"title":"暴雨红色预警","level":"red","targets":{"officials":["o-zhang","o-li","o-wu"]}}`)
	if code != http.StatusCreated || out["recipients"] != float64(3) || out["paid_messages"] != float64(2) || out["stars"] != 0.2 {
		t.Fatalf("create red = %d %v, want 2 paid messages for 0.2 Stars", code, out)
	}
	id := out["id"].(string)
	h.waitMsg(uZhang, "暴雨红色预警")
	h.waitMsg(uLi, "暴雨红色预警")
	h.eventually("both calls recorded as delivered paid", func() bool { return h.alert(id).PaidSent == 2 })
	a := h.alert(id)
	if a.PaidCalls != 2 {
		t.Errorf("paid_calls = %d, want 2", a.PaidCalls)
	}
	for _, r := range a.Recipients {
		if want := r.Official != "o-wu"; r.Paid != want {
			t.Errorf("%s paid = %v, want %v", r.Official, r.Paid, want)
		}
	}

	code, out = h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"title":"大风橙色预警","level":"orange","targets":{"officials":["o-zhang","o-li"]}}`)
	if code != http.StatusCreated || out["paid_messages"] != float64(0) || out["stars"] != float64(0) {
		t.Fatalf("create orange = %d %v, want 0 paid messages and 0 Stars", code, out)
	}
	orange := out["id"].(string)
	h.waitMsg(uZhang, "大风橙色预警")
	h.eventually("the orange calls delivered", func() bool { return h.recipient(orange, "o-li").SentAt != nil })
	if a := h.alert(orange); a.PaidCalls != 0 || a.PaidSent != 0 {
		t.Errorf("orange alert paid_calls %d, paid_sent %d; want 0", a.PaidCalls, a.PaidSent)
	}
}

// Kinds narrow paid broadcast: with only weather paid, a red alert is
// free and a red weather warning's first calls are paid.
func TestPaidKindsOverAPI(t *testing.T) {
	h := newPaidHarness(t, "{levels: [red], kinds: [weather]}")
	for _, u := range []int64{uZhang, uWu, uChen} {
		h.bind(u)
	}
	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"title":"演练","level":"red","targets":{"all":true}}`)
	if code != http.StatusCreated || out["paid_messages"] != float64(0) || out["stars"] != float64(0) {
		t.Fatalf("create red alert = %d %v, want nothing paid", code, out)
	}
	// 应急办: 张明 and 吴敏 bound, 李芳 and 杜峰 not; 城管大队 not affected.
	code, out = h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"kind":"weather","type":"rainstorm","level":"red","targets":{"units":["yjb"]}}`)
	if code != http.StatusCreated || out["recipients"] != float64(4) || out["paid_messages"] != float64(2) || out["stars"] != 0.2 {
		t.Fatalf("create red warning = %d %v, want 2 paid messages for 0.2 Stars", code, out)
	}
	if a := h.alert(out["id"].(string)); a.PaidCalls != 2 {
		t.Errorf("the warning's alert paid_calls = %d, want 2", a.PaidCalls)
	}
}

// The issuer sees the cost before sending and in the answer, in their
// language; nothing about Stars when the level is not paid.
func TestPaidCostInChat(t *testing.T) {
	h := newPaidHarness(t, "{levels: [red]}")
	for _, u := range []int64{uDuty, uZhang, uChen} {
		h.bind(u)
	}
	const cost = "💰 付费广播：首次叫应 3 条，约 0.3 Star"
	h.srv.SendText(uDuty, "/alert")
	m := h.waitMsg(uDuty, "请选择预警级别")
	h.press(uDuty, m, button(t, m, "红色"))
	m = h.waitMsg(uDuty, "请选择对象")
	h.press(uDuty, m, button(t, m, "全体人员"))
	m = h.waitButton(uDuty, "✓ 全体人员")
	h.press(uDuty, m, button(t, m, "下一步"))
	h.waitMsg(uDuty, "请输入标题")
	h.srv.SendText(uDuty, "暴雨红色预警")
	h.waitMsg(uDuty, "请输入正文")
	h.srv.SendText(uDuty, "无")
	m = h.waitMsg(uDuty, "请确认", "🔴 红色", "全体人员", cost)
	h.press(uDuty, m, button(t, m, "发布"))
	h.waitMsg(uDuty, "已发布，共 8 人", cost)

	h.srv.SendText(uDuty, "/alert orange all 大风演练")
	h.eventually("the orange alert's answer", func() bool { return len(h.messages(uDuty, "已发布，共")) == 2 })
	if answers := h.messages(uDuty, "已发布，共"); strings.Contains(answers[1].Text, "Star") {
		t.Errorf("the orange alert's answer speaks of Stars: %q", answers[1].Text)
	}
	if ms := h.messages(uDuty, "Star"); len(ms) != 2 { // the red preview and answer
		t.Errorf("%d messages mention Stars, want the red alert's preview and answer", len(ms))
	}

	// In English, from the one-line /alert.
	h.srv.SendText(uDuty, "/lang en")
	h.waitMsg(uDuty, "Language set to English")
	h.srv.SendText(uDuty, "/alert red all Drill")
	h.waitMsg(uDuty, "sent to 8 people", "💰 Paid broadcast: 3 first calls, about 0.3 Stars (from the bot's Stars balance)")
	h.srv.SendText(uDuty, "/lang zh")
	h.waitMsg(uDuty, "中文")

	// A red weather warning to every unit: the same three bound.
	h.srv.SendText(uDuty, "/warn")
	m = h.waitMsg(uDuty, "发布气象预警 1/5")
	h.press(uDuty, m, button(t, m, "暴雨"))
	m = h.waitMsg(uDuty, "发布气象预警 2/5")
	h.press(uDuty, m, button(t, m, "红色"))
	m = h.waitMsg(uDuty, "发布气象预警 3/5")
	h.press(uDuty, m, button(t, m, "下一步"))
	h.waitMsg(uDuty, "发布气象预警 4/5")
	h.srv.SendText(uDuty, "预计3小时降雨量达100毫米以上")
	m = h.waitMsg(uDuty, "发布气象预警 5/5", cost)
	h.press(uDuty, m, button(t, m, "发布"))
	h.waitMsg(uDuty, "已发布，叫应 8 人", cost)
}

// A refusal for lack of Stars tells the admins once per window, in their
// language, with when paid sending is tried again; the log says so once
// per window too, as the decision is taken.
func TestPaidRefusedTellsAdmins(t *testing.T) {
	h := newPaidHarness(t, "{levels: [red], retry_after: 10m}")
	h.bind(uAdmin)
	const notice, logged = "付费广播余额不足", "paid broadcast refused for lack of Stars"
	// The paid messages in flight are refused together: one notice.
	for _, d := range []time.Duration{0, time.Second, 2 * time.Second} {
		h.app.Dispatcher.OnPaidRefused(start.Add(10*time.Minute + d))
	}
	h.waitMsg(uAdmin, notice, "Telegram 拒绝了付费消息（Stars 不足）", "约每秒 1000 条", "@BotFather", "11-30 08:10 前不再尝试付费")
	h.eventually("the notice delivered", func() bool {
		n := -1
		_ = h.app.DB.View(func(tx *storage.Tx) error { n = tx.QueueLen(); return nil })
		return n == 0
	})
	// A straggler refused within the window, after the notice went out.
	h.app.Dispatcher.OnPaidRefused(start.Add(10*time.Minute + 5*time.Second))
	if n := strings.Count(h.logs.String(), logged); n != 1 {
		t.Errorf("one window decided to tell %d times", n)
	}
	// Refused again after the window: told again.
	h.app.Dispatcher.OnPaidRefused(start.Add(25 * time.Minute))
	h.waitMsg(uAdmin, notice, "11-30 08:25 前")
	if n := len(h.messages(uAdmin, notice)); n != 2 {
		t.Errorf("admins told %d times, want 2", n)
	}
	if n := strings.Count(h.logs.String(), logged); n != 2 {
		t.Errorf("two windows decided to tell %d times", n)
	}
}

// When the bot's Stars run out in the middle of a red alert, Telegram
// refuses the next paid call: it goes out at the free pace at once, as do
// the rest, nobody is called twice or missed, the admins are told once,
// and /metrics counts what was paid and refused.
func TestPaidStarsRunOut(t *testing.T) {
	h := newPaidHarness(t, "{levels: [red]}")
	officials := map[int64]string{uZhang: "o-zhang", uLi: "o-li", uWu: "o-wu", uLiu: "o-liu", uHe: "o-he"}
	for u := range officials {
		h.bind(u)
	}
	h.bind(uAdmin)
	h.srv.SetStars(2 * fakeapi.PaidBroadcastFee) // two paid messages' worth

	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"title":"暴雨红色预警","level":"red","targets":{"officials":["o-zhang","o-li","o-wu","o-liu","o-he"]}}`)
	if code != http.StatusCreated || out["paid_messages"] != float64(5) {
		t.Fatalf("create red = %d %v, want 5 paid messages estimated", code, out)
	}
	id := out["id"].(string)
	for u := range officials {
		h.waitMsg(u, "暴雨红色预警")
	}
	h.waitMsg(uAdmin, "付费广播余额不足")
	h.eventually("every call recorded as delivered", func() bool {
		for _, r := range h.alert(id).Recipients {
			if r.SentAt == nil {
				return false
			}
		}
		return true
	})
	paid := 0
	for u := range officials {
		calls := h.messages(u, "暴雨红色预警")
		if len(calls) != 1 {
			t.Errorf("%s got the call %d times, want once", officials[u], len(calls))
		}
		for _, m := range calls {
			if m.Paid {
				paid++
			}
		}
	}
	if paid != 2 {
		t.Errorf("%d calls went out paid, want the 2 the balance paid for", paid)
	}
	if got := h.alert(id).PaidSent; got != 2 {
		t.Errorf("paid_sent = %d, want 2", got)
	}
	if st := h.srv.Stats(); st.Paid != 2 || st.StarsSpent != 2*fakeapi.PaidBroadcastFee {
		t.Errorf("Telegram charged %d paid messages, %v; want 2, 0.2 Stars", st.Paid, st.StarsSpent)
	}
	if n := len(h.messages(uAdmin, "付费广播余额不足")); n != 1 {
		t.Errorf("admins told %d times, want once", n)
	}
	if got := h.metric("dutybot_paid_messages_total"); got != 2 {
		t.Errorf("dutybot_paid_messages_total = %v, want 2", got)
	}
	if got := h.metric("dutybot_paid_refused_total"); got < 1 {
		t.Errorf("dutybot_paid_refused_total = %v, want at least 1", got)
	}
}
