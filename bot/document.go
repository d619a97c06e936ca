package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/config"
	"dutybot/coverage"
	"dutybot/enterprise"
	"dutybot/roster"
	"dutybot/rota"
)

// maxReplyChars bounds one reply listing problems, in UTF-16 units as
// Telegram counts them, below its 4,096.
const maxReplyChars = 3800

// maxProblemLines bounds the problems one reply lists; the rest are
// counted, so the answer to a file with thousands of bad rows is one
// message.
const maxProblemLines = 20

// maxLineChars bounds one listed problem.
const maxLineChars = 300

// errStore marks an import that failed storing rather than on the file.
var errStore = errors.New("storing the import failed")

// onDocument handles a file sent to the bot: admins import rosters and the
// 挂牌企业台账 this way, in a private chat; which of the two a file is, is
// told from its content once it is fetched (importDocument). Anything
// else gets a clear answer and changes nothing. The file is fetched,
// checked and imported by the import queue (document_queue.go), not on the
// chat's update shard, so a slow or hostile file holds up no other chat;
// the sender hears "checking" at once and the result when it is done.
func (b *Bot) onDocument(ctx context.Context, c caller, m *models.Message) {
	d := m.Document
	name := strings.TrimSpace(d.FileName)
	if name == "" {
		name = "?"
	}
	format := coverage.FileFormat(name)
	data := map[string]any{"File": name}
	if !c.private {
		// Work groups share spreadsheets all day: answer only files that
		// look like rosters, and import nothing.
		if format != "" {
			b.reply(c, b.t(c, "RosterImportPrivateOnly", nil))
		}
		return
	}
	if !c.bound {
		b.replyStart(c)
		return
	}
	if !c.official.HasRole(config.RoleAdmin) {
		b.reply(c, b.t(c, "RosterImportAdminsOnly", nil))
		return
	}
	switch format {
	case "":
		b.reply(c, b.t(c, "RosterImportUnsupported", data))
		return
	case coverage.FormatOld:
		b.reply(c, b.t(c, "RosterImportOldFormat", data))
		return
	}
	limits := roster.Limits(b.Config)
	if limit := int64(limits.MaxFileSize); d.FileSize > limit {
		b.reply(c, b.t(c, "RosterImportTooBig", map[string]any{"File": name, "Size": megabytes(d.FileSize),
			"Max": megabytes(limit)}))
		return
	}
	if b.Coverage == nil {
		b.Log.Error("roster import in chat: no coverage checker wired")
		b.reply(c, b.t(c, "RosterImportInternal", data))
		return
	}
	fileID := d.FileID
	release := holdUpdate(ctx)
	accepted := b.imports.submit(limits.Workers, c.chatID,
		func() { b.reply(c, b.t(c, "RosterImportChecking", data)) },
		func() {
			// Cut short by a stop, the file stays in the inbox and is
			// imported at the next start.
			if b.importDocument(ctx, c, fileID, name) {
				release()
			}
		})
	if !accepted {
		release()
		b.Log.Warn("roster import in chat: queue full", "official", c.official.ID, "file", name)
		b.reply(c, b.t(c, "RosterImportBusy", data))
	}
}

// importDocument fetches, checks and imports a roster or registry file
// sent in chat, and answers the sender. It runs in the import queue. It
// reports false when a stop cut it short before anything was imported or
// answered.
func (b *Bot) importDocument(ctx context.Context, c caller, fileID, name string) bool {
	data := map[string]any{"File": name}
	limit := int64(roster.Limits(b.Config).MaxFileSize)
	content, err := b.download(ctx, fileID, limit)
	var big *fileTooBigError
	switch {
	case err != nil && ctx.Err() != nil:
		b.Log.Warn("roster import in chat: stopped by shutdown; the file is imported at the next start", "official", c.official.ID, "file", name)
		return false
	case errors.As(err, &big):
		b.reply(c, b.t(c, "RosterImportTooBig", map[string]any{"File": name, "Size": megabytes(big.size),
			"Max": megabytes(limit)}))
		return true
	case err != nil:
		b.Log.Warn("roster import in chat: download failed", "official", c.official.ID, "file", name, "err", err)
		b.reply(c, b.t(c, "RosterImportDownloadFailed", data))
		return true
	}
	start := time.Now()
	if b.Enterprises != nil {
		if list, ok, err := enterprise.ParseIfRegistry(name, content, b.Config); ok {
			b.importRegistry(c, name, list, err, start)
			return true
		}
	}
	shifts, err := coverage.Parse(name, content, b.Config)
	if err != nil {
		b.Log.Info("roster import in chat: file refused", "official", c.official.ID, "file", name,
			"took", time.Since(start).Round(time.Millisecond), "err", clipLog(err))
		b.importFailed(c, name, err)
		return true
	}
	out, err := b.Coverage.Import(shifts, c.official.ID, name)
	var conflict *rota.ConflictError
	if err != nil && !errors.As(err, &conflict) {
		err = fmt.Errorf("%w: %w", errStore, err)
	}
	if err != nil {
		b.importFailed(c, name, err)
		return true
	}
	b.Log.Info("roster imported in chat", "official", c.official.ID, "file", name, "added", out.Added,
		"replaced", out.Replaced, "gaps", len(out.Gaps), "took", time.Since(start).Round(time.Millisecond))
	loc := b.Config.Location
	text := b.t(c, "RosterImportDone", map[string]any{"File": name, "Added": out.Added, "Replaced": out.Replaced,
		"From": out.From.In(loc).Format("2006-01-02 15:04"), "To": out.To.In(loc).Format("2006-01-02 15:04")})
	text += "\n\n" + b.t(c, "RosterImportGapsHeader", map[string]any{"DayStarts": b.Config.Roster.DayStarts}) +
		"\n" + b.Coverage.GapList(c.lang, out.Gaps, maxReplyChars-len([]rune(text))-200)
	b.reply(c, text)
	return true
}

