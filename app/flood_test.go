package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutybot/bot/fakeapi"
)

// strangerBase numbers the flooding accounts; none is in the configuration.
const strangerBase int64 = 900_000

// A flood from 300 unknown accounts, each sending /start, a text and
// someone else's contact (900 updates), queues their answers at Telegram's
// pace (30 a second). A red call created right after goes before them: at
// most the sends already in flight reach strangers between the call being
// created and it reaching the official, where today the call waited for
// the whole flood to drain first.
func TestStrangerFloodDoesNotDelayRedCall(t *testing.T) {
	h := newHarness(t, harnessOpts{limits: fakeapi.TelegramLimits(), edit: func(y string) string {
		y = strings.Replace(y, "global_per_second: 1000", "global_per_second: 30", 1)
		return strings.Replace(y, "chat_per_second: 1000", "chat_per_second: 1", 1)
	}})
	h.bind(uZhang)
	h.bind(uAdmin)
	handled := func() int { return int(h.metric("dutybot_updates_handled_total")) }
	base := handled()
	const strangers = 300
	for i := range int64(strangers) {
		u := strangerBase + i
		h.srv.SendText(u, "/start")
		h.srv.SendText(u, "你好，我要报名")
		h.srv.ShareContact(u, fmt.Sprintf("1390000%04d", i), uZhang)
	}
	h.within(time.Minute, "the flood handled", func() bool { return handled() >= base+3*strangers },
		func() string { return fmt.Sprint(handled()-base, " handled") })
	queued := h.metric("dutybot_outbox_length")
	if queued < 100 {
		t.Fatalf("only %v messages queued by the flood: the test would prove nothing", queued)
	}
	before := len(h.srv.AllMessages())
	id := h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang"]}`)
	call := h.waitMsg(uZhang, "暴雨红色预警", id)
	var ahead int
	for _, m := range h.srv.AllMessages()[before:] {
		if m.ChatID == call.ChatID && m.ID == call.ID {
			break
		}
		if m.ChatID >= strangerBase {
			ahead++
		}
	}
	// The dispatcher's eight workers may each have a stranger's answer in
	// flight when the alert is created.
	if ahead > 8 {
		t.Errorf("%d answers to strangers went before the red call (queue %v at its creation)", ahead, queued)
	}
	t.Logf("queue %v at the alert; %d strangers' answers sent before the call", queued, ahead)
}
