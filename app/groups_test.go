package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

// groupsYAML adds two work groups to the test town: 防汛群, where the four
// of 应急办 answer, and 安全生产群, where the heads and the 分管领导 do.
const groupsYAML = `
groups:
  - {id: g-flood, name: 防汛群, units: [yjb]}
  - {id: g-safety, name: 安全生产群, roles: [unit_head, leader]}
`

// Work group chat ids: basic groups, and the supergroup one becomes.
const (
	chatFlood int64 = -500
	chatOther int64 = -600
	chatSafe  int64 = -700
	superSafe int64 = -1000000000700
)

func withGroups(extra string) harnessOpts {
	return harnessOpts{edit: func(y string) string { return y + groupsYAML + extra }}
}

// groupsText asks /groups as user and returns the answer.
func (h *harness) groupsText(user int64, parts ...string) string {
	h.t.Helper()
	before := len(h.messages(user, "👥"))
	h.srv.SendText(user, "/groups")
	h.eventually("a new /groups answer", func() bool { return len(h.messages(user, "👥")) > before })
	all := h.messages(user, "👥")
	text := all[len(all)-1].Text
	for _, p := range parts {
		if !strings.Contains(text, p) {
			h.t.Errorf("/groups lacks %q:\n%s", p, text)
		}
	}
	return text
}

// groupLine is the line of /groups about a group.
func groupLine(text, name string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "· "+name) {
			return l
		}
	}
	return ""
}

// An admin binds a group with /bindgroup sent in it; everyone else, a
// wrong id, a private chat, a group or chat taken already get a clear
// answer and nothing changes. The binding survives a restart, and an
// admin unbinds it.
func TestBindGroup(t *testing.T) {
	h := newHarness(t, withGroups(""))
	for _, u := range []int64{uAdmin, uZhang, uDuty} {
		h.bind(u)
	}
	h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uZhang)
	h.waitMsg(uAdmin, "机器人被张明拉入群“含谷镇防汛群”", "/bindgroup", "尚未绑定：g-flood（防汛群）、g-safety（安全生产群）")

	refusals := []struct {
		user int64
		chat int64
		text string
		want string
	}{
		{uZhang, chatFlood, "/bindgroup g-flood", "只有管理员可以绑定或解除工作群"},
		{uStranger, chatFlood, "/bindgroup g-flood", "Please message me privately with /start to bind first"},
		{uAdmin, chatFlood, "/bindgroup g-nowhere", "没有编号为 g-nowhere 的工作群，未作更改"},
		{uAdmin, chatFlood, "/bindgroup", "用法：在要绑定的群里发送 /bindgroup 工作群编号"},
		{uAdmin, uAdmin, "/bindgroup g-flood", "请在要绑定的群里发送 /bindgroup"},
		{uZhang, chatFlood, "/unbindgroup", "只有管理员可以绑定或解除工作群"},
		{uAdmin, chatFlood, "/unbindgroup", "本群没有绑定工作群，未作更改"},
	}
	for _, r := range refusals {
		if r.chat < 0 {
			h.srv.SendGroupText(r.chat, r.user, r.text)
		} else {
			h.srv.SendText(r.user, r.text)
		}
		h.waitMsg(r.chat, r.want)
	}
	h.groupsText(uAdmin, "👥 工作群（2 个）", "防汛群（g-flood）：未绑定，请在群里发送 /bindgroup g-flood；应答 4 人",
		"机器人所在但未绑定工作群的群：", "· “含谷镇防汛群”：机器人为成员")

	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup@hangu_duty_bot g-flood")
	h.waitMsg(chatFlood, "✅ 本群已绑定为工作群“防汛群”（g-flood），应答人员 4 人。")
	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatFlood, "本群已是工作群“防汛群”（g-flood），无需再次绑定")
	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-safety")
	h.waitMsg(chatFlood, "本群已绑定为工作群“防汛群”（g-flood），未作更改。如需改绑，请先在本群发送 /unbindgroup")
	h.srv.AddBotToGroup(chatOther, "某某闲聊群", uAdmin)
	h.srv.SendGroupText(chatOther, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatOther, "工作群“防汛群”已绑定到另一个群“含谷镇防汛群”，未作更改", "/unbindgroup g-flood")

	// Who may look, where.
	h.srv.SendText(uZhang, "/groups")
	h.waitMsg(uZhang, "只有管理员、带班领导、分管领导和主要负责人可以查看工作群")
	h.srv.SendGroupText(chatFlood, uAdmin, "/groups")
	h.waitMsg(chatFlood, "请在与我的私聊中使用 /groups")

	h.restart()
	text := h.groupsText(uDuty, "👥 工作群（2 个）")
	if l := groupLine(text, "防汛群"); !strings.Contains(l, "群“含谷镇防汛群”，机器人为成员，可以发言；应答 4 人") {
		t.Errorf("after a restart, 防汛群 = %q", l)
	}
	if l := groupLine(text, "安全生产群"); !strings.Contains(l, "未绑定") || !strings.Contains(l, "应答 3 人") {
		t.Errorf("安全生产群 = %q", l)
	}
	if !strings.Contains(text, "· “某某闲聊群”：机器人为成员") || strings.Contains(text, "· “含谷镇防汛群”") {
		t.Errorf("the chats no group is bound to:\n%s", text)
	}

	// Unbound by an admin, in the group; then bound elsewhere.
	h.srv.SendGroupText(chatFlood, uAdmin, "/unbindgroup")
	h.waitMsg(chatFlood, "已解除工作群“防汛群”（g-flood）与群“含谷镇防汛群”的绑定")
	h.srv.SendGroupText(chatOther, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatOther, "✅ 本群已绑定为工作群“防汛群”（g-flood）")
	h.srv.SendText(uAdmin, "/unbindgroup g-flood")
	h.waitMsg(uAdmin, "已解除工作群“防汛群”（g-flood）与群“某某闲聊群”的绑定")
	h.groupsText(uAdmin, "防汛群（g-flood）：未绑定")
	if n := len(h.messages(uAdmin, "拉入群")); n != 2 {
		t.Errorf("admin told %d times of being added, want once per chat (2)", n)
	}
}

