package fakeapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"dutybot/bot/fakeapi"
)

// TestUnconfirmedUpdatesAreRedelivered: like Telegram, getUpdates forgets
// an update only when a later call's offset is above its id; an update
// handed out but not confirmed (the poller died) goes to the next poller.
// The bot's durable intake relies on it; parameters come as JSON here, as
// the bot sends them.
func TestUnconfirmedUpdatesAreRedelivered(t *testing.T) {
	srv := newServer(t, fakeapi.Options{})
	for _, text := range []string{"one", "two", "three"} {
		srv.SendText(alice, text)
	}
	srv.Press(alice, alice, 1, "ack:1") // a kind the poller does not ask for
	poll := func(body string) []int64 {
		t.Helper()
		resp, err := http.Post(srv.URL()+"/bot"+token+"/getUpdates", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct {
			OK     bool `json:"ok"`
			Result []struct {
				ID int64 `json:"update_id"`
			} `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || !a.OK {
			t.Fatalf("getUpdates %s: %v %+v", body, err, a)
		}
		ids := []int64{}
		for _, u := range a.Result {
			ids = append(ids, u.ID)
		}
		return ids
	}
	steps := []struct {
		body    string
		want    []int64
		pending int
	}{
		{`{"timeout":0,"allowed_updates":["message"]}`, []int64{1, 2, 3}, 3},
		{`{"timeout":0}`, []int64{1, 2, 3}, 3},                // a new poller gets them again
		{`{"offset":3,"timeout":0}`, []int64{3}, 1},           // 1 and 2 confirmed
		{`{"offset":3,"limit":1,"timeout":0}`, []int64{3}, 1}, // the same offset: the same update
		{`{"offset":4,"timeout":0}`, []int64{}, 0},
	}
	for i, s := range steps {
		if got := poll(s.body); !slices.Equal(got, s.want) {
			t.Errorf("step %d %s: updates %v, want %v", i, s.body, got, s.want)
		}
		if got := srv.Pending(); got != s.pending {
			t.Errorf("step %d: Pending = %d, want %d", i, got, s.pending)
		}
	}
}
