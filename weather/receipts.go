package weather

import (
	"errors"
	"fmt"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// Live views (the 熔断 board, a unit's checklist) are one message per
// official, sent once and then edited in place. Each is a storage.View of a
// scope ("board/<warning>", "checklist/<warning>/<unit>"): its first message
// goes out as a storage.RefView job, delivery records the message id in the
// view, and later changes are queued as edits of it, coalesced by the
// message's key so a burst of confirmations costs one edit.

func boardScope(warning string) string           { return "board/" + warning }
func checklistScope(warning, unit string) string { return "checklist/" + warning + "/" + unit }

// show queues the current content of a live view for an official: an edit
// of the message already delivered, or else the first message (replacing
// its content while it waits). Unbound and unreachable officials are
// skipped.
func (s *Service) show(tx *storage.Tx, scope, warning, official string, fresh bool, now time.Time,
	render func(lang string) (string, [][]storage.Button)) error {
	b, err := tx.Binding(official)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && b.Unreachable) {
		return nil
	}
	if err != nil {
		return err
	}
	text, buttons := render(callout.LanguageOf(tx, s.cfg, official))
	rc, err := tx.View(scope, official)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		rc = storage.View{Scope: scope, Official: official}
		if err := tx.PutView(rc); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if !fresh && rc.MessageID != 0 && rc.ChatID == b.ChatID {
		_, err := tx.Enqueue(storage.Job{Key: fmt.Sprintf("edit:%d:%d", rc.ChatID, rc.MessageID), ChatID: rc.ChatID,
			Op: storage.OpEdit, MessageID: rc.MessageID, Text: text, Buttons: buttons,
			Ref: storage.Ref{Kind: storage.RefInfo, Alert: warning, Official: official}, CreatedAt: now})
		return err
	}
	if fresh && rc.MessageID != 0 {
		rc.ChatID, rc.MessageID = 0, 0
		if err := tx.PutView(rc); err != nil {
			return err
		}
	}
	_, err = tx.Enqueue(storage.Job{Key: "show:" + scope + ":" + official, ChatID: b.ChatID, Op: storage.OpSend,
		Text: text, Buttons: buttons,
		Ref: storage.Ref{Kind: storage.RefView, Alert: warning, Target: scope, Official: official}, CreatedAt: now})
	return err
}

// viewers lists the officials a live view was shown to.
func viewers(tx *storage.Tx, scope string) ([]string, error) {
	rcs, err := tx.Views(scope)
	var out []string
	for _, rc := range rcs {
		out = append(out, rc.Official)
	}
	return out, err
}

// shownAt lists the delivered messages of a live view.
func shownAt(tx *storage.Tx, scope string) ([]callout.MessageRef, error) {
	rcs, err := tx.Views(scope)
	var out []callout.MessageRef
	for _, rc := range rcs {
		if rc.MessageID != 0 {
			out = append(out, callout.MessageRef{ChatID: rc.ChatID, MessageID: rc.MessageID})
		}
	}
	return out, err
}
