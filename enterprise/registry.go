package enterprise

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"dutybot/clock"
	"dutybot/config"
	"dutybot/storage"
)

// Registry is the stored registry: imports replace it whole, readers list
// it and check it against the configuration.
type Registry struct {
	cfg   *config.Config
	db    *storage.DB
	clock clock.Clock
	log   *slog.Logger
}

// New returns the registry of db.
func New(cfg *config.Config, db *storage.DB, clk clock.Clock, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.Default()
	}
	return &Registry{cfg: cfg, db: db, clock: clk, log: log}
}

// Result is what an import did.
type Result struct {
	File     string `json:"file"`
	Count    int    `json:"count"`    // enterprises stored
	Replaced int    `json:"replaced"` // enterprises the registry held before
	// Added, Changed and Removed compare the file with the registry it
	// replaced, by 信用代码 (Diff).
	Added    int       `json:"added"`
	Changed  int       `json:"changed"`
	Removed  int       `json:"removed"`
	Warnings []Warning `json:"warnings"`
}

// Import replaces the whole registry with list (as a parse function
// returned it: checked, codes unique) in one transaction with the event
// that records it; actor is who imported it ("cli", "api" or an official
// id), file the file's name. An enterprise left out of the file leaves the
// registry: the file is the registry.
func (r *Registry) Import(list []Enterprise, actor, file string) (Result, error) {
	now := r.clock.Now()
	for i := range list {
		list[i].Source, list[i].ImportedAt = "import:"+file, now
	}
	var replaced int
	var d Changes
	err := r.db.Update(func(tx *storage.Tx) error {
		old, err := All(tx)
		if err != nil {
			return err
		}
		d = Diff(old, list)
		if replaced, err = Replace(tx, list); err != nil {
			return err
		}
		return tx.AppendEvent(storage.Event{At: now, Type: EvImported, Actor: actor,
			Detail: fmt.Sprintf("%s: %d enterprises, %d replaced", file, len(list), replaced),
			Code:   storage.CodeEnterprisesImported,
			Args:   []storage.Arg{storage.Text("Source", file), storage.Int("Count", len(list)), storage.Int("Replaced", replaced)}})
	})
	if err != nil {
		return Result{}, fmt.Errorf("import enterprises from %s: %w", file, err)
	}
	r.log.Info("enterprise registry imported", "file", file, "actor", actor, "count", len(list), "replaced", replaced)
	return Result{File: file, Count: len(list), Replaced: replaced, Added: d.Added, Changed: d.Changed, Removed: d.Removed,
		Warnings: Check(r.cfg, list)}, nil
}

// List returns the stored registry, by 信用代码.
func (r *Registry) List() ([]Enterprise, error) {
	var list []Enterprise
	err := r.db.View(func(tx *storage.Tx) error {
		var err error
		list, err = All(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the enterprise registry: %w", err)
	}
	return list, nil
}

// Get returns one enterprise of the registry by its 信用代码; ok is false
// for one the registry does not hold.
func (r *Registry) Get(code string) (Enterprise, bool, error) {
	var e Enterprise
	err := r.db.View(func(tx *storage.Tx) error {
		var err error
		e, err = Load(tx, code)
		return err
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return e, false, nil
	case err != nil:
		return e, false, fmt.Errorf("read enterprise %s: %w", code, err)
	}
	return e, true, nil
}

// Warnings checks the stored registry against the configuration (Check).
func (r *Registry) Warnings() ([]Enterprise, []Warning, error) {
	list, err := r.List()
	if err != nil {
		return nil, nil, err
	}
	return list, Check(r.cfg, list), nil
}

// WarnAtStart logs the stored registry's warnings, so that an official
// removed from the configuration who is still on plaques is noticed when
// the bot starts with the new configuration.
func (r *Registry) WarnAtStart() {
	list, warns, err := r.Warnings()
	if err != nil {
		r.log.Error("check the enterprise registry", "err", err)
		return
	}
	for _, w := range warns {
		r.log.Warn("enterprise registry: "+w.String(), "kind", w.Kind, "enterprises", strconv.Itoa(len(list)))
	}
}

// ExportXLSX returns the stored registry as a workbook and how many
// enterprises it holds.
func (r *Registry) ExportXLSX() ([]byte, int, error) {
	list, err := r.List()
	if err != nil {
		return nil, 0, err
	}
	data, err := Export(list, r.cfg)
	return data, len(list), err
}
