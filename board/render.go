package board

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutybot/callout"
	"dutybot/catalogue"
	"dutybot/config"
	"dutybot/locales"
)

// Sections are the parts of the page that update live, by element id.
var Sections = []string{"mode", "alerts", "duty", "meltdown", "tasks", "hazards", "quotas", "rates"}

// Display limits keep a town-wide call or a bad month readable.
const (
	maxCards      = 30 // alert cards
	maxPeople     = 40 // recipients listed on a card
	maxUnitTasks  = 6  // overdue items listed per unit
	pointTextSize = 40 // runes of a task point's text
)

// view is the board put into words in one language, for the templates.
type view struct {
	tr       *locales.Catalog
	Lang     string
	Stamp    string
	Events   string // the event stream's URL
	Ping     string
	OtherURL string // the page in the other language
	DutyMode bool
	Alerts   alertsView
	Duty     []dayView
	Tasks    []unitTasksView
	Melt     []warnView
	Rates    ratesView
	Hazards  []unitHazardsView
	Quotas   quotasView
	// Access pages.
	Title   string
	Message string
	Detail  string
	Form    string // a link's token, for the button that opens the board
	SignOut bool   // show the button that signs out
}

// T translates id with pairs of keys and values.
func (v *view) T(id string, kv ...any) string { return v.tr.TPairs(v.Lang, id, kv...) }

type alertsView struct {
	Cards []cardView
	More  int
}

type cardView struct {
	ID, Level, LevelLabel, Title, Issuer, Created string
	Answered, Total, Pct                          int
	People                                        []personLine // not answered
	Done                                          []personLine // answered, shown compactly
	More                                          []string
	// Phone tallies the alert's calls and text messages when it had any
	// (callout.PhoneTally); PhoneHeld names whom the limits held back.
	Phone, PhoneHeld string
}

// personLine is a recipient's line. State is answered, waiting, escalated,
// unreachable or closed; the page draws its icon (ok, wait, up, warn, none).
type personLine struct {
	Official, Name, Unit, State, Icon, Status string
	Steps                                     []string
}

type dayView struct {
	Label  string
	Shifts []shiftView
}

type shiftView struct {
	ID, Hours, Kind, Place, Phone, State, Status string
	People                                       []shiftPerson
}

type shiftPerson struct {
	Official, Role, Name, Unit, Phone, State, Icon, Checkin string
}

type unitTasksView struct {
	Unit  string
	Count int
	Items []taskLine
	More  int
}

type taskLine struct {
	Point, Text, Period, Due, Progress string
	Who, Missed                        string
}

type warnView struct {
	ID, Title, Level, Progress, Deadline string
	Done, Total                          int
	Units                                []meltUnit
}

type meltUnit struct {
	Unit  string
	Items []meltItem
}

type meltItem struct {
	No                 int
	Done               bool
	Action, Text, Note string
}

type ratesView struct {
	Range string
	Rows  []rateRow
}

type rateRow struct {
	Unit, Count, Median string
	Pct                 int
	Total               bool
}

// newView puts a board into words.
func (s *Server) newView(b *Board, lang string) *view {
	v := &view{tr: s.d.Catalog, Lang: lang, DutyMode: b.DutyMode}
	v.Alerts = s.alertsView(v, b)
	v.Duty = s.dutyView(v, b)
	v.Tasks = s.tasksView(v, b)
	v.Melt = s.meltView(v, b)
	v.Rates = s.ratesView(v, b)
	v.Hazards = s.hazardsView(v, b)
	v.Quotas = s.quotasView(v, b)
	return v
}

func (s *Server) hhmm(t time.Time) string { return t.In(s.loc).Format("15:04") }

// when shows a time of today as 15:04 and of another day as 01-02 15:04.
func (s *Server) when(t, now time.Time) string {
	if t.In(s.loc).Format("20060102") == now.In(s.loc).Format("20060102") {
		return s.hhmm(t)
	}
	return t.In(s.loc).Format("01-02 15:04")
}

func (s *Server) unitOf(official string) string {
	o, _ := s.d.Config.Official(official)
	return s.d.Config.UnitName(o.Unit)
}

