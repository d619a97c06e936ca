package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/pgtest"
	"dutybot/storage"
)

// yearOfLedger writes a year of a town's 叫应 into a new bbolt file: days
// alerts a day, each to two officials, called, reminded and answered or
// escalated, with the chained log, a few messages still queued and
// deadlines still pending. It returns the number of events.
func yearOfLedger(t *testing.T, path string, perDay int) int {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	events := 0
	err = db.Update(func(tx *storage.Tx) error {
		for i := range 100 {
			id := fmt.Sprintf("o-%d", i)
			if err := tx.PutBinding(storage.Binding{Official: id, ChatID: int64(9000 + i), UserID: int64(9000 + i), Language: "zh-CN",
				BoundAt: start, Source: "contact"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for day := range 365 {
		err := db.Update(func(tx *storage.Tx) error {
			for n := range perDay {
				at := start.AddDate(0, 0, day).Add(time.Duration(n) * 37 * time.Minute)
				id := fmt.Sprintf("%s-%04d", at.Format("20060102"), n+1)
				a := callout.Alert{ID: id, Kind: "alert", Level: "yellow", Title: fmt.Sprintf("演练 %d", n), Body: "请回复收到",
					Issuer: "o-1", Source: "api", CreatedAt: at, State: "open"}
				if err := callout.PutAlert(tx, a); err != nil {
					return err
				}
				evs := []storage.Event{{At: at, Type: storage.EvCreated, Alert: id, Actor: "o-1"}}
				for r := range 2 {
					who := fmt.Sprintf("o-%d", (day*perDay+n+r)%100)
					if err := callout.PutRecipient(tx, callout.Recipient{AlertID: id, Official: who, State: "acked", SentAt: at}); err != nil {
						return err
					}
					evs = append(evs, storage.Event{At: at.Add(time.Second), Type: storage.EvSent, Alert: id, Official: who, Actor: "system"},
						storage.Event{At: at.Add(5 * time.Minute), Type: storage.EvReminded, Alert: id, Official: who, Actor: "system"},
						storage.Event{At: at.Add(7 * time.Minute), Type: storage.EvAcked, Alert: id, Official: who, Actor: who})
				}
				for _, e := range evs {
					if err := tx.AppendEvent(e); err != nil {
						return err
					}
				}
				events += len(evs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.Update(func(tx *storage.Tx) error {
		for i := range 3 {
			if _, err := tx.Enqueue(storage.Job{ChatID: int64(9000 + i), Text: fmt.Sprintf("queued %d", i), CreatedAt: start}); err != nil {
				return err
			}
			if err := tx.PutDeadline(storage.Deadline{At: start.AddDate(1, 0, i), Key: fmt.Sprintf("r:pending-%d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// counts reads what a move must keep.
func counts(t *testing.T, db *storage.DB) string {
	t.Helper()
	var s string
	err := db.View(func(tx *storage.Tx) error {
		seq, hash := tx.ChainHead()
		bs, err := tx.Bindings()
		s = fmt.Sprintf("chain #%d %s, %d bindings, %d queued, %d deadlines", seq, hash, len(bs), tx.QueueLen(), tx.DeadlineCount())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStorageCopyYearToPostgres moves a year-sized township database to
// PostgreSQL with dutybot storage copy; ledger verify and backup then work
// on the shared database, a second copy into it is refused, and the way
// back gives the same chain.
func TestStorageCopyYearToPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of records")
	}
	dir := t.TempDir()
	boltPath := filepath.Join(dir, "township.db")
	events := yearOfLedger(t, boltPath, 6)
	src, err := storage.Open(boltPath)
	if err != nil {
		t.Fatal(err)
	}
	want := counts(t, src)
	src.Close()

	t.Setenv(config.EnvStorageDSN, pgtest.Shared(t).DSN(t, pgtest.NameOf(t.Name())))
	boltCfg := filepath.Join(dir, "bbolt.yaml")
	pgCfg := filepath.Join(dir, "postgres.yaml")
	base := fmt.Sprintf(crashConfig, "http://127.0.0.1:9", boltPath, freeAddr(t))
	if err := os.WriteFile(boltCfg, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := strings.Replace(base, "storage:\n", "storage:\n  driver: postgres\n", 1)
	if err := os.WriteFile(pgCfg, []byte(shared), 0o600); err != nil {
		t.Fatal(err)
	}

	cli := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		start := time.Now()
		code := newCLI().run(t.Context(), args, &out, &errb)
		t.Logf("dutybot %s: %d in %v\n%s%s", strings.Join(args, " "), code, time.Since(start).Round(time.Millisecond), out.String(), errb.String())
		return code, out.String(), errb.String()
	}

	code, out, _ := cli("storage", "copy", "-config", boltCfg, "-from", boltPath, "-to", "postgres")
	if code != 0 || !strings.Contains(out, "the event chain verifies on the target") || !strings.Contains(out, fmt.Sprintf("%d events", events)) {
		t.Fatalf("storage copy: exit %d, %q", code, out)
	}
	code, out, _ = cli("ledger", "verify", "-config", pgCfg)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("ledger OK: %d events", events)) {
		t.Errorf("ledger verify on PostgreSQL: exit %d, %q", code, out)
	}
	dst, err := storage.OpenPostgres(os.Getenv(config.EnvStorageDSN), storage.PGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(t, dst); got != want {
		t.Errorf("on PostgreSQL: %s, want %s", got, want)
	}
	dst.Close()

	// A second copy would overwrite a database in use: refused.
	code, _, stderr := cli("storage", "copy", "-config", boltCfg, "-from", boltPath, "-to", "postgres")
	if code == 0 || !strings.Contains(stderr, "in use") {
		t.Errorf("a copy into a used database: exit %d, %q", code, stderr)
	}

	// dutybot backup of the shared database is a bbolt file that verifies.
	backup := filepath.Join(dir, "backup.db")
	if code, _, _ := cli("backup", "-config", pgCfg, backup); code != 0 {
		t.Fatalf("backup of the shared database: exit %d", code)
	}
	b, err := storage.OpenReadOnly(backup)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(t, b); got != want {
		t.Errorf("backup: %s, want %s", got, want)
	}
	b.Close()

	// And the way back.
	back := filepath.Join(dir, "back.db")
	if code, _, _ := cli("storage", "copy", "-config", boltCfg, "-from", "postgres", "-to", back); code != 0 {
		t.Fatalf("copy back: exit %d", code)
	}
	bb, err := storage.Open(back)
	if err != nil {
		t.Fatal(err)
	}
	defer bb.Close()
	if got := counts(t, bb); got != want {
		t.Errorf("copied back: %s, want %s", got, want)
	}
}
