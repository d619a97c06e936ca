package board

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dutybot/browsertest"
	"dutybot/hazard"
)

// hazardsFit lists what of the 隐患 card does not fit (cardFit).
var hazardsFit = cardFit("hazards", "h4, li, b, small, .chip, .count")

// cardFit is a script listing, one a line, what of the card with element
// id does not fit: an element matching selector reaching past the card's
// content box, the card or the page scrolling sideways.
func cardFit(id, selector string) string {
	return `(() => {
  const sec = document.getElementById('` + id + `');
  if (!sec) return 'no ` + id + ` card';
  const out = [];
  const cs = getComputedStyle(sec);
  const box = sec.getBoundingClientRect();
  const left = box.left + parseFloat(cs.paddingLeft) + parseFloat(cs.borderLeftWidth);
  const right = box.right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth);
  for (const el of sec.querySelectorAll('` + selector + `')) {
    const r = el.getBoundingClientRect();
    if (r.right > right + 0.5 || r.left < left - 0.5) out.push('"' + el.innerText.slice(0, 40) + '" spans ' + r.left.toFixed(1) + '–' + r.right.toFixed(1) + ' px, the card ' + left.toFixed(1) + '–' + right.toFixed(1));
  }
  if (sec.scrollWidth > sec.clientWidth) out.push('the card scrolls sideways: ' + sec.scrollWidth + ' > ' + sec.clientWidth);
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  return out.join('\n');
})()`
}

// TestHazardCardFitsInBrowser opens the board in headless Chromium at
// phone and desktop widths, in both languages, with a 重大隐患 and an
// overdue hazard of long names in a unit with a long name, and checks the
// card shows them and nothing of it overflows.
func TestHazardCardFitsInBrowser(t *testing.T) {
	f := newFixtureYAML(t, Options{}, strings.Replace(testYAML, "name: 城管大队", "name: 城市管理综合行政执法大队", 1))
	hz := f.hazardLoop()
	due := time.Date(2026, 12, 1, 18, 0, 0, 0, start.Location())
	if _, err := hz.Report(hazard.Finding{Enterprise: "91500106MA5U7X1234", EnterpriseName: "重庆市九龙坡区含谷镇某某精密机械制造有限责任公司",
		Unit: "cgdd", FoundBy: "o-zhang", Level: hazard.LevelGeneral, Description: "配电箱未接地，电缆老化破损，车间内多处私拉乱接电线，存在触电和火灾风险",
		Assign: &hazard.Assignment{Deadline: due}}); err != nil {
		t.Fatal(err)
	}
	if _, err := hz.Report(hazard.Finding{Enterprise: "91500106MA5U7X5678", EnterpriseName: "含谷燃气站", Unit: "cgdd",
		FoundBy: "o-zhang", Level: hazard.LevelMajor, Description: "Storage-tank-area-gas-detector-out-of-order-since-last-month"}); err != nil {
		t.Fatal(err)
	}
	f.advance(3 * 24 * time.Hour)

	ctx, ts := openBoard(t, f, "o-liu")
	screens := []screen{
		{"phone", 360, 740, true},
		{"desktop", 1920, 1080, false},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, sc := range screens {
			t.Run(lang+"/"+sc.name, func(t *testing.T) {
				showBoard(t, ctx, ts, lang, sc)
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('hazards') || document.body).innerText`))
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"城市管理综合行政执法大队", "重庆市九龙坡区含谷镇某某精密机械制造有限责任公司", "含谷燃气站", "12-01 18:00"}
				if lang == "en" {
					want = append(want, "Hazards", "1 listed · 1 overdue", "2 d overdue", "official in charge: 张明")
				} else {
					want = append(want, "隐患", "挂牌督办 1 · 逾期 1", "逾期 2 天", "责任干部 张明")
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("the card lacks %q:\n%s", w, text)
					}
				}
				bad, err := chromedp.Run(ctx, chromedp.Evaluate[string](hazardsFit))
				if err != nil {
					t.Fatal(err)
				}
				if bad != "" {
					t.Errorf("at %d px the 隐患 card does not fit:\n%s", sc.width, bad)
				}
				browsertest.Screenshot(t, ctx, "board-hazards-"+lang+"-"+sc.name)
			})
		}
	}
}
