package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// sent is a message Telegram accepted.
type sent struct {
	at   time.Time // when the answer passed the proxy
	chat int64
	id   int
	text string
}

// sendLog puts a proxy in front of the Bot API at target that records
// every sendMessage Telegram accepted, whichever process sent it, and
// wakes its waiters at once.
type sendLog struct {
	srv *httptest.Server

	mu   sync.Mutex
	all  []sent
	wake chan struct{}
}

func newSendLog(target string) (*sendLog, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	l := &sendLog{wake: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	// Requests of a killed process end with "context canceled": expected.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/sendMessage") || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var answer struct {
			OK     bool `json:"ok"`
			Result struct {
				MessageID int `json:"message_id"`
				Chat      struct {
					ID int64 `json:"id"`
				} `json:"chat"`
				Text string `json:"text"`
			} `json:"result"`
		}
		if json.Unmarshal(body, &answer) == nil && answer.OK {
			l.add(sent{at: time.Now(), chat: answer.Result.Chat.ID, id: answer.Result.MessageID, text: answer.Result.Text})
		}
		return nil
	}
	l.srv = httptest.NewServer(rp)
	return l, nil
}

// URL is the proxy's address, the api_url of the processes under test.
func (l *sendLog) URL() string { return l.srv.URL }

// Close stops the proxy.
func (l *sendLog) Close() { l.srv.Close() }

func (l *sendLog) add(s sent) {
	l.mu.Lock()
	l.all = append(l.all, s)
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
}

// messages returns every accepted message so far, in order.
func (l *sendLog) messages() []sent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sent(nil), l.all...)
}

// wait waits until a message accepted at or after index from matches, or
// timeout passes.
func (l *sendLog) wait(from int, timeout time.Duration, match func(sent) bool) (sent, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		for _, s := range l.all[min(from, len(l.all)):] {
			if match(s) {
				l.mu.Unlock()
				return s, true
			}
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-deadline.C:
			return sent{}, false
		}
	}
}
