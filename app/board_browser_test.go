package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dutybot/browsertest"
)

// js evaluates a JavaScript expression in the page.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitPage polls a JavaScript condition in the page until it holds; show
// is evaluated for the failure message.
func waitPage(t *testing.T, ctx context.Context, what, cond, show string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			seen, _ := chromedp.Run(ctx, chromedp.Evaluate[string](show))
			t.Fatalf("timed out waiting for %s (%v); the page shows:\n%s", what, err, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// person selects a recipient's line on an alert's card.
func person(alert, official string) string {
	return fmt.Sprintf(`document.querySelector('[data-alert="%s"] [data-official="%s"]')`, alert, official)
}

// TestBoardInBrowser opens the board in headless Chromium as the 分管领导
// through the link /board sent him, raises an alert to two officials over
// the API, and watches the board change without a reload: one answers in
// the chat and turns ✅, the other stays silent and is escalated to the
// unit head when the clock passes 20 minutes. It also runs a red rainstorm
// warning with its 熔断 checklist and a roster, so the screenshots show a
// whole board, and checks the phone layout.
func TestBoardInBrowser(t *testing.T) {
	h := newWeatherHarness(t)
	for _, u := range []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uAdmin, uChen} {
		h.bind(u)
	}
	var res struct{ Added int }
	if code := h.upload("12月值班表.xlsx", rosterXLSX(t, "含谷镇值班表", dayNight(date(11, 30), date(12, 1))), testAPIToken, &res); code != http.StatusOK || res.Added != 4 {
		t.Fatalf("roster upload: %d, %d shifts", code, res.Added)
	}
	warning := h.warn(uDuty, "暴雨 红 全镇 三小时降雨量将超过100毫米")
	h.waitMsg(uWu, "🛑 熔断", "应急办：请立即落实")

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(h.boardLink(uLiu))); err != nil {
		t.Fatal(err)
	}
	if got := js[string](t, ctx, `location.pathname`); got != "/board" {
		t.Fatalf("the link led to %s", got)
	}
	waitPage(t, ctx, "the board", `!!document.getElementById('alerts') && document.title === '值班看板'`, `document.body.innerText`)
	contains := func(what, sel string, parts ...string) {
		t.Helper()
		text := js[string](t, ctx, `document.querySelector('`+sel+`').innerText`)
		for _, p := range parts {
			if !strings.Contains(text, p) {
				t.Errorf("%s lacks %q:\n%s", what, p, text)
			}
		}
	}
	contains("duty", "#duty", "今天 11-30", "在岗", "张明", "13800000001", "明天 12-01", "镇政府值班室")
	contains("熔断", "#meltdown", "暴雨红色预警", "已落实 0/4 项", "应急办", "待确认")
	contains("warning card", `[data-alert="`+warning+`"]`, "暴雨红色预警", "发布人：杜峰")

	// An alert to 张明 and 李芳 appears live.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	id := h.createAlert("orange", "森林火险橙色预警", `{"officials":["o-zhang","o-li"]}`)
	waitPage(t, ctx, "the new alert", person(id, "o-li")+` !== null`, `document.getElementById('alerts').innerText`)
	contains("new alert", `[data-alert="`+id+`"]`, "森林火险橙色预警", "已应答 0/2", "发布：系统接口", "张明", "李芳", "刚刚发出")

	// 张明 presses ✅ in the chat: he turns answered on the board.
	call := h.waitMsg(uZhang, "#"+id)
	h.waitScheduled(id, "o-li", start.Add(10*time.Minute))
	h.clk.Advance(3 * time.Minute)
	h.press(uZhang, call, button(t, call, "收到"))
	waitPage(t, ctx, "张明 answered", person(id, "o-zhang")+`.dataset.state === 'answered'`, person(id, "o-zhang")+`.outerHTML`)
	contains("张明's line", `[data-alert="`+id+`"] [data-official="o-zhang"]`, "08:03 已应答")
	contains("card", `[data-alert="`+id+`"]`, "已应答 1/2")
	if !js[bool](t, ctx, `window.notReloaded === true`) {
		t.Fatal("the page reloaded")
	}
	if stamp := js[string](t, ctx, `document.getElementById('stamp').innerText`); !strings.HasPrefix(stamp, "更新于 08:03") {
		t.Errorf("stamp %q", stamp)
	}

	// 李芳 stays silent: reminded at 08:10, escalated to 吴敏 at 08:20.
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitScheduled(id, "o-li", start.Add(20*time.Minute))
	h.advanceTo(start.Add(20 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "李芳")
	waitPage(t, ctx, "李芳 escalated", person(id, "o-li")+`.dataset.state === 'escalated'`, person(id, "o-li")+`.outerHTML`)
	contains("李芳's line", `[data-alert="`+id+`"] [data-official="o-li"]`, "已升级至吴敏", "08:10 再次叫应", "08:20 升级至吴敏（单位负责人）")
	if !js[bool](t, ctx, `window.notReloaded === true`) {
		t.Fatal("the page reloaded")
	}
	// The minute changed, so the 30-day rates count the calls settled so far.
	waitPage(t, ctx, "the rates", `document.querySelector('#rates table') !== null`, `document.getElementById('rates').innerText`)
	contains("rates", "#rates", "全镇", "应急办")
	if over := js[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Error("the big-screen layout overflows sideways")
	}
	if cols := js[int](t, ctx, `getComputedStyle(document.querySelector('main.grid')).gridTemplateColumns.split(' ').length`); cols != 2 {
		t.Errorf("the big-screen layout has %d grid columns, want 2", cols)
	}
	browsertest.Screenshot(t, ctx, "board")

	// On a phone everything is one column and nothing overflows sideways.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the phone layout", `getComputedStyle(document.querySelector('main.grid')).gridTemplateColumns.split(' ').length === 1`,
		`getComputedStyle(document.querySelector('main.grid')).gridTemplateColumns`)
	if cols := js[string](t, ctx, `getComputedStyle(document.querySelector('.side')).columnCount`); cols != "1" {
		t.Errorf("phone: side panels in %s columns", cols)
	}
	if over := js[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Errorf("phone: the page is %d px wide in a %d px screen", js[int](t, ctx, `document.documentElement.scrollWidth`), js[int](t, ctx, `window.innerWidth`))
	}
	if size := js[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector('.card-head h3')).fontSize)`); size < 16 {
		t.Errorf("phone: alert titles are %.1f px", size)
	}
	browsertest.Screenshot(t, ctx, "board-phone")
}
