package storage

import "bytes"

// RefView marks a job that shows a live view (a board, a checklist): its
// Ref.Target names the view, and delivery records the message in the
// view's record so later changes are edits of that message.
const RefView = "view"

// View is one official's message of a live view: sent once, then edited in
// place as the view changes.
type View struct {
	Scope     string `json:"scope"` // e.g. "board/20261130-0001"
	Official  string `json:"official"`
	ChatID    int64  `json:"chat_id,omitempty"`
	MessageID int    `json:"message_id,omitempty"` // 0 until delivered
}

// PutView stores a view record.
func (t *Tx) PutView(v View) error { return t.put(bViews, pairKey(v.Scope, v.Official), v) }

// View loads an official's record of a view.
func (t *Tx) View(scope, official string) (View, error) {
	var v View
	err := t.get(bViews, pairKey(scope, official), &v)
	return v, err
}

// Views returns every official's record of a view, by official id.
func (t *Tx) Views(scope string) ([]View, error) {
	var out []View
	prefix := []byte(scope + "\x00")
	c := t.tx.Bucket(bViews).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var rec View
		if err := decode(v, &rec); err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

func pairKey(a, b string) []byte { return []byte(a + "\x00" + b) }
