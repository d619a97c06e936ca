package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func upd(id int64) InboxUpdate {
	return InboxUpdate{ID: id, Raw: []byte(fmt.Sprintf(`{"update_id":%d}`, id))}
}

func ids(us []InboxUpdate) []int64 {
	out := []int64{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func TestInbox(t *testing.T) {
	type step struct {
		put       []InboxUpdate
		next      int64
		del       []int64
		wantAdded []int64
	}
	tests := []struct {
		name       string
		steps      []step
		wantInbox  []int64
		wantOffset int64
	}{
		{"empty", nil, []int64{}, 0},
		{"one batch", []step{{put: []InboxUpdate{upd(7), upd(8), upd(9)}, next: 10, wantAdded: []int64{7, 8, 9}}},
			[]int64{7, 8, 9}, 10},
		{"kept in update order, beyond one byte", []step{
			{put: []InboxUpdate{upd(300), upd(2)}, next: 301, wantAdded: []int64{300, 2}}},
			[]int64{2, 300}, 301},
		{"a redelivered update is stored once and not handed out again", []step{
			{put: []InboxUpdate{upd(1), upd(2)}, next: 3, wantAdded: []int64{1, 2}},
			{put: []InboxUpdate{upd(2), upd(3)}, next: 4, wantAdded: []int64{3}}},
			[]int64{1, 2, 3}, 4},
		{"handled updates leave", []step{
			{put: []InboxUpdate{upd(1), upd(2), upd(3)}, next: 4, wantAdded: []int64{1, 2, 3}},
			{del: []int64{2, 1, 99}}},
			[]int64{3}, 4},
		{"the offset never goes back", []step{
			{put: []InboxUpdate{upd(5)}, next: 6, wantAdded: []int64{5}},
			{put: []InboxUpdate{upd(1)}, next: 2, wantAdded: []int64{1}}},
			[]int64{1, 5}, 6},
		{"an empty batch moves nothing", []step{{next: 0}}, []int64{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			for i, s := range tt.steps {
				mustUpdate(t, db, func(tx *Tx) error {
					if s.del != nil {
						return tx.DeleteInbox(s.del...)
					}
					added, err := tx.PutInbox(s.put, s.next)
					if err != nil {
						return err
					}
					if got := ids(added); !slices.Equal(got, s.wantAdded) {
						t.Errorf("step %d: added %v, want %v", i, got, s.wantAdded)
					}
					return nil
				})
			}
			// Reopened: what was committed is on disk.
			path := db.Path()
			db.Close()
			db = openAt(t, path)
			mustView(t, db, func(tx *Tx) error {
				in := tx.Inbox()
				if got := ids(in); !slices.Equal(got, tt.wantInbox) {
					t.Errorf("inbox = %v, want %v", got, tt.wantInbox)
				}
				for _, u := range in {
					if want := upd(u.ID).Raw; string(u.Raw) != string(want) {
						t.Errorf("update %d = %s, want %s", u.ID, u.Raw, want)
					}
				}
				if n := tx.InboxCount(); n != len(tt.wantInbox) {
					t.Errorf("InboxCount = %d, want %d", n, len(tt.wantInbox))
				}
				if got := tx.InboxOffset(); got != tt.wantOffset {
					t.Errorf("offset = %d, want %d", got, tt.wantOffset)
				}
				return nil
			})
		})
	}
}

// TestInboxBatchIsAtomic: when the transaction that stores a batch fails,
// neither the updates nor the offset that would confirm them are stored, so
// Telegram delivers them again.
func TestInboxBatchIsAtomic(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error { _, err := tx.PutInbox([]InboxUpdate{upd(1)}, 2); return err })
	boom := errors.New("disk refused")
	err := db.Update(func(tx *Tx) error {
		if _, err := tx.PutInbox([]InboxUpdate{upd(2), upd(3)}, 4); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	mustView(t, db, func(tx *Tx) error {
		if got := ids(tx.Inbox()); !slices.Equal(got, []int64{1}) {
			t.Errorf("inbox = %v, want [1]", got)
		}
		if got := tx.InboxOffset(); got != 2 {
			t.Errorf("offset = %d, want 2", got)
		}
		return nil
	})
}

func TestInboxQuarantine(t *testing.T) {
	db := openTemp(t)
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	mustUpdate(t, db, func(tx *Tx) error {
		_, err := tx.PutInbox([]InboxUpdate{upd(1), {ID: 2, Raw: []byte("{garbled")}, upd(3)}, 4)
		return err
	})
	mustUpdate(t, db, func(tx *Tx) error {
		moved, err := tx.QuarantineInbox(2, "does not decode", at)
		if err != nil || !moved {
			t.Fatalf("QuarantineInbox = %v, %v", moved, err)
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if got := ids(tx.Inbox()); !slices.Equal(got, []int64{1, 3}) {
			t.Errorf("inbox = %v, want [1 3]", got)
		}
		q := tx.QuarantinedRecords()
		if len(q) != 1 || q[0].Bucket != InboxBucket || string(q[0].Raw) != "{garbled" || q[0].Reason != "does not decode" {
			t.Errorf("quarantine = %+v", q)
		}
		return nil
	})
}
