package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestWarningOverTheAPI(t *testing.T) {
	h := newWeatherHarness(t)
	for _, u := range []int64{uZhang, uWu, uDuty, uChen} {
		h.bind(u)
	}
	refused := []struct{ name, body, reason string }{
		{"no type", `{"kind":"weather","level":"red"}`, `type: "" is not a warning type`},
		{"unknown type", `{"kind":"weather","type":"tsunami","level":"red"}`, `type: "tsunami" is not a warning type; use rainstorm`},
		{"level invalid for the type", `{"kind":"weather","type":"heat","level":"blue"}`, `level: "blue" is not a level of heat warnings; use yellow, orange, red`},
		{"unknown level", `{"kind":"weather","type":"rainstorm","level":"purple"}`, `level: "purple"`},
		{"unknown unit", `{"kind":"weather","type":"rainstorm","level":"red","targets":{"units":["yjb","nowhere"]}}`, `targets.units: unknown unit "nowhere"`},
		{"officials", `{"kind":"weather","type":"rainstorm","level":"red","targets":{"officials":["o-zhang"]}}`, "a weather warning goes to units"},
		{"long title", `{"kind":"weather","type":"rainstorm","level":"red","title":"` + strings.Repeat("雨", 201) + `"}`, "title: longer than 200"},
		{"unknown field", `{"kind":"weather","type":"rainstorm","level":"red","colour":"red"}`, "unknown field"},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			h := h.on(t)
			code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken, r.body)
			if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, r.reason) {
				t.Errorf("= %d %v, want 400 mentioning %q", code, out, r.reason)
			}
		})
	}
	if code, _ := h.apiDo("POST", "/api/v1/alerts", "", `{"kind":"weather","type":"rainstorm","level":"red"}`); code != http.StatusUnauthorized {
		t.Errorf("without a token = %d", code)
	}
	if code, _ := h.apiDo("GET", "/api/v1/warnings", "", ""); code != http.StatusUnauthorized {
		t.Errorf("list without a token = %d", code)
	}
	if ws := h.warnings(); len(ws) != 0 {
		t.Fatalf("refused requests created warnings: %+v", ws)
	}
	h.srv.SendText(uDuty, "/status")
	h.waitMsg(uDuty, "当前没有进行中的叫应")

	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"kind":"weather","type":"rainstorm","level":"red","targets":{"units":["yjb"]},"body":"区气象台发布暴雨红色预警"}`)
	if code != http.StatusCreated || out["id"] != "20261130-0001" || out["recipients"] != float64(4) ||
		out["duty_mode"] != true || out["meltdown"] != true || out["checklist_items"] != float64(2) {
		t.Fatalf("create = %d %v", code, out)
	}
	for _, u := range []int64{uZhang, uWu, uDuty} {
		h.waitMsg(u, "【暴雨红色预警】", "区气象台发布暴雨红色预警", "影响范围：应急办", "08:05 前")
	}
	h.waitMsg(uWu, "应急办：请立即落实")
	h.boardMsg(uDuty, "20261130-0001", "已落实 0/2 项")
	if n := len(h.messages(uChen, "暴雨红色预警")); n != 0 {
		t.Errorf("城管大队 is not affected but got %d messages", n)
	}
	a := h.alert("20261130-0001")
	if a.Kind != "weather" || a.Title != "暴雨红色预警" || a.Source != "api" || a.Issuer != "" {
		t.Errorf("alert = %+v", a)
	}
	ws := h.warnings()
	if len(ws) != 1 {
		t.Fatalf("warnings = %+v", ws)
	}
	w := ws[0]
	if w.Source != "api" || !slices.Equal(w.Units, []string{"yjb"}) || w.Confirmed != 0 || len(w.Checklist) != 2 ||
		w.Checklist[0].Action != "evacuate" || w.Checklist[0].State != "open" || w.Checklist[0].Value != nil ||
		w.ConfirmBy == nil || !w.ConfirmBy.Equal(start.Add(30*60e9)) || w.Alert == nil || w.Alert.Recipients != 4 {
		t.Errorf("warning = %+v", w)
	}

	// A title given is kept; all targets every unit.
	code, out = h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"kind":"weather","type":"fog","level":"yellow","title":"区气象台大雾黄色预警信号","targets":{"all":true}}`)
	if code != http.StatusCreated || out["recipients"] != float64(8) || out["duty_mode"] != false || out["meltdown"] != false {
		t.Fatalf("create = %d %v", code, out)
	}
	h.waitMsg(uChen, "【区气象台大雾黄色预警信号】", "影响范围：全镇各单位")
	if code, _ := h.apiDo("GET", "/api/v1/warnings/20261130-0099", testAPIToken, ""); code != http.StatusNotFound {
		t.Errorf("unknown warning = %d", code)
	}
}

