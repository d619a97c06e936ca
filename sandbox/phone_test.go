package sandbox

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/config"
)

func TestAddCallStep(t *testing.T) {
	m := func(d time.Duration) config.Duration { return config.Duration(d * time.Minute) }
	remind := func(d time.Duration) config.Step { return config.Step{After: m(d), Action: config.ActionRemind} }
	escalate := func(d time.Duration) config.Step {
		return config.Step{After: m(d), Action: config.ActionEscalate, To: config.ToUnitHead}
	}
	call := func(after config.Duration) config.Step {
		return config.Step{After: after, Action: config.ActionCall, To: config.ToSelf}
	}
	levels := func(red string) map[string]string {
		return map[string]string{"blue": "default", "yellow": "default", "orange": "default", "red": red}
	}
	for _, tt := range []struct {
		name   string
		esc    config.Escalation
		want   map[string][]config.Step // the policies after; nil: unchanged
		policy string
		index  int
	}{
		{name: "half-way from the step before the first escalation",
			esc: config.Escalation{Levels: levels("urgent"), Policies: map[string][]config.Step{
				"default": {remind(10), escalate(20)},
				"urgent":  {remind(2), escalate(5), escalate(10)}}},
			want: map[string][]config.Step{
				"default": {remind(10), escalate(20)},
				"urgent":  {remind(2), call(m(3) + m(1)/2), escalate(5), escalate(10)}},
			policy: "urgent", index: 1},
		{name: "later reminders come first",
			esc: config.Escalation{Levels: levels("default"), Policies: map[string][]config.Step{
				"default": {remind(2), remind(4), escalate(8)}}},
			want:   map[string][]config.Step{"default": {remind(2), remind(4), call(m(6)), escalate(8)}},
			policy: "default", index: 2},
		{name: "a policy that escalates at once rings before it",
			esc: config.Escalation{Levels: levels("default"), Policies: map[string][]config.Step{
				"default": {escalate(4), escalate(8)}}},
			want:   map[string][]config.Step{"default": {call(m(2)), escalate(4), escalate(8)}},
			policy: "default", index: 0},
		{name: "a policy that never escalates rings after its last step",
			esc: config.Escalation{Levels: levels("default"), Policies: map[string][]config.Step{
				"default": {remind(2), remind(4)}}},
			want:   map[string][]config.Step{"default": {remind(2), remind(4), call(m(6))}},
			policy: "default", index: 2},
		{name: "a configuration with a phone step of its own is left alone",
			esc: config.Escalation{Levels: levels("urgent"), Policies: map[string][]config.Step{
				"default": {remind(10), {After: m(15), Action: config.ActionSMS}},
				"urgent":  {remind(2), escalate(5)}}}},
		{name: "no room between two steps a nanosecond apart",
			esc: config.Escalation{Levels: levels("default"), Policies: map[string][]config.Step{
				"default": {{After: 1, Action: config.ActionRemind}, {After: 2, Action: config.ActionEscalate, To: config.ToUnitHead}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string][]config.Step{}
			for name, steps := range tt.esc.Policies {
				before[name] = slices.Clone(steps)
			}
			cfg := &config.Config{Escalation: tt.esc}
			added := addCallStep(cfg)
			want := tt.want
			if want == nil {
				want = before
				if added != nil {
					t.Errorf("added %+v", *added)
				}
			} else if added == nil || added.Policy != tt.policy || added.Index != tt.index {
				t.Errorf("added %+v, want step %d of %s", added, tt.index, tt.policy)
			}
			for name, steps := range want {
				if got := cfg.Escalation.Policies[name]; !slices.Equal(got, steps) {
					t.Errorf("%s = %+v, want %+v", name, got, steps)
				}
			}
		})
	}
}

// The example has no phone step: the sandbox gives the red alerts' policy
// one, sped up with the rest, says so, and plays Tencent itself.
func TestSandboxPlaysThePhone(t *testing.T) {
	sb := start(t, 60)
	want := []time.Duration{2 * time.Second, 3500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 15 * time.Second}
	if got := afters(sb.cfg.Policy("red")); !slices.Equal(got, want) {
		t.Errorf("the red policy's steps at %v, want %v", got, want)
	}
	if s := sb.cfg.Policy("red")[1]; s.Action != config.ActionCall || s.To != config.ToSelf {
		t.Errorf("step 2 = %+v, want a call to the recipient", s)
	}
	p := sb.cfg.Phone
	if p.Provider != config.ProviderTencent || p.Tencent.Endpoint != sb.phone.fake.Host() || p.Tencent.Scheme != "http" ||
		p.CallbackToken == "" || p.Tencent.SecretKey == "" {
		t.Errorf("phone = %+v", p)
	}
	banner := sb.Banner()
	for _, want := range []string{"Phone     calls and SMS ring in the chat's phone panel", "urgent: the silent recipient's phone rings at 3.5s"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, p.CallbackToken) || strings.Contains(banner, p.Tencent.SecretKey) {
		t.Errorf("the banner shows the phone's secrets:\n%s", banner)
	}
}

// waitPhone waits, with the phone's wait endpoint, until the official's
// phone satisfies cond.
func waitPhone(t *testing.T, sb *Sandbox, official, what string, cond func(PhoneScreen) bool) PhoneScreen {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var ph PhoneScreen
		if code := do(t, sb, "GET", "/sandbox/phone?as="+official, nil, &ph); code != http.StatusOK {
			t.Fatalf("phone of %s: %d", official, code)
		}
		if cond(ph) {
			return ph
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's phone never showed %s; it shows %+v", official, what, ph.Items)
		}
		var w struct{ Version uint64 }
		if code := do(t, sb, "GET", fmt.Sprintf("/sandbox/phone/wait?after=%d", ph.Version), nil, &w); code != http.StatusOK {
			t.Fatalf("phone wait: %d", code)
		}
	}
}

