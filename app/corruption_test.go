package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// flipEventBit flips a bit of the stored event seq in the stopped app's
// database, as bit rot on the disk would.
func (h *harness) flipEventBit(seq uint64, at int, bit byte) {
	h.t.Helper()
	raw, err := bolt.Open(h.dbPath, 0o600, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	defer raw.Close()
	err = raw.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		key := []byte{0, 0, 0, 0, 0, 0, byte(seq >> 8), byte(seq)}
		v := append([]byte(nil), b.Get(key)...)
		v[at] ^= bit
		return b.Put(key, v)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// After bits flip in the log, GET /api/v1/ledger/verify answers what it
// found, BROKEN at the event, and not 500.
func TestLedgerVerifyAPIReportsFlippedBits(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	id := h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang"]}`)
	h.waitMsg(uZhang, "暴雨红色预警")
	h.waitScheduled(id, "o-zhang", start.Add(10*time.Minute))
	h.stop()
	h.flipEventBit(2, 0, 0x01) // '{' becomes 'z': the record no longer decodes
	h.startApp()
	code, out := h.apiDo("GET", "/api/v1/ledger/verify", testAPIToken, "")
	if code != http.StatusOK {
		t.Fatalf("verify = %d %v, want 200 with the report", code, out)
	}
	brk, _ := out["break"].(map[string]any)
	if out["ok"] != false || brk == nil || brk["Seq"] != float64(2) || brk["Kind"] != "unreadable" {
		t.Errorf("verify = %v, want BROKEN at #2 (unreadable)", out)
	}
}

// putRaw stores bytes under bucket/key in the stopped app's database,
// behind storage's back, as a damaged or foreign record would be.
func (h *harness) putRaw(bucket, key, value string) {
	h.t.Helper()
	raw, err := bolt.Open(h.dbPath, 0o600, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucket)).Put([]byte(key), []byte(value)) }); err != nil {
		h.t.Fatal(err)
	}
}

// A recipient record that does not decode, with its reminder due, does not
// stop the reminders and escalations of other alerts: they reach officials
// on time; the bad deadline and record go to quarantine, counted, and the
// admin is told once, with the bucket and reason and no raw data.
func TestPoisonedRecipientDoesNotStopOtherAlerts(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, u := range []int64{uZhang, uLi, uWu, uAdmin} {
		h.bind(u)
	}
	bad := h.createAlert("red", "暴雨红色预警", `{"officials":["o-zhang"]}`)
	good := h.createAlert("orange", "大风橙色预警", `{"officials":["o-li"]}`)
	h.waitMsg(uZhang, "暴雨红色预警")
	h.waitMsg(uLi, "大风橙色预警")
	h.waitScheduled(bad, "o-zhang", start.Add(10*time.Minute))
	h.waitScheduled(good, "o-li", start.Add(10*time.Minute))
	h.stop()
	h.putRaw("recipients", bad+"\x00o-zhang", `{"alert_id":"`+bad+`","official":"o-zhang","state":"pend`)
	h.startApp()

	h.advanceTo(start.Add(10 * time.Minute))
	h.waitMsg(uLi, "第二次叫应", "大风橙色预警")
	h.waitScheduled(good, "o-li", start.Add(20*time.Minute))
	if r := h.recipient(good, "o-li"); len(r.Escalations) != 1 || !r.Escalations[0].At.Equal(start.Add(10*time.Minute)) {
		t.Errorf("李芳's reminder: %+v, want one at 08:10", r.Escalations)
	}
	notice := h.waitMsg(uAdmin, "隔离区", "recipients", "deadlines", "dutybot quarantine list")
	for _, leak := range []string{"o-zhang", bad, `"state":"pend`, "pend"} {
		if strings.Contains(notice.Text, leak) {
			t.Errorf("the admin notice shows %q:\n%s", leak, notice.Text)
		}
	}
	h.advanceTo(start.Add(20 * time.Minute))
	h.waitMsg(uWu, "叫应升级", "李芳")
	for bucket, want := range map[string]float64{"recipients": 1, "deadlines": 1} {
		if got := h.metric(`dutybot_quarantined_total{bucket="` + bucket + `"}`); got != want {
			t.Errorf("dutybot_quarantined_total{bucket=%q} = %v, want %v", bucket, got, want)
		}
	}
	if n := len(h.messages(uZhang, "第二次叫应")); n != 0 {
		t.Errorf("张明 was reminded %d times from a record that does not decode", n)
	}
	if n := len(h.messages(uAdmin, "隔离区")); n != 1 {
		t.Errorf("the admin got %d quarantine notices, want 1", n)
	}

	// /healthz says so until an operator has dealt with the records.
	if code, out, reasons := h.healthz(); code != http.StatusServiceUnavailable || !strings.Contains(reasons, "records in quarantine: 2") {
		t.Errorf("healthz = %d %v, want the quarantine named", code, out)
	}
	code, out := h.apiDo("GET", "/api/v1/quarantine", testAPIToken, "")
	records, _ := out["records"].([]any)
	if code != http.StatusOK || len(records) != 2 {
		t.Fatalf("GET /api/v1/quarantine = %d %v", code, out)
	}
	for _, r := range records {
		seq := r.(map[string]any)["seq"].(float64)
		if code, out := h.apiDo("DELETE", fmt.Sprintf("/api/v1/quarantine/%d", int(seq)), testAPIToken, ""); code != http.StatusOK {
			t.Errorf("DELETE #%v = %d %v", seq, code, out)
		}
	}
	h.eventually("healthz ok", func() bool { code, _, _ := h.healthz(); return code == http.StatusOK })
}
