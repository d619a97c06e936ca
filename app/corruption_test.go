package app_test

import (
	"net/http"
	"testing"

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
	h.waitScheduled(id, "o-zhang", start.Add(10*60e9))
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
