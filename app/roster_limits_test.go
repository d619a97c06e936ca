package app_test

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"dutybot/api"
	"dutybot/bot/fakeapi"
	"dutybot/roster/rostertest"
)

// sameShard returns a Telegram user id other than chat whose private chat
// goes to the same update shard as chat, by the bot's rule (bot.enqueue:
// FNV-32a of the chat id in decimal, modulo 64 shards).
func sameShard(chat int64) int64 {
	shard := func(id int64) uint32 {
		h := fnv.New32a()
		fmt.Fprint(h, id)
		return h.Sum32() % 64
	}
	for id := int64(900001); ; id++ {
		if shard(id) == shard(chat) {
			return id
		}
	}
}

// index returns the position of the bot message m among all the bot's
// messages, in send order.
func (h *harness) index(m fakeapi.Message) int {
	for i, x := range h.srv.AllMessages() {
		if x.ChatID == m.ChatID && x.ID == m.ID {
			return i
		}
	}
	h.t.Fatalf("message %d of chat %d not found", m.ID, m.ChatID)
	return -1
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Issue 11: a roster file was parsed on the sender's update shard, so every
// chat of that shard (1/64 of all) waited for it: a /start waited 32 s.
func TestRosterFileDoesNotHoldUpItsShard(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: withRoster(inspectionDates)})
	h.bind(uAdmin)
	neighbour := sameShard(uAdmin)
	h.srv.AddUser(fakeapi.User{ID: neighbour, FirstName: "邻居", LanguageCode: "zh-hans"})

	// Telegram takes 3 s to hand out the file: the import is under way
	// that long whatever the machine's speed.
	h.srv.Inject(fakeapi.Fault{Method: "getFile", Delay: 3 * time.Second})
	h.srv.SendDocument(uAdmin, "12月值班表.xlsx", rosterXLSX(t, "值班表", dayNight(date(12, 1), date(12, 3))))
	h.srv.SendText(neighbour, "/start")

	answered := h.waitMsg(neighbour, "分享我的手机号")
	imported := h.waitMsg(uAdmin, "✅ 值班表已导入：12月值班表.xlsx", "新增 6 个班次")
	if a, b := h.index(answered), h.index(imported); a > b {
		t.Errorf("the neighbour's /start was answered after the import (#%d, #%d): the file held up its shard", a, b)
	}
	// The sender heard at once that the file was being checked.
	checking := h.waitMsg(uAdmin, "正在检查", "12月值班表.xlsx")
	if a, b := h.index(checking), h.index(imported); a > b {
		t.Errorf("checking #%d after the import #%d", a, b)
	}
	if n := h.shiftCount(); n != 6 {
		t.Errorf("%d shifts stored, want 6", n)
	}
}

// Issue 11: a 169 KB workbook of rows without r= attributes took 375 s and
// 1.9 GB and was answered with 82 MB of problems.
func TestRosterBombInChatIsRefusedBriefly(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uAdmin)
	bomb := rostertest.RowBomb(30000) // 160 KB zipped
	h.srv.SendDocument(uAdmin, "值班表.xlsx", bomb)
	m := h.waitMsg(uAdmin, "值班表 值班表.xlsx 超过 10000 行", "未导入任何内容", "roster.import.max_rows")
	if n := utf16Len(m.Text); n > 400 {
		t.Errorf("answer of %d characters:\n%s", n, m.Text)
	}

	// Other limits are named too.
	h.srv.SendDocument(uAdmin, "合并.xlsx", rostertest.MergeBomb(20001))
	h.waitMsg(uAdmin, "合并.xlsx 的合并单元格超过 20000 处", "roster.import.max_merged_ranges")
	h.srv.SendDocument(uAdmin, "炸弹.xlsx", rostertest.ZipBomb(40<<20))
	h.waitMsg(uAdmin, "炸弹.xlsx 解压后超过 32.0 MB", "roster.import.max_unzipped_size")
	if n := h.shiftCount(); n != 0 {
		t.Errorf("%d shifts stored", n)
	}
}

