package storage

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestBindings(t *testing.T) {
	b := func(official string, chat int64, user string) Binding {
		return Binding{Official: official, ChatID: chat, UserID: chat, Username: user, BoundAt: t0, Source: "contact"}
	}
	tests := []struct {
		name      string
		puts      []Binding
		want      []Binding        // Bindings(), in official order
		wantChats map[int64]string // chat -> official that must resolve
		goneChats []int64          // chats that must be ErrNotFound
	}{
		{
			name:      "single binding",
			puts:      []Binding{b("ivanov", 100, "ivan")},
			want:      []Binding{b("ivanov", 100, "ivan")},
			wantChats: map[int64]string{100: "ivanov"},
			goneChats: []int64{101},
		},
		{
			name:      "several officials listed in key order",
			puts:      []Binding{b("zhang", 3, ""), b("ivanov", 1, ""), b("li", -2, "")},
			want:      []Binding{b("ivanov", 1, ""), b("li", -2, ""), b("zhang", 3, "")},
			wantChats: map[int64]string{1: "ivanov", -2: "li", 3: "zhang"},
		},
		{
			name:      "rebind to a new chat drops the old chat index",
			puts:      []Binding{b("ivanov", 100, "old"), b("ivanov", 200, "new")},
			want:      []Binding{b("ivanov", 200, "new")},
			wantChats: map[int64]string{200: "ivanov"},
			goneChats: []int64{100},
		},
		{
			name:      "rebind twice keeps only the last chat",
			puts:      []Binding{b("ivanov", 100, ""), b("ivanov", 200, ""), b("ivanov", 300, "")},
			want:      []Binding{b("ivanov", 300, "")},
			wantChats: map[int64]string{300: "ivanov"},
			goneChats: []int64{100, 200},
		},
		{
			name:      "rebind to the same chat updates the record",
			puts:      []Binding{b("ivanov", 100, "old"), b("ivanov", 100, "new")},
			want:      []Binding{b("ivanov", 100, "new")},
			wantChats: map[int64]string{100: "ivanov"},
		},
		{
			name:      "rebinding one official leaves other officials alone",
			puts:      []Binding{b("ivanov", 100, ""), b("li", 200, ""), b("ivanov", 300, "")},
			want:      []Binding{b("ivanov", 300, ""), b("li", 200, "")},
			wantChats: map[int64]string{200: "li", 300: "ivanov"},
			goneChats: []int64{100},
		},
		{
			// li takes over chat 100 (e.g. the Telegram account changed
			// hands); when ivanov later binds chat 200, li's chat index
			// must survive.
			name:      "rebinding does not drop a chat index now owned by another official",
			puts:      []Binding{b("ivanov", 100, ""), b("li", 100, ""), b("ivanov", 200, "")},
			want:      []Binding{b("ivanov", 200, ""), b("li", 100, "")},
			wantChats: map[int64]string{100: "li", 200: "ivanov"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			for _, p := range tc.puts {
				mustUpdate(t, db, func(tx *Tx) error { return tx.PutBinding(p) })
			}
			mustView(t, db, func(tx *Tx) error {
				got, err := tx.Bindings()
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Bindings = %+v, want %+v", got, tc.want)
				}
				for _, w := range tc.want {
					g, err := tx.Binding(w.Official)
					if err != nil || !reflect.DeepEqual(g, w) {
						t.Errorf("Binding(%s) = %+v, %v; want %+v", w.Official, g, err, w)
					}
				}
				for chat, off := range tc.wantChats {
					if g, err := tx.OfficialByChat(chat); err != nil || g != off {
						t.Errorf("OfficialByChat(%d) = %q, %v; want %q", chat, g, err, off)
					}
				}
				for _, chat := range tc.goneChats {
					if g, err := tx.OfficialByChat(chat); !errors.Is(err, ErrNotFound) {
						t.Errorf("OfficialByChat(%d) = %q, %v; want ErrNotFound", chat, g, err)
					}
				}
				return nil
			})
		})
	}
}

func TestBindingRoundTripsEveryField(t *testing.T) {
	db := openTemp(t)
	want := Binding{
		Official: "li", ChatID: -1001234567890, UserID: 42, Username: "li_w", Language: "zh", TelegramLang: "zh-hans",
		BoundAt: t0, Source: "config", Unreachable: true, UnreachableAt: t0.Add(3 * time.Hour),
	}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutBinding(want) })
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Binding("li")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Binding = %+v, want %+v", got, want)
		}
		return nil
	})
}

func TestBindingNotFound(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutBinding(Binding{Official: "ivanov", ChatID: 7}) })
	tests := []struct {
		name string
		call func(*Tx) error
	}{
		{"Binding of unknown official", func(tx *Tx) error { _, err := tx.Binding("nobody"); return err }},
		{"Binding of empty official", func(tx *Tx) error { _, err := tx.Binding(""); return err }},
		{"Binding is case sensitive", func(tx *Tx) error { _, err := tx.Binding("Ivanov"); return err }},
		{"OfficialByChat of unknown chat", func(tx *Tx) error { _, err := tx.OfficialByChat(8); return err }},
		{"OfficialByChat of negated chat", func(tx *Tx) error { _, err := tx.OfficialByChat(-7); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.View(tc.call)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
	mustView(t, db, func(tx *Tx) error {
		if bs, err := tx.Bindings(); err != nil || len(bs) != 1 {
			t.Errorf("Bindings = %+v, %v; want one binding", bs, err)
		}
		return nil
	})
}

func TestBindingsEmpty(t *testing.T) {
	db := openTemp(t)
	mustView(t, db, func(tx *Tx) error {
		bs, err := tx.Bindings()
		if err != nil || len(bs) != 0 {
			t.Errorf("Bindings on empty db = %+v, %v; want none", bs, err)
		}
		return nil
	})
}
