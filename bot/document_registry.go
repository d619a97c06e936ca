package bot

import (
	"fmt"
	"time"

	"dutybot/enterprise"
)

// The 挂牌企业台账 sent in chat: an admin sends the registry workbook (the
// template of `dutybot enterprises template`, or the town's own sheet with
// its usual headers, or YAML) as they send a roster, and it goes the same
// way (document.go: admins only, in a private chat, size-limited, fetched
// and checked in the import queue). It replaces the registry all or
// nothing, as `dutybot enterprises import` and POST /api/v1/enterprises
// do: the answer is what it holds now, what changed and its warnings
// (一人承包, plaques naming officials who left), or every bad row, within
// one message.

// importRegistry answers a registry file read by ParseIfRegistry (list or
// err) and, when it is good, imports it.
func (b *Bot) importRegistry(c caller, name string, list []enterprise.Enterprise, err error, start time.Time) {
	if err != nil {
		b.Log.Info("registry import in chat: file refused", "official", c.official.ID, "file", name,
			"took", time.Since(start).Round(time.Millisecond), "err", clipLog(err))
		b.registryFailed(c, name, err)
		return
	}
	res, err := b.Enterprises.Import(list, c.official.ID, name)
	if err != nil {
		b.registryFailed(c, name, fmt.Errorf("%w: %w", errStore, err))
		return
	}
	b.Log.Info("registry imported in chat", "official", c.official.ID, "file", name, "count", res.Count,
		"added", res.Added, "changed", res.Changed, "removed", res.Removed, "warnings", len(res.Warnings),
		"took", time.Since(start).Round(time.Millisecond))
	text := b.t(c, "EnterpriseImportDone", map[string]any{"File": name, "Count": res.Count, "Replaced": res.Replaced,
		"Added": res.Added, "Changed": res.Changed, "Removed": res.Removed})
	if len(res.Warnings) == 0 {
		b.reply(c, text+"\n"+b.t(c, "EnterpriseImportNoWarnings", nil))
		return
	}
	lines := make([]string, len(res.Warnings))
	for i, w := range res.Warnings {
		lines[i] = w.Text(b.Catalog, c.lang)
	}
	b.replyLines(c, text+"\n"+b.t(c, "EnterpriseImportWarnings", map[string]any{"Count": len(lines)}), lines, len(lines),
		"EnterpriseImportMoreWarnings")
}

// registryFailed answers a registry that was not imported: its first bad
// rows and how many more, the limit it went over, or why the file could
// not be read. The answer is one message.
func (b *Bot) registryFailed(c caller, name string, err error) {
	b.fileRefused(c, "EnterpriseImport", "registry", name, err)
}