// A group whose chat_id the configuration gives is known at once, with
// no /bindgroup; /bindgroup elsewhere and /unbindgroup are refused.
func TestGroupBoundByConfig(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: func(y string) string {
		return y + strings.Replace(groupsYAML, "{id: g-flood, name: 防汛群,", "{id: g-flood, name: 防汛群, chat_id: -500,", 1)
	}})
	h.bind(uAdmin)
	h.groupsText(uAdmin, "防汛群（g-flood）：群“-500”，机器人状态未确认，可以发言；应答 4 人")
	h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uAdmin)
	h.eventually("the title known", func() bool {
		return strings.Contains(h.groupsText(uAdmin), "群“含谷镇防汛群”，机器人为成员，可以发言")
	})
	h.srv.AddBotToGroup(chatOther, "某某闲聊群", uAdmin)
	h.srv.SendGroupText(chatOther, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatOther, "由配置文件指定（chat_id），不能在此绑定，未作更改")
	h.srv.SendGroupText(chatFlood, uAdmin, "/unbindgroup")
	h.waitMsg(chatFlood, "由配置文件指定（chat_id），请修改配置文件，未作更改")
	if n := len(h.messages(uAdmin, "拉入群“含谷镇防汛群”")); n != 0 {
		t.Errorf("admin told of being added to a configured group: %d", n)
	}
}

