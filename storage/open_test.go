package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sampleAlert and sampleRecipient are records as the 叫应 feature keeps
// them in its own buckets (sampleBucket…), written here through Records
// as any feature writes them.
type sampleAlert struct {
	ID        string    `json:"id"`
	Level     string    `json:"level"`
	Title     string    `json:"title"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	State     string    `json:"state"`
}

type sampleRecipient struct {
	AlertID  string    `json:"alert_id"`
	Official string    `json:"official"`
	State    string    `json:"state"`
	QueuedAt time.Time `json:"queued_at"`
	SentAt   time.Time `json:"sent_at"`
}

// The feature buckets writeSample fills besides the kernel's events.
const (
	sampleAlerts     = "alerts"
	sampleRecipients = "recipients"
)

// writeSample writes n alerts, each with a recipient (feature records) and
// an event, to a new database at path: enough for every bucket to span
// branch and leaf pages.
func writeSample(tb testing.TB, path string, n int) {
	tb.Helper()
	db, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	const perTx = 1000
	for done := 0; done < n; done += perTx {
		mustUpdate(tb, db, func(tx *Tx) error {
			for i := done; i < min(done+perTx, n); i++ {
				id := fmt.Sprintf("20261128-%05d", i)
				a := sampleAlert{ID: id, Level: "red", Title: "暴雨红色预警 请立即到岗", Source: "api", CreatedAt: t0, State: "open"}
				if err := tx.Records(sampleAlerts).Put([]byte(id), a); err != nil {
					return err
				}
				r := sampleRecipient{AlertID: id, Official: "o-zhang", State: "pending", QueuedAt: t0, SentAt: t0}
				if err := tx.Records(sampleRecipients).Put([]byte(id+"\x00o-zhang"), r); err != nil {
					return err
				}
				if err := tx.AppendEvent(Event{At: t0, Type: EvCreated, Alert: id, Actor: "api", Detail: "red 暴雨红色预警: 1 recipients"}); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// pageOf returns the byte offset and size of the root page of a bucket.
func pageOf(tb testing.TB, path string, bucket []byte) (int64, int64) {
	tb.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer b.Close()
	var root uint64
	_ = b.View(func(tx *bolt.Tx) error { root = uint64(tx.Bucket(bucket).Root()); return nil })
	if root == 0 {
		tb.Fatalf("bucket %s is inline: write more records", bucket)
	}
	ps := int64(b.Info().PageSize)
	return int64(root) * ps, ps
}

// damage returns a copy of the sample file at src, changed by edit, at a new
// path.
func damage(tb testing.TB, src string, edit func(data []byte) []byte) string {
	tb.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "dutybot.db")
	if err := os.WriteFile(path, edit(data), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// A damaged file is refused with an error that names it and the restore
// procedure, from Open and from OpenReadOnly alike, instead of a bbolt
// panic or a fatal fault; the lock is released, so the file can be
// replaced by a backup and opened in the same process.
func TestOpenRefusesDamagedFile(t *testing.T) {
	boltOnly(t)
	src := filepath.Join(t.TempDir(), "good.db")
	writeSample(t, src, 3000)
	eventsAt, ps := pageOf(t, src, bEvents)
	alertsAt, _ := pageOf(t, src, []byte(sampleAlerts))
	tests := []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"truncated to half", func(d []byte) []byte { return d[:len(d)/2] }, "truncated"},
		{"truncated to three pages", func(d []byte) []byte { return d[:3*ps] }, "truncated"},
		{"truncated inside the meta pages", func(d []byte) []byte { return d[:100] }, ""},
		{"the events' root page zeroed", func(d []byte) []byte {
			clear(d[eventsAt : eventsAt+ps])
			return d
		}, "Page expected to be"},
		{"bits flipped in a page header", func(d []byte) []byte {
			d[alertsAt] ^= 0x05 // the page's id
			d[alertsAt+8] ^= 0x40
			return d
		}, ""},
		{"both meta pages zeroed", func(d []byte) []byte {
			clear(d[:2*ps])
			return d
		}, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := damage(t, src, tc.edit)
			for name, open := range map[string]func(string) (*DB, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
				db, err := open(path)
				if err == nil {
					db.Close()
					t.Fatalf("%s of a damaged file succeeded", name)
				}
				msg := err.Error()
				if !errors.Is(err, ErrDamaged) || !strings.Contains(msg, path) || !strings.Contains(msg, "Restore from backup") ||
					!strings.Contains(msg, tc.want) {
					t.Errorf("%s: %v\nwant ErrDamaged naming the file, %q and the restore procedure", name, err, tc.want)
				}
			}
			// The operator restores a backup over it; the same process
			// opens it (no lock left behind by the failed opens).
			good, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, good, 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			db, err := Open(path)
			if err != nil {
				t.Fatalf("Open of the restored file: %v", err)
			}
			defer db.Close()
			if el := time.Since(start); el > time.Second {
				t.Errorf("Open of the restored file took %v: a lock was left behind", el)
			}
			mustView(t, db, func(tx *Tx) error {
				if r := tx.VerifyChain(); !r.OK() || r.Events != 3000 {
					t.Errorf("restored file: %+v", r)
				}
				return nil
			})
		})
	}
}

// An existing empty file is not a new database: Open refuses it unless
// asked to create one; a missing file is created, and says so.
func TestOpenEmptyFile(t *testing.T) {
	boltOnly(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(string) (*DB, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		db, err := open(empty)
		if err == nil {
			db.Close()
			t.Fatalf("%s of a 0-byte file succeeded", name)
		}
		if !errors.Is(err, ErrEmptyFile) || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "Restore from backup") {
			t.Errorf("%s: %v, want ErrEmptyFile naming the file and the restore procedure", name, err)
		}
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Errorf("a refused open wrote %d bytes into the file", fi.Size())
	}
	db, err := OpenWith(empty, Options{Create: true})
	if err != nil {
		t.Fatalf("OpenWith(Create): %v", err)
	}
	if !db.Created() {
		t.Error("Created() = false for a database started in an empty file")
	}
	db.Close()

	missing := filepath.Join(dir, "new", "dutybot.db")
	db, err = Open(missing)
	if err != nil {
		t.Fatalf("Open of a missing file: %v", err)
	}
	if !db.Created() {
		t.Error("Created() = false for a new file")
	}
	db.Close()
	for _, path := range []string{empty, missing} {
		db, err = Open(path)
		if err != nil {
			t.Fatalf("reopen %s: %v", path, err)
		}
		if db.Created() {
			t.Errorf("Created() = true reopening %s", path)
		}
		db.Close()
	}
}

// BenchmarkOpenCheck measures the page check Open runs: a year of a
// 200-official town is about 150,000 events and 22,000 recipients (dutyload
// ledger); five years are shown too. The file is in the page cache, as it is
// after the previous run or a backup.
func BenchmarkOpenCheck(b *testing.B) {
	for _, n := range []int{30000, 150000} {
		path := filepath.Join(b.TempDir(), "dutybot.db")
		writeSample(b, path, n)
		fi, _ := os.Stat(path)
		for _, check := range []bool{false, true} {
			b.Run(fmt.Sprintf("records=%d/size=%dMB/check=%v", n, fi.Size()>>20, check), func(b *testing.B) {
				for range b.N {
					db, err := OpenWith(path, Options{NoCheck: !check})
					if err != nil {
						b.Fatal(err)
					}
					db.Close()
				}
			})
		}
	}
}

// With NoWait, Open and a read-only open fail with ErrLocked on their first
// try while another holder has the file, and open it once it is free.
func TestOpenNoWait(t *testing.T) {
	boltOnly(t)
	// bbolt retries its lock every 50 ms until less than that is left of
	// its timeout: a timeout below the step is a single try.
	const boltRetryStep = 50 * time.Millisecond
	if got := (Options{NoWait: true}).lockTimeout(); got <= 0 || got >= boltRetryStep {
		t.Fatalf("NoWait gives bbolt a lock timeout of %v: not one try (zero waits for ever)", got)
	}
	if got := (Options{}).lockTimeout(); got != LockWait {
		t.Errorf("the default lock timeout is %v, want LockWait", got)
	}
	path := filepath.Join(t.TempDir(), "dutybot.db")
	holder, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{NoWait: true}, {NoWait: true, ReadOnly: true}, {NoWait: true, ReadOnly: true, NoCheck: true}} {
		if db, err := OpenWith(path, o); !errors.Is(err, ErrLocked) {
			if db != nil {
				db.Close()
			}
			t.Errorf("OpenWith(%+v) while another holds the file: %v, want ErrLocked", o, err)
		}
	}
	holder.Close()
	for _, o := range []Options{{NoWait: true}, {NoWait: true, ReadOnly: true}} {
		db, err := OpenWith(path, o)
		if err != nil {
			t.Fatalf("OpenWith(%+v) of a free file: %v", o, err)
		}
		write := db.Update(func(tx *Tx) error { return tx.AppendEvent(Event{Type: EvAcked}) })
		if (write == nil) == o.ReadOnly {
			t.Errorf("OpenWith(%+v): a write gave %v", o, write)
		}
		db.Close()
	}
}
