package tips

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

// openDB opens a fresh database file in a temporary directory and closes it
// at cleanup.
func openDB(tb testing.TB) *storage.DB {
	tb.Helper()
	return openDBAt(tb, filepath.Join(tb.TempDir(), "dutybot.db"))
}

func openDBAt(tb testing.TB, path string) *storage.DB {
	tb.Helper()
	db, err := storage.Open(path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func mustUpdate(tb testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	tb.Helper()
	if err := db.Update(fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

func mustView(tb testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	tb.Helper()
	if err := db.View(fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

func TestNextRefNumbersByMonth(t *testing.T) {
	db := openDB(t)
	cst := time.FixedZone("CST", 8*3600)
	nov := time.Date(2026, 11, 30, 23, 59, 0, 0, cst)
	dec := time.Date(2026, 12, 1, 0, 1, 0, 0, cst)
	var got []string
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, at := range []time.Time{nov, nov, dec, nov, dec} {
			ref, err := NextRef(tx, at)
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
	// The counters are the meta entries existing databases hold.
	mustView(t, db, func(tx *storage.Tx) error {
		if v, _ := tx.Meta("tip_seq:2611"); v != "3" {
			t.Errorf("tip_seq:2611 = %q, want \"3\"", v)
		}
		return nil
	})
}

func TestTipRoundTripAndOrder(t *testing.T) {
	db := openDB(t)
	// UTC times without a monotonic reading survive the JSON round trip
	// unchanged, so reflect.DeepEqual works.
	at := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	tips := []Tip{
		{Ref: "T2612-0001", Text: "b", State: StateNew, ReceivedAt: at},
		{Ref: "T2611-0002", Text: "a", Photos: []string{"p1", "p2"}, Point: &storage.Point{Lat: 29.5, Lon: 106.4},
			State: StateAssigned, ReceivedAt: at, Unit: "cgdd", Due: at.Add(time.Hour), Assignments: 1},
	}
	mustView(t, db, func(tx *storage.Tx) error {
		// A database that never had a tip has no bucket: reads still answer.
		if got, err := AllTips(tx); err != nil || len(got) != 0 {
			t.Errorf("AllTips() before any tip = %v, %v", got, err)
		}
		if _, err := LoadTip(tx, "T2611-0002"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("LoadTip() before any tip err = %v, want ErrNotFound", err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		for _, tip := range tips {
			if err := PutTip(tx, tip); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *storage.Tx) error {
		got, err := AllTips(tx)
		if err != nil {
			return err
		}
		if want := []Tip{tips[1], tips[0]}; !reflect.DeepEqual(got, want) {
			t.Errorf("AllTips() = %+v, want %+v", got, want)
		}
		if one, err := LoadTip(tx, "T2611-0002"); err != nil || !reflect.DeepEqual(one, tips[1]) {
			t.Errorf("LoadTip() = %+v, %v; want %+v", one, err, tips[1])
		}
		if _, err := LoadTip(tx, "T2611-0009"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("LoadTip(missing) err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// TestTipsKeepTheirSchema checks the tips bucket holds what databases
// written before tips had their own package hold: ref -> JSON with these
// field names. A record that does not decode is named for quarantine.
func TestTipsKeepTheirSchema(t *testing.T) {
	db := openDB(t)
	old := `{"ref":"T2611-0001","text":"仓库堆放易燃物","point":{"lat":29.5,"lon":106.4},"anonymous":true,` +
		`"state":"assigned","received_at":"2026-11-28T09:30:00Z","unit":"cgdd","assignments":2,"reward":"500"}`
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := tx.Records("tips").PutRaw([]byte("T2611-0001"), []byte(old)); err != nil {
			return err
		}
		return tx.Records("tips").PutRaw([]byte("T2611-0002"), []byte("{not json"))
	})
	mustView(t, db, func(tx *storage.Tx) error {
		tip, err := LoadTip(tx, "T2611-0001")
		if err != nil {
			return err
		}
		want := Tip{Ref: "T2611-0001", Text: "仓库堆放易燃物", Point: &storage.Point{Lat: 29.5, Lon: 106.4}, Anonymous: true,
			State: StateAssigned, ReceivedAt: time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC), Unit: "cgdd", Assignments: 2, Reward: "500"}
		if !reflect.DeepEqual(tip, want) {
			t.Errorf("LoadTip() = %+v, want %+v", tip, want)
		}
		_, err = AllTips(tx)
		if ce, ok := storage.AsCorrupt(err); !ok || ce.Bucket != "tips" || string(ce.Key) != "T2611-0002" {
			t.Errorf("AllTips() with a corrupt record err = %v, want a CorruptError naming tips/T2611-0002", err)
		}
		return nil
	})
}

// TestSealedTipsterIsNotReadable checks that who sent a tip is stored only
// encrypted: neither the tip_sealed bucket nor anything else in the file
// holds the name or ids in the clear, and the record opens back.
func TestSealedTipsterIsNotReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	who := Tipster{ChatID: 7770123456, UserID: 7770123456, Name: "赵秘密", Username: "secret_zhao",
		Phone: "13912345678", Lang: "zh-CN"}
	other := Tipster{ChatID: 42, UserID: 42, Name: "实名人"}
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := PutTip(tx, Tip{Ref: "T2611-0001", Text: "仓库堆放易燃物", Anonymous: true, State: StateNew}); err != nil {
			return err
		}
		if err := SealTipster(tx, "T2611-0001", who); err != nil {
			return err
		}
		if err := SealTipster(tx, "T2611-0002", other); err != nil {
			return err
		}
		return SealTipster(tx, "T2611-0003", who)
	})
	mustView(t, db, func(tx *storage.Tx) error {
		got, err := UnsealTipster(tx, "T2611-0001")
		if err != nil {
			return err
		}
		if got != who {
			t.Errorf("UnsealTipster() = %+v, want %+v", got, who)
		}
		refs, err := RefsByChat(tx, who.ChatID)
		if err != nil {
			return err
		}
		if want := []string{"T2611-0001", "T2611-0003"}; !reflect.DeepEqual(refs, want) {
			t.Errorf("RefsByChat = %q, want %q", refs, want)
		}
		if refs, _ := RefsByChat(tx, 99); len(refs) != 0 {
			t.Errorf("RefsByChat(stranger) = %q, want none", refs)
		}
		return nil
	})
	db.Close()

	raw := openDBAt(t, path)
	secrets := [][]byte{[]byte(who.Name), []byte(who.Username), []byte(who.Phone),
		[]byte(strconv.FormatInt(who.UserID, 10))}
	mustView(t, raw, func(tx *storage.Tx) error {
		n := 0
		for _, name := range []string{tipsBucket, sealedBucket} {
			err := tx.Records(name).Scan(nil, nil, func(k, v []byte) error {
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
	raw.Close()
	// Nor anywhere else in the file, free pages included.
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(file, s) {
			t.Errorf("the database file holds %q in the clear", s)
		}
	}
}

// TestSealedTipsterCannotMove checks the seal is bound to its reference: a
// record copied to another tip does not open there.
func TestSealedTipsterCannotMove(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := SealTipster(tx, "T2611-0001", Tipster{ChatID: 1, Name: "a"}); err != nil {
			return err
		}
		b := tx.Records(sealedBucket)
		return b.PutRaw([]byte("T2611-0002"), bytes.Clone(b.GetRaw([]byte("T2611-0001"))))
	})
	mustView(t, db, func(tx *storage.Tx) error {
		if _, err := UnsealTipster(tx, "T2611-0001"); err != nil {
			t.Errorf("the record in its place does not open: %v", err)
		}
		if _, err := UnsealTipster(tx, "T2611-0002"); err == nil {
			t.Error("a sealed record moved to another tip opened")
		}
		if _, err := RefsByChat(tx, 1); err == nil {
			t.Error("RefsByChat opened a sealed record moved to another tip")
		}
		if _, err := UnsealTipster(tx, "T2611-0009"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("UnsealTipster(missing) err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

// TestSealKeyIsMadeOnceAndKept checks the key survives reopening: records
// sealed before a restart open after it. Reading makes no key.
func TestSealKeyIsMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustView(t, db, func(tx *storage.Tx) error {
		if refs, err := RefsByChat(tx, 1); err != nil || refs != nil {
			t.Errorf("before any tip: %q, %v", refs, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if refs, err := RefsByChat(tx, 1); err != nil || refs != nil {
			t.Errorf("before any tip, writable: %q, %v", refs, err)
		}
		if _, ok := tx.Meta(keySeal); ok {
			t.Error("reading made a seal key")
		}
		return nil
	})
	var key1 string
	mustUpdate(t, db, func(tx *storage.Tx) error {
		if err := SealTipster(tx, "T2611-0001", Tipster{ChatID: 5, Name: "x"}); err != nil {
			return err
		}
		key1, _ = tx.Meta(keySeal)
		return SealTipster(tx, "T2611-0002", Tipster{ChatID: 6})
	})
	db.Close()
	db = openDBAt(t, path)
	mustView(t, db, func(tx *storage.Tx) error {
		if key2, _ := tx.Meta(keySeal); key2 != key1 || len(key1) != 32 {
			t.Errorf("seal key changed or wrong size (%d bytes)", len(key1))
		}
		who, err := UnsealTipster(tx, "T2611-0001")
		if err != nil || who.ChatID != 5 || who.Name != "x" {
			t.Errorf("after reopening: %+v, %v", who, err)
		}
		return nil
	})
}

// TestSealedTipsterWithoutKey checks a sealed record whose key is gone (a
// partial restore) is reported as such rather than opened with a new key.
func TestSealedTipsterWithoutKey(t *testing.T) {
	db := openDB(t)
	mustUpdate(t, db, func(tx *storage.Tx) error {
		return tx.Records(sealedBucket).PutRaw([]byte("T2611-0001"), bytes.Repeat([]byte{1}, 40))
	})
	for _, write := range []bool{false, true} {
		run := db.View
		if write {
			run = db.Update
		}
		err := run(func(tx *storage.Tx) error {
			_, err := UnsealTipster(tx, "T2611-0001")
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "seal key is missing") {
			t.Errorf("writable %v: UnsealTipster without a key err = %v, want the key reported missing", write, err)
		}
	}
}

// BenchmarkRefsByChat measures finding a tipster's own tips among 10,000
// sealed records (decades of a town's tips), which opens every seal.
func BenchmarkRefsByChat(b *testing.B) {
	db := openDB(b)
	mustUpdate(b, db, func(tx *storage.Tx) error {
		for i := range 10000 {
			ref := "T" + strconv.Itoa(2600+i/1000) + "-" + strconv.Itoa(1000+i%1000)
			if err := SealTipster(tx, ref, Tipster{ChatID: int64(i % 500), Name: "某某"}); err != nil {
				return err
			}
		}
		return nil
	})
	b.ResetTimer()
	for b.Loop() {
		mustView(b, db, func(tx *storage.Tx) error {
			refs, err := RefsByChat(tx, 7)
			if len(refs) != 20 {
				b.Fatalf("%d refs", len(refs))
			}
			return err
		})
	}
}
