package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"dutybot/bot/fakeapi"
	"dutybot/storage"
	"dutybot/tips"
)

// uWorker is an enterprise worker who only started the bot: not an
// official, never bound. Their names are distinctive so a leak shows.
const (
	uWorker        int64 = 7770123
	workerName           = "秘密人"
	workerUsername       = "zhao_secret_tipster"
)

// addWorker plays the worker starting the bot.
func (h *harness) addWorker() {
	h.srv.AddUser(fakeapi.User{ID: uWorker, FirstName: "赵", LastName: workerName, Username: workerUsername,
		LanguageCode: "zh-hans"})
}

var tipRefRE = regexp.MustCompile(`T\d{4}-\d{4}`)

// tip plays user sending a hazard tip through the guided /tip and returns
// its reference.
func (h *harness) tip(user int64, text, place string, anonymous bool) string {
	h.t.Helper()
	before := len(h.messages(user, "隐患举报已提交"))
	h.srv.SendText(user, "/tip new")
	h.waitMsg(user, "隐患举报 1/4")
	h.srv.SendText(user, text)
	m := h.waitButton(user, "不附照片 ▶")
	h.press(user, m, button(h.t, m, "不附照片"))
	h.waitMsg(user, "隐患举报 3/4")
	h.srv.SendText(user, place)
	m = h.waitMsg(user, "隐患举报 4/4")
	choice := "实名举报"
	if anonymous {
		choice = "匿名举报"
	}
	h.press(user, m, button(h.t, m, choice))
	m = h.waitButton(user, "📨 提交举报")
	if !strings.Contains(m.Text, text) || !strings.Contains(m.Text, place) {
		h.t.Fatalf("preview %q lacks the hazard or the place", m.Text)
	}
	if a := h.press(user, m, button(h.t, m, "提交举报")); a.Text != "已提交" {
		h.t.Fatalf("submit toast = %+v", a)
	}
	h.eventually("the reference", func() bool { return len(h.messages(user, "隐患举报已提交")) > before })
	ms := h.messages(user, "隐患举报已提交")
	return tipRefRE.FindString(ms[len(ms)-1].Text)
}

