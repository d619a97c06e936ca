package bot

// Durable intake. Telegram forgets an update once getUpdates is called with
// an offset above its id. go-telegram/bot's own polling loop moves that
// offset as soon as an update is in memory, so a kill -9 lost every press
// and message the process held (of a burst of 300 presses, 14–15 per kill
// in the issue; up to 258 when the kill comes early in the burst). Here the
// bot polls itself: each batch is written to the inbox together with the
// offset that confirms it, in one transaction, and only the next
// getUpdates, sent after that commit, confirms it to Telegram. An update is
// removed from the inbox once it has been handled; at start-up the updates
// still there are handled first, in order.
//
// Exactly once in effect, at least once in handling. One window is left:
// an update that was handled but whose removal from the inbox had not been
// committed when the process died is handled again at the next start. The
// removal is queued the moment the handler returns and group-committed
// with other shards' removals, but it waits for the database like every
// write: about a millisecond when idle, tens of milliseconds behind a burst
// of acknowledgements (dutyload crash-presses: 0 presses lost across 10
// kills, ~60 presses per kill handled a second time). Handlers of presses
// are idempotent, so a press handled again changes nothing: an
// acknowledgement already recorded is not recorded again
// (callout.Engine.Ack returns ErrAlready) and Telegram refuses a second
// answer to the same callback query; a press whose first answer was cut
// off gets "already acknowledged at …". A text handled again (an incident
// answer, a /done report) may be answered twice. An update being handled
// when the bot is stopped (cancelled context) also stays in the inbox and
// is handled again at the next start, since its handler may have been cut
// short.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"dutybot/redact"
	"dutybot/storage"
)

// allowedUpdates are the kinds of update the bot asks Telegram for:
// my_chat_member tells of the bot's own place in a group (groups.go).
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery, models.AllowedUpdateMyChatMember}

// maxErrorWait caps the wait between failed polls, as go-telegram/bot does.
const maxErrorWait = 5 * time.Second

// nextErrorWait doubles the wait after a failed poll: 100 ms, 200 ms, …,
// at most maxErrorWait (go-telegram/bot's schedule).
func nextErrorWait(d time.Duration) time.Duration {
	if d == 0 {
		return 100 * time.Millisecond
	}
	return min(2*d, maxErrorWait)
}

// pollParams is the body of getUpdates.
type pollParams struct {
	Offset         int64    `json:"offset,omitempty"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates"`
}

// pollAnswer is the Bot API's answer to getUpdates.
type pollAnswer struct {
	OK          bool              `json:"ok"`
	Result      []json.RawMessage `json:"result"`
	ErrorCode   int               `json:"error_code"`
	Description string            `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// retryAfterError is a 429 answer; the wait Telegram asks for.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// getUpdates asks Telegram for the updates from offset on, waiting up to
// timeout for one to arrive. Errors never contain the bot token.
func (b *Bot) getUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]json.RawMessage, error) {
	body, err := json.Marshal(pollParams{Offset: offset, Timeout: int(timeout.Seconds()), AllowedUpdates: allowedUpdates})
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	token := b.Config.Telegram.Token
	u := b.Config.Telegram.APIURL + "/bot" + token + "/getUpdates"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %s", maskToken(err.Error(), token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.httpClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("getUpdates: %s", maskToken(err.Error(), token))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("getUpdates: read answer: %s", maskToken(err.Error(), token))
	}
	var a pollAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, answer is not JSON: %q", resp.StatusCode, maskToken(string(data[:min(len(data), 200)]), token))
	}
	if !a.OK {
		desc := maskToken(a.Description, token)
		switch a.ErrorCode {
		case http.StatusConflict:
			return nil, fmt.Errorf("getUpdates: %w, %s", tg.ErrorConflict, desc)
		case http.StatusUnauthorized:
			return nil, fmt.Errorf("getUpdates: %w, %s", tg.ErrorUnauthorized, desc)
		case http.StatusNotFound:
			return nil, fmt.Errorf("getUpdates: %w, %s", tg.ErrorNotFound, desc)
		case http.StatusTooManyRequests:
			return nil, &retryAfterError{err: fmt.Errorf("getUpdates: %w, %s", tg.ErrorTooManyRequests, desc),
				after: time.Duration(a.Parameters.RetryAfter) * time.Second}
		}
		return nil, fmt.Errorf("getUpdates: error %d, %s", a.ErrorCode, desc)
	}
	return a.Result, nil
}

// maskToken hides the bot token as go-telegram/bot does (".../bot***/...").
func maskToken(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, redact.Mask)
}

func (b *Bot) httpClient() *http.Client {
	if b.client != nil {
		return b.client
	}
	return http.DefaultClient
}

// received is one update taken from a getUpdates answer.
type received struct {
	id     int64
	raw    json.RawMessage
	update *models.Update // nil when it does not decode
	err    error
}

// decodeUpdates reads the updates of a getUpdates answer and the offset that
// confirms them all.
func decodeUpdates(raws []json.RawMessage, offset int64) ([]received, int64) {
	out := make([]received, 0, len(raws))
	for _, raw := range raws {
		var head struct {
			ID *int64 `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == nil || *head.ID < 0 {
			// Without an id it cannot be stored or confirmed: the offset
			// moves past the updates around it, which confirms it too.
			out = append(out, received{id: -1, raw: raw, err: fmt.Errorf("no update_id: %v", err)})
			continue
		}
		r := received{id: *head.ID, raw: raw}
		var u models.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			r.err = err
		} else {
			r.update = &u
		}
		out = append(out, r)
		offset = max(offset, r.id+1)
	}
	return out, offset
}

