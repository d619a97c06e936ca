package tips

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutybot/storage"
)

// Button data of the handlers' buttons: "tip:<action>:<ref>[:<unit>]".
// The tipster's own flow uses "tip:d:…", which ParsePress refuses.
const DataPrefix = "tip:"

// Press actions.
const (
	ActUnit        = "u"  // a unit was chosen: offer the deadline
	ActAssign      = "a"  // assign with tips.handle_within
	ActDays        = "k"  // assign with a typed number of days
	ActBack        = "b"  // back to the units
	ActVerified    = "c1" // close as verified: the result is typed next
	ActNotVerified = "c0" // close as not verified
	ActPhotos      = "p"  // send the tip's photos
)

// maxData is Telegram's limit on callback data, in bytes.
const maxData = 64

// Press is a handler's button press.
type Press struct {
	Action string
	Ref    string
	Unit   string
}

// Data encodes a press as button data.
func (p Press) Data() string {
	d := DataPrefix + p.Action + ":" + p.Ref
	if p.Unit != "" {
		d += ":" + p.Unit
	}
	return d
}

// ParsePress decodes the data of a handler's button.
func ParsePress(data string) (Press, bool) {
	rest, ok := strings.CutPrefix(data, DataPrefix)
	if !ok {
		return Press{}, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 2 || parts[1] == "" {
		return Press{}, false
	}
	p := Press{Action: parts[0], Ref: parts[1]}
	switch {
	case (p.Action == ActUnit || p.Action == ActAssign || p.Action == ActDays) && len(parts) == 3 && parts[2] != "":
		p.Unit = parts[2]
	case (p.Action == ActBack || p.Action == ActVerified || p.Action == ActNotVerified || p.Action == ActPhotos) && len(parts) == 2:
	default:
		return Press{}, false
	}
	return p, true
}

// OfficeButtons offer the units a new tip can be assigned to.
func (s *Service) OfficeButtons(lang string, t Tip) [][]storage.Button {
	var rows [][]storage.Button
	var row []storage.Button
	for _, u := range s.cfg.People().Units {
		d := Press{Action: ActUnit, Ref: t.Ref, Unit: u.ID}.Data()
		if len(d) > maxData {
			continue // reachable with /tip assign
		}
		row = append(row, storage.Button{Text: s.cfg.UnitName(u.ID), Data: d})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return append(rows, s.PhotoButtons(lang, t)...)
}

// DaysButtons offer the deadline of an assignment to a chosen unit.
func (s *Service) DaysButtons(lang string, t Tip, unit string) [][]storage.Button {
	return append([][]storage.Button{
		{{Text: s.tr.T(lang, "TipButtonDefaultDays", map[string]any{"Within": s.Within(lang, s.cfg.Tips.HandleWithin.D())}),
			Data: Press{Action: ActAssign, Ref: t.Ref, Unit: unit}.Data()},
			{Text: s.tr.T(lang, "TipButtonTypeDays", nil), Data: Press{Action: ActDays, Ref: t.Ref, Unit: unit}.Data()}},
		{{Text: s.tr.T(lang, "TipButtonBack", nil), Data: Press{Action: ActBack, Ref: t.Ref}.Data()}},
	}, s.PhotoButtons(lang, t)...)
}

// UnitButtons let the unit close an assigned tip.
func (s *Service) UnitButtons(lang string, t Tip) [][]storage.Button {
	return append([][]storage.Button{{
		{Text: s.tr.T(lang, "TipButtonVerified", nil), Data: Press{Action: ActVerified, Ref: t.Ref}.Data()},
		{Text: s.tr.T(lang, "TipButtonNotVerified", nil), Data: Press{Action: ActNotVerified, Ref: t.Ref}.Data()},
	}}, s.PhotoButtons(lang, t)...)
}

// PhotoButtons offer a tip's photos, if it has any.
func (s *Service) PhotoButtons(lang string, t Tip) [][]storage.Button {
	if len(t.Photos) == 0 {
		return nil
	}
	return [][]storage.Button{{{Text: s.tr.T(lang, "TipButtonPhotos", map[string]any{"Count": len(t.Photos)}),
		Data: Press{Action: ActPhotos, Ref: t.Ref}.Data()}}}
}

// Details describes a tip for handlers: what, where, photos and who sent
// it, which for an anonymous tip says only that it is anonymous.
func (s *Service) Details(lang string, t Tip) string {
	lines := []string{
		s.tr.T(lang, "TipLineReceived", map[string]any{"Time": s.when(t.ReceivedAt)}),
		s.tr.T(lang, "TipLineText", map[string]any{"Text": t.Text}),
		s.tr.T(lang, "TipLinePlace", map[string]any{"Place": s.place(lang, t)}),
	}
	if n := len(t.Photos); n > 0 {
		lines = append(lines, s.tr.T(lang, "TipLinePhotos", map[string]any{"Count": n}))
	}
	if t.Anonymous {
		lines = append(lines, s.tr.T(lang, "TipLineAnonymous", nil))
	} else {
		unit := ""
		if o, ok := s.cfg.Official(t.NamedOfficial); ok {
			unit = s.cfg.UnitName(o.Unit)
		}
		lines = append(lines, s.tr.T(lang, "TipLineNamed", map[string]any{"Name": t.NamedName,
			"Username": t.NamedUsername, "Phone": t.NamedPhone, "Unit": unit}))
	}
	return strings.Join(lines, "\n")
}

// HandlerText is a tip as handlers look it up: its details and how far its
// handling went.
func (s *Service) HandlerText(lang string, t Tip) string {
	return s.tr.T(lang, "TipHandlerHeader", map[string]any{"Ref": t.Ref}) + "\n" + s.Details(lang, t) +
		"\n" + s.progress(lang, t, true)
}

// TipsterText is a tip as its tipster sees it with /tip <ref>.
func (s *Service) TipsterText(lang string, t Tip) string {
	return s.tr.T(lang, "TipTipsterHeader", map[string]any{"Ref": t.Ref, "Time": s.when(t.ReceivedAt),
		"Anonymous": t.Anonymous}) + "\n" + s.tr.T(lang, "TipLineText", map[string]any{"Text": excerpt(t.Text, 200)}) +
		"\n" + s.progress(lang, t, false)
}

// progress says where a tip stands.
func (s *Service) progress(lang string, t Tip, handler bool) string {
	data := map[string]any{"Unit": s.cfg.UnitName(t.Unit), "Due": s.when(t.Due), "Overdue": t.Overdue,
		"Closed": s.when(t.ClosedAt), "Verified": t.Verified, "Result": t.Result, "Reward": t.Reward,
		"Handler": handler, "By": s.cfg.OfficialName(t.ClosedBy)}
	var lines []string
	switch t.State {
	case StateNew:
		lines = append(lines, s.tr.T(lang, "TipStateNew", data))
	case StateAssigned:
		lines = append(lines, s.tr.T(lang, "TipStateAssigned", data))
	case StateClosed:
		lines = append(lines, s.tr.T(lang, "TipStateClosed", data))
		if t.Reward != "" {
			lines = append(lines, s.tr.T(lang, "TipStateRewarded", data))
		}
	}
	return strings.Join(lines, "\n")
}

// ListText lists a tipster's own tips.
func (s *Service) ListText(lang string, list []Tip) string {
	lines := []string{s.tr.T(lang, "TipListHeader", map[string]any{"Count": len(list)})}
	for _, t := range list {
		lines = append(lines, s.tr.T(lang, "TipListLine", map[string]any{"Ref": t.Ref,
			"Date": t.ReceivedAt.In(s.loc).Format("01-02"), "State": s.stateWord(lang, t),
			"Text": excerpt(t.Text, 20)}))
	}
	lines = append(lines, s.tr.T(lang, "TipListFooter", nil))
	return strings.Join(lines, "\n")
}

func (s *Service) stateWord(lang string, t Tip) string {
	switch {
	case t.State == StateClosed && t.Verified:
		return s.tr.T(lang, "TipWordVerified", nil)
	case t.State == StateClosed:
		return s.tr.T(lang, "TipWordNotVerified", nil)
	case t.State == StateAssigned:
		return s.tr.T(lang, "TipWordAssigned", nil)
	}
	return s.tr.T(lang, "TipWordNew", nil)
}

// IdentityText shows a revealed tipster to the official who revealed them.
func (s *Service) IdentityText(lang, ref string, who Tipster, reason string) string {
	data := map[string]any{"Ref": ref, "Name": who.Name, "Username": who.Username, "UserID": who.UserID,
		"Phone": who.Phone, "Reason": reason, "Official": ""}
	if o, ok := s.cfg.Official(who.Official); ok {
		data["Official"] = o.Name + " · " + s.cfg.UnitName(o.Unit)
	}
	return s.tr.T(lang, "TipRevealed", data)
}

// StatsText renders the monthly counts.
func (s *Service) StatsText(lang string, months []Month) string {
	lines := []string{s.tr.T(lang, "TipStatsHeader", map[string]any{"Months": len(months)})}
	var total Month
	for _, m := range months {
		lines = append(lines, fmt.Sprintf("%s   %4d %4d %4d", m.Month, m.Received, m.Verified, m.Rewarded))
		total.Received += m.Received
		total.Verified += m.Verified
		total.Rewarded += m.Rewarded
	}
	lines = append(lines, s.tr.T(lang, "TipStatsTotal", map[string]any{"Received": total.Received,
		"Verified": total.Verified, "Rewarded": total.Rewarded}))
	return strings.Join(lines, "\n")
}

// Within says a duration in days (or hours below a day).
func (s *Service) Within(lang string, d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return s.tr.T(lang, "TipDays", map[string]any{"Days": int(d / (24 * time.Hour))})
	}
	return s.tr.T(lang, "TipHours", map[string]any{"Hours": strconv.FormatFloat(d.Hours(), 'f', -1, 64)})
}

func (s *Service) place(lang string, t Tip) string {
	var parts []string
	if t.Place != "" {
		parts = append(parts, t.Place)
	}
	if p := t.Point; p != nil {
		parts = append(parts, s.tr.T(lang, "TipPoint", map[string]any{
			"Lat": strconv.FormatFloat(p.Lat, 'f', 5, 64), "Lon": strconv.FormatFloat(p.Lon, 'f', 5, 64)}))
	}
	return strings.Join(parts, " ")
}

// when formats a time for people, in the town's time zone.
func (s *Service) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.loc).Format("2006-01-02 15:04")
}

// excerpt cuts s to n runes.
func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
