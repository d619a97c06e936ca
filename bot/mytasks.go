package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/catalogue"
	"dutybot/storage"
	"dutybot/tasks"
)

// tasksPerPage keeps a /mytasks page well under Telegram's 4096 characters
// and its buttons on one screen.
const tasksPerPage = 8

// section is one group of /mytasks.
type section struct {
	id   string // locale id of the heading
	list []tasks.Item
}

func sections(g tasks.Groups) []section {
	return []section{{"TasksOverdue", g.Overdue}, {"TasksToday", g.Today}, {"TasksWeek", g.Week},
		{"TasksMonth", g.Month}, {"TasksSoon", g.Soon}}
}

// tasksFeature is the duty plan's chat side: /mytasks with its report and
// page buttons, /done, /tasks, /plan and the reminders' acknowledge
// button.
func (b *Bot) tasksFeature() feature {
	task := func(c caller, data string, msgID int) (string, bool) { return b.onTaskButton(c, data, msgID) }
	return feature{name: "tasks",
		commands: []commandRoute{
			{name: "mytasks", handle: func(_ context.Context, c caller, _ command, _ *models.Message) { b.onMyTasks(c, 1, 0) }},
			{name: "done", handle: func(_ context.Context, c caller, cmd command, m *models.Message) {
				b.onDone(c, cmd.args, largestPhoto(m.Photo))
			}},
			{name: "tasks", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onTasks(c, cmd.args) }},
			{name: "plan", handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onPlan(c, cmd.args) }},
		},
		callbacks: []callbackRoute{{prefix: "td:", handle: task}, {prefix: "tq:", handle: task}, {prefix: "tp:", handle: task},
			{prefix: "ra:", handle: func(c caller, data string, _ int) (string, bool) {
				if err := b.Reminders.Ack(b.DB, c.official.ID, data); err != nil {
					return b.t(c, "ToastInvalid", nil), true
				}
				return b.t(c, "ToastReminderAcked", nil), false
			}}},
	}
}

