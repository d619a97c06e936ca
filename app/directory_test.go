package app_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/config"
)

// Telegram users of 青山村, a village of the 通讯录.
const (
	uXiaoming int64 = 1101 + iota // 王小明, its head, then a member
	uZhaoli                       // 赵丽, removed by the reload
	uQianjin                      // 钱进, a member, then its head
	uSunyue                       // 孙悦, added by the reload
)

var villagePhones = map[int64]string{uXiaoming: "13900000001", uZhaoli: "13900000002", uQianjin: "13900000003", uSunyue: "13900000004"}

const villageHeader = "姓名,单位,职务/角色,手机号,上级\n"

// village is the 通讯录 at start: 王小明 heads 青山村 under 刘洋.
const village = villageHeader +
	"王小明,青山村,村委会主任、单位负责人,13900000001,刘洋\n" +
	"赵丽,青山村,网格员,13900000002,王小明\n" +
	"钱进,青山村,网格员,13900000003,王小明\n"

// villageNext is the 通讯录 reloaded: 赵丽 left, 钱进 heads 青山村, 孙悦
// came.
const villageNext = villageHeader +
	"王小明,青山村,村委会委员,13900000001,钱进\n" +
	"钱进,青山村,村委会主任、单位负责人,13900000003,刘洋\n" +
	"孙悦,青山村,网格员,13900000004,钱进\n"

// newVillageHarness runs the test town with 青山村 from a 通讯录.
func newVillageHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, harnessOpts{files: map[string]string{"通讯录.csv": village},
		edit: func(y string) string { return y + "directory:\n  file: 通讯录.csv\n" }})
	for id := range villagePhones {
		h.srv.AddUser(fakeapi.User{ID: id, FirstName: fmt.Sprint(id), LanguageCode: "zh-hans"})
	}
	return h
}

// bindPhone binds a user of the 通讯录 by sharing their contact.
func (h *harness) bindPhone(user int64, phone string) {
	h.t.Helper()
	h.srv.SendText(user, "/start")
	h.waitMsg(user, "分享我的手机号")
	h.srv.ShareContact(user, phone, user)
	h.waitMsg(user, "绑定成功")
}

// A reload under a running alert: the alert keeps its recipients, the
// removed person's deadlines fire and their acknowledgement counts, the
// silence of the unit's people goes to its new head, and a new alert uses
// the new directory. The admins are told in one message.
func TestDirectoryReloadUnderRunningAlert(t *testing.T) {
	h := newVillageHarness(t)
	qs := config.UnitIDFor("青山村")
	h.bind(uAdmin)
	for _, u := range []int64{uXiaoming, uZhaoli, uQianjin} {
		h.bindPhone(u, villagePhones[u])
	}
	id := h.createAlert("red", "暴雨红色预警", `{"units":["`+qs+`"]}`)
	call := h.waitMsg(uZhaoli, "暴雨红色预警")
	for _, o := range []string{"p13900000001", "p13900000002", "p13900000003"} {
		h.waitScheduled(id, o, start.Add(10*time.Minute))
	}

	// The same file again changes nothing.
	code, out := h.apiDo("POST", "/api/v1/directory/reload", testAPIToken, "")
	if code != http.StatusOK || fmt.Sprint(out["added"], out["removed"], out["changed"]) != "[] [] []" {
		t.Fatalf("reload of the same file: %d %v", code, out)
	}
	h.writeFile("通讯录.csv", villageNext)
	code, out = h.apiDo("POST", "/api/v1/directory/reload", testAPIToken, "")
	if code != http.StatusOK {
		t.Fatalf("reload: %d %v", code, out)
	}
	want := map[string][]string{"added": {"p13900000004"}, "removed": {"p13900000002"},
		"changed": {"p13900000001", "p13900000003"}, "heads": {qs}, "units_added": {}, "units_removed": {}}
	for k, w := range want {
		if got := strings.Fields(strings.Trim(fmt.Sprint(out[k]), "[]")); !slices.Equal(got, w) {
			t.Errorf("%s = %v, want %v", k, out[k], w)
		}
	}
	if out["officials"] != float64(11) || out["units"] != float64(4) {
		t.Errorf("answer %v, want 11 officials in 4 units", out)
	}
	h.waitMsg(uAdmin, "通讯录（通讯录.csv）已重新载入", "新增 1 人、移除 1 人、变更 2 人", "1 个单位的负责人或分管领导有变", "移除：赵丽")
	h.bindPhone(uSunyue, villagePhones[uSunyue]) // listed now
	if got := len(h.alert(id).Recipients); got != 3 {
		t.Errorf("the running alert has %d recipients after the reload, want its 3", got)
	}

	// 赵丽's deadline fires: she is reminded like the others.
	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uZhaoli, "第二次叫应", "暴雨红色预警")
	h.waitScheduled(id, "p13900000002", start.Add(20*time.Minute))
	// Their silence goes to 青山村's head as it is now, 钱进, for 赵丽
	// too; the old head hears nothing; 钱进's own goes to nobody lower.
	h.advanceTo(start.Add(20 * time.Minute))
	h.eventually("钱进's notice naming 王小明 and 赵丽", func() bool {
		ms := h.messages(uQianjin, "叫应升级")
		return len(ms) > 0 && strings.Contains(ms[len(ms)-1].Text, "王小明") && strings.Contains(ms[len(ms)-1].Text, "赵丽（青山村）")
	})
	h.waitScheduled(id, "p13900000002", start.Add(30*time.Minute))
	if n := len(h.messages(uXiaoming, "叫应升级")); n != 0 {
		t.Errorf("the old head got %d escalation notices", n)
	}
	for _, o := range []string{"p13900000001", "p13900000002"} {
		r := h.recipient(id, o)
		if len(r.Escalations) != 2 || !slices.Equal(r.Escalations[1].People, []string{"p13900000003"}) {
			t.Errorf("%s's escalations: %+v, want the second to 钱进", o, r.Escalations)
		}
	}

	// 赵丽's button still works; what is not hers to do any more says so.
	h.clk.Advance(time.Minute)
	if toast := h.press(uZhaoli, call, button(t, call, "收到")); toast.Text != "已确认收到（08:21）" {
		t.Errorf("the removed official's acknowledgement: %q", toast.Text)
	}
	if r := h.recipient(id, "p13900000002"); r.State != "acked" || r.AckedBy != "p13900000002" || r.NextAt != nil {
		t.Errorf("赵丽 after her press: %+v", r)
	}
	if toast := h.press(uZhaoli, call, "hdl:"+id+":p13900000002"); !strings.Contains(toast.Text, "不在值班通讯录中") {
		t.Errorf("another press of the removed official: %q", toast.Text)
	}

	// A new alert to 青山村 calls its people as they are now.
	id2 := h.createAlert("yellow", "大风黄色预警", `{"units":["`+qs+`"]}`)
	var got []string
	for _, r := range h.alert(id2).Recipients {
		got = append(got, r.Official)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"p13900000001", "p13900000003", "p13900000004"}) {
		t.Errorf("the new alert calls %v", got)
	}
	h.waitMsg(uSunyue, "大风黄色预警")
	if n := len(h.messages(uZhaoli, "大风黄色预警")); n != 0 {
		t.Errorf("the removed official got the new alert")
	}
	if logs := h.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs)
	}
}

