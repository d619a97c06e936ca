package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/phone/tencentfake"
	"dutybot/storage"
)

// Tencent Cloud credentials and the callback token of the phone tests
// (fictional).
const (
	tcSecretID  = "AKIDdutybotTEST0000000000000000000"
	tcSecretKey = "dutybot-test-secret-key-never-logged"
	tcToken     = "callback-token-for-tests"
)

// More of 应急办's staff for the phone tests: 孙丽 and 钱进 bind Telegram,
// 周强 never does.
const (
	uSun  int64 = 2001
	uQian int64 = 2002
)

const phoneOfficials = `
  - {id: o-sun, name: 孙丽, phone: "13800000009", unit: yjb, roles: [staff]}
  - {id: o-qian, name: 钱进, phone: "13800000010", unit: yjb, roles: [staff]}
  - {id: o-zhou, name: 周强, phone: "+86 138 0000 0011", unit: yjb, roles: [staff]}
escalation:`

// ringSteps remind the silent at 2 minutes, ring them at 3 and escalate
// at 5: the red policy of the phone tests, unless a test gives its own.
const ringSteps = `      - {after: 2m, action: remind}
      - {after: 3m, action: call}
      - {after: 5m, action: escalate, to: unit_head}
`

// phoneHarness is the test town with the red policy above, Tencent's
// voice and SMS played by a local fake of their API.
type phoneHarness struct {
	*harness
	tc *tencentfake.Server
}

func newPhoneHarness(t *testing.T, phoneYAML string, fake tencentfake.Options) *phoneHarness {
	t.Helper()
	return newPhoneHarnessSteps(t, ringSteps, phoneYAML, fake)
}

// newPhoneHarnessSteps is newPhoneHarness with the red policy's steps.
func newPhoneHarnessSteps(t *testing.T, steps, phoneYAML string, fake tencentfake.Options) *phoneHarness {
	t.Helper()
	fake.SecretID, fake.SecretKey = tcSecretID, tcSecretKey
	tc := tencentfake.New(fake)
	t.Cleanup(tc.Close)
	h := newHarness(t, harnessOpts{
		edit: func(y string) string {
			y = strings.Replace(y, "\nescalation:", phoneOfficials, 1)
			y = strings.Replace(y, "escalation:\n  policies:\n", "escalation:\n  policies:\n    phone_red:\n"+steps, 1)
			y = strings.Replace(y, "red: default}", "red: phone_red}", 1)
			return y + fmt.Sprintf(`
phone:
  provider: tencent
  caller: 含谷镇应急办
  tencent:
    endpoint: %s
    scheme: http
    voice_app_id: "1400000000"
    voice_template_id: "100001"
    sms_app_id: "1400000001"
    sms_sign: 含谷镇人民政府
    sms_template_id: "100002"
%s`, tc.Host(), phoneYAML)
		},
		prepare: func(c *config.Config) {
			c.Phone.Tencent.SecretID, c.Phone.Tencent.SecretKey, c.Phone.CallbackToken = tcSecretID, tcSecretKey, tcToken
		},
	})
	p := &phoneHarness{harness: h, tc: tc}
	p.pointCallbacks()
	return p
}

// pointCallbacks gives the fake the app's callback URLs, as a town
// enters them in Tencent's console (again after a restart: a new port).
func (p *phoneHarness) pointCallbacks() {
	p.tc.SetCallbackURLs(p.apiURL+"/callbacks/tencent/voice?token="+tcToken, p.apiURL+"/callbacks/tencent/sms?token="+tcToken)
}

func (p *phoneHarness) restart() {
	p.harness.restart()
	p.pointCallbacks()
}

// bindAs binds a Telegram user who is not in the harness's phone book.
func (p *phoneHarness) bindAs(user int64, phone string) {
	p.t.Helper()
	p.srv.AddUser(fakeapi.User{ID: user, FirstName: fmt.Sprint(user), LanguageCode: "zh-hans"})
	p.srv.SendText(user, "/start")
	p.waitMsg(user, "分享我的手机号")
	p.srv.ShareContact(user, "+86 "+phone, user)
	p.waitMsg(user, "绑定成功")
}

