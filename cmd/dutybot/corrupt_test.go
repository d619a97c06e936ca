package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// runChild runs the dutybot binary (this test binary as a child) with args
// and returns its exit code and output; it is killed after limit.
func runChild(t *testing.T, limit time.Duration, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envChildMain+"=1", "DUTYBOT_TELEGRAM_TOKEN="+crashBotToken, "GORACE=atexit_sleep_ms=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("dutybot %v still running after %v:\n%s", args, limit, out.String())
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// sampleDatabase writes alerts and their events to the configuration's
// database: enough that every bucket spans several pages.
func sampleDatabase(t *testing.T, cfgPath string) string {
	t.Helper()
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	return updateConfigDB(t, cfgPath, func(tx *storage.Tx) error {
		for i := range 2000 {
			id := fmt.Sprintf("20261130-%04d", i)
			if err := callout.PutAlert(tx, callout.Alert{ID: id, Level: "red", Title: "暴雨红色预警", Source: "api", CreatedAt: at, State: callout.AlertOpen}); err != nil {
				return err
			}
			if err := tx.AppendEvent(storage.Event{At: at, Type: storage.EvCreated, Alert: id, Actor: "api",
				Detail: fmt.Sprintf("event %04d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// updateConfigDB runs fn in a transaction on the database of the
// configuration at cfgPath, creating it, and returns the file's path.
func updateConfigDB(t *testing.T, cfgPath string, fn func(*storage.Tx) error) string {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	return cfg.Storage.Path
}

// rootPage returns the offset and size of a bucket's root page.
func rootPage(t *testing.T, path, bucket string) (int64, int64) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var root int64
	_ = b.View(func(tx *bolt.Tx) error { root = int64(tx.Bucket([]byte(bucket)).Root()); return nil })
	ps := int64(b.Info().PageSize)
	return root * ps, ps
}

func editFile(t *testing.T, path string, edit func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A damaged or emptied database stops dutybot run at once with a message
// that names the file and the restore procedure, not a stack trace; ledger
// verify answers BROKEN with the reason.
func TestDamagedDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dutybot processes")
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		run    []string // what dutybot run must say
		verify []string // what ledger verify must say
	}{
		{"truncated", func(t *testing.T, path string) {
			editFile(t, path, func(d []byte) []byte { return d[:len(d)/2] })
		}, []string{"damaged", "truncated"}, []string{"ledger BROKEN", "truncated"}},
		{"a zeroed page", func(t *testing.T, path string) {
			off, ps := rootPage(t, path, "events")
			editFile(t, path, func(d []byte) []byte { clear(d[off : off+ps]); return d })
		}, []string{"damaged"}, []string{"ledger BROKEN", "damaged"}},
		{"bits flipped in a page header", func(t *testing.T, path string) {
			off, _ := rootPage(t, path, "alerts")
			editFile(t, path, func(d []byte) []byte { d[off] ^= 0x05; d[off+8] ^= 0x40; return d })
		}, []string{"damaged"}, []string{"ledger BROKEN", "damaged"}},
		{"0 bytes", func(t *testing.T, path string) {
			editFile(t, path, func([]byte) []byte { return nil })
		}, []string{"empty (0 bytes)", "-init-db"}, []string{"ledger BROKEN", "empty (0 bytes)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfgPath := writeConfig(t, validConfig)
			path := sampleDatabase(t, cfgPath)
			tc.damage(t, path)
			before, _ := os.ReadFile(path)
			for _, c := range []struct {
				args []string
				want []string
			}{
				{[]string{"run", "-config", cfgPath}, append(tc.run, path, "Restore from backup")},
				{[]string{"ledger", "verify", "-config", cfgPath}, append(tc.verify, path, "Restore from backup")},
			} {
				code, out := runChild(t, 20*time.Second, c.args...)
				if code != 1 {
					t.Errorf("%v exited %d, want 1:\n%s", c.args, code, out)
				}
				for _, w := range c.want {
					if !strings.Contains(out, w) {
						t.Errorf("%v: the output lacks %q:\n%s", c.args, w, out)
					}
				}
				for _, bad := range []string{"goroutine ", "panic", "SIGBUS", ".go:"} {
					if strings.Contains(out, bad) {
						t.Errorf("%v: the output shows %q, a stack trace:\n%s", c.args, bad, out)
					}
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the damaged file was changed")
			}
		})
	}
}

// Flipped bits in an event record: ledger verify names the event and why,
// and exits 1.
func TestLedgerVerifyFlippedBits(t *testing.T) {
	cfgPath := writeConfig(t, validConfig)
	path := sampleDatabase(t, cfgPath)
	editFile(t, path, func(d []byte) []byte {
		i := bytes.Index(d, []byte(`event 1234"`))
		d[i+10] ^= 0x01 // the closing quote: the record no longer decodes
		j := bytes.Index(d, []byte(`event 0042"`))
		d[j+8] ^= 0x01 // 0042 becomes 0052: no longer matches its hash
		return d
	})
	code, out, errOut := runCLI(t, "ledger", "verify", "-config", cfgPath)
	if code != 1 || !strings.Contains(out, "ledger BROKEN at event #43: changed") || errOut != "" {
		t.Errorf("verify: %d\n%s\n%s", code, out, errOut)
	}
}

// -init-db starts a new database in an empty file, and says so.
func TestRunInitDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dutybot process")
	}
	cfgPath := writeConfig(t, validConfig)
	path := filepath.Join(filepath.Dir(cfgPath), "dutybot.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "run", "-init-db", "-config", cfgPath)
	cmd.Env = append(os.Environ(), envChildMain+"=1", "DUTYBOT_TELEGRAM_TOKEN="+crashBotToken, "GORACE=atexit_sleep_ms=0")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "started a new, empty one") {
		if time.Now().After(deadline) {
			t.Fatalf("no new database started:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fi, _ := os.Stat(path); fi.Size() == 0 {
		t.Error("the file is still empty")
	}
}
