package storage

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func enqueue(tb testing.TB, db *DB, j Job) uint64 {
	tb.Helper()
	var seq uint64
	mustUpdate(tb, db, func(tx *Tx) error {
		var err error
		seq, err = tx.Enqueue(j)
		return err
	})
	return seq
}

func jobs(tb testing.TB, db *DB) []Job {
	tb.Helper()
	var out []Job
	mustView(tb, db, func(tx *Tx) error {
		var err error
		out, err = tx.Jobs()
		return err
	})
	return out
}

func queueLen(tb testing.TB, db *DB) int {
	tb.Helper()
	var n int
	mustView(tb, db, func(tx *Tx) error { n = tx.QueueLen(); return nil })
	return n
}

func deleteJob(tb testing.TB, db *DB, j Job) {
	tb.Helper()
	mustUpdate(tb, db, func(tx *Tx) error { return tx.DeleteJob(j) })
}

func TestEnqueueAssignsIncreasingSeq(t *testing.T) {
	db := openTemp(t)
	var want []Job
	for i := range 5 {
		j := Job{
			ChatID: int64(100 + i), Op: OpSend, Text: fmt.Sprintf("msg %d", i),
			Buttons:   [][]Button{{{Text: "OK", Data: fmt.Sprintf("ack:%d", i)}}},
			Ref:       Ref{Kind: "call", Alert: "20261128-0001", Official: fmt.Sprint("o", i)},
			CreatedAt: t0.Add(time.Duration(i) * time.Second),
		}
		seq := enqueue(t, db, j)
		if seq != uint64(i+1) {
			t.Errorf("Enqueue #%d returned seq %d, want %d", i, seq, i+1)
		}
		j.Seq = seq
		want = append(want, j)
	}
	if got := jobs(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("Jobs = %+v\nwant %+v", got, want)
	}
	if n := queueLen(t, db); n != 5 {
		t.Errorf("QueueLen = %d, want 5", n)
	}
	// Several Enqueue calls in one transaction also get distinct, increasing seqs.
	mustUpdate(t, db, func(tx *Tx) error {
		prev := uint64(5)
		for range 3 {
			seq, err := tx.Enqueue(Job{ChatID: 1, Op: OpSend, Text: "x"})
			if err != nil {
				return err
			}
			if seq != prev+1 {
				t.Errorf("seq in shared tx = %d, want %d", seq, prev+1)
			}
			prev = seq
		}
		return nil
	})
	// Seq order must hold beyond one byte (big-endian keys): enqueue up to 300.
	for len(jobs(t, db)) < 300 {
		enqueue(t, db, Job{ChatID: 1, Op: OpSend, Text: "fill"})
	}
	all := jobs(t, db)
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("Jobs out of order at %d: %d after %d", i, all[i].Seq, all[i-1].Seq)
		}
	}
	if n := queueLen(t, db); n != 300 {
		t.Errorf("QueueLen = %d, want 300", n)
	}
}

