package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/phone"
)

var t0 = time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC)

// gateway is a town's gateway as a test server: it checks each post's
// signature the way a gateway's own code would, from the HMAC definition,
// and answers what the test says.
type gateway struct {
	t      *testing.T
	secret []byte
	now    func() time.Time
	answer func(w http.ResponseWriter, r *http.Request)

	mu     sync.Mutex
	bodies []map[string]any
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Dutybot-Timestamp")
	m := hmac.New(sha256.New, g.secret)
	m.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	got := r.Header.Get("X-Dutybot-Signature")
	switch {
	case r.Method != http.MethodPost:
		g.t.Errorf("gateway got %s, want POST", r.Method)
	case r.Header.Get("Content-Type") != "application/json":
		g.t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	case !hmac.Equal([]byte(got), []byte(want)):
		g.t.Errorf("gateway: signature %q, recomputed %q", got, want)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	case ts != strconv.FormatInt(g.now().Unix(), 10):
		g.t.Errorf("timestamp %q, clock says %d", ts, g.now().Unix())
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		g.t.Errorf("gateway: body is not JSON: %v", err)
	}
	g.mu.Lock()
	g.bodies = append(g.bodies, v)
	g.mu.Unlock()
	g.answer(w, r)
}

func (g *gateway) last() map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.bodies) == 0 {
		return nil
	}
	return g.bodies[len(g.bodies)-1]
}

func answer(code int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func call() phone.Request {
	return phone.Request{
		ID: "call-7f3a", Kind: phone.KindCall, Number: "+8613800001001",
		Params: []string{"城关镇", "山洪预警", "红色", "A-2025-0701", "4821"},
		Text:   "城关镇山洪红色预警，请按1确认", Alert: "A-2025-0701", Official: "王建国", Code: "4821",
	}
}

func newProvider(t *testing.T, g *gateway, cfg Config) (*Provider, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL + "/sms-voice/send"
	if cfg.Secret == nil {
		cfg.Secret = g.secret
	}
	p, err := New(cfg, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, srv
}

func TestPlaceStatus(t *testing.T) {
	fc := clock.NewFake(t0)
	cases := []struct {
		name    string
		code    int
		body    string
		wantID  string
		refused *phone.RefusedError // nil: not a refusal
		retry   bool                // a plain error, worth retrying
	}{
		{name: "200 with id", code: 200, body: `{"id":"gw-20250701-0001"}`, wantID: "gw-20250701-0001"},
		{name: "200 with numeric id", code: 200, body: `{"id":918273645}`, wantID: "918273645"},
		{name: "200 without id", code: 200, body: `{"ok":true}`, wantID: "call-7f3a"},
		{name: "202 empty", code: 202, body: ``, wantID: "call-7f3a"},
		{name: "200 not JSON", code: 200, body: `queued`, wantID: "call-7f3a"},
		{name: "400", code: 400, body: `{"error":"号码不在白名单"}`, refused: &phone.RefusedError{Code: "http_400", Message: `{"error":"号码不在白名单"}`}},
		{name: "403 silent", code: 403, body: ``, refused: &phone.RefusedError{Code: "http_403", Message: "Forbidden"}},
		{name: "404", code: 404, body: "no such template\n", refused: &phone.RefusedError{Code: "http_404", Message: "no such template"}},
		{name: "429", code: 429, body: `slow down`, refused: &phone.RefusedError{Code: "http_429", Message: "slow down", Limited: true}},
		{name: "408", code: 408, body: ``, retry: true},
		{name: "500", code: 500, body: `boom`, retry: true},
		{name: "503", code: 503, body: `maintenance`, retry: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &gateway{t: t, secret: []byte("town-secret"), now: fc.Now, answer: answer(c.code, c.body)}
			p, _ := newProvider(t, g, Config{Now: fc.Now})
			id, err := p.Place(context.Background(), call())
			var ref *phone.RefusedError
			switch {
			case c.refused != nil:
				if !errors.As(err, &ref) {
					t.Fatalf("Place = %q, %v; want refusal %+v", id, err, c.refused)
				}
				if *ref != *c.refused {
					t.Errorf("refusal = %+v, want %+v", *ref, *c.refused)
				}
			case c.retry:
				if err == nil || errors.As(err, &ref) {
					t.Fatalf("Place = %q, %v; want a retryable error", id, err)
				}
				if !strings.Contains(err.Error(), strconv.Itoa(c.code)) {
					t.Errorf("error %q does not tell the status", err)
				}
			default:
				if err != nil || id != c.wantID {
					t.Fatalf("Place = %q, %v; want %q", id, err, c.wantID)
				}
			}
			if g.last() == nil {
				t.Error("the gateway was not reached")
			}
		})
	}
}

func TestPlaceLongRefusalIsCut(t *testing.T) {
	fc := clock.NewFake(t0)
	long := strings.Repeat("号码格式错误", 100)
	g := &gateway{t: t, secret: []byte("k"), now: fc.Now, answer: answer(400, long)}
	p, _ := newProvider(t, g, Config{Now: fc.Now})
	_, err := p.Place(context.Background(), call())
	var ref *phone.RefusedError
	if !errors.As(err, &ref) {
		t.Fatalf("Place: %v", err)
	}
	if len(ref.Message) > maxMessage+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(ref.Message, "…")) {
		t.Errorf("message not cut on a character boundary: %d bytes %q", len(ref.Message), ref.Message)
	}
}

