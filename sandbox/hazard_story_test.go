package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// say sends text as the official, as typing it in the page does.
func say(t *testing.T, sb *Sandbox, official, text string) {
	t.Helper()
	if code := do(t, sb, "POST", "/sandbox/send", sendReq{As: official, Text: text}, nil); code != http.StatusOK {
		t.Fatalf("%s sends %q: %d", official, text, code)
	}
}

// tap presses the button labelled label on the bot message m, as the
// official, and returns the toast.
func tap(t *testing.T, sb *Sandbox, official string, m Item, label string) Toast {
	t.Helper()
	var toast Toast
	if code := do(t, sb, "POST", "/sandbox/press", pressReq{As: official, Message: m.ID, Data: button(t, m, label)}, &toast); code != http.StatusOK {
		t.Fatalf("%s presses %q on #%d: %d", official, label, m.ID, code)
	}
	return toast
}

// await waits for a bot message in the official's chat containing every
// part, and returns the latest such.
func await(t *testing.T, sb *Sandbox, official string, parts ...string) Item {
	t.Helper()
	c := waitChat(t, sb, official, fmt.Sprintf("%q", parts), botSays(parts...))
	return last(c, parts...)
}

// last returns the latest bot message containing every part.
func last(c Chat, parts ...string) Item {
	var out Item
	for _, m := range c.Messages {
		if m.From == "bot" && containsAll(m.Text, parts...) {
			out = m
		}
	}
	return out
}

// count counts the bot messages containing every part.
func count(c Chat, parts ...string) int {
	n := 0
	for _, m := range c.Messages {
		if m.From == "bot" && containsAll(m.Text, parts...) {
			n++
		}
	}
	return n
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func hasButton(m Item, label string) bool {
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return true
			}
		}
	}
	return false
}

// chat reads the official's chat.
func chat(t *testing.T, sb *Sandbox, official string) Chat {
	t.Helper()
	var c Chat
	if code := do(t, sb, "GET", "/sandbox/chat?as="+official, nil, &c); code != http.StatusOK {
		t.Fatalf("chat of %s: %d", official, code)
	}
	return c
}

// quotaLine finds, paging through /mytasks as the official does, the line
// of the item whose text has what, and reports whether a button offers to
// add to it by hand.
func quotaLine(t *testing.T, sb *Sandbox, official, what string) (line string, plusOne bool) {
	t.Helper()
	say(t, sb, official, "/mytasks")
	before := count(chat(t, sb, official), "📋 我的任务")
	c := waitChat(t, sb, official, "/mytasks", func(c Chat) bool { return count(c, "📋 我的任务") > before })
	m := last(c, "📋 我的任务")
	pages := 1
	for _, row := range m.Buttons {
		for _, b := range row {
			if n, _ := fmt.Sscanf(b.Text, "1/%d", &pages); n == 1 {
				break
			}
		}
	}
	for page := 1; ; page++ {
		if page > 1 {
			want := fmt.Sprintf("%d/%d", page, pages)
			tap(t, sb, official, m, "▶")
			c = waitChat(t, sb, official, "page "+want, func(c Chat) bool {
				for _, x := range c.Messages {
					if x.ID == m.ID && hasButton(x, want) {
						return true
					}
				}
				return false
			})
			for _, x := range c.Messages {
				if x.ID == m.ID {
					m = x
				}
			}
		}
		for _, l := range strings.Split(m.Text, "\n") {
			if strings.Contains(l, what) {
				return strings.TrimSpace(l), hasButton(m, what)
			}
		}
		if page >= pages {
			t.Fatalf("%s's /mytasks has no %q on its %d pages; the last:\n%s", official, what, pages, m.Text)
		}
	}
}

