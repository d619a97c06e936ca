package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/app"
	"dutybot/locales"
)

// waitGroup waits, with the wait endpoint, until the work group's chat
// satisfies cond.
func waitGroup(t *testing.T, sb *Sandbox, group, what string, cond func(GroupChat) bool) GroupChat {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var c GroupChat
		if code := do(t, sb, "GET", "/sandbox/group?group="+group, nil, &c); code != http.StatusOK {
			t.Fatalf("chat of group %s: %d", group, code)
		}
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s never showed %s; it has:\n%s", group, what, describe(Chat{Messages: c.Messages}))
		}
		var w struct{ Version uint64 }
		if code := do(t, sb, "GET", fmt.Sprintf("/sandbox/wait?after=%d", c.Version), nil, &w); code != http.StatusOK {
			t.Fatalf("wait: %d", code)
		}
	}
}

// groupSays waits for a bot message in the group containing every part,
// and returns the latest such.
func groupSays(t *testing.T, sb *Sandbox, group string, parts ...string) Item {
	t.Helper()
	c := waitGroup(t, sb, group, fmt.Sprintf("%q", parts), func(c GroupChat) bool {
		return count(Chat{Messages: c.Messages}, parts...) > 0
	})
	return last(Chat{Messages: c.Messages}, parts...)
}

// groupTap presses the button labelled label on the group's bot message m
// as the official, and returns the toast.
func groupTap(t *testing.T, sb *Sandbox, group, official string, m Item, label string) Toast {
	t.Helper()
	var toast Toast
	req := groupPressReq{Group: group, As: official, Message: m.ID, Data: button(t, m, label)}
	if code := do(t, sb, "POST", "/sandbox/group/press", req, &toast); code != http.StatusOK {
		t.Fatalf("%s presses %q on #%d in %s: %d", official, label, m.ID, group, code)
	}
	return toast
}

