package lease

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"dutybot/pgtest"
	"dutybot/storage"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// takeover is short, so a lapsed lease is taken over within a test, and
// long enough that a renewal is never late on a busy machine (the lease
// lasts 1 s, renewed every 250 ms).
const takeover = 1500 * time.Millisecond

// deadline bounds every wait: generous, as the tests only poll.
const deadline = 30 * time.Second

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// openPG opens one more handle on the database at dsn, as one more process
// sharing it would; closed at cleanup.
func openPG(t *testing.T, dsn string) *storage.DB {
	t.Helper()
	db, err := storage.OpenPostgres(dsn, storage.PGOptions{})
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// engine is a lead function that records its runs.
type engine struct {
	mu      sync.Mutex
	runs    []context.Context // each run's context, in order
	running atomic.Int32
	most    atomic.Int32 // the most runs at once
	err     error        // what a run returns at once, if set
}

func (g *engine) lead(ctx context.Context) error {
	g.mu.Lock()
	g.runs = append(g.runs, ctx)
	g.mu.Unlock()
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	if g.err != nil {
		return g.err
	}
	<-ctx.Done()
	return nil
}

func (g *engine) run(i int) context.Context {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i >= len(g.runs) {
		return nil
	}
	return g.runs[i]
}

func (g *engine) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.runs)
}

// instance is an elector running on its own handle.
type instance struct {
	db     *storage.DB
	e      *Elector
	g      *engine
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, db *storage.DB, name string) *instance {
	t.Helper()
	in := &instance{db: db, e: New(db, name, takeover, quiet()), g: &engine{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() { in.done <- in.e.Run(ctx, in.g.lead) }()
	t.Cleanup(func() {
		cancel()
		<-in.done
	})
	return in
}

// stop ends the instance's Run and returns what it returned.
func (in *instance) stop(t *testing.T) error {
	t.Helper()
	in.cancel()
	select {
	case err := <-in.done:
		in.done <- err // for the cleanup
		return err
	case <-time.After(deadline):
		t.Fatal("Run did not return after its context ended")
		return nil
	}
}

// readLease reads the engine lease from the database directly.
func readLease(t *testing.T, dsn string) (holder string, epoch int64, lapsed bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, "SELECT holder, epoch, expires <= now() FROM dutybot_lease WHERE name = 'engine'").Scan(&holder, &epoch, &lapsed); err != nil {
		t.Fatalf("read the lease: %v", err)
	}
	return holder, epoch, lapsed
}

func execSQL(t *testing.T, dsn, q string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// leader waits until exactly one of a and b holds the lease and returns
// it first.
func leader(t *testing.T, a, b *instance) (lead, standby *instance) {
	t.Helper()
	waitFor(t, "one instance to lead", func() bool { return a.e.Held() != b.e.Held() })
	if a.e.Held() {
		return a, b
	}
	return b, a
}

// neverBoth fails the test if standby and lead both hold the lease now.
// The standby is asked first: a standby that holds the lease took it after
// the lease lapsed in the database, by when the old leader's own clock had
// already ended its lease, so it must answer false.
func neverBoth(t *testing.T, standby, lead *instance) {
	t.Helper()
	if standby.e.Held() && lead.e.Held() {
		t.Fatalf("%s and %s both hold the lease", standby.e.ID(), lead.e.ID())
	}
}

func TestOneLeadsAndHandsOverOnStop(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	a, b := start(t, openPG(t, dsn), "a"), start(t, openPG(t, dsn), "b")
	lead, standby := leader(t, a, b)
	ls := lead.e.Status()
	if ls.Role != Leader || ls.Epoch != 1 || ls.Takeovers != 1 {
		t.Errorf("the leader's status = %+v, want leader at epoch 1 after 1 takeover", ls)
	}
	// Over several leases' renewals, the standby never leads with it.
	for end := time.Now().Add(3 * takeover); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		neverBoth(t, standby, lead)
	}
	if st := standby.e.Status(); st.Role != Standby || st.Holder != lead.e.ID() {
		t.Errorf("the standby's status = %+v, want standby naming %s", st, lead.e.ID())
	}
	if n := standby.g.count(); n != 0 {
		t.Errorf("the standby ran the engine %d times", n)
	}

	if err := lead.stop(t); err != nil {
		t.Fatalf("the leader's Run = %v", err)
	}
	if ctx := lead.g.run(0); ctx == nil || ctx.Err() == nil {
		t.Error("the stopped leader's engine still runs")
	}
	if lead.e.Held() {
		t.Error("the stopped leader still holds the lease")
	}
	// It let go of the lease rather than leave it to lapse.
	if holder, _, lapsed := readLease(t, dsn); holder == lead.e.ID() && !lapsed {
		t.Error("the stopped leader's lease is still live in the database")
	}
	waitFor(t, "the standby to take over", standby.e.Held)
	if st := standby.e.Status(); st.Role != Leader || st.Epoch != ls.Epoch+1 || st.Takeovers != 1 {
		t.Errorf("the new leader's status = %+v, want leader at epoch %d after 1 takeover", st, ls.Epoch+1)
	}
	waitFor(t, "the new leader's engine to run", func() bool { return standby.g.count() == 1 })
}

func TestLeaderCutOffFromTheDatabaseStepsDown(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	a := start(t, openPG(t, dsn), "a")
	waitFor(t, "a to lead", a.e.Held)
	b := start(t, openPG(t, dsn), "b")
	waitFor(t, "b to stand by", func() bool { return b.e.Status().Holder == "a" })

	_ = a.db.Close() // a cannot reach the database any more
	for end := time.Now().Add(deadline); !b.e.Held(); time.Sleep(2 * time.Millisecond) {
		neverBoth(t, b, a)
		if time.Now().After(end) {
			t.Fatal("b never took over")
		}
	}
	if a.e.Held() {
		t.Fatal("a still holds the lease after b took over")
	}
	waitFor(t, "a to stop its engine", func() bool { return a.g.run(0).Err() != nil })
	waitFor(t, "a to report the database down", func() bool {
		st := a.e.Status()
		return st.Role == Paused && !st.DatabaseDownSince.IsZero()
	})
	if st := b.e.Status(); st.Epoch != 2 {
		t.Errorf("b leads at epoch %d, want 2", st.Epoch)
	}
}

// TestRetakingTheLeaseStopsTheOldEngine: a leader whose lease lapsed in
// the database before it renewed it (a long pause) takes it again under a
// new epoch; the engine of the old epoch must stop before the new one
// starts, not run on beside it.
func TestRetakingTheLeaseStopsTheOldEngine(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	a := start(t, openPG(t, dsn), "a")
	waitFor(t, "a to lead", a.e.Held)
	execSQL(t, dsn, "UPDATE dutybot_lease SET expires = now() - interval '1 second'")
	waitFor(t, "a to take the lease again", func() bool { return a.e.Status().Epoch == 2 && a.e.Held() })
	waitFor(t, "the engine of epoch 1 to stop", func() bool { return a.g.run(0).Err() != nil })
	waitFor(t, "the engine of epoch 2 to run", func() bool { return a.g.count() == 2 })
	if m := a.g.most.Load(); m != 1 {
		t.Errorf("%d engines ran at once", m)
	}
	if ctx := a.g.run(1); ctx.Err() != nil {
		t.Error("the engine of epoch 2 was stopped")
	}
	if st := a.e.Status(); st.Takeovers != 2 {
		t.Errorf("Takeovers = %d, want 2", st.Takeovers)
	}
}

func TestLeadErrorEndsRunAndLetsGo(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	db := openPG(t, dsn)
	boom := errors.New("boom")
	e := New(db, "a", takeover, quiet())
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := e.Run(ctx, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the engine's error", err)
	}
	if e.Held() {
		t.Error("the lease is held after Run returned")
	}
	// Let go: another instance takes it at once, though a lease would last.
	other := openPG(t, dsn)
	if l, held, err := other.ClaimLease("b", 0, time.Hour); err != nil || !held || l.Epoch != 2 {
		t.Errorf("another instance's claim = %+v, %v, %v; want held at epoch 2", l, held, err)
	}
}

// server counts the requests that reach it.
func server(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// body records whether it was closed.
type body struct {
	io.Reader
	closed atomic.Bool
}

func (b *body) Close() error { b.closed.Store(true); return nil }

// send posts through c and tells whether the request's body was closed.
func send(t *testing.T, c *http.Client, url string) (closed bool, err error) {
	t.Helper()
	b := &body{Reader: strings.NewReader("hello")}
	req, err := http.NewRequest(http.MethodPost, url, b)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %s", resp.Status)
		}
	}
	return b.closed.Load(), err
}

