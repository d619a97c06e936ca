package enterprise

import (
	"errors"
	"fmt"
	"slices"

	"dutybot/config"
	"dutybot/storage"
)

// The enterprises' own heads (企业单位负责人) are no officials: the registry
// knows them by name and phone. One binds a chat to the bot by sharing
// that phone from their own account (the chat side checks it is theirs);
// the binding is kept by phone (HeadBinding), so it reaches the
// enterprises whose current row lists the phone. A re-import that gives an
// enterprise another head's phone leaves the old head's binding in place
// but no longer matching it: that enterprise's notices go to whoever is
// bound to the new phone, or nobody, and the old head no longer acts for
// it.

// Errors of BindHead.
var (
	ErrNotAHead  = errors.New("the phone is no enterprise head's in the registry")
	ErrHeadTaken = errors.New("the phone is bound to another Telegram account")
)

// headPhone is the form head phones are matched in: normalised, and a
// mobile (the only kind a Telegram account shares).
func headPhone(s string) (string, bool) {
	p := config.NormalizePhone(s)
	return p, config.IsMobile(p)
}

// headedBy returns the enterprises of list whose 企业单位负责人 has the
// normalised phone, in list order.
func headedBy(list []Enterprise, phone string) []Enterprise {
	var out []Enterprise
	for _, e := range list {
		if p, ok := headPhone(e.Head.Phone); ok && p == phone {
			out = append(out, e)
		}
	}
	return out
}

// BindHead binds a chat to the head whose phone b names (normalised): the
// enterprises listing it as their 企业单位负责人's are returned, and the
// binding and its event are stored in one transaction. A phone no
// enterprise lists is refused with ErrNotAHead; one already bound to
// another Telegram account with ErrHeadTaken; either way nothing changes.
// b.Name is filled in from the registry.
func (r *Registry) BindHead(b HeadBinding) ([]Enterprise, error) {
	phone, ok := headPhone(b.Phone)
	if !ok {
		return nil, ErrNotAHead
	}
	b.Phone = phone
	var ents []Enterprise
	err := r.db.Update(func(tx *storage.Tx) error {
		list, err := All(tx)
		if err != nil {
			return err
		}
		if ents = headedBy(list, phone); len(ents) == 0 {
			return ErrNotAHead
		}
		old, err := HeadByPhone(tx, phone)
		switch {
		case err == nil && old.UserID != b.UserID:
			return ErrHeadTaken
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return err
		}
		b.Name = ents[0].Head.Name
		if err := PutHeadBinding(tx, b); err != nil {
			return err
		}
		codes := make([]string, len(ents))
		for i, e := range ents {
			codes[i] = e.Code
		}
		return tx.AppendEvent(storage.Event{At: b.BoundAt, Type: EvHeadBound, Actor: storage.ActorEnterprise,
			Detail: fmt.Sprintf("%s (%s), chat %d, for %d enterprises: %v", b.Name, maskPhone(phone), b.ChatID, len(ents), codes)})
	})
	if err != nil {
		if errors.Is(err, ErrNotAHead) || errors.Is(err, ErrHeadTaken) {
			return nil, err
		}
		return nil, fmt.Errorf("bind enterprise head: %w", err)
	}
	r.log.Info("enterprise head bound", "chat", b.ChatID, "enterprises", len(ents))
	return ents, nil
}

// HeadOf returns the binding of chat's head and the enterprises whose
// 企业单位负责人 they are now; ok is false for a chat no head bound. The
// list is empty when the registry no longer lists their phone.
func (r *Registry) HeadOf(chat int64) (HeadBinding, []Enterprise, bool, error) {
	var (
		b    HeadBinding
		ents []Enterprise
	)
	err := r.db.View(func(tx *storage.Tx) error {
		var err error
		if b, err = HeadByChat(tx, chat); err != nil {
			return err
		}
		list, err := All(tx)
		if err != nil {
			return err
		}
		ents = headedBy(list, b.Phone)
		return nil
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return b, nil, false, nil
	case err != nil:
		return b, nil, false, fmt.Errorf("read the head of chat %d: %w", chat, err)
	}
	return b, ents, true, nil
}

// GetWithHead returns an enterprise of the registry and, when its
// 企业单位负责人's phone is bound, that binding (bound false otherwise);
// ok is false for an enterprise the registry does not hold.
func (r *Registry) GetWithHead(code string) (e Enterprise, head HeadBinding, ok, bound bool, err error) {
	err = r.db.View(func(tx *storage.Tx) error {
		var err error
		if e, err = Load(tx, code); err != nil {
			return err
		}
		ok = true
		phone, mobile := headPhone(e.Head.Phone)
		if !mobile {
			return nil
		}
		head, err = HeadByPhone(tx, phone)
		switch {
		case err == nil:
			bound = true
		case errors.Is(err, storage.ErrNotFound):
			err = nil
		}
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return e, head, false, false, nil
	}
	if err != nil {
		return e, head, ok, false, fmt.Errorf("read enterprise %s: %w", code, err)
	}
	return e, head, ok, bound, nil
}

// HeadNames returns the enterprises' names, for telling a head which
// enterprises they answer for.
func HeadNames(ents []Enterprise) []string {
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		if !slices.Contains(out, e.Name) {
			out = append(out, e.Name)
		}
	}
	return out
}

// maskPhone keeps the first three and last four digits of a phone, for
// the event log.
func maskPhone(p string) string {
	if len(p) < 8 {
		return p
	}
	return p[:3] + "****" + p[len(p)-4:]
}
