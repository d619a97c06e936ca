package tencent_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dutybot/phone"
	"dutybot/phone/tencent"
	"dutybot/phone/tencentfake"
)

const (
	secretID  = "AKIDtest0000000000000000000000000000"
	secretKey = "test-secret-key-never-shown-0001"
)

// logBuffer collects log lines written from any goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// config is a complete account pointed at fake.
func config(fake *tencentfake.Server) tencent.Config {
	return tencent.Config{
		SecretID: secretID, SecretKey: secretKey,
		Endpoint: fake.Host(), Scheme: "http",
		VoiceAppID: "1400000001", VoiceTemplateID: "1001",
		SMSAppID: "1400000002", SMSSign: "某某镇应急办", SMSTemplateID: "2002",
		Timeout: 5 * time.Second,
	}
}

func request(kind, number string) phone.Request {
	return phone.Request{
		ID: "call-7", Kind: kind, Number: number,
		Params: []string{"某某镇", "暴雨红色预警", "I级", "A-42", "731"},
		Alert:  "A-42", Official: "张三", Code: "731",
	}
}

func TestNewValidates(t *testing.T) {
	full := tencent.Config{
		SecretID: secretID, SecretKey: secretKey,
		VoiceAppID: "1400000001", VoiceTemplateID: "1001",
		SMSAppID: "1400000002", SMSSign: "某某镇应急办", SMSTemplateID: "2002",
	}
	tests := []struct {
		name    string
		edit    func(*tencent.Config)
		wantErr string // "" = valid
	}{
		{"complete", func(*tencent.Config) {}, ""},
		{"voice only", func(c *tencent.Config) { c.SMSAppID, c.SMSSign, c.SMSTemplateID = "", "", "" }, ""},
		{"SMS only", func(c *tencent.Config) { c.VoiceAppID, c.VoiceTemplateID = "", "" }, ""},
		{"no id", func(c *tencent.Config) { c.SecretID = "" }, "SecretID is missing"},
		{"no key", func(c *tencent.Config) { c.SecretKey = "" }, "SecretKey is missing"},
		{"voice without template", func(c *tencent.Config) { c.VoiceTemplateID = "" }, "VoiceTemplateID is missing"},
		{"SMS without sign", func(c *tencent.Config) { c.SMSSign = "" }, "SMSSign is missing"},
		{"SMS without app", func(c *tencent.Config) { c.SMSAppID = "" }, "SMSAppID is missing"},
		{"neither product", func(c *tencent.Config) {
			c.VoiceAppID, c.VoiceTemplateID, c.SMSAppID, c.SMSSign, c.SMSTemplateID = "", "", "", "", ""
		}, "neither voice"},
		{"bad scheme", func(c *tencent.Config) { c.Scheme = "ftp" }, `Scheme "ftp"`},
		{"endpoint with scheme", func(c *tencent.Config) { c.Endpoint = "http://127.0.0.1:1" }, "want host[:port]"},
		{"played four times", func(c *tencent.Config) { c.PlayTimes = 4 }, "PlayTimes 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := full
			tt.edit(&cfg)
			p, err := tencent.New(cfg, nil)
			if tt.wantErr == "" {
				if err != nil || p.Name() != "tencent" {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: %v, want an error with %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secretKey) {
				t.Errorf("the error shows the secret key: %v", err)
			}
		})
	}
	if s := fmt.Sprintf("%v %+v", full, full); strings.Contains(s, secretKey) {
		t.Errorf("a printed Config shows the secret key: %s", s)
	}
}

func TestPlaceCall(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey})
	defer fake.Close()
	log, logs := newLog()
	p, err := tencent.New(config(fake), log)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Place(context.Background(), request(phone.KindCall, "+8613800001001"))
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	calls := fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %+v", calls)
	}
	c := calls[0]
	if id != c.CallID || c.Number != "+8613800001001" || c.TemplateID != "1001" || c.AppID != "1400000001" ||
		c.SessionContext != "call-7" || c.PlayTimes != 2 ||
		strings.Join(c.Params, "|") != "某某镇|暴雨红色预警|I级|A-42|731" {
		t.Errorf("Place returned %q; Tencent was asked for %+v", id, c)
	}
	if len(fake.Messages()) != 0 {
		t.Errorf("a call sent an SMS too: %+v", fake.Messages())
	}
	if strings.Contains(logs.String(), secretKey) {
		t.Errorf("the log shows the secret key:\n%s", logs)
	}
}

func TestPlaceSMS(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey})
	defer fake.Close()
	p, err := tencent.New(config(fake), nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Place(context.Background(), request(phone.KindSMS, "+8613800001002"))
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages = %+v", msgs)
	}
	m := msgs[0]
	if id != m.SerialNo || m.Number != "+8613800001002" || m.Sign != "某某镇应急办" || m.TemplateID != "2002" ||
		m.AppID != "1400000002" || m.SessionContext != "call-7" || len(m.Params) != 5 || m.Params[4] != "731" {
		t.Errorf("Place returned %q; Tencent was asked for %+v", id, m)
	}
	if len(fake.Calls()) != 0 {
		t.Errorf("an SMS placed a call too: %+v", fake.Calls())
	}
}

