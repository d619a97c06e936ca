package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dutybot/browsertest"
)

// page drives the sandbox page in a headless Chromium.
type page struct {
	t   *testing.T
	ctx context.Context
}

func openPage(t *testing.T, sb *Sandbox, suffix string) *page {
	t.Helper()
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(sb.URL()+suffix),
		chromedp.WaitVisible(chromedp.CSS(`#people .person[data-id="o-huanglei"]`))); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	return &page{t: t, ctx: ctx}
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v\nthe chat shows:\n%s", what, err, p.chatText())
	}
}

func (p *page) eval(js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (p *page) chatText() string {
	v, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById('messages').innerText`))
	return v
}

// until polls a JavaScript condition: the page must change by itself (no
// reload) within a few seconds.
func (p *page) until(what, cond string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the page never showed %s (%v)\nthe chat shows:\n%s", what, err, p.chatText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// press clicks the element sel as a person would, once it is there. The
// page re-renders its lists and chat on every live update, so the element
// is found and clicked in one step: a node looked up first and clicked
// after could already have been replaced.
func (p *page) press(what, sel string) {
	p.t.Helper()
	p.until(what, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false; el.click(); return true })()`, sel))
}

// choose picks the official in the people list.
func (p *page) choose(official string) {
	p.t.Helper()
	p.press("choose "+official, `#people .person[data-id="`+official+`"]`)
	p.until(official+" chosen", fmt.Sprintf(`document.querySelector('#people .person.active')?.dataset.id === %q && location.hash === '#%s'`, official, official))
}

// bind plays the newcomer binding: Start, then the 📱 reply button.
func (p *page) bind(official string) {
	p.t.Helper()
	p.choose(official)
	p.press("press Start", `#start`)
	p.press("share the contact", `#keyboard button.share-contact`)
	p.until("绑定成功", `document.getElementById('messages').innerText.includes('绑定成功')`)
	p.until("the person marked bound", fmt.Sprintf(`document.querySelector('#people .person[data-id=%q] .tag.bound') !== null`, official))
}

// lastBotMessage returns the id of the last bot message whose text has s.
func (p *page) lastBotMessage(s string) int {
	p.t.Helper()
	v := p.eval(fmt.Sprintf(`String([...document.querySelectorAll('#messages .msg.bot')].filter(m => m.innerText.includes(%q)).map(m => m.dataset.id).pop() || '')`, s))
	id, err := strconv.Atoi(v)
	if err != nil {
		p.t.Fatalf("no bot message with %q\nthe chat shows:\n%s", s, p.chatText())
	}
	return id
}

func TestBrowserBindAlertAndAcknowledge(t *testing.T) {
	sb := start(t, 60)
	p := openPage(t, sb, "")
	if title := p.eval(`document.title`); title != "dutybot 沙盒" {
		t.Errorf("title = %q", title)
	}
	p.choose("o-huanglei")
	p.do("see the Start button", chromedp.WaitVisible(chromedp.CSS(`#start`)))
	browsertest.Screenshot(t, p.ctx, "sandbox-start")
	p.bind("o-huanglei")
	browsertest.Screenshot(t, p.ctx, "sandbox-bound")
	p.bind("o-yangfan")

	// As the duty leader, raise the red alert of the story by typing it.
	p.choose("o-huanglei")
	p.do("type the alert", chromedp.SendKeys(chromedp.CSS(`#input`), StoryAlert), chromedp.Click(chromedp.CSS(`#send`)))
	p.until("the alert created", `document.getElementById('messages').innerText.includes('已发布')`)
	if v := p.eval(`document.getElementById('input').value`); v != "" {
		t.Errorf("the input box still holds %q", v)
	}

	// As the head of 含谷村, receive it and acknowledge with the button.
	p.choose("o-yangfan")
	p.until("the red call", `[...document.querySelectorAll('#messages .msg.bot')].some(m => m.innerText.includes('暴雨红色预警') && m.querySelector('.inline-kb button'))`)
	id := p.lastBotMessage("暴雨红色预警")
	browsertest.Screenshot(t, p.ctx, "sandbox-chat")
	btn := fmt.Sprintf(`#m-%d .inline-kb button`, id)
	if label := p.eval(fmt.Sprintf(`document.querySelector(%q).textContent`, btn)); label != "✅ 收到（确认）" {
		t.Fatalf("the button reads %q", label)
	}
	p.press("press acknowledge", btn)
	p.until("the toast", `!document.getElementById('toast').hidden && /^已确认收到（\d\d:\d\d）$/.test(document.getElementById('toast').textContent)`)
	p.until("the message changed in place", fmt.Sprintf(`/已于 \d\d:\d\d 确认收到/.test(document.querySelector('#m-%d .text').innerText)`, id))
	if n := p.eval(fmt.Sprintf(`String(document.querySelectorAll('#m-%d .inline-kb button').length)`, id)); n != "0" {
		t.Errorf("%s buttons left on the acknowledged call", n)
	}
	if e := p.eval(fmt.Sprintf(`document.querySelector('#m-%d .stamp .edited')?.textContent || ''`, id)); !regexp.MustCompile(`^已编辑 \d\d:\d\d$`).MatchString(e) {
		t.Errorf("edit mark = %q", e)
	}
	browsertest.Screenshot(t, p.ctx, "sandbox-acknowledged")

	// The bot's record agrees with the page.
	c, _ := sb.Transcript("o-yangfan")
	for _, m := range c.Messages {
		if m.ID == id && !strings.Contains(m.Text, "确认收到") {
			t.Errorf("the bot's message #%d is %q", id, m.Text)
		}
	}
}

