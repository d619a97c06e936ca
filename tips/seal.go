package tips

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"dutybot/storage"
)

// sealedBucket holds who sent each tip: ref -> the Tipster, JSON sealed
// with AES-GCM (nonce, then ciphertext) under the seal key and bound to
// the ref. Its name and keys are the on-disk schema of existing databases.
const sealedBucket = "tip_sealed"

// keySeal names the meta entry holding the AES-256 key that seals tipsters.
const keySeal = "tip_seal_key"

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

// sealAEAD returns the cipher sealing tipsters. With create it makes the
// key on first use (the transaction must be writable); without it, it
// returns storage.ErrNotFound when there is no key (nothing was sealed
// yet), so reading never writes.
func sealAEAD(tx *storage.Tx, create bool) (cipher.AEAD, error) {
	key, ok := tx.Meta(keySeal)
	if !ok {
		if !create {
			return nil, storage.ErrNotFound
		}
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, fmt.Errorf("make tip seal key: %w", err)
		}
		if err := tx.PutMeta(keySeal, string(k)); err != nil {
			return nil, fmt.Errorf("store tip seal key: %w", err)
		}
		key = string(k)
	}
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		return nil, fmt.Errorf("tip seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// SealTipster stores who sent a tip, encrypted with AES-GCM under the
// database's seal key and bound to the reference, so the record can neither
// be read nor moved to another tip.
func SealTipster(tx *storage.Tx, ref string, who Tipster) error {
	aead, err := sealAEAD(tx, true)
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
	return tx.Records(sealedBucket).PutRaw([]byte(ref), aead.Seal(nonce, nonce, plain, []byte(ref)))
}

// UnsealTipster opens who sent a tip: storage.ErrNotFound when nothing is
// sealed for ref.
func UnsealTipster(tx *storage.Tx, ref string) (Tipster, error) {
	var who Tipster
	data := tx.Records(sealedBucket).GetRaw([]byte(ref))
	if data == nil {
		return who, storage.ErrNotFound
	}
	aead, err := sealAEAD(tx, false)
	if errors.Is(err, storage.ErrNotFound) {
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

// RefsByChat returns the references of the tips sent from a chat, oldest
// first. It opens every sealed record, since nothing outside the seal ties
// a tip to its tipster.
func RefsByChat(tx *storage.Tx, chat int64) ([]string, error) {
	aead, err := sealAEAD(tx, false)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	err = tx.Records(sealedBucket).Scan(nil, nil, func(k, v []byte) error {
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
