package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// hazardBody is a hazard found by 张明 at an enterprise the registry
// does not hold, in 城管大队's area, with extra fields.
func hazardBody(extra string) string {
	return `{"enterprise":"91500106MA5U7X1234","enterprise_name":"重庆某某机械厂","unit":"cgdd","found_by":"o-zhang",
		"level":"一般","description":"配电箱未接地","photos":["photo-found"],"location":{"lat":29.5,"lon":106.4},
		"responsible":{"name":"李老板","phone":"13900000001"}` + extra + `}`
}

// TestHazardAPILoop: over the API, a hazard is found and assigned (the 属地
// head told in Telegram), listed by state, unit and enterprise, reported
// fixed by the finder, refused a recheck by that same finder, sent back by
// the unit head with a new deadline, fixed again by the enterprise,
// rechecked by the finder and closed; the history keeps every step.
func TestHazardAPILoop(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uChen} {
		h.bind(u)
	}
	code, out := h.apiDo("POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"deadline":"2026-12-03"`))
	if code != http.StatusCreated || out["id"] != "H20261130-01" || out["state"] != "assigned" ||
		out["deadline"] != "2026-12-03T23:59:00+08:00" || out["unit"] != "cgdd" {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	h.waitMsg(uChen, "隐患交办 "+id, "重庆某某机械厂", "配电箱未接地", "张明", "李老板 13900000001", "2026-12-03 23:59")

	for _, q := range []struct {
		query string
		n     int
	}{
		{"", 1}, {"?state=assigned", 1}, {"?state=closed", 0}, {"?unit=cgdd", 1}, {"?unit=yjb", 0},
		{"?enterprise=91500106MA5U7X1234", 1}, {"?enterprise=91500106MA5U7X1234&state=found", 0},
	} {
		code, out := h.apiDo("GET", "/api/v1/hazards"+q.query, testAPIToken, "")
		list, _ := out["hazards"].([]any)
		if code != http.StatusOK || len(list) != q.n {
			t.Errorf("list%s: %d, %d hazards, want %d", q.query, code, len(list), q.n)
		}
	}

	steps := []struct {
		path, body string
		code       int
		state      string // the state after, or a part of the error
	}{
		{"close", `{"by":"o-chen"}`, http.StatusConflict, "only after a recheck"},
		{"rectified", `{"by":"o-zhang","note":"已接地","photos":["photo-fixed-1"]}`, http.StatusOK, "rectified"},
		{"recheck", `{"by":"o-zhang","ok":true}`, http.StatusConflict, "someone other than the person who reported"},
		{"close", `{"by":"o-chen"}`, http.StatusConflict, "only after a recheck"},
		{"recheck", `{"by":"o-chen","ok":false,"note":"接地线松动","deadline":"2026-12-05 18:00"}`, http.StatusOK, "assigned"},
		{"rectified", `{"by":"enterprise","note":"已紧固接地线","photos":["photo-fixed-2","photo-fixed-3"]}`, http.StatusOK, "rectified"},
		{"recheck", `{"by":"o-zhang","ok":true,"note":"现场核实"}`, http.StatusOK, "rechecked"},
		{"close", `{"by":"o-chen","note":"销号"}`, http.StatusOK, "closed"},
		{"close", `{"by":"o-chen"}`, http.StatusConflict, "it is closed"},
	}
	for i, st := range steps {
		code, out := h.apiDo("POST", "/api/v1/hazards/"+id+"/"+st.path, testAPIToken, st.body)
		if code != st.code {
			t.Fatalf("step %d %s: %d %v, want %d", i, st.path, code, out, st.code)
		}
		if code == http.StatusOK && out["state"] != st.state {
			t.Fatalf("step %d %s: state %v, want %s", i, st.path, out["state"], st.state)
		}
		if msg, _ := out["error"].(string); code != http.StatusOK && !strings.Contains(msg, st.state) {
			t.Errorf("step %d %s: error %q, want it to say %q", i, st.path, msg, st.state)
		}
		if st.path == "rectified" && st.code == http.StatusOK && i == 1 {
			// Asked of 陈杰, not of 张明 who reported it.
			h.waitMsg(uChen, "已报整改", id, "张明")
		}
	}
	h.waitMsg(uZhang, "复查未通过", "接地线松动", "2026-12-05 18:00")
	h.waitMsg(uZhang, "已销号", id)

	code, out = h.apiDo("GET", "/api/v1/hazards/"+id, testAPIToken, "")
	hist, _ := out["history"].([]any)
	var states []string
	for _, s := range hist {
		states = append(states, s.(map[string]any)["state"].(string))
	}
	want := "found assigned rectified assigned rectified rechecked closed"
	if code != http.StatusOK || strings.Join(states, " ") != want || out["round"] != float64(2) ||
		out["rechecked_by"] != "o-zhang" || out["closed_by"] != "o-chen" || out["rectified_by"] != "enterprise" {
		t.Errorf("the hazard: %d %v", code, out)
	}
	if photos := hist[4].(map[string]any)["photos"].([]any); len(photos) != 2 {
		t.Errorf("the second fix's photos: %v", photos)
	}
	if due := hist[3].(map[string]any)["due"]; due != "2026-12-05T18:00:00+08:00" {
		t.Errorf("the send-back's deadline: %v", due)
	}
}

// TestHazardAPIOverdue: a hazard not fixed by its deadline raises a 叫应 to
// whoever is responsible (the finder, while no registry names the
// supervisor) that escalates to their unit head; the fix ends it.
func TestHazardAPIOverdue(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uWu} {
		h.bind(u)
	}
	code, out := h.apiDo("POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"deadline":"2026-11-30 09:00"`))
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	h.restart()
	due := time.Date(2026, 11, 30, 9, 0, 0, 0, start.Location())
	h.advanceTo(due.Add(-time.Minute))
	time.Sleep(50 * time.Millisecond)
	if a, ok := h.app.Engine.Linked("hazard:" + id); ok {
		t.Fatalf("a 叫应 %s before the deadline", a.ID)
	}
	h.advanceTo(due)
	call := h.waitMsg(uZhang, "隐患 "+id+" 逾期未整改", "重庆某某机械厂", "2026-11-30 09:00")
	button(t, call, "收到，立即督促整改")
	a, ok := h.app.Engine.Linked("hazard:" + id)
	if !ok || a.Kind != "hazard" || a.Level != "yellow" {
		t.Fatalf("the 叫应: %+v %v", a, ok)
	}
	h.waitScheduled(a.ID, "o-zhang", due.Add(10*time.Minute))
	h.advanceTo(due.Add(10 * time.Minute))
	h.waitScheduled(a.ID, "o-zhang", due.Add(20*time.Minute))
	h.advanceTo(due.Add(20 * time.Minute))
	h.waitMsg(uWu, "张明", "隐患 "+id)
	if r := h.recipient(a.ID, "o-zhang"); len(r.Escalations) != 2 || r.Escalations[1].To != "unit_head" {
		t.Errorf("escalations: %+v", r.Escalations)
	}
	code, out = h.apiDo("POST", "/api/v1/hazards/"+id+"/rectified", testAPIToken,
		`{"by":"enterprise","note":"已接地","photos":["p"]}`)
	if code != http.StatusOK || out["overdue"] != true {
		t.Fatalf("rectified: %d %v", code, out)
	}
	if st := h.alert(a.ID).State; st != "closed" {
		t.Errorf("the 叫应 is %s after the fix", st)
	}
}

// TestHazardAPIRefusals: bad input is refused with a 4xx naming the field.
func TestHazardAPIRefusals(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	code, out := h.apiDo("POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"deadline":"2026-12-03"`))
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	hz := "/api/v1/hazards/" + id
	tests := []struct {
		name, method, path, token, body string
		code                            int
		reason                          string
	}{
		{"no token", "GET", "/api/v1/hazards", "", "", http.StatusUnauthorized, "bearer token"},
		{"wrong token", "POST", "/api/v1/hazards", "nope", hazardBody(""), http.StatusUnauthorized, "bearer token"},
		{"mis-cased field", "POST", "/api/v1/hazards", testAPIToken, `{"Enterprise":"x"}`, 400, `unknown field "Enterprise"`},
		{"unknown nested field", "POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"five":{"money":"1"}`), 400, `unknown field "money"`},
		{"trailing garbage", "POST", "/api/v1/hazards", testAPIToken, hazardBody("") + "x", 400, "more after the JSON value"},
		{"NUL description", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "配电箱未接地", `\u0000`, 1), 400, "description: contains the control character"},
		{"no enterprise", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "91500106MA5U7X1234", " ", 1), 400, "enterprise: required"},
		{"no name for an unknown enterprise", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "重庆某某机械厂", "", 1), 400, "enterprise_name: unknown to the registry"},
		{"unknown unit", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), `"cgdd"`, `"nowhere"`, 1), 400, `unit: unknown unit "nowhere"`},
		{"unknown finder", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "o-zhang", "o-nobody", 1), 400, `found_by: unknown official "o-nobody"`},
		{"bad level", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "一般", "严重", 1), 400, "level:"},
		{"no description", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "配电箱未接地", "  ", 1), 400, "description: required"},
		{"bad location", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(""), "29.5", "129.5", 1), 400, "location:"},
		{"unreadable deadline", "POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"deadline":"tomorrow"`), 400, `deadline: "tomorrow" is not`},
		{"deadline past", "POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"deadline":"2026-11-29"`), 400, "deadline: must be in the future"},
		{"major without 五落实", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(`,"deadline":"2026-12-03"`), "一般", "重大", 1), 400, "five: a 重大隐患 is 挂牌督办"},
		{"major missing funds", "POST", "/api/v1/hazards", testAPIToken, strings.Replace(hazardBody(`,"deadline":"2026-12-03","five":{"responsibility":"厂长","measures":"停用","funds":"","time_limit":"15日","plan":"撤人"}`), "一般", "重大", 1), 400, "funds missing"},
		{"五落实 without a deadline", "POST", "/api/v1/hazards", testAPIToken, hazardBody(`,"five":{"responsibility":"厂长"}`), 400, "five:"},
		{"bad state", "GET", "/api/v1/hazards?state=open", testAPIToken, "", 400, `state: "open" is not one of found, assigned`},
		{"bad unit", "GET", "/api/v1/hazards?unit=nowhere", testAPIToken, "", 400, `unit: unknown unit "nowhere"`},
		{"unknown hazard", "GET", "/api/v1/hazards/H20990101-01", testAPIToken, "", 404, `no hazard "H20990101-01"`},
		{"unknown hazard fixed", "POST", "/api/v1/hazards/H20990101-01/rectified", testAPIToken, `{"by":"o-zhang","note":"x","photos":["p"]}`, 404, "no hazard"},
		{"fixed without by", "POST", hz + "/rectified", testAPIToken, `{"note":"已接地","photos":["p"]}`, 400, "by: required"},
		{"fixed by nobody", "POST", hz + "/rectified", testAPIToken, `{"by":"o-nobody","note":"已接地","photos":["p"]}`, 400, `by: unknown official "o-nobody"`},
		{"fixed by an outsider", "POST", hz + "/rectified", testAPIToken, `{"by":"o-duty","note":"已接地","photos":["p"]}`, 403, "by: o-duty may not act"},
		{"fixed without photos", "POST", hz + "/rectified", testAPIToken, `{"by":"enterprise","note":"已接地","photos":[]}`, 400, "photos: at least one photo"},
		{"fixed without a note", "POST", hz + "/rectified", testAPIToken, `{"by":"enterprise","photos":["p"]}`, 400, "note: required"},
		{"photos not a list", "POST", hz + "/rectified", testAPIToken, `{"by":"enterprise","note":"x","photos":"p"}`, 400, "bad JSON"},
		{"recheck without ok", "POST", hz + "/recheck", testAPIToken, `{"by":"o-chen"}`, 400, "ok: required"},
		{"send back without a deadline", "POST", hz + "/recheck", testAPIToken, `{"by":"o-chen","ok":false,"note":"x"}`, 400, "deadline: required"},
		{"a deadline with a pass", "POST", hz + "/recheck", testAPIToken, `{"by":"o-chen","ok":true,"deadline":"2026-12-09"}`, 400, "deadline: only for a recheck that fails"},
		{"recheck before a fix", "POST", hz + "/recheck", testAPIToken, `{"by":"o-chen","ok":true}`, 409, "it is assigned"},
		{"assign twice", "POST", hz + "/assign", testAPIToken, `{"by":"o-chen","deadline":"2026-12-09"}`, 409, "it is assigned"},
		{"assign by nobody", "POST", hz + "/assign", testAPIToken, `{"by":"o-nobody","deadline":"2026-12-09"}`, 400, `by: unknown official`},
		{"close without by", "POST", hz + "/close", testAPIToken, `{}`, 400, "by: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			code, out := h.apiDo(tt.method, tt.path, tt.token, tt.body)
			if code != tt.code {
				t.Fatalf("status = %d (%v), want %d", code, out, tt.code)
			}
			if msg, _ := out["error"].(string); !strings.Contains(msg, tt.reason) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.reason)
			}
		})
	}
	// Nothing refused was stored, and the one hazard is as it was.
	code, out = h.apiDo("GET", "/api/v1/hazards", testAPIToken, "")
	if list, _ := out["hazards"].([]any); code != http.StatusOK || len(list) != 1 ||
		list[0].(map[string]any)["state"] != "assigned" {
		t.Errorf("after the refusals: %d %v", code, out)
	}
	// A 重大隐患 with its 五落实 is assigned in one call.
	body := strings.Replace(hazardBody(`,"deadline":"2026-12-15","five":{"responsibility":"厂长","measures":"停用","funds":"8万元","time_limit":"15日","plan":"撤人"}`), "一般", "重大", 1)
	if code, out := h.apiDo("POST", "/api/v1/hazards", testAPIToken, body); code != http.StatusCreated ||
		out["level"] != "major" || out["state"] != "assigned" || fmt.Sprint(out["five"]) == "<nil>" {
		t.Errorf("a major hazard with its 五落实: %d %v", code, out)
	}
}

// TestHazardOfARegisteredEnterprise: a hazard naming an enterprise of the
// registry takes its name, 属地 unit and plaque from it: the supervisor
// (吴敏) is told of the 交办 and the enterprise head is the one responsible.
func TestHazardOfARegisteredEnterprise(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uWu} {
		h.bind(u)
	}
	var res struct{ Count int }
	if code := h.uploadEnterprises("台账.yaml", registryYAML(1, false), testAPIToken, &res); code != http.StatusOK || res.Count != 1 {
		t.Fatalf("registry import: %d %+v", code, res)
	}
	code, out := h.apiDo("POST", "/api/v1/hazards", testAPIToken, fmt.Sprintf(
		`{"enterprise":%q,"found_by":"o-zhang","level":"一般","description":"消防通道堵塞","deadline":"2026-12-03"}`, creditCode(1)))
	if code != http.StatusCreated || out["unit"] != "yjb" || out["enterprise_name"] != "企业1" {
		t.Fatalf("create: %d %v", code, out)
	}
	h.waitMsg(uWu, "隐患交办 "+out["id"].(string), "企业1", "消防通道堵塞", "何伟 13900000001")
}