func TestWarnAuthorisation(t *testing.T) {
	h := newWeatherHarness(t)
	for _, u := range []int64{uZhang, uWu, uLiu, uHe, uDuty, uAdmin, uChen} {
		h.bind(u)
	}
	// Staff, unit heads and 分管领导 may not send, lift or follow warnings.
	for _, u := range []int64{uZhang, uWu, uLiu} {
		for _, cmd := range []string{"/warn", "/warn 暴雨 红 全镇", "/warn lift", "/warn board", "/warn lift 20261130-0001"} {
			before := len(h.messages(u, "没有发布或解除气象预警的权限"))
			h.srv.SendText(u, cmd)
			h.eventually(cmd+" refused", func() bool { return len(h.messages(u, "没有发布或解除气象预警的权限")) > before })
		}
	}
	if ws := h.warnings(); len(ws) != 0 {
		t.Fatalf("refused commands created warnings: %+v", ws)
	}
	// The principal and the admin may; not in a group chat.
	const group int64 = -100777
	h.srv.AddGroup(group, "含谷镇应急值班群")
	h.srv.SendGroupText(group, uDuty, "/warn 暴雨 红 全镇")
	h.waitMsg(group, "请在与我的私聊中操作气象预警")
	id := h.warn(uHe, "暴雨 红 全镇")
	h.srv.SendText(uAdmin, "/warn board")
	h.boardMsg(uAdmin, id, "已落实 0/4 项")

	// Forged flow and lift buttons from a staff member are refused and
	// change nothing.
	m := h.waitMsg(uZhang, "【暴雨红色预警】")
	for _, data := range []string{"wd:t:heat", "wd:send", "wl:" + id} {
		if a := h.press(uZhang, m, data); !a.ShowAlert || !strings.Contains(a.Text, "没有发布或解除气象预警的权限") {
			t.Errorf("forged %s = %+v", data, a)
		}
	}
	if w := h.warning(id); w.State != "active" {
		t.Fatalf("a forged lift press lifted the warning")
	}
	// Someone else's draft buttons are stale for the duty leader.
	if a := h.press(uDuty, h.waitMsg(uDuty, "【暴雨红色预警】"), "wd:send"); !strings.Contains(a.Text, "失效") {
		t.Errorf("a send press without a draft = %+v", a)
	}
	// Only 城管大队's officials and admins confirm its items: not the duty
	// leader, not 应急办's head.
	for _, u := range []int64{uDuty, uWu} {
		own := h.waitMsg(u, "【暴雨红色预警】")
		if a := h.press(u, own, "wc:"+id+":4"); !a.ShowAlert || !strings.Contains(a.Text, "这是城管大队的措施") {
			t.Errorf("chat %d confirming 城管大队's item = %+v", u, a)
		}
	}
	if a := h.press(uZhang, m, "wn:"+id+":1"); !strings.Contains(a.Text, "无效") {
		t.Errorf("confirming a count item without its count = %+v", a)
	}
	if w := h.warning(id); w.Confirmed != 0 {
		t.Errorf("refused presses confirmed %d items", w.Confirmed)
	}
	// The lift needs the roles too: a staff member's /warn cancel is
	// harmless, the principal lifts.
	h.srv.SendText(uZhang, "/warn cancel")
	h.waitMsg(uZhang, "当前没有进行中的操作")
	h.srv.SendText(uHe, "/warn lift")
	h.waitMsg(uHe, "✅ 已解除 #"+id)
}
