package enterprise

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"dutybot/storage"
)

var boundAt = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

func mustUpdate(t *testing.T, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func mustView(t *testing.T, db *storage.DB, fn func(*storage.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func TestHeadBindings(t *testing.T) {
	b := func(phone string, chat int64) HeadBinding {
		return HeadBinding{Phone: phone, ChatID: chat, UserID: chat, Name: "何伟", Language: "zh-CN", BoundAt: boundAt}
	}
	tests := []struct {
		name      string
		puts      []HeadBinding
		want      []HeadBinding    // HeadBindings(), by phone
		wantChats map[int64]string // chat -> phone that must resolve
		goneChats []int64
	}{
		{
			name:      "one head",
			puts:      []HeadBinding{b("13900000001", 501)},
			want:      []HeadBinding{b("13900000001", 501)},
			wantChats: map[int64]string{501: "13900000001"},
			goneChats: []int64{502},
		},
		{
			name:      "the phone moves to another chat",
			puts:      []HeadBinding{b("13900000001", 501), b("13900000001", 502)},
			want:      []HeadBinding{b("13900000001", 502)},
			wantChats: map[int64]string{502: "13900000001"},
			goneChats: []int64{501},
		},
		{
			name:      "a chat binds another phone: the first binding goes",
			puts:      []HeadBinding{b("13900000001", 501), b("13900000002", 501)},
			want:      []HeadBinding{b("13900000002", 501)},
			wantChats: map[int64]string{501: "13900000002"},
		},
		{
			name:      "two heads side by side",
			puts:      []HeadBinding{b("13900000002", 502), b("13900000001", 501)},
			want:      []HeadBinding{b("13900000001", 501), b("13900000002", 502)},
			wantChats: map[int64]string{501: "13900000001", 502: "13900000002"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			for _, p := range tc.puts {
				mustUpdate(t, db, func(tx *storage.Tx) error { return PutHeadBinding(tx, p) })
			}
			mustView(t, db, func(tx *storage.Tx) error {
				got, err := HeadBindings(tx)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("HeadBindings = %+v, want %+v", got, tc.want)
				}
				for chat, phone := range tc.wantChats {
					if g, err := HeadByChat(tx, chat); err != nil || g.Phone != phone || g.ChatID != chat {
						t.Errorf("HeadByChat(%d) = %+v, %v; want %s", chat, g, err, phone)
					}
				}
				for _, chat := range tc.goneChats {
					if g, err := HeadByChat(tx, chat); !errors.Is(err, storage.ErrNotFound) {
						t.Errorf("HeadByChat(%d) = %+v, %v; want ErrNotFound", chat, g, err)
					}
				}
				return nil
			})
		})
	}
}

func TestHeadBindingDelete(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return PutHeadBinding(tx, HeadBinding{Phone: "13900000001", ChatID: 501, UserID: 501, BoundAt: boundAt})
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if ok, err := DeleteHeadBinding(tx, "13900000001"); !ok || err != nil {
			t.Errorf("delete: %v, %v", ok, err)
		}
		if ok, err := DeleteHeadBinding(tx, "13900000009"); ok || err != nil {
			t.Errorf("delete of none: %v, %v", ok, err)
		}
		return nil
	})
	mustView(t, db, func(tx *storage.Tx) error {
		if _, err := HeadByPhone(tx, "13900000001"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("binding after delete: %v", err)
		}
		if _, err := HeadByChat(tx, 501); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("chat after delete: %v", err)
		}
		if _, err := HeadByPhone(tx, ""); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("empty phone: %v", err)
		}
		return nil
	})
}