// tipEvents returns the events of one tip.
func (h *harness) tipEvents(ref string) []storage.Event {
	h.t.Helper()
	var out []storage.Event
	if err := h.app.DB.View(func(tx *storage.Tx) error {
		var err error
		out, err = tx.AlertEvents(ref)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// allEvents returns the whole event log.
func (h *harness) allEvents() []storage.Event {
	h.t.Helper()
	var out []storage.Event
	if err := h.app.DB.View(func(tx *storage.Tx) error {
		var err error
		out, err = tx.Events(0, 1<<30)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func eventTypes(evs []storage.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// apiRaw calls the API and returns the status and the raw body.
func (h *harness) apiRaw(path string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.apiURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// bucketBytes reads every key and value of a bbolt bucket of the stopped
// app's file.
func bucketBytes(t *testing.T, path, bucket string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var buf bytes.Buffer
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return fmt.Errorf("no bucket %s", bucket)
		}
		return b.ForEach(func(k, v []byte) error {
			buf.Write(k)
			buf.WriteByte(0)
			buf.Write(v)
			buf.WriteByte(0)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTipAnonymousIdentityNeverShown follows two anonymous tips (an
// unbound worker's and a bound official's) through assignment, closing,
// reveal and reward, and searches every handler message, API answer,
// event, the tips bucket and the logs for the tipsters' identities.
func TestTipAnonymousIdentityNeverShown(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	for _, u := range []int64{uWu, uAdmin, uChen, uHe, uLi} {
		h.bind(u)
	}
	workerSecrets := []string{workerName, workerUsername, fmt.Sprint(uWorker)}
	// 李芳 is a bound staff member of 应急办 itself: her colleagues handle it.
	liSecrets := []string{"李芳", "o-li", "13800000002", "138-0000-0002", fmt.Sprint(uLi)}

	ref := h.tip(uWorker, "宏达厂仓库堆放大量易燃物，消防通道堵塞", "含谷镇工业园3号库房", true)
	liRef := h.tip(uLi, "某工地塔吊无证作业", "含谷镇新街工地", true)
	if ref == "" || liRef == "" || ref == liRef {
		t.Fatalf("references %q, %q", ref, liRef)
	}
	h.waitMsg(uWorker, "编号 "+ref, "匿名举报")

	// The office head and the admin are told, with the hazard and no one.
	office := h.waitMsg(uWu, "🆕 隐患举报 "+ref, "宏达厂仓库", "工业园3号库房", "匿名（身份已加密封存）", "请选择承办单位")
	h.waitMsg(uAdmin, "🆕 隐患举报 "+ref, "匿名")
	h.waitMsg(uWu, "🆕 隐患举报 "+liRef, "匿名")

	// Assigned by button, with the default deadline.
	h.press(uWu, office, button(t, office, "城管大队"))
	m := h.waitButton(uWu, "期限 7 天")
	h.press(uWu, m, button(t, m, "期限 7 天"))
	unit := h.waitMsg(uChen, "隐患举报 "+ref+" 交由城管大队办理", "期限 2026-12-07 08:00", "匿名")
	h.waitMsg(uWorker, "已受理", "城管大队")

	// The unit closes it by button and a typed result; the anonymous
	// tipster hears it through the sealed chat.
	h.press(uChen, unit, button(t, unit, "属实，填写结果"))
	h.waitMsg(uChen, "请输入 "+ref+" 的处理结果")
	h.srv.SendText(uChen, "已责令宏达厂清理易燃物并疏通消防通道")
	h.waitMsg(uChen, ref+" 已办结（属实）")
	h.waitMsg(uWorker, "您的隐患举报 "+ref+" 已办结", "经核查属实", "已责令宏达厂清理易燃物")
	h.waitMsg(uWu, ref, "已由城管大队陈杰办结")
	h.eventually("the unit's buttons gone", func() bool {
		m := h.latest(uChen, unit.ID)
		return len(m.Inline) == 0 && strings.Contains(m.Text, "已办结，属实")
	})

	// The principal (tips.reveal_roles) reveals it to pay a reward.
	h.srv.SendText(uHe, "/tip reveal "+ref+" 发放举报奖励需核实身份")
	revealed := h.waitMsg(uHe, "🔓 匿名举报 "+ref+" 的举报人", workerName, workerUsername, fmt.Sprint(uWorker))
	h.waitMsg(uWu, "何军", "查看了匿名举报 "+ref, "发放举报奖励需核实身份")
	h.srv.SendText(uHe, "/tip reward "+ref+" 500元")
	h.waitMsg(uHe, "已登记 "+ref+" 的奖励 500 元")
	h.waitMsg(uWorker, ref, "获得奖励 500 元")

	// 李芳's tip is assigned by command and closed by command.
	h.srv.SendText(uWu, "/tip assign "+liRef+" cgdd 3")
	h.waitMsg(uWu, liRef+" 已交由城管大队办理")
	h.waitMsg(uChen, "隐患举报 "+liRef+" 交由城管大队办理")
	h.srv.SendText(uChen, "/tip close "+liRef+" 不属实 现场核查未发现塔吊")
	h.waitMsg(uLi, "您的隐患举报 "+liRef+" 已办结", "经核查不属实")
	h.waitMsg(uWu, liRef, "已由城管大队陈杰办结")

	// Handlers look the tips up.
	h.srv.SendText(uWu, "/tip "+ref)
	h.waitMsg(uWu, "🔎 隐患举报 "+ref, "已办结", "匿名")
	h.srv.SendText(uWu, "/tip "+liRef)
	h.waitMsg(uWu, "🔎 隐患举报 "+liRef, "匿名")

	// Every bot message outside the tipsters' own chats, but for the
	// reveal itself, is free of them.
	for _, msg := range h.srv.AllMessages() {
		if msg.ChatID == uWorker || msg.ChatID == uHe && msg.ID == revealed.ID {
			continue
		}
		for _, s := range workerSecrets {
			if strings.Contains(msg.Text, s) || strings.Contains(msg.Caption, s) {
				t.Errorf("chat %d message %q shows the anonymous worker (%q)", msg.ChatID, msg.Text, s)
			}
		}
		if msg.ChatID == uLi || !strings.Contains(msg.Text, liRef) {
			continue
		}
		for _, s := range liSecrets {
			if strings.Contains(msg.Text, s) {
				t.Errorf("chat %d message %q shows the anonymous official (%q)", msg.ChatID, msg.Text, s)
			}
		}
	}
	// The API.
	for _, r := range []string{ref, liRef} {
		code, body := h.apiRaw("/api/v1/tips/" + r)
		if code != http.StatusOK || !strings.Contains(body, `"anonymous":true`) {
			t.Fatalf("GET tip %s: %d %s", r, code, body)
		}
		for _, s := range append(workerSecrets, liSecrets...) {
			if strings.Contains(body, s) {
				t.Errorf("GET tip %s shows %q: %s", r, s, body)
			}
		}
	}
	// The events: the whole log for the worker; 李芳's tip's own events.
	for _, e := range h.allEvents() {
		line := fmt.Sprintf("%s|%s|%s|%s|%s", e.Type, e.Alert, e.Official, e.Actor, e.Detail)
		for _, s := range workerSecrets {
			if strings.Contains(line, s) {
				t.Errorf("event %s shows the anonymous worker (%q)", line, s)
			}
		}
	}
	for _, r := range []string{ref, liRef} {
		evs := h.tipEvents(r)
		if len(evs) == 0 || evs[0].Type != tips.EvReceived || evs[0].Actor != "anonymous" {
			t.Errorf("first event of %s = %+v, want tip_received by anonymous", r, evs)
		}
		for _, e := range evs {
			line := fmt.Sprintf("%s|%s|%s|%s", e.Type, e.Official, e.Actor, e.Detail)
			for _, s := range liSecrets {
				if strings.Contains(line, s) {
					t.Errorf("event %s of %s shows the anonymous official (%q)", line, r, s)
				}
			}
		}
	}
	want := []string{tips.EvReceived, tips.EvAssigned, tips.EvClosed, tips.EvVerified,
		tips.EvRevealed, tips.EvRewarded}
	if got := eventTypes(h.tipEvents(ref)); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events of %s = %v, want %v", ref, got, want)
	}
	// The logs.
	for _, s := range workerSecrets {
		if strings.Contains(h.logs.String(), s) {
			t.Errorf("the logs show the anonymous worker (%q)", s)
		}
	}
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, liRef) && strings.Contains(line, "o-li") {
			t.Errorf("log line ties %s to 李芳: %s", liRef, line)
		}
	}
	// The bbolt file: the tips bucket holds neither; the seal holds them
	// only encrypted.
	h.stop()
	tipsBytes := bucketBytes(t, h.dbPath, "tips")
	if !bytes.Contains(tipsBytes, []byte("宏达厂仓库")) {
		t.Fatal("the tips bucket does not hold the tip at all")
	}
	sealed := bucketBytes(t, h.dbPath, "tip_sealed")
	for _, s := range append(workerSecrets, liSecrets...) {
		if bytes.Contains(tipsBytes, []byte(s)) {
			t.Errorf("the tips bucket holds %q", s)
		}
		if bytes.Contains(sealed, []byte(s)) {
			t.Errorf("the tip_sealed bucket holds %q in the clear", s)
		}
	}
}