// The work-group story over the sandbox's HTTP API: the group exists with
// its members and the bot; 黄磊 raises the 叫应 in it; 朱红, 王强 and 黄磊
// press ✅ 收到 and the one message counts them, 1/8, 2/8, 3/8, naming the
// silent; 杨帆 is reminded privately, not named in the group, and
// escalated to 王强.
func TestGroupStoryWalkThrough(t *testing.T) {
	sb := start(t, 120)
	const g = groupStoryGroup

	var list struct {
		Groups []GroupInfo `json:"groups"`
	}
	if code := do(t, sb, "GET", "/sandbox/groups", nil, &list); code != http.StatusOK {
		t.Fatalf("groups: %d", code)
	}
	i := slices.IndexFunc(list.Groups, func(gi GroupInfo) bool { return gi.ID == g })
	if i < 0 {
		t.Fatalf("no %s among %+v", g, list.Groups)
	}
	flood := list.Groups[i]
	var names []string
	for _, m := range flood.Members {
		names = append(names, m.Name)
	}
	if flood.Name != "防汛群" || len(names) != 8 || !slices.Contains(names, "杨帆") || !slices.Contains(names, "朱红") {
		t.Fatalf("防汛群 = %q with %q, want its 8 expected officials", flood.Name, names)
	}
	total := len(flood.Members)

	for _, o := range []string{groupStoryDuty, groupStoryFirst, groupStoryLeader, groupStorySilent} {
		bind(t, sb, o)
	}
	// The bot knows the groups as bound, and may post in each.
	say(t, sb, groupStoryDuty, "/groups")
	groups := await(t, sb, groupStoryDuty, "工作群（3 个）")
	for _, name := range []string{"镇安全生产工作群", "防汛群", "村社区书记群"} {
		if !strings.Contains(groups.Text, "· "+name) || strings.Count(groups.Text, "可以发言") != 3 || strings.Contains(groups.Text, "未绑定") {
			t.Errorf("/groups does not show %s bound and able to post:\n%s", name, groups.Text)
		}
	}

	if code := do(t, sb, "POST", "/sandbox/group/send", groupSendReq{Group: g, As: groupStoryDuty, Text: GroupStoryAlert}, nil); code != http.StatusOK {
		t.Fatalf("send the alert in the group: %d", code)
	}
	call := groupSays(t, sb, g, "暴雨橙色预警", "请以下人员确认", fmt.Sprintf("已应 0/%d", total))
	groupSays(t, sb, g, fmt.Sprintf("共 %d 人需确认", total))
	if strings.Contains(call.Text, "138") {
		t.Errorf("a phone number in the group:\n%s", call.Text)
	}
	var c GroupChat
	do(t, sb, "GET", "/sandbox/group?group="+g, nil, &c)
	if i := slices.IndexFunc(c.Messages, func(m Item) bool { return m.From == "user" }); i < 0 || c.Messages[i].By != "黄磊" || c.Messages[i].Text != GroupStoryAlert {
		t.Errorf("the group does not show 黄磊's command: %s", describe(Chat{Messages: c.Messages}))
	}

	silent := []string{"李芳", "王强", "赵静", "杨帆", "黄磊", "吴敏", "朱红", "胡军"}
	for n, o := range []string{groupStoryFirst, groupStoryLeader, groupStoryDuty} {
		who := sb.people[sb.byID[o]].Name
		if toast := groupTap(t, sb, g, o, call, "✅ 收到"); !toast.Answered || !strings.Contains(toast.Text, "已确认收到") {
			t.Errorf("%s's press: %+v", who, toast)
		}
		silent = slices.DeleteFunc(silent, func(s string) bool { return s == who })
		want := fmt.Sprintf("已应 %d/%d · 未应：%s", n+1, total, strings.Join(silent, "、"))
		m := groupSays(t, sb, g, want)
		if m.ID != call.ID || m.Edited == "" {
			t.Errorf("the count is in message #%d (edited %q), want the call #%d edited in place", m.ID, m.Edited, call.ID)
		}
	}
	if toast := groupTap(t, sb, g, groupStoryFirst, call, "✅ 收到"); !strings.Contains(toast.Text, "已确认") {
		t.Errorf("a second press: %+v", toast)
	}

	// 杨帆 is reminded privately; the group names only the unbound.
	await(t, sb, groupStorySilent, "第二次叫应", "暴雨橙色预警")
	rem := groupSays(t, sb, g, "仍未确认")
	if strings.Contains(rem.Text, "杨帆") || !strings.Contains(rem.Text, "李芳") {
		t.Errorf("the group reminder should name the unbound, not 杨帆: %s", rem.Text)
	}
	await(t, sb, groupStoryLeader, "叫应升级", "杨帆")
	c = waitGroup(t, sb, g, "the call", func(GroupChat) bool { return true })
	if m, _ := find(Chat{Messages: c.Messages}, "暴雨橙色预警", "请以下人员确认"); !strings.Contains(m.Text, fmt.Sprintf("已应 3/%d", total)) || !strings.Contains(m.Text, "杨帆") {
		t.Errorf("after the escalation the call reads:\n%s", m.Text)
	}
	if n := sb.fake.Stats().TooMany; n != 0 {
		t.Errorf("%d × 429 from the fake server", n)
	}
}

