package fakeapi

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// Limits makes the server behave like Telegram's flood control: sends and
// edits beyond these token-bucket rates get 429 with retry_after.
type Limits struct {
	Global         float64 // messages per second over all chats; 0 = unlimited
	GlobalBurst    int     // bucket size for Global; 0 = max(1, int(Global))
	ChatPerSecond  float64 // messages per second per private chat; 0 = unlimited
	ChatBurst      int     // bucket size per private chat; 0 = max(1, int(ChatPerSecond))
	GroupPerMinute float64 // messages per minute per group chat (negative id); 0 = unlimited
	GroupBurst     int     // bucket size per group chat; 0 = max(1, int(GroupPerMinute))
	// Paid is the rate over all chats of sends made with
	// allow_paid_broadcast, which Telegram takes up to 1,000/s instead of
	// the free Global rate, for PaidBroadcastFee each; per-chat and
	// per-group limits still apply to them. 0 = unlimited.
	Paid      float64
	PaidBurst int // bucket size for Paid; 0 = max(1, int(Paid))
	// GroupWindowed counts GroupPerMinute in any 60 seconds, as Telegram
	// states its limit ("no more than 20 messages per minute in the same
	// group"), instead of refilling a bucket: after a burst of that many
	// sends and edits the group takes none until the first of them is a
	// minute old. GroupBurst is then unused.
	GroupWindowed bool
}

// groupWindow is the span GroupWindowed counts in.
const groupWindow = time.Minute

// TelegramLimits returns Telegram's documented broadcast limits: 30/s
// overall, 1,000/s for paid broadcasts, 1/s per chat, 20/min per group.
func TelegramLimits() *Limits {
	return &Limits{Global: 30, Paid: 1000, ChatPerSecond: 1, ChatBurst: 1, GroupPerMinute: 20}
}

// bucket is a token bucket driven by an explicit clock.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(perSecond float64, burst int, fallback float64, now time.Time) *bucket {
	if burst <= 0 {
		burst = max(1, int(fallback))
	}
	return &bucket{rate: perSecond, burst: float64(burst), tokens: float64(burst), last: now}
}

// wait refills the bucket and returns how long until one token is available.
func (b *bucket) wait(now time.Time) time.Duration {
	if now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// rateLocked takes a token from every bucket that applies to a send or
// edit in c, or returns a 429 and takes none. A paid send (one with
// allow_paid_broadcast) takes from the Paid bucket instead of Global.
func (s *Server) rateLocked(c *chat, paid bool) *apiError {
	l := s.limits
	if l == nil {
		return nil
	}
	now := s.now()
	var all *bucket // the bucket over all chats, if limited
	switch {
	case paid && l.Paid > 0:
		if s.paid == nil {
			s.paid = newBucket(l.Paid, l.PaidBurst, l.Paid, now)
		}
		all = s.paid
	case !paid && l.Global > 0:
		if s.global == nil {
			s.global = newBucket(l.Global, l.GlobalBurst, l.Global, now)
		}
		all = s.global
	}
	windowed := c.id < 0 && l.GroupWindowed && l.GroupPerMinute > 0
	if c.bucket == nil && !windowed {
		switch {
		case c.id > 0 && l.ChatPerSecond > 0:
			c.bucket = newBucket(l.ChatPerSecond, l.ChatBurst, l.ChatPerSecond, now)
		case c.id < 0 && l.GroupPerMinute > 0:
			c.bucket = newBucket(l.GroupPerMinute/60, l.GroupBurst, l.GroupPerMinute, now)
		}
	}
	var wait time.Duration
	for _, b := range [...]*bucket{all, c.bucket} {
		if b != nil {
			wait = max(wait, b.wait(now))
		}
	}
	if windowed {
		wait = max(wait, windowWait(c.posted, int(l.GroupPerMinute), now))
	}
	if wait > 0 {
		retry := max(1, int(math.Ceil(wait.Seconds())))
		return &apiError{
			code:       http.StatusTooManyRequests,
			desc:       fmt.Sprintf("Too Many Requests: retry after %d", retry),
			retryAfter: retry,
		}
	}
	for _, b := range [...]*bucket{all, c.bucket} {
		if b != nil {
			b.tokens--
		}
	}
	return nil
}

// windowWait is how long until fewer than n of the times in posted (in
// order) fall in the minute before now.
func windowWait(posted []time.Time, n int, now time.Time) time.Duration {
	n = max(n, 1)
	if len(posted) < n {
		return 0
	}
	// The n-th newest must leave the window: then n-1 remain in it.
	return max(0, posted[len(posted)-n].Add(groupWindow).Sub(now))
}
