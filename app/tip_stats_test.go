package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTipMonthlyCounts: tips received, closed as verified and rewarded are
// counted in the month each happened, over the API and in /tip stats.
func TestTipMonthlyCounts(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.addWorker()
	for _, u := range []int64{uWu, uHe, uAdmin, uZhang} {
		h.bind(u)
	}
	// November: a is found true and rewarded, b is not true.
	a := h.tip(uWorker, "仓库电线私拉乱接", "含谷镇物流园", true)
	b := h.tip(uZhang, "河堤护栏缺失", "含谷河堤", false)
	h.srv.SendText(uWu, "/tip close "+a+" 属实 已整改")
	h.waitMsg(uWu, a+" 已办结（属实）")
	h.srv.SendText(uHe, "/tip reward "+a+" 200")
	h.waitMsg(uHe, "已登记 "+a+" 的奖励 200 元")
	h.srv.SendText(uWu, "/tip close "+b+" 不属实 护栏完好")
	h.waitMsg(uWu, b+" 已办结（不属实）")
	// Received in November, found true in December: counted in each.
	d := h.tip(uWorker, "广告牌支架锈蚀", "含谷镇商业街", true)
	// December: one tip received and found true.
	h.advanceTo(time.Date(2026, 12, 3, 9, 0, 0, 0, start.Location()))
	c := h.tip(uWorker, "餐馆液化气管道老化", "含谷镇美食街", true)
	if !strings.HasPrefix(c, "T2612-") {
		t.Fatalf("December tip reference %q", c)
	}
	h.srv.SendText(uWu, "/tip close "+c+" 属实 已更换管道")
	h.waitMsg(uWu, c+" 已办结（属实）")
	h.srv.SendText(uWu, "/tip close "+d+" 属实 已拆除")
	h.waitMsg(uWu, d+" 已办结（属实）")

	var out struct {
		Months []struct {
			Month                        string
			Received, Verified, Rewarded int
		}
	}
	h.getJSON("/api/v1/tips/stats?months=3", &out)
	want := []string{"2026-10 0 0 0", "2026-11 3 1 1", "2026-12 1 2 0"}
	var got []string
	for _, m := range out.Months {
		got = append(got, fmt.Sprintf("%s %d %d %d", m.Month, m.Received, m.Verified, m.Rewarded))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("stats = %q, want %q", got, want)
	}
	h.getJSON("/api/v1/tips/stats", &out)
	if n := len(out.Months); n != 12 || out.Months[11].Month != "2026-12" || out.Months[0].Month != "2026-01" {
		t.Errorf("default stats cover %d months: %+v", n, out.Months)
	}
	for _, q := range []string{"0", "61", "x"} {
		if code, _ := h.apiRaw("/api/v1/tips/stats?months=" + q); code != http.StatusBadRequest {
			t.Errorf("months=%s: %d, want 400", q, code)
		}
	}
	if code, _ := h.apiDo("GET", "/api/v1/tips/stats", "", ""); code != http.StatusUnauthorized {
		t.Errorf("stats without a token: %d", code)
	}
	if code, _ := h.apiRaw("/api/v1/tips/T2612-0099"); code != http.StatusNotFound {
		t.Errorf("unknown tip: %d", code)
	}

	h.srv.SendText(uAdmin, "/tip stats 3")
	h.waitMsg(uAdmin, "隐患举报月度统计（近 3 个月）", "2026-11      3    1    1", "2026-12      1    2    0",
		"合计：收到 4，属实 3，奖励 1")
	h.srv.SendText(uZhang, "/tip stats")
	h.waitMsg(uZhang, "只有管理员、主要负责人和应急办负责人可以查看举报统计")
	h.srv.SendText(uWorker, "/tip stats")
	h.waitMsg(uWorker, "只有管理员、主要负责人和应急办负责人可以查看举报统计")
}