// clipLog shortens an error for the log: a list of problems is long.
func clipLog(err error) string {
	s := err.Error()
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}

// importFailed answers a roster that was not imported: its first bad rows
// and how many more, its first clashes, the limit it went over, or why the
// file could not be read. The answer is one message.
func (b *Bot) importFailed(c caller, name string, err error) {
	var conflict *rota.ConflictError
	if errors.As(err, &conflict) {
		b.replyLines(c, b.t(c, "RosterImportConflict", map[string]any{"File": name}), conflict.Conflicts, len(conflict.Conflicts),
			"RosterImportMoreProblems")
		return
	}
	b.fileRefused(c, "RosterImport", "roster", name, err)
}

// fileRefused answers an import file refused whole (a roster, the
// registry): its first bad rows and how many more, the limit it went over,
// or why it could not be read, in one message whose words are those of
// the locale ids starting with prefix (RosterImport…, EnterpriseImport…).
func (b *Bot) fileRefused(c caller, prefix, what, name string, err error) {
	var rows roster.Errors
	var limit *roster.LimitError
	switch {
	case errors.As(err, &rows):
		lines := make([]string, len(rows.List))
		for i, re := range rows.List {
			lines[i] = re.Text(b.Catalog, c.lang)
		}
		b.replyLines(c, b.t(c, prefix+"BadRows", map[string]any{"File": name, "Count": rows.Total}), lines, rows.Total,
			"RosterImportMoreProblems")
	case errors.As(err, &limit):
		b.reply(c, b.limitText(c, prefix, name, limit))
	case errors.Is(err, errStore):
		b.Log.Error(what+" import in chat", "official", c.official.ID, "file", name, "err", err)
		b.reply(c, b.t(c, prefix+"Internal", map[string]any{"File": name}))
	default:
		// Unreadable file, no header row, a missing column…
		text := clipLog(err)
		if p := (*roster.Problem)(nil); errors.As(err, &p) {
			text = roster.Text(b.Catalog, c.lang, p)
		}
		b.reply(c, b.t(c, prefix+"Failed", map[string]any{"File": name, "Error": text}))
	}
}

// limitText tells the sender which limit of roster.import the file went
// over, in the messages of kind ("RosterImport", "EnterpriseImport").
func (b *Bot) limitText(c caller, kind, name string, e *roster.LimitError) string {
	data := map[string]any{"File": name, "Max": e.Max, "Key": "roster.import." + e.Key}
	id := map[string]string{
		roster.LimitRows:         "LimitRows",
		roster.LimitCells:        "LimitCells",
		roster.LimitMergedRanges: "LimitMerged",
		roster.LimitUnzippedSize: "LimitUnzipped",
		roster.LimitTimeout:      "LimitTime",
	}[e.Key]
	if id != "" {
		id = kind + id
	}
	switch e.Key {
	case roster.LimitFileSize:
		return b.t(c, kind+"TooBig", map[string]any{"File": name, "Size": "> " + megabytes(e.Max), "Max": megabytes(e.Max)})
	case roster.LimitUnzippedSize:
		data["Max"] = megabytes(e.Max)
	case roster.LimitTimeout:
		data["Max"] = time.Duration(e.Max).String()
	case "":
		id = ""
	}
	if id == "" {
		return b.t(c, kind+"Failed", map[string]any{"File": name, "Error": e.Error()})
	}
	return b.t(c, id, data)
}

// replyLines sends header and the first lines in one message within
// Telegram's limit, at most maxProblemLines of them, and counts the rest
// of total with the message more.
func (b *Bot) replyLines(c caller, header string, lines []string, total int, more string) {
	text, n := header, 0
	for _, l := range lines {
		if r := []rune(l); len(r) > maxLineChars {
			l = string(r[:maxLineChars-1]) + "…"
		}
		if n == maxProblemLines || utf16Len(text)+1+utf16Len(l) > maxReplyChars-200 {
			break
		}
		text += "\n" + l
		n++
	}
	if rest := total - n; rest > 0 {
		text += "\n" + b.t(c, more, map[string]any{"Count": rest})
	}
	b.reply(c, text)
}

// megabytes formats a size for people, rounded up to a tenth: "12.5 MB";
// a file just over the limit never shows as the limit itself.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", math.Ceil(float64(n)*10/(1<<20))/10)
}