func TestBrowserSwitchingPersonShowsTheirChat(t *testing.T) {
	// ÷600: the red chain (2m/5m/10m/15m) runs in 1.5 seconds.
	sb := start(t, 600)
	for _, o := range []string{"o-yangfan", "o-wangqiang"} {
		bind(t, sb, o)
	}
	p := openPage(t, sb, "#o-wangqiang")
	p.until("王强's chat", `document.getElementById('chat-as').textContent.includes('王强')`)
	if strings.Contains(p.chatText(), "杨帆，含谷村") {
		t.Fatalf("王强's chat shows 杨帆's binding:\n%s", p.chatText())
	}

	// The alert comes over the API; the page updates without a reload.
	var created struct{ ID string }
	body := `{"level":"red","title":"暴雨红色预警","body":"请立即到岗","targets":{"units":["v-hangu"]}}`
	if code := do(t, sb, "POST", "/api/v1/alerts", body, &created); code != http.StatusCreated {
		t.Fatalf("create alert: %d", code)
	}
	p.until("the escalation notice", `document.getElementById('messages').innerText.includes('叫应升级')`)
	p.until("an unread badge on 杨帆", `document.querySelector('#people .person[data-id="o-yangfan"] .unread') !== null`)
	notice := p.lastBotMessage("叫应升级")
	if label := p.eval(fmt.Sprintf(`document.querySelector('#m-%d .inline-kb button').textContent`, notice)); !strings.Contains(label, "我来处理") {
		t.Errorf("the notice's button reads %q", label)
	}
	if chat := p.chatText(); strings.Contains(chat, "第二次叫应") || !strings.Contains(chat, "杨帆（含谷村）") {
		t.Errorf("王强's chat:\n%s", chat)
	}
	browsertest.Screenshot(t, p.ctx, "sandbox-escalation")

	p.choose("o-yangfan")
	p.until("杨帆's calls", `document.getElementById('messages').innerText.includes('第二次叫应')`)
	if chat := p.chatText(); strings.Contains(chat, "叫应升级") || !strings.Contains(chat, "绑定成功！杨帆") {
		t.Errorf("杨帆's chat:\n%s", chat)
	}
	if n := p.eval(`String(document.querySelectorAll('#people .person[data-id="o-yangfan"] .unread').length)`); n != "0" {
		t.Error("the chosen person keeps an unread badge")
	}

	// The language switch keeps the person.
	p.do("switch to English", chromedp.Click(chromedp.CSS(`#lang-link`)))
	p.until("the English page", `document.documentElement.lang === 'en' && document.title === 'dutybot sandbox'`)
	p.until("杨帆 still chosen", `document.querySelector('#people .person.active')?.dataset.id === 'o-yangfan'`)
	if meta := p.eval(`document.querySelector('#people .person[data-id="o-huanglei"] .meta').textContent`); meta != "安委办 · duty leader、staff" {
		t.Errorf("黄磊 in English: %q", meta)
	}
	browsertest.Screenshot(t, p.ctx, "sandbox-english")

	// On a phone the chat comes first after the people list, full width.
	p.do("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	p.until("the narrow layout", `getComputedStyle(document.querySelector('.layout')).gridTemplateColumns.split(' ').length === 1`)
	if w, _ := strconv.Atoi(p.eval(`String(Math.round(document.querySelector('.phone').getBoundingClientRect().width))`)); w < 340 || w > 390 {
		t.Errorf("the chat is %dpx wide on a 390px phone", w)
	}
	browsertest.Screenshot(t, p.ctx, "sandbox-phone")
}

// The page's second story (of three) plays the hazard loop: its sample-photo button
// switches to the step's official and sends a photo, which the chat shows
// as an image on the official's side; the 📷 beside the input takes only
// images.
func TestBrowserHazardStorySendsASamplePhoto(t *testing.T) {
	sb := start(t, 60)
	p := openPage(t, sb, "")
	titles := p.eval(`[...document.querySelectorAll('.story h3')].map(h => h.textContent).join('|')`)
	if titles != "两分钟走完一次叫应|一次检查发现一处隐患，整改复查销号|工作群叫应：三人在群里确认" {
		t.Fatalf("the stories: %q", titles)
	}
	if accept := p.eval(`document.getElementById('photo').accept`); accept != "image/*" {
		t.Errorf("the 📷 input accepts %q", accept)
	}
	p.bind("o-yangfan")
	p.bind("o-sunli")
	p.choose("o-yangfan")
	p.press("the sample photo of the story", `#story-1 .step-photo[data-as="o-sunli"]`)
	p.until("孙丽 chosen", `document.querySelector('#people .person.active')?.dataset.id === 'o-sunli'`)
	// Outside a flow the bot answers a stray photo with a hint; the page
	// redraws the chat with it, the photo still shown.
	p.until("the bot's answer", `document.getElementById('messages').innerText.includes('如需操作')`)
	p.until("the photo shown", `(() => { const img = document.querySelector('#messages .msg.user img.photo'); return !!img && img.complete && img.naturalWidth === 320 })()`)
	p.until("the chat scrolled to its end", `(() => { const m = document.getElementById('messages'); return m.scrollHeight - m.scrollTop - m.clientHeight < 2 })()`)
	browsertest.Screenshot(t, p.ctx, "sandbox-photo")
	if n := len(sb.fake.UserMessages(sb.people[sb.byID["o-yangfan"]].UserID)); n != 2 { // /start and the contact
		t.Errorf("杨帆 sent %d messages; the photo was not his", n)
	}
}
