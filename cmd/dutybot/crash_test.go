package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/pgtest"
)

// envChildMain makes the test binary behave as the dutybot binary: the crash
// tests start it again as a child process with this variable set.
const envChildMain = "DUTYBOT_CRASHTEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envChildMain) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(pgtest.Main(m))
}

const (
	crashBotToken = "515151:CRASH-test-bot-token-never-logged"
	crashAPIToken = "crash-test-api-token-never-logged"
)

// Telegram user ids of the officials in crashConfig.
const (
	cuZhang int64 = 2001 + iota // staff of 应急办, the recipient
	cuWu                        // 单位负责人 of 应急办
	cuLiu                       // 分管领导 of 应急办
	cuHe                        // 主要负责人
	cuAdmin                     // admin, never bound
)

var crashPhones = map[int64]string{
	cuZhang: "13900000001", cuWu: "13900000002", cuLiu: "13900000003", cuHe: "13900000004", cuAdmin: "13900000005",
}

// crashConfig escalates in seconds. Placeholders: api_url, storage path,
// listen address.
const crashConfig = `
timezone: Asia/Shanghai
language: zh-CN
telegram:
  api_url: %s
  poll_timeout: 2s
storage:
  path: %s
http:
  listen: %s
delivery:
  global_per_second: 1000
  chat_per_second: 1000
  chat_burst: 100
  group_per_minute: 6000
  request_timeout: 5s
  give_up_after: 10m
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办}
officials:
  - {id: o-zhang, name: 张明, phone: "13900000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13900000002", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13900000003", unit: dzb, roles: [leader]}
  - {id: o-he, name: 何军, phone: "13900000004", unit: dzb, roles: [principal]}
  - {id: o-admin, name: 安琪, phone: "13900000005", unit: dzb, roles: [admin]}
escalation:
  policies:
    drill:
      - {after: 2s, action: remind}
      - {after: 4s, action: escalate, to: unit_head}
      - {after: 6s, action: escalate, to: leader}
      - {after: 8s, action: escalate, to: principal}
  levels: {blue: drill, yellow: drill, orange: drill, red: drill}
`

// lockedBuffer collects a child's output; exec copies into it from its own
// goroutine while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// child is one dutybot process.
type child struct {
	name    string
	cmd     *exec.Cmd
	out     *lockedBuffer // stdout and stderr
	started time.Time
	done    chan struct{} // closed when the process has exited
	err     error         // Wait's result, once done
}

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// crashEnv is a fake Telegram server, a configuration file and the dutybot
// processes started on it.
type crashEnv struct {
	t        *testing.T
	srv      *fakeapi.Server
	cfgPath  string
	baseURL  string // the HTTP API of the children
	client   *http.Client
	env      []string // more environment for the children (DUTYBOT_STORAGE_DSN)
	mu       sync.Mutex
	children []*child
}

