package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/pgtest"
)

// These tests open PostgreSQL themselves (pgtest), so they run in the
// ordinary bbolt run of the package; the PostgreSQL run skips them rather
// than run them twice.

// newPG returns the DSN of a new, empty database on the test server.
func newPG(t *testing.T) string {
	t.Helper()
	if onPostgres() {
		t.Skip("opens PostgreSQL itself: runs in the bbolt run")
	}
	return pgtest.NewDSN(t)
}

// openPG opens dsn as one more process sharing the database would, and
// closes it at cleanup.
func openPG(t *testing.T, dsn string, o PGOptions) *DB {
	t.Helper()
	db, err := OpenPostgres(dsn, o)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// sqlExec runs a statement on db's database outside any dutybot
// transaction: what an operator (or a clock) does to the database.
func sqlExec(t *testing.T, db *DB, q string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.pg.pool.Exec(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// leaseLapsed tells whether the database's clock has passed the lease's
// expiry; it takes no lock.
func leaseLapsed(t *testing.T, db *DB) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lapsed bool
	if err := db.pg.pool.QueryRow(ctx, "SELECT expires <= now() FROM dutybot_lease WHERE name = 'engine'").Scan(&lapsed); err != nil {
		t.Fatalf("read the lease: %v", err)
	}
	return lapsed
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClaimLease(t *testing.T) {
	dsn := newPG(t)
	dbs := map[string]*DB{"a": openPG(t, dsn, PGOptions{}), "b": openPG(t, dsn, PGOptions{})}
	const long = time.Hour
	type step struct {
		name   string
		op     string // "claim", "release" or "lapse" (wait until the lease expired)
		who    string
		epoch  uint64 // the epoch the caller believes it holds
		ttl    time.Duration
		held   bool
		holder string
		want   uint64 // the lease's epoch afterwards
		taken  bool   // Since moved: a new term began
	}
	steps := []step{
		{name: "first claim takes epoch 1", op: "claim", who: "a", epoch: 0, ttl: long, held: true, holder: "a", want: 1, taken: true},
		{name: "renewal keeps the epoch", op: "claim", who: "a", epoch: 1, ttl: long, held: true, holder: "a", want: 1},
		{name: "another holder is refused while live", op: "claim", who: "b", epoch: 0, ttl: long, holder: "a", want: 1},
		{name: "the holder under an epoch it does not hold is refused", op: "claim", who: "a", epoch: 7, ttl: long, holder: "a", want: 1},
		{name: "a release by another does nothing", op: "release", who: "b", epoch: 1},
		{name: "still refused after another's release", op: "claim", who: "b", epoch: 0, ttl: long, holder: "a", want: 1},
		{name: "a release under a stale epoch does nothing", op: "release", who: "a", epoch: 0},
		{name: "still refused after a stale release", op: "claim", who: "b", epoch: 0, ttl: long, holder: "a", want: 1},
		{name: "renew for a short while", op: "claim", who: "a", epoch: 1, ttl: 200 * time.Millisecond, held: true, holder: "a", want: 1},
		{name: "the lease lapses", op: "lapse"},
		{name: "after the ttl another takes over under the next epoch", op: "claim", who: "b", epoch: 0, ttl: long, held: true, holder: "b", want: 2, taken: true},
		{name: "the old holder is refused", op: "claim", who: "a", epoch: 1, ttl: long, holder: "b", want: 2},
		{name: "the holder lets go", op: "release", who: "b", epoch: 2},
		{name: "a standby takes over at once", op: "claim", who: "a", epoch: 1, ttl: long, held: true, holder: "a", want: 3, taken: true},
		{name: "the one that let go is refused", op: "claim", who: "b", epoch: 2, ttl: long, holder: "a", want: 3},
		{name: "the holder lets go of its own", op: "release", who: "a", epoch: 3},
		{name: "taking it again is a new term", op: "claim", who: "a", epoch: 3, ttl: long, held: true, holder: "a", want: 4, taken: true},
	}
	var prev Lease
	for _, s := range steps {
		switch s.op {
		case "lapse":
			waitFor(t, "the lease to lapse", func() bool { return leaseLapsed(t, dbs["a"]) })
			continue
		case "release":
			if err := dbs[s.who].ReleaseLease(s.who, s.epoch); err != nil {
				t.Fatalf("%s: ReleaseLease: %v", s.name, err)
			}
			continue
		}
		l, held, err := dbs[s.who].ClaimLease(s.who, s.epoch, s.ttl)
		if err != nil {
			t.Fatalf("%s: ClaimLease: %v", s.name, err)
		}
		if held != s.held || l.Holder != s.holder || l.Epoch != s.want {
			t.Errorf("%s: ClaimLease(%s, %d) = %s #%d, held %v; want %s #%d, held %v",
				s.name, s.who, s.epoch, l.Holder, l.Epoch, held, s.holder, s.want, s.held)
		}
		switch {
		case s.taken && !l.Expires.Equal(l.Since.Add(s.ttl)):
			t.Errorf("%s: a new lease runs %v to %v, want for %v", s.name, l.Since, l.Expires, s.ttl)
		case s.held && l.Expires.Sub(l.Since) < s.ttl:
			t.Errorf("%s: renewed until %v, less than %v after %v", s.name, l.Expires, s.ttl, l.Since)
		case !s.taken && !l.Since.Equal(prev.Since):
			t.Errorf("%s: Since moved from %v to %v without a new term", s.name, prev.Since, l.Since)
		case !s.held && !l.Expires.Equal(prev.Expires):
			t.Errorf("%s: a refused claim moved the expiry from %v to %v", s.name, prev.Expires, l.Expires)
		}
		prev = l
	}
}

func TestClaimLeaseOnBolt(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, holder := range []string{"a", "b"} {
		l, held, err := db.ClaimLease(holder, 0, time.Second)
		if err != nil || !held || l.Holder != holder || l.Epoch != 1 {
			t.Errorf("ClaimLease(%s) on bbolt = %+v, %v, %v; want held at epoch 1", holder, l, held, err)
		}
		if err := db.ReleaseLease(holder, 1); err != nil {
			t.Errorf("ReleaseLease on bbolt: %v", err)
		}
	}
	db.SetFence(5) // no lease table: nothing to check against
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutMeta("k", "v") })
}

// putRaw writes key=val into bucket, creating it.
func putRaw(bucket, key, val string) func(*Tx) error {
	return func(tx *Tx) error {
		b, err := tx.tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(val))
	}
}

