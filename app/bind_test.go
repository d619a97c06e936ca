package app_test

import (
	"strings"
	"testing"
	"time"
)

func TestBindOwnContact(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.srv.SendText(uZhang, "/start")
	m := h.waitMsg(uZhang, "分享我的手机号")
	kb := h.srv.ReplyKeyboard(uZhang)
	if len(kb) != 1 || len(kb[0]) != 1 || !kb[0][0].RequestContact {
		t.Fatalf("want one request_contact button, got %+v (message %q)", kb, m.Text)
	}
	h.srv.ShareContact(uZhang, "+86 138-0000-0001", uZhang)
	done := h.waitMsg(uZhang, "绑定成功", "张明", "应急办", "工作人员")
	if !done.RemoveKeyboard {
		t.Error("the contact keyboard should be removed after binding")
	}
	// /start again greets the bound official.
	h.srv.SendText(uZhang, "/start")
	h.waitMsg(uZhang, "您已绑定", "张明")
}

func TestBindRefusals(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uAdmin)
	h.bind(uZhang)

	tests := []struct {
		name    string
		user    int64
		phone   string
		owner   int64
		reply   string
		adminIs string
	}{
		{"someone else's contact card", uLi, "13800000002", uWu, "不能使用他人的名片", "分享的是他人的名片"},
		{"unknown number", uStranger, "13912345678", uStranger, "not on the duty list", "号码未登记"},
		{"second account for a bound official", uStranger, "13800000001", uStranger, "already bound to another Telegram account", "该人员已绑定其他账号"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			before := len(h.messages(uAdmin, "绑定被拒绝"))
			h.srv.ShareContact(tt.user, tt.phone, tt.owner)
			h.waitMsg(tt.user, tt.reply)
			// The admins hear of refusals in one digest per 10 minutes.
			h.advanceTo(h.clk.Now().Add(10 * time.Minute))
			h.eventually("admin told", func() bool {
				ms := h.messages(uAdmin, "绑定被拒绝")
				return len(ms) == before+1 && strings.Contains(ms[len(ms)-1].Text, tt.adminIs)
			})
			// Nothing was bound: the user still cannot use commands.
			prompts := func() int {
				return len(h.messages(tt.user, "分享我的手机号")) + len(h.messages(tt.user, "Share my phone number"))
			}
			n := prompts()
			h.srv.SendText(tt.user, "/status")
			h.eventually("the share-your-number prompt again", func() bool { return prompts() == n+1 })
		})
	}
	// 张明's binding is untouched by the stranger's attempt.
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "当前没有进行中的叫应")
}

func TestUnboundMayOnlyStartAndHelp(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.srv.SendText(uStranger, "/help")
	h.waitMsg(uStranger, "Send /start and share your phone number") // Telegram language en
	h.srv.SendText(uStranger, "/alert red all test")
	h.eventually("start prompt", func() bool { return len(h.messages(uStranger, "Share my phone number")) == 1 })
	if got := len(h.messages(uStranger, "Alert #")); got != 0 {
		t.Fatalf("an unbound user created an alert")
	}
}

func TestPrebindFromConfig(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		return strings.Replace(y, `unit: yjb, roles: [staff]}
  - {id: o-li`, `unit: yjb, roles: [staff], telegram_id: 1001}
  - {id: o-li`, 1)
	}})
	h.srv.SendText(uZhang, "/start")
	h.waitMsg(uZhang, "您已绑定", "张明")
}
