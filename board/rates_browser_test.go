package board

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dutybot/browsertest"
	"dutybot/callout"
	"dutybot/storage"
)

// ratesFit lists, one a line, what of the answer-rate table does not fit:
// a cell whose text is wider than the cell (cut or spilling), a unit name
// squeezed under four characters a line, the table reaching past its
// card's content box, the card scrolling sideways.
const ratesFit = `(() => {
  const sec = document.getElementById('rates');
  const table = sec && sec.querySelector('table');
  if (!table) return 'no answer-rate table';
  const out = [];
  for (const c of table.querySelectorAll('th, td')) {
    if (c.scrollWidth > c.clientWidth) out.push('cell "' + c.innerText + '": ' + c.scrollWidth + ' px of text in ' + c.clientWidth + ' px');
  }
  for (const th of table.querySelectorAll('th')) {
    const st = getComputedStyle(th), em = parseFloat(st.fontSize);
    const w = th.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    if (w < 4 * em - 0.5) out.push('unit "' + th.innerText + '" squeezed to ' + w.toFixed(1) + ' px, under four characters');
  }
  const cs = getComputedStyle(sec);
  const inner = sec.getBoundingClientRect().right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth);
  const right = table.getBoundingClientRect().right;
  if (right > inner + 0.5) out.push('the table ends at ' + right.toFixed(1) + ' px, past its card (' + inner.toFixed(1) + ' px)');
  if (sec.scrollWidth > sec.clientWidth) out.push('the card scrolls sideways: ' + sec.scrollWidth + ' > ' + sec.clientWidth);
  return out.join('\n');
})()`

// TestRatesFitTheirCardInBrowser opens the board in headless Chromium, in
// both languages, at phone and desktop widths, with answer rates whose
// texts are as wide as they get (a long unit name, 100%, three-digit counts,
// "median 1h5m"), and checks that no text of the table is cut and the table
// stays inside its card.
func TestRatesFitTheirCardInBrowser(t *testing.T) {
	// 城管大队 under its full name, the longest a township unit has.
	f := newFixtureYAML(t, Options{}, strings.Replace(testYAML, "name: 城管大队", "name: 城市管理综合行政执法大队", 1))
	now := f.clk.Now()
	n := 0
	// put stores an alert answered by who in after, or left silent when
	// after is 0, sent ago before now.
	put := func(who string, ago, after time.Duration) {
		n++
		id := fmt.Sprintf("20261120-%04d", n)
		sent := now.Add(-ago)
		f.update(func(tx *storage.Tx) error {
			if err := callout.PutAlert(tx, callout.Alert{ID: id, Level: "red", Title: id, CreatedAt: sent, State: callout.AlertDone}); err != nil {
				return err
			}
			r := callout.Recipient{AlertID: id, Official: who, State: callout.StateEscalated, SentAt: sent}
			if after > 0 {
				r.State, r.AckedAt, r.AckedBy = callout.StateAcked, sent.Add(after), who
			}
			return callout.PutRecipient(tx, r)
		})
	}
	for i := range 120 { // 应急办: 100% of 120, in 24 s
		put("o-zhang", time.Duration(i+1)*time.Hour, 24*time.Second)
	}
	put("o-he", 2*time.Hour, 2*time.Minute+10*time.Second) // 党政办: 50%, 2m10s
	put("o-he", 3*time.Hour, 0)
	for i := range 101 { // 城管大队: 1 of 101 in 1h5m
		after := time.Duration(0)
		if i == 0 {
			after = time.Hour + 5*time.Minute
		}
		put("o-chen", time.Duration(i+1)*time.Hour, after)
	}

	ctx, ts := openBoard(t, f, "o-liu")
	screens := []screen{
		{"phone", 375, 812, true},
		{"tablet", 768, 1024, true},
		{"laptop", 1280, 800, false},
		{"desktop", 1920, 1080, false},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, sc := range screens {
			t.Run(lang+"/"+sc.name, func(t *testing.T) {
				showBoard(t, ctx, ts, lang, sc)
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#rates table') || document.body).innerText`))
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"100%", "120/120", "1/101", "城市管理综合行政执法大队"}
				if lang == "en" {
					want = append(want, "median 24s", "median 2m10s", "median 1h5m")
				} else {
					want = append(want, "中位用时 24秒", "中位用时 2分10秒", "中位用时 1小时5分")
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("the table lacks %q:\n%s", w, text)
					}
				}
				bad, err := chromedp.Run(ctx, chromedp.Evaluate[string](ratesFit))
				if err != nil {
					t.Fatal(err)
				}
				if bad != "" {
					t.Errorf("at %d px the answer rates do not fit:\n%s", sc.width, bad)
				}
				browsertest.Screenshot(t, ctx, "board-rates-"+lang+"-"+sc.name)
			})
		}
	}
}

// screen is a browser window the board is looked at in.
type screen struct {
	name          string
	width, height int64
	mobile        bool
}

// openBoard signs official in to the fixture's board in a headless
// browser and returns the browser and the server.
func openBoard(t *testing.T, f *fixture, official string) (context.Context, *httptest.Server) {
	t.Helper()
	ts := f.serve()
	link, err := f.srv.Link(official)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/board/login?t="+token(t, link))); err != nil {
		t.Fatal(err)
	}
	return ctx, ts
}

// showBoard loads the board in lang in a window of sc's size.
func showBoard(t *testing.T, ctx context.Context, ts *httptest.Server, lang string, sc screen) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if sc.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(sc.width, sc.height, opts...),
		chromedp.Navigate(ts.URL+"/board?lang="+lang)); err != nil {
		t.Fatal(err)
	}
}
