package sandbox

import (
	"strings"
	"testing"

	"dutybot/browsertest"
)

// In the page, 吴敏's phone rings above her chat at the call step; "按 1
// 确认" answers the alert by phone, and the chat and the API say so.
func TestBrowserPhonePanelPressOne(t *testing.T) {
	sb := start(t, 60)
	p := openPage(t, sb, "")
	p.bind("o-wumin")
	if p.eval(`String(document.getElementById('handset').hidden)`) != "true" {
		t.Errorf("the phone panel shows before any call")
	}
	id := raise(t, sb, "o-wumin")
	const press = `#handset .call-item.ringing .actions button[data-action="press"]`
	p.until("the phone ringing", `document.querySelector('`+press+`') !== null`)
	if label := p.eval(`document.querySelector('` + press + `').textContent`); label != "按 1 确认" {
		t.Errorf("the button reads %q", label)
	}
	if head := p.eval(`document.querySelector('#handset .call-item.ringing .head').innerText`); !strings.Contains(head, "📞 来电 +8613800000010") {
		t.Errorf("the call's head reads %q", head)
	}
	browsertest.Screenshot(t, p.ctx, "sandbox-phone-ringing")
	p.press("press 1", press)
	p.until("the toast", `!document.getElementById('toast').hidden && document.getElementById('toast').textContent === '已接听，按了 1'`)
	p.until("the call settled", `document.querySelector('#handset .call-item.pressed') !== null && document.querySelector('#handset .call-item.ringing') === null`)
	p.until("the answer in the chat", `document.getElementById('messages').innerText.includes('通过电话按键确认收到')`)
	browsertest.Screenshot(t, p.ctx, "sandbox-phone-pressed")
	if r := recipient(t, alert(t, sb, id), "o-wumin"); r.State != "acked" || r.AnsweredVia != "phone" {
		t.Errorf("吴敏: state %s, answered via %q", r.State, r.AnsweredVia)
	}
}