// store writes a batch of updates and the offset that confirms them in one
// transaction. Updates that do not decode are quarantined instead of
// stored. It returns the updates to handle: those not in the inbox already.
func (b *Bot) store(batch []received, next int64) ([]*models.Update, error) {
	now := b.Engine.Now()
	var fresh []*models.Update
	err := b.DB.Update(func(tx *storage.Tx) error {
		fresh = fresh[:0]
		var keep []storage.InboxUpdate
		byID := map[int64]*models.Update{}
		for _, r := range batch {
			if r.err != nil {
				if err := tx.QuarantineUpdate(r.id, r.raw, "update does not decode: "+r.err.Error(), now); err != nil {
					return err
				}
				continue
			}
			keep = append(keep, storage.InboxUpdate{ID: r.id, Raw: r.raw})
			byID[r.id] = r.update
		}
		added, err := tx.PutInbox(keep, next)
		if err != nil {
			return err
		}
		for _, a := range added {
			fresh = append(fresh, byID[a.ID])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store %d updates: %w", len(batch), err)
	}
	for _, r := range batch {
		if r.err != nil {
			b.Metrics.Quarantined.WithLabelValues(storage.InboxBucket).Inc()
		}
	}
	for _, r := range batch {
		if r.err != nil {
			b.Log.Error("an update from Telegram does not decode; it is quarantined and skipped", "update", r.id, "err", r.err)
		}
	}
	return fresh, nil
}

// poll runs the getUpdates loop from offset until ctx is cancelled: every
// batch is stored before it is handed to the shards and before the next
// call confirms it to Telegram.
func (b *Bot) poll(ctx context.Context, offset int64) {
	timeout := b.pollTimeout - time.Second // as go-telegram/bot asks
	var wait time.Duration
	for {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			return
		}
		raws, err := b.getUpdates(ctx, offset, timeout)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.apiError(err)
			wait = nextErrorWait(wait)
			var ra *retryAfterError
			if errors.As(err, &ra) {
				wait = max(wait, ra.after)
			}
			continue
		}
		if len(raws) == 0 {
			wait = 0
			continue
		}
		batch, next := decodeUpdates(raws, offset)
		if next == offset {
			// Nothing in the answer has an update_id: asking again at once
			// would only repeat it.
			b.Log.Error("getUpdates answered updates without update_id", "count", len(raws))
			wait = nextErrorWait(wait)
			continue
		}
		fresh, err := b.store(batch, next)
		if err != nil {
			// Not stored, so not confirmed: the same offset asks Telegram
			// for the same updates again.
			b.Log.Error("cannot store updates from Telegram; they stay with Telegram and are fetched again", "err", err)
			wait = nextErrorWait(wait)
			continue
		}
		wait = 0
		offset = next
		for _, u := range fresh {
			if !b.dispatch(ctx, u) {
				return
			}
		}
	}
}