// showing returns a condition: the phone shows an item of kind in state.
func showing(kind, state string) func(PhoneScreen) bool {
	return func(ph PhoneScreen) bool { _, ok := item(ph, kind, state); return ok }
}

func item(ph PhoneScreen, kind, state string) (PhoneItem, bool) {
	for _, it := range ph.Items {
		if it.Kind == kind && it.State == state {
			return it, true
		}
	}
	return PhoneItem{}, false
}

func buttonTexts(it PhoneItem) []string {
	var out []string
	for _, b := range it.Buttons {
		out = append(out, b.Text)
	}
	return out
}

// alert reads an alert through the HTTP API.
func alert(t *testing.T, sb *Sandbox, id string) api.AlertJSON {
	t.Helper()
	var a api.AlertJSON
	if code := do(t, sb, "GET", "/api/v1/alerts/"+id, nil, &a); code != http.StatusOK {
		t.Fatalf("alert %s: %d", id, code)
	}
	return a
}

func recipient(t *testing.T, a api.AlertJSON, official string) api.RecipientJSON {
	t.Helper()
	for _, r := range a.Recipients {
		if r.Official == official {
			return r
		}
	}
	t.Fatalf("alert %s has no recipient %s: %+v", a.ID, official, a.Recipients)
	return api.RecipientJSON{}
}

func raise(t *testing.T, sb *Sandbox, officials ...string) string {
	t.Helper()
	var created struct{ ID string }
	body := fmt.Sprintf(`{"level":"red","title":"暴雨红色预警","body":"请立即到岗","targets":{"officials":["%s"]}}`, strings.Join(officials, `","`))
	if code := do(t, sb, "POST", "/api/v1/alerts", body, &created); code != http.StatusCreated || created.ID == "" {
		t.Fatalf("create alert: %d %+v", code, created)
	}
	return created.ID
}

func act(t *testing.T, sb *Sandbox, as, id, action string, out any) int {
	t.Helper()
	return do(t, sb, "POST", "/sandbox/phone", phoneActReq{As: as, ID: id, Action: action}, out)
}