// getRaw reads key in bucket; nil when either is missing.
func getRaw(t *testing.T, db *DB, bucket, key string) []byte {
	t.Helper()
	var v []byte
	mustView(t, db, func(tx *Tx) error {
		if b := tx.tx.Bucket([]byte(bucket)); b != nil {
			v = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	return v
}

func TestFence(t *testing.T) {
	dsn := newPG(t)
	a, b := openPG(t, dsn, PGOptions{}), openPG(t, dsn, PGOptions{})
	l, held, err := a.ClaimLease("a", 0, 200*time.Millisecond)
	if err != nil || !held {
		t.Fatalf("a: ClaimLease = %+v, %v, %v", l, held, err)
	}
	a.SetFence(l.Epoch)
	if err := a.Update(putRaw("fenced", "while-held", "1")); err != nil {
		t.Fatalf("a write while a holds the lease: %v", err)
	}

	waitFor(t, "a's lease to lapse", func() bool { return leaseLapsed(t, b) })
	lb, held, err := b.ClaimLease("b", 0, time.Hour)
	if err != nil || !held || lb.Epoch != l.Epoch+1 {
		t.Fatalf("b: ClaimLease = %+v, %v, %v; want held at #%d", lb, held, err, l.Epoch+1)
	}

	ran := false
	err = a.Update(func(tx *Tx) error { ran = true; return putRaw("fenced", "after-takeover", "1")(tx) })
	if !errors.Is(err, ErrFenced) {
		t.Fatalf("a's write after b took over: %v, want ErrFenced", err)
	}
	if ran {
		t.Error("a fenced write ran its function")
	}
	if err := a.Batch(putRaw("fenced", "batched", "1")); !errors.Is(err, ErrFenced) {
		t.Errorf("a's batched write after b took over: %v, want ErrFenced", err)
	}
	for _, k := range []string{"after-takeover", "batched"} {
		if v := getRaw(t, b, "fenced", k); v != nil {
			t.Errorf("a fenced write left %s = %q", k, v)
		}
	}
	if v := getRaw(t, b, "fenced", "while-held"); string(v) != "1" {
		t.Errorf("the write made while a held the lease reads %q, want 1", v)
	}
	// The lease's own writes are not fenced: a fenced instance still looks.
	if l, held, err := a.ClaimLease("a", l.Epoch, time.Hour); err != nil || held || l.Holder != "b" {
		t.Errorf("a fenced instance's claim = %+v, %v, %v; want refused, b holds it", l, held, err)
	}

	a.SetFence(0)
	if err := a.Update(putRaw("fenced", "unfenced", "1")); err != nil {
		t.Errorf("a's write with the fence lifted: %v", err)
	}
	b.SetFence(lb.Epoch)
	if err := b.Update(putRaw("fenced", "by-b", "1")); err != nil {
		t.Errorf("the new holder's fenced write: %v", err)
	}
	if string(getRaw(t, a, "fenced", "unfenced")) != "1" || string(getRaw(t, a, "fenced", "by-b")) != "1" {
		t.Error("the unfenced writes did not land")
	}
}

// TestTakeoverAndOpenWrite: a write transaction the old leader opened
// before the takeover either ends before the new leader takes the lease
// (which waits for the write lock), or, when the old leader stalls inside
// it, is ended by the server and commits nothing.
func TestTakeoverAndOpenWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		idle   time.Duration // the old leader's IdleInTransaction
		stall  time.Duration // how long its transaction waits between two writes
		commit bool
	}{
		{name: "the takeover waits for the write", idle: 10 * time.Second, stall: 500 * time.Millisecond, commit: true},
		{name: "a stalled write is ended", idle: 300 * time.Millisecond, stall: 2 * time.Second, commit: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := newPG(t)
			a, b := openPG(t, dsn, PGOptions{IdleInTransaction: tc.idle}), openPG(t, dsn, PGOptions{})
			l, held, err := a.ClaimLease("a", 0, 100*time.Millisecond)
			if err != nil || !held {
				t.Fatalf("a: ClaimLease = %+v, %v, %v", l, held, err)
			}
			a.SetFence(l.Epoch)
			inside := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- a.Update(func(tx *Tx) error {
					if err := putRaw("w", "first", "1")(tx); err != nil {
						return err
					}
					close(inside)
					time.Sleep(tc.stall)
					return putRaw("w", "second", "1")(tx)
				})
			}()
			<-inside
			waitFor(t, "a's lease to lapse", func() bool { return leaseLapsed(t, b) })
			lb, held, err := b.ClaimLease("b", 0, time.Hour)
			if err != nil || !held || lb.Epoch != l.Epoch+1 {
				t.Fatalf("b: ClaimLease = %+v, %v, %v; want held at #%d", lb, held, err, l.Epoch+1)
			}
			// b holds the lease now: a's transaction has ended, one way
			// or the other, and what it wrote is there for b to read.
			first, second := getRaw(t, b, "w", "first"), getRaw(t, b, "w", "second")
			errA := <-done
			if tc.commit {
				if errA != nil || string(first) != "1" || string(second) != "1" {
					t.Errorf("a's write = %v, wrote first=%q second=%q before b took over; want it committed first", errA, first, second)
				}
				return
			}
			if errA == nil {
				t.Error("a's stalled write committed")
			}
			if first != nil || second != nil {
				t.Errorf("a's stalled write left first=%q second=%q", first, second)
			}
			if v := getRaw(t, b, "w", "first"); v != nil {
				t.Errorf("a's stalled write left first=%q after it returned", v)
			}
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := newPG(t)
	db := openPG(t, dsn, PGOptions{})
	newer := PGSchemaVersion + 1
	sqlExec(t, db, "INSERT INTO dutybot_migrations (version) VALUES ($1)", newer)
	_ = db.Close()

	db2, err := OpenPostgres(dsn, PGOptions{})
	if err == nil {
		db2.Close()
		t.Fatal("OpenPostgres opened a database of a newer schema")
	}
	if !errors.Is(err, ErrSchemaNewer) {
		t.Errorf("OpenPostgres = %v, want ErrSchemaNewer", err)
	}
	for _, v := range []int{newer, PGSchemaVersion} {
		if !strings.Contains(err.Error(), strconv.Itoa(v)) {
			t.Errorf("the refusal %q does not name version %d", err, v)
		}
	}
	if strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), "sslmode") {
		t.Errorf("the refusal quotes the dsn: %q", err)
	}
}