// onMyTasks shows the caller what they owe now, one page at a time: their
// own items first, then their unit's; each point once. With editMsg it
// redraws that message instead of sending a new one.
func (b *Bot) onMyTasks(c caller, page, editMsg int) {
	now := b.Engine.Now()
	g, err := b.Tasks.Mine(c.official.ID, now)
	if err != nil {
		b.Log.Error("list tasks", "official", c.official.ID, "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	type item struct {
		heading string
		it      tasks.Item
	}
	var items []item
	for _, s := range sections(g) {
		for _, it := range s.list {
			items = append(items, item{s.id, it})
		}
	}
	loc := b.Config.Location
	var sb strings.Builder
	sb.WriteString(b.t(c, "TasksHeader", map[string]any{"Name": c.official.Name, "Unit": b.Config.UnitName(c.official.Unit),
		"Date": now.In(loc).Format("01-02")}))
	sb.WriteString("\n" + b.t(c, "TasksCounts", map[string]any{"Overdue": len(g.Overdue), "Today": len(g.Today),
		"Week": len(g.Week), "Month": len(g.Month), "Soon": len(g.Soon)}))
	var buttons [][]storage.Button
	pages := max(1, (len(items)+tasksPerPage-1)/tasksPerPage)
	page = min(max(page, 1), pages)
	if len(items) == 0 {
		sb.WriteString("\n\n" + b.t(c, "TasksNone", nil))
	}
	heading := ""
	for _, it := range items[min((page-1)*tasksPerPage, len(items)):min(page*tasksPerPage, len(items))] {
		if it.heading != heading {
			heading = it.heading
			sb.WriteString("\n\n" + b.t(c, heading, nil))
		}
		sb.WriteString("\n" + b.taskLine(c, it.it, now))
		if b.Tasks.Counted(it.it.Instance) == "" { // counted from records: nothing to press
			buttons = append(buttons, []storage.Button{b.taskButton(c, it.it, page)})
		}
	}
	if pages > 1 {
		buttons = append(buttons, []storage.Button{
			{Text: "◀", Data: "tp:" + strconv.Itoa(max(page-1, 1))},
			{Text: fmt.Sprintf("%d/%d", page, pages), Data: "tp:" + strconv.Itoa(page)},
			{Text: "▶", Data: "tp:" + strconv.Itoa(min(page+1, pages))},
		})
	}
	sb.WriteString("\n\n" + b.t(c, "TasksHint", nil))
	j := storage.Job{ChatID: c.chatID, Op: storage.OpSend, Text: sb.String(), Buttons: buttons,
		Ref: storage.Ref{Kind: storage.RefInfo, Official: c.official.ID}}
	if editMsg != 0 {
		j.Op, j.MessageID = storage.OpEdit, editMsg
		j.Key = fmt.Sprintf("edit:%d:%d", c.chatID, editMsg)
	}
	b.send(j)
}

// ownerMark says whose an item is: the reader's own, their unit's, the
// town's.
func (b *Bot) ownerMark(c caller, it tasks.Item) string {
	switch it.Owner {
	case catalogue.OwnerPerson:
		if it.Official != c.official.ID {
			return b.Config.OfficialName(it.Official)
		}
		return b.t(c, "TaskOwnPerson", nil)
	case catalogue.OwnerTown:
		return b.t(c, "TaskOwnTown", nil)
	}
	return b.t(c, "TaskOwnUnit", map[string]any{"Unit": b.Config.UnitName(it.Unit)})
}

// taskLine is one item of a duty list: point, text, whose, when.
func (b *Bot) taskLine(c caller, it tasks.Item, now time.Time) string {
	loc := b.Config.Location
	when := b.t(c, "TasksDue", map[string]any{"Due": it.Due.In(loc).Format("01-02 15:04")})
	switch {
	case it.Missed > 1:
		when = b.t(c, "TasksMissed", map[string]any{"Count": it.Missed, "Period": it.ShortPeriod()})
	case it.Missed == 1:
		when = b.t(c, "TasksMissedOnce", map[string]any{"Due": it.Due.In(loc).Format("01-02 15:04")})
	case sameDay(it.Due.In(loc), now.In(loc)):
		when = b.t(c, "TasksDue", map[string]any{"Due": it.Due.In(loc).Format("15:04")})
	}
	line := fmt.Sprintf("• %s %s · %s · %s", it.PointID(), b.Plan.PointText(it.Task, it.Point, 40), b.ownerMark(c, it), when)
	if counted := b.Tasks.Counted(it.Instance); counted != "" {
		line += "\n  " + b.t(c, "TaskCounted_"+counted, map[string]any{"What": it.What,
			"Bar": tasks.Bar(it.Progress, it.Quota), "Progress": it.Progress, "Quota": it.Quota})
	} else if it.Quota > 0 {
		line += fmt.Sprintf("\n  %s %s %d/%d", it.What, tasks.Bar(it.Progress, it.Quota), it.Progress, it.Quota)
	}
	return line
}

// taskButton is the action of an item: report it done, report a missed
// period late, or count one more toward a quota.
func (b *Bot) taskButton(c caller, it tasks.Item, page int) storage.Button {
	point := it.PointID()
	if it.Quota > 0 {
		return storage.Button{Text: b.t(c, "ButtonTaskPlusOne", map[string]any{"Point": point, "What": it.What,
			"Progress": it.Progress, "Quota": it.Quota}), Data: fmt.Sprintf("tq:%d:%s", page, it.ID())}
	}
	id := "ButtonTaskDone"
	if it.Missed > 0 {
		id = "ButtonTaskLate"
	}
	return storage.Button{Text: b.t(c, id, map[string]any{"Point": point, "Period": it.ShortPeriod()}),
		Data: fmt.Sprintf("td:%d:%s", page, it.ID())}
}

func sameDay(a, b time.Time) bool { return a.Year() == b.Year() && a.YearDay() == b.YearDay() }

// onTaskButton handles the report and page buttons of /mytasks.
func (b *Bot) onTaskButton(c caller, data string, msgID int) (string, bool) {
	switch {
	case strings.HasPrefix(data, "tp:"):
		page, err := strconv.Atoi(strings.TrimPrefix(data, "tp:"))
		if err != nil {
			return b.t(c, "ToastInvalid", nil), true
		}
		b.onMyTasks(c, page, msgID)
		return "", false
	case strings.HasPrefix(data, "td:"), strings.HasPrefix(data, "tq:"):
		pageText, id, ok := strings.Cut(data[3:], ":")
		page, err := strconv.Atoi(pageText)
		if !ok || err != nil {
			return b.t(c, "ToastInvalid", nil), true
		}
		st, err := b.Tasks.Report(c.official.ID, id, 1, "", "")
		if err != nil {
			return b.taskError(c, err)
		}
		if page > 0 { // a /mytasks page: redraw it; a reminder stays as sent
			b.onMyTasks(c, page, msgID)
		}
		return b.reportedToast(c, st), false
	}
	return b.t(c, "ToastInvalid", nil), true
}

func (b *Bot) reportedToast(c caller, st tasks.Status) string {
	point := catalogue.ID(st.Task, st.Point)
	if st.Quota > 0 && st.State != tasks.Done {
		return b.t(c, "ToastTaskProgress", map[string]any{"Point": point, "What": st.What, "Progress": st.Progress, "Quota": st.Quota})
	}
	return b.t(c, "ToastTaskDone", map[string]any{"Point": point, "Period": st.ShortPeriod()})
}

func (b *Bot) taskError(c caller, err error) (string, bool) {
	switch {
	case errors.Is(err, tasks.ErrUnknownInstance):
		return b.t(c, "ToastInvalid", nil), true
	case errors.Is(err, tasks.ErrNotYourUnit):
		return b.t(c, "ToastTaskNotYours", nil), true
	case errors.Is(err, tasks.ErrNotYours):
		return b.t(c, "ToastTaskNotYourOwn", nil), true
	case errors.Is(err, tasks.ErrAlreadyDone):
		return b.t(c, "ToastTaskAlreadyDone", nil), false
	case errors.Is(err, tasks.ErrCounted):
		return b.t(c, "ToastTaskCounted", nil), false
	case errors.Is(err, tasks.ErrNotStarted):
		return b.t(c, "ToastTaskNotStarted", nil), false
	}
	b.Log.Error("task report failed", "err", err)
	return b.t(c, "InternalError", nil), true
}

// onDone reports the caller's open item of a point (a missed one first,
// their own before their unit's): /done 14.2 [note], also as the caption
// of a photo.
func (b *Bot) onDone(c caller, args string, photo string) {
	ref, note, _ := strings.Cut(strings.TrimSpace(args), " ")
	task, point, ok := parsePoint(ref)
	if !ok {
		b.reply(c, b.t(c, "DoneUsage", nil))
		return
	}
	g, err := b.Tasks.Mine(c.official.ID, b.Engine.Now())
	if err != nil {
		b.Log.Error("list tasks", "err", err)
		b.reply(c, b.t(c, "InternalError", nil))
		return
	}
	for _, it := range g.All() {
		if it.Task != task || it.Point != point {
			continue
		}
		got, err := b.Tasks.Report(c.official.ID, it.ID(), 1, note, photo)
		if err != nil {
			toast, _ := b.taskError(c, err)
			b.reply(c, toast)
			return
		}
		b.reply(c, b.reportedToast(c, got))
		return
	}
	b.reply(c, b.t(c, "DoneNothingOpen", map[string]any{"Point": ref}))
}

// parsePoint parses "14.2" (or "14" for point 1).
func parsePoint(s string) (task, point int, ok bool) {
	t, p, found := strings.Cut(s, ".")
	task, err := strconv.Atoi(t)
	if err != nil || task <= 0 {
		return 0, 0, false
	}
	point = 1
	if found {
		if point, err = strconv.Atoi(p); err != nil || point <= 0 {
			return 0, 0, false
		}
	}
	return task, point, true
}

// largestPhoto returns the file id of a message's largest photo size.
func largestPhoto(ps []models.PhotoSize) string {
	best := ""
	area := 0
	for _, p := range ps {
		if p.Width*p.Height >= area {
			best, area = p.FileID, p.Width*p.Height
		}
	}
	return best
}