func TestPlaceBody(t *testing.T) {
	fc := clock.NewFake(t0)
	sms := call()
	sms.Kind, sms.Alert, sms.Params = phone.KindSMS, "A/2025 07", nil
	cases := []struct {
		name     string
		callback string
		req      phone.Request
		want     map[string]any
	}{
		{"call with callback", "https://dutybot.example.gov/", call(), map[string]any{
			"call_id": "call-7f3a", "kind": "call", "alert": "A-2025-0701", "official": "王建国",
			"number": "+8613800001001", "text": "城关镇山洪红色预警，请按1确认",
			"params":       []any{"城关镇", "山洪预警", "红色", "A-2025-0701", "4821"},
			"confirm_code": "4821", "ack_url": "https://dutybot.example.gov/api/v1/alerts/A-2025-0701/ack",
		}},
		{"sms, odd alert id escaped, no params", "https://dutybot.example.gov/base", sms, map[string]any{
			"call_id": "call-7f3a", "kind": "sms", "alert": "A/2025 07", "official": "王建国",
			"number": "+8613800001001", "text": "城关镇山洪红色预警，请按1确认", "params": []any{},
			"confirm_code": "4821", "ack_url": "https://dutybot.example.gov/base/api/v1/alerts/A%2F2025%2007/ack",
		}},
		{"no callback, no ack_url", "", call(), map[string]any{
			"call_id": "call-7f3a", "kind": "call", "alert": "A-2025-0701", "official": "王建国",
			"number": "+8613800001001", "text": "城关镇山洪红色预警，请按1确认",
			"params":       []any{"城关镇", "山洪预警", "红色", "A-2025-0701", "4821"},
			"confirm_code": "4821",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &gateway{t: t, secret: []byte("town-secret"), now: fc.Now, answer: answer(200, `{"id":"x"}`)}
			p, _ := newProvider(t, g, Config{Now: fc.Now, CallbackURL: c.callback})
			if _, err := p.Place(context.Background(), c.req); err != nil {
				t.Fatal(err)
			}
			if got := g.last(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("gateway got\n%v\nwant\n%v", got, c.want)
			}
		})
	}
}

func TestPlaceTimeout(t *testing.T) {
	fc := clock.NewFake(t0)
	g := &gateway{t: t, secret: []byte("k"), now: fc.Now, answer: func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the gateway hangs until dutybot gives up
	}}
	p, _ := newProvider(t, g, Config{Now: fc.Now, Timeout: 50 * time.Millisecond})
	_, err := p.Place(context.Background(), call())
	var ref *phone.RefusedError
	if err == nil || errors.As(err, &ref) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Place = %v; want a retryable deadline error", err)
	}
}

func TestPlaceNetworkDown(t *testing.T) {
	fc := clock.NewFake(t0)
	g := &gateway{t: t, secret: []byte("k"), now: fc.Now, answer: answer(200, "")}
	p, srv := newProvider(t, g, Config{Now: fc.Now})
	srv.Close()
	_, err := p.Place(context.Background(), call())
	var ref *phone.RefusedError
	if err == nil || errors.As(err, &ref) {
		t.Fatalf("Place = %v; want a retryable error", err)
	}
}

func TestPlaceBadKindStaysHome(t *testing.T) {
	fc := clock.NewFake(t0)
	g := &gateway{t: t, secret: []byte("k"), now: fc.Now, answer: answer(200, "")}
	p, _ := newProvider(t, g, Config{Now: fc.Now})
	r := call()
	r.Kind = "fax"
	_, err := p.Place(context.Background(), r)
	var ref *phone.RefusedError
	if !errors.As(err, &ref) {
		t.Fatalf("Place = %v; want a refusal", err)
	}
	if g.last() != nil {
		t.Error("a request of no known kind reached the gateway")
	}
}

func TestNewRefuses(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"no url", Config{Secret: []byte("k")}},
		{"relative url", Config{URL: "/send", Secret: []byte("k")}},
		{"ftp url", Config{URL: "ftp://gw.example.gov/send", Secret: []byte("k")}},
		{"no secret", Config{URL: "https://gw.example.gov/send"}},
		{"bad callback", Config{URL: "https://gw.example.gov/send", Secret: []byte("k"), CallbackURL: "dutybot.example.gov"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if p, err := New(c.cfg, nil, nil); err == nil {
				t.Errorf("New = %v, want an error", p)
			}
		})
	}
	p, err := New(Config{URL: "https://gw.example.gov/send", Secret: []byte("k")}, nil, nil)
	if err != nil || p.Name() != "webhook" {
		t.Errorf("New = %v, %v; want the webhook channel", p, err)
	}
}

func TestPlaceNeverLogsTheSecret(t *testing.T) {
	fc := clock.NewFake(t0)
	secret := "do-not-log-me-7781"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, code := range []int{200, 400, 503} {
		g := &gateway{t: t, secret: []byte(secret), now: fc.Now, answer: answer(code, `{"id":"g1"}`)}
		srv := httptest.NewServer(g)
		p, err := New(Config{URL: srv.URL, Secret: []byte(secret), Now: fc.Now}, srv.Client(), log)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Place(context.Background(), call())
		srv.Close()
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error reveals the secret: %v", err)
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged; the check below proves nothing")
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("log reveals the secret:\n%s", logs.String())
	}
}
