package fakeapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/bot/fakeapi"
)

// frozenClock is an injectable clock that moves only when told.
type frozenClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFrozenClock() *frozenClock {
	return &frozenClock{now: time.Date(2024, 7, 1, 8, 0, 0, 0, time.UTC)}
}

func (c *frozenClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *frozenClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// addOfficials registers users 1..n, each with their own private chat.
func addOfficials(srv *fakeapi.Server, n int) {
	for i := 1; i <= n; i++ {
		srv.AddUser(fakeapi.User{ID: int64(i), FirstName: "值班员" + strconv.Itoa(i)})
	}
}

func stars(v fakeapi.Stars) *fakeapi.Stars { return &v }

// outcome is "+" for a send taken, "429" or "400" for a refusal.
func outcome(t *testing.T, err error) string {
	t.Helper()
	var tooMany *bot.TooManyRequestsError
	switch {
	case err == nil:
		return "+"
	case errors.As(err, &tooMany):
		return "429"
	case errors.Is(err, bot.ErrorBadRequest) && strings.Contains(err.Error(), fakeapi.ErrBalanceTooLow):
		return "400"
	}
	t.Fatalf("unexpected error: %v", err)
	return ""
}

// Paid sends (allow_paid_broadcast) take the Paid rate instead of the free
// Global one, and do not use up Global; a tick refills both.
func TestPaidBroadcastRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		// steps: "p" a paid send, "f" a free one, each to the next
		// official; "|" moves the clock a second on
		steps string
		want  string // per send: + taken, x refused with 429
	}{
		{"free sends are held to Global", "fffff", "+++xx"},
		{"paid sends pass at the paid rate", "ppppppp", "+++++xx"},
		{"paid sends leave Global alone", "pppppffff", "++++++++x"},
		{"free sends leave Paid alone", "ffffpppppp", "+++x+++++x"},
		{"both refill with time", "ffffpppppp|fffpppppp", "+++x+++++x++++++++x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFrozenClock()
			srv := newServer(t, fakeapi.Options{Now: clock.Now,
				Limits: &fakeapi.Limits{Global: 3, Paid: 5, ChatPerSecond: 1, ChatBurst: 1}})
			addOfficials(srv, len(tc.steps))
			b := newBot(t, srv)
			var got strings.Builder
			paid := 0
			for i, step := range tc.steps {
				if step == '|' {
					clock.Add(time.Second)
					continue
				}
				_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: int64(i + 1), Text: "红色预警", AllowPaidBroadcast: step == 'p'})
				switch o := outcome(t, err); o {
				case "+":
					got.WriteByte('+')
					if step == 'p' {
						paid++
					}
				case "429":
					got.WriteByte('x')
				default:
					t.Fatalf("send %d: %v", i, err)
				}
			}
			if got.String() != tc.want {
				t.Errorf("sends %q: got %s, want %s", tc.steps, got.String(), tc.want)
			}
			if st := srv.Stats(); st.Paid != paid || st.StarsSpent != fakeapi.Stars(paid)*fakeapi.PaidBroadcastFee {
				t.Errorf("stats = %+v, want %d paid sends charged", st, paid)
			}
		})
	}
}

// With Telegram's limits a paid broadcast reaches 1,000 officials in the
// same second, for 100 Stars, while the free 30/s stays untouched.
func TestPaidBroadcastAtTelegramLimits(t *testing.T) {
	const n = 1000
	clock := newFrozenClock()
	srv := newServer(t, fakeapi.Options{Now: clock.Now, Limits: fakeapi.TelegramLimits(), Stars: stars(100 * fakeapi.Star)})
	addOfficials(srv, n+2)
	b := newBot(t, srv)
	ids := make(chan int64, n)
	for i := 1; i <= n; i++ {
		ids <- int64(i)
	}
	close(ids)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range 16 {
		wg.Go(func() {
			for id := range ids {
				_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: id, Text: "红色预警", AllowPaidBroadcast: true})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a paid send within 1,000/s: %v", err)
	}
	if bal, limited := srv.Stars(); bal != 0 || !limited {
		t.Fatalf("balance after 1,000 paid sends = %v (limited %v), want exactly 0.0", bal, limited)
	}
	// The balance is checked first: an empty one refuses even a send
	// the rate would hold back.
	_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: n + 1, Text: "红色预警", AllowPaidBroadcast: true})
	if o := outcome(t, err); o != "400" {
		t.Fatalf("paid send with an empty balance: %v, want %s", err, fakeapi.ErrBalanceTooLow)
	}
	srv.SetStars(fakeapi.Star)
	_, err = b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: n + 1, Text: "红色预警", AllowPaidBroadcast: true})
	if o := outcome(t, err); o != "429" {
		t.Fatalf("the 1,001st paid send in a second: %v, want 429", err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: n + 2, Text: "普通通知"}); err != nil {
		t.Fatalf("a free send after the paid broadcast: %v", err)
	}
	st := srv.Stats()
	if st.Sent != n+1 || st.Paid != n || st.StarsSpent != 100*fakeapi.Star || st.BadRequests != 1 || st.TooMany != 1 {
		t.Fatalf("stats = %+v", st)
	}
	if bal, _ := srv.Stars(); bal != fakeapi.Star {
		t.Fatalf("balance = %v, want the 1.0 topped up, nothing charged for refusals", bal)
	}
}

