package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"dutybot/config"
)

func TestReachHint(t *testing.T) {
	tests := []struct {
		name   string
		apiURL string
		env    map[string]string
		want   []string
		not    []string
	}{
		{"no proxy", "https://api.telegram.org", nil,
			[]string{"check telegram.api_url (https://api.telegram.org) and whether this host reaches it directly; " +
				"HTTPS_PROXY is not set: if the way out is through a proxy, set HTTPS_PROXY in dutybot's environment"}, nil},
		{"a proxy with a password", "https://api.telegram.org",
			map[string]string{"HTTPS_PROXY": "http://duty:s3cret@proxy.example:3128"},
			[]string{"check telegram.api_url (https://api.telegram.org) and the proxy in HTTPS_PROXY (http://proxy.example:3128): " +
				"is it up, and does it let dutybot through?"}, []string{"s3cret", "duty:"}},
		{"lower case, no scheme", "https://api.telegram.org", map[string]string{"https_proxy": "10.0.0.1:8080"},
			[]string{"the proxy in HTTPS_PROXY (http://10.0.0.1:8080)"}, nil},
		{"a local Bot API server over http", "http://botapi.internal:8081", map[string]string{"HTTPS_PROXY": "http://p:1"},
			[]string{"telegram.api_url (http://botapi.internal:8081)", "HTTP_PROXY is not set"}, []string{"HTTPS_PROXY"}},
		{"an api_url with a password", "https://bot:pw@botapi.example", nil,
			[]string{"telegram.api_url (https://botapi.example)"}, []string{"pw"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := reachHint(tc.apiURL, func(k string) string { return tc.env[k] })
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("hint %q lacks %q", got, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("hint %q shows %q", got, n)
				}
			}
		})
	}
}

// While the Bot API cannot be reached at start, the first retry line says
// what to check; the next ones do not repeat it, and none shows the token.
func TestGetMeHintsOnce(t *testing.T) {
	t.Setenv("HTTP_PROXY", "")
	t.Setenv("http_proxy", "")
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			conn, _, err := w.(http.Hijacker).Hijack() // the connection drops: no answer at all
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"含谷","username":"hangu_bot"}}`)
	}))
	t.Cleanup(srv.Close)
	cfg, err := config.Parse([]byte(testYAML + "telegram: {api_url: \"" + srv.URL + "\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	const token = "515151:getme-token-never-logged"
	cfg.Telegram.Token = token
	var logs strings.Builder
	b, err := New(Deps{Config: cfg, HTTPClient: srv.Client(), Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	me, err := b.getMeRetrying(context.Background(), 0)
	if err != nil || me.Username != "hangu_bot" {
		t.Fatalf("getMe: %v %v", me, err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3 retries:\n%s", len(lines), logs.String())
	}
	want := `hint="check telegram.api_url (` + srv.URL + `) and whether this host reaches it directly; HTTP_PROXY is not set`
	for i, l := range lines {
		if !strings.Contains(l, "cannot reach the Bot API, retrying") || strings.Contains(l, want) != (i == 0) {
			t.Errorf("line %d (the hint belongs on the first only):\n%s", i+1, l)
		}
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), strings.Split(token, ":")[1]) {
		t.Errorf("the token is logged:\n%s", logs.String())
	}
}

// The Sender hints for a send that did not reach the Bot API, and not for
// one the Bot API refused.
func TestSenderReachHint(t *testing.T) {
	s := &Sender{apiURL: "https://api.telegram.org"}
	down := &netErr{}
	if h := s.ReachHint(fmt.Errorf("error do request for method sendMessage, %w", down)); !strings.Contains(h, "telegram.api_url (https://api.telegram.org)") {
		t.Errorf("no hint for a send that did not get through: %q", h)
	}
	if h := s.ReachHint(errors.New("error response from telegram for method sendMessage, 502 Bad Gateway")); h != "" {
		t.Errorf("a hint for an answer of the Bot API: %q", h)
	}
}

// netErr is a network error, as a failed dial or a timeout gives.
type netErr struct{}

func (*netErr) Error() string   { return "dial tcp: connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }
