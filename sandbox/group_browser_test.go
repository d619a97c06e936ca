package sandbox

import (
	"fmt"
	"strings"
	"testing"

	"dutybot/browsertest"
)

// The 工作群 view: pick 防汛群, raise the 叫应 as 黄磊 through the member
// picker, then press ✅ 收到 as three members in turn; the one message in
// the group shows 已应 1/8, 2/8, 3/8 live, without a reload; away from
// the group, its reminder of the silent shows as unread.
func TestBrowserGroupViewCountsPresses(t *testing.T) {
	sb := start(t, 60)
	for _, o := range []string{groupStoryDuty, groupStoryFirst, groupStoryLeader} {
		bind(t, sb, o)
	}
	p := openPage(t, sb, "")
	p.press("open 防汛群", `#groups .person[data-group="g-flood"]`)
	p.until("the group view", `document.getElementById('chat-title').innerText === '防汛群' && !document.getElementById('group-as-box').hidden`)
	p.until("8 members to speak as", `document.querySelectorAll('#group-as option').length === 8`)

	// speakAs picks the member in the picker, as a person would.
	speakAs := func(official string) {
		t.Helper()
		p.until("speak as "+official, fmt.Sprintf(`(() => { const s = document.getElementById('group-as'); s.value = %q; s.dispatchEvent(new Event('change')); return s.value === %q })()`, official, official))
	}
	speakAs(groupStoryDuty)
	p.until("send the alert", fmt.Sprintf(`(() => { const i = document.getElementById('input'); if (i.disabled) return false; i.value = %q; document.getElementById('send').click(); return true })()`, GroupStoryAlert))
	p.until("黄磊's command shown with his name", `[...document.querySelectorAll('#messages .msg.user')].some(m => m.querySelector('.by')?.innerText === '黄磊' && m.innerText.includes('/alert'))`)
	p.until("the call in the group", `document.getElementById('messages').innerText.includes('已应 0/8')`)
	browsertest.Screenshot(t, p.ctx, "sandbox-group-call")

	for n, o := range []string{groupStoryFirst, groupStoryLeader, groupStoryDuty} {
		speakAs(o)
		p.press(o+" presses ✅ 收到", `#messages .msg.bot .inline-kb button`)
		p.until(fmt.Sprintf("已应 %d/8", n+1), fmt.Sprintf(`document.getElementById('messages').innerText.includes('已应 %d/8')`, n+1))
	}
	text := p.chatText()
	for _, name := range []string{"朱红", "王强", "黄磊"} {
		if i := strings.Index(text, "未应："); i < 0 || strings.Contains(text[i:], name+"、") || strings.HasSuffix(strings.TrimSpace(text[i:]), name) {
			t.Errorf("%s still listed as silent:\n%s", name, text)
		}
	}
	browsertest.Screenshot(t, p.ctx, "sandbox-group-3-of-8")

	// Back to a private chat: the people list takes over again, and the
	// group's reminder of the silent shows as unread beside the group.
	p.choose(groupStorySilent)
	p.until("the private chat", `document.getElementById('group-as-box').hidden && document.getElementById('chat-title').innerText === 'dutybot'`)
	if n := p.eval(`String(document.querySelectorAll('#groups .unread').length)`); n != "0" {
		t.Errorf("%s groups marked unread before anything new was said", n)
	}
	p.until("the reminder unread beside 防汛群", `document.querySelector('#groups .person[data-group="g-flood"] .unread')?.innerText === '1'`)
	p.press("open 防汛群 again", `#groups .person[data-group="g-flood"]`)
	p.until("the reminder read", `document.getElementById('messages').innerText.includes('仍未确认') && document.querySelector('#groups .unread') === null`)
}
