package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/go-telegram/bot/models"

	"dutybot/config"
	"dutybot/coverage"
	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
)

// maxReplyChars bounds one reply listing problems, below Telegram's 4096.
const maxReplyChars = 3800

// errStore marks an import that failed storing rather than on the file.
var errStore = errors.New("storing the roster failed")

// maxProblemReplies bounds how many messages list a file's problems.
const maxProblemReplies = 8

// onDocument handles a file sent to the bot: admins import rosters this
// way, in a private chat. Anything else gets a clear answer and changes
// nothing.
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
	if d.FileSize > coverage.MaxFileSize {
		b.reply(c, b.t(c, "RosterImportTooBig", map[string]any{"File": name, "Size": megabytes(d.FileSize),
			"Max": megabytes(coverage.MaxFileSize)}))
		return
	}
	if b.Coverage == nil {
		b.Log.Error("roster import in chat: no coverage checker wired")
		b.reply(c, b.t(c, "RosterImportInternal", data))
		return
	}
	content, err := b.download(ctx, d.FileID, coverage.MaxFileSize)
	var big *fileTooBigError
	switch {
	case errors.As(err, &big):
		b.reply(c, b.t(c, "RosterImportTooBig", map[string]any{"File": name, "Size": megabytes(big.size),
			"Max": megabytes(coverage.MaxFileSize)}))
		return
	case err != nil:
		b.Log.Warn("roster import in chat: download failed", "official", c.official.ID, "file", name, "err", err)
		b.reply(c, b.t(c, "RosterImportDownloadFailed", data))
		return
	}
	shifts, err := coverage.Parse(name, content, b.Config)
	if err != nil {
		b.importFailed(c, name, err)
		return
	}
	out, err := b.Coverage.Import(shifts, c.official.ID, name)
	var conflict *rota.ConflictError
	if err != nil && !errors.As(err, &conflict) {
		err = fmt.Errorf("%w: %w", errStore, err)
	}
	if err != nil {
		b.importFailed(c, name, err)
		return
	}
	b.Log.Info("roster imported in chat", "official", c.official.ID, "file", name, "added", out.Added,
		"replaced", out.Replaced, "gaps", len(out.Gaps))
	loc := b.Config.Location
	text := b.t(c, "RosterImportDone", map[string]any{"File": name, "Added": out.Added, "Replaced": out.Replaced,
		"From": out.From.In(loc).Format("2006-01-02 15:04"), "To": out.To.In(loc).Format("2006-01-02 15:04")})
	text += "\n\n" + b.t(c, "RosterImportGapsHeader", map[string]any{"DayStarts": b.Config.Roster.DayStarts}) +
		"\n" + b.Coverage.GapList(c.lang, out.Gaps, maxReplyChars-len([]rune(text))-200)
	b.reply(c, text)
}

// importFailed answers a roster that was not imported: every bad row,
// every clash, or why the file could not be read.
func (b *Bot) importFailed(c caller, name string, err error) {
	var rows roster.Errors
	var conflict *rota.ConflictError
	switch {
	case errors.As(err, &rows):
		lines := make([]string, len(rows))
		for i, re := range rows {
			id := "RosterImportRow"
			if re.Column == "" {
				id = "RosterImportRowWhole"
			}
			lines[i] = b.t(c, id, map[string]any{"Row": re.Row, "Column": re.Column, "Error": re.Err.Error()})
		}
		b.replyLines(c, b.t(c, "RosterImportBadRows", map[string]any{"File": name, "Count": len(rows)}),
			b.t(c, "RosterImportBadRowsMore", map[string]any{"File": name}), lines)
	case errors.As(err, &conflict):
		b.replyLines(c, b.t(c, "RosterImportConflict", map[string]any{"File": name}),
			b.t(c, "RosterImportBadRowsMore", map[string]any{"File": name}), conflict.Conflicts)
	case errors.Is(err, errStore):
		b.Log.Error("roster import in chat", "official", c.official.ID, "file", name, "err", err)
		b.reply(c, b.t(c, "RosterImportInternal", map[string]any{"File": name}))
	default:
		// Unreadable file, no header row, a missing column…
		b.reply(c, b.t(c, "RosterImportFailed", map[string]any{"File": name, "Error": err.Error()}))
	}
}

// replyLines sends header and lines in as few messages as fit Telegram's
// limit, each later one starting with more; past maxProblemReplies messages
// the rest is counted rather than listed.
func (b *Bot) replyLines(c caller, header, more string, lines []string) {
	var jobs []storage.Job
	cur := header
	for i, l := range lines {
		if len([]rune(cur))+len([]rune(l))+1 > maxReplyChars {
			if len(jobs)+1 == maxProblemReplies {
				cur += "\n" + b.t(c, "RosterImportMoreProblems", map[string]any{"Count": len(lines) - i})
				break
			}
			jobs = append(jobs, b.replyJob(c, cur))
			cur = more
		}
		cur += "\n" + l
	}
	jobs = append(jobs, b.replyJob(c, cur))
	b.send(jobs...)
}

func (b *Bot) replyJob(c caller, text string) storage.Job {
	return storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: text,
		Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}}
}

// megabytes formats a size for people, rounded up to a tenth: "12.5 MB";
// a file just over the limit never shows as the limit itself.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", math.Ceil(float64(n)*10/(1<<20))/10)
}
