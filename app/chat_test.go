package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/app"
	"dutybot/config"
	"dutybot/redact"
	"dutybot/storage"
)

func TestGuidedAlertWithLiveSummary(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uDuty, uChen} {
		h.bind(u)
	}
	h.srv.SendText(uDuty, "/alert")
	m := h.waitMsg(uDuty, "请选择预警级别")
	h.press(uDuty, m, button(t, m, "红色"))
	m = h.waitMsg(uDuty, "请选择对象")
	h.press(uDuty, m, button(t, m, "城管大队"))
	m = h.waitButton(uDuty, "✓ 城管大队")
	if a := h.press(uDuty, m, "al:lvl:blue"); !strings.Contains(a.Text, "失效") {
		t.Errorf("a level press at the target step = %q", a.Text)
	}
	h.press(uDuty, m, button(t, m, "下一步"))
	h.waitMsg(uDuty, "请输入标题")
	h.srv.SendText(uDuty, "暴雨红色预警：立即停止户外作业")
	h.waitMsg(uDuty, "请输入正文")
	h.srv.SendText(uDuty, "各工地立即停工，人员撤离至安全地带。")
	m = h.waitMsg(uDuty, "请确认", "🔴 红色", "城管大队", "立即停止户外作业", "人员撤离")
	h.press(uDuty, m, button(t, m, "发布"))
	h.waitMsg(uDuty, "已发布，共 1 人")

	call := h.waitMsg(uChen, "暴雨红色预警：立即停止户外作业", "发布人：杜峰（应急办）")
	summary := h.waitMsg(uDuty, "📋 叫应", "已应答 0/1", "未应答：陈杰")
	button(t, summary, "结束叫应")
	h.clk.Advance(90 * time.Second)
	h.press(uChen, call, button(t, call, "收到"))
	got := h.waitMsg(uDuty, "📋 叫应", "已应答 1/1", "全部应答（08:01）")
	if got.ID != summary.ID || len(got.Inline) != 0 {
		t.Errorf("the summary should be edited in place and lose its button: %+v", got)
	}
}

func TestOneLineAlertStatusAndClose(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uDuty, uZhang, uLi} {
		h.bind(u)
	}
	// Staff may not issue alerts.
	h.srv.SendText(uZhang, "/alert red all 测试")
	h.waitMsg(uZhang, "没有发布叫应的权限")
	// Malformed one-liners are explained and create nothing.
	for _, bad := range []string{"/alert purple all x", "/alert red nowhere x", "/alert red"} {
		h.srv.SendText(uDuty, bad)
	}
	h.eventually("three refusals", func() bool { return len(h.messages(uDuty, "未发布")) == 3 })
	if n := len(h.messages(uDuty, "unknown target \"nowhere\"")); n != 1 {
		t.Errorf("the unknown target is not named")
	}

	h.srv.SendText(uDuty, "/alert 橙 o-zhang,o-li 大雾橙色预警 | 注意道路安全")
	h.waitMsg(uDuty, "已发布，共 2 人")
	h.waitMsg(uZhang, "🟠 橙色", "大雾橙色预警", "注意道路安全")
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "进行中的叫应：1 条", "已应答 0/2")

	// Staff cannot close someone else's alert; the issuer can.
	id := h.alertIDs()[0]
	h.srv.SendText(uZhang, "/close "+id)
	h.waitMsg(uZhang, "没有此操作的权限")
	h.srv.SendText(uDuty, "/close "+id)
	h.waitMsg(uDuty, "叫应 #"+id+" 已结束")
	h.waitMsg(uDuty, "📋 叫应", "已于 08:00 由 杜峰 结束")
	h.waitMsg(uLi, "叫应已于 08:00 结束")
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "当前没有进行中的叫应")
	h.srv.SendText(uDuty, "/close 20990101-0001")
	h.waitMsg(uDuty, "没有编号为 20990101-0001 的叫应")
}

