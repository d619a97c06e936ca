package bot

// Strangers: Telegram accounts not bound to an official. Anyone can write to
// the bot, so what a stranger can make it send is bounded: each stranger
// gets a few answers a minute and then silence (a flood of 2,000 messages
// from one account queued 1,995 replies before), and refused bindings reach
// the admins as one digest per period instead of a notice per account (300
// accounts queued 300 admin notices). Nothing a stranger does changes how
// officials are served: the limits only drop replies to strangers.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// Answers a stranger may get: strangerBurst at once, then one more every
// strangerEvery (3 a minute). A hazard tip (/tip) from an unbound worker
// is a flow of a dozen steps or so (text, photos, place, name, preview), so
// its steps draw on their own, larger allowance: 20 at once, then 20 a
// minute.
const (
	strangerBurst = 3
	strangerEvery = 20 * time.Second
	tipsterBurst  = 20
	tipsterEvery  = 3 * time.Second
	// strangersTracked bounds the limiter's memory; past it, strangers
	// not yet known get no answer until older entries have refilled.
	strangersTracked = 10_000
)

// limiter is a token bucket per Telegram user, of bounded size.
type limiter struct {
	burst int
	every time.Duration
	max   int

	mu     sync.Mutex
	users  map[int64]*allowance
	pruned time.Time
}

// allowance is one user's bucket.
type allowance struct {
	tokens float64
	at     time.Time // when tokens was counted
	warned bool      // a refusal was reported since the allowance was last whole
}

func newLimiter(burst int, every time.Duration, max int) *limiter {
	return &limiter{burst: burst, every: every, max: max, users: map[int64]*allowance{}}
}

// allow takes one answer from user's allowance at now. first reports the
// first refusal since the allowance was last whole, so a flood is logged
// once, not at every refill.
func (l *limiter) allow(user int64, now time.Time) (ok, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.users[user]
	if a == nil {
		if len(l.users) >= l.max {
			l.prune(now)
		}
		if len(l.users) >= l.max {
			return false, false
		}
		a = &allowance{tokens: float64(l.burst), at: now}
		l.users[user] = a
	}
	a.refill(l, now)
	if a.tokens >= float64(l.burst) {
		a.warned = false // whole again: as good as a newcomer
	}
	if a.tokens < 1 {
		first = !a.warned
		a.warned = true
		return false, first
	}
	a.tokens--
	return true, false
}

func (a *allowance) refill(l *limiter, now time.Time) {
	if d := now.Sub(a.at); d > 0 {
		a.tokens = min(float64(l.burst), a.tokens+float64(d)/float64(l.every))
		a.at = now
	}
}

// prune forgets users whose allowance is whole again (they are as good as
// new), at most once per l.every so a full table costs little per request.
func (l *limiter) prune(now time.Time) {
	if !l.pruned.IsZero() && now.Sub(l.pruned) < l.every {
		return
	}
	l.pruned = now
	for id, a := range l.users {
		a.refill(l, now)
		if a.tokens >= float64(l.burst) {
			delete(l.users, id)
		}
	}
}

// limits returns the limiters, made on first use (tests build Bot values
// directly).
func (b *Bot) limits() (strangers, tipsters *limiter) {
	b.limitsOnce.Do(func() {
		b.strangers = newLimiter(strangerBurst, strangerEvery, strangersTracked)
		b.tipsters = newLimiter(tipsterBurst, tipsterEvery, strangersTracked)
	})
	return b.strangers, b.tipsters
}

// mayAnswer reports whether a reply to the caller may be queued: always for
// an official, within the larger allowance of a hazard tip for a bound
// enterprise head (reporting a fix with photos is a flow of its own),
// within the stranger allowance for anyone else.
func (b *Bot) mayAnswer(c caller) bool {
	switch {
	case c.bound:
		return true
	case c.head != nil:
		_, t := b.limits()
		return b.allowed(t, c, "enterprise head")
	}
	s, _ := b.limits()
	return b.allowed(s, c, "stranger")
}

// mayAnswerTipster is mayAnswer for the steps of a hazard tip.
func (b *Bot) mayAnswerTipster(c caller) bool {
	if c.bound {
		return true
	}
	_, t := b.limits()
	return b.allowed(t, c, "tipster")
}

func (b *Bot) allowed(l *limiter, c caller, who string) bool {
	ok, first := l.allow(c.userID, b.Engine.Now())
	if first {
		b.Log.Warn("an unbound Telegram account sends more than it may be answered; its messages go unanswered for a while",
			"user", c.userID, "kind", who, "answers_per_minute", int(time.Minute/l.every))
	}
	return ok
}

// strangerKey is the outbox key of answers to an unbound caller: a later
// answer replaces one still waiting in the queue, so however fast a
// stranger writes, their chat has at most one message queued. Officials'
// and bound enterprise heads' answers have no key.
func strangerKey(c caller) string {
	if c.bound || c.head != nil {
		return ""
	}
	return fmt.Sprintf("stranger:%d", c.chatID)
}

