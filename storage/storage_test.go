package storage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// t0 is a fixed UTC instant used by the tests. UTC times without a monotonic
// reading survive the JSON round trip unchanged, so reflect.DeepEqual works.
var t0 = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

// openTemp opens a fresh database in t.TempDir and closes it at cleanup.
func openTemp(tb testing.TB) *DB {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "dutybot.db"))
}

// openAt opens the database at path and closes it at cleanup.
func openAt(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := openPath(tb, path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func mustUpdate(tb testing.TB, db *DB, fn func(*Tx) error) {
	tb.Helper()
	if err := db.Update(fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

func mustView(tb testing.TB, db *DB, fn func(*Tx) error) {
	tb.Helper()
	if err := db.View(fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

// featureRecord is one record a feature keeps in its own bucket.
type featureRecord struct{ bucket, key, value string }

// fixture is one record of every kind, written by populate and checked by
// checkFixture.
type fixture struct {
	bindings  []Binding
	records   []featureRecord // a feature's records, through Records
	jobs      []Job           // Seq is filled in by populate
	deadlines []Deadline
	events    []Event // Seq is filled in by populate
}

func newFixture() *fixture {
	return &fixture{
		bindings: []Binding{
			{Official: "ivanov", ChatID: 1001, UserID: 1001, Username: "ivan", Language: "ru", TelegramLang: "ru-RU", BoundAt: t0, Source: "contact"},
			{Official: "li", ChatID: -2002, UserID: 2002, Language: "zh", BoundAt: t0.Add(time.Minute), Source: "config", Unreachable: true, UnreachableAt: t0.Add(time.Hour)},
		},
		records: []featureRecord{
			{"alerts", "20261128-0001", `{"id":"20261128-0001","level":"high","title":"Flood","state":"open"}`},
			{"alerts", "20261128-0002", `{"id":"20261128-0002","title":"Done one","state":"closed"}`},
			{"recipients", "20261128-0001\x00ivanov", `{"alert_id":"20261128-0001","official":"ivanov","state":"acked"}`},
			{"recipients", "20261128-0001\x00li", `{"alert_id":"20261128-0001","official":"li","state":"escalated"}`},
			{"alert_links", "warning:7", "20261128-0001"},
		},
		jobs: []Job{
			{Key: "summary:20261128-0001", ChatID: 1001, Op: OpEdit, MessageID: 77, Text: "summary", Buttons: [][]Button{{{Text: "Close", Data: "close:1"}}}, Ref: Ref{Kind: "summary", Alert: "20261128-0001"}, CreatedAt: t0},
			{ChatID: -2002, Op: OpSend, Text: "call", Reply: &Reply{ContactLabel: "Share phone"}, Ref: Ref{Kind: RefCall, Alert: "20261128-0001", Official: "li"}, CreatedAt: t0},
		},
		deadlines: []Deadline{
			{At: t0.Add(5 * time.Minute), Key: "step:20261128-0001:li", Payload: `{"step":2}`},
			{At: t0.Add(time.Minute), Key: "remind:20261128-0001:li", Payload: ""},
		},
		events: []Event{
			{At: t0, Type: EvCreated, Alert: "20261128-0001", Actor: "ivanov"},
			{At: t0, Type: EvBound, Official: "li", Actor: "system", Detail: "config"},
			{At: t0.Add(time.Minute), Type: EvAcked, Alert: "20261128-0001", Official: "ivanov", Actor: "ivanov"},
		},
	}
}

func (f *fixture) populate(tb testing.TB, db *DB) {
	tb.Helper()
	mustUpdate(tb, db, func(tx *Tx) error {
		for _, b := range f.bindings {
			if err := tx.PutBinding(b); err != nil {
				return err
			}
		}
		for _, r := range f.records {
			if err := tx.Records(r.bucket).PutRaw([]byte(r.key), []byte(r.value)); err != nil {
				return err
			}
		}
		for i := range f.jobs {
			seq, err := tx.Enqueue(f.jobs[i])
			if err != nil {
				return err
			}
			f.jobs[i].Seq = seq
		}
		for _, d := range f.deadlines {
			if err := tx.PutDeadline(d); err != nil {
				return err
			}
		}
		for i := range f.events {
			_, prev := tx.ChainHead()
			if err := tx.AppendEvent(f.events[i]); err != nil {
				return err
			}
			f.events[i].Seq = uint64(i + 1)
			f.events[i].Prev = prev // chained as written
			f.events[i].Hash = f.events[i].Digest()
		}
		return nil
	})
}

func (f *fixture) check(tb testing.TB, db *DB) {
	tb.Helper()
	mustView(tb, db, func(tx *Tx) error {
		bs, err := tx.Bindings()
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(bs, f.bindings) {
			tb.Errorf("Bindings = %+v, want %+v", bs, f.bindings)
		}
		for _, b := range f.bindings {
			if got, err := tx.OfficialByChat(b.ChatID); err != nil || got != b.Official {
				tb.Errorf("OfficialByChat(%d) = %q, %v; want %q", b.ChatID, got, err, b.Official)
			}
		}
		byBucket := map[string][]featureRecord{}
		for _, r := range f.records {
			if got := string(tx.Records(r.bucket).GetRaw([]byte(r.key))); got != r.value {
				tb.Errorf("%s/%q = %q, want %q", r.bucket, r.key, got, r.value)
			}
			byBucket[r.bucket] = append(byBucket[r.bucket], r)
		}
		for bucket, want := range byBucket {
			var got []featureRecord
			err := tx.Records(bucket).Scan(nil, nil, func(k, v []byte) error {
				got = append(got, featureRecord{bucket, string(k), string(v)})
				return nil
			})
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) { // written in key order
				tb.Errorf("%s holds %q, want %q", bucket, got, want)
			}
		}
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(jobs, f.jobs) {
			tb.Errorf("Jobs = %+v, want %+v", jobs, f.jobs)
		}
		if n := tx.QueueLen(); n != len(f.jobs) {
			tb.Errorf("QueueLen = %d, want %d", n, len(f.jobs))
		}
		due := tx.DueDeadlines(t0.Add(24*time.Hour), 100)
		wantDue := []Deadline{f.deadlines[1], f.deadlines[0]} // earliest first
		if !deadlinesEqual(due, wantDue) {
			tb.Errorf("DueDeadlines = %+v, want %+v", due, wantDue)
		}
		if n := tx.DeadlineCount(); n != len(f.deadlines) {
			tb.Errorf("DeadlineCount = %d, want %d", n, len(f.deadlines))
		}
		evs, err := tx.Events(0, 100)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(evs, f.events) {
			tb.Errorf("Events = %+v, want %+v", evs, f.events)
		}
		aevs, err := tx.AlertEvents("20261128-0001")
		if err != nil {
			return err
		}
		if want := []Event{f.events[0], f.events[2]}; !reflect.DeepEqual(aevs, want) {
			tb.Errorf("AlertEvents = %+v, want %+v", aevs, want)
		}
		if n := tx.EventCount(); n != uint64(len(f.events)) {
			tb.Errorf("EventCount = %d, want %d", n, len(f.events))
		}
		return nil
	})
}

func TestOpenCreatesMissingDirectories(t *testing.T) {
	boltOnly(t)
	tests := []struct {
		name string
		rel  string // path below t.TempDir()
	}{
		{"existing dir", "dutybot.db"},
		{"one missing dir", "data/dutybot.db"},
		{"nested missing dirs", "var/lib/dutybot/state/dutybot.db"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.rel)
			db, err := openPath(t, path)
			if err != nil {
				t.Fatalf("Open(%q): %v", path, err)
			}
			defer db.Close()
			if db.Path() != path {
				t.Errorf("Path() = %q, want %q", db.Path(), path)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("database file not created: %v", err)
			}
			if !fi.Mode().IsRegular() {
				t.Errorf("%s is %v, want a regular file", path, fi.Mode())
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
			}
			// A fresh file is stamped with the current schema version.
			err = db.View(func(t_ *Tx) error {
				tx := t_.tx
				for _, name := range allBuckets {
					if tx.Bucket(name) == nil {
						t.Errorf("bucket %s missing", name)
					}
				}
				if v := tx.Bucket(bMeta).Get(keyVersion); !bytes.Equal(v, u64(SchemaVersion)) {
					t.Errorf("schema_version = %x, want %x", v, u64(SchemaVersion))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOpenFailsWhenParentIsAFile(t *testing.T) {
	boltOnly(t)
	dir := t.TempDir()
	blocker := filepath.Join(dir, "notadir")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(filepath.Join(blocker, "dutybot.db"))
	if err == nil {
		db.Close()
		t.Fatal("Open below a regular file succeeded, want error")
	}
}

func TestOpenLockedByAnotherProcess(t *testing.T) {
	boltOnly(t)
	path := filepath.Join(t.TempDir(), "dutybot.db")
	first, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	second, err := openPath(t, path)
	elapsed := time.Since(start)
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("second Open of a held database succeeded, want error")
	}
	if !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("error = %q, want it to mention %q", err, "locked by another process")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error = %q, want it to name the file %s", err, path)
	}
	if elapsed < 1500*time.Millisecond || elapsed > 10*time.Second {
		t.Errorf("second Open gave up after %v, want about the 2 s timeout", elapsed)
	}
	// Once the holder closes, the file opens again.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := openPath(t, path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}

func TestOpenSchemaVersion(t *testing.T) {
	boltOnly(t)
	tests := []struct {
		name    string
		version []byte // nil: leave the meta bucket without a version
		wantErr string // "" means Open must succeed
	}{
		{"no version stamps current", nil, ""},
		{"current version", u64(SchemaVersion), ""},
		{"newer version refused", u64(SchemaVersion + 1), "newer"},
		{"much newer version refused", u64(1 << 40), "newer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dutybot.db")
			raw, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = raw.Update(func(tx *bolt.Tx) error {
				m, err := tx.CreateBucketIfNotExists(bMeta)
				if err != nil || tc.version == nil {
					return err
				}
				return m.Put(keyVersion, tc.version)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}

			db, err := openPath(t, path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				db.Close()
			} else {
				if err == nil {
					db.Close()
					t.Fatalf("Open succeeded, want error containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
				}
			}

			// Whatever happened, the file is released and its version is
			// either the one written or, if absent, the current one.
			raw, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond, ReadOnly: true})
			if err != nil {
				t.Fatalf("file still locked after Open returned: %v", err)
			}
			defer raw.Close()
			want := tc.version
			if want == nil {
				want = u64(SchemaVersion)
			}
			err = raw.View(func(tx *bolt.Tx) error {
				if v := tx.Bucket(bMeta).Get(keyVersion); !bytes.Equal(v, want) {
					t.Errorf("schema_version on disk = %x, want %x", v, want)
				}
				if tc.wantErr != "" && tx.Bucket(bOutbox) != nil {
					t.Errorf("refused Open still created buckets in the newer file")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestReopenKeepsEveryRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dutybot.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture()
	f.populate(t, db)
	f.check(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, path)
	f.check(t, db)

	// Sequences continue after the reopen instead of restarting.
	mustUpdate(t, db, func(tx *Tx) error {
		seq, err := tx.Enqueue(Job{ChatID: 1, Op: OpSend, Text: "after reopen"})
		if err != nil {
			return err
		}
		if want := f.jobs[len(f.jobs)-1].Seq + 1; seq != want {
			t.Errorf("Enqueue after reopen = %d, want %d", seq, want)
		}
		if err := tx.AppendEvent(Event{Type: EvSent}); err != nil {
			return err
		}
		if n := tx.EventCount(); n != uint64(len(f.events)+1) {
			t.Errorf("EventCount after reopen+append = %d, want %d", n, len(f.events)+1)
		}
		return nil
	})
}

func TestWriteToProducesOpenableCopy(t *testing.T) {
	db := openTemp(t)
	f := newFixture()
	f.populate(t, db)

	copyPath := filepath.Join(t.TempDir(), "backup", "copy.db")
	if err := os.MkdirAll(filepath.Dir(copyPath), 0o750); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.WriteTo(out)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 || n != fi.Size() {
		t.Errorf("WriteTo returned %d bytes, file has %d", n, fi.Size())
	}

	// The source stays usable and later writes do not leak into the copy.
	mustUpdate(t, db, func(tx *Tx) error { return tx.AppendEvent(Event{Type: EvClosed}) })

	// The copy is a bbolt file whichever the backend.
	cp, err := Open(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	f.check(t, cp)
}

func TestBatchConcurrentAppendEvent(t *testing.T) {
	const n = 200
	db := openTemp(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Batch(func(tx *Tx) error {
				return tx.AppendEvent(Event{At: t0, Type: EvAcked, Alert: "20261128-0001", Detail: strconv.Itoa(i)})
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Batch: %v", err)
		}
	}

	mustView(t, db, func(tx *Tx) error {
		if c := tx.EventCount(); c != n {
			t.Errorf("EventCount = %d, want %d", c, n)
		}
		evs, err := tx.Events(0, 10*n)
		if err != nil {
			return err
		}
		if len(evs) != n {
			t.Fatalf("Events returned %d, want %d", len(evs), n)
		}
		seqs := map[uint64]bool{}
		details := map[string]bool{}
		for i, e := range evs {
			if e.Seq != uint64(i+1) {
				t.Errorf("event %d has Seq %d, want %d", i, e.Seq, i+1)
			}
			if seqs[e.Seq] {
				t.Errorf("duplicate Seq %d", e.Seq)
			}
			seqs[e.Seq] = true
			if details[e.Detail] {
				t.Errorf("goroutine %s appended twice", e.Detail)
			}
			details[e.Detail] = true
		}
		for i := range n {
			if !details[strconv.Itoa(i)] {
				t.Errorf("event of goroutine %d missing", i)
			}
		}
		aevs, err := tx.AlertEvents("20261128-0001")
		if err != nil {
			return err
		}
		if len(aevs) != n {
			t.Errorf("AlertEvents returned %d, want %d", len(aevs), n)
		}
		return nil
	})
}

func TestBatchErrorRollsBackOnlyThatCall(t *testing.T) {
	db := openTemp(t)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	results := make([]error, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = db.Batch(func(tx *Tx) error {
				if err := tx.AppendEvent(Event{Type: EvSent, Detail: strconv.Itoa(i)}); err != nil {
					return err
				}
				if i%5 == 0 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	want := 0
	for i, err := range results {
		if i%5 == 0 {
			if !errors.Is(err, boom) {
				t.Errorf("call %d: err = %v, want boom", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
		want++
	}
	mustView(t, db, func(tx *Tx) error {
		evs, err := tx.Events(0, 100)
		if err != nil {
			return err
		}
		if len(evs) != want {
			t.Errorf("%d events survived, want %d", len(evs), want)
		}
		for _, e := range evs {
			if i, _ := strconv.Atoi(e.Detail); i%5 == 0 {
				t.Errorf("event of failed call %d was committed", i)
			}
		}
		return nil
	})
}

func TestOnCommitRunsOnlyAfterACommit(t *testing.T) {
	db := openTemp(t)
	var ran []string
	if err := db.Update(func(tx *Tx) error {
		tx.OnCommit(func() { ran = append(ran, "committed") })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("roll back")
	if err := db.Update(func(tx *Tx) error {
		tx.OnCommit(func() { ran = append(ran, "rolled back") })
		return failed
	}); !errors.Is(err, failed) {
		t.Fatal(err)
	}
	if len(ran) != 1 || ran[0] != "committed" {
		t.Errorf("ran %v, want only the committed transaction's", ran)
	}
}
