package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/phone"
)

// receiver records the reports it is given and answers with err.
type receiver struct {
	mu      sync.Mutex
	err     error
	block   chan struct{} // if set, Report waits on it
	entered chan struct{} // if set, Report signals it on entry
	reports []phone.Report
}

func (rc *receiver) Report(ctx context.Context, r phone.Report) error {
	if rc.entered != nil {
		rc.entered <- struct{}{}
	}
	if rc.block != nil {
		<-rc.block
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reports = append(rc.reports, r)
	return rc.err
}

func (rc *receiver) got() []phone.Report {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]phone.Report(nil), rc.reports...)
}

type ackEnv struct {
	secret []byte
	clock  *clock.Fake
	recv   *receiver
	h      *ackHandler
	mux    *http.ServeMux
	logs   *bytes.Buffer
}

func newAckEnv(t *testing.T) *ackEnv {
	t.Helper()
	e := &ackEnv{secret: []byte("town-secret-5521"), clock: clock.NewFake(t0), recv: &receiver{}, logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.h = AckHandler(e.secret, e.recv, e.clock.Now, log).(*ackHandler)
	e.mux = http.NewServeMux()
	e.mux.Handle("POST /api/v1/alerts/{id}/ack", e.h)
	return e
}

// signed returns the headers a gateway sends with body now.
func (e *ackEnv) signed(body string) http.Header {
	ts := e.clock.Now().Unix()
	return http.Header{
		HeaderTimestamp: {strconv.FormatInt(ts, 10)},
		HeaderSignature: {Sign(e.secret, ts, []byte(body))},
	}
}

func (e *ackEnv) post(alert, body string, h http.Header) (int, map[string]any) {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/alerts/"+alert+"/ack", strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, req)
	var v map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &v)
	return w.Code, v
}

const pressed = `{"call_id":"call-7f3a","result":"pressed","key":"1","number":"+8613800001001","at":"2025-07-01T15:59:40+08:00"}`

func TestAckTaken(t *testing.T) {
	cases := []struct {
		name string
		body string
		want phone.Report
	}{
		{"pressed", pressed, phone.Report{
			Provider: "webhook", ProviderID: "call-7f3a", CallID: "call-7f3a", Alert: "A-2025-0701",
			Number: "+8613800001001", Result: "pressed", Key: "1",
			At: time.Date(2025, 7, 1, 7, 59, 40, 0, time.UTC),
		}},
		{"sms reply without at", `{"call_id":"sms-19","result":"reply","text":"收到 4821","number":"+8613800001002","gateway_extra":7}`, phone.Report{
			Provider: "webhook", ProviderID: "sms-19", CallID: "sms-19", Alert: "A-2025-0701",
			Number: "+8613800001002", Result: "reply", Text: "收到 4821", At: t0,
		}},
		{"no answer", `{"call_id":"call-8","result":"no_answer"}`, phone.Report{
			Provider: "webhook", ProviderID: "call-8", CallID: "call-8", Alert: "A-2025-0701", Result: "no_answer", At: t0,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newAckEnv(t)
			code, v := e.post("A-2025-0701", c.body, e.signed(c.body))
			if code != http.StatusOK || v["ok"] != true {
				t.Fatalf("ack = %d %v; want 200 ok", code, v)
			}
			got := e.recv.got()
			if len(got) != 1 {
				t.Fatalf("receiver got %d reports, want 1", len(got))
			}
			if !got[0].At.Equal(c.want.At) {
				t.Errorf("At = %v, want %v", got[0].At, c.want.At)
			}
			got[0].At, c.want.At = time.Time{}, time.Time{}
			if got[0] != c.want {
				t.Errorf("report = %+v\nwant %+v", got[0], c.want)
			}
		})
	}
}