// Refusal digest: refused bindings collect in a record in the meta bucket
// and one deadline sends them to the admins refusalDigestEvery after the
// first; the record and the deadline are durable, so a restart neither
// loses nor repeats them.
const (
	refusalDigestEvery = 10 * time.Minute
	refusalDigestKey   = "bind_refusals" // meta key of the digest being collected
	refusalDeadline    = DeadlinePrefix + "bind-refusals"
	// refusalsListed is how many refusals the digest names; the rest are counted.
	refusalsListed = 10
	// refusalsDistinct bounds the account ids kept to count accounts once.
	refusalsDistinct = 1000
)

// DeadlinePrefix starts the keys of the bot's deadlines (the refusal
// digest); the app routes them to Fire.
const DeadlinePrefix = "b:"

// refusalDigest is the refused bindings of one period.
type refusalDigest struct {
	Since    time.Time        `json:"since"`
	Due      time.Time        `json:"due"`
	Count    int              `json:"count"`    // refusals
	Users    []int64          `json:"users"`    // distinct accounts, at most refusalsDistinct
	More     int              `json:"more"`     // refusals by accounts past refusalsDistinct
	Accounts []refusedAccount `json:"accounts"` // the first refusalsListed distinct refusals
}

// refusedAccount is one refusal named in a digest: an account, the number
// it shared and why it was refused.
type refusedAccount struct {
	User     int64  `json:"user"`
	Phone    string `json:"phone"`              // masked
	Reason   string `json:"reason"`             // the refusal's message id
	Official string `json:"official,omitempty"` // the official the refusal names
}

// addRefusal counts a refusal into the digest of this period, opening one
// (and its deadline) when none is open; it reports whether it did.
func addRefusal(tx *storage.Tx, acc refusedAccount, now time.Time) (bool, error) {
	var d refusalDigest
	opened := false
	if v, ok := tx.Meta(refusalDigestKey); ok && v != "" {
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			// A damaged digest is started afresh; its deadline still
			// exists, or the new one below sends it.
			d = refusalDigest{}
		}
	}
	if d.Since.IsZero() {
		d = refusalDigest{Since: now, Due: now.Add(refusalDigestEvery)}
		if err := tx.PutDeadline(storage.Deadline{At: d.Due, Key: refusalDeadline}); err != nil {
			return false, err
		}
		opened = true
	}
	d.Count++
	switch {
	case slices.Contains(d.Users, acc.User):
	case len(d.Users) < refusalsDistinct:
		d.Users = append(d.Users, acc.User)
	default:
		d.More++
	}
	if len(d.Accounts) < refusalsListed && !slices.Contains(d.Accounts, acc) {
		d.Accounts = append(d.Accounts, acc)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return false, fmt.Errorf("encode the refusal digest: %w", err)
	}
	return opened, tx.PutMeta(refusalDigestKey, string(data))
}

// Fire sends the refusal digest when its deadline is due (scheduler.FireFunc).
func (b *Bot) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error {
	for _, dl := range due {
		if dl.Key != refusalDeadline {
			continue
		}
		v, ok := tx.Meta(refusalDigestKey)
		if !ok || v == "" {
			continue
		}
		var d refusalDigest
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			b.Log.Error("the refusal digest does not decode; it is dropped", "err", err)
		}
		// Sent: the next refusal opens a new digest.
		if err := tx.PutMeta(refusalDigestKey, ""); err != nil {
			return err
		}
		if d.Count == 0 {
			continue
		}
		admins := b.Config.OfficialsWithRole(config.RoleAdmin)
		ids := make([]string, len(admins))
		for i, a := range admins {
			ids[i] = a.ID
		}
		err := b.Engine.Tell(tx, ids, "", storage.Ref{Topic: callout.TopicAdmin}, now,
			func(lang string) (string, [][]storage.Button) { return b.digestText(lang, d, now), nil })
		if err != nil {
			return err
		}
		b.Log.Warn("bindings refused", "accounts", len(d.Users)+d.More, "refusals", d.Count, "since", d.Since)
	}
	return nil
}

// digestText renders a digest for an admin.
func (b *Bot) digestText(lang string, d refusalDigest, now time.Time) string {
	accounts := d.Accounts
	var lines []string
	for _, a := range accounts {
		lines = append(lines, b.Catalog.T(lang, "AdminBindRefusedLine", map[string]any{"User": a.User, "Phone": a.Phone,
			"Reason": b.Catalog.T(lang, "Reason"+a.Reason, map[string]any{"Official": b.Config.OfficialName(a.Official)})}))
	}
	listed := map[int64]bool{}
	for _, a := range accounts {
		listed[a.User] = true
	}
	total := len(d.Users) + d.More
	text := b.Catalog.T(lang, "AdminBindRefusedDigest", map[string]any{"Accounts": total, "Count": d.Count,
		"Minutes": int(now.Sub(d.Since).Round(time.Minute) / time.Minute)})
	text += "\n" + strings.Join(lines, "\n")
	if rest := total - len(listed); rest > 0 {
		text += "\n" + b.Catalog.T(lang, "AdminBindRefusedMore", map[string]any{"Count": rest})
	}
	return text
}

// logRefusal logs a refused binding at warning level while the stranger
// is answered, and at debug level once they flood.
func (b *Bot) logRefusal(answered bool, user int64, masked, reason string) {
	level := slog.LevelWarn
	if !answered {
		level = slog.LevelDebug
	}
	b.Log.Log(context.Background(), level, "binding refused", "user", user, "phone", masked, "reason", reason)
}
