// Package outbox delivers queued messages from storage to a chat service at
// the pace the service allows: a global rate, a per-chat rate (slower for
// groups), one message in flight per chat so each chat sees its messages in
// order, waits on rate-limit answers, and retries transient failures with
// backoff. Jobs of a higher priority (calls, by alert level) go first, in
// every chat and across chats; equal ones in queue order. The queue is
// durable: a message is removed only in the transaction that records its
// delivery, and when that recording fails only the recording is retried.
//
// To keep up with paid broadcast (1,000 messages a second) many sends are
// in flight at once (Limits.Workers), the deliveries they make are recorded
// together, one transaction for those waiting when the last committed
// (record.go), jobs that ask for paid broadcast go in a lane of their own
// with its own overall budget (lanes.go), the next job is picked from
// heaps rather than by scanning every chat, and the queue is read by a
// loader beside the loop, so that the loop never waits for the database.
// A crash loses no message; it may send again those on their way when it
// happened: at most Limits.Workers, each sent but not yet recorded.
package outbox

import (
	"errors"
	"fmt"
	"time"
)

// RetryAfterError asks the dispatcher to wait before sending to the chat
// again (Telegram's 429 retry_after).
type RetryAfterError struct {
	After time.Duration
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("rate limited: retry after %s", e.After) }

// ErrUnreachable marks a chat that cannot receive messages (blocked the bot,
// never started it).
var ErrUnreachable = errors.New("chat unreachable")

// ErrNoStars marks a paid message (Job.Paid) the chat service refused for
// lack of Stars to pay for it: the dispatcher sends it, and every paid
// message after it for a while, at the free pace instead.
var ErrNoStars = errors.New("not enough Stars for paid broadcast")

// ErrPermanent marks a request that will never succeed as it is.
var ErrPermanent = errors.New("permanent failure")

// MovedError says the chat lives under another id now (a Telegram group
// upgraded to a supergroup answers with the supergroup's id): the job is
// sent there instead, and Mover hooks are told.
type MovedError struct {
	To  int64
	Err error
}

func (e *MovedError) Error() string { return fmt.Sprintf("chat moved to %d: %v", e.To, e.Err) }

// Unwrap returns the chat service's error.
func (e *MovedError) Unwrap() error { return e.Err }
