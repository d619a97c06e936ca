package board

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := start
	link := Token{Purpose: PurposeLink, Official: "o-liu", Expires: now.Add(15 * time.Minute)}
	good := link.Sign(secret)
	// flip changes one character of the part at index i of a token.
	flip := func(tok string, i int) string {
		parts := strings.Split(tok, ".")
		b := []byte(parts[i])
		if b[2] == 'A' {
			b[2] = 'B'
		} else {
			b[2] = 'A'
		}
		parts[i] = string(b)
		return strings.Join(parts, ".")
	}
	forged := Token{Purpose: PurposeLink, Official: "o-zhang", Expires: now.Add(time.Hour)}
	// Another official's payload under the leader's signature.
	swapped := strings.Split(forged.Sign(secret), ".")[0] + "." + strings.Split(good, ".")[1]
	tests := []struct {
		name    string
		token   string
		purpose string
		at      time.Time
		secret  []byte
		want    error
	}{
		{"valid", good, PurposeLink, now, secret, nil},
		{"valid until the last second", good, PurposeLink, now.Add(15*time.Minute - time.Second), secret, nil},
		{"expired", good, PurposeLink, now.Add(15 * time.Minute), secret, ErrExpired},
		{"other purpose", good, PurposeSession, now, secret, ErrBadToken},
		{"other secret", good, PurposeLink, now, []byte("another secret of thirty-two by."), ErrBadToken},
		{"payload tampered", flip(good, 0), PurposeLink, now, secret, ErrBadToken},
		{"signature tampered", flip(good, 1), PurposeLink, now, secret, ErrBadToken},
		{"payload swapped", swapped, PurposeLink, now, secret, ErrBadToken},
		{"no signature", strings.Split(good, ".")[0], PurposeLink, now, secret, ErrBadToken},
		{"empty", "", PurposeLink, now, secret, ErrBadToken},
		{"garbage", "%%%.###", PurposeLink, now, secret, ErrBadToken},
		{"too long", good + strings.Repeat("A", 1100), PurposeLink, now, secret, ErrBadToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Verify(tc.secret, tc.token, tc.purpose, tc.at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %+v, %v; want %v", got, err, tc.want)
			}
			if tc.want == nil && (got.Official != "o-liu" || got.Purpose != PurposeLink || !got.Expires.Equal(link.Expires)) {
				t.Errorf("Verify = %+v, want %+v", got, link)
			}
		})
	}
}

func TestSecretIsMadeOnceAndKept(t *testing.T) {
	f := newFixture(t, Options{})
	again, err := loadSecret(f.db)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 32 || string(again) != string(f.srv.secret) {
		t.Fatalf("second load gave another secret")
	}
	// A link signed before a restart still opens after it.
	link, err := f.srv.Link("o-liu")
	if err != nil {
		t.Fatal(err)
	}
	tok := link[strings.Index(link, "t=")+2:]
	if _, err := Verify(again, tok, PurposeLink, f.clk.Now()); err != nil {
		t.Errorf("link after reload: %v", err)
	}
}

func TestSessionIDs(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	a := Token{Purpose: PurposeSession, Official: "o-liu", Expires: start.Add(time.Hour), ID: newID()}
	b := a
	b.ID = newID()
	if a.ID == b.ID || a.Sign(secret) == b.Sign(secret) {
		t.Fatal("two sessions signed at the same second are the same cookie")
	}
	got, err := Verify(secret, a.Sign(secret), PurposeSession, start)
	if err != nil || got.ID != a.ID || got.Official != a.Official || !got.Expires.Equal(a.Expires) {
		t.Errorf("Verify = %+v, %v; want %+v", got, err, a)
	}
	// A cookie from before sessions had ids still verifies.
	old := Token{Purpose: PurposeSession, Official: "o-liu", Expires: start.Add(time.Hour)}
	if got, err := Verify(secret, old.Sign(secret), PurposeSession, start); err != nil || got.ID != "" || got.Official != "o-liu" {
		t.Errorf("Verify(old) = %+v, %v", got, err)
	}
}