// The whole chat → call → escalate story without an account: 吴敏 and 马超
// stay silent in the chat; at the call step their phones ring in the
// panel. 吴敏 presses 1 and has answered, by phone; 马超 declines and is
// escalated to his unit's head, 陈杰.
func TestPhonePanelStory(t *testing.T) {
	sb := start(t, 60)
	for _, o := range []string{"o-wumin", "o-machao", "o-chenjie"} {
		bind(t, sb, o)
	}
	id := raise(t, sb, "o-wumin", "o-machao")
	waitChat(t, sb, "o-wumin", "the alert", botSays("暴雨红色预警", "#"+id))

	ph := waitPhone(t, sb, "o-wumin", "a ringing call", showing("call", "ringing"))
	ring, _ := item(ph, "call", "ringing")
	if ph.Title != "📱 吴敏 的手机 13800000010" || ring.Head != "📞 来电 +8613800000010" ||
		!strings.HasPrefix(ring.Text, "含谷镇应急办叫应：红色级，暴雨红色预警，编号"+id) || !strings.HasSuffix(ring.Text, "确认收到请按1。") ||
		ring.Status != "正在响铃" || !slices.Equal(buttonTexts(ring), []string{"按 1 确认", "接听后挂断", "拒接"}) {
		t.Errorf("吴敏's phone: %q %+v", ph.Title, ring)
	}
	// It rang at the call step: the reminder came first, the call is
	// recorded as the step after it.
	r := recipient(t, alert(t, sb, id), "o-wumin")
	if len(r.Escalations) < 2 || r.Escalations[0].Action != config.ActionRemind || r.Escalations[1].Action != config.ActionCall {
		t.Errorf("吴敏's steps: %+v", r.Escalations)
	}
	// A call to someone else's phone is not theirs to answer.
	var e apiError
	if code := act(t, sb, "o-machao", ring.ID, actPress, &e); code != http.StatusNotFound || e.Error == "" {
		t.Errorf("马超 pressing 吴敏's call: %d %+v", code, e)
	}

	var got PhoneItem
	if code := act(t, sb, "o-wumin", ring.ID, actPress, &got); code != http.StatusOK || got.State != "pressed" ||
		got.Status != "已接听，按了 1" || len(got.Buttons) != 0 {
		t.Fatalf("press 1: %d %+v", code, got)
	}
	r = recipient(t, alert(t, sb, id), "o-wumin")
	if r.State != "acked" || r.AnsweredVia != "phone" || r.AckedBy != "o-wumin" {
		t.Errorf("吴敏 after pressing 1: state %s, answered via %q, by %q", r.State, r.AnsweredVia, r.AckedBy)
	}
	waitChat(t, sb, "o-wumin", "the answer by phone in the chat", botSays("通过电话按键确认收到"))
	if code := act(t, sb, "o-wumin", ring.ID, actPress, &e); code != http.StatusConflict {
		t.Errorf("pressing a settled call again: %d %+v", code, e)
	}

	ph = waitPhone(t, sb, "o-machao", "a ringing call", showing("call", "ringing"))
	ring, _ = item(ph, "call", "ringing")
	if code := act(t, sb, "o-machao", ring.ID, actReject, &got); code != http.StatusOK || got.State != "no_answer" || got.Status != "已拒接" {
		t.Fatalf("decline: %d %+v", code, got)
	}
	c := waitChat(t, sb, "o-chenjie", "the escalation", botSays("叫应升级", "马超"))
	n, _ := find(c, "叫应升级")
	button(t, n, "我来处理")
	r = recipient(t, alert(t, sb, id), "o-machao")
	var rang, escalated bool
	for _, e := range r.Escalations {
		rang = rang || (e.Action == config.ActionCall && e.Results["o-machao"] == "no_answer")
		escalated = escalated || (e.Action == config.ActionEscalate && slices.Contains(e.People, "o-chenjie"))
	}
	if r.State == "acked" || !rang || !escalated {
		t.Errorf("马超: state %s, steps %+v", r.State, r.Escalations)
	}
	// The panel speaks English on an English page.
	var en PhoneScreen
	do(t, sb, "GET", "/sandbox/phone?as=o-machao&lang=en", nil, &en)
	if it, ok := item(en, "call", "no_answer"); !ok || it.Status != "Declined" || !strings.HasPrefix(it.Head, "📞 Incoming call") {
		t.Errorf("in English: %+v", en.Items)
	}
}