// callTo waits for the fake to have a call to number and returns it.
func (p *phoneHarness) callTo(number string) tencentfake.Call {
	p.t.Helper()
	var found tencentfake.Call
	p.eventually("a call to "+number, func() bool {
		for _, c := range p.tc.Calls() {
			if c.Number == number {
				found = c
				return true
			}
		}
		return false
	}, func() string { return fmt.Sprintf("calls: %+v", p.tc.Calls()) })
	return found
}

// callsTo counts the calls the fake received for number.
func (p *phoneHarness) callsTo(number string) int {
	n := 0
	for _, c := range p.tc.Calls() {
		if c.Number == number {
			n++
		}
	}
	return n
}

func escalationTo(r api.RecipientJSON, action string) (api.EscalationJSON, bool) {
	for _, e := range r.Escalations {
		if e.Action == action {
			return e, true
		}
	}
	return api.EscalationJSON{}, false
}

// The red alert of the issue: one answers in the chat, one presses 1 on
// the call, one picks up without pressing and is escalated, one never
// picks up and is escalated, one has never bound Telegram and is called at
// once. Nobody is called twice, nobody who answered is called at all.
func TestRedAlertRingsTheSilent(t *testing.T) {
	p := newPhoneHarness(t, "", tencentfake.Options{})
	for _, u := range []int64{uZhang, uLi, uWu, uDuty, uAdmin} {
		p.bind(u)
	}
	p.bindAs(uSun, "13800000009")
	p.bindAs(uQian, "13800000010")

	p.srv.SendText(uDuty, "/alert 红 o-zhang,o-li,o-sun,o-qian,o-zhou 暴雨红色预警 | 立即转移危险区域群众")
	p.waitMsg(uDuty, "已发布，共 5 人")
	id := p.alertIDs()[0]

	// 周强 has no chat: his phone rings at once, 08:00.
	zhou := p.callTo("+8613800000011")
	if !slices.Contains(zhou.Params, "含谷镇应急办") || !slices.Contains(zhou.Params, "暴雨红色预警") || !slices.Contains(zhou.Params, id) {
		t.Errorf("the call reads %q; want the caller, the title and the alert's reference", zhou.Params)
	}
	if zhou.PlayTimes != 2 {
		t.Errorf("played %d times, want 2 (read, then repeated once)", zhou.PlayTimes)
	}
	if r := p.recipient(id, "o-zhou"); r.State != "unreachable" {
		t.Fatalf("周强 is %s, want unreachable", r.State)
	}
	// The admin hears that his phone rings, not that the chain went up.
	p.waitMsg(uAdmin, "周强", "已立即电话叫应，未应答将逐级上报")

	// 张明 answers in the chat.
	call := p.waitButton(uZhang, "✅ 收到（确认）")
	p.press(uZhang, call, button(t, call, "收到"))
	p.eventually("张明 answered", func() bool { return p.recipient(id, "o-zhang").State == "acked" })

	// 08:02: 周强's escalation (the call's spacing kept); the others are
	// reminded in the chat.
	p.advanceTo(start.Add(2 * time.Minute))
	p.waitMsg(uWu, "周强")
	// 08:03: the silent three are called.
	p.advanceTo(start.Add(3 * time.Minute))
	li, sun, qian := p.callTo("+8613800000002"), p.callTo("+8613800000009"), p.callTo("+8613800000010")

	// 李芳 presses 1: her answer, exactly as the button.
	if code, err := p.tc.Press(li.CallID, "1"); err != nil || code != http.StatusOK {
		t.Fatalf("press 1: %d %v", code, err)
	}
	p.eventually("李芳 answered by phone", func() bool { return p.recipient(id, "o-li").AnsweredVia == "phone" })
	p.waitMsg(uLi, "通过电话按键确认收到")
	// 孙丽 picks up and presses nothing; 钱进 never picks up.
	if code, err := p.tc.Answer(sun.CallID); err != nil || code != http.StatusOK {
		t.Fatalf("answer: %d %v", code, err)
	}
	if code, err := p.tc.NoAnswer(qian.CallID); err != nil || code != http.StatusOK {
		t.Fatalf("no answer: %d %v", code, err)
	}
	p.eventually("the results recorded", func() bool {
		e1, _ := escalationTo(p.recipient(id, "o-sun"), "call")
		e2, _ := escalationTo(p.recipient(id, "o-qian"), "call")
		return e1.Results["o-sun"] == "answered" && e2.Results["o-qian"] == "no_answer"
	})

	// 08:05: 孙丽 and 钱进 are escalated to 吴敏; 李芳 is not.
	p.advanceTo(start.Add(5 * time.Minute))
	p.eventually("孙丽 and 钱进 escalated", func() bool {
		_, sunUp := escalationTo(p.recipient(id, "o-sun"), "escalate")
		_, qianUp := escalationTo(p.recipient(id, "o-qian"), "escalate")
		return sunUp && qianUp
	})
	if _, up := escalationTo(p.recipient(id, "o-li"), "escalate"); up {
		t.Error("李芳 pressed 1 and was escalated all the same")
	}
	notice := p.waitMsg(uWu, "孙丽", "钱进")
	if strings.Contains(notice.Text, "李芳") || strings.Contains(notice.Text, "张明") {
		t.Errorf("the unit head's notice names people who answered: %q", notice.Text)
	}

	// The issuer's summary says who was reached how, and what it cost.
	p.waitMsg(uDuty, "📞 电话叫应 4 通（按键确认 1，接听未按键 1，未接 1）")
	a := p.alert(id)
	if a.PhoneCalls != 4 || a.SMSSent != 0 {
		t.Errorf("phone_calls %d, sms_sent %d; want 4 and 0", a.PhoneCalls, a.SMSSent)
	}
	if len(a.Calls) != 4 {
		t.Errorf("calls listed: %+v", a.Calls)
	}
	for _, n := range []string{"+8613800000001", "+8613800000002", "+8613800000009", "+8613800000010", "+8613800000011"} {
		want := 1
		if n == "+8613800000001" {
			want = 0 // 张明 answered in the chat
		}
		if got := p.callsTo(n); got != want {
			t.Errorf("%s was called %d times, want %d", n, got, want)
		}
	}
	if strings.Contains(p.logs.String(), tcSecretKey) || strings.Contains(p.logs.String(), tcToken) {
		t.Error("a phone secret appeared in the logs")
	}
}