func TestAckRefused(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		headers  func(e *ackEnv, body string) http.Header
		recvErr  error
		before   func(e *ackEnv, body string) // e.g. a first, good delivery
		want     int
		wantSays string
		reached  int // reports the receiver sees in all
	}{
		{name: "wrong signature", body: pressed, want: 401, wantSays: "bad signature",
			headers: func(e *ackEnv, body string) http.Header {
				h := e.signed(body)
				h.Set(HeaderSignature, Sign([]byte("guess"), e.clock.Now().Unix(), []byte(body)))
				return h
			}},
		{name: "signature over another body", body: pressed, want: 401, wantSays: "bad signature",
			headers: func(e *ackEnv, body string) http.Header {
				return e.signed(strings.Replace(body, "pressed", "no_answer", 1))
			}},
		{name: "missing headers", body: pressed, want: 401, wantSays: "missing",
			headers: func(e *ackEnv, body string) http.Header { return http.Header{} }},
		{name: "missing timestamp", body: pressed, want: 401, wantSays: "missing",
			headers: func(e *ackEnv, body string) http.Header {
				h := e.signed(body)
				h.Del(HeaderTimestamp)
				return h
			}},
		{name: "stale timestamp", body: pressed, want: 401, wantSays: "stale",
			headers: func(e *ackEnv, body string) http.Header {
				ts := e.clock.Now().Add(-6 * time.Minute).Unix()
				return http.Header{
					HeaderTimestamp: {strconv.FormatInt(ts, 10)},
					HeaderSignature: {Sign(e.secret, ts, []byte(body))},
				}
			}},
		{name: "replayed body", body: pressed, want: 401, wantSays: "replayed", reached: 1,
			before: func(e *ackEnv, body string) {
				if code, _ := e.post("A-2025-0701", body, e.signed(body)); code != 200 {
					panic(fmt.Sprintf("first delivery: %d", code))
				}
			}},
		{name: "replayed to another alert", body: pressed, want: 401, wantSays: "replayed", reached: 1,
			before: func(e *ackEnv, body string) {
				if code, _ := e.post("A-2025-0630", body, e.signed(body)); code != 200 {
					panic(fmt.Sprintf("first delivery: %d", code))
				}
			}},
		{name: "unknown call", body: pressed, want: 404, wantSays: phone.ErrUnknownCall.Error(), reached: 1,
			recvErr: fmt.Errorf("call call-7f3a: %w", phone.ErrUnknownCall)},
		{name: "receiver finds it malformed", body: pressed, want: 400, reached: 1,
			recvErr: fmt.Errorf("pressed with no key: %w", phone.ErrBadReport)},
		{name: "receiver fails", body: pressed, want: 500, wantSays: "internal error", reached: 1,
			recvErr: errors.New("database is locked")},
		{name: "malformed JSON", body: `{"call_id":"call-7f3a","result":`, want: 400, wantSays: "malformed"},
		{name: "unknown result", body: `{"call_id":"call-7f3a","result":"hung_up"}`, want: 400, wantSays: "hung_up"},
		{name: "bad at", body: `{"call_id":"call-7f3a","result":"pressed","key":"1","at":"yesterday"}`, want: 400, wantSays: "RFC 3339"},
		{name: "too big", body: `{"call_id":"c","result":"reply","text":"` + strings.Repeat("长", 30000) + `"}`, want: 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newAckEnv(t)
			e.recv.err = c.recvErr
			if c.before != nil {
				c.before(e, c.body)
			}
			h := e.signed(c.body)
			if c.headers != nil {
				h = c.headers(e, c.body)
			}
			code, v := e.post("A-2025-0701", c.body, h)
			if code != c.want {
				t.Fatalf("ack = %d %v; want %d", code, v, c.want)
			}
			says, _ := v["error"].(string)
			if says == "" || !strings.Contains(says, c.wantSays) {
				t.Errorf("error = %q, want it to say %q", says, c.wantSays)
			}
			if n := len(e.recv.got()); n != c.reached {
				t.Errorf("receiver got %d reports, want %d", n, c.reached)
			}
			if !strings.Contains(e.logs.String(), "report refused") {
				t.Errorf("refusal not logged:\n%s", e.logs)
			}
			if strings.Contains(e.logs.String(), string(e.secret)) || strings.Contains(says, string(e.secret)) {
				t.Errorf("the secret leaked:\n%s", e.logs)
			}
			if c.want == 500 && strings.Contains(says, "database") {
				t.Errorf("internal error told to the gateway: %q", says)
			}
		})
	}
}

