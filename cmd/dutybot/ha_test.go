package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/pgtest"
	"dutybot/storage"

	"github.com/jackc/pgx/v5"
)

// haTakeover is ha.takeover in the pair tests.
const haTakeover = 3 * time.Second

// haConfig is crashConfig on a shared PostgreSQL database, with a
// takeover of seconds and a chain long enough for a takeover to fall in
// it. Placeholders: api_url, listen address.
var haConfig = strings.NewReplacer(
	"storage:\n  path: %s\n", "storage:\n  driver: postgres\nha:\n  takeover: 3s\n",
	"{after: 2s, action: remind}", "{after: 3s, action: remind}",
	"{after: 4s, action: escalate, to: unit_head}", "{after: 8s, action: escalate, to: unit_head}",
	"{after: 6s, action: escalate, to: leader}", "{after: 11s, action: escalate, to: leader}",
	"{after: 8s, action: escalate, to: principal}", "{after: 14s, action: escalate, to: principal}",
).Replace(crashConfig)

// haEnv is two dutybot instances on one PostgreSQL database and one fake
// Telegram.
type haEnv struct {
	*crashEnv
	cfgs  [2]string
	bases [2]string
}

// newHAEnv writes the two instances' configurations, on a new database of
// srv.
func newHAEnv(t *testing.T, srv *pgtest.Server) *haEnv {
	t.Helper()
	for _, want := range []string{"driver: postgres", "takeover: 3s", "after: 3s, action: remind", "after: 14s, action: escalate, to: principal"} {
		if !strings.Contains(haConfig, want) || strings.Count(haConfig, "%s") != 2 {
			t.Fatalf("haConfig lacks %q: crashConfig changed under it", want)
		}
	}
	e := newCrashEnv(t)
	h := &haEnv{crashEnv: e}
	e.env = []string{"DUTYBOT_STORAGE_DSN=" + srv.DSN(t, pgtest.NameOf(t.Name()))}
	dir := t.TempDir()
	for i := range h.cfgs {
		addr := freeAddr(t)
		h.bases[i] = "http://" + addr
		h.cfgs[i] = filepath.Join(dir, fmt.Sprintf("dutybot-%d.yaml", i))
		if err := os.WriteFile(h.cfgs[i], []byte(fmt.Sprintf(haConfig, e.srv.URL(), addr)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e.baseURL = h.bases[0]
	return h
}

// startAt starts instance i (0 or 1). Its port was free a moment ago;
// when another test's process took it meanwhile, the instance starts again
// on another.
func (h *haEnv) startAt(i int) *child {
	h.t.Helper()
	for try := 0; ; try++ {
		c := h.startConfig(fmt.Sprintf("dutybot %c", 'A'+i), h.cfgs[i])
		deadline := time.Now().Add(10 * time.Second)
		for !c.exited() && time.Now().Before(deadline) {
			if _, err := h.healthAt(h.bases[i]); err == nil || strings.Contains(err.Error(), "healthz:") {
				return c // it answers
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !c.exited() || !strings.Contains(c.out.String(), "address already in use") || try == 3 {
			return c
		}
		addr := freeAddr(h.t)
		h.bases[i] = "http://" + addr
		if err := os.WriteFile(h.cfgs[i], []byte(fmt.Sprintf(haConfig, h.srv.URL(), addr)), 0o600); err != nil {
			h.t.Fatal(err)
		}
	}
}

// waitRole waits until instance i's /healthz names role; it returns when.
func (h *haEnv) waitRole(i int, c *child, role string, timeout time.Duration) time.Time {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if c != nil && c.exited() {
			h.t.Fatalf("%s exited: %v", c.name, c.err)
		}
		if st, _ := h.healthAt(h.bases[i]); st.Role == role {
			return time.Now()
		}
		if time.Now().After(deadline) {
			st, err := h.healthAt(h.bases[i])
			h.t.Fatalf("instance %d is not %s after %v: %+v %v", i, role, timeout, st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alertAt creates an alert through instance i's API and returns its id.
func (h *haEnv) alertAt(i int, body string) string {
	h.t.Helper()
	code, data := h.doAt(h.bases[i], "POST", "/api/v1/alerts", body)
	if code != http.StatusCreated {
		h.t.Fatalf("create alert through instance %d: %d %s", i, code, data)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(data, &created); err != nil || created.ID == "" {
		h.t.Fatalf("create alert: %s (%v)", data, err)
	}
	return created.ID
}

// recipientAt reads one recipient of an alert through instance i.
func (h *haEnv) recipientAt(i int, id, official string) api.RecipientJSON {
	h.t.Helper()
	saved := h.baseURL
	h.baseURL = h.bases[i]
	defer func() { h.baseURL = saved }()
	return h.recipient(id, official)
}

// metric reads one sample of instance i's /metrics.
func (h *haEnv) metric(i int, name string) string {
	h.t.Helper()
	resp, err := h.client.Get(h.bases[i] + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// waitOutboxEmptyAt waits until instance i reports an empty outbox.
func (h *haEnv) waitOutboxEmptyAt(i int) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := h.healthAt(h.bases[i])
		if err == nil && st.Outbox == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("outbox of instance %d not drained: %+v %v", i, st, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHAPairKeepsCalling is the pair's story: the leader is killed with
// SIGKILL right after a reminder; the standby takes over within
// ha.takeover, and the unit head, the 分管领导 and the principal are each
// told once and on time. A press made while nobody polled is recorded, and
// an alert made through the standby's API in the gap goes out.
func TestHAPairKeepsCalling(t *testing.T) {
	h := newHAEnv(t, pgtest.Shared(t))
	a := h.startAt(0)
	h.waitRole(0, a, "leader", 30*time.Second)
	b := h.startAt(1)
	h.waitRole(1, b, "standby", 30*time.Second)
	for _, u := range []int64{cuZhang, cuWu, cuLiu, cuHe} {
		h.bind(u)
	}

	// An alert to the principal, to be answered in the gap.
	pressed := h.alertAt(0, `{"title":"台风蓝色预警演练","body":"请回复收到","level":"blue","targets":{"officials":["o-he"]}}`)
	callHe := h.waitMsg(10*time.Second, cuHe, "📣 叫应", "#"+pressed)
	// The chain the kill falls in.
	id := h.alertAt(0, `{"title":"暴雨红色预警演练","body":"请立即到岗","level":"red","targets":{"officials":["o-zhang"]}}`)
	tag := "#" + id
	h.waitMsg(10*time.Second, cuZhang, "📣 叫应", tag)
	reminder := h.waitMsg(10*time.Second, cuZhang, "第二次叫应", tag)
	h.waitOutboxEmptyAt(0)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	<-a.done
	t.Logf("leader killed %v after the reminder reached Telegram", killedAt.Sub(reminder.Date).Round(time.Millisecond))

	// In the gap: a press nobody polls yet, an alert through the standby.
	query := h.srv.Press(cuHe, cuHe, callHe.ID, callout.AckData(pressed, "o-he"))
	gapAlert := h.alertAt(1, `{"title":"山洪灾害演练","body":"请核查转移名单","level":"yellow","targets":{"officials":["o-wu"]}}`)

	tookOver := h.waitRole(1, b, "leader", 2*haTakeover)
	took := tookOver.Sub(killedAt)
	t.Logf("the standby leads %v after the kill (ha.takeover %v)", took.Round(time.Millisecond), haTakeover)
	if took > haTakeover+time.Second { // the health poll's own delay on top
		t.Errorf("takeover took %v, more than ha.takeover %v", took, haTakeover)
	}

	h.waitMsg(10*time.Second, cuWu, "📣 叫应", "#"+gapAlert, "山洪灾害演练")
	if _, err := h.srv.WaitAnswer(query, 10*time.Second); err != nil {
		t.Errorf("the press made in the gap was not answered: %v", err)
	}
	if r := h.recipientAt(1, pressed, "o-he"); r.State != "acked" {
		t.Errorf("the press made in the gap: recipient %+v, want acked", r)
	}

	head := h.waitMsg(15*time.Second, cuWu, "叫应升级", tag, "张明（应急办）")
	leader := h.waitMsg(15*time.Second, cuLiu, "叫应升级", tag, "张明（应急办）")
	principal := h.waitMsg(15*time.Second, cuHe, "叫应升级", tag, "张明（应急办）")
	deadline := time.Now().Add(10 * time.Second)
	var r api.RecipientJSON
	for {
		r = h.recipientAt(1, id, "o-zhang")
		if len(r.Escalations) >= 4 && r.NextAt == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chain not finished: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.waitOutboxEmptyAt(1)
	time.Sleep(300 * time.Millisecond) // room for a stray duplicate

	if n := h.count(cuZhang, tag); n != 2 {
		t.Errorf("the staff member got %d messages about the alert, want the call and the reminder", n)
	}
	for _, u := range []int64{cuWu, cuLiu, cuHe} {
		if n := h.count(u, "叫应升级", tag); n != 1 {
			t.Errorf("chat %d got %d escalation notices, want 1", u, n)
		}
	}
	if n := h.count(cuWu, "📣 叫应", "#"+gapAlert); n != 1 {
		t.Errorf("the call of the alert made in the gap reached its recipient %d times, want 1", n)
	}
	if n := h.count(cuHe, "📣 叫应", "#"+pressed); n != 1 {
		t.Errorf("the principal's call was sent %d times, want 1", n)
	}
	sentAt := *r.SentAt
	for i, w := range []struct {
		after time.Duration
		msg   fakeapi.Message
	}{{3 * time.Second, reminder}, {8 * time.Second, head}, {11 * time.Second, leader}, {14 * time.Second, principal}} {
		due := sentAt.Add(w.after)
		late := w.msg.Date.Sub(due)
		t.Logf("step %d due +%v, delivered %+v late", i, w.after, late.Round(time.Millisecond))
		if late < 0 {
			t.Errorf("step %d delivered %v before its time", i, -late)
		}
		if late > haTakeover+time.Second {
			t.Errorf("step %d delivered %v late, more than the takeover time", i, late)
		}
	}
	if v := h.metric(1, "dutybot_ha_takeovers_total"); v != "1" {
		t.Errorf("dutybot_ha_takeovers_total = %q on the new leader, want 1", v)
	}

	// The killed machine comes back as the standby.
	a2 := h.startAt(0)
	h.waitRole(0, a2, "standby", 30*time.Second)
	if st, _ := h.healthAt(h.bases[1]); st.Role != "leader" {
		t.Errorf("the leader changed when the old one came back: %+v", st)
	}
}

// TestHAPausedLeaderSendsNothing: a leader stopped with SIGSTOP holding a
// message it could not send yet is taken over; resumed, it neither sends
// that message nor records anything: its lease ran out on its own clock,
// and the database fences its writes.
func TestHAPausedLeaderSendsNothing(t *testing.T) {
	h := newHAEnv(t, pgtest.Shared(t))
	a := h.startAt(0)
	h.waitRole(0, a, "leader", 30*time.Second)
	b := h.startAt(1)
	h.waitRole(1, b, "standby", 30*time.Second)
	for _, u := range []int64{cuZhang, cuWu} {
		h.bind(u)
	}
	// Telegram makes the leader wait before the call: the leader keeps it
	// in hand, in memory.
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: cuZhang, Code: http.StatusTooManyRequests, RetryAfter: 6})
	before := h.srv.Stats().TooMany
	id := h.alertAt(0, `{"title":"暴雨红色预警演练","body":"请立即到岗","level":"red","targets":{"officials":["o-zhang"]}}`)
	tag := "#" + id
	deadline := time.Now().Add(10 * time.Second)
	for h.srv.Stats().TooMany == before {
		if time.Now().After(deadline) {
			t.Fatal("the leader never tried the call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	// The new leader is held off longer, so the call is still unsent, in
	// the database, when the old leader wakes.
	h.srv.Inject(fakeapi.Fault{Method: "sendMessage", ChatID: cuZhang, Code: http.StatusTooManyRequests, RetryAfter: 9})
	h.waitRole(1, b, "leader", 2*haTakeover)
	t.Logf("the standby leads %v after the leader was stopped", time.Since(stoppedAt).Round(time.Millisecond))
	// Resume the old leader after its retry_after has passed: were it not
	// fenced, it would send the call now, and its successor again later.
	time.Sleep(time.Until(stoppedAt.Add(7 * time.Second)))
	if h.count(cuZhang, "📣 叫应", tag) != 0 {
		t.Fatal("the call went out before the old leader woke: the test shows nothing")
	}
	// Hold the database's write lock as the old leader wakes, so that it
	// cannot learn from the lease that it was replaced: only its own clock
	// tells it to stand down, while its outbox is free to try the call.
	hold := holdWriteLock(t, h.env[0])
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	hold()
	h.waitRole(0, a, "standby", 10*time.Second)
	h.waitMsg(15*time.Second, cuZhang, "📣 叫应", tag) // from the new leader
	h.waitMsg(15*time.Second, cuZhang, "第二次叫应", tag)
	time.Sleep(2 * time.Second) // the old leader's chance to do harm
	if n := h.count(cuZhang, "📣 叫应", tag); n != 1 {
		t.Errorf("the call reached the official %d times, want 1", n)
	}
	if n := h.count(cuZhang, "第二次叫应", tag); n != 1 {
		t.Errorf("the reminder reached the official %d times, want 1", n)
	}
	if out := a.out.String(); !strings.Contains(out, "gave up the engine lease") {
		t.Errorf("the resumed leader did not say it stepped down")
	}
	if a.exited() {
		t.Errorf("the resumed leader exited: %v", a.err)
	}

}

// holdWriteLock takes dutybot's write lock in the database of env (its
// DUTYBOT_STORAGE_DSN=… entry) until the returned func is called.
func holdWriteLock(t *testing.T, env string) func() {
	t.Helper()
	dsn := strings.TrimPrefix(env, "DUTYBOT_STORAGE_DSN=")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", storage.WriteLockKey); err != nil {
		t.Fatal(err)
	}
	return func() {
		_ = tx.Rollback(ctx)
		_ = conn.Close(ctx)
	}
}

// TestHADatabaseRestart: PostgreSQL restarts mid-escalation (as a managed
// service's failover does). The engine pauses, /healthz says so, and it
// resumes without losing or doubling a step; the admins are told, as the
// outage outlasted the takeover time.
func TestHADatabaseRestart(t *testing.T) {
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Remove)
	h := newHAEnv(t, srv)
	a := h.startAt(0)
	h.waitRole(0, a, "leader", 30*time.Second)
	for _, u := range []int64{cuZhang, cuWu, cuLiu, cuHe, cuAdmin} {
		h.bind(u)
	}
	id := h.alertAt(0, `{"title":"暴雨红色预警演练","body":"请立即到岗","level":"red","targets":{"officials":["o-zhang"]}}`)
	tag := "#" + id
	h.waitMsg(10*time.Second, cuZhang, "📣 叫应", tag)
	h.waitMsg(10*time.Second, cuZhang, "第二次叫应", tag)
	h.waitOutboxEmptyAt(0)

	srv.Stop()
	stopped := time.Now()
	h.waitRole(0, a, "paused", 2*haTakeover)
	if st, err := h.healthAt(h.bases[0]); err == nil || !strings.Contains(strings.Join(st.Reasons, " "), "database unreachable") {
		t.Errorf("/healthz during the outage: %+v %v, want 503 naming the database", st, err)
	}
	time.Sleep(time.Until(stopped.Add(haTakeover + time.Second)))
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	t.Logf("the database was away %v", time.Since(stopped).Round(time.Millisecond))
	h.waitRole(0, a, "leader", 20*time.Second)

	for _, u := range []int64{cuWu, cuLiu, cuHe} {
		h.waitMsg(20*time.Second, u, "叫应升级", tag, "张明（应急办）")
	}
	h.waitMsg(10*time.Second, cuAdmin, "数据库", "中断")
	h.waitOutboxEmptyAt(0)
	time.Sleep(300 * time.Millisecond)
	for _, u := range []int64{cuWu, cuLiu, cuHe} {
		if n := h.count(u, "叫应升级", tag); n != 1 {
			t.Errorf("chat %d got %d escalation notices, want 1", u, n)
		}
	}
	if n := h.count(cuZhang, tag); n != 2 {
		t.Errorf("the staff member got %d messages about the alert, want 2", n)
	}
	if n := h.count(cuAdmin, "数据库"); n != 1 {
		t.Errorf("the admin was told of the outage %d times, want 1", n)
	}
	if out := a.out.String(); !strings.Contains(out, "the database answers again") {
		t.Errorf("the log does not say the database came back")
	}
}
