package storage

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func TestGroupChats(t *testing.T) {
	chat := func(id int64, group string) GroupChat {
		return GroupChat{ChatID: id, Group: group, Title: "防汛群", State: GroupMember, CanPost: true, BoundBy: "o-admin", BoundAt: t0, ChangedAt: t0}
	}
	moved := func(g GroupChat, to int64) GroupChat { g.MovedTo = to; return g }
	from := func(g GroupChat, old int64) GroupChat { g.MigratedFrom = old; return g }
	unbound := func(g GroupChat) GroupChat { g.Group = ""; return g }
	tests := []struct {
		name    string
		puts    []GroupChat
		want    []GroupChat      // GroupChats(), by chat key
		current map[string]int64 // group -> its current chat; 0: none
	}{
		{
			name:    "an unbound chat is kept, indexed under no group",
			puts:    []GroupChat{chat(-100, "")},
			want:    []GroupChat{chat(-100, "")},
			current: map[string]int64{"g-flood": 0},
		},
		{
			name:    "bound",
			puts:    []GroupChat{chat(-100, ""), chat(-100, "g-flood")},
			want:    []GroupChat{chat(-100, "g-flood")},
			current: map[string]int64{"g-flood": -100},
		},
		{
			name:    "unbound again",
			puts:    []GroupChat{chat(-100, "g-flood"), chat(-100, "")},
			want:    []GroupChat{chat(-100, "")},
			current: map[string]int64{"g-flood": 0},
		},
		{
			name:    "the chat is rebound to another group",
			puts:    []GroupChat{chat(-100, "g-flood"), chat(-100, "g-safety")},
			want:    []GroupChat{chat(-100, "g-safety")},
			current: map[string]int64{"g-flood": 0, "g-safety": -100},
		},
		{
			name:    "the group is bound to another chat: the first lets it go",
			puts:    []GroupChat{chat(-100, "g-flood"), chat(-200, "g-flood")},
			want:    []GroupChat{unbound(chat(-100, "g-flood")), chat(-200, "g-flood")},
			current: map[string]int64{"g-flood": -200},
		},
		{
			name: "migrated: the old chat points at the new one, which holds the group",
			puts: []GroupChat{chat(-100, "g-flood"), moved(chat(-100, "g-flood"), -1000000000100),
				from(chat(-1000000000100, "g-flood"), -100)},
			want:    []GroupChat{moved(chat(-100, "g-flood"), -1000000000100), from(chat(-1000000000100, "g-flood"), -100)},
			current: map[string]int64{"g-flood": -1000000000100},
		},
		{
			name: "a moved chat is not unbound when its group is bound elsewhere",
			puts: []GroupChat{moved(chat(-100, "g-flood"), -1000000000100), from(chat(-1000000000100, "g-flood"), -100),
				chat(-300, "g-flood")},
			want: []GroupChat{moved(chat(-100, "g-flood"), -1000000000100), unbound(from(chat(-1000000000100, "g-flood"), -100)),
				chat(-300, "g-flood")},
			current: map[string]int64{"g-flood": -300},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			for _, p := range tc.puts {
				mustUpdate(t, db, func(tx *Tx) error { return tx.PutGroupChat(p) })
			}
			mustView(t, db, func(tx *Tx) error {
				got, err := tx.GroupChats()
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("GroupChats =\n %+v\nwant\n %+v", got, tc.want)
				}
				for _, w := range tc.want {
					if g, err := tx.GroupChat(w.ChatID); err != nil || !reflect.DeepEqual(g, w) {
						t.Errorf("GroupChat(%d) = %+v, %v", w.ChatID, g, err)
					}
				}
				for group, chat := range tc.current {
					g, err := tx.GroupChatOf(group)
					switch {
					case chat == 0 && !errors.Is(err, ErrNotFound):
						t.Errorf("GroupChatOf(%s) = %+v, %v; want none", group, g, err)
					case chat != 0 && (err != nil || g.ChatID != chat || g.Group != group):
						t.Errorf("GroupChatOf(%s) = %+v, %v; want chat %d", group, g, err, chat)
					}
				}
				return nil
			})
		})
	}
}

// A group's chat and state survive a restart, and a file opened read-only
// from before groups existed answers "not found".
func TestGroupChatsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	want := GroupChat{ChatID: -1001234567890, Group: "g-flood", Title: "含谷镇防汛群", State: GroupAdministrator, CanPost: true,
		BoundBy: "config", BoundAt: t0, MigratedFrom: -4242, ChangedAt: t0}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutGroupChat(want) })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path)
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.GroupChatOf("g-flood")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("after reopen GroupChatOf = %+v, %v; want %+v", got, err, want)
		}
		if _, err := tx.GroupChat(-4242); !errors.Is(err, ErrNotFound) {
			t.Errorf("GroupChat(old chat) err = %v, want not found", err)
		}
		return nil
	})
}
