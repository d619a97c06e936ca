package sandbox

import (
	"net/http"
	"slices"
	"testing"

	"dutybot/catalogue"
	"dutybot/duty"
	"dutybot/enterprise"
)

// The sandbox starts with the example registry, so /check offers an
// official their own 挂牌企业 at once.
func TestSandboxLoadsTheExampleRegistry(t *testing.T) {
	sb := start(t, 60)
	list, err := sb.app.Enterprises.List()
	if err != nil || len(list) == 0 {
		t.Fatalf("registry after start: %d enterprises, %v", len(list), err)
	}
	bind(t, sb, "o-sunli")
	if code := do(t, sb, "POST", "/sandbox/send", sendReq{As: "o-sunli", Text: "/check"}, nil); code != http.StatusOK {
		t.Fatalf("send /check: %d", code)
	}
	c := waitChat(t, sb, "o-sunli", "/check offers 孙丽's enterprises", botSays("请选择要检查的企业：下方是您挂牌的企业"))
	m, _ := find(c, "下方是您挂牌的企业")
	var labels []string
	for _, row := range m.Buttons {
		for _, b := range row {
			labels = append(labels, b.Text)
		}
	}
	if !slices.Contains(labels, "含谷精工机械有限公司") {
		t.Errorf("/check offers %q, not 孙丽's 含谷精工机械有限公司", labels)
	}
}

// The example registry fits the example town's item 19: everyone on a
// plaque (行政负责人, 行业部门监管负责人) owes 19.2, the monthly inspections
// of their 挂牌企业, and everyone who owes it holds a plaque, so each
// official's quota can be met from /check and no plaque names a 挂名负责人
// the plan does not hold to it.
func TestExampleRegistryPlaquesOweTheQuota(t *testing.T) {
	cfg := loadExample(t)
	plan, err := catalogue.Load("", cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, p, ok := plan.Point(19, 2)
	if !ok || p.Counted != "inspections" {
		t.Fatalf("19.2 of the plan: %+v", p)
	}
	var owers []string
	for _, h := range duty.Holders(cfg, p) {
		owers = append(owers, h.Official)
	}
	list, err := enterprise.ParseFile("../"+DemoRegistry, cfg)
	if err != nil {
		t.Fatal(err)
	}
	holders := map[string]bool{}
	for _, e := range list {
		for _, id := range []string{e.Admin, e.Supervisor} {
			holders[id] = true
			if !slices.Contains(owers, id) {
				t.Errorf("%s: %s is on its plaque but does not owe 19.2 (owers %v)", e.Name, cfg.OfficialName(id), owers)
			}
		}
	}
	for _, id := range owers {
		if !holders[id] {
			t.Errorf("%s owes 19.2 but holds no plaque of the example registry", cfg.OfficialName(id))
		}
	}
}