func TestTransport(t *testing.T) {
	srv, hits := server(t)
	dsn := pgtest.NewDSN(t)
	a := New(openPG(t, dsn), "a", takeover, quiet())
	c := &http.Client{Transport: a.Transport(srv.Client().Transport)}

	closed, err := send(t, c, srv.URL)
	if !errors.Is(err, ErrNotLeader) {
		t.Errorf("a request before leading = %v, want ErrNotLeader", err)
	}
	if !closed {
		t.Error("a refused request's body was not closed")
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d refused requests reached the server", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil }) }()
	waitFor(t, "a to lead", a.Held)
	if _, err := send(t, c, srv.URL); err != nil {
		t.Errorf("a request while leading = %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the server saw %d requests, want 1", n)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if _, err := send(t, c, srv.URL); !errors.Is(err, ErrNotLeader) {
		t.Errorf("a request after stepping down = %v, want ErrNotLeader", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the server saw %d requests, want 1", n)
	}
}

func TestBoltAlwaysLeads(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "dutybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := New(db, db.Instance(), takeover, quiet())
	if !e.Held() {
		t.Error("Held on bbolt before Run = false")
	}
	if st := e.Status(); st.Role != Leader || st.Epoch != 1 {
		t.Errorf("Status on bbolt = %+v, want leader at epoch 1", st)
	}

	srv, hits := server(t)
	c := &http.Client{Transport: e.Transport(srv.Client().Transport)}
	if _, err := send(t, c, srv.URL); err != nil || hits.Load() != 1 {
		t.Errorf("a request on bbolt = %v (%d reached the server), want it through", err, hits.Load())
	}

	for _, tc := range []struct {
		name string
		err  error
	}{{"the engine returns", nil}, {"the engine fails", errors.New("boom")}} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			err := e.Run(context.Background(), func(ctx context.Context) error {
				runs++
				if !e.Held() {
					t.Error("Held on bbolt while leading = false")
				}
				return tc.err
			})
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Errorf("Run = %v, want %v", err, tc.err)
			}
			if runs != 1 {
				t.Errorf("the engine ran %d times, want once", runs)
			}
		})
	}
}
