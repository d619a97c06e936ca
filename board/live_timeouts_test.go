package board

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEventsOutliveServerTimeouts: the HTTP server cuts off clients that
// read or write slowly (read and write timeouts); the board's event stream
// is one long answer and must go on past them while the browser reads.
func TestEventsOutliveServerTimeouts(t *testing.T) {
	f := newFixture(t, Options{OpenLoopback: true, Poll: 10 * time.Millisecond, Heartbeat: 20 * time.Millisecond})
	mux := http.NewServeMux()
	f.srv.Routes(mux)
	ts := httptest.NewUnstartedServer(mux)
	const limit = 150 * time.Millisecond
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = limit, limit
	ts.Start()
	t.Cleanup(ts.Close)

	resp, err := http.Get(ts.URL + "/board/events")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	updates := make(chan time.Time, 1000)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				updates <- time.Now()
			}
		}
		close(updates)
	}()
	opened := time.Now()
	for {
		select {
		case at, ok := <-updates:
			if !ok {
				t.Fatalf("the stream ended after %v (server timeouts %v)", time.Since(opened).Round(time.Millisecond), limit)
			}
			if at.Sub(opened) > 5*limit {
				return // still streaming well past both timeouts
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no update for 10s")
		}
	}
}
