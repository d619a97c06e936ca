package storage

import (
	"errors"
	"fmt"
	"testing"
)

// A feature's bucket: made on the first write, empty until then (even in a
// read-only transaction), records round-trip, scans keep to their prefix,
// and what does not decode is a CorruptError naming the bucket.
func TestRecords(t *testing.T) {
	db := openTemp(t)
	type rec struct{ N int }
	mustView(t, db, func(tx *Tx) error {
		r := tx.Records("feature_things")
		if err := r.Get([]byte("a"), &rec{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get before any write: %v", err)
		}
		if r.Has([]byte("a")) || r.Len() != 0 || r.GetRaw([]byte("a")) != nil {
			t.Error("a bucket never written holds something")
		}
		if err := r.Scan(nil, nil, func(k, _ []byte) error { return fmt.Errorf("key %q", k) }); err != nil {
			t.Error(err)
		}
		if err := r.Put([]byte("a"), rec{1}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Put in a read-only transaction: %v", err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		r := tx.Records("feature_things")
		for i, k := range []string{"x/1", "x/2", "x/3", "y/1"} {
			if err := r.Put([]byte(k), rec{i}); err != nil {
				return err
			}
		}
		if seq, err := r.NextSequence(); err != nil || seq != 1 {
			t.Errorf("NextSequence = %d, %v", seq, err)
		}
		return r.PutRaw([]byte("z"), []byte("{not json"))
	})
	mustUpdate(t, db, func(tx *Tx) error {
		r := tx.Records("feature_things")
		var got rec
		if err := r.Get([]byte("x/3"), &got); err != nil || got.N != 2 {
			t.Errorf("Get x/3 = %+v, %v", got, err)
		}
		var keys []string
		if err := r.Scan([]byte("x/"), []byte("x/2"), func(k, _ []byte) error { keys = append(keys, string(k)); return nil }); err != nil {
			return err
		}
		if fmt.Sprint(keys) != "[x/2 x/3]" {
			t.Errorf("Scan x/ from x/2 = %v", keys)
		}
		var ce *CorruptError
		if err := r.Get([]byte("z"), &got); !errors.As(err, &ce) || ce.Bucket != "feature_things" {
			t.Errorf("Get of an undecodable record: %v", err)
		}
		if err := r.Delete([]byte("x/1")); err != nil {
			return err
		}
		if r.Has([]byte("x/1")) || r.Len() != 4 {
			t.Errorf("after Delete: has %v, len %d", r.Has([]byte("x/1")), r.Len())
		}
		return nil
	})
}
