package ledger

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// The story `dutybot ledger show` prints is in the ledger's language:
// besides ids (the alert's, officials' in brackets, the events' numbers)
// and durations, no English word.
func TestStoryInTheLedgersLanguage(t *testing.T) {
	l, db := testLedger(t)
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, cst)
	call(t, db, "20261130-0001", "alert", at, map[string]time.Duration{"o-zhang": 90 * time.Second, "o-wu": -1})
	if err := db.Update(func(tx *storage.Tx) error {
		r, err := callout.LoadRecipient(tx, "20261130-0001", "o-wu")
		if err != nil {
			return err
		}
		r.State, r.Unreachable = callout.StateUnreachable, callout.UnreachableUnbound
		r.Escalations = []callout.Escalation{{Step: 0, Action: "escalate", To: "unit_head", Reason: callout.ReasonSelf, At: at.Add(time.Minute)}}
		if err := callout.PutRecipient(tx, r); err != nil {
			return err
		}
		a, err := callout.LoadAlert(tx, "20261130-0001")
		if err != nil {
			return err
		}
		a.Issuer, a.Source, a.State, a.ClosedAt, a.ClosedBy = "o-zhang", "chat", callout.AlertClosed, at.Add(time.Hour), "o-zhang"
		return callout.PutAlert(tx, a)
	}); err != nil {
		t.Fatal(err)
	}
	s, err := l.Story("20261130-0001")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"由张明发起（聊天），叫应 2 人，已结束", "记录（1 条）", "叫应对象（2 人）", "由张明应答，用时 1m30s",
		"无法送达：尚未绑定机器人", "提醒与升级："} {
		if !strings.Contains(s, want) {
			t.Errorf("the story lacks %q:\n%s", want, s)
		}
	}
	ids := regexp.MustCompile(`\(o-[a-z]+\)|\d+m\d+s|20261130-0001`)
	if w := regexp.MustCompile(`[A-Za-z]{2,}`).FindString(ids.ReplaceAllString(s, "")); w != "" {
		t.Errorf("the zh-CN story has the English word %q:\n%s", w, s)
	}
}