func TestRosterWithManyBadRowsIsOneShortAnswer(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uAdmin)
	var csv strings.Builder
	csv.WriteString("日期,时间,带班领导,值班人员\n")
	for i := range 500 {
		fmt.Fprintf(&csv, "2026-12-%02d,全天,王某%s,张明\n", i%28+1, strings.Repeat("😀", 100))
	}
	h.srv.SendDocument(uAdmin, "错误.csv", []byte(csv.String()))
	m := h.waitMsg(uAdmin, "❌ 值班表 错误.csv 有 500 处问题，未导入任何内容")
	if n := strings.Count(m.Text, "\n第 "); n != 20 {
		t.Errorf("%d problems listed, want the first 20:\n%s", n, m.Text)
	}
	if !strings.Contains(m.Text, "另有 480 处问题未列出") {
		t.Errorf("the rest is not counted:\n%s", m.Text)
	}
	if n := utf16Len(m.Text); n > 4096 {
		t.Errorf("answer of %d UTF-16 units, over Telegram's 4096", n)
	}
	// One answer: nothing after it.
	time.Sleep(50 * time.Millisecond)
	if n := len(h.messages(uAdmin, "错误.csv")); n != 2 {
		t.Errorf("%d messages about 错误.csv, want 2 (checking, problems)", n)
	}
}

func TestRosterAPIRefusesHostileFiles(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var rej api.RosterErrorJSON
	if code := h.upload("值班表.xlsx", rostertest.RowBomb(30000), testAPIToken, &rej); code != http.StatusRequestEntityTooLarge ||
		rej.Limit != "roster.import.max_rows" || !strings.Contains(rej.Error, "more than 10000 rows") || len(rej.Error) > 200 {
		t.Errorf("row bomb: %d %+v", code, rej)
	}
	var csv strings.Builder
	csv.WriteString("日期,时间,带班领导,值班人员\n")
	for i := range 3000 {
		fmt.Fprintf(&csv, "2026-12-%02d,全天,王某,张明\n", i%28+1)
	}
	rej = api.RosterErrorJSON{}
	if code := h.upload("错误.csv", []byte(csv.String()), testAPIToken, &rej); code != http.StatusBadRequest ||
		len(rej.Rows) != 1000 || rej.More != 2000 || !strings.Contains(rej.Error, "3000 problems") {
		t.Errorf("3000 bad rows: %d, %d rows listed, %d more, %q", code, len(rej.Rows), rej.More, rej.Error)
	}
}

// A roster file is imported off its update shard, after its handler has
// returned; a stop while the file is still being fetched leaves the update
// in the inbox, and the file is imported at the next start, once.
func TestRosterFileCutShortByAStopIsImportedAtStart(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: withRoster(inspectionDates)})
	h.bind(uAdmin)
	h.srv.Inject(fakeapi.Fault{Method: "getFile", Delay: 3 * time.Second})
	h.srv.SendDocument(uAdmin, "12月值班表.xlsx", rosterXLSX(t, "值班表", dayNight(date(12, 1), date(12, 3))))
	h.waitMsg(uAdmin, "正在检查", "12月值班表.xlsx")
	h.restart()
	h.waitMsg(uAdmin, "✅ 值班表已导入：12月值班表.xlsx", "新增 6 个班次")
	if n := h.shiftCount(); n != 6 {
		t.Errorf("%d shifts stored, want 6", n)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(h.messages(uAdmin, "值班表已导入")); n != 1 {
		t.Errorf("%d import answers, want 1", n)
	}
	for _, m := range h.srv.Messages(uAdmin) {
		if strings.Contains(m.Text, "重新发送") {
			t.Errorf("the sender was asked to send the file again: %s", m.Text)
		}
	}
}
