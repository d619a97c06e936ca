package storage

import (
	"errors"
	"testing"
)

func TestViews(t *testing.T) {
	db := openTemp(t)
	err := db.Update(func(tx *Tx) error {
		for _, v := range []View{{Scope: "board/1", Official: "o-b"}, {Scope: "board/1", Official: "o-a", ChatID: 7, MessageID: 9},
			{Scope: "board/10", Official: "o-c"}} {
			if err := tx.PutView(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		vs, err := tx.Views("board/1")
		if err != nil {
			return err
		}
		if len(vs) != 2 || vs[0].Official != "o-a" || vs[0].MessageID != 9 || vs[1].Official != "o-b" {
			t.Errorf("Views(board/1) = %+v; want o-a (delivered) and o-b, not board/10's", vs)
		}
		if _, err := tx.View("board/1", "o-c"); !errors.Is(err, ErrNotFound) {
			t.Errorf("View of someone not shown: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
