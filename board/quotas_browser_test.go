package board

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dutybot/browsertest"
	"dutybot/inspection"
)

// quotasFit lists what of the 履职 card does not fit (cardFit).
var quotasFit = cardFit("quotas", "li, b, small, .status, .fig")

// quotaLines is the card's people as the browser shows them, one a line:
// the innerText of each <li>, spaces collapsed.
const quotaLines = `(() => {
  const sec = document.getElementById('quotas');
  if (!sec) return '';
  return Array.from(sec.querySelectorAll('li')).map(li => li.innerText.replace(/\s+/g, ' ').trim()).join('\n');
})()`

// TestQuotaCardLiveInBrowser opens the board in headless Chromium as a
// 分管领导, in both languages at phone and desktop widths: the 履职 card
// shows the plaque holders by name and unit with their figures, those
// behind first, and fits; then, with the page left open, 陈杰 records an
// inspection and a 销号 and the card updates itself over the event
// stream, without a reload.
func TestQuotaCardLiveInBrowser(t *testing.T) {
	f := newFixtureYAML(t, Options{Poll: 50 * time.Millisecond}, strings.Replace(testYAML, "name: 城管大队", "name: 城市管理综合行政执法大队", 1))
	w := f.workLoop()
	works, mill, shop := w.codes[0], w.codes[1], w.codes[2]
	for _, kind := range []string{inspection.KindCheck, inspection.KindCheck, inspection.KindProblem, inspection.KindProblem} {
		w.inspect(t, "o-wu", works, kind)
	}
	w.closeHazard(t, "o-wu", works, f.clk.Now())
	w.closeHazard(t, "o-wu", works, f.clk.Now())
	w.inspect(t, "o-liu", mill, inspection.KindCheck)

	ctx, ts := openBoard(t, f, "o-liu")
	lines := func(t *testing.T) string {
		t.Helper()
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](quotaLines))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, sc := range []screen{{"phone", 360, 740, true}, {"desktop", 1920, 1080, false}} {
			t.Run(lang+"/"+sc.name, func(t *testing.T) {
				showBoard(t, ctx, ts, lang, sc)
				want := "刘洋 党政办 未达标 指导检查 1/2 隐患销号 2/2 解决难题 0/2 半年覆盖 1/2\n" +
					"何军 党政办 未达标 指导检查 0/2 隐患销号 0/2 解决难题 0/2 半年覆盖 0/1\n" +
					"陈杰 城市管理综合行政执法大队 未达标 指导检查 0/2 隐患销号 0/2 解决难题 0/2 半年覆盖 0/2\n" +
					"吴敏 应急办 本月达标 指导检查 2/2 隐患销号 2/2 解决难题 2/2 半年覆盖 1/1"
				summary := "4 人中 1 人本月达标"
				if lang == "en" {
					want = "刘洋 党政办 behind inspections 1/2 hazards closed 2/2 problems solved 0/2 half-year coverage 1/2\n" +
						"何军 党政办 behind inspections 0/2 hazards closed 0/2 problems solved 0/2 half-year coverage 0/1\n" +
						"陈杰 城市管理综合行政执法大队 behind inspections 0/2 hazards closed 0/2 problems solved 0/2 half-year coverage 0/2\n" +
						"吴敏 应急办 on target inspections 2/2 hazards closed 2/2 problems solved 2/2 half-year coverage 1/1"
					summary = "1 of 4 on target this month"
				}
				if got := lines(t); got != want {
					t.Errorf("the card shows\n%s\nwant\n%s", got, want)
				}
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('quotas').innerText`))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(text, summary) {
					t.Errorf("the card lacks %q:\n%s", summary, text)
				}
				bad, err := chromedp.Run(ctx, chromedp.Evaluate[string](quotasFit))
				if err != nil {
					t.Fatal(err)
				}
				if bad != "" {
					t.Errorf("at %d px the 履职 card does not fit:\n%s", sc.width, bad)
				}
				browsertest.Screenshot(t, ctx, "board-quotas-"+lang+"-"+sc.name)
			})
		}
	}

	// Left open: the page is not loaded again, only the stream updates it.
	showBoard(t, ctx, ts, "zh-CN", screen{"desktop", 1920, 1080, false})
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameload = true`)); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got := lines(t)
			if strings.Contains(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the card never showed %q:\n%s", what, want, got)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	w.inspect(t, "o-chen", shop, inspection.KindCheck)
	waitFor("after 陈杰's inspection", "陈杰 城市管理综合行政执法大队 未达标 指导检查 1/2 隐患销号 0/2 解决难题 0/2 半年覆盖 1/2")
	w.closeHazard(t, "o-chen", shop, f.clk.Now())
	// The shop's hazard counts for its 行政负责人 何军 too.
	waitFor("after 陈杰's 销号", "何军 党政办 未达标 指导检查 0/2 隐患销号 1/2")
	waitFor("after 陈杰's 销号", "陈杰 城市管理综合行政执法大队 未达标 指导检查 1/2 隐患销号 1/2")
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameload === true`))
	if err != nil {
		t.Fatal(err)
	}
	if !same {
		t.Error("the page was loaded again: the card did not update over the event stream")
	}
}
