package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"

	"dutybot/storage"
)

const intakeToken = "987654:INTAKE-secret-token"

// pollStub is a Bot API that answers getUpdates from a script and every
// other method with success, recording the offsets it was asked for.
type pollStub struct {
	srv     *httptest.Server
	mu      sync.Mutex
	offsets []int64
	script  []string // getUpdates answers, in order; then empty answers
}

func newPollStub(t *testing.T, script ...string) *pollStub {
	t.Helper()
	s := &pollStub{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMe"):
			fmt.Fprint(w, `{"ok":true,"result":{"id":987654,"is_bot":true,"first_name":"bot","username":"hangu_duty_bot"}}`)
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			var p struct {
				Offset int64 `json:"offset"`
			}
			_ = json.NewDecoder(r.Body).Decode(&p)
			s.mu.Lock()
			s.offsets = append(s.offsets, p.Offset)
			var answer string
			if len(s.script) > 0 {
				answer, s.script = s.script[0], s.script[1:]
			}
			s.mu.Unlock()
			if answer == "" {
				time.Sleep(20 * time.Millisecond) // a short long poll
				answer = `{"ok":true,"result":[]}`
			}
			fmt.Fprint(w, answer)
		default:
			fmt.Fprint(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *pollStub) polled() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offsets)
}

// running starts a Bot with the fixture's services polling apiURL; it stops
// when the test ends.
func (f *botFixture) running(apiURL string, log *slog.Logger) *Bot {
	f.t.Helper()
	cfg := *f.b.Config
	cfg.Telegram.APIURL, cfg.Telegram.Token = apiURL, intakeToken
	if log == nil {
		log = f.b.Log
	}
	b, err := New(Deps{Config: &cfg, DB: f.db, Engine: f.eng, Catalog: f.b.Catalog, Metrics: f.b.Metrics, Log: log,
		WakeOutbox: func() {}})
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	f.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("Run: %v", err)
		}
	})
	return b
}

func textUpdate(id int64, user int64, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"x","language_code":"zh-hans"},"text":%q}}`,
		id, id, user, user, text)
}

func (f *botFixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestIntakeResumesFromTheInbox: at start the updates left in the inbox
// are handled first, in order, polling resumes from the stored offset, and
// an update that does not decode (stored or received) is quarantined
// without holding up the others.
func TestIntakeResumesFromTheInbox(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-zhang")
	zhang := uid["o-zhang"]
	f.update(func(tx *storage.Tx) error {
		_, err := tx.PutInbox([]storage.InboxUpdate{
			{ID: 10, Raw: []byte(textUpdate(10, zhang, "/help"))},
			{ID: 11, Raw: []byte(`{"update_id":11,"message":42}`)},
		}, 12)
		return err
	})
	stub := newPollStub(t, `{"ok":true,"result":[`+textUpdate(12, zhang, "/status")+`,{"update_id":13,"message":"garbled"}]}`)
	f.running(stub.srv.URL, nil)

	f.eventually("the received updates confirmed", func() bool { return slices.Contains(stub.polled(), 14) })
	f.eventually("the inbox emptied", func() bool {
		n := -1
		_ = f.db.View(func(tx *storage.Tx) error { n = tx.InboxCount(); return nil })
		return n == 0
	})
	if got := stub.polled(); got[0] != 12 {
		t.Errorf("first getUpdates offset = %d, want the stored 12 (polled %v)", got[0], got)
	}
	jobs := f.takeChat(zhang)
	if len(jobs) != 2 || !strings.Contains(jobs[0].Text, "/status") || !strings.Contains(jobs[1].Text, "当前没有进行中的叫应") {
		var texts []string
		for _, j := range jobs {
			texts = append(texts, j.Text)
		}
		t.Errorf("replies = %q, want the /help answer, then the /status answer", texts)
	}
	_ = f.db.View(func(tx *storage.Tx) error {
		var keys []string
		for _, q := range tx.QuarantinedRecords() {
			if q.Bucket != storage.InboxBucket {
				t.Errorf("quarantined %+v", q)
			}
			keys = append(keys, string(q.Raw))
		}
		if len(keys) != 2 || !strings.Contains(keys[0], `"update_id":11`) || !strings.Contains(keys[1], `"update_id":13`) {
			t.Errorf("quarantined updates = %q, want 11 and 13", keys)
		}
		if o := tx.InboxOffset(); o != 14 {
			t.Errorf("stored offset = %d, want 14", o)
		}
		return nil
	})
	if n := testutil.ToFloat64(f.b.Metrics.Quarantined.WithLabelValues(storage.InboxBucket)); n != 2 {
		t.Errorf("dutybot_quarantined_total{bucket=%q} = %v, want 2", storage.InboxBucket, n)
	}
}

// TestGetUpdatesErrors: answers of the Bot API are classified as the
// library classifies them (409 is the conflict the log explains), a 429
// carries its wait, and no error shows the bot token.
func TestGetUpdatesErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name   string
		answer string // "" = no server
		is     error
		wait   time.Duration
		want   string
	}{
		{"conflict", `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`, tg.ErrorConflict, 0, "Conflict"},
		{"unauthorized", `{"ok":false,"error_code":401,"description":"Unauthorized"}`, tg.ErrorUnauthorized, 0, "Unauthorized"},
		{"flood", `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`, tg.ErrorTooManyRequests, 7 * time.Second, "retry after 7"},
		{"server error", `{"ok":false,"error_code":502,"description":"Bad Gateway"}`, nil, 0, "502"},
		{"not JSON", `<html>` + intakeToken + `</html>`, nil, 0, "not JSON"},
		{"unreachable", "", nil, 0, "/bot***/getUpdates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newBotFixture(t)
			url := closedURL
			if tt.answer != "" {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					fmt.Fprint(w, tt.answer)
				}))
				defer srv.Close()
				url = srv.URL
			}
			cfg := *f.b.Config
			cfg.Telegram.APIURL, cfg.Telegram.Token = url, intakeToken
			f.b.Config = &cfg
			_, err := f.b.getUpdates(context.Background(), 5, time.Second)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), intakeToken) || strings.Contains(fmt.Sprintf("%#v", err), intakeToken) {
				t.Errorf("the error shows the token: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			var ra *retryAfterError
			if got := errors.As(err, &ra); got != (tt.wait > 0) || got && ra.after != tt.wait {
				t.Errorf("retry after: %v %+v, want %v", got, ra, tt.wait)
			}
		})
	}
}

// TestPollConflictIsExplained: a 409 from getUpdates (another process polls
// with the token) is logged once a minute with what to do, and polling goes
// on with the library's backoff.
func TestPollConflictIsExplained(t *testing.T) {
	f := newBotFixture(t)
	conflict := `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`
	stub := newPollStub(t, conflict, conflict, conflict)
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	f.running(stub.srv.URL, log)
	f.eventually("polling after the conflicts", func() bool { return len(stub.polled()) >= 5 })
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if n := strings.Count(out, "another process is polling Telegram with this bot token"); n != 1 {
		t.Errorf("conflict logged %d times, want 1:\n%s", n, out)
	}
	if strings.Contains(out, intakeToken) {
		t.Errorf("the log shows the token:\n%s", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestNextErrorWait(t *testing.T) {
	var got []time.Duration
	d := time.Duration(0)
	for range 8 {
		d = nextErrorWait(d)
		got = append(got, d)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 3200 * time.Millisecond, 5 * time.Second, 5 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
}