// The bot's place in a bound group follows my_chat_member: made admin,
// removed, added again; the admins hear once that it can no longer post,
// and once that it can again.
func TestGroupMembershipChanges(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.bind(uAdmin)
	h.bind(uZhang)
	h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uAdmin)
	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatFlood, "✅ 本群已绑定为工作群“防汛群”")

	h.srv.PromoteBot(chatFlood, uAdmin)
	h.eventually("admin", func() bool {
		return strings.Contains(groupLine(h.groupsText(uAdmin), "防汛群"), "机器人为管理员，可以发言")
	})
	h.srv.RestrictBot(chatFlood, uZhang, false)
	h.waitMsg(uAdmin, "⚠️ 机器人已不能在工作群“防汛群”（群“含谷镇防汛群”）发言：机器人被禁止发言（操作人：张明）")
	h.srv.RemoveBotFromGroup(chatFlood, uZhang, true)
	h.eventually("kicked", func() bool {
		return strings.Contains(groupLine(h.groupsText(uAdmin), "防汛群"), "机器人已被移出，⚠️ 不能发言")
	})
	h.srv.AddBotToGroup(chatFlood, "", uAdmin)
	h.waitMsg(uAdmin, "✅ 机器人已可以在工作群“防汛群”（群“含谷镇防汛群”）发言")
	// The notices of one group share a key: one not yet recorded as sent
	// would be edited into the next. Let this one settle first.
	<-h.app.Dispatcher.Idle()
	h.srv.RemoveBotFromGroup(chatFlood, uAdmin, false)
	h.eventually("two notices that it cannot post", func() bool { return len(h.messages(uAdmin, "已不能在工作群")) == 2 })
	h.groupsText(uAdmin, "机器人已不在群中，⚠️ 不能发言")
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uAdmin, "已不能在工作群")); n != 2 {
		t.Errorf("admin told %d times it cannot post, want once per loss (2)", n)
	}
	if n := len(h.messages(uAdmin, "已可以在工作群")); n != 1 {
		t.Errorf("admin told %d times it can post, want 1", n)
	}
	if n := len(h.messages(uAdmin, "拉入群")); n != 1 {
		t.Errorf("admin told %d times of the bot added, want only the first time, before it was bound", n)
	}
}

// A send to a group the bot was removed from without the bot hearing of
// it (403), or to a chat that is gone (400 chat not found), marks the
// group unable to post and tells the admins once.
func TestSendToKickedGroup(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		desc string
		why  string
		line string
	}{
		{"kicked", 403, "Forbidden: bot was kicked from the group chat", "机器人被移出群聊", "机器人已被移出，⚠️ 不能发言"},
		{"chat not found", 400, "Bad Request: chat not found", "该群已不存在", "机器人为成员，⚠️ 不能发言"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, withGroups(""))
			h.bind(uAdmin)
			h.bind(uZhang)
			h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uAdmin)
			h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-flood")
			h.waitMsg(chatFlood, "✅ 本群已绑定为工作群“防汛群”")
			h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: chatFlood, Code: tc.code, Description: tc.desc, Times: -1})
			h.srv.SendGroupText(chatFlood, uZhang, "/status")
			h.waitMsg(uAdmin, "⚠️ 机器人已不能在工作群“防汛群”（群“含谷镇防汛群”）发言："+tc.why+"。")
			// Later failures, after the admins were told, tell nobody.
			for range 2 {
				h.srv.SendGroupText(chatFlood, uZhang, "/status")
			}
			h.eventually("three refused answers", func() bool {
				st := h.srv.Stats()
				return st.Forbidden+st.BadRequests >= 3
			})
			h.groupsText(uAdmin, tc.line)
			time.Sleep(50 * time.Millisecond)
			if n := len(h.messages(uAdmin, "已不能在工作群")); n != 1 {
				t.Errorf("admin told %d times, want once", n)
			}
		})
	}
}

