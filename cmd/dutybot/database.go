package main

import (
	"errors"

	"dutybot/storage"
)

// How a command reaches the database. The running dutybot holds the file
// (bbolt's lock on it); a command then asks the bot over its HTTP API. The
// command tries the lock once and does not wait for it (storage's
// NoWait): waiting could only delay the answer, as a bot that holds the
// file keeps holding it. A lock is held by an open file of a live process,
// so a bot that crashed leaves none behind, and the command then works on
// the file directly.

// cli is what the commands that use the database share: how they open it,
// so that a test can watch every attempt.
type cli struct {
	// open opens the database: storage.OpenWith, or a test's spy.
	open func(path string, o storage.Options) (*storage.DB, error)
}

// newCLI returns the commands as they run for real.
func newCLI() cli { return cli{open: storage.OpenWith} }

// openDirect opens the database at path for a command (read-only for
// one that only reads), or reports held when another process holds it:
// the running dutybot, to be asked over its API instead.
func (c cli) openDirect(path string, readOnly bool) (db *storage.DB, held bool, err error) {
	db, err = c.open(path, storage.Options{ReadOnly: readOnly, NoWait: true})
	if errors.Is(err, storage.ErrLocked) {
		return nil, true, nil
	}
	return db, false, err
}

// held reports whether another process holds the database at path, for a
// command that opens the database itself afterwards (through app.New). A
// missing, empty or damaged file is not held; the command's own open then
// creates it or says what is wrong.
func (c cli) held(path string) bool {
	db, err := c.open(path, storage.Options{ReadOnly: true, NoWait: true, NoCheck: true})
	if err != nil {
		return errors.Is(err, storage.ErrLocked)
	}
	db.Close()
	return false
}
