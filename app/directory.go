package app

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"

	"dutybot/config"
	"dutybot/directory"
	"dutybot/storage"
)

// formerBucket keeps the officials reloads removed, by id (config.Official
// as JSON): alerts raised before still call them, and after a restart too
// their names are shown and their silence escalates through their unit.
const formerBucket = "directory_former"

// keepFormer stores the officials a reload removed and forgets those it
// brought back.
func (a *App) keepFormer(ch config.Change) error {
	if len(ch.Removed)+len(ch.Added) == 0 {
		return nil
	}
	return a.DB.Update(func(tx *storage.Tx) error {
		r := tx.Records(formerBucket)
		for _, id := range ch.Added {
			if r.Has([]byte(id)) {
				if err := r.Delete([]byte(id)); err != nil {
					return err
				}
			}
		}
		for _, id := range ch.Removed {
			o, ok := a.Config.KnownOfficial(id)
			if !ok {
				continue
			}
			if err := r.Put([]byte(id), o); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadFormer makes the officials earlier reloads removed known again at
// start (config.KeepFormer).
func loadFormer(db *storage.DB, cfg *config.Config, log *slog.Logger) error {
	var list []config.Official
	err := db.View(func(tx *storage.Tx) error {
		return tx.Records(formerBucket).Scan(nil, nil, func(k, raw []byte) error {
			var o config.Official
			if err := json.Unmarshal(raw, &o); err != nil {
				// Only names and units for messages are lost: go on.
				log.Warn("a removed official's record does not decode; their running alerts show the id", "official", string(k), "err", err)
				return nil
			}
			list = append(list, o)
			return nil
		})
	})
	if err != nil || len(list) == 0 {
		return err
	}
	cfg.KeepFormer(list)
	return nil
}

// maxNamesTold bounds the names of removed people listed to the admins.
const maxNamesTold = 10

// ReloadDirectory reads the 通讯录 of directory.file again and, when every
// row is right, makes it the directory (SIGHUP, `dutybot directory reload`
// and POST /api/v1/directory/reload come here). Services read the
// directory when they use it, and those that keep something computed from
// it (the duty plan's owers, the board) notice that it was replaced, so
// only the configured Telegram ids are bound again here. Alerts already
// raised keep their recipients; a removed recipient's answer and
// escalation still work (KnownOfficial). A refused file changes nothing:
// the error lists its problems by row. The admins are told of a change in
// one message.
func (a *App) ReloadDirectory() (config.Change, error) {
	ch, err := a.Config.ReloadDirectory()
	if err != nil {
		if errors.Is(err, config.ErrNoDirectoryFile) {
			a.log.Warn("directory reload asked, but the configuration names no 通讯录 (directory.file)")
			return ch, err
		}
		problems := config.Problems(err)
		shown := problems[:min(len(problems), directory.MaxListed)]
		a.log.Error("directory reload refused: the directory in use is unchanged", "file", a.Config.Directory.File,
			"problems", len(problems), "err", strings.Join(shown, "\n"))
		return ch, err
	}
	a.log.Info("directory reloaded", "file", a.Config.Directory.File, "officials", ch.Officials, "units", ch.Units,
		"added", len(ch.Added), "removed", len(ch.Removed), "changed", len(ch.Changed),
		"units_added", len(ch.UnitsAdded), "units_removed", len(ch.UnitsRemoved), "heads", len(ch.Heads))
	if err := a.Engine.Prebind(); err != nil {
		a.log.Error("bind the configured Telegram ids after a directory reload", "err", err)
	}
	if err := a.keepFormer(ch); err != nil {
		a.log.Error("keep the officials the reload removed; after a restart their running alerts escalate by id", "err", err)
	}
	if ch.Empty() {
		return ch, nil
	}
	var removed []string
	for _, id := range ch.Removed[:min(len(ch.Removed), maxNamesTold)] {
		removed = append(removed, a.Config.OfficialName(id))
	}
	names := strings.Join(removed, "、")
	if len(ch.Removed) > maxNamesTold {
		names += "…"
	}
	data := map[string]any{"File": a.Config.Directory.File, "Officials": ch.Officials, "Units": ch.Units,
		"Added": len(ch.Added), "Removed": len(ch.Removed), "Changed": len(ch.Changed), "RemovedNames": names,
		"UnitsAdded": len(ch.UnitsAdded), "UnitsRemoved": len(ch.UnitsRemoved), "Heads": len(ch.Heads),
		"UnitsChanged": len(ch.UnitsAdded)+len(ch.UnitsRemoved)+len(ch.Heads) > 0}
	err = a.Engine.TellAdmins(func(lang string) string { return a.Catalog.T(lang, "AdminDirectoryReloaded", data) })
	if err != nil {
		a.log.Error("tell the admins of the directory reload", "err", err)
	}
	return ch, nil
}
