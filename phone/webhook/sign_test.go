package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignMatchesHMAC(t *testing.T) {
	secret := []byte("s3cret-key")
	body := []byte(`{"call_id":"c1"}`)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("1700000000." + string(body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign(secret, 1700000000, body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("s3cret-key")
	body := []byte(`{"call_id":"c1","result":"pressed"}`)
	now := time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC)
	ts := now.Unix()
	good := Sign(secret, ts, body)
	at := func(d time.Duration) (string, string) {
		t := now.Add(d).Unix()
		return strconv.FormatInt(t, 10), Sign(secret, t, body)
	}
	oldTS, oldSig := at(-5*time.Minute - time.Second)
	edgeTS, edgeSig := at(-5 * time.Minute)
	futTS, futSig := at(5*time.Minute + time.Second)
	nearTS, nearSig := at(4 * time.Minute)
	minTS, minSig := at(-2 * time.Minute)

	cases := []struct {
		name    string
		secret  []byte
		ts, sig string
		body    []byte
		window  time.Duration
		want    error
	}{
		{"good", secret, strconv.FormatInt(ts, 10), good, body, 0, nil},
		{"wrong secret", []byte("other"), strconv.FormatInt(ts, 10), good, body, 0, ErrBadSignature},
		{"tampered body", secret, strconv.FormatInt(ts, 10), good, []byte(`{"call_id":"c2","result":"pressed"}`), 0, ErrBadSignature},
		{"other timestamp", secret, strconv.FormatInt(ts+1, 10), good, body, 0, ErrBadSignature},
		{"missing timestamp", secret, "", good, body, 0, ErrUnsigned},
		{"missing signature", secret, strconv.FormatInt(ts, 10), "", body, 0, ErrUnsigned},
		{"no prefix", secret, strconv.FormatInt(ts, 10), strings.TrimPrefix(good, "sha256="), body, 0, ErrBadSignature},
		{"not hex", secret, strconv.FormatInt(ts, 10), "sha256=zz", body, 0, ErrBadSignature},
		{"short digest", secret, strconv.FormatInt(ts, 10), good[:20], body, 0, ErrBadSignature},
		{"signed plus sign", secret, "+" + strconv.FormatInt(ts, 10), good, body, 0, ErrBadSignature},
		{"timestamp in ms", secret, strconv.FormatInt(now.UnixMilli(), 10), Sign(secret, now.UnixMilli(), body), body, 0, ErrStale},
		{"stale past", secret, oldTS, oldSig, body, 0, ErrStale},
		{"at the window's edge", secret, edgeTS, edgeSig, body, 0, nil},
		{"stale future", secret, futTS, futSig, body, 0, ErrStale},
		{"near future", secret, nearTS, nearSig, body, 0, nil},
		{"narrow window", secret, minTS, minSig, body, time.Minute, ErrStale},
		{"wide window", secret, oldTS, oldSig, body, 10 * time.Minute, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.ts, c.sig, c.body, now, c.window)
			if c.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
}
