package storage

import (
	"bytes"
	"testing"
)

// Prefetched keys read as they are stored, absent ones as absent, and a
// key written earlier in the transaction keeps what was written; on both
// backends (the suite runs again on PostgreSQL).
func TestPrefetch(t *testing.T) {
	db := openTemp(t)
	type rec struct{ N int }
	mustUpdate(t, db, func(tx *Tx) error {
		r := tx.Records("feature_things")
		for i, k := range []string{"a", "b", "c"} {
			if err := r.Put([]byte(k), rec{i + 1}); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		r := tx.Records("feature_things")
		if err := r.Put([]byte("b"), rec{20}); err != nil {
			return err
		}
		if err := r.Prefetch([][]byte{[]byte("a"), []byte("b"), []byte("zz")}); err != nil {
			return err
		}
		for k, want := range map[string][]byte{"a": []byte(`{"N":1}`), "b": []byte(`{"N":20}`), "c": []byte(`{"N":3}`), "zz": nil} {
			if got := r.GetRaw([]byte(k)); !bytes.Equal(got, want) {
				t.Errorf("%s after Prefetch = %q, want %q", k, got, want)
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if err := tx.PrefetchJobs([]uint64{1, 2}); err != nil {
			t.Errorf("PrefetchJobs on an empty queue: %v", err)
		}
		if _, err := tx.Job(1); err == nil {
			t.Error("a job that was never queued reads as present after a prefetch")
		}
		return nil
	})
}