// The walk-through of the hazard loop, played as a user of the sandbox
// plays it: 孙丽, 行业部门监管负责人 of 含谷精工机械有限公司, inspects it with
// /check and a photo, and finds one 一般隐患 with a 7-day deadline; 杨帆
// (head of its 属地 含谷村) and 李芳 (its 行政负责人) are told of the 交办;
// 杨帆 reports the fix with a photo; 孙丽 is asked to recheck, sees the
// photo, passes it and closes it; 杨帆 learns of the pass and the 销号,
// once each, 李芳 of the 销号. 孙丽's /mytasks counts the inspection at
// once (检查挂牌企业 1/2) and the hazard once closed (督促整改隐患 1/2),
// with no button to count them by hand.
func TestHazardStoryWalkThrough(t *testing.T) {
	const sun, yang, li = "o-sunli", "o-yangfan", "o-lifang"
	const works = "含谷精工机械有限公司"
	sb := start(t, 60)
	for _, o := range []string{sun, yang, li} {
		bind(t, sb, o)
	}

	// The page tells the story, with the sample photo at hand.
	resp, page := get(t, sb, "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "一次检查发现一处隐患，整改复查销号") ||
		!strings.Contains(string(page), `<button type="button" class="step-photo" data-as="o-sunli">📷 发送示例照片</button>`) {
		t.Fatalf("the page does not tell the hazard story:\n%s", page)
	}

	// Before: nothing counted this month.
	if l, plus := quotaLine(t, sb, sun, "检查挂牌企业"); !strings.Contains(l, "0/2") || plus {
		t.Fatalf("孙丽's 检查挂牌企业 before the inspection: %q (➕1 offered: %v)", l, plus)
	}

	// 孙丽 inspects with /check.
	say(t, sb, sun, "/check")
	m := await(t, sb, sun, "下方是您挂牌的企业")
	tap(t, sb, sun, m, works)
	tap(t, sb, sun, await(t, sb, sun, "请选择本次记录的类型"), "检查指导")
	await(t, sb, sun, "请输入检查内容")
	say(t, sb, sun, "二号车间配电房、消防通道、特种设备台账")
	await(t, sb, sun, "请输入发现的问题")
	say(t, sb, sun, "二号车间配电箱未接地")
	await(t, sb, sun, "请发送现场照片")
	if code, out := sendPhoto(t, sb, sun, "配电箱.png", pngOf(t), ""); code != http.StatusOK {
		t.Fatalf("孙丽's photo: %d %v", code, out)
	}
	tap(t, sb, sun, await(t, sb, sun, "已收到照片 1 张"), "完成")
	tap(t, sb, sun, await(t, sb, sun, "请分享现场位置"), "跳过")
	tap(t, sb, sun, await(t, sb, sun, "本次检查是否发现隐患"), "登记隐患")
	tap(t, sb, sun, await(t, sb, sun, "请选择隐患等级"), "一般隐患")
	await(t, sb, sun, "请描述隐患")
	say(t, sb, sun, "二号车间配电箱未接地，电线老化裸露")
	tap(t, sb, sun, await(t, sb, sun, "整改期限？"), "7天")
	tap(t, sb, sun, await(t, sb, sun, "企业整改责任人"), "何伟（企业单位负责人）")
	tap(t, sb, sun, await(t, sb, sun, "已登记隐患 1 项"), "没有了，预览")
	preview := await(t, sb, sun, "请确认检查记录", works, "照片：1 张", "【一般隐患】二号车间配电箱未接地", "责任人 何伟")
	if toast := tap(t, sb, sun, preview, "提交"); !strings.Contains(toast.Text, "已提交") {
		t.Errorf("submit toast: %+v", toast)
	}
	saved := await(t, sb, sun, "已保存", works, "检查指导")
	id := regexp.MustCompile(`H\d{8}-\d{2}`).FindString(saved.Text)
	if id == "" {
		t.Fatalf("the saved inspection names no hazard:\n%s", saved.Text)
	}
	if !strings.Contains(saved.Text, "隐患 "+id+"：二号车间配电箱未接地") {
		t.Errorf("孙丽's confirmation:\n%s", saved.Text)
	}

	// 交办: the 属地 head and the 行政负责人, with the inspection's photo
	// as the hazard's evidence; not 孙丽, who gave it.
	assigned := await(t, sb, yang, "📋 隐患交办 "+id+"（孙丽 交办）", works, "等级：一般隐患", "二号车间配电箱未接地", "照片：1 张", "整改责任人：何伟")
	if !hasButton(assigned, "报告整改") || hasButton(assigned, "复查通过") {
		t.Errorf("杨帆's 交办 offers %v", assigned.Buttons)
	}
	await(t, sb, li, "📋 隐患交办 "+id, works)
	if n := count(chat(t, sb, sun), "隐患交办 "+id); n != 0 {
		t.Errorf("孙丽 was told of her own 交办 %d times", n)
	}
	if l, plus := quotaLine(t, sb, sun, "检查挂牌企业"); !strings.Contains(l, "▰▱ 1/2") || !strings.Contains(l, "/check") || plus {
		t.Errorf("孙丽's 检查挂牌企业 after the inspection: %q (➕1 offered: %v)", l, plus)
	}
	if l, _ := quotaLine(t, sb, sun, "督促整改隐患"); !strings.Contains(l, "0/2") {
		t.Errorf("孙丽's 督促整改隐患 before the 销号: %q", l)
	}

	// 整改: 杨帆 reports the fix with a photo (the sample) and a note.
	tap(t, sb, yang, assigned, "报告整改")
	await(t, sb, yang, "报告整改 "+id, "第 1 步")
	if code, out := sendPhoto(t, sb, yang, "", nil, ""); code != http.StatusOK {
		t.Fatalf("杨帆's photo: %d %v", code, out)
	}
	tap(t, sb, yang, await(t, sb, yang, "已收到照片 1 张"), "照片已发完")
	await(t, sb, yang, "第 2 步")
	say(t, sb, yang, "已重新接地并更换老化电线")
	await(t, sb, yang, "隐患 "+id+" 已报整改（照片 1 张），已请 孙丽 复查")

	// 复查: 孙丽 is asked, sees the photo of the fix, passes it.
	recheck := await(t, sb, sun, "🛠 隐患 "+id, works, "已报整改：杨帆", "附照片 1 张", "已重新接地并更换老化电线")
	for _, l := range []string{"复查通过", "退回整改", "查看照片（1 张）"} {
		if !hasButton(recheck, l) {
			t.Fatalf("孙丽's recheck request lacks %q: %v", l, recheck.Buttons)
		}
	}
	if n := count(chat(t, sb, li), "已报整改"); n != 0 {
		t.Errorf("李芳 was asked to recheck (%d)", n)
	}
	tap(t, sb, sun, recheck, "查看照片")
	c := waitChat(t, sb, sun, "the photo of the fix", func(c Chat) bool {
		return slices.ContainsFunc(c.Messages, func(m Item) bool { return m.From == "bot" && m.Photo != "" })
	})
	for _, m := range c.Messages {
		if m.From == "bot" && m.Photo != "" {
			if resp, data := get(t, sb, m.Photo); resp.Header.Get("Content-Type") != "image/png" || len(data) == 0 {
				t.Errorf("the photo of the fix in 孙丽's chat: %s %q", resp.Status, resp.Header.Get("Content-Type"))
			}
		}
	}
	tap(t, sb, sun, recheck, "复查通过")
	tap(t, sb, sun, await(t, sb, sun, "复查通过 "+id, "复查意见"), "确认复查通过")
	passed := await(t, sb, sun, "隐患 "+id+" 复查通过", "销号")

	// 杨帆, who fixed it, learns it passed, once; 李芳 is not told of the
	// recheck.
	notice := await(t, sb, yang, "✔️ 隐患 "+id, works, "复查通过（孙丽")
	if !hasButton(notice, "销号") {
		t.Errorf("杨帆's pass notice offers %v", notice.Buttons)
	}

	// 销号.
	if toast := tap(t, sb, sun, passed, "销号"); !strings.Contains(toast.Text, "已销号") {
		t.Errorf("close toast: %+v", toast)
	}
	await(t, sb, yang, "✅ 隐患 "+id, works, "已销号（孙丽")
	await(t, sb, li, "✅ 隐患 "+id, works, "已销号（孙丽")
	yc, lc, sc := chat(t, sb, yang), chat(t, sb, li), chat(t, sb, sun)
	for _, tc := range []struct {
		who   string
		c     Chat
		parts []string
		want  int
	}{
		{"杨帆 of the pass", yc, []string{"✔️ 隐患 " + id}, 1},
		{"杨帆 of the 销号", yc, []string{"✅ 隐患 " + id, "已销号"}, 1},
		{"李芳 of the 交办", lc, []string{"隐患交办 " + id}, 1},
		{"李芳 of the pass", lc, []string{"✔️ 隐患 " + id}, 0},
		{"李芳 of the 销号", lc, []string{"✅ 隐患 " + id, "已销号"}, 1},
		{"孙丽 of her own pass", sc, []string{"✔️ 隐患 " + id}, 0},
		{"孙丽 of her own 销号", sc, []string{"✅ 隐患 " + id, "已销号（"}, 0},
	} {
		if n := count(tc.c, tc.parts...); n != tc.want {
			t.Errorf("%s: %d messages, want %d", tc.who, n, tc.want)
		}
	}

	// The quota: the closed hazard counts for 孙丽, the inspection still.
	if l, plus := quotaLine(t, sb, sun, "督促整改隐患"); !strings.Contains(l, "▰▱ 1/2") || !strings.Contains(l, "销号") || plus {
		t.Errorf("孙丽's 督促整改隐患 after the 销号: %q (➕1 offered: %v)", l, plus)
	}
	if l, _ := quotaLine(t, sb, sun, "检查挂牌企业"); !strings.Contains(l, "▰▱ 1/2") {
		t.Errorf("孙丽's 检查挂牌企业 after the 销号: %q", l)
	}
}
