package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestSendTextAndShareContact(t *testing.T) {
	sb := start(t, 60)
	var sent struct{ Message int }
	if code := do(t, sb, "POST", "/sandbox/send", sendReq{As: "o-yangfan", Text: "  /start "}, &sent); code != http.StatusOK || sent.Message != 1 {
		t.Fatalf("send: %d %+v", code, sent)
	}
	c := waitChat(t, sb, "o-yangfan", "the share-contact button", func(c Chat) bool { return len(c.Keyboard) > 0 })
	if kb := c.Keyboard; len(kb) != 1 || len(kb[0]) != 1 || !kb[0][0].Contact || kb[0][0].Text != "📱 分享我的手机号" {
		t.Fatalf("reply keyboard = %+v", kb)
	}
	if m := c.Messages[0]; m.ID != 1 || m.From != "user" || m.Text != "/start" || !regexp.MustCompile(`^\d\d:\d\d$`).MatchString(m.Time) {
		t.Fatalf("first item = %+v", m)
	}
	if m := c.Messages[1]; m.From != "bot" || !strings.Contains(m.Text, "分享我的手机号") {
		t.Fatalf("second item = %+v", m)
	}

	if code := do(t, sb, "POST", "/sandbox/contact", asReq{As: "o-yangfan"}, &sent); code != http.StatusOK {
		t.Fatalf("contact: %d", code)
	}
	c = waitChat(t, sb, "o-yangfan", "绑定成功", botSays("绑定成功", "杨帆", "含谷村", "单位负责人"))
	if m := c.Messages[2]; m.From != "user" || m.Contact != "13800000007" || m.ID != sent.Message {
		t.Fatalf("contact item = %+v", m)
	}

	var ppl People
	if code := do(t, sb, "GET", "/sandbox/people", nil, &ppl); code != http.StatusOK || len(ppl.People) != len(sb.cfg.Officials) {
		t.Fatalf("people: %d, %d people", code, len(ppl.People))
	}
	for _, p := range ppl.People {
		switch p.ID {
		case "o-yangfan":
			if !p.Bound || p.Name != "杨帆" || p.Unit != "含谷村" || strings.Join(p.Roles, ",") != "单位负责人" ||
				p.Phone != "13800000007" || p.UserID != UserID(sb.people[sb.byID[p.ID]].Official) || p.Messages != 2 {
				t.Errorf("杨帆 = %+v", p)
			}
		default:
			if p.Bound || p.Messages != 0 {
				t.Errorf("%s bound or messaged: %+v", p.ID, p)
			}
		}
	}
	if do(t, sb, "GET", "/sandbox/people?lang=en", nil, &ppl); ppl.People[7].ID != "o-huanglei" || strings.Join(ppl.People[7].Roles, ",") != "duty leader,staff" {
		t.Errorf("黄磊 in English = %+v", ppl.People[7])
	}
}

func TestPressShowsTheToastAndTheMessageChangesInPlace(t *testing.T) {
	sb := start(t, 60)
	bind(t, sb, "o-yangfan")
	// The alert comes over the HTTP API with the token the banner prints.
	var created struct{ ID string }
	body := `{"level":"yellow","title":"大风黄色预警","body":"请立即到岗","targets":{"units":["v-hangu"]}}`
	if code := do(t, sb, "POST", "/api/v1/alerts", body, &created); code != http.StatusCreated || created.ID == "" {
		t.Fatalf("create alert: %d %+v", code, created)
	}
	c := waitChat(t, sb, "o-yangfan", "the alert", botSays("大风黄色预警", "#"+created.ID))
	call, _ := find(c, "大风黄色预警")
	data := button(t, call, "收到")

	var toast Toast
	if code := do(t, sb, "POST", "/sandbox/press", pressReq{As: "o-yangfan", Message: call.ID, Data: data}, &toast); code != http.StatusOK {
		t.Fatalf("press: %d", code)
	}
	if !toast.Answered || !regexp.MustCompile(`^已确认收到（\d\d:\d\d）$`).MatchString(toast.Text) || toast.Alert {
		t.Fatalf("toast = %+v", toast)
	}
	c = waitChat(t, sb, "o-yangfan", "the acknowledgement", func(c Chat) bool {
		for _, m := range c.Messages {
			if m.ID == call.ID {
				return strings.Contains(m.Text, "确认收到")
			}
		}
		return false
	})
	for _, m := range c.Messages {
		if m.ID == call.ID && (m.Edited == "" || len(m.Buttons) != 0 || !regexp.MustCompile(`✅ 已于 \d\d:\d\d 确认收到`).MatchString(m.Text)) {
			t.Errorf("acknowledged call = %+v", m)
		}
	}
	// The button is gone: pressing it again is refused and changes nothing.
	var e apiError
	if code := do(t, sb, "POST", "/sandbox/press", pressReq{As: "o-yangfan", Message: call.ID, Data: data}, &e); code != http.StatusConflict || e.Error == "" {
		t.Errorf("second press: %d %+v", code, e)
	}
	if code := do(t, sb, "POST", "/sandbox/press", pressReq{As: "o-yangfan", Message: 999, Data: data}, &e); code != http.StatusNotFound {
		t.Errorf("press on no message: %d %+v", code, e)
	}
}