func TestPlaceErrors(t *testing.T) {
	type outcome struct {
		refused bool   // a *phone.RefusedError: trying again will not help
		code    string // its Code, or what the message must contain
		limited bool
	}
	tests := []struct {
		name  string
		opts  tencentfake.Options
		edit  func(*tencent.Config)
		req   phone.Request
		prime int // requests of the same kind placed first
		// before runs with the fake before Place, and returns what to do after.
		before func(t *testing.T, fake *tencentfake.Server) (after func())
		want   outcome
	}{
		{name: "wrong key", edit: func(c *tencent.Config) { c.SecretKey = "wrong-key-0000000000000000000" },
			req: request(phone.KindCall, "+8613800001001"), want: outcome{refused: true, code: "AuthFailure.SignatureFailure"}},
		{name: "another account", edit: func(c *tencent.Config) { c.SecretID = "AKIDother" },
			req: request(phone.KindSMS, "+8613800001001"), want: outcome{refused: true, code: "AuthFailure.SecretIdNotFound"}},
		{name: "call to a bad number", req: request(phone.KindCall, "13800001001"),
			want: outcome{refused: true, code: "InvalidParameterValue.CalledNumberVerifyFail"}},
		{name: "SMS to a bad number", req: request(phone.KindSMS, "13800001001"),
			want: outcome{refused: true, code: "InvalidParameterValue.IncorrectPhoneNumber"}},
		{name: "SMS over the hourly limit", opts: tencentfake.Options{PerNumberHour: 1}, prime: 1,
			req: request(phone.KindSMS, "+8613800001001"), want: outcome{refused: true, limited: true, code: "LimitExceeded.PhoneNumberOneHourLimit"}},
		{name: "SMS over the daily limit", opts: tencentfake.Options{PerNumberDay: 2}, prime: 2,
			req: request(phone.KindSMS, "+8613800001001"), want: outcome{refused: true, limited: true, code: "LimitExceeded.PhoneNumberDailyLimit"}},
		{name: "call over the number's limit", opts: tencentfake.Options{PerNumberHour: 1}, prime: 1,
			req: request(phone.KindCall, "+8613800001001"), want: outcome{refused: true, limited: true, code: "LimitExceeded.DeliveryFrequencyLimit"}},
		{name: "unknown kind", req: request("fax", "+8613800001001"), want: outcome{refused: true, code: "dutybot.UnknownKind"}},
		{name: "SMS not configured", edit: func(c *tencent.Config) { c.SMSAppID, c.SMSSign, c.SMSTemplateID = "", "", "" },
			req: request(phone.KindSMS, "+8613800001001"), want: outcome{refused: true, code: "dutybot.NotConfigured"}},
		{name: "API rate limit", opts: tencentfake.Options{Concurrency: 1}, req: request(phone.KindCall, "+8613800001001"),
			before: func(t *testing.T, fake *tencentfake.Server) func() {
				// Another request holds the one place in flight.
				release := fake.Hold()
				done := make(chan struct{})
				go func() {
					defer close(done)
					p, _ := tencent.New(config(fake), nil)
					_, _ = p.Place(context.Background(), request(phone.KindCall, "+8613800009999"))
				}()
				waitFor(t, func() bool { return fake.InFlight() == 1 })
				return func() { release(); <-done }
			},
			want: outcome{code: "RequestLimitExceeded"}},
		{name: "timeout", opts: tencentfake.Options{Latency: 2 * time.Second}, edit: func(c *tencent.Config) { c.Timeout = 50 * time.Millisecond },
			req: request(phone.KindCall, "+8613800001001"), want: outcome{code: "deadline exceeded"}},
		{name: "provider unreachable", req: request(phone.KindSMS, "+8613800001001"),
			before: func(t *testing.T, fake *tencentfake.Server) func() { fake.Close(); return func() {} },
			want:   outcome{code: "connect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.SecretID, opts.SecretKey = secretID, secretKey
			fake := tencentfake.New(opts)
			defer fake.Close()
			cfg := config(fake)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			log, logs := newLog()
			p, err := tencent.New(cfg, log)
			if err != nil {
				t.Fatal(err)
			}
			for range tt.prime {
				if _, err := p.Place(context.Background(), tt.req); err != nil {
					t.Fatalf("priming: %v", err)
				}
			}
			if tt.before != nil {
				after := tt.before(t, fake)
				defer after()
			}
			id, err := p.Place(context.Background(), tt.req)
			if err == nil {
				t.Fatalf("Place = %q, want an error", id)
			}
			var refused *phone.RefusedError
			isRefused := errors.As(err, &refused)
			switch {
			case isRefused != tt.want.refused:
				t.Errorf("Place: %v; refused %v, want %v", err, isRefused, tt.want.refused)
			case isRefused && (refused.Code != tt.want.code || refused.Limited != tt.want.limited):
				t.Errorf("refused %+v, want code %s limited %v", refused, tt.want.code, tt.want.limited)
			case !isRefused && !strings.Contains(err.Error(), tt.want.code):
				t.Errorf("Place: %v, want it to say %q", err, tt.want.code)
			}
			if strings.Contains(err.Error(), secretKey) || strings.Contains(logs.String(), secretKey) {
				t.Errorf("the secret key shows in %v or the log", err)
			}
		})
	}
}

// waitFor polls cond, for state another goroutine reaches.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// A request whose answer does not come in time may have been taken: the
// error says it timed out, so that the caller does not ring the phone
// again; a refused connection says no such thing and may be tried again.
func TestPlaceTimeoutSaysSo(t *testing.T) {
	fake := tencentfake.New(tencentfake.Options{SecretID: secretID, SecretKey: secretKey, Latency: 3 * time.Second})
	defer fake.Close()
	cfg := config(fake)
	cfg.Timeout = 200 * time.Millisecond
	log, _ := newLog()
	p, err := tencent.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{phone.KindCall, phone.KindSMS} {
		_, err := p.Place(context.Background(), request(kind, "+8613800001001"))
		var refused *phone.RefusedError
		if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &refused) {
			t.Errorf("%s: %v; want a timeout, not a refusal", kind, err)
		}
	}
	fake.Close()
	_, err = p.Place(context.Background(), request(phone.KindCall, "+8613800001001"))
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a closed server: %v; want an error that is not a timeout", err)
	}
}
