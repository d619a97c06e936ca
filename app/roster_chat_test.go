package app_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

func TestRosterImportInChatByAdmin(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: withRoster(inspectionDates)})
	h.bind(uAdmin)
	file := rosterXLSX(t, "含谷镇2026年12月值班表", dayNight(date(12, 1), date(12, 3)))
	h.srv.SendDocument(uAdmin, "12月值班表.xlsx", file)
	m := h.waitMsg(uAdmin, "✅ 值班表已导入：12月值班表.xlsx", "新增 6 个班次（2026-12-01 08:00 至 2026-12-04 08:00），替换原有 0 个")
	for _, want := range []string{"特殊时段检查", "【区安全生产专项检查】2026-12-02 至 2026-12-05", "12-04 至 12-05 全天无人值班（2 天）"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("reply lacks %q:\n%s", want, m.Text)
		}
	}
	if n := h.shiftCount(); n != 6 {
		t.Fatalf("%d shifts stored, want 6", n)
	}
	if ev := h.events("roster_imported"); len(ev) != 1 || ev[0].Actor != "o-admin" {
		t.Errorf("events = %+v", ev)
	}

	// Filling the rest leaves no gap.
	h.srv.SendDocument(uAdmin, "补充.csv", []byte("日期,时间,带班领导,值班人员\n2026-12-04,全天,刘洋,张明\n2026-12-05,全天,何军,李芳\n"))
	m = h.waitMsg(uAdmin, "✅ 值班表已导入：补充.csv", "新增 2 个班次")
	if !strings.Contains(m.Text, "涉及的特殊时段均已排满") {
		t.Errorf("reply:\n%s", m.Text)
	}

	// Every bad row is listed; nothing is stored.
	rows := []rosterRow{
		{date: date(12, 10), hours: "08:00-18:00", leader: "刘洋", staff: "张明"},
		{hours: "18:00-次日08:00", staff: "王某"},
		{date: date(12, 11), hours: "08:00-次日08:00", staff: "李芳"},
		{date: date(12, 10), hours: "9点-17点", leader: "何军", staff: "张明"},
	}
	h.srv.SendDocument(uAdmin, "错误.xlsx", rosterXLSX(t, "值班表", rows))
	m = h.waitMsg(uAdmin, "❌ 值班表 错误.xlsx 有 3 处问题，未导入任何内容")
	for _, want := range []string{"第 4 行（值班人员）：“王某”不是配置中的人员", "第 5 行（带班领导）：缺少带班领导",
		"第 6 行（值班人员）：张明与第 3 行的班次（2026-12-10 08:00–18:00）时间重叠"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("problems lack %q:\n%s", want, m.Text)
		}
	}
	if n := h.shiftCount(); n != 8 {
		t.Errorf("%d shifts after a bad file, want 8", n)
	}

	// Files that are no readable roster.
	h.srv.SendDocument(uAdmin, "值班表.xls", []byte{0xd0, 0xcf, 0x11, 0xe0})
	h.waitMsg(uAdmin, "值班表.xls 是旧版 Excel/WPS 格式", "另存为", ".xlsx", "CSV")
	h.srv.SendDocument(uAdmin, "值班表.et", []byte{0xd0, 0xcf, 0x11, 0xe0})
	h.waitMsg(uAdmin, "值班表.et 是旧版 Excel/WPS 格式")
	h.srv.SendDocument(uAdmin, "通知.pdf", []byte("%PDF-1.4"))
	h.waitMsg(uAdmin, "不支持的文件类型：通知.pdf")
	h.srv.SendDocument(uAdmin, "坏.xlsx", []byte("not a workbook"))
	h.waitMsg(uAdmin, "无法读取值班表 坏.xlsx", "未导入任何内容")
	h.srv.SendDocument(uAdmin, "大.csv", bytes.Repeat([]byte("x"), 10<<20+1))
	h.waitMsg(uAdmin, "文件 大.csv 太大（10.1 MB）", "不能超过 10.0 MB")
	// Telegram failing to hand out the file.
	h.srv.Inject(fakeapi.Fault{Method: "getFile", Code: 500})
	h.srv.SendDocument(uAdmin, "重发.csv", []byte("日期,时间,带班领导,值班人员\n2026-12-20,全天,刘洋,张明\n"))
	h.waitMsg(uAdmin, "下载文件 重发.csv 失败，请稍后重新发送")
	if n := h.shiftCount(); n != 8 {
		t.Errorf("%d shifts after refused files, want 8", n)
	}
}

func TestRosterImportRefusedForStaffAndGroups(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	h.bind(uAdmin)
	file := rosterXLSX(t, "值班表", dayNight(date(12, 1), date(12, 1)))

	h.srv.SendDocument(uZhang, "值班表.xlsx", file)
	h.waitMsg(uZhang, "只有管理员可以导入值班表", "未做任何更改")
	h.srv.SendDocument(uDuty, "值班表.xlsx", file) // not bound
	h.waitMsg(uDuty, "分享我的手机号")

	h.srv.SendGroupDocument(-500, uAdmin, "值班表.xlsx", file)
	h.waitMsg(-500, "请在与我的私聊中发送值班表")
	// Other files in a work group are none of the bot's business.
	h.srv.SendGroupDocument(-500, uAdmin, "照片.jpg", []byte{0xff, 0xd8})
	// A marker: updates of one chat are handled in order.
	h.srv.SendGroupDocument(-500, uZhang, "值班表.csv", []byte("日期,时间,带班领导,值班人员\n"))
	h.eventually("two answers in the group", func() bool { return len(h.srv.Messages(-500)) >= 2 })
	time.Sleep(20 * time.Millisecond)
	if n := len(h.srv.Messages(-500)); n != 2 {
		t.Errorf("%d bot messages in the group, want 2 (none for the photo)", n)
	}
	if n := h.shiftCount(); n != 0 {
		t.Errorf("%d shifts stored by refused senders", n)
	}
	if strings.Contains(h.logs.String(), testToken) {
		t.Error("the bot token appeared in the logs")
	}
}
