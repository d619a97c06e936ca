package phone

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// Run places the queued calls and text messages, at most the configured
// concurrency at once and per_second a second, until ctx ends. Requests a
// crash left under way are never placed again: they become uncertain, and
// a report from the provider still applies to them.
func (s *Service) Run(ctx context.Context) error {
	if err := s.recover(); err != nil {
		return err
	}
	p := s.cfg.Phone
	slots := make(chan struct{}, max(p.Concurrency, 1))
	pace := newPacer(s.clock, p.PerSecond)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		free := cap(slots) - len(slots)
		var next time.Time
		if free > 0 {
			calls, n, err := s.claim(free)
			if err != nil {
				s.log.Error("phone: claim queued calls", "err", err)
				n = s.clock.Now().Add(time.Second)
			}
			next = n
			for _, c := range calls {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					var once sync.Once
					free := func() { once.Do(func() { <-slots; s.Wake() }) }
					defer free()
					if err := pace.wait(ctx); err != nil {
						s.unclaim(c)
						return
					}
					s.place(ctx, c, free)
				}()
			}
		}
		var timer <-chan time.Time
		stop := func() bool { return false }
		if !next.IsZero() {
			t := s.clock.NewTimer(next.Sub(s.clock.Now()))
			timer, stop = t.C(), t.Stop
		}
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-s.wake:
		case <-timer:
		}
		stop()
	}
}

