package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Event types of hazard tips (隐患举报). Event.Alert is the tip's reference;
// an anonymous tipster's identity never appears in any field (Actor is
// "anonymous").
const (
	EvTipReceived = "tip_received"
	EvTipAssigned = "tip_assigned"
	EvTipOverdue  = "tip_overdue"
	EvTipClosed   = "tip_closed"
	EvTipVerified = "tip_verified" // closed and found true
	EvTipRewarded = "tip_rewarded"
	EvTipRevealed = "tip_revealed" // an anonymous tipster's identity was revealed
)

// Tip states.
const (
	TipNew      = "new"      // received, not yet assigned
	TipAssigned = "assigned" // a unit handles it
	TipClosed   = "closed"   // the unit gave its result
)

// Point is a place on the map.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Tip is a hazard report. It holds no trace of an anonymous tipster: who
// sent it is sealed apart (SealTipster), so a copy of the tips bucket or an
// export does not show it.
type Tip struct {
	Ref    string   `json:"ref"` // T2611-0007
	Text   string   `json:"text"`
	Photos []string `json:"photos,omitempty"` // Telegram file ids
	Place  string   `json:"place,omitempty"`  // typed place
	Point  *Point   `json:"point,omitempty"`  // shared location
	// Anonymous tips show handlers no identity; the Named* fields are empty.
	Anonymous     bool   `json:"anonymous"`
	NamedName     string `json:"named_name,omitempty"`
	NamedUsername string `json:"named_username,omitempty"` // Telegram @username
	NamedOfficial string `json:"named_official,omitempty"` // when the tipster is an official
	NamedPhone    string `json:"named_phone,omitempty"`

	State      string    `json:"state"`
	ReceivedAt time.Time `json:"received_at"`
	// Unit handles the tip by Due; Assignments counts assignments, so a
	// reassigned tip raises a fresh overdue 叫应.
	Unit        string    `json:"unit,omitempty"`
	AssignedBy  string    `json:"assigned_by,omitempty"`
	AssignedAt  time.Time `json:"assigned_at,omitempty"`
	Due         time.Time `json:"due,omitempty"`
	Assignments int       `json:"assignments,omitempty"`
	Overdue     bool      `json:"overdue,omitempty"`
	ClosedAt    time.Time `json:"closed_at,omitempty"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	Result      string    `json:"result,omitempty"`
	Verified    bool      `json:"verified,omitempty"`
	Reward      string    `json:"reward,omitempty"` // yuan, "500" or "500.50"
	RewardedAt  time.Time `json:"rewarded_at,omitempty"`
	RewardedBy  string    `json:"rewarded_by,omitempty"`
}

// Tipster is who sent a tip: the way back to them and, for the roles that
// may reveal it, who they are. It is only ever stored sealed.
type Tipster struct {
	ChatID   int64  `json:"chat_id"`
	UserID   int64  `json:"user_id"`
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	Official string `json:"official,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Lang     string `json:"lang,omitempty"`
}

// NextTipRef numbers a new tip by the month of now: T2611-0001, T2611-0002…
// (now should be in the town's time zone).
func (t *Tx) NextTipRef(now time.Time) (string, error) {
	month := now.Format("0601")
	key := []byte("tip_seq:" + month)
	meta := t.tx.Bucket(bMeta)
	n := uint64(0)
	if v := meta.Get(key); v != nil {
		var err error
		if n, err = strconv.ParseUint(string(v), 10, 64); err != nil {
			return "", fmt.Errorf("tip sequence %s: %w", month, err)
		}
	}
	n++
	if err := meta.Put(key, []byte(strconv.FormatUint(n, 10))); err != nil {
		return "", err
	}
	return fmt.Sprintf("T%s-%04d", month, n), nil
}

// PutTip stores a tip.
func (t *Tx) PutTip(tip Tip) error { return t.put(bTips, []byte(tip.Ref), tip) }

// Tip loads a tip.
func (t *Tx) Tip(ref string) (Tip, error) {
	var tip Tip
	err := t.get(bTips, []byte(ref), &tip)
	return tip, err
}

// Tips returns every tip, oldest first (references sort by month and number).
func (t *Tx) Tips() ([]Tip, error) {
	var out []Tip
	err := t.tx.Bucket(bTips).ForEach(func(k, v []byte) error {
		var tip Tip
		if err := decode(v, &tip); err != nil {
			return fmt.Errorf("decode tip %s: %w", k, err)
		}
		out = append(out, tip)
		return nil
	})
	return out, err
}

// keySeal names the meta entry holding the AES-256 key that seals tipsters.
var keySeal = []byte("tip_seal_key")

// sealAEAD returns the cipher sealing tipsters, making its key on first use
// in a writable transaction; ErrNotFound in a read-only one without a key
// (nothing was sealed yet).
func (t *Tx) sealAEAD() (cipher.AEAD, error) {
	meta := t.tx.Bucket(bMeta)
	key := meta.Get(keySeal)
	if key == nil {
		if !t.tx.Writable() {
			return nil, ErrNotFound
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("make tip seal key: %w", err)
		}
		if err := meta.Put(keySeal, key); err != nil {
			return nil, err
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("tip seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// SealTipster stores who sent a tip, encrypted with AES-GCM under the
// database's seal key and bound to the reference, so the record can neither
// be read nor moved to another tip.
func (t *Tx) SealTipster(ref string, who Tipster) error {
	aead, err := t.sealAEAD()
	if err != nil {
		return err
	}
	plain, err := json.Marshal(who)
	if err != nil {
		return fmt.Errorf("encode tipster: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("seal tipster: %w", err)
	}
	return t.tx.Bucket(bTipSealed).Put([]byte(ref), aead.Seal(nonce, nonce, plain, []byte(ref)))
}

// Tipster unseals who sent a tip.
func (t *Tx) Tipster(ref string) (Tipster, error) {
	var who Tipster
	data := t.tx.Bucket(bTipSealed).Get([]byte(ref))
	if data == nil {
		return who, ErrNotFound
	}
	aead, err := t.sealAEAD()
	if errors.Is(err, ErrNotFound) {
		return who, fmt.Errorf("tipster of %s: the seal key is missing", ref)
	}
	if err != nil {
		return who, err
	}
	if err := openSealed(aead, ref, data, &who); err != nil {
		return who, fmt.Errorf("tipster of %s: %w", ref, err)
	}
	return who, nil
}

func openSealed(aead cipher.AEAD, ref string, data []byte, v any) error {
	n := aead.NonceSize()
	if len(data) < n {
		return errors.New("sealed record too short")
	}
	plain, err := aead.Open(nil, data[:n], data[n:], []byte(ref))
	if err != nil {
		return errors.New("sealed record does not open (tampered, moved or another key)")
	}
	return json.Unmarshal(plain, v)
}

// TipRefsByChat returns the references of the tips sent from a chat, oldest
// first. It opens every sealed record, since nothing outside the seal ties
// a tip to its tipster.
func (t *Tx) TipRefsByChat(chat int64) ([]string, error) {
	aead, err := t.sealAEAD()
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	err = t.tx.Bucket(bTipSealed).ForEach(func(k, v []byte) error {
		var who Tipster
		if err := openSealed(aead, string(k), v, &who); err != nil {
			return fmt.Errorf("tipster of %s: %w", k, err)
		}
		if who.ChatID == chat {
			out = append(out, string(k))
		}
		return nil
	})
	return out, err
}