// A refused file changes nothing, and the API lists its problems by row;
// the log says why.
func TestDirectoryReloadRefused(t *testing.T) {
	h := newVillageHarness(t)
	h.bind(uAdmin)
	before := h.app.Config.People()
	h.writeFile("通讯录.csv", villageHeader+"王小明,青山村,单位负责人,1390000000,刘洋\n赵丽,青山村,网格员,13900000002,李四\n")
	code, out := h.apiDo("POST", "/api/v1/directory/reload", testAPIToken, "")
	if code != http.StatusBadRequest {
		t.Fatalf("reload of a broken file: %d %v", code, out)
	}
	problems := fmt.Sprint(out["problems"])
	for _, w := range []string{`通讯录.csv row 2 (手机号): "1390000000" is not an 11-digit mobile number`, `通讯录.csv row 3 (上级): "李四" is nobody`} {
		if !strings.Contains(problems, w) {
			t.Errorf("problems %s lack %s", problems, w)
		}
	}
	if !strings.Contains(fmt.Sprint(out["error"]), "2 problems") {
		t.Errorf("error = %v", out["error"])
	}
	if h.app.Config.People() != before {
		t.Error("a refused file replaced the directory")
	}
	h.eventually("the refusal logged", func() bool { return strings.Contains(h.logs.String(), "directory reload refused") })
	if code, _ := h.apiDo("POST", "/api/v1/directory/reload", "wrong-token", ""); code != http.StatusUnauthorized {
		t.Errorf("reload with a wrong token: %d", code)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uAdmin, "通讯录")); n != 0 {
		t.Errorf("the admins were told of a refused reload %d times", n)
	}
}

// Without directory.file there is nothing to reload: the API says so.
func TestDirectoryReloadWithoutFile(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	code, out := h.apiDo("POST", "/api/v1/directory/reload", testAPIToken, "")
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["error"]), "directory.file") {
		t.Errorf("reload without a file: %d %v", code, out)
	}
}

// A process started after a reload removed someone from the 通讯录 still
// knows them for the alerts raised before: their reminder goes out, the
// unit's head as it is now hears of their silence by name, not by id.
func TestDirectoryRemovedKnownAfterRestart(t *testing.T) {
	h := newVillageHarness(t)
	qs := config.UnitIDFor("青山村")
	for _, u := range []int64{uXiaoming, uZhaoli, uQianjin} {
		h.bindPhone(u, villagePhones[u])
	}
	id := h.createAlert("red", "暴雨红色预警", `{"units":["`+qs+`"]}`)
	h.waitMsg(uZhaoli, "暴雨红色预警")
	h.waitScheduled(id, "p13900000002", start.Add(10*time.Minute))
	h.writeFile("通讯录.csv", villageNext)
	if code, out := h.apiDo("POST", "/api/v1/directory/reload", testAPIToken, ""); code != http.StatusOK {
		t.Fatalf("reload: %d %v", code, out)
	}

	// A new process: the configuration and the 通讯录 (without 赵丽) read
	// from disk again.
	h.stop()
	cfg, err := config.Load(filepath.Join(h.dir, "dutybot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token, cfg.HTTP.APIToken = testToken, testAPIToken
	if _, ok := cfg.Official("p13900000002"); ok {
		t.Fatal("the 通讯录 read again still lists 赵丽")
	}
	h.cfg = cfg
	h.startApp()

	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uZhaoli, "第二次叫应", "暴雨红色预警")
	h.advanceTo(start.Add(20 * time.Minute))
	h.eventually("钱进's notice naming 赵丽", func() bool {
		ms := h.messages(uQianjin, "叫应升级")
		return len(ms) > 0 && strings.Contains(ms[len(ms)-1].Text, "赵丽（青山村）")
	})
	if r := h.recipient(id, "p13900000002"); len(r.Escalations) != 2 || !slices.Equal(r.Escalations[1].People, []string{"p13900000003"}) {
		t.Errorf("赵丽's escalations after the restart: %+v, want the second to 钱进", r.Escalations)
	}
	if logs := h.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("errors logged:\n%s", logs)
	}
}
