package storage

// Opening a database file that may be damaged: bbolt trusts its file and
// panics, or faults on memory past the end of a truncated file, when the
// file is not what it wrote. Open turns every such failure into an error
// that names the file and the way back (restoring a backup), and refuses
// to take an empty file for a new database unless asked to.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is returned, wrapped with what is wrong, by Open and
// OpenReadOnly when the file is not a whole bbolt database: truncated,
// overwritten with zeros, or with flipped bits in its structure.
var ErrDamaged = errors.New("the database file is damaged")

// ErrEmptyFile is returned, wrapped, by Open when the file exists but holds
// nothing: a database that was lost (a failed copy, a full disk) must not
// silently become a new, empty one.
var ErrEmptyFile = errors.New("the database file is empty (0 bytes)")

// RestoreHint tells an operator what to do about a damaged database; the
// README's section of that name walks through it.
const RestoreHint = `stop here and restore the latest backup: see "Restore from backup" in README.md ` +
	`(keep the damaged file aside for inspection)`

// Options adjusts Open.
type Options struct {
	// Create lets Open start a new, empty database in an existing empty
	// (0-byte) file. Without it such a file is refused with ErrEmptyFile;
	// a missing file is always created.
	Create bool
	// NoCheck skips reading every page of the file at open (CheckPages).
	NoCheck bool
	// ReadOnly opens the file without changing it, as OpenReadOnly does;
	// Create is then ignored.
	ReadOnly bool
	// NoWait fails with ErrLocked at once when another process holds the
	// file, instead of waiting up to LockWait for it to let go. The
	// command-line tools set it: when the running dutybot holds the file
	// they ask it over its HTTP API, and waiting would only delay that.
	NoWait bool
}

// LockWait is how long Open waits for another process to release the
// file's lock (a dutybot still shutting down while the next one starts)
// before it fails with ErrLocked. A lock is held by an open file of a
// live process: the system releases it when the process ends, however it
// ends, so no lock outlives a crashed dutybot.
const LockWait = 2 * time.Second

// lockTimeout is bbolt's lock timeout for o. bbolt tries the lock, then
// retries every 50 ms until its timeout is less than a retry step away: a
// timeout of a nanosecond is one try and no sleep (bbolt's zero would
// wait for ever).
func (o Options) lockTimeout() time.Duration {
	if o.NoWait {
		return time.Nanosecond
	}
	return LockWait
}

// OpenWith is Open with options.
func OpenWith(path string, o Options) (*DB, error) {
	if o.ReadOnly {
		return openReadOnly(path, o)
	}
	fi, err := os.Stat(path)
	created := errors.Is(err, os.ErrNotExist)
	if err == nil && fi.Size() == 0 && !o.Create {
		return nil, fmt.Errorf("open storage %s: %w, but a database is expected there: if dutybot's data was lost, %s; "+
			"to start a new, empty database in it on purpose, run dutybot with -init-db (or delete the file)", path, ErrEmptyFile, RestoreHint)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open storage %s: %w", path, err)
		}
	}
	// A large initial mapping (address space, not memory) spares the
	// remapping bbolt does each time the file outgrows its mapping: a
	// remap re-reads every node the transaction holds, a quarter of the
	// time to store an alert to 100,000 officials. The file itself grows
	// by what is written and a small allocation ahead (growBy), not to the
	// mapping's size.
	b, err := openBolt(path, &bolt.Options{Timeout: o.lockTimeout(), InitialMmapSize: initialMmap}, !o.NoCheck)
	if err == nil {
		b.AllocSize = growBy
	}
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open storage %s: %w (is another dutybot running?)", path, ErrLocked)
		}
		return nil, damaged(path, err)
	}
	db := &DB{bolt: b, path: path, created: created || (fi != nil && fi.Size() == 0)}
	if err := guard(db.init); err != nil {
		b.Close()
		return nil, damaged(path, err)
	}
	return db, nil
}

// initialMmap is the address space a writable file is mapped with at
// first; growBy is how far ahead of its data the file grows.
const (
	initialMmap = 1 << 30
	growBy      = 1 << 20
)

