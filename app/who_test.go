package app_test

import (
	"strings"
	"testing"
)

// /who answers which department leads a sector's supervision, with its
// head and 分管领导, from the built-in list cut to the units the town has.
func TestWhoSupervises(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	tests := []struct {
		ask  string
		want []string
	}{
		{"/who 燃气", []string{"🔎 燃气：由城管大队牵头监管。", "负责人：陈杰 13800000008", "分管领导：刘洋"}},
		{"/who 瓶装燃气", []string{"🔎 燃气：由城管大队牵头监管。"}},
		{"/who 加油站", []string{"🔎 危化品：由应急办牵头监管。", "负责人：吴敏", "分管领导：刘洋"}},
		{"/who", []string{"请在 /who 后写行业或领域", "危化品、燃气"}},
		{"/who 充电桩", []string{"没有找到“充电桩”的监管部门", "已明确的有：危化品、燃气"}}, // its lead unit (经发办) is not in this town
	}
	for _, tt := range tests {
		h.srv.SendText(uZhang, tt.ask)
		m := h.waitMsg(uZhang, tt.want...)
		if strings.Contains(m.Text, "o-") {
			t.Errorf("%s shows an id:\n%s", tt.ask, m.Text)
		}
	}
	h.srv.SendText(uStranger, "/who 燃气")
	h.waitMsg(uStranger, "Hello") // unbound: asked to bind, told nothing
}