// A frequency limit holds a second call to one number back: it is not
// placed, and the issuer's summary says so.
func TestCallLimitHoldsBack(t *testing.T) {
	p := newPhoneHarness(t, "  limits: {calls_per_hour: 1}\n", tencentfake.Options{})
	p.bind(uDuty)
	for i, title := range []string{"暴雨红色预警", "山洪红色预警"} {
		p.srv.SendText(uDuty, "/alert 红 o-zhou "+title)
		p.waitMsg(uDuty, "已发布，共 1 人")
		p.eventually(fmt.Sprintf("alert %d's call", i+1), func() bool { return len(p.alertIDs()) == i+1 })
	}
	ids := p.alertIDs()
	p.callTo("+8613800000011")
	p.waitMsg(uDuty, "受频次限制暂缓：周强")
	if n := p.callsTo("+8613800000011"); n != 1 {
		t.Errorf("周强 was called %d times within the hour; the limit is 1", n)
	}
	held, _ := escalationTo(p.recipient(ids[1], "o-zhou"), "call")
	if held.Results["o-zhou"] != "held" {
		t.Errorf("the second alert's call is %q, want held", held.Results["o-zhou"])
	}
}

// Callbacks that are not the provider's, or not about a call dutybot
// placed, are refused and change nothing; a repeated one changes nothing
// more.
func TestForgedCallbacksRefused(t *testing.T) {
	p := newPhoneHarness(t, "", tencentfake.Options{})
	p.bind(uDuty)
	p.srv.SendText(uDuty, "/alert 红 o-zhou 暴雨红色预警")
	p.waitMsg(uDuty, "已发布，共 1 人")
	id := p.alertIDs()[0]
	call := p.callTo("+8613800000011")
	p.eventually("the call placed", func() bool {
		e, _ := escalationTo(p.recipient(id, "o-zhou"), "call")
		return e.Results["o-zhou"] == "placed"
	})
	voice := p.apiURL + "/callbacks/tencent/voice?token=" + tcToken
	key := func(callid, mobile string) []byte {
		return []byte(fmt.Sprintf(`{"voicekey_callback":{"call_from":"","callid":%q,"keypress":"1","mobile":%q,"nationcode":"86"}}`, callid, mobile))
	}
	for _, tc := range []struct {
		name, url string
		body      []byte
		want      int
	}{
		{"no token", p.apiURL + "/callbacks/tencent/voice", key(call.CallID, "13800000011"), http.StatusForbidden},
		{"wrong token", p.apiURL + "/callbacks/tencent/voice?token=guess", key(call.CallID, "13800000011"), http.StatusForbidden},
		{"a call never placed", voice, key("f00d-never-placed", "13800000011"), http.StatusNotFound},
		{"another number", voice, key(call.CallID, "13900000000"), http.StatusNotFound},
		{"malformed", voice, []byte(`{"voicekey_callback":`), http.StatusBadRequest},
	} {
		code, err := p.tc.PostRaw(tc.url, tc.body)
		if err != nil || code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, code, err, tc.want)
		}
	}
	if r := p.recipient(id, "o-zhou"); r.State == "acked" {
		t.Fatal("a forged key press answered the call")
	}
	if !strings.Contains(p.logs.String(), "refused") {
		t.Error("the refusals are not logged")
	}
	// The real press answers; its replay changes nothing more.
	if code, err := p.tc.Press(call.CallID, "1"); err != nil || code != http.StatusOK {
		t.Fatalf("press: %d %v", code, err)
	}
	p.eventually("周强 answered", func() bool { return p.recipient(id, "o-zhou").AnsweredVia == "phone" })
	before := p.recipient(id, "o-zhou")
	if code, err := p.tc.PostRaw(voice, key(call.CallID, "13800000011")); err != nil || code != http.StatusOK {
		t.Fatalf("replay: %d %v", code, err)
	}
	if after := p.recipient(id, "o-zhou"); !after.AckedAt.Equal(*before.AckedAt) {
		t.Errorf("the replay moved the answer from %v to %v", before.AckedAt, after.AckedAt)
	}
}