func newCrashEnv(t *testing.T) *crashEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("starts dutybot processes and waits for real escalation deadlines")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGTERM")
	}
	srv := fakeapi.New(fakeapi.Options{Token: crashBotToken, BotUsername: "hangu_drill_bot"})
	t.Cleanup(srv.Close)
	for id := range crashPhones {
		srv.AddUser(fakeapi.User{ID: id, FirstName: fmt.Sprint(id), LanguageCode: "zh-hans"})
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	e := &crashEnv{t: t, srv: srv, cfgPath: filepath.Join(dir, "dutybot.yaml"), baseURL: "http://" + addr,
		client: &http.Client{Timeout: 5 * time.Second}}
	cfg := fmt.Sprintf(crashConfig, srv.URL(), filepath.Join(dir, "dutybot.db"), addr)
	if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// Registered after srv.Close, so it runs first: no child outlives the test.
	t.Cleanup(e.killAll)
	return e
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// start runs a new dutybot process on the configuration.
func (e *crashEnv) start(name string) *child {
	e.t.Helper()
	return e.startConfig(name, e.cfgPath)
}

// startConfig runs a new dutybot process on the configuration at path.
func (e *crashEnv) startConfig(name, path string) *child {
	e.t.Helper()
	cmd := exec.Command(os.Args[0], "run", "-config", path)
	env := append([]string{envChildMain + "=1", "DUTYBOT_TELEGRAM_TOKEN=" + crashBotToken, "DUTYBOT_API_TOKEN=" + crashAPIToken}, e.env...)
	if _, ok := os.LookupEnv("GORACE"); !ok {
		// Under -race a process sleeps 1s at exit by default, which would
		// blur the shutdown timings measured here.
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DUTYBOT_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	c := &child{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start %s: %v", name, err)
	}
	c.started = time.Now()
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	e.mu.Lock()
	e.children = append(e.children, c)
	e.mu.Unlock()
	return c
}

// killAll kills every child still running, checks their output for secrets
// and data races, and shows it if the test failed.
func (e *crashEnv) killAll() {
	e.mu.Lock()
	children := e.children
	e.mu.Unlock()
	for _, c := range children {
		if !c.exited() {
			_ = c.cmd.Process.Kill()
		}
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			e.t.Errorf("%s (pid %d) did not exit after SIGKILL", c.name, c.cmd.Process.Pid)
		}
		out := c.out.String()
		for secret, what := range map[string]string{crashBotToken: "bot token", crashAPIToken: "API token"} {
			if strings.Contains(out, secret) {
				e.t.Errorf("the %s appears in the output of %s", what, c.name)
			}
		}
		if strings.Contains(out, "WARNING: DATA RACE") {
			e.t.Errorf("%s reported a data race", c.name)
		}
		if e.t.Failed() {
			e.t.Logf("output of %s (pid %d, %v):\n%s", c.name, c.cmd.Process.Pid, c.err, out)
		}
	}
}

// waitHealthy waits until the child's HTTP API answers /healthz.
func (e *crashEnv) waitHealthy(c *child) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c.exited() {
			e.t.Fatalf("%s exited before becoming healthy: %v", c.name, c.err)
		}
		if h, err := e.health(); err == nil && h.Status == "ok" {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not healthy after 15s", c.name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type health struct {
	Status    string   `json:"status"`
	Outbox    int      `json:"outbox"`
	Deadlines int      `json:"deadlines"`
	Role      string   `json:"role"`
	Reasons   []string `json:"reasons"`
}

func (e *crashEnv) health() (health, error) { return e.healthAt(e.baseURL) }

// healthAt reads /healthz of the instance at base, whatever its status.
func (e *crashEnv) healthAt(base string) (health, error) {
	var h health
	resp, err := e.client.Get(base + "/healthz")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&h)
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("healthz: %s", resp.Status)
	}
	return h, err
}