// names joins display names the way the language lists them.
func (s *Server) names(lang string, ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, s.d.Config.OfficialName(id))
	}
	if lang == locales.EN {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, "、")
}

func (s *Server) alertsView(v *view, b *Board) alertsView {
	var out alertsView
	for i, c := range b.Alerts {
		if i == maxCards {
			out.More = len(b.Alerts) - maxCards
			break
		}
		a := c.Alert
		cv := cardView{ID: a.ID, Level: a.Level, LevelLabel: v.T("BoardLevel_" + a.Level), Title: a.TitleIn(v.Lang),
			Created:  v.T("BoardCreated", "Time", s.when(a.CreatedAt, b.Now)),
			Answered: c.Answered, Total: len(c.Recipients)}
		switch {
		case a.Issuer != "":
			cv.Issuer = v.T("BoardIssuer", "Name", s.d.Config.OfficialName(a.Issuer))
		case a.Source == "api" || a.Source == "":
			cv.Issuer = v.T("BoardIssuerAPI")
		default:
			cv.Issuer = v.T("BoardIssuerSystem")
		}
		if cv.Total > 0 {
			cv.Pct = cv.Answered * 100 / cv.Total
		}
		hiddenAnswered, hiddenWaiting := 0, 0
		for _, r := range c.Recipients {
			if len(cv.People)+len(cv.Done) == maxPeople {
				if r.Answered() {
					hiddenAnswered++
				} else {
					hiddenWaiting++
				}
				continue
			}
			if p := s.personLine(v, a, r, b.Now); r.Answered() {
				cv.Done = append(cv.Done, p)
			} else {
				cv.People = append(cv.People, p)
			}
		}
		cv.Phone, cv.PhoneHeld = s.phoneLine(v, c.Recipients)
		if hiddenWaiting > 0 {
			cv.More = append(cv.More, v.T("BoardMoreWaiting", "Count", hiddenWaiting))
		}
		if hiddenAnswered > 0 {
			cv.More = append(cv.More, v.T("BoardMoreAnswered", "Count", hiddenAnswered))
		}
		out.Cards = append(out.Cards, cv)
	}
	return out
}

// personLine is one recipient's state: answered, taken over, waiting,
// escalated or unreachable, with the escalation steps taken.
func (s *Server) personLine(v *view, a callout.Alert, r callout.Recipient, now time.Time) personLine {
	p := personLine{Official: r.Official, Name: s.d.Config.OfficialName(r.Official), Unit: s.unitOf(r.Official)}
	since := r.SentAt
	if since.IsZero() {
		since = r.QueuedAt
	}
	mins := int(now.Sub(since) / time.Minute)
	var lastTo []string
	for _, e := range r.Escalations {
		if e.Action == config.ActionEscalate && len(e.People) > 0 {
			lastTo = e.People
		}
		p.Steps = append(p.Steps, s.step(v, r.Official, e, now))
	}
	switch {
	case r.State == callout.StateAcked && r.AckedBy == r.Official && r.AckedIn == callout.ChannelPhone:
		p.State, p.Icon, p.Status = "answered", "ok", v.T("BoardStateAnsweredPhone", "Time", s.when(r.AckedAt, now))
	case r.State == callout.StateAcked && r.AckedBy == r.Official && r.AckedIn == callout.ChannelSMS:
		p.State, p.Icon, p.Status = "answered", "ok", v.T("BoardStateAnsweredSMS", "Time", s.when(r.AckedAt, now))
	case r.State == callout.StateAcked && r.AckedBy == r.Official:
		p.State, p.Icon, p.Status = "answered", "ok", v.T("BoardStateAnswered", "Time", s.when(r.AckedAt, now))
	case r.State == callout.StateAcked:
		p.State, p.Icon, p.Status = "answered", "ok", v.T("BoardStateHandled", "Time", s.when(r.AckedAt, now), "Name", s.d.Config.OfficialName(r.AckedBy))
	case r.State == callout.StateUnreachable:
		p.State, p.Icon, p.Status = "unreachable", "warn", v.T("BoardStateUnreachable", "Reason", unreachable(v, r.Unreachable))
	case r.State == callout.StateEscalated && len(lastTo) > 0:
		p.State, p.Icon, p.Status = "escalated", "up", v.T("BoardStateEscalated", "Names", s.names(v.Lang, lastTo), "Minutes", mins)
	case a.State != callout.AlertOpen:
		p.State, p.Icon, p.Status = "closed", "none", v.T("BoardStateClosed")
	case mins < 1:
		p.State, p.Icon, p.Status = "waiting", "wait", v.T("BoardStateWaitingNow")
	default:
		p.State, p.Icon, p.Status = "waiting", "wait", v.T("BoardStateWaiting", "Minutes", mins)
	}
	return p
}

