package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"dutybot/clock"
	"dutybot/phone"
)

// TestRoundTrip: dutybot places a call; the gateway, holding only the
// shared secret and what it was sent, reports the key pressed to the
// ack_url it was given, and the report reaches dutybot's receiver.
func TestRoundTrip(t *testing.T) {
	fc := clock.NewFake(t0)
	secret := []byte("shared-with-the-town")
	recv := &receiver{}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/alerts/{id}/ack", AckHandler(secret, recv, fc.Now, nil))
	dutybot := httptest.NewServer(mux)
	defer dutybot.Close()

	gw := &gateway{t: t, secret: secret, now: fc.Now, answer: func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"gw-1"}`)
	}}
	gwSrv := httptest.NewServer(gw)
	defer gwSrv.Close()

	p, err := New(Config{URL: gwSrv.URL, Secret: secret, CallbackURL: dutybot.URL, Now: fc.Now}, gwSrv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Place(context.Background(), call()); err != nil {
		t.Fatal(err)
	}
	sent := gw.last()

	// The official presses 1; the gateway reports it.
	body, _ := json.Marshal(map[string]string{"call_id": sent["call_id"].(string), "result": "pressed", "key": "1"})
	ts := fc.Now().Unix()
	req, _ := http.NewRequest(http.MethodPost, sent["ack_url"].(string), bytes.NewReader(body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	resp, err := dutybot.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ack = %d, want 200", resp.StatusCode)
	}
	got := recv.got()
	want := phone.Report{Provider: "webhook", ProviderID: "call-7f3a", CallID: "call-7f3a", Alert: "A-2025-0701",
		Result: "pressed", Key: "1", At: t0}
	if len(got) != 1 || got[0] != want {
		t.Errorf("receiver got %+v, want %+v", got, want)
	}
}