// recover marks the requests a stopped process left under way.
func (s *Service) recover() error {
	now := s.clock.Now()
	return s.db.Update(func(tx *storage.Tx) error {
		var ids []string
		if err := tx.Records(placingBucket).Scan(nil, nil, func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.Records(placingBucket).Delete([]byte(id)); err != nil {
				return err
			}
			c, err := loadCall(tx, id)
			if err != nil {
				continue
			}
			if c.State != StatePlacing {
				continue
			}
			c.Reason = "the process stopped while the request was under way; not placed again"
			s.log.Warn("phone: a request was under way when the process stopped; it is not placed again", "call", id)
			if err := s.setResult(tx, &c, StateUncertain, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// claim takes up to n calls that are due from the queue and marks them
// under way, leaving out the ones no longer wanted (answered, closed) and
// the ones a frequency limit holds back. next is when the next queued
// call falls due (zero: none).
func (s *Service) claim(n int) (claimed []Call, next time.Time, err error) {
	now := s.clock.Now()
	err = s.db.Update(func(tx *storage.Tx) error {
		claimed, next = claimed[:0], time.Time{}
		var keys [][]byte
		capped := false // the scan stopped at its cap, not at a call not yet due
		if err := tx.Records(queueBucket).Scan(nil, nil, func(k, _ []byte) error {
			if len(k) < 8 {
				keys = append(keys, append([]byte(nil), k...))
				return nil
			}
			due := time.Unix(0, int64(binary.BigEndian.Uint64(k)))
			if due.After(now) {
				next = due
				return errStop
			}
			keys = append(keys, append([]byte(nil), k...))
			if len(keys) >= n*4 {
				capped = true
				return errStop
			}
			return nil
		}); err != nil && !errors.Is(err, errStop) {
			return err
		}
		if capped {
			// Due calls may wait past the cap, whether or not the ones
			// looked at were placed (some are cancelled or held): look
			// again at once.
			next = now
		}
		for _, k := range keys {
			if len(claimed) == n {
				next = now
				break
			}
			if err := tx.Records(queueBucket).Delete(k); err != nil {
				return err
			}
			if len(k) < 8 {
				continue
			}
			c, err := loadCall(tx, string(k[8:]))
			var corrupt *storage.CorruptError
			switch {
			case errors.Is(err, storage.ErrNotFound):
				continue
			case errors.As(err, &corrupt):
				// One unreadable record must not hold back every call
				// behind it: set it aside for the admins.
				s.log.Error("phone: a queued call cannot be read; quarantined", "call", string(k[8:]), "err", err)
				if _, err := tx.Quarantine(callsBucket, k[8:], err.Error(), now); err != nil {
					return err
				}
				continue
			case err != nil:
				return err
			}
			if c.State != StateQueued {
				continue
			}
			ok, err := s.admit(tx, &c, now)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			c.State = StatePlacing
			c.Attempts++
			if err := putCall(tx, c); err != nil {
				return err
			}
			if err := tx.Records(placingBucket).PutRaw([]byte(c.ID), []byte{}); err != nil {
				return err
			}
			claimed = append(claimed, c)
		}
		return nil
	})
	return claimed, next, err
}

var errStop = errors.New("stop")

// The spans a frequency limit counts over (the Per word of a held event).
const (
	LimitHour = "hour"
	LimitDay  = "day"
)

// admit decides whether a queued call is still to be placed: not when
// every recipient it is about has answered or the alert is over
// (cancelled), nor when the number had its fill of calls (held).
func (s *Service) admit(tx *storage.Tx, c *Call, now time.Time) (bool, error) {
	a, err := callout.LoadAlert(tx, c.Alert)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	wanted := err == nil && a.State == callout.AlertOpen
	if wanted {
		wanted = false
		for _, id := range c.About {
			r, err := callout.LoadRecipient(tx, c.Alert, id)
			if err == nil && !r.Answered() {
				wanted = true
				break
			}
		}
	}
	if !wanted {
		return false, s.setResult(tx, c, StateCancelled, now)
	}
	if c.Attempts > 0 {
		return true, nil // counted when first tried
	}
	perHour, perDay := s.cfg.Phone.Limits.CallsPerHour, s.cfg.Phone.Limits.CallsPerDay
	if c.Kind == KindSMS {
		perHour, perDay = s.cfg.Phone.Limits.SMSPerHour, s.cfg.Phone.Limits.SMSPerDay
	}
	key := pair(c.Kind, c.Number)
	var u Usage
	if err := tx.Records(usageBucket).Get(key, &u); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	var per string // the limit that holds: an hour's or a day's
	var most int
	switch {
	case u.count(now, time.Hour) >= perHour:
		per, most = LimitHour, perHour
	case u.count(now, 24*time.Hour) >= perDay:
		per, most = LimitDay, perDay
	}
	if per != "" {
		limit := fmt.Sprintf("%d a %s", most, per)
		c.Reason = "limit " + limit
		if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvFailed, Alert: c.Alert, Official: c.Official,
			Actor: "system", Detail: c.Kind + " held back: " + c.Reason, Code: storage.CodePhoneHeld,
			Args: []storage.Arg{storage.Word("Kind", storage.VocabPhone, c.Kind), storage.Officials("People", c.Official),
				storage.Int("Most", most), storage.Word("Per", storage.VocabPhone, per)}}); err != nil {
			return false, err
		}
		s.log.Info("phone: a frequency limit held a call back", "call", c.ID, "limit", limit)
		return false, s.setResult(tx, c, StateHeld, now)
	}
	u.add(now)
	return true, tx.Records(usageBucket).Put(key, u)
}

// unclaim returns a call to the queue when the process stops before its
// request went out.
func (s *Service) unclaim(c Call) {
	err := s.db.Update(func(tx *storage.Tx) error {
		cur, err := loadCall(tx, c.ID)
		if err != nil || cur.State != StatePlacing {
			return err
		}
		cur.State = StateQueued
		cur.Attempts--
		if err := putCall(tx, cur); err != nil {
			return err
		}
		if err := tx.Records(placingBucket).Delete([]byte(c.ID)); err != nil {
			return err
		}
		return tx.Records(queueBucket).PutRaw(queueKey(cur.QueuedAt, c.ID), []byte{})
	})
	if err != nil {
		s.log.Error("phone: put a call back in the queue", "call", c.ID, "err", err)
	}
}

// place sends one request to the provider and records the answer; it
// calls answered as soon as the provider answered, for the slot a request
// holds at the provider is free then, before the answer is on disk.
func (s *Service) place(ctx context.Context, c Call, answered func()) {
	req := s.request(c)
	start := s.clock.Now()
	s.m.Delay.Observe(start.Sub(c.DueAt).Seconds())
	rctx, cancel := context.WithTimeout(ctx, s.RequestTimeout)
	pid, err := s.prov.Place(rctx, req)
	cancel()
	answered()
	if err != nil && ctx.Err() != nil {
		// Stopping: whether the provider took it is unknown. Leave it
		// under way; the next start marks it uncertain.
		return
	}
	now := s.clock.Now()
	if rerr := s.db.Batch(func(tx *storage.Tx) error { return s.record(tx, c.ID, pid, err, now) }); rerr != nil {
		s.log.Error("phone: record a placed call", "call", c.ID, "err", rerr)
		return
	}
	s.engine.Committed()
}

// record writes what the provider answered to a request.
func (s *Service) record(tx *storage.Tx, id, providerID string, perr error, now time.Time) error {
	c, err := loadCall(tx, id)
	if err != nil {
		return err
	}
	if err := tx.Records(placingBucket).Delete([]byte(id)); err != nil {
		return err
	}
	if c.State != StatePlacing {
		return nil
	}
	var refused *RefusedError
	switch {
	case perr == nil:
		c.Provider, c.ProviderID, c.PlacedAt = s.prov.Name(), providerID, now
		if err := tx.Records(refsBucket).PutRaw(pair(c.Provider, providerID), []byte(c.ID)); err != nil {
			return err
		}
		s.m.Placed.WithLabelValues(c.Kind).Inc()
		if err := tx.AppendEvent(storage.Event{At: now, Type: storage.EvSent, Alert: c.Alert, Official: c.Official,
			Actor: "system", Detail: c.Kind + " placed: " + s.prov.Name() + " " + providerID, Code: storage.CodePhoneResult,
			Args: []storage.Arg{storage.Word("Kind", storage.VocabPhone, c.Kind), storage.Word("Result", storage.VocabPhone, StatePlaced),
				storage.Officials("People", c.Official)}}); err != nil {
			return err
		}
		return s.setResult(tx, &c, StatePlaced, now)
	case errors.As(perr, &refused):
		c.Reason = refused.Error()
		state := StateRefused
		if refused.Limited {
			state = StateHeld
		}
		s.log.Warn("phone: the provider refused a request", "call", c.ID, "code", refused.Code, "limited", refused.Limited)
		if err := s.failedEvent(tx, c, state, now); err != nil {
			return err
		}
		return s.setResult(tx, &c, state, now)
	case mayHaveArrived(perr):
		// The provider may have taken it and its answer was lost: calling
		// again could ring the phone twice. Like a request a crash cut
		// short, it is not placed again; a report of it still counts.
		c.Reason = perr.Error()
		s.log.Warn("phone: no answer to a request; not placing it again", "call", c.ID, "err", perr)
		return s.setResult(tx, &c, StateUncertain, now)
	case c.Attempts < s.cfg.Phone.Attempts:
		c.Reason = perr.Error()
		c.State = StateQueued
		s.log.Warn("phone: a request failed; trying again", "call", c.ID, "attempt", c.Attempts, "err", perr)
		if err := putCall(tx, c); err != nil {
			return err
		}
		return tx.Records(queueBucket).PutRaw(queueKey(now.Add(s.cfg.Phone.RetryAfter.D()), c.ID), []byte{})
	default:
		c.Reason = perr.Error()
		s.log.Error("phone: a request failed; giving up", "call", c.ID, "attempts", c.Attempts, "err", perr)
		if err := s.failedEvent(tx, c, StateFailed, now); err != nil {
			return err
		}
		return s.setResult(tx, &c, StateFailed, now)
	}
}

func (s *Service) failedEvent(tx *storage.Tx, c Call, state string, now time.Time) error {
	return tx.AppendEvent(storage.Event{At: now, Type: storage.EvFailed, Alert: c.Alert, Official: c.Official,
		Actor: "system", Detail: c.Kind + " " + state + ": " + c.Reason, Code: storage.CodePhoneResult,
		Args: []storage.Arg{storage.Word("Kind", storage.VocabPhone, c.Kind), storage.Word("Result", storage.VocabPhone, state),
			storage.Officials("People", c.Official)}})
}

// mayHaveArrived reports whether a failed request may have reached the
// provider: it timed out waiting for the answer. A refused connection or a
// 5xx answer did not place anything and is tried again.
func mayHaveArrived(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
