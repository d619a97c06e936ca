package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/metrics"
	"dutybot/storage"
)

// Telegram user (and private chat) ids of the officials in testYAML.
var uid = map[string]int64{"o-zhang": 1001, "o-wu": 1002, "o-liu": 1003, "o-he": 1004}

const stranger int64 = 2001

// botFixture is a Bot with real storage and engine but no Bot API: the
// handlers under test only queue replies.
type botFixture struct {
	t     testing.TB
	b     *Bot
	db    *storage.DB
	clk   *clock.Fake
	eng   *callout.Engine
	woken int
	msgID int
}

func newBotFixture(t testing.TB) *botFixture {
	t.Helper()
	cfg, err := config.Parse([]byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tr, err := locales.New("zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, cfg.Location))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng := callout.New(cfg, db, clk, tr, metrics.New(nil), log)
	f := &botFixture{t: t, db: db, clk: clk, eng: eng}
	if cfg.Telegram.Token == "" {
		cfg.Telegram.Token = "123456:fixture-token" // the client is built, never used
	}
	f.b, err = New(Deps{Config: cfg, DB: db, Engine: eng, Catalog: tr, Metrics: metrics.New(nil), Log: log,
		WakeOutbox: func() { f.woken++ }})
	if err != nil {
		t.Fatal(err)
	}
	f.b.username = "hangu_duty_bot"
	return f
}

func (f *botFixture) update(fn func(tx *storage.Tx) error) {
	f.t.Helper()
	if err := f.db.Update(fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *botFixture) bind(ids ...string) {
	f.t.Helper()
	f.update(func(tx *storage.Tx) error {
		for _, id := range ids {
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: uid[id], UserID: uid[id], Source: "config"}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *botFixture) binding(id string) (storage.Binding, error) {
	var b storage.Binding
	err := f.db.View(func(tx *storage.Tx) error {
		var err error
		b, err = tx.Binding(id)
		return err
	})
	return b, err
}

// take removes and returns every queued job.
func (f *botFixture) take() []storage.Job {
	f.t.Helper()
	var js []storage.Job
	f.update(func(tx *storage.Tx) error {
		var err error
		if js, err = tx.Jobs(); err != nil {
			return err
		}
		for _, j := range js {
			if err := tx.DeleteJob(j); err != nil {
				return err
			}
		}
		return nil
	})
	return js
}

// takeChat returns the texts queued to one chat, dropping the rest.
func (f *botFixture) takeChat(chat int64) []storage.Job {
	var out []storage.Job
	for _, j := range f.take() {
		if j.ChatID == chat {
			out = append(out, j)
		}
	}
	return out
}

// say sends text from a user in their private chat (group=true: a group)
// and returns the replies queued to that chat.
func (f *botFixture) say(user int64, text string, group bool) []storage.Job {
	f.t.Helper()
	f.take()
	f.msgID++
	chat := models.Chat{ID: user, Type: models.ChatTypePrivate}
	if group {
		chat = models.Chat{ID: -100500, Type: models.ChatTypeSupergroup}
	}
	f.b.onMessage(context.Background(), &models.Message{ID: f.msgID, Chat: chat,
		From: &models.User{ID: user, LanguageCode: "zh-hans"}, Text: text})
	return f.takeChat(chat.ID)
}

// reply is the single reply to text.
func (f *botFixture) reply(user int64, text string) storage.Job {
	f.t.Helper()
	js := f.say(user, text, false)
	if len(js) != 1 {
		f.t.Fatalf("%q: %d replies: %+v", text, len(js), js)
	}
	return js[0]
}

func (f *botFixture) press(user int64, data string) (string, bool) {
	f.t.Helper()
	c := f.b.who(user, true, &models.User{ID: user})
	return f.b.pressed(c, data, 77)
}

// deliverCalls marks every queued call as delivered now.
func (f *botFixture) deliverCalls() {
	f.t.Helper()
	now := f.clk.Now()
	for i, j := range f.take() {
		if j.Ref.Kind != storage.RefCall {
			continue
		}
		f.update(func(tx *storage.Tx) error { return f.eng.Delivered(tx, j, 500+i, now) })
	}
}

// fire advances the clock and fires due deadlines as the scheduler does.
func (f *botFixture) fire(d time.Duration) {
	f.t.Helper()
	f.clk.Advance(d)
	now := f.clk.Now()
	for {
		var due []storage.Deadline
		f.update(func(tx *storage.Tx) error {
			due = tx.DueDeadlines(now, 100)
			for _, d := range due {
				if err := tx.DeleteDeadline(d); err != nil {
					return err
				}
			}
			if len(due) == 0 {
				return nil
			}
			return f.eng.Fire(tx, due, now)
		})
		if len(due) == 0 {
			return
		}
	}
}

func (f *botFixture) create(officials ...string) callout.Alert {
	f.t.Helper()
	a, err := f.eng.Create(callout.Request{Level: "red", Title: "暴雨", Source: "api",
		Targets: callout.Targets{Officials: officials}})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestPressed(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang", "o-wu", "o-liu", "o-he")
	a := f.create("o-zhang", "o-liu")
	f.deliverCalls()
	f.clk.Advance(3 * time.Minute)

	steps := []struct {
		name  string
		user  int64
		data  string
		toast string
		alert bool
	}{
		{"unbound", stranger, callout.AckData(a.ID, "o-zhang"), "您尚未绑定", true},
		{"garbled", uid["o-zhang"], "ack:" + a.ID, "无效的按钮数据", true},
		{"unknown prefix", uid["o-zhang"], "zzz", "无效的按钮数据", true},
		{"unknown alert", uid["o-zhang"], callout.AckData("20991231-0001", "o-zhang"), "无效的按钮数据", true},
		{"someone else's", uid["o-wu"], callout.AckData(a.ID, "o-zhang"), "这不是发给您的叫应", true},
		{"ack", uid["o-zhang"], callout.AckData(a.ID, "o-zhang"), "已确认收到（08:03）", false},
		{"ack again", uid["o-zhang"], callout.AckData(a.ID, "o-zhang"), "您已于 08:03 确认过。", false},
		{"draft button by staff", uid["o-zhang"], "al:lvl:red", "您没有发布叫应的权限", true},
		{"stale draft button", uid["o-liu"], "al:next", "该按钮已失效", false},
		{"close by staff", uid["o-zhang"], callout.CloseData(a.ID), "您没有此操作的权限", true},
		{"close by principal", uid["o-he"], callout.CloseData(a.ID), "叫应已结束", false},
		{"ack after close", uid["o-liu"], callout.AckData(a.ID, "o-liu"), "该叫应已结束", false},
		{"close again", uid["o-he"], callout.CloseData(a.ID), "该叫应已结束", false},
		{"language", uid["o-zhang"], "lang:en", "Language set to English.", false},
		{"bad language", uid["o-zhang"], "lang:fr", "Usage", false},
	}
	for _, s := range steps {
		toast, alert := f.press(s.user, s.data)
		if !strings.Contains(toast, s.toast) || alert != s.alert {
			t.Errorf("%s: toast %q (dialog %v), want %q (dialog %v)", s.name, toast, alert, s.toast, s.alert)
		}
		if s.name == "ack again" {
			f.clk.Advance(4 * time.Minute)
		}
	}
	if b, _ := f.binding("o-zhang"); b.Language != "en" {
		t.Errorf("language = %q", b.Language)
	}
}

func TestPressedHandle(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang", "o-wu", "o-liu")
	a := f.create("o-zhang", "o-liu")
	f.deliverCalls()
	f.fire(20 * time.Minute) // o-zhang escalated to 吴敏, o-liu to nobody (dzb's head is unbound)
	f.clk.Advance(5 * time.Minute)

	if toast, _ := f.press(uid["o-zhang"], callout.HandleData(a.ID, "o-wu")); !strings.Contains(toast, "这不是发给您的叫应") {
		t.Errorf("someone else's handle button: %q", toast)
	}
	toast, alert := f.press(uid["o-wu"], callout.HandleData(a.ID, "o-wu"))
	if toast != "已接手 1 人的叫应" || alert {
		t.Errorf("handle: %q %v", toast, alert)
	}
	f.clk.Advance(time.Minute)
	toast, _ = f.press(uid["o-wu"], callout.HandleData(a.ID, "o-wu"))
	if strings.Contains(toast, "您已于") {
		t.Errorf("a second take-over press must not claim an earlier acknowledgement: %q", toast)
	}
	if toast != "没有需要接手的人员了。" {
		t.Errorf("second handle: %q", toast)
	}
}

func TestCommands(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang", "o-liu", "o-he")
	zhang, liu, he := uid["o-zhang"], uid["o-liu"], uid["o-he"]

	// Unbound people are asked to share their phone number.
	for _, text := range []string{"hello", "/status", "/start"} {
		f.clk.Advance(strangerEvery) // within a stranger's allowance
		j := f.reply(stranger, text)
		if !strings.Contains(j.Text, "分享我的手机号") || j.Reply == nil || j.Reply.ContactLabel == "" {
			t.Errorf("%q from a stranger: %+v", text, j)
		}
	}
	f.clk.Advance(strangerEvery)
	if j := f.reply(stranger, "/help"); !strings.Contains(j.Text, "/start") {
		t.Errorf("help for a stranger: %q", j.Text)
	}
	f.clk.Advance(strangerEvery)
	if js := f.say(stranger, "/status", true); len(js) != 1 || !strings.Contains(js[0].Text, "请先私聊我") {
		t.Errorf("unbound in a group: %+v", js)
	}

	tests := []struct {
		user int64
		text string
		want string
	}{
		{zhang, "/start", "您已绑定：张明，应急办，工作人员"},
		{zhang, "/help", "/status"},
		{liu, "/help", "/alert"},
		{zhang, "/status", "当前没有进行中的叫应"},
		{zhang, "/nosuch", "无法识别的命令"},
		{zhang, "/status@otherbot", "无法识别的命令"},
		{zhang, "hello", "如需操作请使用命令"},
		{zhang, "/cancel", "当前没有进行中的操作"},
		{zhang, "/close", "用法：/close 叫应编号"},
		{zhang, "/close #20991231-0001", "没有编号为 20991231-0001 的叫应"},
		{zhang, "/alert 红 all t", "您没有发布叫应的权限"},
		{liu, "/alert 紫 all t", "❌ 未发布：level must be"},
		{liu, "/alert 红 nosuch t", `unknown target "nosuch"`},
		{liu, "/alert 红 role:boss t", `unknown role "boss"`},
		{liu, "/alert 红 all " + strings.Repeat("长", 201), "title: longer than 200"},
		{liu, "/lang", "请选择语言"},
		{liu, "/lang fr", "用法：/lang zh 或 /lang en"},
	}
	for _, tt := range tests {
		j := f.reply(tt.user, tt.text)
		if !strings.Contains(j.Text, tt.want) {
			t.Errorf("%q: reply %q, want %q", tt.text, j.Text, tt.want)
		}
	}
	if js := f.say(zhang, "hello", true); len(js) != 0 {
		t.Errorf("plain text in a group got %+v", js)
	}
	if js := f.say(zhang, "/status@otherbot", true); len(js) != 0 {
		t.Errorf("another bot's command in a group got %+v", js)
	}
	if js := f.say(liu, "/alert 红 all t", true); len(js) != 1 || !strings.Contains(js[0].Text, "请在与我的私聊中发布叫应") {
		t.Errorf("/alert in a group: %+v", js)
	}

	// A one-line alert.
	var created storage.Job
	for _, j := range f.say(liu, "/alert@hangu_duty_bot 红 all 暴雨红色预警 | 请立即到岗", false) {
		if j.Ref.Kind == storage.RefInfo {
			created = j
		}
	}
	if !strings.Contains(created.Text, "已发布，共 4 人") {
		t.Fatalf("one-line alert: %+v", created)
	}
	views, err := f.eng.Open("o-liu")
	if err != nil || len(views) != 1 {
		t.Fatalf("open alerts = %+v, %v", views, err)
	}
	v, err := f.eng.Get(views[0].Alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := v.Alert
	if a.Issuer != "o-liu" || a.Source != "chat" || a.Title != "暴雨红色预警" || a.Body != "请立即到岗" || !a.Targets.All {
		t.Errorf("alert = %+v", a)
	}
	if j := f.reply(zhang, "/status"); !strings.Contains(j.Text, "进行中的叫应：1 条") || !strings.Contains(j.Text, a.ID) {
		t.Errorf("/status: %q", j.Text)
	}
	if j := f.reply(zhang, "/close "+a.ID); !strings.Contains(j.Text, "您没有此操作的权限") {
		t.Errorf("/close by staff: %q", j.Text)
	}
	if j := f.reply(he, "/close #"+a.ID); j.Text != "叫应 #"+a.ID+" 已结束。" {
		t.Errorf("/close by the principal: %q", j.Text)
	}
	if j := f.reply(he, "/close "+a.ID); !strings.Contains(j.Text, "该叫应已结束") {
		t.Errorf("second /close: %q", j.Text)
	}

	// /lang en switches the replies.
	if j := f.reply(zhang, "/lang en"); j.Text != "Language set to English." {
		t.Errorf("/lang en: %q", j.Text)
	}
	if j := f.reply(zhang, "/nosuch"); !strings.Contains(j.Text, "Unknown command") && !strings.Contains(j.Text, "/help") {
		t.Errorf("after /lang en: %q", j.Text)
	}
	if b, _ := f.binding("o-zhang"); b.Language != "en" {
		t.Errorf("stored language = %q", b.Language)
	}
	if f.woken == 0 {
		t.Error("the outbox was never woken")
	}
}

func TestGuidedAlert(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang", "o-liu")
	liu := uid["o-liu"]

	start := f.reply(liu, "/alert")
	if !strings.Contains(start.Text, "1/4") || len(start.Buttons) != 2 || len(start.Buttons[0]) != 4 {
		t.Fatalf("/alert: %+v", start)
	}
	if j := f.reply(liu, "some text"); !strings.Contains(j.Text, "请使用上方按钮继续") {
		t.Errorf("text while choosing a level: %q", j.Text)
	}
	presses := []struct{ data, toast string }{
		{"al:next", "该按钮已失效"}, // not at the targets step yet
		{"al:lvl:purple", "无效的按钮数据"},
		{"al:lvl:red", "🔴 红色"},
		{"al:lvl:blue", "该按钮已失效"}, // the level is chosen
		{"al:next", "请至少选择一个对象"},
		{"al:u:nosuch", "无效的按钮数据"},
		{"al:u:yjb", "✓"},
		{"al:u:dzb", "✓"},
		{"al:u:dzb", "✓"}, // toggled off again
		{"al:next", "✓"},
	}
	for _, p := range presses {
		if toast, _ := f.press(liu, p.data); !strings.Contains(toast, p.toast) {
			t.Errorf("press %s: toast %q, want %q", p.data, toast, p.toast)
		}
	}
	edits := f.take()
	var asked bool
	for _, j := range edits {
		asked = asked || strings.Contains(j.Text, "3/4")
	}
	if !asked {
		t.Errorf("no title prompt after next: %+v", edits)
	}
	if j := f.reply(liu, strings.Repeat("长", 201)); !strings.Contains(j.Text, "3/4") {
		t.Errorf("too long a title: %q", j.Text)
	}
	if j := f.reply(liu, "  暴雨红色预警  "); !strings.Contains(j.Text, "4/4") {
		t.Errorf("after the title: %q", j.Text)
	}
	if j := f.reply(liu, strings.Repeat("长", 3001)); !strings.Contains(j.Text, "正文过长") {
		t.Errorf("too long a body: %q", j.Text)
	}
	preview := f.reply(liu, "-")
	if !strings.Contains(preview.Text, "对象：应急办") || strings.Contains(preview.Text, "正文：") ||
		len(preview.Buttons) != 1 || preview.Buttons[0][0].Data != "al:send" {
		t.Errorf("preview: %+v", preview)
	}
	if toast, _ := f.press(liu, "al:send"); toast != "已发布" {
		t.Errorf("send: %q", toast)
	}
	views, err := f.eng.Open("o-liu")
	if err != nil || len(views) != 1 {
		t.Fatalf("open = %+v, %v", views, err)
	}
	v, err := f.eng.Get(views[0].Alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := v.Alert
	if a.Title != "暴雨红色预警" || a.Body != "" || a.Level != "red" || !slices.Equal(a.Targets.Units, []string{"yjb"}) {
		t.Errorf("alert = %+v", a)
	}
	var rs []string
	for _, r := range views[0].Recipients {
		rs = append(rs, r.Official)
	}
	if !slices.Equal(rs, []string{"o-wu", "o-zhang"}) {
		t.Errorf("recipients = %v", rs)
	}
	if toast, _ := f.press(liu, "al:send"); !strings.Contains(toast, "该按钮已失效") {
		t.Errorf("second send: %q", toast)
	}

	// Cancel mid-way.
	f.reply(liu, "/alert")
	if j := f.reply(liu, "/cancel"); j.Text != "已取消“发布叫应”。" {
		t.Errorf("/cancel: %q", j.Text)
	}
	f.reply(liu, "/alert")
	if toast, _ := f.press(liu, "al:cancel"); toast != "已取消。" {
		t.Errorf("cancel button: %q", toast)
	}
	if j := f.reply(liu, "hello"); !strings.Contains(j.Text, "如需操作请使用命令") {
		t.Errorf("after cancel: %q", j.Text)
	}
}

func TestContactBinding(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-he") // the admin, told about refusals
	contact := func(user int64, phone string, owner int64) []storage.Job {
		t.Helper()
		f.take()
		f.b.onMessage(context.Background(), &models.Message{Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
			From:    &models.User{ID: user, Username: "u", LanguageCode: "zh-hans"},
			Contact: &models.Contact{PhoneNumber: phone, UserID: owner}})
		return f.take()
	}
	// find returns the text queued to a chat.
	find := func(js []storage.Job, chat int64) string {
		var texts []string
		for _, j := range js {
			if j.ChatID == chat {
				texts = append(texts, j.Text)
			}
		}
		return strings.Join(texts, "\n")
	}
	admin := uid["o-he"]

	js := contact(stranger, "+86 138-0000-0003", 3003)
	if !strings.Contains(find(js, stranger), "请分享您本人的手机号") || find(js, admin) != "" {
		t.Errorf("someone else's contact: %+v", js)
	}
	js = contact(stranger, "13900000000", stranger)
	if !strings.Contains(find(js, stranger), "不在值班人员名单中") || find(js, admin) != "" {
		t.Errorf("unknown phone: %+v", js)
	}
	// The admin hears of refusals in the period's digest, numbers masked.
	f.fireBot(refusalDigestEvery)
	if got := find(f.take(), admin); !strings.Contains(got, "138****0003") || !strings.Contains(got, "139****0000") ||
		strings.Contains(got, "13800000003") || strings.Count(got, "⚠️") != 1 {
		t.Errorf("digest = %q", got)
	}
	js = contact(stranger, "+86 138-0000-0001", stranger)
	if got := find(js, stranger); !strings.Contains(got, "绑定成功！张明，应急办") {
		t.Errorf("own contact: %q", got)
	}
	if b, err := f.binding("o-zhang"); err != nil || b.ChatID != stranger || b.UserID != stranger || b.Source != "contact" ||
		b.TelegramLang != "zh-CN" {
		t.Errorf("binding = %+v, %v", b, err)
	}
	js = contact(stranger, "13800000001", stranger)
	if got := find(js, stranger); !strings.Contains(got, "您已绑定") {
		t.Errorf("binding again: %q", got)
	}
	js = contact(stranger, "13800000003", stranger)
	if got := find(js, stranger); !strings.Contains(got, "已绑定其他人员") {
		t.Errorf("second official on one account: %q", got)
	}
	const other int64 = 2002
	js = contact(other, "13800000001", other)
	if got := find(js, other); !strings.Contains(got, "该人员已绑定另一个 Telegram 账号") {
		t.Errorf("official bound elsewhere: %q", got)
	}
	if b, _ := f.binding("o-zhang"); b.ChatID != stranger {
		t.Errorf("binding taken over: %+v", b)
	}
	// In a group a contact is ignored.
	f.take()
	f.b.onMessage(context.Background(), &models.Message{Chat: models.Chat{ID: -100500, Type: models.ChatTypeGroup},
		From: &models.User{ID: other}, Contact: &models.Contact{PhoneNumber: "13800000003", UserID: other}})
	if js := f.take(); len(js) != 0 {
		t.Errorf("contact in a group: %+v", js)
	}
}

func TestStatusIsCut(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-liu")
	for i := 0; i < 30; i++ {
		if _, err := f.eng.Create(callout.Request{Level: "red", Title: strings.Repeat("长", 200), Source: "api",
			Targets: callout.Targets{All: true}}); err != nil {
			t.Fatal(err)
		}
	}
	j := f.reply(uid["o-liu"], "/status")
	if !strings.Contains(j.Text, "进行中的叫应：30 条") || !strings.Contains(j.Text, "条未显示") {
		t.Errorf("status: %q", j.Text)
	}
	if n := utf8.RuneCountInString(j.Text); n > 4096 || len(j.Text) > maxText+100 {
		t.Errorf("status is %d characters, %d bytes", n, len(j.Text))
	}
}

func TestHandleUpdateAnswersCallback(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang")
	a := f.create("o-zhang")

	var mu sync.Mutex
	answered := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseMultipartForm(1 << 20)
		if strings.HasSuffix(r.URL.Path, "/answerCallbackQuery") && r.MultipartForm != nil {
			mu.Lock()
			answered[r.MultipartForm.Value["callback_query_id"][0]] = r.MultipartForm.Value["text"][0]
			mu.Unlock()
		}
		fmt.Fprint(w, `{"ok":true,"result":true}`)
	}))
	defer srv.Close()
	cfg := *f.b.Config
	cfg.Telegram.APIURL, cfg.Telegram.Token = srv.URL, "123:test"
	d := f.b.Deps
	d.Config, d.HTTPClient = &cfg, srv.Client()
	b, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	press := func(id string, user int64, data string) {
		b.HandleUpdate(context.Background(), &models.Update{CallbackQuery: &models.CallbackQuery{ID: id,
			From: models.User{ID: user}, Data: data,
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 9,
				Chat: models.Chat{ID: user, Type: models.ChatTypePrivate}}}}})
	}
	press("q1", uid["o-zhang"], callout.AckData(a.ID, "o-zhang"))
	press("q2", stranger, callout.AckData(a.ID, "o-zhang"))
	press("q3", uid["o-zhang"], "garbage")
	mu.Lock()
	defer mu.Unlock()
	for id, want := range map[string]string{"q1": "已确认收到", "q2": "您尚未绑定", "q3": "无效的按钮数据"} {
		if !strings.Contains(answered[id], want) {
			t.Errorf("callback %s answered %q, want %q", id, answered[id], want)
		}
	}
}

func TestHandlePanicIsRecovered(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang")
	reg := prometheus.NewRegistry()
	d := f.b.Deps
	d.Metrics = metrics.New(reg)
	d.Engine = nil // who() asks the engine for a bound official's language: a nil pointer panic
	b, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	b.HandleUpdate(context.Background(), &models.Update{Message: &models.Message{
		Chat: models.Chat{ID: uid["o-zhang"], Type: models.ChatTypePrivate}, From: &models.User{ID: uid["o-zhang"]}, Text: "/status"}})
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()] += m.GetCounter().GetValue()
		}
	}
	if got["dutybot_handler_panics_total"] != 1 || got["dutybot_updates_handled_total"] != 1 {
		t.Errorf("metrics = %v", got)
	}
}