// A text message asks for a reply with its code; the reply answers like
// the button, a reply with another code is refused and changes nothing.
func TestSMSReplyAnswers(t *testing.T) {
	p := newPhoneHarnessSteps(t, "      - {after: 3m, action: sms}\n      - {after: 5m, action: escalate, to: unit_head}\n", "", tencentfake.Options{})
	p.bind(uDuty)
	p.srv.SendText(uDuty, "/alert 红 o-zhou 暴雨红色预警")
	p.waitMsg(uDuty, "已发布，共 1 人")
	id := p.alertIDs()[0]
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	msgs, err := p.tc.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sms := msgs[0]
	code := sms.Params[len(sms.Params)-1]
	if sms.Number != "+8613800000011" || len(code) != 4 || !slices.Contains(sms.Params, "暴雨红色预警") {
		t.Fatalf("the SMS went to %s with %q", sms.Number, sms.Params)
	}
	p.eventually("the SMS recorded as sent", func() bool {
		e, _ := escalationTo(p.recipient(id, "o-zhou"), "sms")
		return e.Results["o-zhou"] == "placed"
	})
	wrong := "0000"
	if code == wrong {
		wrong = "1111"
	}
	if st, err := p.tc.Reply("+8613800000011", "收到 "+wrong); err != nil || st != http.StatusNotFound {
		t.Errorf("a reply with another code: %d %v, want 404", st, err)
	}
	if st, err := p.tc.Reply("+8613900000000", "收到 "+code); err != nil || st != http.StatusNotFound {
		t.Errorf("a reply from another number: %d %v, want 404", st, err)
	}
	if r := p.recipient(id, "o-zhou"); r.State == "acked" {
		t.Fatal("a wrong reply answered the call")
	}
	if st, err := p.tc.Reply("+8613800000011", "收到 "+code); err != nil || st != http.StatusOK {
		t.Fatalf("the reply: %d %v", st, err)
	}
	p.eventually("周强 answered by SMS", func() bool { return p.recipient(id, "o-zhou").AnsweredVia == "sms" })
	if a := p.alert(id); a.SMSSent != 1 || a.PhoneCalls != 0 {
		t.Errorf("sms_sent %d, phone_calls %d; want 1 and 0", a.SMSSent, a.PhoneCalls)
	}
}

