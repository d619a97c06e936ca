package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/outbox"
	"dutybot/storage"
)

// apiCall is one request the Sender made.
type apiCall struct {
	method string
	form   map[string]string
}

// stubAPI answers Bot API calls with answer(method, form) as raw JSON.
func stubAPI(t *testing.T, answer func(method string, form map[string]string) string) (*Sender, func() []apiCall) {
	t.Helper()
	var mu sync.Mutex
	var calls []apiCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			t.Errorf("parse form: %v", err)
		}
		form := map[string]string{}
		if r.MultipartForm != nil {
			for k, v := range r.MultipartForm.Value {
				form[k] = v[0]
			}
		}
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		mu.Lock()
		calls = append(calls, apiCall{method: method, form: form})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer(method, form))
	}))
	t.Cleanup(srv.Close)
	cfg, err := config.Parse([]byte(testYAML + "telegram: {api_url: \"" + srv.URL + "\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token = "123:test"
	b, err := New(Deps{Config: cfg, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return b.Sender(), func() []apiCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]apiCall(nil), calls...)
	}
}

const okMessage = `{"ok":true,"result":{"message_id":%d,"date":0,"chat":{"id":%s,"type":"private"}}}`

func TestSenderSend(t *testing.T) {
	s, calls := stubAPI(t, func(method string, form map[string]string) string {
		return fmt.Sprintf(okMessage, 4711, form["chat_id"])
	})
	ctx := context.Background()
	jobs := []struct {
		name   string
		job    storage.Job
		markup string // "" means no reply_markup field
	}{
		{"plain", storage.Job{ChatID: 42, Op: storage.OpSend, Text: "hi"}, ""},
		{"buttons", storage.Job{ChatID: 42, Op: storage.OpSend, Text: "call",
			Buttons: [][]storage.Button{{{Text: "✅", Data: "ack:20261130-0001:o-zhang"}}}},
			`{"inline_keyboard":[[{"text":"✅","callback_data":"ack:20261130-0001:o-zhang"}]]}`},
		{"contact", storage.Job{ChatID: 42, Op: storage.OpSend, Text: "share", Reply: &storage.Reply{ContactLabel: "📱"}},
			`{"keyboard":[[{"text":"📱","request_contact":true}]],"resize_keyboard":true,"one_time_keyboard":true}`},
		{"remove", storage.Job{ChatID: 42, Op: storage.OpSend, Text: "done", Reply: &storage.Reply{Remove: true}},
			`{"remove_keyboard":true}`},
	}
	for _, tt := range jobs {
		id, err := s.Send(ctx, tt.job)
		if err != nil || id != 4711 {
			t.Errorf("%s: Send = %d, %v", tt.name, id, err)
		}
	}
	got := calls()
	if len(got) != len(jobs) {
		t.Fatalf("calls = %+v", got)
	}
	for i, c := range got {
		tt := jobs[i]
		if c.method != "sendMessage" || c.form["chat_id"] != "42" || c.form["text"] != tt.job.Text {
			t.Errorf("%s: call = %+v", tt.name, c)
		}
		markup, has := c.form["reply_markup"]
		switch {
		case tt.markup == "" && has:
			t.Errorf("%s: unexpected reply_markup %s", tt.name, markup)
		case tt.markup != "" && !sameJSON(dropEmptyCopyText(markup), tt.markup):
			t.Errorf("%s: reply_markup = %s, want %s", tt.name, markup, tt.markup)
		}
	}
}

// dropEmptyCopyText removes the "copy_text":{"text":""} go-telegram/bot
// v1.19 writes into every inline button (its CopyText field is a struct, so
// omitempty does not apply).
func dropEmptyCopyText(s string) string { return strings.ReplaceAll(s, `,"copy_text":{"text":""}`, "") }

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// answerBox is the canned answer of a stub API, set by the test goroutine.
type answerBox struct {
	mu sync.Mutex
	s  string
}

func (a *answerBox) set(s string) { a.mu.Lock(); a.s = s; a.mu.Unlock() }

func (a *answerBox) get(string, map[string]string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.s
}

func TestSenderEdit(t *testing.T) {
	var answer answerBox
	s, calls := stubAPI(t, answer.get)
	ctx := context.Background()
	edit := storage.Job{ChatID: 42, Op: storage.OpEdit, MessageID: 99, Text: "✅ 已确认"}

	answer.set(fmt.Sprintf(okMessage, 99, "42"))
	if id, err := s.Send(ctx, edit); err != nil || id != 99 {
		t.Errorf("edit = %d, %v", id, err)
	}
	c := calls()[0]
	if c.method != "editMessageText" || c.form["message_id"] != "99" || !sameJSON(c.form["reply_markup"], `{"inline_keyboard":[]}`) {
		t.Errorf("edit call = %+v; an edit without buttons must remove them", c)
	}

	answer.set(`{"ok":false,"error_code":400,"description":"Bad Request: message is not modified: specified new message content and reply markup are exactly the same"}`)
	if id, err := s.Send(ctx, edit); err != nil || id != 99 {
		t.Errorf("not modified = %d, %v; want success", id, err)
	}

	answer.set(`{"ok":false,"error_code":400,"description":"Bad Request: message to edit not found"}`)
	if _, err := s.Send(ctx, edit); !errors.Is(err, outbox.ErrPermanent) {
		t.Errorf("edit of a deleted message = %v", err)
	}
}

func TestSenderErrors(t *testing.T) {
	var answer answerBox
	s, _ := stubAPI(t, answer.get)
	ctx := context.Background()
	j := storage.Job{ChatID: 42, Op: storage.OpSend, Text: "hi"}
	tests := []struct {
		answer string
		check  func(error) bool
	}{
		{`{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`,
			func(err error) bool { return errors.Is(err, outbox.ErrUnreachable) }},
		{`{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`,
			func(err error) bool { return errors.Is(err, outbox.ErrUnreachable) }},
		{`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001}}`,
			func(err error) bool {
				var moved *outbox.MovedError
				return errors.As(err, &moved) && moved.To == -1001 && errors.Is(err, outbox.ErrPermanent)
			}},
		{`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`,
			func(err error) bool {
				var ra *outbox.RetryAfterError
				return errors.As(err, &ra) && ra.After == 5*time.Second
			}},
		{`{"ok":false,"error_code":502,"description":"Bad Gateway"}`,
			func(err error) bool {
				return err != nil && !errors.Is(err, outbox.ErrPermanent) && !errors.Is(err, outbox.ErrUnreachable)
			}},
	}
	for _, tt := range tests {
		answer.set(tt.answer)
		if _, err := s.Send(ctx, j); !tt.check(err) {
			t.Errorf("answer %s: Send error %v", tt.answer, err)
		}
	}
}