func TestSilenceEscalatesToTheLeaderAtSpeed(t *testing.T) {
	// At ÷600 the urgent policy of red alerts is 0.2s/0.5s/1s/1.5s.
	sb := start(t, 600)
	for _, o := range []string{"o-huanglei", "o-yangfan", "o-wangqiang"} {
		bind(t, sb, o)
	}
	began := time.Now()
	if code := do(t, sb, "POST", "/sandbox/send", sendReq{As: "o-huanglei", Text: StoryAlert}, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	waitChat(t, sb, "o-huanglei", "the alert created", botSays("已发布"))
	waitChat(t, sb, "o-yangfan", "the second call", botSays("第二次叫应", "暴雨红色预警"))
	c := waitChat(t, sb, "o-wangqiang", "the escalation", botSays("叫应升级", "杨帆（含谷村）"))
	n, _ := find(c, "叫应升级")
	button(t, n, "我来处理")
	if d := time.Since(began); d > 8*time.Second {
		t.Errorf("the chain took %v at ÷600", d)
	}
}

func TestWaitEndpoint(t *testing.T) {
	sb := start(t, 60)
	do(t, sb, "POST", "/sandbox/send", sendReq{As: "o-zhouting", Text: "first"}, nil)
	waitChat(t, sb, "o-zhouting", "the answer to an unbound chat", botSays("分享我的手机号"))
	// A page that has seen less than the current state gets an answer at once.
	var stale struct{ Version uint64 }
	if code := do(t, sb, "GET", "/sandbox/wait?after=0", nil, &stale); code != http.StatusOK || stale.Version == 0 {
		t.Fatalf("wait after 0: %d %+v", code, stale)
	}
	v := sb.fake.Version()
	got := make(chan uint64, 1)
	go func() {
		var w struct{ Version uint64 }
		resp, err := http.Get(fmt.Sprintf("%ssandbox/wait?after=%d", sb.URL(), v))
		if err == nil {
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			fmt.Sscanf(strings.TrimPrefix(string(data), `{"version":`), "%d", &w.Version)
		}
		got <- w.Version
	}()
	select {
	case w := <-got:
		t.Fatalf("wait answered %d before anything changed", w)
	case <-time.After(300 * time.Millisecond):
	}
	do(t, sb, "POST", "/sandbox/send", sendReq{As: "o-zhouting", Text: "hello"}, nil)
	select {
	case w := <-got:
		if w <= v {
			t.Fatalf("wait answered %d, want more than %d", w, v)
		}
	case <-time.After(wait):
		t.Fatal("a message did not end the wait")
	}
	var e apiError
	if code := do(t, sb, "GET", "/sandbox/wait?after=soon", nil, &e); code != http.StatusBadRequest || e.Error == "" {
		t.Errorf("bad after: %d %+v", code, e)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	sb := start(t, 60)
	long := strings.Repeat("长", 4097)
	tests := []struct {
		name, method, path string
		body               any
		code               int
		says               string
	}{
		{"unknown official", "POST", "/sandbox/send", sendReq{As: "o-nobody", Text: "hi"}, 404, `no official "o-nobody"`},
		{"no official", "POST", "/sandbox/contact", asReq{}, 400, `"as"`},
		{"empty text", "POST", "/sandbox/send", sendReq{As: "o-yangfan", Text: "  "}, 400, "empty"},
		{"too long", "POST", "/sandbox/send", sendReq{As: "o-yangfan", Text: long}, 400, "4097"},
		{"not JSON", "POST", "/sandbox/send", "as=o-yangfan", 400, "JSON"},
		{"press nothing", "POST", "/sandbox/press", pressReq{As: "o-yangfan", Message: 1, Data: "ack:x"}, 404, "no bot message"},
		{"chat of nobody", "GET", "/sandbox/chat?as=x", nil, 404, "no official"},
		{"file id", "GET", "/sandbox/file?as=o-yangfan&message=x", nil, 400, "message id"},
		{"no file", "GET", "/sandbox/file?as=o-yangfan&message=1", nil, 404, "no document"},
		{"upload not a form", "POST", "/sandbox/upload", "x", 400, "multipart"},
	}
	for _, tt := range tests {
		var e apiError
		code := do(t, sb, tt.method, tt.path, tt.body, &e)
		if code != tt.code || !strings.Contains(e.Error, tt.says) {
			t.Errorf("%s: %d %q, want %d and %q", tt.name, code, e.Error, tt.code, tt.says)
		}
	}
	if n := len(sb.fake.UserMessages(sb.people[sb.byID["o-yangfan"]].UserID)); n != 0 {
		t.Errorf("refused input reached the bot: %d messages", n)
	}
}

func TestUploadAndDownload(t *testing.T) {
	sb := start(t, 60)
	bind(t, sb, "o-zhouting") // admin: may import rosters
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("as", "o-zhouting")
	fw, _ := mw.CreateFormFile("file", "值班说明.txt")
	_, _ = fw.Write([]byte("not a roster"))
	_ = mw.Close()
	resp, err := http.Post(sb.URL()+"sandbox/upload", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s", resp.Status)
	}
	c := waitChat(t, sb, "o-zhouting", "the import's answer", botSays("不支持的文件类型", "值班说明.txt"))
	var up Item
	for _, m := range c.Messages {
		if m.From == "user" && m.Document != "" {
			up = m
		}
	}
	if up.Document != "值班说明.txt" || up.Download != "" {
		t.Errorf("uploaded item = %+v", up)
	}

	// The bot sends a document (as it would an export): the page links to it.
	p := sb.people[sb.byID["o-zhouting"]]
	api, err := tg.New(sb.cfg.Telegram.Token, tg.WithServerURL(sb.fake.URL()), tg.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	csv := []byte("日期,带班领导\n2026-12-01,黄磊\n")
	if _, err := api.SendDocument(context.Background(), &tg.SendDocumentParams{ChatID: p.UserID, Caption: "值班表",
		Document: &models.InputFileUpload{Filename: "值班表 12月.csv", Data: bytes.NewReader(csv)}}); err != nil {
		t.Fatal(err)
	}
	c = waitChat(t, sb, "o-zhouting", "the document", func(c Chat) bool {
		return c.Messages[len(c.Messages)-1].Document == "值班表 12月.csv"
	})
	doc := c.Messages[len(c.Messages)-1]
	if doc.From != "bot" || doc.Text != "值班表" || doc.Download == "" {
		t.Fatalf("document item = %+v", doc)
	}
	resp, err = http.Get(strings.TrimSuffix(sb.URL(), "/") + doc.Download)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(data, csv) {
		t.Fatalf("download: %s %q", resp.Status, data)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "utf-8''%E5%80%BC") {
		t.Errorf("Content-Disposition = %q", cd)
	}
}

func TestPageAPIAndBoardShareOneAddress(t *testing.T) {
	sb := start(t, 60)
	get := func(path string, h http.Header) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", strings.TrimSuffix(sb.URL(), "/")+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data), resp.Header
	}
	code, page, _ := get("/", nil)
	for _, want := range []string{`<html lang="zh-CN">`, "dutybot 沙盒", "黄磊（带班领导）", StoryAlert, sb.APIToken(), `href="/board"`, "default 10s/20s/30s/45s"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("page (%d) lacks %q", code, want)
		}
	}
	code, page, h := get("/?lang=en", nil)
	if code != http.StatusOK || !strings.Contains(page, "dutybot sandbox") || !strings.Contains(page, "Pick 黄磊 (duty leader)") ||
		!strings.Contains(h.Get("Set-Cookie"), "lang=en") {
		t.Errorf("English page: %d cookie %q", code, h.Get("Set-Cookie"))
	}
	if code, page, _ := get("/", http.Header{"Cookie": {"lang=en"}}); code != http.StatusOK || !strings.Contains(page, `<html lang="en">`) {
		t.Errorf("the language cookie is not kept: %d", code)
	}
	if code, body, _ := get("/healthz", nil); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %d %s", code, body)
	}
	if code, _, _ := get("/api/v1/alerts/nope", nil); code != http.StatusUnauthorized {
		t.Errorf("API without the token: %d, want 401", code)
	}
	for _, f := range []string{"/sandbox/static/chat.js", "/sandbox/static/chat.css"} {
		if code, body, _ := get(f, nil); code != http.StatusOK || len(body) < 1000 {
			t.Errorf("%s: %d, %d bytes", f, code, len(body))
		}
	}
}

// Nothing the page loads may come from the internet: no CDN, no web fonts.
func TestPageUsesNoExternalAssets(t *testing.T) {
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import|fetch\(\s*["'](https?:)?//`)
	for _, name := range []string{"web/index.html", "web/static/chat.js", "web/static/chat.css"} {
		data, err := webFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := external.Find(data); m != nil {
			t.Errorf("%s loads something from elsewhere: %q", name, m)
		}
	}
}

func TestBusyPortFallsBackToAFreeOne(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	sb, err := New(Options{Config: "../config.example.yaml", Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if strings.Contains(sb.URL(), fmt.Sprintf(":%d/", port)) || !strings.HasPrefix(sb.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s, with port %d taken", sb.URL(), port)
	}
	if want := fmt.Sprintf("(port %d is taken)", port); !strings.Contains(sb.Banner(), want) {
		t.Errorf("banner does not say %q:\n%s", want, sb.Banner())
	}
	sb.Close()
	if _, err := os.Stat(sb.Dir()); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", sb.Dir(), err)
	}
}