// waitOutboxEmpty waits until every queued message has been sent and its
// delivery recorded.
func (e *crashEnv) waitOutboxEmpty() {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h, err := e.health()
		if err == nil && h.Outbox == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("outbox not drained: %+v %v", h, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitMsg waits for a bot message in chat containing every part.
func (e *crashEnv) waitMsg(timeout time.Duration, chat int64, parts ...string) fakeapi.Message {
	e.t.Helper()
	m, err := e.srv.WaitFor(timeout, func(m fakeapi.Message) bool {
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
		e.t.Fatalf("waiting for %q in chat %d: %v", parts, chat, err)
	}
	return m
}

// count returns how many bot messages in chat contain every part.
func (e *crashEnv) count(chat int64, parts ...string) int {
	n := 0
next:
	for _, m := range e.srv.Messages(chat) {
		for _, p := range parts {
			if !strings.Contains(m.Text, p) {
				continue next
			}
		}
		n++
	}
	return n
}

// bind plays an official linking their chat by sharing their own contact.
func (e *crashEnv) bind(user int64) {
	e.t.Helper()
	e.srv.SendText(user, "/start")
	e.waitMsg(5*time.Second, user, "分享我的手机号")
	e.srv.ShareContact(user, "+86 "+crashPhones[user], user)
	e.waitMsg(5*time.Second, user, "绑定成功")
}

// do calls the alert API with the bearer token.
func (e *crashEnv) do(method, path, body string) (int, []byte) {
	e.t.Helper()
	return e.doAt(e.baseURL, method, path, body)
}

// doAt calls the alert API of the instance at base.
func (e *crashEnv) doAt(base, method, path, body string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+crashAPIToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// recipient reads one recipient of an alert from the API.
func (e *crashEnv) recipient(id, official string) api.RecipientJSON {
	e.t.Helper()
	code, data := e.do("GET", "/api/v1/alerts/"+id, "")
	if code != http.StatusOK {
		e.t.Fatalf("GET alert %s: %d %s", id, code, data)
	}
	var a api.AlertJSON
	if err := json.Unmarshal(data, &a); err != nil {
		e.t.Fatalf("GET alert %s: %v", id, err)
	}
	for _, r := range a.Recipients {
		if r.Official == official {
			return r
		}
	}
	e.t.Fatalf("alert %s has no recipient %s: %s", id, official, data)
	return api.RecipientJSON{}
}

// TestCrashMidEscalation kills dutybot with SIGKILL right after the reminder
// and starts it again: the chain goes on from the database, on time, and
// nothing already delivered is sent twice.
func TestCrashMidEscalation(t *testing.T) {
	e := newCrashEnv(t)
	begin := time.Now()

	first := e.start("first dutybot")
	e.waitHealthy(first)
	t.Logf("first process healthy after %v", time.Since(first.started).Round(time.Millisecond))
	for _, u := range []int64{cuZhang, cuWu, cuLiu, cuHe} {
		e.bind(u)
	}

	code, data := e.do("POST", "/api/v1/alerts",
		`{"title":"暴雨红色预警演练","body":"请立即到岗","level":"red","targets":{"officials":["o-zhang"]}}`)
	if code != http.StatusCreated {
		t.Fatalf("create alert: %d %s", code, data)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
		t.Fatalf("create alert: %s (%v)", data, err)
	}
	id := created.ID
	tag := "#" + id

	call := e.waitMsg(5*time.Second, cuZhang, "📣 叫应", tag, "暴雨红色预警演练")
	reminder := e.waitMsg(5*time.Second, cuZhang, "第二次叫应", tag)
	// Kill as soon as the reminder's delivery is on disk. (Killed between
	// Telegram accepting the message and that commit, a restart sends it again
	// by design: Telegram has no idempotency key, delivery is at-least-once.)
	e.waitOutboxEmpty()
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	<-first.done
	var exitErr *exec.ExitError
	if !errors.As(first.err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("first process: %v, want killed by SIGKILL", first.err)
	}
	t.Logf("killed %v after the reminder reached Telegram", killedAt.Sub(reminder.Date).Round(time.Millisecond))

	time.Sleep(time.Second)
	second := e.start("second dutybot")
	e.waitHealthy(second)
	t.Logf("second process healthy after %v", time.Since(second.started).Round(time.Millisecond))

	head := e.waitMsg(10*time.Second, cuWu, "叫应升级", tag, "张明（应急办）")
	leader := e.waitMsg(10*time.Second, cuLiu, "叫应升级", tag, "张明（应急办）")
	principal := e.waitMsg(10*time.Second, cuHe, "叫应升级", tag, "张明（应急办）")

	// The chain is over once the last notice is recorded.
	deadline := time.Now().Add(5 * time.Second)
	var r api.RecipientJSON
	for {
		r = e.recipient(id, "o-zhang")
		if len(r.Escalations) >= 4 && r.NextAt == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chain not finished: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.waitOutboxEmpty()
	time.Sleep(200 * time.Millisecond) // room for a stray duplicate to show up

	// Nothing was sent twice, before or after the crash.
	if n := e.count(cuZhang, "📣 叫应", tag); n != 1 {
		t.Errorf("the staff member got the call %d times, want 1", n)
	}
	if n := e.count(cuZhang, "第二次叫应", tag); n != 1 {
		t.Errorf("the staff member got the reminder %d times, want 1", n)
	}
	if n := e.count(cuZhang, tag); n != 2 {
		t.Errorf("the staff member got %d messages about the alert, want 2", n)
	}
	for _, u := range []int64{cuWu, cuLiu, cuHe} {
		if n := e.count(u, tag); n != 1 {
			t.Errorf("chat %d got %d messages about the alert, want 1 notice", u, n)
		}
		if n := e.count(u, "叫应升级", tag); n != 1 {
			t.Errorf("chat %d got %d escalation notices, want 1", u, n)
		}
	}

	if r.State != "escalated" || r.SentAt == nil {
		t.Fatalf("recipient = %+v", r)
	}
	sentAt := *r.SentAt
	if sentAt.Before(call.Date.Add(-time.Second)) || sentAt.After(call.Date.Add(time.Second)) {
		t.Errorf("sent_at %s is far from the call's delivery at %s", sentAt, call.Date)
	}
	want := []struct {
		action, to, person string
		after              time.Duration
		msg                fakeapi.Message
	}{
		{"remind", "", "", 2 * time.Second, reminder},
		{"escalate", "unit_head", "o-wu", 4 * time.Second, head},
		{"escalate", "leader", "o-liu", 6 * time.Second, leader},
		{"escalate", "principal", "o-he", 8 * time.Second, principal},
	}
	if len(r.Escalations) != len(want) {
		t.Fatalf("escalations = %+v, want %d", r.Escalations, len(want))
	}
	const slack = 3 * time.Second // a restart happened in between
	for i, w := range want {
		got := r.Escalations[i]
		if got.Step != i || got.Action != w.action || got.To != w.to ||
			(w.person == "" && len(got.People) != 0) ||
			(w.person != "" && (len(got.People) != 1 || got.People[0] != w.person)) {
			t.Errorf("escalation %d = %+v, want %s %s %s", i, got, w.action, w.to, w.person)
		}
		due := sentAt.Add(w.after)
		fired := got.At.Sub(sentAt)
		t.Logf("step %d %-8s %-9s due +%v, fired +%v, message at +%v", i, w.action, w.to, w.after,
			fired.Round(time.Millisecond), w.msg.Date.Sub(sentAt).Round(time.Millisecond))
		if got.At.Before(due) {
			t.Errorf("step %d (%s %s) fired at +%v, before its offset %v", i, w.action, w.to, fired, w.after)
		}
		if got.At.After(due.Add(slack)) {
			t.Errorf("step %d (%s %s) fired at +%v, more than %v after its offset %v", i, w.action, w.to, fired, slack, w.after)
		}
		if w.msg.Date.Before(due) {
			t.Errorf("step %d's message reached Telegram at +%v, before its offset %v", i, w.msg.Date.Sub(sentAt), w.after)
		}
	}
	// The reminder ran in the first process, the escalations in the second.
	if !r.Escalations[0].At.Before(killedAt) {
		t.Errorf("the reminder is recorded at %s, after the kill at %s", r.Escalations[0].At, killedAt)
	}
	for i := 1; i < len(r.Escalations); i++ {
		if !r.Escalations[i].At.After(second.started) {
			t.Errorf("step %d is recorded at %s, before the second process started at %s", i, r.Escalations[i].At, second.started)
		}
	}
	if second.exited() {
		t.Errorf("second process exited: %v", second.err)
	}
	t.Logf("scenario took %v", time.Since(begin).Round(time.Millisecond))
}

// TestSIGTERMStopsGracefully: SIGTERM stops dutybot within seconds with exit
// status 0, even while a long poll to Telegram is open.
func TestSIGTERMStopsGracefully(t *testing.T) {
	e := newCrashEnv(t)
	c := e.start("dutybot")
	e.waitHealthy(c)
	// Let the bot connect and open its long poll.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.out.String(), "connected to Telegram") {
		if time.Now().After(deadline) || c.exited() {
			t.Fatalf("the bot did not connect to the fake Telegram (exited: %v)", c.exited())
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.bind(cuZhang) // the bot is polling and answering
	time.Sleep(300 * time.Millisecond)

	sent := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("still running 5s after SIGTERM")
	}
	took := time.Since(sent)
	t.Logf("stopped %v after SIGTERM", took.Round(time.Millisecond))
	if c.err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", c.err)
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if out := c.out.String(); !strings.Contains(out, "dutybot stopped") {
		t.Errorf("no \"dutybot stopped\" in the log:\n%s", out)
	}
	// The port is released: the HTTP API no longer answers.
	if _, err := e.health(); err == nil {
		t.Errorf("/healthz still answers after exit")
	}
}

// TestCrashBeforeDeliveryRecorded kills dutybot the moment Telegram has the
// reminder, before the delivery can be recorded. Delivery is at-least-once
// (the Bot API has no idempotency key): the restarted process may send the
// reminder again, but it is never lost and the chain goes on once.
func TestCrashBeforeDeliveryRecorded(t *testing.T) {
	e := newCrashEnv(t)
	first := e.start("first dutybot")
	e.waitHealthy(first)
	for _, u := range []int64{cuZhang, cuWu} {
		e.bind(u)
	}
	code, data := e.do("POST", "/api/v1/alerts",
		`{"title":"山洪红色预警演练","body":"请立即到岗","level":"red","targets":{"officials":["o-zhang"]}}`)
	if code != http.StatusCreated {
		t.Fatalf("create alert: %d %s", code, data)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
		t.Fatalf("create alert: %s (%v)", data, err)
	}
	tag := "#" + created.ID
	e.waitMsg(5*time.Second, cuZhang, "第二次叫应", tag)
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done

	second := e.start("second dutybot")
	e.waitHealthy(second)
	e.waitMsg(10*time.Second, cuWu, "叫应升级", tag, "张明（应急办）")
	e.waitOutboxEmpty()
	time.Sleep(200 * time.Millisecond)

	reminders := e.count(cuZhang, "第二次叫应", tag)
	t.Logf("the reminder reached Telegram %d time(s)", reminders)
	if reminders < 1 || reminders > 2 {
		t.Errorf("the reminder reached Telegram %d times, want 1 or 2", reminders)
	}
	if n := e.count(cuZhang, "📣 叫应", tag); n != 1 {
		t.Errorf("the call reached Telegram %d times, want 1", n)
	}
	if n := e.count(cuWu, tag); n != 1 {
		t.Errorf("the unit head got %d notices, want 1", n)
	}
	r := e.recipient(created.ID, "o-zhang")
	if len(r.Escalations) != 2 || r.Escalations[0].Action != "remind" || r.Escalations[1].To != "unit_head" {
		t.Errorf("escalations = %+v, want remind then unit_head", r.Escalations)
	}
}