// step puts one step taken for a recipient into words: who was told (or
// rung, or texted, and what became of it), or why nobody was (the
// recipient is the unit head themself; the target does not rank above
// them; nobody holds the role).
func (s *Server) step(v *view, recipient string, e callout.Escalation, now time.Time) string {
	at := s.when(e.At, now)
	cause := e.CauseFor(recipient)
	switch {
	case e.Action == config.ActionRemind && cause != "":
		return v.T("BoardStepRemindSkipped", "Time", at)
	case e.Action == config.ActionRemind:
		return v.T("BoardStepRemind", "Time", at)
	case slices.Contains(config.PhoneActions, e.Action):
		return s.phoneStep(v, at, cause, e)
	case len(e.People) > 0:
		return v.T("BoardStepEscalate", "Time", at, "Names", s.escalatedTo(v, e))
	}
	role, hasRole := roleOf(v, e)
	switch {
	case cause == callout.ReasonSelf && hasRole:
		return v.T("BoardStepSelf", "Time", at, "Role", role)
	case cause == callout.ReasonSelf:
		return v.T("BoardStepSelfNamed", "Time", at)
	case cause == callout.ReasonNotHigher && hasRole:
		return v.T("BoardStepNotHigher", "Time", at, "Role", role, "Names", s.names(v.Lang, e.Passed))
	case cause == callout.ReasonNoTarget && hasRole:
		return v.T("BoardStepNoTarget", "Time", at, "Role", role)
	}
	return v.T("BoardStepNobody", "Time", at)
}

// roleOf names the role a step escalated to (单位负责人), when it has one:
// a step naming people was resolved from a role (带班领导) or is ad hoc.
func roleOf(v *view, e callout.Escalation) (string, bool) {
	for _, to := range []string{e.Role, e.To} {
		if to != "" && v.tr.Has("BoardTo_"+to) {
			return v.T("BoardTo_" + to), true
		}
	}
	return "", false
}

// unreachable puts the engine's reasons for an unreachable recipient into
// words; others (the Bot API's) are shown as they are.
func unreachable(v *view, r string) string {
	switch cause, after := callout.UnreachableCause(r); cause {
	case callout.CauseUnbound:
		return v.T("BoardReasonUnbound")
	case callout.CauseBlocked:
		return v.T("BoardReasonBlocked")
	case callout.CauseStalled:
		return v.T("BoardReasonStalled", "Minutes", max(int(after/time.Minute), 1))
	}
	return r
}

// escalatedTo names the people of a step with their role, e.g. 吴敏（单位负责人）.
func (s *Server) escalatedTo(v *view, e callout.Escalation) string {
	names := s.names(v.Lang, e.People)
	role, ok := roleOf(v, e)
	if !ok {
		return names
	}
	if v.Lang == locales.EN {
		return names + " (" + role + ")"
	}
	return names + "（" + role + "）"
}

func (s *Server) dutyView(v *view, b *Board) []dayView {
	var out []dayView
	for i, d := range b.Days {
		id := "BoardToday"
		if i > 0 {
			id = "BoardTomorrow"
		}
		dv := dayView{Label: v.T(id, "Date", d.Start.Format("01-02"),
			"Weekday", v.T(fmt.Sprintf("RotaWeekday%d", int(d.Start.Weekday()))))}
		for _, ds := range d.Shifts {
			dv.Shifts = append(dv.Shifts, s.shiftView(v, ds, b.Now))
		}
		out = append(out, dv)
	}
	return out
}