// A paid send still meets the limit of its chat: 1/s in a private chat,
// 20/min in a group.
func TestPaidSendMeetsChatLimit(t *testing.T) {
	const group = int64(-4200)
	for _, tc := range []struct {
		name   string
		limits fakeapi.Limits
		chat   int64
		taken  int // paid sends taken at once
		retry  int // retry_after of the next
	}{
		{"private chat", fakeapi.Limits{Paid: 1000, ChatPerSecond: 1, ChatBurst: 1}, alice, 1, 1},
		{"group bucket", fakeapi.Limits{Paid: 1000, GroupPerMinute: 20}, group, 20, 3},
		{"group window", fakeapi.Limits{Paid: 1000, GroupPerMinute: 20, GroupWindowed: true}, group, 20, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFrozenClock()
			srv := newServer(t, fakeapi.Options{Now: clock.Now, Limits: &tc.limits, Stars: stars(10 * fakeapi.Star)})
			srv.AddGroup(group, "防汛值班群")
			b := newBot(t, srv)
			for i := range tc.taken {
				if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: tc.chat, Text: "红色预警", AllowPaidBroadcast: true}); err != nil {
					t.Fatalf("paid send %d: %v", i, err)
				}
			}
			_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: tc.chat, Text: "红色预警", AllowPaidBroadcast: true})
			var tooMany *bot.TooManyRequestsError
			if !errors.As(err, &tooMany) || tooMany.RetryAfter != tc.retry {
				t.Fatalf("paid send %d: %v, want 429 retry_after %d", tc.taken, err, tc.retry)
			}
			bal, _ := srv.Stars()
			if want := 10*fakeapi.Star - fakeapi.Stars(tc.taken)*fakeapi.PaidBroadcastFee; bal != want {
				t.Fatalf("balance = %v, want %v: the refused send is not charged", bal, want)
			}
			if got := len(srv.Messages(tc.chat)); got != tc.taken {
				t.Fatalf("chat has %d messages, want %d", got, tc.taken)
			}
		})
	}
}

// Edits carry no flag and take from Global, even when a request says
// allow_paid_broadcast; they cost nothing.
func TestEditsNeverUsePaidBucket(t *testing.T) {
	clock := newFrozenClock()
	srv := newServer(t, fakeapi.Options{Now: clock.Now, Limits: &fakeapi.Limits{Global: 2, Paid: 100}})
	b := newBot(t, srv)
	var sent []*models.Message
	for _, chat := range []int64{alice, bob, alice} {
		m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: chat, Text: "叫应", AllowPaidBroadcast: true})
		if err != nil {
			t.Fatalf("paid send: %v", err)
		}
		sent = append(sent, m)
	}
	// Global is full: two edits, one through the client and one as a raw
	// form that claims the flag, are taken; the third is refused though
	// Paid has 97 tokens left.
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: alice, MessageID: sent[0].ID, Text: "已应"}); err != nil {
		t.Fatalf("edit 1: %v", err)
	}
	if code, body := postForm(t, srv, "editMessageText", url.Values{"chat_id": {strconv.FormatInt(bob, 10)},
		"message_id": {strconv.Itoa(sent[1].ID)}, "text": {"已应"}, "allow_paid_broadcast": {"true"}}); code != http.StatusOK {
		t.Fatalf("edit 2 with allow_paid_broadcast: %d %s", code, body)
	}
	_, err := b.EditMessageReplyMarkup(ctx(t), &bot.EditMessageReplyMarkupParams{ChatID: alice, MessageID: sent[2].ID,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "收到", CallbackData: "ack"}}}}})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) {
		t.Fatalf("edit 3: %v, want 429 from Global", err)
	}
	code, body := postForm(t, srv, "editMessageText", url.Values{"chat_id": {strconv.FormatInt(alice, 10)},
		"message_id": {strconv.Itoa(sent[2].ID)}, "text": {"已应"}, "allow_paid_broadcast": {"true"}})
	if code != http.StatusTooManyRequests {
		t.Fatalf("edit 4 with allow_paid_broadcast: %d %s, want 429 from Global", code, body)
	}
	// Paid sends still pass.
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: bob, Text: "再次叫应", AllowPaidBroadcast: true}); err != nil {
		t.Fatalf("paid send after the edits: %v", err)
	}
	st := srv.Stats()
	if st.Edited != 2 || st.Paid != 4 || st.StarsSpent != 4*fakeapi.PaidBroadcastFee {
		t.Fatalf("stats = %+v, want 2 edits, 4 paid sends charged", st)
	}
}

