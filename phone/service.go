package phone

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// Service places the call and sms steps of alerts through a provider and
// applies what the provider reports back.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	prov   Provider
	clock  clock.Clock
	tr     *locales.Catalog
	m      *Metrics
	log    *slog.Logger
	wake   chan struct{}
	// RequestTimeout bounds one request to the provider.
	RequestTimeout time.Duration
}

// New returns the service; Register connects it to the engine.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, prov Provider, clk clock.Clock,
	tr *locales.Catalog, m *Metrics, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Service{cfg: cfg, db: db, engine: engine, prov: prov, clock: clk, tr: tr, m: m, log: log,
		wake: make(chan struct{}, 1), RequestTimeout: 30 * time.Second}
}

// Register lets the engine run the call and sms steps through the service.
func (s *Service) Register() {
	s.engine.AddChannel(config.ActionCall, s.step(KindCall))
	s.engine.AddChannel(config.ActionSMS, s.step(KindSMS))
	s.engine.OnCommitted(s.Wake)
}

// Wake tells the dialer that calls may be waiting.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// step queues the calls (or text messages) of a step for the people it
// names: one per person and step, however many silent recipients it is
// about.
func (s *Service) step(kind string) callout.ChannelFunc {
	return func(tx *storage.Tx, a callout.Alert, r callout.Recipient, esc *callout.Escalation, due, now time.Time) error {
		if esc.Results == nil {
			esc.Results = map[string]string{}
		}
		reached := 0
		for _, person := range esc.People {
			res, err := s.queue(tx, kind, a, r.Official, esc.Step, person, due, now)
			if err != nil {
				return err
			}
			esc.Results[person] = res
			if res != StateRefused {
				reached++
			}
		}
		if reached == 0 {
			esc.Reason = callout.ReasonNoPhone
		}
		args := []storage.Arg{storage.Word("Kind", storage.VocabPhone, kind), storage.Officials("People", esc.People...)}
		if len(esc.People) != 1 || esc.People[0] != r.Official {
			args = append(args, storage.Officials("About", r.Official))
		}
		return tx.AppendEvent(storage.Event{At: now, Type: storage.EvEscalated, Alert: a.ID, Official: r.Official,
			Actor: "system", Detail: kind + ": " + strings.Join(esc.People, ","), Code: storage.CodePhoned, Args: args})
	}
}

// queue adds recipient to the call to person for the step, queuing the
// call if it is new; it returns the result the step records for person.
func (s *Service) queue(tx *storage.Tx, kind string, a callout.Alert, recipient string, step int, person string, due, now time.Time) (string, error) {
	id := callID(a.ID, kind, step, person)
	c, err := loadCall(tx, id)
	switch {
	case err == nil && !c.Settled():
		// Queued, or ringing: the person's answer to it covers this
		// recipient too (a head presses 1 for everyone escalated to them).
		if !slices.Contains(c.About, recipient) {
			c.About = append(c.About, recipient)
			return c.State, putCall(tx, c)
		}
		return c.State, nil
	case err == nil:
		return StateRepeat, nil
	case !errors.Is(err, storage.ErrNotFound):
		return "", err
	}
	o, _ := s.cfg.Official(person)
	number, ok := E164(o.Phone)
	if !ok {
		return StateRefused, nil
	}
	lang := callout.LanguageOf(tx, s.cfg, person)
	c = Call{ID: id, Kind: kind, Alert: a.ID, Step: step, Official: person, About: []string{recipient}, Number: number,
		State: StateQueued, DueAt: due, QueuedAt: now, Lang: lang, Level: a.Level, Title: a.TitleIn(lang)}
	if kind == KindSMS {
		c.Code = confirmCode(id)
	}
	if err := putCall(tx, c); err != nil {
		return "", err
	}
	if err := tx.Records(queueBucket).PutRaw(queueKey(now, id), []byte{}); err != nil {
		return "", err
	}
	if err := tx.Records(byAlertBucket).PutRaw(pair(a.ID, id), []byte{}); err != nil {
		return "", err
	}
	if err := tx.Records(numbersBucket).PutRaw(pair(number, id), []byte{}); err != nil {
		return "", err
	}
	return StateQueued, nil
}

// setResult moves a call to state and records it on the steps of the
// recipients it is about.
func (s *Service) setResult(tx *storage.Tx, c *Call, state string, now time.Time) error {
	c.State = state
	if err := putCall(tx, *c); err != nil {
		return err
	}
	if err := s.engine.SetStepResult(tx, c.Alert, c.About, c.Step, c.Official, state, now); err != nil {
		return fmt.Errorf("record %s of %s: %w", state, c.ID, err)
	}
	s.m.Results.WithLabelValues(c.Kind, state).Inc()
	return nil
}

// Calls returns an alert's calls and text messages.
func (s *Service) Calls(alert string) ([]Call, error) {
	var out []Call
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		out, err = AlertCalls(tx, alert)
		return err
	})
	return out, err
}

// Changed wakes the dialer when another instance sharing the database
// queued calls (an alert raised through a standby's API); nil: something
// may have been missed.
func (s *Service) Changed(buckets []string) {
	if buckets == nil || slices.Contains(buckets, queueBucket) {
		s.Wake()
	}
}