func TestEnqueueWithKey(t *testing.T) {
	type step struct {
		op      string // "enqueue" or "delete" (delete the job with the given seq as read now) or "delete-stale"
		job     Job    // for enqueue
		seq     uint64 // for delete
		wantSeq uint64 // for enqueue
	}
	btn := func(d string) [][]Button { return [][]Button{{{Text: d, Data: d}}} }
	tests := []struct {
		name  string
		steps []step
		// want is the final queue: seq -> expected (Text, Version, ChatID, Key)
		want []Job
	}{
		{
			name: "same key replaces text, buttons, reply and ref; keeps seq, place, chat and op",
			steps: []step{
				{op: "enqueue", job: Job{Key: "sum:1", ChatID: 10, Op: OpEdit, MessageID: 5, Text: "v0", Buttons: btn("a"), Ref: Ref{Kind: "summary", Alert: "1"}, CreatedAt: t0}, wantSeq: 1},
				{op: "enqueue", job: Job{ChatID: 20, Op: OpSend, Text: "other"}, wantSeq: 2},
				{op: "enqueue", job: Job{Key: "sum:1", ChatID: 99, Op: OpSend, Text: "v1", Buttons: btn("b"), Reply: &Reply{Remove: true}, Ref: Ref{Kind: "summary", Alert: "1", Official: "x"}, CreatedAt: t0.Add(time.Hour)}, wantSeq: 1},
				{op: "enqueue", job: Job{Key: "sum:1", ChatID: 99, Text: "v2", Reply: &Reply{ContactLabel: "Share"}, Ref: Ref{Kind: "info"}}, wantSeq: 1},
			},
			want: []Job{
				{Seq: 1, Key: "sum:1", Version: 2, ChatID: 10, Op: OpEdit, MessageID: 5, Text: "v2", Buttons: nil, Reply: &Reply{ContactLabel: "Share"}, Ref: Ref{Kind: "info"}, CreatedAt: t0},
				{Seq: 2, ChatID: 20, Op: OpSend, Text: "other"},
			},
		},
		{
			name: "different keys are independent",
			steps: []step{
				{op: "enqueue", job: Job{Key: "a", Text: "a0"}, wantSeq: 1},
				{op: "enqueue", job: Job{Key: "b", Text: "b0"}, wantSeq: 2},
				{op: "enqueue", job: Job{Key: "b", Text: "b1"}, wantSeq: 2},
				{op: "enqueue", job: Job{Key: "ab", Text: "ab0"}, wantSeq: 3},
			},
			want: []Job{
				{Seq: 1, Key: "a", Text: "a0"},
				{Seq: 2, Key: "b", Version: 1, Text: "b1"},
				{Seq: 3, Key: "ab", Text: "ab0"},
			},
		},
		{
			name: "jobs without key never merge",
			steps: []step{
				{op: "enqueue", job: Job{Text: "x"}, wantSeq: 1},
				{op: "enqueue", job: Job{Text: "x"}, wantSeq: 2},
			},
			want: []Job{{Seq: 1, Text: "x"}, {Seq: 2, Text: "x"}},
		},
		{
			name: "after DeleteJob the key creates a new job at the end",
			steps: []step{
				{op: "enqueue", job: Job{Key: "k", Text: "first"}, wantSeq: 1},
				{op: "enqueue", job: Job{Text: "middle"}, wantSeq: 2},
				{op: "enqueue", job: Job{Key: "k", Text: "first'"}, wantSeq: 1},
				{op: "delete", seq: 1},
				{op: "enqueue", job: Job{Key: "k", Text: "second"}, wantSeq: 3},
				{op: "enqueue", job: Job{Key: "k", Text: "second'"}, wantSeq: 3},
			},
			want: []Job{
				{Seq: 2, Text: "middle"},
				{Seq: 3, Key: "k", Version: 1, Text: "second'"},
			},
		},
		{
			// The sender holds a copy of job 1, deletes it; the key is
			// reused by job 3; a second delete of the stale copy of job 1
			// must not drop the mapping k -> 3.
			name: "deleting a stale job keeps the newer key mapping",
			steps: []step{
				{op: "enqueue", job: Job{Key: "k", Text: "old"}, wantSeq: 1},
				{op: "enqueue", job: Job{Text: "y"}, wantSeq: 2},
				{op: "delete-stale", seq: 1},
				{op: "enqueue", job: Job{Key: "k", Text: "new"}, wantSeq: 3},
				{op: "delete-stale", seq: 1},
				{op: "enqueue", job: Job{Key: "k", Text: "newer"}, wantSeq: 3},
			},
			want: []Job{
				{Seq: 2, Text: "y"},
				{Seq: 3, Key: "k", Version: 1, Text: "newer"},
			},
		},
		{
			name: "deleting a keyed job drops its key from the index",
			steps: []step{
				{op: "enqueue", job: Job{Key: "k", Text: "a"}, wantSeq: 1},
				{op: "enqueue", job: Job{Key: "other", Text: "b"}, wantSeq: 2},
				{op: "delete", seq: 1},
			},
			want: []Job{{Seq: 2, Key: "other", Text: "b"}},
		},
		{
			name: "deleting a job without key leaves keyed jobs alone",
			steps: []step{
				{op: "enqueue", job: Job{Key: "k", Text: "a"}, wantSeq: 1},
				{op: "enqueue", job: Job{Text: "b"}, wantSeq: 2},
				{op: "delete", seq: 2},
				{op: "enqueue", job: Job{Key: "k", Text: "a'"}, wantSeq: 1},
			},
			want: []Job{{Seq: 1, Key: "k", Version: 1, Text: "a'"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			stale := map[uint64]Job{} // copies of jobs as first read
			for i, s := range tc.steps {
				switch s.op {
				case "enqueue":
					if got := enqueue(t, db, s.job); got != s.wantSeq {
						t.Fatalf("step %d: Enqueue(%+v) = %d, want %d", i, s.job, got, s.wantSeq)
					}
					mustView(t, db, func(tx *Tx) error {
						j, err := tx.Job(s.wantSeq)
						if err == nil {
							if _, ok := stale[j.Seq]; !ok {
								stale[j.Seq] = j
							}
						}
						return err
					})
				case "delete":
					var j Job
					mustView(t, db, func(tx *Tx) error { var err error; j, err = tx.Job(s.seq); return err })
					deleteJob(t, db, j)
				case "delete-stale":
					j, ok := stale[s.seq]
					if !ok {
						t.Fatalf("step %d: no copy of job %d", i, s.seq)
					}
					deleteJob(t, db, j)
				}
			}
			got := jobs(t, db)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Jobs =\n  %+v\nwant\n  %+v", got, tc.want)
			}
			if n := queueLen(t, db); n != len(tc.want) {
				t.Errorf("QueueLen = %d, want %d", n, len(tc.want))
			}
			// The key index holds exactly the keys of the queued jobs, each
			// pointing at the live job with that key.
			mustView(t, db, func(tx *Tx) error {
				wantKeys := 0
				for _, j := range tc.want {
					if j.Key != "" {
						wantKeys++
					}
				}
				if n := tx.tx.Bucket(bOutboxKeys).KeyN(); n != wantKeys {
					t.Errorf("key index holds %d keys, want %d", n, wantKeys)
				}
				return tx.tx.Bucket(bOutboxKeys).ForEach(func(k, v []byte) error {
					j, err := tx.Job(bytesSeq(v))
					if err != nil {
						t.Errorf("key %q points at missing job %d", k, bytesSeq(v))
					} else if j.Key != string(k) {
						t.Errorf("key %q points at job %d with key %q", k, j.Seq, j.Key)
					}
					return nil
				})
			})
		})
	}
}

