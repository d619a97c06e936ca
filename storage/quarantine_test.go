package storage

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestQuarantineMovesAnUndecodableJobAside(t *testing.T) {
	db := openTemp(t)
	var bad uint64
	err := db.Update(func(tx *Tx) error {
		if _, err := tx.Enqueue(Job{ChatID: 1, Op: OpSend, Text: "a"}); err != nil {
			return err
		}
		seq, err := tx.Enqueue(Job{ChatID: 2, Op: OpSend, Text: "b"})
		bad = seq
		if err != nil {
			return err
		}
		return tx.tx.Bucket(bOutbox).Put(u64(seq), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	err = db.Update(func(tx *Tx) error {
		_, err := tx.Job(bad)
		ce, ok := AsCorrupt(err)
		if !ok {
			t.Fatalf("Job(bad) = %v, want a CorruptError", err)
		}
		if ce.Bucket != "outbox" {
			t.Errorf("bucket = %q", ce.Bucket)
		}
		moved, err := tx.Quarantine(ce.Bucket, ce.Key, err.Error(), at)
		if err != nil || !moved {
			t.Fatalf("Quarantine = %v, %v", moved, err)
		}
		again, err := tx.Quarantine(ce.Bucket, ce.Key, "twice", at)
		if err != nil || again {
			t.Errorf("second Quarantine = %v, %v; want false, nil", again, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		jobs, err := tx.Jobs()
		if err != nil || len(jobs) != 1 || jobs[0].Text != "a" {
			t.Errorf("Jobs = %+v, %v", jobs, err)
		}
		qs := tx.QuarantinedRecords()
		if len(qs) != 1 || qs[0].Bucket != "outbox" || string(qs[0].Raw) != "{not json" || !qs[0].At.Equal(at) || qs[0].Reason == "" {
			t.Errorf("quarantine = %+v", qs)
		}
		if tx.QuarantineCount() != 1 {
			t.Errorf("count = %d", tx.QuarantineCount())
		}
		return nil
	})
	db.Update(func(tx *Tx) error {
		seq := tx.QuarantinedRecords()[0].Seq
		if ok, err := tx.DropQuarantined(seq); !ok || err != nil {
			t.Errorf("Drop = %v, %v", ok, err)
		}
		if tx.QuarantineCount() != 0 {
			t.Error("not dropped")
		}
		return nil
	})
}

func TestCorruptErrorUnwraps(t *testing.T) {
	inner := errors.New("boom")
	err := fmt.Errorf("load: %w", &CorruptError{Bucket: "recipients", Key: []byte("a\x00b"), Err: inner})
	ce, ok := AsCorrupt(err)
	if !ok || ce.Bucket != "recipients" || !errors.Is(err, inner) {
		t.Errorf("AsCorrupt(%v) = %+v, %v", err, ce, ok)
	}
	if _, ok := AsCorrupt(ErrNotFound); ok {
		t.Error("ErrNotFound is not corrupt")
	}
}