// A group upgraded to a supergroup moves with its binding: Telegram's
// service messages re-key it, and so does a send answered with the new
// chat's id, which then goes to the new chat. After a restart it is still
// there, and the old chat still finds it.
func TestGroupMigration(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.bind(uAdmin)
	h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uAdmin)
	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatFlood, "✅ 本群已绑定为工作群“防汛群”")
	const superFlood int64 = -1000000000500
	h.srv.MigrateGroup(chatFlood, superFlood, uAdmin)
	h.eventually("防汛群 in its supergroup", func() bool {
		return strings.Contains(groupLine(h.groupsText(uAdmin), "防汛群"), "（已升级为超级群）")
	})
	h.srv.SendGroupText(superFlood, uAdmin, "/bindgroup g-flood")
	h.waitMsg(superFlood, "本群已是工作群“防汛群”（g-flood），无需再次绑定")

	// The answer to a send re-keys a group whose service message the bot
	// missed, and the answer goes to the new chat.
	h.srv.AddBotToGroup(chatSafe, "安全生产工作群", uAdmin)
	h.srv.SendGroupText(chatSafe, uAdmin, "/bindgroup g-safety")
	h.waitMsg(chatSafe, "✅ 本群已绑定为工作群“安全生产群”")
	h.srv.AddGroup(superSafe, "安全生产工作群")
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: chatSafe, Code: 400,
		Description: "Bad Request: group chat was upgraded to a supergroup chat", MigrateToChatID: superSafe})
	h.srv.SendGroupText(chatSafe, uAdmin, "/bindgroup g-safety")
	h.waitMsg(superSafe, "本群已是工作群“安全生产群”（g-safety）")

	h.restart()
	text := h.groupsText(uAdmin)
	for _, name := range []string{"防汛群", "安全生产群"} {
		if l := groupLine(text, name); !strings.Contains(l, "可以发言（已升级为超级群）") {
			t.Errorf("after a restart, %s = %q", name, l)
		}
	}
	for old, id := range map[int64]string{chatFlood: "g-flood", chatSafe: "g-safety"} {
		g, ok, err := h.app.Groups.ByChat(old)
		if err != nil || !ok || g.Group.ID != id || g.Chat.ChatID == old || g.Chat.MigratedFrom != old {
			t.Errorf("ByChat(old chat %d) = %+v, %v, %v; want %s in its new chat", old, g, ok, err, id)
		}
	}
}

// /groups in both languages, and no message in a group ever shows a phone
// number, even an answer that has them in a private chat (/who).
func TestGroupsListingAndNoPhonesInGroups(t *testing.T) {
	h := newHarness(t, withGroups(""))
	h.bind(uAdmin)
	h.bind(uZhang)
	h.srv.AddBotToGroup(chatFlood, "含谷镇防汛群", uAdmin)
	h.srv.SendGroupText(chatFlood, uAdmin, "/bindgroup g-flood")
	h.waitMsg(chatFlood, "✅ 本群已绑定为工作群")
	h.srv.SendGroupText(chatFlood, uZhang, "/who 燃气")
	h.waitMsg(chatFlood, "🔎 燃气：由城管大队牵头监管。", "负责人：陈杰 ***********")
	h.srv.SendText(uZhang, "/who 燃气")
	h.waitMsg(uZhang, "负责人：陈杰 13800000008") // privately the number is there

	h.srv.SendText(uAdmin, "/lang en")
	h.waitMsg(uAdmin, "Language set to English")
	h.groupsText(uAdmin, "👥 Work groups (2)",
		"· 防汛群 (g-flood): chat “含谷镇防汛群”, bot is a member, can post; 4 expected to answer",
		"· 安全生产群 (g-safety): not bound; send /bindgroup g-safety in the group; 3 expected to answer")
	h.srv.SendText(uAdmin, "/lang zh")
	h.waitMsg(uAdmin, "已切换为中文")
	h.groupsText(uAdmin, "· 防汛群（g-flood）：群“含谷镇防汛群”，机器人为成员，可以发言；应答 4 人")

	phone := regexp.MustCompile(`1[3-9]\d{9}`)
	for _, m := range h.srv.Messages(chatFlood) {
		if phone.MatchString(m.Text) {
			t.Errorf("a group message shows a phone number: %q", m.Text)
		}
	}
	for _, m := range h.messages(uAdmin, "") {
		if strings.Contains(m.Text, "👥") && (phone.MatchString(m.Text) || strings.Contains(m.Text, "o-")) {
			t.Errorf("/groups shows a phone or an id: %q", m.Text)
		}
	}
}