func bytesSeq(v []byte) uint64 {
	var n uint64
	for _, b := range v {
		n = n<<8 | uint64(b)
	}
	return n
}

func TestEnqueueReplaceInSameTransaction(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		a, err := tx.Enqueue(Job{Key: "k", Text: "1"})
		if err != nil {
			return err
		}
		b, err := tx.Enqueue(Job{Key: "k", Text: "2"})
		if err != nil {
			return err
		}
		if a != b {
			t.Errorf("same key in one tx: seqs %d and %d, want equal", a, b)
		}
		return nil
	})
	got := jobs(t, db)
	if len(got) != 1 || got[0].Text != "2" || got[0].Version != 1 {
		t.Errorf("Jobs = %+v, want one job with text 2, version 1", got)
	}
}

func TestJobPutGetDelete(t *testing.T) {
	db := openTemp(t)
	seq := enqueue(t, db, Job{ChatID: 5, Op: OpSend, Text: "hi", CreatedAt: t0})
	// The dispatcher turns a delivered send into an edit of its message.
	mustUpdate(t, db, func(tx *Tx) error {
		j, err := tx.Job(seq)
		if err != nil {
			return err
		}
		j.Op, j.MessageID = OpEdit, 77
		return tx.PutJob(j)
	})
	mustView(t, db, func(tx *Tx) error {
		j, err := tx.Job(seq)
		if err != nil {
			return err
		}
		if j.Op != OpEdit || j.MessageID != 77 || j.Text != "hi" {
			t.Errorf("Job after PutJob = %+v", j)
		}
		if _, err := tx.Job(seq + 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("Job(missing) err = %v, want ErrNotFound", err)
		}
		return nil
	})
	deleteJob(t, db, Job{Seq: seq})
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Job(seq); !errors.Is(err, ErrNotFound) {
			t.Errorf("Job after DeleteJob err = %v, want ErrNotFound", err)
		}
		if n := tx.QueueLen(); n != 0 {
			t.Errorf("QueueLen = %d, want 0", n)
		}
		return nil
	})
	// Deleting what is already gone is not an error.
	deleteJob(t, db, Job{Seq: seq, Key: "nothing"})
	// Seqs are never reused after a delete.
	if s := enqueue(t, db, Job{Text: "again"}); s != seq+1 {
		t.Errorf("Enqueue after delete = %d, want %d", s, seq+1)
	}
}

