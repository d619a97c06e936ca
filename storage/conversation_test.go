package storage

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestConversationOnePerChat(t *testing.T) {
	db := openTemp(t)
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		chat  int64
		flow  string
		want  string // the flow the chat is in afterwards
		fails bool
	}{
		{"a flow starts", 1001, "alert", "alert", false},
		{"another flow replaces it", 1001, "warn", "warn", false},
		{"a group chat's negative id", -100500, "tip", "tip", false},
		{"a flow without a name is refused", 1002, "", "", true},
	}
	for _, tt := range tests {
		err := db.Update(func(tx *Tx) error {
			return tx.PutConversation(Conversation{Chat: tt.chat, Flow: tt.flow, Data: json.RawMessage(`{"step":"x"}`),
				Started: t0, Updated: t0, Expires: t0.Add(time.Hour)})
		})
		if (err != nil) != tt.fails {
			t.Fatalf("%s: put = %v", tt.name, err)
		}
		mustView(t, db, func(tx *Tx) error {
			c, err := tx.Conversation(tt.chat)
			switch {
			case tt.want == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("%s: chat is in %q (%v), want none", tt.name, c.Flow, err)
			case tt.want != "" && (err != nil || c.Flow != tt.want):
				t.Errorf("%s: chat is in %q (%v), want %q", tt.name, c.Flow, err, tt.want)
			}
			return nil
		})
	}
	// Reopened, then ended: a restart keeps it, an end removes it once.
	path := db.Path()
	db.Close()
	db = openAt(t, path)
	mustUpdate(t, db, func(tx *Tx) error {
		if n := tx.ConversationCount(); n != 2 {
			t.Errorf("after reopening %d conversations, want 2", n)
		}
		c, err := tx.Conversation(1001)
		if err != nil || c.Flow != "warn" || string(c.Data) != `{"step":"x"}` || !c.Expires.Equal(t0.Add(time.Hour)) {
			t.Errorf("after reopening chat 1001 = %+v, %v", c, err)
		}
		if c.Expired(t0.Add(59*time.Minute)) || !c.Expired(t0.Add(time.Hour)) {
			t.Errorf("Expired wrong around %v", c.Expires)
		}
		for i, want := range []bool{true, false} {
			if had, err := tx.DeleteConversation(1001); err != nil || had != want {
				t.Errorf("delete #%d = %v, %v; want %v", i+1, had, err, want)
			}
		}
		return nil
	})
}

func TestLegacyDraftsDroppedAtOpen(t *testing.T) {
	db := openTemp(t)
	path := db.Path()
	keep := map[string][]byte{"meta": []byte("warn_drafts_note"), "shift_state": []byte("20261202-0800")}
	if err := db.Update(func(t_ *Tx) error {
		tx := t_.tx
		for _, k := range []string{"warn_draft:1001", "warn_prompt:1001", "tip_draft:-5", "tip_prompt:7",
			"incident_draft:1001", "incident_prompt:1002"} {
			if err := tx.Bucket(bMeta).Put([]byte(k), []byte(`{}`)); err != nil {
				return err
			}
		}
		// A file of that time has the roster's shift_state bucket; a new
		// one makes it on the roster's first write.
		shiftState, err := tx.CreateBucketIfNotExists([]byte("shift_state"))
		if err != nil {
			return err
		}
		if err := shiftState.Put([]byte("\x00wait\x00o-zhang"), []byte(`{}`)); err != nil {
			return err
		}
		for b, k := range keep {
			if err := tx.Bucket([]byte(b)).Put(k, []byte(`{}`)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openAt(t, path)
	if err := db.View(func(t_ *Tx) error {
		tx := t_.tx
		for _, l := range legacyConversationKeys {
			c := tx.Bucket(l.bucket).Cursor()
			if k, _ := c.Seek([]byte(l.prefix)); k != nil && len(k) >= len(l.prefix) && string(k[:len(l.prefix)]) == l.prefix {
				t.Errorf("old draft %q survived the open", k)
			}
		}
		for b, k := range keep {
			if tx.Bucket([]byte(b)).Get(k) == nil {
				t.Errorf("%s %q was dropped with the old drafts", b, k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
