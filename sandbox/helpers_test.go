package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const wait = 10 * time.Second

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs a sandbox on the example town until the test ends, and checks
// that it stops cleanly and removes its data.
func start(t *testing.T, speed int) *Sandbox {
	t.Helper()
	logs := &syncBuffer{}
	sb, err := New(Options{Config: "../config.example.yaml", AnyPort: true, Speed: speed, Log: slogTo(logs)})
	if err != nil {
		t.Fatal(err)
	}
	run(t, sb, logs)
	return sb
}

// slogTo logs everything to logs.
func slogTo(logs *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// run runs sb until the test ends, and checks that it stops cleanly,
// removes its data and kept its secrets out of logs.
func run(t *testing.T, sb *Sandbox, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sb.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(wait):
			t.Error("the sandbox did not stop")
		}
		if _, err := os.Stat(sb.Dir()); !os.IsNotExist(err) {
			t.Errorf("temporary directory %s left behind (%v)", sb.Dir(), err)
		}
		for _, secret := range append([]string{sb.cfg.Telegram.Token, sb.apiToken}, sb.phone.secrets...) {
			if strings.Contains(logs.String(), secret) {
				t.Error("a token appeared in the logs")
			}
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
}

// do calls the sandbox over HTTP and decodes a JSON answer into out (if not nil).
func do(t *testing.T, sb *Sandbox, method, path string, body any, out any) int {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, strings.TrimSuffix(sb.URL(), "/")+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+sb.APIToken())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// waitChat waits, with the wait endpoint, until the official's chat satisfies cond.
func waitChat(t *testing.T, sb *Sandbox, official, what string, cond func(Chat) bool) Chat {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var c Chat
		if code := do(t, sb, "GET", "/sandbox/chat?as="+official, nil, &c); code != http.StatusOK {
			t.Fatalf("chat of %s: %d", official, code)
		}
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's chat never showed %s; it has:\n%s", official, what, describe(c))
		}
		var w struct{ Version uint64 }
		if code := do(t, sb, "GET", fmt.Sprintf("/sandbox/wait?after=%d", c.Version), nil, &w); code != http.StatusOK {
			t.Fatalf("wait: %d", code)
		}
	}
}

func describe(c Chat) string {
	var b strings.Builder
	for _, m := range c.Messages {
		fmt.Fprintf(&b, "  #%d %s %q contact=%q doc=%q photo=%q edited=%q buttons=%v\n", m.ID, m.From, m.Text, m.Contact, m.Document, m.Photo, m.Edited, m.Buttons)
	}
	fmt.Fprintf(&b, "  keyboard %v", c.Keyboard)
	return b.String()
}

// botSays returns a condition: a bot message containing every part.
func botSays(parts ...string) func(Chat) bool {
	return func(c Chat) bool { _, ok := find(c, parts...); return ok }
}

func find(c Chat, parts ...string) (Item, bool) {
	for _, m := range c.Messages {
		if m.From != "bot" {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(m.Text, p)
		}
		if all {
			return m, true
		}
	}
	return Item{}, false
}

// bind plays the official binding their chat: /start, then the 📱 button.
func bind(t *testing.T, sb *Sandbox, official string) {
	t.Helper()
	if code := do(t, sb, "POST", "/sandbox/send", sendReq{As: official, Text: "/start"}, nil); code != http.StatusOK {
		t.Fatalf("send /start: %d", code)
	}
	waitChat(t, sb, official, "the share-contact button", func(c Chat) bool {
		return len(c.Keyboard) > 0 && c.Keyboard[0][0].Contact
	})
	if code := do(t, sb, "POST", "/sandbox/contact", asReq{As: official}, nil); code != http.StatusOK {
		t.Fatalf("share contact: %d", code)
	}
	waitChat(t, sb, official, "绑定成功", botSays("绑定成功"))
}

// button returns the data of the inline button whose label contains label.
func button(t *testing.T, m Item, label string) string {
	t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.Data
			}
		}
	}
	t.Fatalf("message #%d %q has no button %q: %v", m.ID, m.Text, label, m.Buttons)
	return ""
}