// phoneConfig writes the example with its phone_red policy in use (a
// call, then a text) and Tencent's real service named as the provider.
func phoneConfig(t *testing.T) string {
	t.Helper()
	y := exampleYAML(t)
	policy := `    # phone_red:
    #   - after: 1m
    #     action: remind
    #   - after: 3m
    #     action: call          # the silent recipient's phone rings
    #   - after: 4m
    #     action: sms
    #   - after: 5m
    #     action: escalate
    #     to: unit_head
`
	if !strings.Contains(y, policy) {
		t.Fatal("the example's phone_red policy changed; update the test")
	}
	lines := strings.Split(policy, "\n")
	for i, l := range lines {
		lines[i] = strings.Replace(l, "    # ", "    ", 1)
	}
	y = strings.Replace(y, policy, strings.Join(lines, "\n"), 1)
	y = strings.Replace(y, "    red: urgent # 红色", "    red: phone_red # 红色", 1)
	y = strings.Replace(y, "\n  provider: \"\"\n", "\n  provider: tencent\n", 1)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A configuration that names Tencent itself still gets the stand-in, and
// keeps its own phone steps: here a text message, answered with its code.
func TestPhonePanelRepliesToATextAndNeverDialsForReal(t *testing.T) {
	logs := &syncBuffer{}
	sb, err := New(Options{Config: phoneConfig(t), AnyPort: true, Speed: 60, Log: slogTo(logs)})
	if err != nil {
		t.Fatal(err)
	}
	run(t, sb, logs)
	if sb.cfg.Phone.Tencent.Endpoint != sb.phone.fake.Host() || sb.phone.added != nil {
		t.Fatalf("endpoint %q, added %+v", sb.cfg.Phone.Tencent.Endpoint, sb.phone.added)
	}
	if b := sb.Banner(); !strings.Contains(b, `it replaces the configured provider "tencent"`) || strings.Contains(b, "sandbox added") {
		t.Errorf("banner:\n%s", b)
	}
	if !strings.Contains(logs.String(), "the sandbox plays the phone instead of the configured provider") {
		t.Errorf("the log does not say the sandbox plays the phone:\n%s", logs.String())
	}
	bind(t, sb, "o-wumin")
	id := raise(t, sb, "o-wumin")
	ph := waitPhone(t, sb, "o-wumin", "a text", showing("sms", smsReceived))
	text, _ := item(ph, "sms", smsReceived)
	code := text.Text[strings.LastIndex(text.Text, "回复")+len("回复") : len(text.Text)-len("。")]
	if text.Head != "✉️ 短信【含谷镇人民政府】" || len(code) != 4 || !strings.Contains(text.Text, "编号"+id) ||
		!slices.Equal(buttonTexts(text), []string{"回复确认码 " + code}) {
		t.Errorf("the text: %+v (code %q)", text, code)
	}
	if _, ok := item(ph, "call", "ringing"); !ok {
		t.Errorf("the call before the text is not ringing still: %+v", ph.Items)
	}
	var got PhoneItem
	if c := act(t, sb, "o-wumin", text.ID, actReply, &got); c != http.StatusOK || got.State != smsReplied || got.Status != "已回复 "+code {
		t.Fatalf("reply: %d %+v", c, got)
	}
	if r := recipient(t, alert(t, sb, id), "o-wumin"); r.State != "acked" || r.AnsweredVia != "sms" {
		t.Errorf("吴敏 after replying: state %s, answered via %q", r.State, r.AnsweredVia)
	}
	var e apiError
	if c := act(t, sb, "o-wumin", text.ID, actReply, &e); c != http.StatusConflict {
		t.Errorf("replying twice: %d %+v", c, e)
	}
	if c := act(t, sb, "o-wumin", text.ID, "shout", &e); c != http.StatusBadRequest {
		t.Errorf("an unknown action: %d %+v", c, e)
	}
}