// alertIDs lists the alert ids mentioned in the duty leader's confirmations.
func (h *harness) alertIDs() []string {
	var ids []string
	for _, m := range h.messages(uDuty, "已发布，共") {
		var id string
		if _, err := fmt.Sscanf(m.Text[strings.Index(m.Text, "#")+1:], "%s", &id); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestLanguageSwitchAndCommandMenu(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	for _, lc := range []string{"", "zh", "en"} {
		cmds := h.srv.Commands(lc)
		if len(cmds) != 27 || cmds[0].Command != "start" || cmds[2].Command != "mytasks" || cmds[5].Command != "plan" {
			t.Fatalf("commands for %q = %+v", lc, cmds)
		}
	}
	if d := h.srv.Commands("en")[10].Description; d != "Send an alert" {
		t.Errorf("English menu: %q", d)
	}
	if d := h.srv.Commands("")[10].Description; d != "发布叫应" {
		t.Errorf("default menu: %q", d)
	}
	h.srv.SendText(uZhang, "/lang en")
	h.waitMsg(uZhang, "Language set to English")
	id := h.createAlert("red", "Rainstorm", `{"officials":["o-zhang"]}`)
	m := h.waitMsg(uZhang, "📣 Alert 🔴 Red", "#"+id, "by 08:10")
	a := h.press(uZhang, m, button(t, m, "Received"))
	if a.Text != "Acknowledged (08:00)" {
		t.Errorf("toast = %q", a.Text)
	}
	h.srv.SendText(uZhang, "/lang")
	m = h.waitMsg(uZhang, "Choose your language")
	h.press(uZhang, m, button(t, m, "中文"))
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "当前没有进行中的叫应")
	h.srv.SendText(uZhang, "/lang fr")
	h.waitMsg(uZhang, "用法：/lang zh 或 /lang en")
}

func TestGroupCommandsNamingTheBot(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	const group = -1001234
	h.srv.AddGroup(group, "含谷镇应急值班群")
	h.srv.SendGroupText(group, uZhang, "/status@otherbot")
	h.srv.SendGroupText(group, uZhang, "/status@hangu_duty_bot")
	h.waitMsg(group, "当前没有进行中的叫应")
	h.srv.SendGroupText(group, uZhang, "/start")
	h.waitMsg(group, "请私聊我")
	time.Sleep(30 * time.Millisecond)
	if n := len(h.srv.Messages(group)); n != 2 {
		t.Errorf("group got %d messages; /status@otherbot must be ignored", n)
	}
}

func TestUnknownAndMalformedCommands(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.srv.SendText(uZhang, "/frobnicate")
	h.waitMsg(uZhang, "无法识别的命令")
	h.srv.SendText(uZhang, "/close")
	h.waitMsg(uZhang, "用法：/close 叫应编号")
	h.srv.SendText(uZhang, "你好")
	h.waitMsg(uZhang, "请使用命令")
	h.srv.SendText(uZhang, "/cancel")
	h.waitMsg(uZhang, "没有进行中的操作")
}

// The bot token never reaches the logs, even when requests fail with
// errors that quote the request URL.
func TestTokenNeverLogged(t *testing.T) {
	logs := &syncBuffer{}
	y := fmt.Sprintf(testConfig, "http://127.0.0.1:1", filepath.Join(t.TempDir(), "db"))
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token = testToken
	log := slog.New(redact.NewHandler(slog.NewTextHandler(logs, nil), testToken))
	a, err := app.New(cfg, app.Options{Log: log, NoHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_ = a.Run(ctx)
	out := logs.String()
	if !strings.Contains(out, "cannot reach the Bot API") {
		t.Fatalf("expected connection errors in the log:\n%s", out)
	}
	if strings.Contains(out, testToken) || strings.Contains(out, "TEST-bot-token") {
		t.Fatalf("token in logs:\n%s", out)
	}
}

func TestHelpFollowsRoles(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, tc := range []struct {
		user      int64
		want, not []string
	}{
		{uZhang, []string{"/mytasks", "/duty", "/roster", "/swap", "/incident", "/tip"}, []string{"/alert", "/warn", "/spotcheck", "/board", "值班表（.xlsx"}},
		{uLiu, []string{"/alert", "/duty"}, []string{"/warn", "/spotcheck", "值班表（.xlsx"}}, // a 分管领导 alerts but does not warn
		{uDuty, []string{"/alert", "/warn lift", "/spotcheck", "/duty", "/board"}, []string{"值班表（.xlsx", "/ledger"}},
		{uAdmin, []string{"/warn", "/spotcheck", "/ledger", "值班表（.xlsx、CSV 或 YAML）私聊发给我"}, nil},
	} {
		h.bind(tc.user)
		h.srv.SendText(tc.user, "/help")
		m := h.waitMsg(tc.user, "/status")
		for _, w := range tc.want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("help for %d lacks %q:\n%s", tc.user, w, m.Text)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(m.Text, n) {
				t.Errorf("help for %d shows %q:\n%s", tc.user, n, m.Text)
			}
		}
	}
}

func TestCancelEndsAWarningDraft(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uDuty)
	h.srv.SendText(uDuty, "/warn")
	h.waitButton(uDuty, "暴雨")
	h.srv.SendText(uDuty, "/cancel")
	h.waitMsg(uDuty, "已取消")
	h.srv.SendText(uDuty, "hello")
	h.waitMsg(uDuty, "如需操作请使用命令")
	h.srv.SendText(uDuty, "/cancel")
	h.waitMsg(uDuty, "当前没有进行中的操作")
}

func TestStartingAFlowEndsTheOthers(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uDuty)
	h.srv.SendText(uDuty, "/tip")
	h.waitMsg(uDuty, "隐患举报 1/4")
	// The tip draft gives way to the incident report started after it:
	// the next text is the incident's time, not the hazard.
	h.srv.SendText(uDuty, "/incident")
	h.waitMsg(uDuty, "1/")
	h.srv.SendText(uDuty, "刚才")
	h.waitMsg(uDuty, "2/")
	err := h.app.DB.View(func(tx *storage.Tx) error {
		if cv, err := tx.Conversation(uDuty); err != nil || cv.Flow != "incident" || cv.Step != "report:place" {
			t.Errorf("the chat's conversation = %+v, %v; want the incident report at its place", cv, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.srv.SendText(uDuty, "/cancel")
	h.waitMsg(uDuty, "已取消")
	h.srv.SendText(uDuty, "/cancel")
	h.waitMsg(uDuty, "当前没有进行中的操作")
}