func TestQueueLen(t *testing.T) {
	tests := []struct {
		name    string
		enqueue []string // keys; "" is an unkeyed job
		deletes int      // delete this many from the front afterwards
		want    int
	}{
		{"empty", nil, 0, 0},
		{"three unkeyed", []string{"", "", ""}, 0, 3},
		{"keyed replacements count once", []string{"a", "a", "b", "a", ""}, 0, 3},
		{"after deletes", []string{"", "", "", ""}, 3, 1},
		{"all deleted", []string{"a", "b"}, 2, 0},
		{"many", make([]string, 500), 0, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			mustUpdate(t, db, func(tx *Tx) error {
				for _, k := range tc.enqueue {
					if _, err := tx.Enqueue(Job{Key: k, Text: "t"}); err != nil {
						return err
					}
				}
				return nil
			})
			js := jobs(t, db)
			for _, j := range js[:tc.deletes] {
				deleteJob(t, db, j)
			}
			if n := queueLen(t, db); n != tc.want {
				t.Errorf("QueueLen = %d, want %d", n, tc.want)
			}
		})
	}
}

func TestQueueLenInsideUpdate(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for range 2 {
			if _, err := tx.Enqueue(Job{Text: "t"}); err != nil {
				return err
			}
		}
		if n := tx.QueueLen(); n != 2 {
			t.Errorf("QueueLen inside the enqueuing Update = %d, want 2", n)
		}
		return nil
	})
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.DeleteJob(Job{Seq: 1}); err != nil {
			return err
		}
		if n := tx.QueueLen(); n != 1 {
			t.Errorf("QueueLen inside the deleting Update = %d, want 1", n)
		}
		return nil
	})
}

func BenchmarkEnqueue(b *testing.B) {
	b.Run("unkeyed", func(b *testing.B) {
		db := openTemp(b)
		j := Job{ChatID: 1001, Op: OpSend, Text: "Flood warning: report in", Ref: Ref{Kind: "call", Alert: "20261128-0001", Official: "li"}, CreatedAt: t0}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := db.Update(func(tx *Tx) error { _, err := tx.Enqueue(j); return err }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("same-key", func(b *testing.B) {
		db := openTemp(b)
		j := Job{Key: "summary:20261128-0001", ChatID: 1001, Op: OpEdit, MessageID: 7, Text: "3/10 acked", CreatedAt: t0}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := db.Update(func(tx *Tx) error { _, err := tx.Enqueue(j); return err }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestJobsAfter(t *testing.T) {
	db := openTemp(t)
	for i := range 300 {
		enqueue(t, db, Job{Text: fmt.Sprint(i + 1)})
	}
	for _, j := range jobs(t, db) {
		if j.Seq%3 == 0 { // holes, as left by the sender
			deleteJob(t, db, j)
		}
	}
	tests := []struct {
		after uint64
		first uint64 // expected first seq, 0 for none
		n     int
	}{
		{0, 1, 200},
		{1, 2, 199},
		{2, 4, 198}, // 3 is gone
		{3, 4, 198},
		{255, 256, 30}, // crosses the one-byte boundary of the key
		{298, 299, 1},
		{299, 0, 0},
		{300, 0, 0},
		{1 << 40, 0, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.after), func(t *testing.T) {
			mustView(t, db, func(tx *Tx) error {
				js, err := tx.JobsAfter(tc.after)
				if err != nil {
					return err
				}
				if len(js) != tc.n {
					t.Errorf("JobsAfter(%d) returned %d jobs, want %d", tc.after, len(js), tc.n)
				}
				if tc.n > 0 && len(js) > 0 && js[0].Seq != tc.first {
					t.Errorf("JobsAfter(%d) starts at %d, want %d", tc.after, js[0].Seq, tc.first)
				}
				for i, j := range js {
					if j.Seq <= tc.after || j.Seq%3 == 0 || j.Text != fmt.Sprint(j.Seq) {
						t.Errorf("JobsAfter(%d) returned job %+v", tc.after, j)
					}
					if i > 0 && j.Seq <= js[i-1].Seq {
						t.Errorf("JobsAfter(%d) out of order at %d", tc.after, i)
					}
				}
				return nil
			})
		})
	}
}
