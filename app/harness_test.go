package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/redact"
)

const (
	testToken    = "424242:TEST-bot-token-never-logged"
	testAPIToken = "api-secret-for-tests"
)

// Telegram user ids of the test officials.
const (
	uZhang int64 = 1001 + iota
	uLi
	uWu
	uLiu
	uHe
	uDuty
	uAdmin
	uChen
	uStranger
)

var phones = map[int64]string{
	uZhang: "13800000001", uLi: "13800000002", uWu: "13800000003", uLiu: "13800000004",
	uHe: "13800000005", uDuty: "13800000006", uAdmin: "13800000007", uChen: "13800000008",
}

// testConfig is a small town: 应急办 (yjb) with two staff, a head and the
// 分管领导 刘洋; 城管大队 (cgdd) whose head is 陈杰; a principal, a duty
// leader and an admin.
const testConfig = `
timezone: Asia/Shanghai
language: zh-CN
telegram:
  api_url: %s
  poll_timeout: 2s
storage:
  path: %s
http:
  listen: 127.0.0.1:0
delivery:
  global_per_second: 1000
  chat_per_second: 1000
  chat_burst: 100
  group_per_minute: 6000
  request_timeout: 5s
  give_up_after: 10m
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办, head: o-he, leader: o-he}
  - {id: cgdd, name: 城管大队, head: o-chen, leader: o-liu}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-li, name: 李芳, phone: "138-0000-0002", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000004", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13800000005", unit: dzb, roles: [principal]}
  - {id: o-duty, name: 杜峰, phone: "13800000006", unit: yjb, roles: [duty_leader]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: dzb, roles: [admin]}
  - {id: o-chen, name: 陈杰, phone: "13800000008", unit: cgdd, roles: [unit_head]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 20m, action: escalate, to: unit_head}
      - {after: 30m, action: escalate, to: leader}
      - {after: 45m, action: escalate, to: principal}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

// start is 08:00 Beijing time on a weekday.
var start = time.Date(2026, 11, 30, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

type harness struct {
	t       *testing.T
	srv     *fakeapi.Server
	clk     *clock.Fake
	cfg     *config.Config
	app     *app.App
	apiURL  string
	cancel  context.CancelFunc
	done    chan error
	logs    *syncBuffer
	dbPath  string
	configY string
	dir     string // where the configuration and its files are, with harnessOpts.files
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type harnessOpts struct {
	limits *fakeapi.Limits
	edit   func(string) string // edits the YAML before parsing
	real   bool                // real clock instead of the fake one
	start  time.Time           // the fake clock's start; default start
	// files, when set, are written beside the YAML in a directory of
	// their own (h.dir), and the configuration is loaded from there with
	// config.Load, as dutybot run loads it (a 通讯录 of directory.file).
	files map[string]string
	// prepare, if set, adjusts the parsed configuration before the app
	// starts (secrets that the YAML names only by file).
	prepare func(*config.Config)
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	srv := fakeapi.New(fakeapi.Options{Token: testToken, BotUsername: "hangu_duty_bot", Limits: o.limits})
	t.Cleanup(srv.Close)
	for id := range phones {
		srv.AddUser(fakeapi.User{ID: id, FirstName: fmt.Sprint(id), LanguageCode: "zh-hans"})
	}
	srv.AddUser(fakeapi.User{ID: uStranger, FirstName: "stranger", LanguageCode: "en"})
	h := &harness{t: t, srv: srv, logs: &syncBuffer{}, dbPath: filepath.Join(t.TempDir(), "dutybot.db")}
	h.configY = fmt.Sprintf(testConfig, srv.URL(), h.dbPath)
	if o.edit != nil {
		h.configY = o.edit(h.configY)
	}
	cfg, err := h.loadConfig(o.files)
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	cfg.Telegram.Token, cfg.HTTP.APIToken = testToken, testAPIToken
	if o.prepare != nil {
		o.prepare(cfg)
	}
	h.cfg = cfg
	if !o.real {
		at := start
		if !o.start.IsZero() {
			at = o.start
		}
		h.clk = clock.NewFake(at)
	}
	h.startApp()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("logs:\n%s", h.logs.String())
		}
	})
	return h
}

// loadConfig parses the harness's YAML, or, with files, writes it and
// them into h.dir and loads it from there.
func (h *harness) loadConfig(files map[string]string) (*config.Config, error) {
	if files == nil {
		return config.Parse([]byte(h.configY))
	}
	h.dir = h.t.TempDir()
	for name, content := range files {
		h.writeFile(name, content)
	}
	path := filepath.Join(h.dir, "dutybot.yaml")
	if err := os.WriteFile(path, []byte(h.configY), 0o600); err != nil {
		return nil, err
	}
	return config.Load(path)
}

// writeFile writes a file beside the configuration (harnessOpts.files).
func (h *harness) writeFile(name, content string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// on returns the harness reporting failures to t (a subtest).
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

func (h *harness) clock() clock.Clock {
	if h.clk == nil {
		return clock.Real{}
	}
	return h.clk
}

// startApp starts the app on the harness's database.
func (h *harness) startApp() {
	h.t.Helper()
	log := slog.New(redact.NewHandler(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}), testToken))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	a, err := app.New(h.cfg, app.Options{Clock: h.clock(), Log: log, Listener: ln})
	if err != nil {
		h.t.Fatalf("app.New: %v", err)
	}
	h.app, h.apiURL = a, "http://"+ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- a.Run(ctx) }()
}

// stop stops the app and waits for it.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("app.Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Error("app did not stop")
	}
	h.cancel = nil
	if strings.Contains(h.logs.String(), testToken) {
		h.t.Error("the bot token appeared in the logs")
	}
}

// restart stops the app and starts a new one on the same database.
func (h *harness) restart() {
	h.stop()
	h.startApp()
}

// wait bounds how long a test waits for what the bot does next. It costs
// nothing when the bot is on time; it is long because CI runs the race
// detector on two cores beside the year-long noise simulation.
const wait = 10 * time.Second

// waitMsg waits for a bot message in chat whose text contains all parts.
func (h *harness) waitMsg(chat int64, parts ...string) fakeapi.Message {
	h.t.Helper()
	m, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool {
		if m.ChatID != chat {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				return false
			}
		}
		return true
	})
	if err != nil {
		h.t.Fatalf("waiting for %q in chat %d: %v", parts, chat, err)
	}
	return m
}

// messages returns the bot messages in chat whose text contains s.
func (h *harness) messages(chat int64, s string) []fakeapi.Message {
	var out []fakeapi.Message
	for _, m := range h.srv.Messages(chat) {
		if strings.Contains(m.Text, s) {
			out = append(out, m)
		}
	}
	return out
}

// bind plays an official binding their chat by sharing their own contact.
func (h *harness) bind(user int64) {
	h.t.Helper()
	h.srv.SendText(user, "/start")
	h.waitMsg(user, "分享我的手机号")
	h.srv.ShareContact(user, "+86 "+phones[user], user)
	h.waitMsg(user, "绑定成功")
}

// eventually polls cond until it holds; show, if given, describes what
// was seen when it times out.
func (h *harness) eventually(what string, cond func() bool, show ...func() string) {
	h.t.Helper()
	h.within(wait, what, cond, show...)
}

// within is eventually with its own time limit, for waits whose length
// depends on the machine's load rather than on what is tested (a flood
// of 900 updates under the race detector).
func (h *harness) within(limit time.Duration, what string, cond func() bool, show ...func() string) {
	h.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			seen := ""
			for _, s := range show {
				seen += "\n" + s()
			}
			h.t.Fatalf("timed out waiting for %s%s", what, seen)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// apiDo calls the HTTP API.
func (h *harness) apiDo(method, path, token, body string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.apiURL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// createAlert creates an alert over the API and returns its id.
func (h *harness) createAlert(level, title string, targets string) string {
	h.t.Helper()
	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		fmt.Sprintf(`{"title":%q,"body":"请立即到岗","level":%q,"targets":%s}`, title, level, targets))
	if code != http.StatusCreated {
		h.t.Fatalf("create alert: %d %v", code, out)
	}
	return out["id"].(string)
}

// alert reads an alert from the API.
func (h *harness) alert(id string) api.AlertJSON {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.apiURL+"/api/v1/alerts/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a api.AlertJSON
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		h.t.Fatal(err)
	}
	return a
}

func (h *harness) recipient(id, official string) api.RecipientJSON {
	h.t.Helper()
	for _, r := range h.alert(id).Recipients {
		if r.Official == official {
			return r
		}
	}
	h.t.Fatalf("alert %s has no recipient %s", id, official)
	return api.RecipientJSON{}
}

// waitScheduled waits until a recipient's next step is due at want.
func (h *harness) waitScheduled(id, official string, want time.Time) {
	h.t.Helper()
	h.eventually(fmt.Sprintf("%s's next step at %s", official, want.Format("15:04")), func() bool {
		r := h.recipient(id, official)
		return r.NextAt != nil && r.NextAt.Equal(want)
	})
}

// advanceTo moves the fake clock to t.
func (h *harness) advanceTo(t time.Time) {
	h.clk.Advance(t.Sub(h.clk.Now()))
}

// press presses a button on a message as user and returns the toast.
func (h *harness) press(user int64, m fakeapi.Message, data string) fakeapi.CallbackAnswer {
	h.t.Helper()
	q := h.srv.Press(user, m.ChatID, m.ID, data)
	a, err := h.srv.WaitAnswer(q, wait)
	if err != nil {
		h.t.Fatalf("press %s: %v", data, err)
	}
	return a
}

// button returns the data of the button whose label contains label.
func button(t *testing.T, m fakeapi.Message, label string) string {
	t.Helper()
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.Data
			}
		}
	}
	t.Fatalf("no button %q on message %q (buttons %v)", label, m.Text, m.Inline)
	return ""
}

// metric reads a counter or gauge from /metrics.
func (h *harness) metric(name string) float64 {
	h.t.Helper()
	resp, err := http.Get(h.apiURL + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	h.t.Fatalf("metric %s not found", name)
	return 0
}

// waitButton waits for a bot message in chat with a button labelled label.
func (h *harness) waitButton(chat int64, label string) fakeapi.Message {
	h.t.Helper()
	m, err := h.srv.WaitFor(wait, func(m fakeapi.Message) bool {
		for _, row := range m.Inline {
			for _, b := range row {
				if m.ChatID == chat && b.Text == label {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("waiting for button %q in chat %d: %v", label, chat, err)
	}
	return m
}

// latest returns the current state of a bot message in chat.
func (h *harness) latest(chat int64, id int) fakeapi.Message {
	h.t.Helper()
	for _, m := range h.srv.Messages(chat) {
		if m.ID == id {
			return m
		}
	}
	h.t.Fatalf("no message %d in chat %d", id, chat)
	return fakeapi.Message{}
}

// runApp runs another app (beside the harness's) until the test ends.
func runApp(t *testing.T, cfg *config.Config, opts app.Options) *app.App {
	t.Helper()
	a, err := app.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return a
}