func (s *Server) shiftView(v *view, ds DutyShift, now time.Time) shiftView {
	sh := ds.Shift
	sv := shiftView{ID: sh.ID, Hours: s.when(sh.Start, now) + " – " + s.when(sh.End, now), Place: sh.Place, Phone: config.DisplayPhone(sh.Phone)}
	if id := "RotaKind_" + sh.Kind; v.tr.Has(id) {
		sv.Kind = v.T(id)
	}
	started := !now.Before(sh.Start)
	switch {
	case !now.Before(sh.End):
		sv.State, sv.Status = "ended", v.T("BoardShiftEnded")
	case started:
		sv.State, sv.Status = "on", v.T("BoardShiftOn")
	default:
		sv.State, sv.Status = "later", v.T("BoardShiftUpcoming")
	}
	for i, id := range sh.People() {
		if id == "" {
			continue
		}
		o, _ := s.d.Config.Official(id)
		p := shiftPerson{Official: id, Role: v.T("BoardStaff"), Name: s.d.Config.OfficialName(id), Unit: s.d.Config.UnitName(o.Unit), Phone: config.DisplayPhone(o.Phone)}
		if i == 0 {
			p.Role = v.T("BoardLeader")
		}
		c, ok := ds.Checkin[id]
		switch {
		case ok && c.By == id:
			p.State, p.Icon, p.Checkin = "answered", "ok", v.T("BoardCheckedIn", "Time", s.hhmm(c.At))
		case ok:
			p.State, p.Icon, p.Checkin = "answered", "ok", v.T("BoardCheckinHandled", "Time", s.hhmm(c.At), "Name", s.d.Config.OfficialName(c.By))
		case ds.CheckinAlert != "" || (started && now.Before(sh.End)):
			p.State, p.Icon, p.Checkin = "waiting", "wait", v.T("BoardNotCheckedIn")
		case !started:
			p.State, p.Icon, p.Checkin = "later", "none", v.T("BoardCheckinLater")
		default:
			p.State = "later" // ended before the roster held it: no check-in to show
		}
		sv.People = append(sv.People, p)
	}
	return sv
}

func (s *Server) tasksView(v *view, b *Board) []unitTasksView {
	var out []unitTasksView
	for _, u := range b.Overdue {
		name := s.d.Config.UnitName(u.Unit)
		switch {
		case u.Town:
			name = v.T("BoardTasksTown")
		case u.Official != "":
			name = s.d.Config.OfficialName(u.Official)
		}
		uv := unitTasksView{Unit: name, Count: u.Missed()}
		for i, st := range u.Items {
			if i == maxUnitTasks {
				uv.More = len(u.Items) - maxUnitTasks
				break
			}
			tl := taskLine{Point: catalogue.ID(st.Task, st.Point), Period: st.ShortPeriod(),
				Due: v.T("BoardTaskDue", "Due", st.Due.In(s.loc).Format("01-02 15:04"))}
			if st.Owner == catalogue.OwnerPerson && u.Official == "" {
				tl.Who = s.d.Config.OfficialName(st.Official)
			}
			if st.Missed > 1 {
				tl.Missed = v.T("BoardTaskMissed", "Count", st.Missed)
			}
			if s.d.Plan != nil {
				tl.Text = s.d.Plan.PointText(st.Task, st.Point, pointTextSize)
			}
			if st.Quota > 0 {
				tl.Progress = v.T("BoardTaskProgress", "Progress", st.Progress, "Quota", st.Quota)
			}
			uv.Items = append(uv.Items, tl)
		}
		out = append(out, uv)
	}
	return out
}

