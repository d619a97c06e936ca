package tips

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/callout"
	"dutybot/storage"
)

// Report is a hazard tip as its tipster sends it.
type Report struct {
	Text   string
	Photos []string // Telegram file ids
	Place  string
	Point  *storage.Point
	// Anonymous keeps Tipster sealed from every handler.
	Anonymous bool
	// Tipster is the way back to the tipster and who they are. For an
	// official, Official is their id; name and phone come from the
	// configuration.
	Tipster Tipster
	// Done, if set, runs in the transaction that records the tip: the
	// chat ends its /tip draft there, which held the tip and the sender's
	// names, so a second press cannot send the tip twice.
	Done func(tx *storage.Tx) error
}

func (r *Report) validate() error {
	r.Text, r.Place = strings.TrimSpace(r.Text), strings.TrimSpace(r.Place)
	switch {
	case r.Text == "":
		return ErrNoText
	case utf8.RuneCountInString(r.Text) > MaxText, utf8.RuneCountInString(r.Place) > MaxPlace:
		return ErrTooLong
	case r.Place == "" && r.Point == nil:
		return ErrNoPlace
	case len(r.Photos) > MaxPhotos:
		return ErrTooMany
	case r.Tipster.ChatID == 0:
		return ErrNoTipster
	}
	return nil
}

// Submit records a tip, seals its tipster, runs r.Done (the chat's draft
// ends), tells the tipster its reference and the 应急办 head and admins what it
// reports (never who sent an anonymous one), all in one transaction.
func (s *Service) Submit(r Report) (Tip, error) {
	if err := r.validate(); err != nil {
		return Tip{}, err
	}
	who := r.Tipster
	if o, ok := s.cfg.Official(who.Official); ok {
		who.Name, who.Phone = o.Name, o.Phone
	} else {
		who.Official = ""
	}
	now := s.clock.Now()
	var t Tip
	err := s.db.Update(func(tx *storage.Tx) error {
		ref, err := NextRef(tx, now.In(s.loc))
		if err != nil {
			return err
		}
		t = Tip{Ref: ref, Text: r.Text, Photos: r.Photos, Place: r.Place, Point: r.Point,
			Anonymous: r.Anonymous, State: StateNew, ReceivedAt: now}
		actor, detail := "anonymous", "anonymous"
		var args []storage.Arg
		if !r.Anonymous {
			t.NamedName, t.NamedUsername, t.NamedOfficial, t.NamedPhone = who.Name, who.Username, who.Official, who.Phone
			actor, detail = "tipster", "named: "+who.Name
			args = append(args, storage.Text("Named", who.Name))
			if who.Official != "" {
				actor = who.Official
			}
		}
		if n := len(r.Photos); n > 0 {
			detail += fmt.Sprintf("; %d photos", n)
			args = append(args, storage.Int("Photos", n))
		}
		if err := PutTip(tx, t); err != nil {
			return err
		}
		if err := SealTipster(tx, ref, who); err != nil {
			return err
		}
		if r.Done != nil {
			if err := r.Done(tx); err != nil {
				return err
			}
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvReceived, Alert: ref, Actor: actor,
			Detail: detail, Code: storage.CodeTipReceived, Args: args}); err != nil {
			return err
		}
		if err := s.tellTipster(tx, who, now, func(lang string) string {
			return s.tr.T(lang, "TipSubmitted", map[string]any{"Ref": ref, "Anonymous": t.Anonymous})
		}); err != nil {
			return err
		}
		return s.engine.Tell(tx, s.triagers(), "", storage.Ref{Kind: storage.RefInfo}, now,
			func(lang string) (string, [][]storage.Button) {
				return s.tr.T(lang, "TipNewHeader", map[string]any{"Ref": ref}) + "\n" + s.Details(lang, t) +
					"\n" + s.tr.T(lang, "TipAskUnit", nil), s.OfficeButtons(lang, t)
			})
	})
	if err != nil {
		return Tip{}, fmt.Errorf("submit tip: %w", err)
	}
	s.engine.WakeOutbox()
	s.log.Info("tip received", "tip", t.Ref, "anonymous", t.Anonymous, "photos", len(t.Photos))
	return t, nil
}

// tellTipster queues a message to whoever sent a tip, through the sealed
// chat: the job names no official, so nothing recorded of its delivery
// points at them.
func (s *Service) tellTipster(tx *storage.Tx, who Tipster, now time.Time, render func(lang string) string) error {
	lang := who.Lang
	if who.Official != "" {
		lang = callout.LanguageOf(tx, s.cfg, who.Official)
	}
	if lang == "" {
		lang = s.cfg.Language
	}
	_, err := tx.Enqueue(storage.Job{ChatID: who.ChatID, Op: storage.OpSend, Text: render(lang),
		Ref: storage.Ref{Kind: storage.RefInfo}, CreatedAt: now})
	return err
}

// tellTipsterOf unseals a tip's tipster and tells them.
func (s *Service) tellTipsterOf(tx *storage.Tx, ref string, now time.Time, render func(lang string) string) error {
	who, err := UnsealTipster(tx, ref)
	if err != nil {
		return err
	}
	return s.tellTipster(tx, who, now, render)
}
