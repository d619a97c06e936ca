package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers that carry the signature both ways: on each call dutybot posts
// to the gateway and on each report the gateway posts back.
const (
	HeaderTimestamp = "X-Dutybot-Timestamp" // unix seconds
	HeaderSignature = "X-Dutybot-Signature" // "sha256=" + hex HMAC-SHA256
)

// DefaultWindow is how far a signed timestamp may stray from the clock
// before the request is refused as stale: wide enough for a gateway's
// clock drift and retries, narrow enough that a captured request cannot
// be replayed later.
const DefaultWindow = 5 * time.Minute

const sigPrefix = "sha256="

// Reasons Verify refuses a request; its errors wrap one of them and add
// detail, never the secret.
var (
	ErrUnsigned     = errors.New("missing signature or timestamp header")
	ErrBadSignature = errors.New("bad signature")
	ErrStale        = errors.New("stale timestamp")
)

// Sign returns the X-Dutybot-Signature value for body sent at ts (unix
// seconds): "sha256=" and the hex HMAC-SHA256 of secret over
// "<ts>.<body>", so a gateway can check what dutybot sent and dutybot can
// check what the gateway reports.
func Sign(secret []byte, ts int64, body []byte) string {
	return sigPrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(ts, 10), body))
}

// mac is the HMAC over the timestamp exactly as it travels in its header.
func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks that sigHeader signs body at tsHeader under secret, and
// that tsHeader lies within window of now (DefaultWindow if window <= 0),
// so that neither a forged nor an old captured request is believed. The
// comparison takes constant time.
func Verify(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time, window time.Duration) error {
	_, err := verify(secret, tsHeader, sigHeader, body, now, window)
	return err
}

// verify is Verify, also returning the signature's bytes and the time it
// stops being accepted, for the replay check.
func verify(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time, window time.Duration) (signed, error) {
	if window <= 0 {
		window = DefaultWindow
	}
	if tsHeader == "" || sigHeader == "" {
		return signed{}, ErrUnsigned
	}
	ts, err := parseUnix(tsHeader)
	if err != nil {
		return signed{}, fmt.Errorf("%w: %s is not unix seconds", ErrBadSignature, HeaderTimestamp)
	}
	hexSig, ok := strings.CutPrefix(sigHeader, sigPrefix)
	if !ok {
		return signed{}, fmt.Errorf("%w: %s does not start with %q", ErrBadSignature, HeaderSignature, sigPrefix)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return signed{}, fmt.Errorf("%w: %s is not a hex SHA-256 digest", ErrBadSignature, HeaderSignature)
	}
	if !hmac.Equal(got, mac(secret, tsHeader, body)) {
		return signed{}, fmt.Errorf("%w: it does not match the body and timestamp", ErrBadSignature)
	}
	at := time.Unix(ts, 0)
	if skew := now.Sub(at); skew > window || skew < -window {
		return signed{}, fmt.Errorf("%w: signed at %s, %s from now, outside ±%s",
			ErrStale, at.UTC().Format(time.RFC3339), skew.Round(time.Second), window)
	}
	s := signed{expires: at.Add(window)}
	copy(s.sig[:], got)
	return s, nil
}

// signed is a verified signature and the moment a replay of it would be
// refused as stale anyway.
type signed struct {
	sig     [sha256.Size]byte
	expires time.Time
}

// parseUnix accepts only plain decimal digits, so that the timestamp
// signed is the one checked ("+1700000000" or " 1" are refused).
func parseUnix(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, errors.New("bad length")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("not a digit")
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