// replay hands the updates left in the inbox by the last run to the shards,
// oldest first, and returns the stored offset to poll from.
func (b *Bot) replay(ctx context.Context) (int64, error) {
	var offset int64
	var left []storage.InboxUpdate
	if err := b.DB.View(func(tx *storage.Tx) error {
		offset, left = tx.InboxOffset(), tx.Inbox()
		return nil
	}); err != nil {
		return 0, fmt.Errorf("read the inbox: %w", err)
	}
	if len(left) > 0 {
		b.Log.Info("handling updates received before the last stop", "count", len(left))
	}
	now := b.Engine.Now()
	for _, in := range left {
		var u models.Update
		if err := json.Unmarshal(in.Raw, &u); err != nil {
			b.Log.Error("a stored update does not decode; it is quarantined and skipped", "update", in.ID, "err", err)
			reason, moved := "update does not decode: "+err.Error(), false
			if err := b.DB.Update(func(tx *storage.Tx) error {
				var err error
				moved, err = tx.QuarantineInbox(in.ID, reason, now)
				return err
			}); err != nil {
				b.Log.Error("quarantine a stored update", "update", in.ID, "err", err)
			}
			if moved {
				b.Metrics.Quarantined.WithLabelValues(storage.InboxBucket).Inc()
			}
			continue
		}
		u.ID = in.ID
		if !b.dispatch(ctx, &u) {
			return offset, ctx.Err()
		}
	}
	return offset, nil
}

// dispatch routes a stored update to its chat's shard, so the updates of one
// chat are handled in order; it blocks while that shard is full and reports
// false when ctx ended first.
func (b *Bot) dispatch(ctx context.Context, u *models.Update) bool {
	select {
	case b.shards[shardOf(updateChat(u))] <- u:
		return true
	case <-ctx.Done():
		return false
	}
}

// runShard handles one shard's updates in order and removes each from the
// inbox once handled. Updates handled or reached after ctx ended stay in
// the inbox for the next start: a handler cut short by the stop may not
// have finished (answered a press).
func (b *Bot) runShard(ctx context.Context, c <-chan *models.Update) {
	for u := range c {
		if ctx.Err() != nil {
			continue
		}
		h := &inboxHold{id: u.ID, handled: b.handled}
		b.handle(context.WithValue(ctx, inboxHoldKey{}, h), u)
		if ctx.Err() != nil || h.taken() {
			continue
		}
		b.handled <- u.ID
	}
}

// inboxHoldKey is the context key of the update being handled's inboxHold.
type inboxHoldKey struct{}

// inboxHold is the removal of one update from the inbox, which a handler
// that finishes its work off the shard (a roster file, imported by the
// import queue) takes over, so that a crash before that work is done
// handles the update again at the next start instead of losing it.
type inboxHold struct {
	id      int64
	handled chan<- int64
	mu      sync.Mutex
	held    bool
}

func (h *inboxHold) taken() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held
}

// holdUpdate keeps the update ctx is handling in the inbox after its
// handler returns; release removes it once the work is done. Outside the
// durable intake (HandleUpdate) release does nothing. Run waits for the
// import queue before it stops removing updates, so release is never late.
func holdUpdate(ctx context.Context) (release func()) {
	h, _ := ctx.Value(inboxHoldKey{}).(*inboxHold)
	if h == nil {
		return func() {}
	}
	h.mu.Lock()
	h.held = true
	h.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { h.handled <- h.id }) }
}

// removeHandled deletes handled updates from the inbox until handled is
// closed. It takes every id waiting into one transaction, so shards do not
// wait for each other's disk syncs and a burst costs a few commits.
func (b *Bot) removeHandled(handled <-chan int64) {
	for id := range handled {
		ids := []int64{id}
	more:
		for {
			select {
			case id, ok := <-handled:
				if !ok {
					break more
				}
				ids = append(ids, id)
			default:
				break more
			}
		}
		if err := b.DB.Update(func(tx *storage.Tx) error { return tx.DeleteInbox(ids...) }); err != nil {
			// They are handled again at the next start.
			b.Log.Error("remove handled updates from the inbox", "count", len(ids), "err", err)
		}
	}
}
