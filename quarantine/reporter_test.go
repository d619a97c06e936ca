package quarantine

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/locales"
	"dutybot/storage"
)

var t0 = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

const waitTimeout = 5 * time.Second

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// teller records the notices as the admins (zh-CN) would read them.
type teller struct {
	mu      sync.Mutex
	notices []string
	keys    []string
}

func (tl *teller) tell(cat *locales.Catalog) TellFunc {
	return func(key string, render func(string) string) error {
		tl.mu.Lock()
		defer tl.mu.Unlock()
		tl.notices = append(tl.notices, render(locales.ZH))
		tl.keys = append(tl.keys, key)
		return nil
	}
}

func (tl *teller) got() []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return append([]string(nil), tl.notices...)
}

type env struct {
	t    *testing.T
	db   *storage.DB
	clk  *clock.Fake
	cat  *locales.Catalog
	tl   *teller
	stop func()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, clk: clock.NewFake(t0), cat: cat, tl: &teller{}}
}

// start runs a reporter until the test ends or stop is called.
func (e *env) start() *Reporter {
	r := NewReporter(e.db, e.clk, e.cat, e.tl.tell(e.cat), slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	e.stop = func() { cancel(); <-done }
	e.t.Cleanup(e.stop)
	return r
}

func (e *env) quarantine(bucket, key, raw, reason string) {
	e.t.Helper()
	err := e.db.Update(func(tx *storage.Tx) error {
		return tx.QuarantineRaw(bucket, []byte(key), []byte(raw), reason, e.clk.Now())
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// New quarantined records make one notice per batch, at most one per Gap:
// a burst is coalesced; a restart does not repeat what was told; the
// notice names bucket, count and reason, never the key or the raw record.
func TestReporterCoalescesAndRemembers(t *testing.T) {
	e := newEnv(t)
	r := e.start()
	waitFor(t, "the reporter to wait", func() bool { return e.clk.Timers() > 0 })
	if n := len(e.tl.got()); n != 0 {
		t.Fatalf("%d notices with nothing quarantined", n)
	}
	e.quarantine("deadlines", "r:20261202-0001\x00o-zhang", "2", `due 2026-12-02T08:10:00Z, firing failed: decode recipients/"20261202-0001\x00o-zhang": invalid character 'p'`)
	e.quarantine("recipients", "20261202-0001\x00o-zhang", `{"official":"o-zhang","phone":"13800000001"`, "does not decode: unexpected end of JSON input")
	r.Notify()
	waitFor(t, "the first notice", func() bool { return len(e.tl.got()) == 1 })
	n := e.tl.got()[0]
	for _, want := range []string{"有 2 条数据记录无法使用", "· deadlines：1 条（due 2026-12-02T08:10:00Z, firing failed: decode recipients/\"…\": invalid character 'p'）",
		"· recipients：1 条（does not decode: unexpected end of JSON input）", "隔离区现有 2 条", "dutybot quarantine list"} {
		if !strings.Contains(n, want) {
			t.Errorf("notice lacks %q:\n%s", want, n)
		}
	}
	for _, leak := range []string{"o-zhang", "13800000001", "20261202-0001"} {
		if strings.Contains(n, leak) {
			t.Errorf("notice shows %q:\n%s", leak, n)
		}
	}

	// A burst within the gap: nothing until the gap has passed, then one
	// notice for all of it.
	for range 5 {
		e.quarantine("outbox", "\x00\x00\x00\x00\x00\x00\x00\x07", "{bad", "does not decode: invalid character 'b'")
		r.Notify()
	}
	waitFor(t, "the reporter to wait out the gap", func() bool { return e.clk.Timers() > 0 })
	e.clk.Advance(r.Gap - time.Second)
	waitFor(t, "the reporter to wait again", func() bool { return e.clk.Timers() > 0 })
	if got := len(e.tl.got()); got != 1 {
		t.Fatalf("%d notices inside the gap, want 1", got)
	}
	e.clk.Advance(time.Second)
	waitFor(t, "the coalesced notice", func() bool { return len(e.tl.got()) == 2 })
	if n := e.tl.got()[1]; !strings.Contains(n, "有 5 条") || !strings.Contains(n, "· outbox：5 条") || !strings.Contains(n, "现有 7 条") {
		t.Errorf("coalesced notice:\n%s", n)
	}

	// A restart tells nothing already told.
	e.stop()
	e.start()
	waitFor(t, "the new reporter to wait", func() bool { return e.clk.Timers() > 0 })
	e.clk.Advance(time.Minute)
	waitFor(t, "the new reporter to wait again", func() bool { return e.clk.Timers() > 0 })
	if got := len(e.tl.got()); got != 2 {
		t.Errorf("%d notices after a restart, want still 2", got)
	}
	for _, k := range e.tl.keys {
		if k != noticeKey {
			t.Errorf("notice key %q, want %q (coalesced)", k, noticeKey)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{`decode bindings/"o-zhang": invalid character 'x'`, `decode bindings/"…": invalid character 'x'`},
		{`a "quoted \"inner\" text" b`, `a "…" b`},
		{strings.Repeat("长", 200), strings.Repeat("长", maxReason-1) + "…"},
	}
	for _, tc := range tests {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
