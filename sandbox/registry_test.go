package sandbox

import (
	"net/http"
	"slices"
	"testing"
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
