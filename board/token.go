package board

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/storage"
)

// Purposes of signed tokens. A token signed for one purpose is refused for
// the other, so a link cannot be replayed as a cookie or a cookie pasted
// into a link.
const (
	PurposeLink    = "link"    // the ?t= of a link sent by /board
	PurposeSession = "session" // the value of the session cookie
)

// SecretMetaKey is the storage meta key of the signing secret: 32 random
// bytes, hex-encoded, generated the first time the board starts.
const SecretMetaKey = "board_secret"

// Errors of Verify; neither is shown with the token it concerns.
var (
	ErrBadToken = errors.New("malformed or forged token")
	ErrExpired  = errors.New("token expired")
)

// Token is a signed statement that an official may open the board until
// Expires.
type Token struct {
	Purpose  string
	Official string
	Expires  time.Time
	// ID is random in a session, so that no two sessions are the same
	// cookie and one can be signed out alone; links have none.
	ID string
}

func (t Token) payload() string {
	p := t.Purpose + "\n" + t.Official + "\n" + strconv.FormatInt(t.Expires.Unix(), 10)
	if t.ID != "" {
		p += "\n" + t.ID
	}
	return p
}

// newID returns a random token id.
func newID() string { return rand.Text() }

var b64 = base64.RawURLEncoding

// Sign returns the token as text safe in a URL and a cookie:
// base64url(payload) "." base64url(HMAC-SHA256(secret, payload)).
func (t Token) Sign(secret []byte) string {
	p := t.payload()
	return b64.EncodeToString([]byte(p)) + "." + b64.EncodeToString(mac(secret, p))
}

func mac(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Verify checks that s was signed with secret for purpose and has not
// expired at now, and returns what it says.
func Verify(secret []byte, s, purpose string, now time.Time) (Token, error) {
	p64, sig64, ok := strings.Cut(s, ".")
	if !ok || len(s) > 1024 {
		return Token{}, ErrBadToken
	}
	p, err := b64.DecodeString(p64)
	if err != nil {
		return Token{}, ErrBadToken
	}
	sig, err := b64.DecodeString(sig64)
	if err != nil || !hmac.Equal(sig, mac(secret, string(p))) {
		return Token{}, ErrBadToken
	}
	parts := strings.Split(string(p), "\n")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != purpose || parts[1] == "" {
		return Token{}, ErrBadToken
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return Token{}, ErrBadToken
	}
	t := Token{Purpose: parts[0], Official: parts[1], Expires: time.Unix(exp, 0)}
	if len(parts) == 4 {
		t.ID = parts[3]
	}
	if !now.Before(t.Expires) {
		return t, ErrExpired
	}
	return t, nil
}

// loadSecret returns the signing secret kept in storage, generating and
// storing it the first time.
func loadSecret(db *storage.DB) ([]byte, error) {
	var secret []byte
	err := db.Update(func(tx *storage.Tx) error {
		if v, ok := tx.Meta(SecretMetaKey); ok {
			var err error
			secret, err = hex.DecodeString(v)
			if err == nil && len(secret) >= 32 {
				return nil
			}
			return fmt.Errorf("meta %s is damaged (want 64 hex digits)", SecretMetaKey)
		}
		var err error
		secret, err = putSecret(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("board signing secret: %w", err)
	}
	return secret, nil
}

// replaceSecret stores a new signing secret, so that every token signed
// with the old one (each session cookie, each link not yet opened) is
// refused from then on.
func replaceSecret(db *storage.DB) ([]byte, error) {
	var secret []byte
	err := db.Update(func(tx *storage.Tx) error {
		var err error
		secret, err = putSecret(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("replace the board signing secret: %w", err)
	}
	return secret, nil
}

// putSecret makes 32 random bytes and stores them as the signing secret.
func putSecret(tx *storage.Tx) ([]byte, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	return secret, tx.PutMeta(SecretMetaKey, hex.EncodeToString(secret))
}

// sessionID names a session for revocation: a hash of its cookie, so the
// revocation list holds nothing that would sign anyone in.
func sessionID(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:16])
}
