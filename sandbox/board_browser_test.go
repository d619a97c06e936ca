package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dutybot/browsertest"
)

// TestBrowserBoardFollowsTheChatLive plays issue 5's story in one browser:
// in the sandbox's chat the duty leader calls two officials, one answers
// with the button; the board, open in a second tab, turns that official to
// answered and shows the silent one escalated, without reloading.
func TestBrowserBoardFollowsTheChatLive(t *testing.T) {
	sb := start(t, 60) // the urgent policy escalates after 5 s
	chat := openPage(t, sb, "")
	for _, o := range []string{"o-huanglei", "o-yangfan", "o-zhuhong"} {
		chat.bind(o)
	}

	// The board in a second tab of the same browser: loopback needs no
	// sign-in in the sandbox.
	tabCtx, closeTab := chromedp.NewContext(chat.ctx)
	defer closeTab()
	board := &page{t: t, ctx: tabCtx}
	board.do("open the board", chromedp.Navigate(sb.URL()+"/board"), chromedp.WaitVisible(chromedp.CSS(`#alerts`)))
	board.eval(`window.__noReload = 'kept'; ''`)

	chat.choose("o-huanglei")
	chat.do("type the alert", chromedp.SendKeys(chromedp.CSS(`#input`), "/alert 红 o-yangfan,o-zhuhong 暴雨红色预警 | 请立即到岗"),
		chromedp.Click(chromedp.CSS(`#send`)))
	chat.until("the alert created", `document.getElementById('messages').innerText.includes('已发布')`)

	person := func(official, state string) string {
		return fmt.Sprintf(`document.querySelector('#alerts [data-official=%q][data-state=%q]') !== null`, official, state)
	}
	called := func(official string) string {
		return fmt.Sprintf(`document.querySelector('#alerts [data-official=%q]') !== null`, official)
	}
	board.until("both called on the board", called("o-yangfan")+" && "+called("o-zhuhong")+" && "+person("o-yangfan", "waiting"))

	chat.choose("o-yangfan")
	chat.until("the red call", `[...document.querySelectorAll('#messages .msg.bot')].some(m => m.innerText.includes('暴雨红色预警') && m.querySelector('.inline-kb button'))`)
	id := chat.lastBotMessage("暴雨红色预警")
	chat.press("press acknowledge", fmt.Sprintf(`#m-%d .inline-kb button`, id))
	chat.until("the message changed in place", fmt.Sprintf(`/已于 \d\d:\d\d 确认收到/.test(document.querySelector('#m-%d .text').innerText)`, id))
	browsertest.Screenshot(t, chat.ctx, "sandbox-story-chat")

	board.until("杨帆 answered on the board", person("o-yangfan", "answered"))
	start := time.Now()
	board.until("朱红 escalated on the board", person("o-zhuhong", "escalated"))
	if v := board.eval(`String(window.__noReload)`); v != "kept" {
		t.Errorf("the board reloaded (marker %q): it must update in place", v)
	}
	t.Logf("escalation shown %s after the answer", time.Since(start).Round(100*time.Millisecond))
	browsertest.Screenshot(t, board.ctx, "sandbox-story-board")
}

// TestBrowserStoryBoardShowsTheOpenCall plays the 试一试 panel in its
// order: 黄磊 raises the red alert, 杨帆 stays silent until the escalation
// reaches 王强, the board is opened while the call is still open and shows
// 杨帆 escalated beside the demo roster's shift on duty, checked in; only
// then 杨帆 acknowledges, and the call leaves the board's open calls.
func TestBrowserStoryBoardShowsTheOpenCall(t *testing.T) {
	sb := start(t, 120) // the red call reaches 王强 5 s after delivery
	chat := openPage(t, sb, "")
	for _, o := range []string{"o-huanglei", "o-yangfan", "o-wangqiang"} {
		chat.bind(o)
	}
	chat.choose("o-huanglei")
	chat.press("click the story's command", `.steps code.cmd`)
	chat.do("send it", chromedp.Click(chromedp.CSS(`#send`)))
	chat.until("the alert created", `document.getElementById('messages').innerText.includes('已发布')`)
	chat.choose("o-wangqiang")
	chat.until("the escalation", `document.getElementById('messages').innerText.includes('叫应升级')`)

	// Step 7, from the panel's own link, while the call is open.
	chat.press("open the board from the story", `.steps a.step-open[href="/board"]`)
	tabCtx, closeTab := chromedp.NewContext(chat.ctx)
	defer closeTab()
	board := &page{t: t, ctx: tabCtx}
	board.do("open the board", chromedp.Navigate(sb.URL()+"board"), chromedp.WaitVisible(chromedp.CSS(`#alerts`)))
	board.until("杨帆 escalated on the board", `document.querySelector('#alerts [data-official="o-yangfan"][data-state="escalated"]') !== null`)
	board.until("the demo shift on duty, checked in",
		`['o-huanglei', 'o-zhouting'].every(o => document.querySelector('#duty [data-official="' + o + '"] .checkin.i-ok') !== null)`)
	browsertest.Screenshot(t, board.ctx, "sandbox-story-board-open-call")

	// Step 8: 杨帆 acknowledges; the call is complete and leaves the board.
	chat.choose("o-yangfan")
	chat.until("the red call", `[...document.querySelectorAll('#messages .msg.bot')].some(m => m.innerText.includes('暴雨红色预警') && m.querySelector('.inline-kb button'))`)
	id := chat.lastBotMessage("暴雨红色预警")
	chat.press("press acknowledge", fmt.Sprintf(`#m-%d .inline-kb button`, id))
	chat.until("the message changed in place", fmt.Sprintf(`/已于 \d\d:\d\d 确认收到/.test(document.querySelector('#m-%d .text').innerText)`, id))
	browsertest.Screenshot(t, chat.ctx, "sandbox-story-page")
	board.until("the answered call gone from the board's open calls", `document.querySelector('#alerts [data-official="o-yangfan"]') === null`)
	browsertest.Screenshot(t, board.ctx, "sandbox-story-board-answered")
}
