package board

import (
	"path/filepath"
	"testing"
	"time"

	"dutybot/storage"
)

func TestSessionSignOuts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	revoked := func(id string) bool {
		var r bool
		if err := db.View(func(tx *storage.Tx) error { r = sessionRevoked(tx, id); return nil }); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// A database that never signed anyone out has no bucket: read-only
	// transactions must still answer.
	if revoked("s1") {
		t.Fatal("revoked before any sign-out")
	}
	revoke := func(id string, expires, at time.Time) {
		t.Helper()
		if err := db.Update(func(tx *storage.Tx) error { return revokeSession(tx, id, expires, at) }); err != nil {
			t.Fatal(err)
		}
	}
	revoke("s1", now.Add(time.Hour), now)
	revoke("s2", now.Add(12*time.Hour), now)
	if !revoked("s1") || !revoked("s2") || revoked("s3") {
		t.Fatalf("s1 %v s2 %v s3 %v", revoked("s1"), revoked("s2"), revoked("s3"))
	}
	// Once s1 has expired anyway, the next sign-out forgets it.
	revoke("s3", now.Add(13*time.Hour), now.Add(time.Hour))
	if revoked("s1") || !revoked("s2") || !revoked("s3") {
		t.Fatalf("after pruning: s1 %v s2 %v s3 %v", revoked("s1"), revoked("s2"), revoked("s3"))
	}
	// It survives a reopen.
	db.Close()
	if db, err = storage.Open(path); err != nil {
		t.Fatal(err)
	}
	if !revoked("s2") {
		t.Error("a sign-out was lost on reopen")
	}
}