// Created reports whether Open started a new, empty database rather than
// opening one that was there.
func (db *DB) Created() bool { return db.created }

// openBolt opens path with bbolt, turning a damaged file into ErrDamaged
// instead of a panic or a fatal memory fault: it checks the file's length
// against what its metadata says before bbolt maps it, recovers bbolt's
// panics, and with check reads every page (CheckPages).
func openBolt(path string, bo *bolt.Options, check bool) (b *bolt.DB, err error) {
	if err := checkLength(path); err != nil {
		return nil, err
	}
	var file *os.File
	bo.OpenFile = func(name string, flag int, mode os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, mode)
		file = f
		return f, err
	}
	err = guard(func() error {
		var err error
		b, err = bolt.Open(path, 0o600, bo)
		return err
	})
	if errors.Is(err, ErrDamaged) {
		if file != nil {
			file.Close() // bbolt did not get to: this releases its lock
		}
		return nil, err
	}
	if err != nil {
		if errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrChecksum) || errors.Is(err, bolt.ErrVersionMismatch) {
			return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
		}
		return nil, err
	}
	if check {
		if err := guard(func() error { return b.View(CheckPages) }); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// guard runs fn, turning a bbolt panic or a memory fault in the mapped
// file into ErrDamaged.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return fn()
}

// damaged wraps err from Open as a message for an operator.
func damaged(path string, err error) error {
	if errors.Is(err, ErrDamaged) {
		return fmt.Errorf("open storage %s: %w; dutybot cannot use it: %s", path, err, RestoreHint)
	}
	return fmt.Errorf("open storage %s: %w", path, err)
}

// CheckPages reads every key of every bucket, so every branch and leaf
// page in use is visited and bbolt checks that each is the page it should
// be. It panics, as bbolt does, on a damaged page: run it under guard. (bbolt's
// own tx.Check runs in a goroutine of its own, where such a panic cannot be
// recovered and ends the process.)
func CheckPages(tx *bolt.Tx) error {
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walkBucket(b) })
}

func walkBucket(b *bolt.Bucket) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				if err := walkBucket(nb); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Layout of a bbolt meta page (go.etcd.io/bbolt internal/common): a 16-byte
// page header, then magic, version, page size, flags (4 bytes each), the
// root bucket (16), the freelist page, the high-water page id, the
// transaction id and an FNV-64a checksum of everything before it (8 each).
const (
	metaOffset   = 16
	metaMagic    = 0xED0CDAED
	metaSumStart = 56 // bytes of the meta the checksum covers
)

// checkLength reports a file shorter than the pages its newest valid meta
// page says it holds: a truncated copy, which bbolt would map and fault on.
// A file whose meta pages do not parse is left to bbolt to judge.
func checkLength(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // bbolt reports it, or creates the file
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	var best struct {
		ok         bool
		txid, need uint64
	}
	pageSize := uint64(os.Getpagesize())
	for i := range 2 {
		buf := make([]byte, metaOffset+metaSumStart+8)
		off := int64(i) * int64(pageSize) // the first meta tells the page size
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			continue
		}
		m := buf[metaOffset:]
		le := binary.LittleEndian
		if le.Uint32(m[0:]) != metaMagic {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:metaSumStart])
		if h.Sum64() != le.Uint64(m[metaSumStart:]) {
			continue
		}
		ps, pgid, txid := uint64(le.Uint32(m[8:])), le.Uint64(m[40:]), le.Uint64(m[48:])
		if i == 0 {
			pageSize = ps
		}
		if need := pgid * ps; !best.ok || txid > best.txid {
			best.ok, best.txid, best.need = true, txid, need
		}
	}
	if best.ok && uint64(fi.Size()) < best.need {
		return fmt.Errorf("%w: it is truncated: the file has %d bytes, the database written in it needs %d",
			ErrDamaged, fi.Size(), best.need)
	}
	return nil
}

// ViewGuarded is View for tools that read a whole file which may be
// damaged (ledger verify): a bbolt panic or a memory fault on a damaged page
// is returned as ErrDamaged instead of ending the process.
func (db *DB) ViewGuarded(fn func(*Tx) error) error {
	return guard(func() error { return db.View(fn) })
}
