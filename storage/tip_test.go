package storage

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func TestNextTipRefNumbersByMonth(t *testing.T) {
	db := openTemp(t)
	cst := time.FixedZone("CST", 8*3600)
	nov := time.Date(2026, 11, 30, 23, 59, 0, 0, cst)
	dec := time.Date(2026, 12, 1, 0, 1, 0, 0, cst)
	var got []string
	mustUpdate(t, db, func(tx *Tx) error {
		for _, at := range []time.Time{nov, nov, dec, nov, dec} {
			ref, err := tx.NextTipRef(at)
			if err != nil {
				return err
			}
			got = append(got, ref)
		}
		return nil
	})
	want := []string{"T2611-0001", "T2611-0002", "T2612-0001", "T2611-0003", "T2612-0002"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("refs = %q, want %q", got, want)
	}
}

func TestTipRoundTripAndOrder(t *testing.T) {
	db := openTemp(t)
	tips := []Tip{
		{Ref: "T2612-0001", Text: "b", State: TipNew, ReceivedAt: t0},
		{Ref: "T2611-0002", Text: "a", Photos: []string{"p1", "p2"}, Point: &Point{Lat: 29.5, Lon: 106.4},
			State: TipAssigned, ReceivedAt: t0, Unit: "cgdd", Due: t0.Add(time.Hour), Assignments: 1},
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for _, tip := range tips {
			if err := tx.PutTip(tip); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Tips()
		if err != nil {
			return err
		}
		if want := []Tip{tips[1], tips[0]}; !reflect.DeepEqual(got, want) {
			t.Errorf("Tips() = %+v, want %+v", got, want)
		}
		if _, err := tx.Tip("T2611-0009"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Tip(missing) err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// TestSealedTipsterIsNotReadable checks that who sent a tip is stored only
// encrypted: neither the tip_sealed bucket nor anything else in the file
// holds the name or ids in the clear, and the record opens back.
func TestSealedTipsterIsNotReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	who := Tipster{ChatID: 7770123456, UserID: 7770123456, Name: "赵秘密", Username: "secret_zhao",
		Phone: "13912345678", Lang: "zh-CN"}
	other := Tipster{ChatID: 42, UserID: 42, Name: "实名人"}
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.PutTip(Tip{Ref: "T2611-0001", Text: "仓库堆放易燃物", Anonymous: true, State: TipNew}); err != nil {
			return err
		}
		if err := tx.SealTipster("T2611-0001", who); err != nil {
			return err
		}
		if err := tx.SealTipster("T2611-0002", other); err != nil {
			return err
		}
		return tx.SealTipster("T2611-0003", who)
	})
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Tipster("T2611-0001")
		if err != nil {
			return err
		}
		if got != who {
			t.Errorf("Tipster() = %+v, want %+v", got, who)
		}
		refs, err := tx.TipRefsByChat(who.ChatID)
		if err != nil {
			return err
		}
		if want := []string{"T2611-0001", "T2611-0003"}; !reflect.DeepEqual(refs, want) {
			t.Errorf("TipRefsByChat = %q, want %q", refs, want)
		}
		if refs, _ := tx.TipRefsByChat(99); len(refs) != 0 {
			t.Errorf("TipRefsByChat(stranger) = %q, want none", refs)
		}
		return nil
	})
	db.Close()

	raw, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	secrets := [][]byte{[]byte(who.Name), []byte(who.Username), []byte(who.Phone),
		[]byte(strconv.FormatInt(who.UserID, 10))}
	err = raw.View(func(t_ *Tx) error {
		tx := t_.tx
		n := 0
		for _, name := range [][]byte{bTips, bTipSealed} {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				n++
				for _, s := range secrets {
					if bytes.Contains(v, s) || bytes.Contains(k, s) {
						t.Errorf("bucket %s, key %s holds %q in the clear", name, k, s)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if n != 4 {
			t.Errorf("read %d records of tips and tip_sealed, want 4", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSealedTipsterCannotMove checks the seal is bound to its reference: a
// record copied to another tip does not open there.
func TestSealedTipsterCannotMove(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.SealTipster("T2611-0001", Tipster{ChatID: 1, Name: "a"}); err != nil {
			return err
		}
		b := tx.tx.Bucket(bTipSealed)
		return b.Put([]byte("T2611-0002"), bytes.Clone(b.Get([]byte("T2611-0001"))))
	})
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Tipster("T2611-0002"); err == nil {
			t.Error("a sealed record moved to another tip opened")
		}
		if _, err := tx.Tipster("T2611-0009"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Tipster(missing) err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// TestSealKeyIsMadeOnceAndKept checks the key survives reopening: records
// sealed before a restart open after it.
func TestSealKeyIsMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	mustView(t, db, func(tx *Tx) error {
		if refs, err := tx.TipRefsByChat(1); err != nil || refs != nil {
			t.Errorf("before any tip: %q, %v", refs, err)
		}
		return nil
	})
	var key1 string
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.SealTipster("T2611-0001", Tipster{ChatID: 5, Name: "x"}); err != nil {
			return err
		}
		key1, _ = tx.Meta(string(keySeal))
		return tx.SealTipster("T2611-0002", Tipster{ChatID: 6})
	})
	db.Close()
	db = openAt(t, path)
	mustView(t, db, func(tx *Tx) error {
		if key2, _ := tx.Meta(string(keySeal)); key2 != key1 || len(key1) != 32 {
			t.Errorf("seal key changed or wrong size (%d bytes)", len(key1))
		}
		who, err := tx.Tipster("T2611-0001")
		if err != nil || who.ChatID != 5 || who.Name != "x" {
			t.Errorf("after reopening: %+v, %v", who, err)
		}
		return nil
	})
}

// BenchmarkTipRefsByChat measures finding a tipster's own tips among 10,000
// sealed records (decades of a town's tips), which opens every seal.
func BenchmarkTipRefsByChat(b *testing.B) {
	db := openTemp(b)
	mustUpdate(b, db, func(tx *Tx) error {
		for i := range 10000 {
			ref := "T" + strconv.Itoa(2600+i/1000) + "-" + strconv.Itoa(1000+i%1000)
			if err := tx.SealTipster(ref, Tipster{ChatID: int64(i % 500), Name: "某某"}); err != nil {
				return err
			}
		}
		return nil
	})
	b.ResetTimer()
	for b.Loop() {
		mustView(b, db, func(tx *Tx) error {
			refs, err := tx.TipRefsByChat(7)
			if len(refs) != 20 {
				b.Fatalf("%d refs", len(refs))
			}
			return err
		})
	}
}