// Bad input to the group endpoints is refused and sends nothing.
func TestGroupEndpointsRefuseBadInput(t *testing.T) {
	sb := start(t, 60)
	before := sb.fake.Version()
	for _, tt := range []struct {
		path string
		body any
		want int
	}{
		{"/sandbox/group/send", groupSendReq{Group: "g-nowhere", As: groupStoryDuty, Text: "hi"}, http.StatusNotFound},
		{"/sandbox/group/send", groupSendReq{Group: groupStoryGroup, As: "o-nobody", Text: "hi"}, http.StatusNotFound},
		{"/sandbox/group/send", groupSendReq{Group: groupStoryGroup, As: groupStoryDuty, Text: "  "}, http.StatusBadRequest},
		{"/sandbox/group/send", groupSendReq{As: groupStoryDuty, Text: "hi"}, http.StatusBadRequest},
		{"/sandbox/group/press", groupPressReq{Group: groupStoryGroup, As: groupStoryDuty, Message: 99, Data: "x"}, http.StatusNotFound},
		{"/sandbox/group/send", "not json", http.StatusBadRequest},
	} {
		if code := do(t, sb, "POST", tt.path, tt.body, nil); code != tt.want {
			t.Errorf("POST %s %+v: %d, want %d", tt.path, tt.body, code, tt.want)
		}
	}
	if code := do(t, sb, "GET", "/sandbox/group?group=g-nowhere", nil, nil); code != http.StatusNotFound {
		t.Errorf("unknown group's chat: %d", code)
	}
	if v := sb.fake.Version(); v != before {
		t.Errorf("bad requests changed the fake server (version %d → %d)", before, v)
	}
}

// The group story names the example town's people in both languages, in
// order: the alert in the group, three presses there, then the silent
// one's private chat and the leader's.
func TestGroupStorySteps(t *testing.T) {
	cfg := loadExample(t)
	ppl, err := people(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{locales.ZH, locales.EN} {
		cat, err := locales.New(lang)
		if err != nil {
			t.Fatal(err)
		}
		sb := &Sandbox{cfg: cfg, app: &app.App{Catalog: cat}, people: ppl, byID: map[string]int{}}
		for i, p := range ppl {
			sb.byID[p.ID] = i
		}
		sb.groups = []workGroup{{ID: groupStoryGroup, Name: "防汛群"}}
		if steps := sb.groupSteps(lang); steps != nil {
			t.Errorf("%s: a story without the group's members: %+v", lang, steps)
		}
		for _, o := range cfg.GroupMembers(groupStoryGroup) {
			sb.groups[0].Expected = append(sb.groups[0].Expected, o.ID)
		}
		steps := sb.groupSteps(lang)
		var inGroup []string
		for _, s := range steps {
			if strings.Contains(s.Text, "{{") || strings.Contains(s.Text, "<no value>") || s.Text == "" {
				t.Errorf("%s: step %q is not filled in", lang, s.Text)
			}
			if s.Group != "" {
				inGroup = append(inGroup, s.As)
			}
		}
		want := []string{groupStoryDuty, groupStoryFirst, groupStoryLeader, groupStoryDuty}
		if !slices.Equal(inGroup, want) || steps[1].Cmd != GroupStoryAlert {
			t.Errorf("%s: steps in the group played by %v, want %v; the command %q", lang, inGroup, want, steps[1].Cmd)
		}
		if !strings.Contains(steps[2].Text, "1/8") || !strings.Contains(steps[4].Text, "3/8") {
			t.Errorf("%s: the presses do not show the count: %q, %q", lang, steps[2].Text, steps[4].Text)
		}
		if last := steps[len(steps)-1]; last.As != groupStoryLeader || last.Group != "" {
			t.Errorf("%s: the story ends with %+v, want the leader's private chat", lang, last)
		}
	}
}

// The page lists the work groups and the group story in both languages.
func TestPageShowsGroupsInBothLanguages(t *testing.T) {
	sb := start(t, 60)
	for _, tt := range []struct{ lang, title, story string }{
		{locales.ZH, "工作群", "工作群叫应：三人在群里确认"},
		{locales.EN, "Work groups", "A 叫应 in a work group: three people confirm in the group"},
	} {
		resp, err := http.Get(sb.URL() + "?lang=" + tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		page := string(data)
		for _, want := range []string{`<h2 class="groups-title">` + tt.title + `</h2>`, tt.story,
			`data-as="o-zhuhong" data-group="g-flood"`, `data-group="g-flood" data-cmd="` + GroupStoryAlert + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", tt.lang, want)
			}
		}
	}
}