// postForm calls a method with an urlencoded form, as a bot other than
// go-telegram/bot may, and returns the status and body.
func postForm(t *testing.T, srv *fakeapi.Server, method string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(srv.URL()+"/bot"+token+"/"+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// Each paid send costs 0.1 Star, counted in tenths; when the balance
// cannot pay, the send is refused with BALANCE_TOO_LOW and nothing is
// sent or charged. Free sends need no balance.
func TestPaidBroadcastBalance(t *testing.T) {
	for _, tc := range []struct {
		name    string
		balance *fakeapi.Stars
		paid    int // paid sends tried, one per official
		taken   int
		left    fakeapi.Stars
	}{
		{"unlimited", nil, 5, 5, 0},
		{"two and a half Stars", stars(25), 3, 3, 22},
		{"one Star pays ten", stars(fakeapi.Star), 12, 10, 0},
		{"an empty balance pays for nothing", stars(0), 2, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, fakeapi.Options{Stars: tc.balance})
			addOfficials(srv, tc.paid+1)
			b := newBot(t, srv)
			var got []string
			for i := 1; i <= tc.paid; i++ {
				_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: int64(i), Text: "红色预警", AllowPaidBroadcast: true})
				got = append(got, outcome(t, err))
			}
			want := slicesRepeat("+", tc.taken, "400", tc.paid-tc.taken)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("paid sends: %v, want %v", got, want)
			}
			for i := 1; i <= tc.paid; i++ {
				want := 0
				if i <= tc.taken {
					want = 1
				}
				if n := len(srv.Messages(int64(i))); n != want {
					t.Fatalf("official %d has %d messages, want %d", i, n, want)
				}
			}
			bal, limited := srv.Stars()
			if bal != tc.left || limited != (tc.balance != nil) {
				t.Fatalf("Stars() = %v, %v; want %v, %v", bal, limited, tc.left, tc.balance != nil)
			}
			st := srv.Stats()
			if st.Sent != tc.taken || st.Paid != tc.taken || st.StarsSpent != fakeapi.Stars(tc.taken) || st.BadRequests != tc.paid-tc.taken {
				t.Fatalf("stats = %+v", st)
			}
			// A free send needs no Stars.
			if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: int64(tc.paid + 1), Text: "普通通知"}); err != nil {
				t.Fatalf("free send: %v", err)
			}
			if bal2, _ := srv.Stars(); bal2 != bal {
				t.Fatalf("a free send changed the balance from %v to %v", bal, bal2)
			}
		})
	}
}

func slicesRepeat(a string, n int, b string, m int) []string {
	var out []string
	for range n {
		out = append(out, a)
	}
	for range m {
		out = append(out, b)
	}
	return out
}

// Message.Paid tells which messages carried the flag, for texts,
// documents and photos alike; SetStars tops the balance up.
func TestMessagePaid(t *testing.T) {
	srv := newServer(t, fakeapi.Options{Stars: stars(0)})
	b := newBot(t, srv)
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "欠费", AllowPaidBroadcast: true}); outcome(t, err) != "400" {
		t.Fatalf("paid send with no Stars: %v", err)
	}
	srv.SetStars(fakeapi.Star / 2)
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "普通"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: alice, Text: "红色预警", AllowPaidBroadcast: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{ChatID: alice, AllowPaidBroadcast: true,
		Document: &models.InputFileUpload{Filename: "预警.xlsx", Data: strings.NewReader("workbook")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendPhoto(ctx(t), &bot.SendPhotoParams{ChatID: alice, AllowPaidBroadcast: true,
		Photo: &models.InputFileUpload{Filename: "雷达.png", Data: strings.NewReader("png")}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range srv.Messages(alice) {
		got = append(got, m.Text+m.Document+":"+strconv.FormatBool(m.Paid))
	}
	want := "普通:false 红色预警:true 预警.xlsx:true 雷达.png:true"
	if strings.Join(got, " ") != want {
		t.Fatalf("messages = %v, want %s", got, want)
	}
	if last, _ := srv.Last(alice); !strings.HasSuffix(last.String(), " paid") {
		t.Fatalf("String() = %q, want it to say paid", last.String())
	}
	st := srv.Stats()
	if st.Sent != 4 || st.Paid != 3 || st.StarsSpent != 3 || st.StarsSpent.String() != "0.3" {
		t.Fatalf("stats = %+v", st)
	}
	if bal, _ := srv.Stars(); bal.String() != "0.2" {
		t.Fatalf("balance = %v, want 0.2", bal)
	}
}

func TestStarsString(t *testing.T) {
	for _, tc := range []struct {
		v    fakeapi.Stars
		want string
	}{
		{0, "0.0"},
		{fakeapi.PaidBroadcastFee, "0.1"},
		{25, "2.5"},
		{fakeapi.Star, "1.0"},
		{100 * fakeapi.Star, "100.0"},
		{-3, "-0.3"},
		{-25, "-2.5"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("Stars(%d).String() = %q, want %q", int64(tc.v), got, tc.want)
		}
	}
}
