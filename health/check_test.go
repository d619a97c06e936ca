package health

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutybot/clock"
	"dutybot/storage"
)

var t0 = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

var th = Thresholds{OutboxStuck: 5 * time.Minute, DeadlineLate: 2 * time.Minute, TelegramSilent: 5 * time.Minute, ProbeEvery: 30 * time.Second}

func openDB(t *testing.T) (*storage.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func update(t *testing.T, db *storage.DB, fn func(tx *storage.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func enqueue(created time.Time) func(tx *storage.Tx) error {
	return func(tx *storage.Tx) error {
		_, err := tx.Enqueue(storage.Job{ChatID: 1, Op: storage.OpSend, Text: "叫应", CreatedAt: created})
		return err
	}
}

// Each condition turns the report not-ok with its reason, and only past
// its threshold.
func TestCheckConditions(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the database and the signals; the clock stands
		// at t0 (the signals were last marked at t0 - their age).
		setup    func(t *testing.T, db *storage.DB)
		telegram time.Duration // age of the last Bot API answer
		deliver  time.Duration // age of the last delivery
		want     string        // a reason must contain it; "" = healthy
	}{
		{name: "nothing wrong", setup: func(*testing.T, *storage.DB) {}},
		{name: "a message queued long, deliveries going on", deliver: time.Minute,
			setup: func(t *testing.T, db *storage.DB) { update(t, db, enqueue(t0.Add(-time.Hour))) }},
		{name: "a fresh message, nothing delivered for long", deliver: time.Hour,
			setup: func(t *testing.T, db *storage.DB) { update(t, db, enqueue(t0.Add(-time.Minute))) }},
		{name: "outbox stuck", deliver: 6 * time.Minute, want: "outbox stuck: 2 messages queued, the oldest for 10m0s, none delivered for 6m0s",
			setup: func(t *testing.T, db *storage.DB) {
				update(t, db, enqueue(t0.Add(-10*time.Minute)))
				update(t, db, enqueue(t0))
			}},
		{name: "outbox stuck at a job that does not decode", deliver: 6 * time.Minute, want: "the oldest does not decode",
			setup: func(t *testing.T, db *storage.DB) {
				update(t, db, enqueue(t0.Add(-10*time.Minute)))
				putRaw(t, db, "outbox", "\x00\x00\x00\x00\x00\x00\x00\x01", "{not json")
			}},
		{name: "a deadline due a moment ago", setup: func(t *testing.T, db *storage.DB) {
			update(t, db, func(tx *storage.Tx) error {
				return tx.PutDeadline(storage.Deadline{At: t0.Add(-time.Minute), Key: "r:a"})
			})
		}},
		{name: "deadlines stuck", want: "deadlines stuck: one due at 2026-12-02T07:57:00Z has not fired for 3m0s",
			setup: func(t *testing.T, db *storage.DB) {
				update(t, db, func(tx *storage.Tx) error {
					return tx.PutDeadline(storage.Deadline{At: t0.Add(-3 * time.Minute), Key: "r:a"})
				})
			}},
		{name: "records quarantined", want: "records in quarantine: 1; see dutybot quarantine list",
			setup: func(t *testing.T, db *storage.DB) {
				update(t, db, func(tx *storage.Tx) error {
					return tx.QuarantineRaw("deadlines", []byte("r:a"), []byte("1"), "why", t0)
				})
			}},
		{name: "Telegram quiet a while", telegram: 4 * time.Minute, setup: func(*testing.T, *storage.DB) {}},
		{name: "Telegram unreachable", telegram: 6 * time.Minute, want: "Telegram unreachable: no answer from the Bot API for 6m0s",
			setup: func(*testing.T, *storage.DB) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openDB(t)
			tc.setup(t, db)
			clk := clock.NewFake(t0.Add(-tc.telegram))
			tg := NewContact(clk)
			clk.Advance(tc.telegram)
			clk2 := clock.NewFake(t0.Add(-tc.deliver))
			delivered := NewContact(clk2)
			r := NewChecker(db, clk, th, tg, delivered).Check()
			if tc.want == "" {
				if !r.OK() {
					t.Errorf("not ok: %q", r.Reasons)
				}
				return
			}
			if r.OK() || len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], tc.want) {
				t.Errorf("reasons %q, want one with %q", r.Reasons, tc.want)
			}
		})
	}
}

// putRaw stores bytes behind storage's back; db is closed and reopened.
func putRaw(t *testing.T, db *storage.DB, bucket, key, value string) {
	t.Helper()
	path := db.Path()
	db.Close()
	raw, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucket)).Put([]byte(key), []byte(value)) })
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	again, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	*db = *again
}

// A database that refuses writes makes the report not-ok; the probe runs
// at most once per ProbeEvery, and its result holds meanwhile.
func TestCheckWriteProbe(t *testing.T) {
	db, path := openDB(t)
	clk := clock.NewFake(t0)
	c := NewChecker(db, clk, th, nil, nil)
	probes := 0
	real := c.Probe
	c.Probe = func(now time.Time) error { probes++; return real(now) }
	for range 3 {
		if r := c.Check(); !r.OK() {
			t.Fatalf("not ok: %q", r.Reasons)
		}
	}
	if probes != 1 {
		t.Errorf("%d probes in one interval, want 1", probes)
	}
	var stamp string
	_ = db.View(func(tx *storage.Tx) error { stamp, _ = tx.Meta("health_probe"); return nil })
	if stamp != t0.Format(time.RFC3339Nano) {
		t.Errorf("probe wrote %q", stamp)
	}

	// The same file, now open read-only: bbolt refuses every write.
	db.Close()
	ro, err := storage.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	c = NewChecker(ro, clk, th, nil, nil)
	r := c.Check()
	if r.OK() || !strings.Contains(r.Reasons[0], "storage refuses writes") {
		t.Errorf("read-only database: %q", r.Reasons)
	}
	fail := errors.New("write /var/lib/dutybot/dutybot.db: no space left on device")
	c.Probe = func(time.Time) error { return fail }
	clk.Advance(29 * time.Second)
	if r := c.Check(); r.OK() {
		t.Error("ok within the probe interval after a failed probe")
	}
	c.Probe = func(time.Time) error { return nil }
	if r := c.Check(); r.OK() {
		t.Error("the failed probe's result did not hold for its interval")
	}
	clk.Advance(time.Second)
	if r := c.Check(); !r.OK() {
		t.Errorf("not ok after a good probe: %q", r.Reasons)
	}
}

// The contact transport marks every answer of the service, 4xx included,
// and neither a 5xx nor a network error.
func TestContactTransport(t *testing.T) {
	code := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
	defer srv.Close()
	clk := clock.NewFake(t0)
	c := NewContact(clk)
	client := &http.Client{Transport: c.Transport(nil)}
	get := func(url string) {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
		}
	}
	for _, tc := range []struct {
		code int
		url  string
		mark bool
	}{
		{http.StatusOK, srv.URL, true},
		{http.StatusForbidden, srv.URL, true},
		{http.StatusTooManyRequests, srv.URL, true},
		{http.StatusBadGateway, srv.URL, false},
		{http.StatusOK, "http://127.0.0.1:1/", false},
	} {
		clk.Advance(time.Minute)
		code = tc.code
		get(tc.url)
		if got := c.Last().Equal(clk.Now()); got != tc.mark {
			t.Errorf("%d from %s: marked %v, want %v", tc.code, tc.url, got, tc.mark)
		}
	}
}
