package outbox

import (
	"context"
	"time"

	"dutybot/storage"
)

// Sender performs one queued job against the chat service and returns the id
// of the message sent or edited. Errors are classified with RetryAfterError,
// ErrUnreachable and ErrPermanent; any other error is retried.
type Sender interface {
	Send(ctx context.Context, j storage.Job) (messageID int, err error)
}

// Hooks record the outcome of a job inside the transaction that removes it.
type Hooks interface {
	// Delivered is called once a job's content reached the chat.
	Delivered(tx *storage.Tx, j storage.Job, messageID int, at time.Time) error
	// Failed is called when a job is given up; unreachable tells whether the
	// chat itself cannot be reached.
	Failed(tx *storage.Tx, j storage.Job, reason string, unreachable bool, at time.Time) error
	// Committed is called after the transaction of Delivered or Failed has
	// committed, so work it queued can be picked up.
	Committed()
}

// Staller is implemented by hooks that act on a job the chat service has
// kept refusing (5xx, timeouts, 429) while it is still retried: once a job
// with a StallAfter has been undelivered that long since it was queued,
// Stalled is called once, in a transaction that also marks the job, with
// since the time it was queued. A call nobody received can then escalate
// without waiting for GiveUpAfter.
type Staller interface {
	Stalled(tx *storage.Tx, j storage.Job, since, at time.Time) error
}

// ReachHinter is implemented by senders that can tell an operator what to
// check when a send failed because the chat service could not be reached
// at all (its address, a proxy): the dispatcher logs the hint with the
// first such failure, and again only after a send has gone through since,
// so that an outage's retries do not repeat it.
type ReachHinter interface {
	// ReachHint returns the hint for err, or "" when err is not such a
	// failure.
	ReachHint(err error) string
}

// Mover is implemented by hooks that follow a chat moving to another id
// (MovedError): Moved runs in the transaction that readdresses the job,
// with the job as it was sent (its old chat). A job that sends goes on to
// the new chat; an edit, whose message stays in the old chat, is given
// up as Failed (not unreachable) in the same transaction.
type Mover interface {
	Moved(tx *storage.Tx, j storage.Job, to int64, at time.Time) error
}

// Renderer is implemented by hooks that render lazy jobs from current
// state; ok=false drops the job.
type Renderer interface {
	Render(tx *storage.Tx, j storage.Job) (text string, buttons [][]storage.Button, ok bool, err error)
}

// Prefetcher is implemented by hooks that read records to record a
// delivery (the recipient's): Prefetch reads those of a group of jobs
// ahead in the transaction that records them (storage.Tx.Prefetch), one
// round trip on PostgreSQL instead of one per delivery.
type Prefetcher interface {
	Prefetch(tx *storage.Tx, jobs []storage.Job) error
}
