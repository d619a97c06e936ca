package storage

import (
	"testing"
	"time"
)

// A sent marker survives reopening the file, is read back as written, and
// goes with its job.
func TestSentMark(t *testing.T) {
	db := openTemp(t)
	seq := enqueue(t, db, Job{ChatID: 1, Op: OpSend, Text: "call"})
	other := enqueue(t, db, Job{ChatID: 2, Op: OpSend, Text: "other"})
	mustView(t, db, func(tx *Tx) error {
		if _, ok, err := tx.SentMarkOf(seq); ok || err != nil {
			t.Errorf("marker before any: %v, %v", ok, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error { return tx.ClearSent(seq) }) // no marker yet: nothing to do
	want := SentMark{Seq: seq, MessageID: 4242, Version: 3, At: t0.Add(time.Second)}
	mustUpdate(t, db, func(tx *Tx) error { return tx.MarkSent(want) })

	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustView(t, db, func(tx *Tx) error {
		got, ok, err := tx.SentMarkOf(seq)
		if !ok || err != nil || got.Seq != want.Seq || got.MessageID != want.MessageID || got.Version != want.Version || !got.At.Equal(want.At) {
			t.Errorf("SentMarkOf = %+v, %v, %v; want %+v", got, ok, err, want)
		}
		if _, ok, _ := tx.SentMarkOf(other); ok {
			t.Error("another job has a marker")
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		j, err := tx.Job(seq)
		if err != nil {
			return err
		}
		return tx.DeleteJob(j)
	})
	mustView(t, db, func(tx *Tx) error {
		if _, ok, _ := tx.SentMarkOf(seq); ok {
			t.Error("marker left after its job was deleted")
		}
		return nil
	})
}

// JobsAfter stops at a job that does not decode and returns those before it
// with a CorruptError naming it; once it is moved aside the rest is listed.
func TestJobsAfterStopsAtCorruptJob(t *testing.T) {
	db := openTemp(t)
	for _, text := range []string{"a", "b", "c", "d"} {
		enqueue(t, db, Job{ChatID: 1, Op: OpSend, Text: text})
	}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutRaw("outbox", u64(3), []byte("\x00garbage")) })
	mustUpdate(t, db, func(tx *Tx) error {
		js, err := tx.JobsAfter(0)
		ce, ok := AsCorrupt(err)
		if !ok || ce.Bucket != "outbox" || string(ce.Key) != string(u64(3)) {
			t.Fatalf("JobsAfter error = %v, want a CorruptError for outbox/3", err)
		}
		if len(js) != 2 || js[0].Text != "a" || js[1].Text != "b" {
			t.Errorf("JobsAfter returned %+v with the error, want a and b", js)
		}
		if _, err := tx.Quarantine(ce.Bucket, ce.Key, ce.Error(), t0); err != nil {
			return err
		}
		js, err = tx.JobsAfter(2)
		if err != nil || len(js) != 1 || js[0].Text != "d" {
			t.Errorf("after quarantine JobsAfter(2) = %+v, %v; want d", js, err)
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if err := tx.PutRaw("nope", []byte("k"), nil); err == nil {
			t.Error("PutRaw into a missing bucket succeeded")
		}
		return nil
	})
}

// Replacing a waiting job's content by key keeps the higher priority and
// what the dispatcher recorded on it (stalled).
func TestEnqueueKeyKeepsPriorityAndStalled(t *testing.T) {
	db := openTemp(t)
	seq := enqueue(t, db, Job{Key: "k", ChatID: 1, Op: OpSend, Text: "v1", Priority: 4, StallAfter: time.Minute})
	mustUpdate(t, db, func(tx *Tx) error {
		j, err := tx.Job(seq)
		if err != nil {
			return err
		}
		j.Stalled = true
		return tx.PutJob(j)
	})
	if again := enqueue(t, db, Job{Key: "k", ChatID: 1, Op: OpSend, Text: "v2"}); again != seq {
		t.Fatalf("re-enqueue got seq %d, want %d", again, seq)
	}
	js := jobs(t, db)
	if len(js) != 1 || js[0].Text != "v2" || js[0].Priority != 4 || !js[0].Stalled || js[0].StallAfter != time.Minute || js[0].Version != 1 {
		t.Errorf("jobs = %+v", js)
	}
}
