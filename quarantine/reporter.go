// Package quarantine tells the admins about records that were moved aside
// because they could not be used (storage.Tx.Quarantine): whatever put
// them there (the deadline runner, the outbox, …), the admins hear of it
// once per new batch, coalesced, with the bucket and the reason and never
// the raw record.
package quarantine

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/clock"
	"dutybot/locales"
	"dutybot/storage"
)

// metaReported is the meta key holding the sequence number of the newest
// quarantined record the admins were told about, so a restart does not
// tell them again.
const metaReported = "quarantine_reported"

// noticeKey coalesces the admin notices: a notice still waiting to be sent
// is replaced by the newer one, which covers it.
const noticeKey = "quarantine"

// TellFunc sends a notice to the admins; a notice with the same key still
// waiting to be sent is replaced (callout.Engine.TellAdminsCoalesced).
type TellFunc func(key string, render func(lang string) string) error

// Reporter watches the quarantine and tells the admins about new records.
type Reporter struct {
	// Gap is the least time between two notices, so a burst of bad
	// records makes one notice, not a flood (default 10 minutes).
	Gap time.Duration
	// Poll is how often the quarantine is looked at without Notify, for
	// records put there by code that does not call it (default 1 minute).
	Poll time.Duration

	db    *storage.DB
	clock clock.Clock
	cat   *locales.Catalog
	tell  TellFunc
	log   *slog.Logger
	wake  chan struct{}
	last  time.Time // when the last notice was queued
}

// NewReporter returns a reporter; nothing runs until Run.
func NewReporter(db *storage.DB, clk clock.Clock, cat *locales.Catalog, tell TellFunc, log *slog.Logger) *Reporter {
	if log == nil {
		log = slog.Default()
	}
	return &Reporter{Gap: 10 * time.Minute, Poll: time.Minute, db: db, clock: clk, cat: cat, tell: tell, log: log,
		wake: make(chan struct{}, 1)}
}

// Notify tells the reporter that records were just quarantined.
func (r *Reporter) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run reports new quarantined records until ctx is cancelled.
func (r *Reporter) Run(ctx context.Context) error {
	for {
		wait, err := r.check()
		if err != nil {
			r.log.Error("tell the admins about quarantined records", "err", err)
			wait = r.Poll
		}
		t := r.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-r.wake:
		case <-t.C():
		}
		t.Stop()
	}
}

// check tells the admins about records quarantined since the last notice,
// unless a notice went out less than Gap ago; it returns when to look again.
func (r *Reporter) check() (time.Duration, error) {
	var fresh, all []storage.Quarantined
	err := r.db.View(func(tx *storage.Tx) error {
		v, _ := tx.Meta(metaReported)
		reported, _ := strconv.ParseUint(v, 10, 64)
		all = tx.QuarantinedRecords()
		for _, q := range all {
			if q.Seq > reported {
				fresh = append(fresh, q)
			}
		}
		return nil
	})
	if err != nil || len(fresh) == 0 {
		return r.Poll, err
	}
	now := r.clock.Now()
	if !r.last.IsZero() && now.Before(r.last.Add(r.Gap)) {
		return r.last.Add(r.Gap).Sub(now), nil
	}
	lines := Summary(fresh)
	total := len(all)
	err = r.tell(noticeKey, func(lang string) string {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(r.cat.T(lang, "AdminQuarantineLine", map[string]any{"Bucket": l.Bucket, "Count": l.Count, "Reason": l.Reason}))
			b.WriteString("\n")
		}
		return r.cat.T(lang, "AdminQuarantine", map[string]any{"Count": len(fresh), "Total": total,
			"Lines": strings.TrimSuffix(b.String(), "\n")})
	})
	if err != nil {
		return r.Poll, err
	}
	r.last = now
	newest := fresh[len(fresh)-1].Seq
	err = r.db.Update(func(tx *storage.Tx) error { return tx.PutMeta(metaReported, strconv.FormatUint(newest, 10)) })
	if err != nil {
		return r.Poll, fmt.Errorf("record the quarantine notice: %w", err)
	}
	r.log.Warn("told the admins about quarantined records", "new", len(fresh), "total", total)
	return r.Poll, nil
}

// Line is what a notice tells of one bucket's quarantined records.
type Line struct {
	Bucket string
	Count  int
	Reason string // the first record's, without keys or quoted data
}

// Summary groups records by bucket, each with the first reason cleaned
// for a chat (Clean).
func Summary(qs []storage.Quarantined) []Line {
	var out []Line
	for _, q := range qs {
		i := slices.IndexFunc(out, func(l Line) bool { return l.Bucket == q.Bucket })
		if i < 0 {
			out = append(out, Line{Bucket: q.Bucket, Reason: Clean(q.Reason)})
			i = len(out) - 1
		}
		out[i].Count++
	}
	slices.SortFunc(out, func(a, b Line) int { return strings.Compare(a.Bucket, b.Bucket) })
	return out
}

// quoted matches a double-quoted string, as %q writes record keys: keys
// name officials and chats, so notices leave them out.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// maxReason bounds a reason in a notice, in characters.
const maxReason = 160

// Clean makes a quarantine reason fit for a chat: quoted keys and data
// become "…", and it is cut to maxReason characters.
func Clean(reason string) string {
	s := quoted.ReplaceAllString(reason, `"…"`)
	if utf8.RuneCountInString(s) > maxReason {
		s = string([]rune(s)[:maxReason-1]) + "…"
	}
	return s
}