func TestWatch(t *testing.T) {
	dsn := newPG(t)
	a, b := openPG(t, dsn, PGOptions{}), openPG(t, dsn, PGOptions{})
	var mu sync.Mutex
	var got [][]string
	seen := func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan error, 1)
	go func() {
		watching <- a.Watch(ctx, slog.New(slog.DiscardHandler), func(buckets []string) {
			slices.Sort(buckets)
			mu.Lock()
			got = append(got, buckets)
			mu.Unlock()
		})
	}()
	defer func() {
		cancel()
		if err := <-watching; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()

	// The watch listens once a commit of b's wakes it.
	for i := 0; len(seen()) == 0; i++ {
		if i == 3000 {
			t.Fatal("b's commits never woke a's watch")
		}
		if i%20 == 0 {
			if err := b.Update(putRaw("probe", "k", strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, s := range seen() {
		if !reflect.DeepEqual(s, []string{"probe"}) {
			t.Fatalf("a probe woke the watch with %q, want [probe]", s)
		}
	}
	mu.Lock()
	got = nil
	mu.Unlock()

	// Notifications come in commit order: by the time b's last commit
	// wakes the watch, a's own commit and b's read-only one would have.
	if err := a.Update(putRaw("own", "k", "1")); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *Tx) error { tx.Meta("x"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *Tx) error {
		if err := putRaw("theirs", "k", "1")(tx); err != nil {
			return err
		}
		return putRaw("also", "k", "1")(tx)
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b's commit to wake a's watch", func() bool { return len(seen()) > 0 })
	if s := seen(); !reflect.DeepEqual(s, [][]string{{"also", "theirs"}}) {
		t.Errorf("the watch was woken with %q, want only [[also theirs]] (not a's own commit, nor b's read)", s)
	}
}

// dump is a database's every bucket: its sequence and its keys.
type dumpBucket struct {
	Seq  uint64
	Keys map[string]string
}

func dumpDB(t *testing.T, db *DB) map[string]dumpBucket {
	t.Helper()
	out := map[string]dumpBucket{}
	mustView(t, db, func(tx *Tx) error {
		return tx.tx.ForEachBucket(func(name []byte, b kvBucket) error {
			d := dumpBucket{Seq: b.Sequence(), Keys: map[string]string{}}
			if err := b.ForEach(func(k, v []byte) error { d.Keys[string(k)] = string(v); return nil }); err != nil {
				return err
			}
			out[string(name)] = d
			return nil
		})
	})
	return out
}

func keyCount(d map[string]dumpBucket) int {
	n := 0
	for _, b := range d {
		n += len(b.Keys)
	}
	return n
}

func TestCopyRoundTrip(t *testing.T) {
	dsn := newPG(t)
	dir := t.TempDir()
	src, err := Open(filepath.Join(dir, "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f := newFixture()
	f.populate(t, src)
	mustUpdate(t, src, func(tx *Tx) error {
		b, err := tx.tx.CreateBucketIfNotExists([]byte("zz_bulk"))
		if err != nil {
			return err
		}
		for i := range 5000 { // more than one COPY chunk
			if err := b.Put(fmt.Appendf(nil, "k%06d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
				return err
			}
		}
		if err := b.Put([]byte{0, 0xff, 1}, nil); err != nil { // binary key, empty value
			return err
		}
		if err := b.SetSequence(1 << 40); err != nil {
			return err
		}
		_, err = tx.tx.CreateBucketIfNotExists([]byte("zz_empty"))
		return err
	})
	want := dumpDB(t, src)

	pg := openPG(t, dsn, PGOptions{})
	st, err := Copy(pg, src)
	if err != nil {
		t.Fatalf("Copy bbolt -> postgres: %v", err)
	}
	if st.Buckets != len(want) || st.Keys != keyCount(want) {
		t.Errorf("Copy bbolt -> postgres = %+v, want %d buckets, %d keys", st, len(want), keyCount(want))
	}
	if got := dumpDB(t, pg); !reflect.DeepEqual(got, want) {
		t.Errorf("postgres after the copy differs from the bbolt file:\n%s", dumpDiff(got, want))
	}
	f.check(t, pg)

	back, err := Open(filepath.Join(dir, "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	st, err = Copy(back, pg)
	if err != nil {
		t.Fatalf("Copy postgres -> bbolt: %v", err)
	}
	if st.Buckets != len(want) || st.Keys != keyCount(want) {
		t.Errorf("Copy postgres -> bbolt = %+v, want %d buckets, %d keys", st, len(want), keyCount(want))
	}
	if got := dumpDB(t, back); !reflect.DeepEqual(got, want) {
		t.Errorf("the bbolt file copied back differs from the original:\n%s", dumpDiff(got, want))
	}
	f.check(t, back)
}

func dumpDiff(got, want map[string]dumpBucket) string {
	var b strings.Builder
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			fmt.Fprintf(&b, "bucket %s missing\n", name)
		case g.Seq != w.Seq:
			fmt.Fprintf(&b, "bucket %s: sequence %d, want %d\n", name, g.Seq, w.Seq)
		case !reflect.DeepEqual(g.Keys, w.Keys):
			fmt.Fprintf(&b, "bucket %s: %d keys, want %d (or values differ)\n", name, len(g.Keys), len(w.Keys))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			fmt.Fprintf(&b, "bucket %s not wanted\n", name)
		}
	}
	return b.String()
}

func TestCopyRefusesUsedTarget(t *testing.T) {
	dsn := newPG(t)
	src, err := Open(filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mustUpdate(t, src, putRaw("zz_src", "k", "from the source"))

	pg := openPG(t, dsn, PGOptions{})
	bolted, err := Open(filepath.Join(t.TempDir(), "used.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bolted.Close()
	// Each case has a target of its own: one that held two kinds of record
	// would be refused for either.
	waiting, err := Open(filepath.Join(t.TempDir(), "waiting.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	for _, tc := range []struct {
		name string
		db   *DB
		fill func(*Tx) error
	}{
		{"postgres holding a queued message", pg, func(tx *Tx) error {
			_, err := tx.Enqueue(Job{ChatID: 1001, Op: OpSend, Text: "call", Ref: Ref{Kind: RefCall, Alert: "20261128-0001", Official: "li"}, CreatedAt: t0})
			return err
		}},
		{"bbolt holding a deadline", waiting, func(tx *Tx) error {
			return tx.PutDeadline(Deadline{At: t0, Key: "step:20261128-0001:li"})
		}},
		{"bbolt holding an event", bolted, func(tx *Tx) error {
			return tx.AppendEvent(Event{At: t0, Type: EvBound, Official: "li", Actor: "system"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustUpdate(t, tc.db, tc.fill)
			before := dumpDB(t, tc.db)
			if _, err := Copy(tc.db, src); !errors.Is(err, ErrNotEmpty) {
				t.Errorf("Copy into a used database = %v, want ErrNotEmpty", err)
			}
			if after := dumpDB(t, tc.db); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused Copy changed the target:\n%s", dumpDiff(after, before))
			}
		})
	}
}

// TestCursorMatchesBolt walks a bucket of more keys than a cursor reads
// in a page on PostgreSQL and on a bbolt file, the same operations on
// both, and wants the same keys and values back.
func TestCursorMatchesBolt(t *testing.T) {
	dsn := newPG(t)
	const n = 2000
	key := func(i int) []byte { return fmt.Appendf(nil, "k%05d", i) }
	fill := func(tx *Tx) error {
		b, err := tx.tx.CreateBucketIfNotExists([]byte("walk"))
		if err != nil {
			return err
		}
		for i := range n {
			v := fmt.Appendf(nil, "v%d", i)
			if i%97 == 0 {
				v = nil // committed, an empty value reads back empty, not nil
			}
			if err := b.Put(key(i), v); err != nil {
				return err
			}
		}
		return nil
	}
	type op struct {
		do  string // first, last, next, prev, seek, delete
		arg string // seek's key
		n   int    // repeat count (0: once); "all": until nil
	}
	all := -1
	ops := []struct {
		name string
		ops  []op
	}{
		{"walk forward past the end", []op{{do: "first"}, {do: "next", n: all}, {do: "next"}, {do: "prev"}, {do: "prev"}}},
		{"walk backward past the start", []op{{do: "last"}, {do: "prev", n: all}, {do: "prev"}, {do: "next"}, {do: "next"}}},
		{"seek into the middle and on across pages", []op{{do: "seek", arg: "k01000"}, {do: "next", n: 700}, {do: "prev", n: 5}, {do: "next", n: 3}}},
		{"prev across the first page boundary", []op{{do: "first"}, {do: "next", n: pageFirst}, {do: "prev"}, {do: "prev"}, {do: "next", n: 3}}},
		{"prev across a later page boundary", []op{{do: "first"}, {do: "next", n: pageFirst + 4*pageFirst}, {do: "prev", n: 3}}},
		{"seek between keys", []op{{do: "seek", arg: "k00100x"}, {do: "prev"}, {do: "prev"}}},
		{"seek before everything", []op{{do: "seek", arg: ""}, {do: "next"}}},
		{"seek past the end", []op{{do: "seek", arg: "z"}, {do: "next"}, {do: "prev"}, {do: "prev"}}},
		// After a Delete a bbolt cursor walks on over the leaf as it read
		// it, so a step back over the deleted key may still find it there;
		// only the steps on and new positions are the same on both.
		{"delete at the cursor", []op{{do: "seek", arg: "k00500"}, {do: "delete"}, {do: "next"}, {do: "next"}, {do: "seek", arg: "k00500"}, {do: "prev"}}},
		{"delete on a page's last key, then cross", []op{{do: "first"}, {do: "next", n: pageFirst - 1}, {do: "delete"}, {do: "next"}, {do: "next"},
			{do: "seek", arg: "k00015"}, {do: "prev"}}},
		{"delete a run while walking", []op{{do: "seek", arg: "k01500"}, {do: "delete"}, {do: "next"}, {do: "delete"}, {do: "next"},
			{do: "delete"}, {do: "next"}, {do: "seek", arg: "k01500"}, {do: "prev"}}},
		{"delete the last key after walking past it", []op{{do: "last"}, {do: "next"}, {do: "delete"}, {do: "last"}}},
		{"walk everything that is left", []op{{do: "first"}, {do: "next", n: all}, {do: "last"}, {do: "prev", n: all}}},
	}
	run := func(db *DB) []string {
		var log []string
		mustUpdate(t, db, fill)
		mustUpdate(t, db, func(tx *Tx) error {
			b := tx.tx.Bucket([]byte("walk"))
			for _, seq := range ops {
				c := b.Cursor()
				for _, o := range seq.ops {
					for i := 0; o.n == all || i < max(o.n, 1); i++ {
						var k, v []byte
						switch o.do {
						case "first":
							k, v = c.First()
						case "last":
							k, v = c.Last()
						case "next":
							k, v = c.Next()
						case "prev":
							k, v = c.Prev()
						case "seek":
							k, v = c.Seek([]byte(o.arg))
						case "delete":
							if err := c.Delete(); err != nil {
								return fmt.Errorf("%s: delete: %w", seq.name, err)
							}
							log = append(log, seq.name+": delete")
							continue
						}
						log = append(log, fmt.Sprintf("%s: %s %s -> %q=%q (nil value %v)", seq.name, o.do, o.arg, k, v, k != nil && v == nil))
						if o.n == all && k == nil {
							break
						}
					}
				}
			}
			log = append(log, fmt.Sprintf("keys left: %d", count(b)))
			return nil
		})
		return log
	}
	bdb, err := Open(filepath.Join(t.TempDir(), "walk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	want := run(bdb)
	if len(want) < 2*n {
		t.Fatalf("the bbolt walk logged %d steps: the table walks too little", len(want))
	}
	if got, w := want[len(want)-1], fmt.Sprintf("keys left: %d", n-6); got != w {
		t.Fatalf("bbolt: %s, want %s", got, w)
	}
	got := run(openPG(t, dsn, PGOptions{}))
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("step %d differs:\npostgres: %s\nbbolt:    %s", i, g, w)
		}
	}
}
