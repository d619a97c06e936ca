package storage

import (
	"errors"
	"reflect"
	"testing"
)

func TestHeadBindings(t *testing.T) {
	b := func(phone string, chat int64) HeadBinding {
		return HeadBinding{Phone: phone, ChatID: chat, UserID: chat, Name: "何伟", Language: "zh-CN", BoundAt: t0}
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
			db := openTemp(t)
			for _, p := range tc.puts {
				mustUpdate(t, db, func(tx *Tx) error { return tx.PutHeadBinding(p) })
			}
			mustView(t, db, func(tx *Tx) error {
				got, err := tx.HeadBindings()
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("HeadBindings = %+v, want %+v", got, tc.want)
				}
				for chat, phone := range tc.wantChats {
					if g, err := tx.HeadByChat(chat); err != nil || g.Phone != phone || g.ChatID != chat {
						t.Errorf("HeadByChat(%d) = %+v, %v; want %s", chat, g, err, phone)
					}
				}
				for _, chat := range tc.goneChats {
					if g, err := tx.HeadByChat(chat); !errors.Is(err, ErrNotFound) {
						t.Errorf("HeadByChat(%d) = %+v, %v; want ErrNotFound", chat, g, err)
					}
				}
				return nil
			})
		})
	}
}

func TestHeadBindingDelete(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		return tx.PutHeadBinding(HeadBinding{Phone: "13900000001", ChatID: 501, UserID: 501, BoundAt: t0})
	})
	mustUpdate(t, db, func(tx *Tx) error {
		if ok, err := tx.DeleteHeadBinding("13900000001"); !ok || err != nil {
			t.Errorf("delete: %v, %v", ok, err)
		}
		if ok, err := tx.DeleteHeadBinding("13900000009"); ok || err != nil {
			t.Errorf("delete of none: %v, %v", ok, err)
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.HeadBinding("13900000001"); !errors.Is(err, ErrNotFound) {
			t.Errorf("binding after delete: %v", err)
		}
		if _, err := tx.HeadByChat(501); !errors.Is(err, ErrNotFound) {
			t.Errorf("chat after delete: %v", err)
		}
		if _, err := tx.HeadBinding(""); !errors.Is(err, ErrNotFound) {
			t.Errorf("empty phone: %v", err)
		}
		return nil
	})
}
