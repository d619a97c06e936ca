package sandbox

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dutybot/app"
	"dutybot/locales"
)

// The 试一试 story opens the board while 杨帆's call is still open, after
// the escalation has reached 王强, and acknowledges only then, so the board
// shows someone waiting and escalated rather than an empty list. The story
// in general terms, for a town without those officials, keeps that order.
func TestStoryOpensTheBoardBeforeTheAcknowledgement(t *testing.T) {
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadExample(t)
	ppl, err := people(cfg)
	if err != nil {
		t.Fatal(err)
	}
	example := &Sandbox{cfg: cfg, app: &app.App{Catalog: cat}, people: ppl, byID: map[string]int{}}
	for i, p := range ppl {
		example.byID[p.ID] = i
	}
	generic := &Sandbox{cfg: cfg, app: &app.App{Catalog: cat}, byID: map[string]int{}}
	for _, tt := range []struct {
		name     string
		sb       *Sandbox
		escalate func(step) bool // the step that shows the escalation
		ack      func(step) bool // the step that acknowledges
	}{
		{"example town", example,
			func(s step) bool { return s.As == "o-wangqiang" && strings.Contains(s.Text, "叫应升级") },
			func(s step) bool { return s.As == "o-yangfan" && strings.Contains(s.Text, "✅ 收到（确认）") }},
		{"generic", generic,
			func(s step) bool { return strings.Contains(s.Text, "逐级升级") },
			func(s step) bool { return strings.Contains(s.Text, "✅ 收到（确认）") }},
	} {
		for _, lang := range []string{locales.ZH, locales.EN} {
			steps := tt.sb.steps(lang)
			board := slices.IndexFunc(steps, func(s step) bool { return s.Href == boardPath })
			if board < 0 {
				t.Fatalf("%s %s: no step opens the board: %+v", tt.name, lang, steps)
			}
			if lang != locales.ZH {
				continue // the step texts below are matched in Chinese
			}
			esc, ack := slices.IndexFunc(steps, tt.escalate), slices.IndexFunc(steps, tt.ack)
			if esc < 0 || ack < 0 || !(esc < board && board < ack) || ack != len(steps)-1 {
				t.Errorf("%s: escalation at %d, board at %d, acknowledgement at %d of %d steps; want them in that order, the acknowledgement last:\n%+v",
					tt.name, esc, board, ack, len(steps), steps)
			}
			// Only the acknowledgement step asks for the button.
			for i, s := range steps {
				if i != ack && strings.Contains(s.Text, "✅ 收到（确认）") {
					t.Errorf("%s: step %d acknowledges too: %q", tt.name, i+1, s.Text)
				}
			}
		}
	}
}

// The page links the board step to the board, in a new tab.
func TestPageLinksTheBoardStep(t *testing.T) {
	sb := start(t, 60)
	resp, err := http.Get(sb.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	board := regexp.MustCompile(`<a href="/board" class="step-open" target="_blank" rel="noopener">趁叫应还没结束，打开值班看板`).FindStringIndex(page)
	ack := strings.Index(page, "回到 杨帆，点「✅ 收到（确认）」")
	if board == nil || ack < 0 || board[0] > ack {
		t.Errorf("the page's story: board step at %v, acknowledgement at %d", board, ack)
	}
}

// At -speed 60 a call's window is seconds long, so its deadline is shown
// to the second; at -speed 1 (real timings) to the minute, as in the bot.
func TestCallDeadlineHasSecondsOnlyWhenSpedUp(t *testing.T) {
	for _, tt := range []struct {
		speed int
		want  *regexp.Regexp
	}{
		{60, regexp.MustCompile(`请于 \d\d:\d\d:\d\d 前`)},
		{1, regexp.MustCompile(`请于 \d\d:\d\d 前`)},
	} {
		sb := start(t, tt.speed)
		bind(t, sb, "o-yangfan")
		body := `{"level":"yellow","title":"大风黄色预警","body":"请立即到岗","targets":{"units":["v-hangu"]}}`
		if code := do(t, sb, "POST", "/api/v1/alerts", body, nil); code != http.StatusCreated {
			t.Fatalf("speed %d: create alert: %d", tt.speed, code)
		}
		c := waitChat(t, sb, "o-yangfan", "the call", botSays("大风黄色预警", "请于"))
		call, _ := find(c, "大风黄色预警")
		if !tt.want.MatchString(call.Text) {
			t.Errorf("speed %d: the call's deadline does not match %s:\n%s", tt.speed, tt.want, call.Text)
		}
	}
}
