package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/outbox"
	"dutybot/storage"
)

func TestClassify(t *testing.T) {
	network := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name      string
		err       error
		retry     time.Duration // > 0: a *outbox.RetryAfterError of this length
		is        error         // outbox.ErrUnreachable or outbox.ErrPermanent
		unchanged bool          // transient: returned as it is
	}{
		{name: "429", err: &tg.TooManyRequestsError{Message: "too many requests", RetryAfter: 3}, retry: 3 * time.Second},
		{name: "429 wrapped", err: fmt.Errorf("send: %w", &tg.TooManyRequestsError{RetryAfter: 3}), retry: 3 * time.Second},
		{name: "429 without retry_after", err: &tg.TooManyRequestsError{RetryAfter: 0}, retry: time.Second},
		{name: "blocked", err: fmt.Errorf("%w, Forbidden: bot was blocked by the user", tg.ErrorForbidden), is: outbox.ErrUnreachable},
		{name: "never started", err: fmt.Errorf("%w, Forbidden: bot can't initiate conversation with a user", tg.ErrorForbidden),
			is: outbox.ErrUnreachable},
		{name: "kicked from group", err: fmt.Errorf("%w, Forbidden: bot was kicked from the group chat", tg.ErrorForbidden),
			is: outbox.ErrUnreachable},
		{name: "chat not found", err: fmt.Errorf("%w, Bad Request: chat not found", tg.ErrorBadRequest), is: outbox.ErrUnreachable},
		{name: "other bad request", err: fmt.Errorf("%w, Bad Request: message text is empty", tg.ErrorBadRequest), is: outbox.ErrPermanent},
		{name: "message to edit not found", err: fmt.Errorf("%w, Bad Request: message to edit not found", tg.ErrorBadRequest),
			is: outbox.ErrPermanent},
		{name: "group migrated", err: &tg.MigrateError{Message: "bad request: Bad Request: group chat was upgraded to a supergroup chat",
			MigrateToChatID: -1001234567890}, is: outbox.ErrPermanent},
		{name: "404", err: fmt.Errorf("%w, Not Found", tg.ErrorNotFound), is: outbox.ErrPermanent},
		{name: "no Stars", err: fmt.Errorf("%w, Bad Request: BALANCE_TOO_LOW", tg.ErrorBadRequest), is: outbox.ErrNoStars},
		{name: "no Stars, in words", err: fmt.Errorf("%w, Bad Request: not enough Stars to send paid messages", tg.ErrorBadRequest), is: outbox.ErrNoStars},
		{name: "402", err: errors.New("error response from telegram for method sendMessage, 402 Payment Required"), is: outbox.ErrNoStars},
		{name: "balance in another sense", err: fmt.Errorf("%w, Bad Request: message text is empty", tg.ErrorBadRequest), is: outbox.ErrPermanent},
		{name: "network", err: network, unchanged: true},
		{name: "network wrapped by the library", err: fmt.Errorf("error do request for method sendMessage, %w", network), unchanged: true},
		{name: "5xx", err: errors.New("error response from telegram for method sendMessage, 502 Bad Gateway"), unchanged: true},
		{name: "timeout", err: context.DeadlineExceeded, unchanged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			var ra *outbox.RetryAfterError
			isRetry := errors.As(got, &ra)
			switch {
			case tt.retry > 0:
				if !isRetry || ra.After != tt.retry {
					t.Errorf("classify = %#v, want retry after %v", got, tt.retry)
				}
			case tt.is != nil:
				if !errors.Is(got, tt.is) {
					t.Errorf("classify = %v, want %v", got, tt.is)
				}
				if !strings.Contains(got.Error(), tt.err.Error()) {
					t.Errorf("classify = %q lost the cause %q", got, tt.err)
				}
				for _, other := range []error{outbox.ErrUnreachable, outbox.ErrPermanent} {
					if other != tt.is && errors.Is(got, other) {
						t.Errorf("classify = %v is also %v", got, other)
					}
				}
				if isRetry {
					t.Errorf("classify = %v is also a retry", got)
				}
			case tt.unchanged:
				if got != tt.err {
					t.Errorf("classify = %#v, want the error unchanged", got)
				}
			}
		})
	}
	var moved *outbox.MovedError
	if err := classify(&tg.MigrateError{MigrateToChatID: -100777}); !errors.As(err, &moved) || moved.To != -100777 ||
		!strings.Contains(err.Error(), "-100777") {
		t.Errorf("a migrated group = %#v; want the chat it moved to", err)
	}
}

func TestInlineMarkup(t *testing.T) {
	if m := inlineMarkup(nil, false); m != nil {
		t.Errorf("no rows = %#v, want nil", m)
	}
	if m := inlineMarkup([][]storage.Button{}, false); m != nil {
		t.Errorf("empty rows = %#v, want nil", m)
	}
	for _, rows := range [][][]storage.Button{nil, {}} {
		// An edit must send an empty keyboard, not omit it, to remove buttons.
		data, err := json.Marshal(inlineMarkup(rows, true))
		if err != nil || string(data) != `{"inline_keyboard":[]}` {
			t.Errorf("empty keyboard encodes as %s, %v", data, err)
		}
	}
	rows := [][]storage.Button{
		{{Text: "✅ 收到", Data: "ack:20261130-0001:o-zhang"}},
		{{Text: "a", Data: "al:lvl:red"}, {Text: "b", Data: "al:lvl:blue"}},
	}
	// Exactly text and callback_data: no empty copy_text, which the Bot API
	// may reject.
	const want = `{"inline_keyboard":[[{"text":"✅ 收到","callback_data":"ack:20261130-0001:o-zhang"}],` +
		`[{"text":"a","callback_data":"al:lvl:red"},{"text":"b","callback_data":"al:lvl:blue"}]]}`
	for _, empty := range []bool{false, true} {
		data, err := json.Marshal(inlineMarkup(rows, empty))
		if err != nil || string(data) != want {
			t.Errorf("markup encodes as %s, %v; want %s", data, err, want)
		}
		// It still decodes as the Bot API's InlineKeyboardMarkup.
		var kb models.InlineKeyboardMarkup
		if err := json.Unmarshal(data, &kb); err != nil || kb.InlineKeyboard[1][1].CallbackData != "al:lvl:blue" {
			t.Errorf("decoded = %+v, %v", kb, err)
		}
	}
}