// A request under way when the process stops is never placed again: the
// next start marks it uncertain, and the provider's report of it, which
// names a call id dutybot never recorded, is matched by its number.
func TestCallUnderWayAtStopNotPlacedTwice(t *testing.T) {
	p := newPhoneHarness(t, "", tencentfake.Options{})
	p.bind(uDuty)
	release := p.tc.Hold()
	defer release()
	p.srv.SendText(uDuty, "/alert 红 o-zhou 暴雨红色预警")
	p.waitMsg(uDuty, "已发布，共 1 人")
	id := p.alertIDs()[0]
	p.eventually("the request under way", func() bool { return p.tc.InFlight() == 1 })
	p.restart()
	release()
	p.eventually("the provider took the call", func() bool { return len(p.tc.Calls()) == 1 })
	p.eventually("the call marked uncertain", func() bool {
		e, _ := escalationTo(p.recipient(id, "o-zhou"), "call")
		return e.Results["o-zhou"] == "uncertain"
	})
	if st, err := p.tc.Press(p.tc.Calls()[0].CallID, "1"); err != nil || st != http.StatusOK {
		t.Fatalf("press: %d %v", st, err)
	}
	p.eventually("周强 answered by phone", func() bool { return p.recipient(id, "o-zhou").AnsweredVia == "phone" })
	if n := len(p.tc.Calls()); n != 1 {
		t.Errorf("the provider got %d calls, want 1", n)
	}
}

// A step that calls the unit head about the silent calls them once,
// however many are silent, and names them; the head's key press takes
// every one of them over, as the notice's button does.
func TestUnitHeadCalledOnceAboutAll(t *testing.T) {
	p := newPhoneHarnessSteps(t, "      - {after: 2m, action: escalate, to: unit_head}\n      - {after: 3m, action: call, to: unit_head}\n", "", tencentfake.Options{})
	for _, u := range []int64{uZhang, uLi, uWu, uDuty} {
		p.bind(u)
	}
	p.srv.SendText(uDuty, "/alert 红 o-zhang,o-li 暴雨红色预警")
	p.waitMsg(uDuty, "已发布，共 2 人")
	id := p.alertIDs()[0]
	p.advanceTo(start.Add(3 * time.Minute))
	wu := p.callTo("+8613800000003")
	p.eventually("both steps recorded", func() bool {
		e1, _ := escalationTo(p.recipient(id, "o-zhang"), "call")
		e2, _ := escalationTo(p.recipient(id, "o-li"), "call")
		return e1.Results["o-wu"] == "placed" && e2.Results["o-wu"] == "placed"
	})
	if n := p.callsTo("+8613800000003"); n != 1 {
		t.Fatalf("吴敏 was called %d times for one step, want once", n)
	}
	subject := strings.Join(wu.Params, "|")
	if !strings.Contains(subject, "张明") || !strings.Contains(subject, "李芳") || !strings.Contains(subject, "未确认") {
		t.Errorf("the call does not name the silent: %q", wu.Params)
	}
	if code, err := p.tc.Press(wu.CallID, "1"); err != nil || code != http.StatusOK {
		t.Fatalf("press: %d %v", code, err)
	}
	p.eventually("both taken over by 吴敏", func() bool {
		a, b := p.recipient(id, "o-zhang"), p.recipient(id, "o-li")
		return a.AckedBy == "o-wu" && b.AckedBy == "o-wu"
	})
	p.waitMsg(uZhang, "吴敏 已于")
	if a := p.alert(id); a.PhoneCalls != 1 {
		t.Errorf("phone_calls %d, want 1: one call however many it was about", a.PhoneCalls)
	}
}