func (s *Server) meltView(v *view, b *Board) []warnView {
	var out []warnView
	for _, c := range b.Warnings {
		w := c.Warning
		wv := warnView{ID: w.ID, Level: w.Level, Total: len(c.Items)}
		if s.d.Weather != nil {
			wv.Title = s.d.Weather.DisplayTitle(v.Lang, w)
		} else {
			wv.Title = w.Title
		}
		var units []string
		byUnit := map[string]*meltUnit{}
		for _, it := range c.Items {
			mu := byUnit[it.Unit]
			if mu == nil {
				units = append(units, it.Unit)
				mu = &meltUnit{Unit: s.d.Config.UnitName(it.Unit)}
				byUnit[it.Unit] = mu
			}
			mi := meltItem{No: it.No, Done: it.Done(), Text: it.Text, Action: it.Action}
			if s.d.Weather != nil {
				mi.Action = s.d.Weather.ActionName(v.Lang, it.Action)
			}
			if it.Done() {
				wv.Done++
				result := v.T("WarnResultDone")
				if s.d.Weather != nil {
					result = s.d.Weather.Result(v.Lang, it)
				}
				mi.Note = v.T("BoardItemDone", "Result", result, "Name", s.d.Config.OfficialName(it.By), "Time", s.hhmm(it.At))
			} else {
				mi.Note = v.T("BoardItemOpen")
			}
			mu.Items = append(mu.Items, mi)
		}
		for _, u := range units {
			wv.Units = append(wv.Units, *byUnit[u])
		}
		wv.Progress = v.T("BoardMeltdownProgress", "Done", wv.Done, "Total", wv.Total)
		switch {
		case wv.Done == wv.Total:
			wv.Deadline = v.T("BoardMeltdownComplete")
		case w.Overdue:
			wv.Deadline = v.T("BoardMeltdownOverdue", "Time", s.d.Config.DeadlineTime(w.ConfirmBy))
		case !w.ConfirmBy.IsZero():
			wv.Deadline = v.T("BoardMeltdownDeadline", "Time", s.d.Config.DeadlineTime(w.ConfirmBy))
		}
		out = append(out, wv)
	}
	return out
}

func (s *Server) ratesView(v *view, b *Board) ratesView {
	r := b.Rates
	out := ratesView{Range: v.T("BoardRatesRange", "From", r.From.In(s.loc).Format("01-02"), "To", r.To.In(s.loc).Format("01-02"))}
	if r.Total.Called == 0 {
		return out
	}
	row := func(name string, u UnitRate, total bool) rateRow {
		rr := rateRow{Unit: name, Pct: u.Pct(), Total: total,
			Count: v.T("BoardRateCount", "Answered", u.Answered, "Called", u.Called)}
		if u.Answered > 0 && u.Median > 0 {
			rr.Median = v.T("BoardRateMedian", "Time", duration(v, u.Median))
		}
		return rr
	}
	out.Rows = append(out.Rows, row(v.T("BoardRatesTotal"), r.Total, true))
	for _, u := range r.Units {
		out.Rows = append(out.Rows, row(s.d.Config.UnitName(u.Unit), u, false))
	}
	return out
}

// duration renders an answer time: 45秒, 3分钟, 2分10秒, 1小时5分.
func duration(v *view, d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return v.T("BoardDurHours", "H", h, "M", m)
	case m > 0 && sec == 0:
		return v.T("BoardDurWholeMinutes", "M", m)
	case m > 0:
		return v.T("BoardDurMinutes", "M", m, "S", sec)
	}
	return v.T("BoardDurSeconds", "S", sec)
}

// sections renders the live sections of a snapshot in a language, once:
// every viewer of that language shares the result.
func (s *Server) sections(snap *snapshot, lang string) (map[string]string, error) {
	snap.mu.Lock()
	defer snap.mu.Unlock()
	if h, ok := snap.html[lang]; ok {
		return h, nil
	}
	v := s.newView(snap.board, lang)
	out := map[string]string{}
	var buf bytes.Buffer
	for _, id := range Sections {
		buf.Reset()
		if err := s.tmpl.ExecuteTemplate(&buf, id, v); err != nil {
			return nil, fmt.Errorf("render %s: %w", id, err)
		}
		out[id] = buf.String()
	}
	snap.html[lang] = out
	return out, nil
}
