package outbox

import "time"

// bucket is a token bucket driven by explicit times, so that it follows an
// injected clock.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	if burst < 1 {
		burst = 1
	}
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

func (b *bucket) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
}

// readyAt returns when a token is available.
func (b *bucket) readyAt(now time.Time) time.Time {
	b.refill(now)
	if b.tokens >= 1 {
		return now
	}
	return now.Add(time.Duration((1 - b.tokens) / b.rate * float64(time.Second)))
}

// take spends a token.
func (b *bucket) take(now time.Time) {
	b.refill(now)
	b.tokens--
}

// answered discards what the bucket gained while a request it paid for was
// on its way: the next one then starts a full interval after this one was
// answered, so however long the way to the chat service, two sends never
// arrive there closer together than the limit allows.
func (b *bucket) answered(now time.Time) {
	if now.After(b.last) {
		b.last = now
	}
}