// A queued call whose record cannot be read is set aside in quarantine;
// the calls behind it still go out.
func TestUnreadableQueuedCallQuarantined(t *testing.T) {
	p := newPhoneHarness(t, "  concurrency: 1\n", tencentfake.Options{})
	p.bind(uDuty)
	release := p.tc.Hold()
	defer release()
	// Nobody of the three has bound Telegram: each is called at once, one
	// at a time; the first waits at the provider.
	p.srv.SendText(uDuty, "/alert 红 o-zhou,o-sun,o-qian 暴雨红色预警")
	p.waitMsg(uDuty, "已发布，共 3 人")
	id := p.alertIDs()[0]
	p.eventually("the first call under way", func() bool { return p.tc.InFlight() == 1 })
	var queued []string
	_ = p.app.DB.View(func(tx *storage.Tx) error {
		return tx.Records("phone_queue").Scan(nil, nil, func(k, _ []byte) error {
			queued = append(queued, string(k[8:]))
			return nil
		})
	})
	if len(queued) != 2 {
		t.Fatalf("queued %q, want two calls behind the first", queued)
	}
	if err := p.app.DB.Update(func(tx *storage.Tx) error {
		return tx.Records("phone_calls").PutRaw([]byte(queued[0]), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	release()
	p.eventually("the other two calls placed", func() bool { return len(p.tc.Calls()) == 2 })
	var q int
	_ = p.app.DB.View(func(tx *storage.Tx) error { q = tx.QuarantineCount(); return nil })
	if q != 1 || !strings.Contains(p.logs.String(), "quarantined") {
		t.Errorf("quarantined %d records, want the unreadable call", q)
	}
	p.eventually("the alert counts two calls", func() bool { return p.alert(id).PhoneCalls == 2 }, func() string { return fmt.Sprintf("%+v", p.alert(id)) })
}

// Calls no longer wanted ahead in the queue (their alert was closed) are
// passed over however many they are: the call behind them still goes.
func TestCancelledCallsDoNotStallTheQueue(t *testing.T) {
	p := newPhoneHarness(t, "  concurrency: 1\n", tencentfake.Options{})
	release := p.tc.Hold()
	defer release()
	// Nobody has bound Telegram: every recipient is called at once.
	p.createAlert("red", "暴雨红色预警", `{"officials":["o-zhou"]}`)
	p.eventually("the first call under way", func() bool { return p.tc.InFlight() == 1 })
	closed := p.createAlert("red", "山洪红色预警",
		`{"officials":["o-zhang","o-li","o-wu","o-liu","o-he","o-duty","o-admin","o-chen"]}`)
	p.createAlert("red", "地质灾害红色预警", `{"officials":["o-qian"]}`)
	if code, out := p.apiDo("POST", "/api/v1/alerts/"+closed+"/close", testAPIToken, ""); code != http.StatusOK {
		t.Fatalf("close: %d %v", code, out)
	}
	release()
	p.callTo("+8613800000010") // 钱进, behind eight cancelled calls
	if n := len(p.tc.Calls()); n != 2 {
		t.Errorf("the provider got %d calls, want 2: the closed alert's are not placed", n)
	}
}
