// Package health tells whether the bot is doing its job: /healthz turns
// not-ok when the disk refuses writes, the outbox or the deadlines are
// stuck, records are quarantined, or Telegram has been out of reach too
// long. It knows no feature; the services feed it signals.
package health

import (
	"net/http"
	"sync/atomic"
	"time"

	"dutybot/clock"
)

// Contact remembers when a remote service last answered: fed by every
// exchange that got an answer, so a silence longer than a threshold means
// the service is out of reach, whatever part of the bot was talking to it.
type Contact struct {
	clock clock.Clock
	last  atomic.Int64 // unix nanoseconds
}

// NewContact returns a tracker that counts a silence from now: a service
// never reached since start is out of reach for as long as the bot ran.
func NewContact(clk clock.Clock) *Contact {
	c := &Contact{clock: clk}
	c.Mark()
	return c
}

// Mark records an answer now.
func (c *Contact) Mark() { c.last.Store(c.clock.Now().UnixNano()) }

// Last returns when the service last answered.
func (c *Contact) Last() time.Time { return time.Unix(0, c.last.Load()) }

// Transport wraps next (nil: http.DefaultTransport) so that every answer
// below 500 marks the contact: a 4xx is the service refusing a request,
// not being out of reach; a 5xx or a network error is.
func (c *Contact) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper{c: c, next: next}
}

type roundTripper struct {
	c    *Contact
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(r)
	if err == nil && resp.StatusCode < 500 {
		rt.c.Mark()
	}
	return resp, err
}