func TestAckRetriedAfterInternalError(t *testing.T) {
	e := newAckEnv(t)
	e.recv.err = errors.New("database is locked")
	h := e.signed(pressed)
	if code, _ := e.post("A-2025-0701", pressed, h); code != 500 {
		t.Fatalf("first try = %d, want 500", code)
	}
	e.recv.err = nil
	e.clock.Advance(30 * time.Second)
	if code, v := e.post("A-2025-0701", pressed, h); code != 200 {
		t.Fatalf("retry with the same signature = %d %v, want 200", code, v)
	}
	if code, _ := e.post("A-2025-0701", pressed, h); code != 401 {
		t.Fatalf("third delivery = %d, want 401 as a replay", code)
	}
	if n := len(e.recv.got()); n != 2 {
		t.Errorf("receiver got %d reports, want 2", n)
	}
}

func TestAckConcurrentDuplicateTakenOnce(t *testing.T) {
	e := newAckEnv(t)
	e.recv.block = make(chan struct{})
	e.recv.entered = make(chan struct{}, 2)
	h := e.signed(pressed)
	first := make(chan int)
	go func() {
		code, _ := e.post("A-2025-0701", pressed, h)
		first <- code
	}()
	<-e.recv.entered // the first is being applied
	second := make(chan int, 1)
	go func() {
		code, _ := e.post("A-2025-0701", pressed, h)
		second <- code
	}()
	select {
	case code := <-second:
		if code != 401 {
			t.Errorf("duplicate during the first = %d, want 401", code)
		}
	case <-e.recv.entered:
		t.Error("the duplicate reached the receiver while the first was being applied")
	}
	close(e.recv.block)
	if code := <-first; code != 200 {
		t.Errorf("first = %d, want 200", code)
	}
	if n := len(e.recv.got()); n != 1 {
		t.Errorf("receiver got %d reports, want 1", n)
	}
}

func TestAckSeenSetForgetsStale(t *testing.T) {
	e := newAckEnv(t)
	for i := range 3 {
		body := fmt.Sprintf(`{"call_id":"call-%d","result":"delivered"}`, i)
		if code, _ := e.post("A-2025-0701", body, e.signed(body)); code != 200 {
			t.Fatalf("ack %d = %d", i, code)
		}
	}
	if n := e.h.seen.len(); n != 3 {
		t.Fatalf("seen holds %d, want 3", n)
	}
	e.clock.Advance(DefaultWindow + time.Second)
	if code, _ := e.post("A-2025-0701", pressed, e.signed(pressed)); code != 200 {
		t.Fatal("fresh ack refused")
	}
	if n := e.h.seen.len(); n != 1 {
		t.Errorf("seen holds %d after the window, want 1 (the stale ones dropped)", n)
	}
}

func TestAckSeenSetBounded(t *testing.T) {
	e := newAckEnv(t)
	e.h.seen = newSeenSet(2)
	post := func(i int) int {
		body := fmt.Sprintf(`{"call_id":"call-%d","result":"delivered"}`, i)
		code, _ := e.post("A-2025-0701", body, e.signed(body))
		return code
	}
	for i, want := range []int{200, 200, 503} {
		if code := post(i); code != want {
			t.Fatalf("ack %d = %d, want %d", i, code, want)
		}
	}
	e.clock.Advance(DefaultWindow + time.Second)
	if code := post(3); code != 200 {
		t.Errorf("after the window ack = %d, want 200", code)
	}
	if n := len(e.recv.got()); n != 3 {
		t.Errorf("receiver got %d reports, want 3", n)
	}
}

func TestAckWrongMethod(t *testing.T) {
	e := newAckEnv(t)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/alerts/A-1/ack", nil)
	req.SetPathValue("id", "A-1")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", w.Code)
	}
}
