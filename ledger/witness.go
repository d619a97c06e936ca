package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// metaWitnessDay is the local date (2006-01-02) of the last witness post.
const metaWitnessDay = "ledger_witness_day"

// TopicWitness marks the daily witness message (storage.Ref.Topic).
const TopicWitness = "witness"

// Witness posts the event chain's head to the principals once a day at
// ledger.witness_at: a hash outside the file, in their chats, that a
// rewritten log can no longer match. The day of the last post is stored
// with the post, so it is never posted twice a day and a post missed while
// dutybot was down goes out when it starts.
type Witness struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	// Slept, if set, is told when Run has gone to sleep until the next
	// post: tests advance a fake clock only then.
	Slept func(until time.Time)
}

// NewWitness returns the daily witness.
func NewWitness(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Witness {
	if log == nil {
		log = slog.Default()
	}
	return &Witness{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log}
}

// Run posts the head whenever it is due, until ctx ends; with
// ledger.witness_at empty it does nothing.
func (w *Witness) Run(ctx context.Context) error {
	if w.cfg.Ledger.WitnessAt == "" {
		<-ctx.Done()
		return nil
	}
	for {
		now := w.clock.Now()
		next, err := w.Tick(now)
		if err != nil {
			w.log.Error("post the ledger witness", "err", err)
			next = now.Add(time.Minute) // storage trouble: try again soon
		}
		t := w.clock.NewTimer(next.Sub(now))
		if w.Slept != nil {
			w.Slept(next)
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// Tick posts the head if today's post is due and not yet made, and
// returns when the next one is due.
func (w *Witness) Tick(now time.Time) (time.Time, error) {
	h, m, err := config.ParseClock(w.cfg.Ledger.WitnessAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("ledger.witness_at: %w", err)
	}
	l := now.In(w.cfg.Location)
	due := time.Date(l.Year(), l.Month(), l.Day(), h, m, 0, 0, w.cfg.Location)
	if now.Before(due) {
		return due, nil
	}
	if _, err := w.Post(now); err != nil && !errors.Is(err, ErrWitnessedToday) {
		return time.Time{}, err
	}
	return time.Date(l.Year(), l.Month(), l.Day()+1, h, m, 0, 0, w.cfg.Location), nil
}

// ErrWitnessedToday is returned by Post when today's head was posted.
var ErrWitnessedToday = errors.New("the chain head was posted today already")

// Post posts the chain head to every bound principal now and records it,
// unless it was posted today; it returns the record.
func (w *Witness) Post(now time.Time) (storage.Event, error) {
	day := now.In(w.cfg.Location).Format(time.DateOnly)
	var rec storage.Event
	posted := false
	err := w.db.Update(func(tx *storage.Tx) error {
		// Dates as 2006-01-02 sort as strings. A later day already posted
		// counts too: a witness that read the clock before another posted
		// the next day must not post its own day again.
		if last, _ := tx.Meta(metaWitnessDay); last >= day {
			return nil
		}
		seq, head := tx.ChainHead()
		var told []string
		for _, p := range w.cfg.OfficialsWithRole(config.RolePrincipal) {
			if b, err := tx.Binding(p.ID); err == nil && !b.Unreachable {
				told = append(told, p.ID)
			}
		}
		err := w.engine.Tell(tx, told, "", storage.Ref{Kind: storage.RefInfo, Topic: TopicWitness}, now,
			func(lang string) (string, [][]storage.Button) {
				return w.tr.T(lang, "LedgerWitness", map[string]any{"Date": day, "Seq": seq, "Hash": head,
					"Time": now.In(w.cfg.Location).Format("15:04")}), nil
			})
		if err != nil {
			return err
		}
		rec = storage.Event{At: now, Type: storage.EvWitness, Actor: "system", Detail: WitnessDetail(seq, head, told),
			Code: storage.CodeLedgerWitness, Args: []storage.Arg{storage.Int("Seq", int(seq)), storage.Text("Hash", head),
				storage.Officials("Told", told...)}}
		if err := tx.AppendEvent(rec); err != nil {
			return err
		}
		posted = true
		return tx.PutMeta(metaWitnessDay, day)
	})
	if err != nil {
		return storage.Event{}, err
	}
	if !posted {
		return storage.Event{}, ErrWitnessedToday
	}
	w.engine.Committed()
	w.log.Info("ledger chain head posted to the principals", "detail", rec.Detail)
	return rec, nil
}

// WitnessDetail is the record of a witness post: "head #N HASH posted to
// o-he,o-wang" (or "posted to nobody: no principal is bound").
func WitnessDetail(seq uint64, hash string, told []string) string {
	to := strings.Join(told, ",")
	if len(told) == 0 {
		to = "nobody: no principal is bound"
	}
	return fmt.Sprintf("head #%d %s posted to %s", seq, hash, to)
}

// ParseWitness reads the head out of a witness record.
func ParseWitness(detail string) (seq uint64, hash string, ok bool) {
	rest, found := strings.CutPrefix(detail, "head #")
	if !found {
		return 0, "", false
	}
	fields := strings.Fields(rest)
	if len(fields) < 2 {
		return 0, "", false
	}
	n, err := strconv.ParseUint(fields[0], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return n, fields[1], true
}
