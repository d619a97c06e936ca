package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWarnLift(t *testing.T) {
	h := newWeatherHarness(t)
	rec := h.recordDutyMode()
	users := []int64{uZhang, uLi, uWu, uLiu, uHe, uDuty, uAdmin, uChen}
	for _, u := range users {
		h.bind(u)
	}
	h.srv.SendText(uDuty, "/warn lift")
	h.waitMsg(uDuty, "当前没有生效的气象预警")

	rain := h.warn(uDuty, "暴雨 红 全镇")
	board := h.boardMsg(uDuty, rain, "已落实 0/4 项")
	h.waitMsg(uWu, "应急办：请立即落实")
	code, out := h.apiDo("POST", "/api/v1/alerts", testAPIToken,
		`{"kind":"weather","type":"gale","level":"orange","targets":{"units":["cgdd"]},"body":"阵风9级"}`)
	if code != http.StatusCreated {
		t.Fatalf("API warning: %d %v", code, out)
	}
	gale := out["id"].(string)
	h.waitMsg(uChen, "【大风橙色预警】")
	// 张明 answers the rainstorm; the others stay silent.
	m := h.waitMsg(uZhang, "【暴雨红色预警】")
	h.press(uZhang, m, button(t, m, "收到预警"))
	h.waitMsg(uZhang, "已于 08:00 确认收到")

	h.clk.Advance(3 * time.Minute)
	h.srv.SendText(uHe, "/warn lift")
	choose := h.waitMsg(uHe, "有 2 个生效的气象预警，请选择要解除的")
	if got := labels(choose); !slices.Equal(got, []string{"解除 暴雨红色预警 #" + rain, "解除 大风橙色预警 #" + gale}) {
		t.Fatalf("lift buttons = %q", got)
	}
	if a := h.press(uHe, choose, button(t, choose, "暴雨")); !strings.Contains(a.Text, "已解除") {
		t.Errorf("lift toast = %q", a.Text)
	}
	h.waitMsg(uHe, "✅ 已解除 #"+rain+"《暴雨红色预警》，已通知 8 人。")
	for _, u := range users {
		clear := h.waitMsg(u, "✅ 解除通知：暴雨红色预警 #"+rain+" 已于 08:03 解除", "熔断措施请按程序有序解除")
		if len(clear.Inline) != 0 {
			t.Errorf("the all-clear has buttons: %v", clear.Inline)
		}
		if strings.Contains(clear.Text, "极端天气值班模式结束") {
			t.Errorf("the gale warning still holds duty mode: %q", clear.Text)
		}
	}
	// Calls not answered are marked ended, without buttons.
	m = h.waitMsg(uLi, "【暴雨红色预警】", "叫应已于 08:03 结束")
	if len(m.Inline) != 0 {
		t.Errorf("an ended call keeps its buttons: %v", m.Inline)
	}
	if a := h.alert(rain); a.State != "closed" || a.ClosedBy != "o-he" {
		t.Errorf("rainstorm alert = %s by %s", a.State, a.ClosedBy)
	}
	b := h.boardMsg(uDuty, rain, "⏹ 预警已于 08:03 解除")
	if b.ID != board.ID {
		t.Errorf("final board sent as a new message")
	}
	yjb := h.waitMsg(uWu, "应急办：请立即落实", "⏹ 预警已于 08:03 解除")
	if len(yjb.Inline) != 0 {
		t.Errorf("the checklist keeps its buttons after the lift: %v", yjb.Inline)
	}
	if a := h.press(uWu, yjb, "wc:"+rain+":1"); a.Text != "该预警已解除，无需再确认。" {
		t.Errorf("press after the lift = %q", a.Text)
	}
	w := h.warning(rain)
	if w.State != "lifted" || w.LiftedBy != "o-he" || w.DutyMode {
		t.Errorf("lifted warning = %+v", w)
	}
	if got := rec.get(); !slices.Equal(got, []string{rain + " true", gale + " true"}) {
		t.Errorf("duty mode hook calls = %q (the gale still holds it)", got)
	}
	if ws := h.warnings(); len(ws) != 1 || ws[0].ID != gale {
		t.Errorf("active warnings = %+v", ws)
	}
	// Lifting twice or an unknown warning changes nothing.
	h.srv.SendText(uDuty, "/warn lift "+rain)
	h.waitMsg(uDuty, "预警 #"+rain+" 已于 11-30 08:03 解除")
	h.srv.SendText(uDuty, "/warn lift 20261130-0099")
	h.waitMsg(uDuty, "没有编号为 20261130-0099 的气象预警")

	// The 熔断 deadline went with the warning.
	h.advanceTo(start.Add(31 * time.Minute))
	time.Sleep(50 * time.Millisecond)
	for _, u := range []int64{uWu, uChen} {
		if n := len(h.messages(u, "熔断措施未落实")); n != 0 {
			t.Errorf("chat %d called for a lifted warning's checklist", u)
		}
	}

	// The last duty-mode warning lifted over the API ends duty mode.
	code, out = h.apiDo("POST", "/api/v1/warnings/"+gale+"/lift", testAPIToken, "")
	if code != http.StatusOK || out["state"] != "lifted" || out["lifted_by"] != "api" {
		t.Fatalf("API lift = %d %v", code, out)
	}
	h.waitMsg(uChen, "✅ 解除通知：大风橙色预警 #"+gale, "极端天气值班模式结束")
	if got := rec.get(); !slices.Equal(got, []string{rain + " true", gale + " true", gale + " false"}) {
		t.Errorf("duty mode hook calls = %q", got)
	}
	if code, out := h.apiDo("POST", "/api/v1/warnings/"+gale+"/lift", testAPIToken, ""); code != http.StatusConflict {
		t.Errorf("second API lift = %d %v", code, out)
	}
	if code, _ := h.apiDo("POST", "/api/v1/warnings/20261130-0099/lift", testAPIToken, ""); code != http.StatusNotFound {
		t.Errorf("unknown API lift = %d", code)
	}
	if ws := h.warnings(); len(ws) != 0 {
		t.Errorf("active warnings after lifting both = %+v", ws)
	}
	h.srv.SendText(uDuty, "/warn lift")
	h.waitMsg(uDuty, "当前没有生效的气象预警")
}
