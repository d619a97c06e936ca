// Package webhook is the generic phone channel for a town's own SMS and
// voice gateway: dutybot posts each call or text message to the gateway
// as HMAC-signed JSON, and the gateway reports what came of it with a
// signed body to POST /api/v1/alerts/{id}/ack.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/phone"
)

// Name is the channel's configured name.
const Name = "webhook"

// Config tells the channel where the gateway is and how to sign for it.
type Config struct {
	// URL is the gateway's endpoint that takes calls and messages.
	URL string
	// Secret is the HMAC key shared with the gateway; it signs both ways
	// and is never logged.
	Secret []byte
	// Timeout bounds one post to the gateway; 0 leaves it to the client
	// and the caller's context.
	Timeout time.Duration
	// CallbackURL is dutybot's public base URL ("https://dutybot.example.gov"),
	// from which each request's ack_url is made so that the gateway knows
	// where to report; "" leaves ack_url out.
	CallbackURL string
	// Now stamps the signatures; nil is time.Now. Tests set a fake clock.
	Now func() time.Time
}

// Provider places calls and text messages through the gateway.
type Provider struct {
	url      string
	secret   []byte
	timeout  time.Duration
	callback string
	now      func() time.Time
	client   *http.Client
	log      *slog.Logger
}

var _ phone.Provider = (*Provider)(nil)

// New returns the channel for cfg, posting with client (nil: a client of
// its own). It refuses a config with no absolute http(s) URL or no
// secret, since an unsigned request would be believed by nobody.
func New(cfg Config, client *http.Client, log *slog.Logger) (*Provider, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook: url %q is not an absolute http(s) URL", cfg.URL)
	}
	if len(cfg.Secret) == 0 {
		return nil, errors.New("webhook: no secret to sign with")
	}
	cb := strings.TrimRight(cfg.CallbackURL, "/")
	if cb != "" {
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("webhook: callback url %q is not an absolute http(s) URL", cfg.CallbackURL)
		}
	}
	if client == nil {
		client = &http.Client{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Provider{
		url:      cfg.URL,
		secret:   bytes.Clone(cfg.Secret),
		timeout:  cfg.Timeout,
		callback: cb,
		now:      now,
		client:   client,
		log:      log.With("provider", Name),
	}, nil
}

// Name returns "webhook".
func (p *Provider) Name() string { return Name }

// request is the JSON body posted to the gateway.
type request struct {
	CallID      string   `json:"call_id"`
	Kind        string   `json:"kind"`
	Alert       string   `json:"alert"`
	Official    string   `json:"official"`
	Number      string   `json:"number"`
	Text        string   `json:"text"`
	Params      []string `json:"params"`
	ConfirmCode string   `json:"confirm_code"`
	AckURL      string   `json:"ack_url,omitempty"`
}

// maxAnswer bounds how much of the gateway's answer is read.
const maxAnswer = 64 << 10

// maxMessage bounds the gateway's words carried in a refusal.
const maxMessage = 200

// Place posts r to the gateway, signed, and returns the gateway's id of
// it (r.ID if the gateway names none). A 4xx answer is a *phone.RefusedError
// (429: Limited); a 5xx, 408, timeout or network failure is a plain error
// worth retrying.
func (p *Provider) Place(ctx context.Context, r phone.Request) (string, error) {
	if r.Kind != phone.KindCall && r.Kind != phone.KindSMS {
		return "", &phone.RefusedError{Code: "bad_kind", Message: fmt.Sprintf("kind %q is neither %q nor %q", r.Kind, phone.KindCall, phone.KindSMS)}
	}
	params := r.Params
	if params == nil {
		params = []string{}
	}
	body, err := json.Marshal(request{
		CallID: r.ID, Kind: r.Kind, Alert: r.Alert, Official: r.Official, Number: r.Number,
		Text: r.Text, Params: params, ConfirmCode: r.Code, AckURL: p.ackURL(r.Alert),
	})
	if err != nil {
		return "", fmt.Errorf("webhook: encode %s %s: %w", r.Kind, r.ID, err)
	}
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("webhook: %s %s: %w", r.Kind, r.ID, err)
	}
	ts := p.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "dutybot")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(p.secret, ts, body))

	resp, err := p.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("webhook: post %s %s: %w", r.Kind, r.ID, err)
	}
	defer resp.Body.Close()
	// A 2xx whose body breaks off still placed the call: it is not
	// retried (the official would be called twice), only named by r.ID.
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("webhook: read answer to %s %s (HTTP %d): %w", r.Kind, r.ID, resp.StatusCode, err)
	}

	switch code := resp.StatusCode; {
	case code/100 == 2:
		id := answerID(answer)
		if id == "" {
			id = r.ID
		}
		p.log.Debug("placed", "kind", r.Kind, "call", r.ID, "alert", r.Alert, "provider_id", id)
		return id, nil
	case code == http.StatusTooManyRequests:
		return "", &phone.RefusedError{Code: "http_429", Message: say(code, answer), Limited: true}
	case code/100 == 4 && code != http.StatusRequestTimeout:
		return "", &phone.RefusedError{Code: "http_" + strconv.Itoa(code), Message: say(code, answer)}
	default:
		return "", fmt.Errorf("webhook: %s %s: gateway answered HTTP %d: %s", r.Kind, r.ID, code, short(answer))
	}
}

// ackURL is where the gateway reports on the alert's calls.
func (p *Provider) ackURL(alert string) string {
	if p.callback == "" {
		return ""
	}
	return p.callback + "/api/v1/alerts/" + url.PathEscape(alert) + "/ack"
}

// answerID is the "id" of the gateway's JSON answer, a string or a
// number, or "" if it names none.
func answerID(answer []byte) string {
	var a struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(answer, &a) != nil || len(a.ID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(a.ID, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(a.ID, &n) == nil {
		return n.String()
	}
	return ""
}

// say is the gateway's reason for a refusal: its answer, or the status's
// name if it said nothing.
func say(code int, answer []byte) string {
	if m := short(answer); m != "" {
		return m
	}
	return http.StatusText(code)
}

// short is the gateway's answer cut to a line fit for a refusal, on a
// character boundary.
func short(answer []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(answer), "?")), " ")
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
