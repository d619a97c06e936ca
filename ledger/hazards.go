package ledger

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/storage"
)

// The sheets of the hazard loop: 隐患台账, every hazard of the period with
// its whole story, and 挂牌企业, the registry; their counts on the summary.

// HazardRow is a hazard of the period and the official answering for it.
type HazardRow struct {
	Hazard      hazard.Hazard
	Responsible string // hazard.ResponsibleOf, with the registry of the export
}

// HazardCounts sum up the hazards of a book.
type HazardCounts struct {
	Found, Major, Closed int // found in the period; of them 重大; closed in the period
	Open, Overdue        int // not closed when exported; of them past their deadline
}

// records are what an export reads once of the registry and the hazards
// for all its sheets.
type records struct {
	enterprises map[string]enterprise.Enterprise // the registry, by 信用代码
	hazards     map[string]string                // every hazard's description, by id
}

// readHazards fills the book's hazards and registry: every hazard found in
// the period or still open during it, and the enterprises, as the filter
// selects them. It returns the whole registry and every hazard's
// description for the other sheets.
func (l *Ledger) readHazards(tx *storage.Tx, b *Book) (records, error) {
	f := b.Filter
	ents, err := enterprise.All(tx)
	if err != nil {
		return records{}, fmt.Errorf("read the enterprise registry: %w", err)
	}
	rec := records{enterprises: make(map[string]enterprise.Enterprise, len(ents))}
	for _, e := range ents {
		rec.enterprises[e.Code] = e
		if l.plaqueConcerns(f, e) {
			b.Enterprises = append(b.Enterprises, e)
		}
	}
	hs, err := hazard.All(tx)
	if err != nil {
		return records{}, fmt.Errorf("read the hazards: %w", err)
	}
	rec.hazards = make(map[string]string, len(hs))
	for _, h := range hs {
		rec.hazards[h.ID] = h.Description
		if !h.FoundAt.Before(f.To) || (h.State == hazard.StateClosed && h.ClosedAt.Before(f.From)) {
			continue
		}
		row := HazardRow{Hazard: h, Responsible: hazard.ResponsibleOf(l.cfg, h, rec.enterprises[h.Enterprise].Supervisor)}
		if l.hazardConcerns(f, row) {
			b.Hazards = append(b.Hazards, row)
		}
	}
	return rec, nil
}

// hazardConcerns reports whether a hazard falls under the filter: in the
// unit's area or handled by its officials; found, answered for or
// handled by the official.
func (l *Ledger) hazardConcerns(f Filter, r HazardRow) bool {
	h := r.Hazard
	people := []string{h.FoundBy, h.Supervisor, h.Administrator, r.Responsible}
	for _, st := range h.History {
		people = append(people, st.By)
	}
	switch {
	case f.Official != "":
		return slices.Contains(people, f.Official)
	case f.Unit != "":
		return h.Unit == f.Unit || slices.ContainsFunc(people, func(id string) bool { return l.unitOf(id) == f.Unit })
	}
	return true
}

// plaqueConcerns reports whether an enterprise falls under the filter: in
// the unit's area or on its officials' plaques; on the official's plaque.
func (l *Ledger) plaqueConcerns(f Filter, e enterprise.Enterprise) bool {
	people := []string{e.Admin, e.Supervisor, e.Guarantor}
	switch {
	case f.Official != "":
		return slices.Contains(people, f.Official)
	case f.Unit != "":
		return e.Unit == f.Unit || slices.ContainsFunc(people, func(id string) bool { return id != "" && l.unitOf(id) == f.Unit })
	}
	return true
}

// HazardCounts sums up the book's hazards as of its export.
func (b *Book) HazardCounts() HazardCounts {
	var c HazardCounts
	for _, r := range b.Hazards {
		h := r.Hazard
		if !h.FoundAt.Before(b.Filter.From) {
			c.Found++
			if h.Level == hazard.LevelMajor {
				c.Major++
			}
		}
		switch {
		case h.State == hazard.StateClosed && h.ClosedAt.Before(b.Filter.To):
			c.Closed++
		case h.State != hazard.StateClosed:
			c.Open++
			if h.Late(b.ExportedAt) > 0 {
				c.Overdue++
			}
		}
	}
	return c
}

// Columns of the hazard sheets (LedgerCol_<column>).
var (
	hazardColumns = []string{"HazardID", "Enterprise", "CreditCode", "AreaUnit", "HazardLevel", "Description", "FoundBy",
		"FoundAt", "Rectifier", "InCharge", "Deadlines", "Five", "HazardSteps", "State", "LateDays", "ClosedAt"}
	enterpriseColumns = []string{"Enterprise", "CreditCode", "Address", "Industry", "Risk", "MajorSource", "Admin",
		"Supervisor", "Head", "Levels", "Guarantor", "AreaUnit", "HazardsInPeriod"}
)

func (l *Ledger) writeHazards(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, l.headers(hazardColumns), st, 14, 24, 20, 12, 18, 40, 10, 18, 18, 10, 18, 40, 70, 14, 8, 18); err != nil {
		return err
	}
	for i, r := range b.Hazards {
		h := r.Hazard
		level := l.t("LedgerWord_hazard_general")
		if h.Level == hazard.LevelMajor {
			level = l.t("LedgerHazardMajorListed")
		}
		var dues []string
		for _, s := range h.History {
			if !s.Due.IsZero() {
				dues = append(dues, l.minute(s.Due))
			}
		}
		five := ""
		if f := h.Five; f != nil {
			five = l.t("LedgerHazardFive", "Responsibility", f.Responsibility, "Measures", f.Measures, "Funds", f.Funds,
				"TimeLimit", f.TimeLimit, "Plan", f.Plan)
		}
		row := []any{h.ID, h.EnterpriseName, h.Enterprise, l.cfg.UnitName(h.Unit), level, h.Description, l.name(h.FoundBy),
			l.local(h.FoundAt), l.contact(h.Responsible), l.name(r.Responsible), strings.Join(dues, l.t("LedgerListSep")), five,
			l.HazardSteps(h), l.wordOr("LedgerHazardState_", h.State), hazard.LateDays(h.Lateness(b.ExportedAt)), l.local(h.ClosedAt)}
		if err := sw.SetRow(cellName(1, i+2), row); err != nil {
			return err
		}
	}
	return nil
}

// HazardSteps tells a hazard's story, one step after another with who and
// when: 发现, 交办 with its deadline, 整改, 复查, 退回 with the new deadline,
// 销号.
func (l *Ledger) HazardSteps(h hazard.Hazard) string {
	parts := make([]string, 0, len(h.History))
	prev := ""
	for _, s := range h.History {
		kind := s.State
		if s.State == hazard.StateAssigned && prev == hazard.StateRectified {
			kind = "sent_back"
		}
		prev = s.State
		by := l.name(s.By)
		if s.Name != "" {
			by = l.t("LedgerHazardByNamed", "Name", s.Name, "Role", by)
		}
		parts = append(parts, tidy(l.t("LedgerHazardStep_"+kind, "Time", l.minute(s.At), "By", by, "Note", s.Note,
			"Due", l.minute(s.Due), "Photos", len(s.Photos))))
	}
	return strings.Join(parts, l.t("LedgerListSep"))
}

// contact is a person at an enterprise: name and phone.
func (l *Ledger) contact(c storage.Contact) string {
	return strings.TrimSpace(c.Name + " " + config.DisplayPhone(c.Phone))
}

// minute formats t to the minute in the town's zone; zero is empty.
func (l *Ledger) minute(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.cfg.Location).Format("2006-01-02 15:04")
}

// plaqueName names an official of a plaque: by the configuration, or as
// the registry recorded them once they have left it.
func (l *Ledger) plaqueName(id, recorded string) string {
	if _, ok := l.cfg.Official(id); ok || recorded == "" {
		return l.name(id)
	}
	return recorded
}

func (l *Ledger) writeEnterprises(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, l.headers(enterpriseColumns), st, 28, 20, 28, 10, 8, 20, 10, 12, 20, 40, 10, 12, 10); err != nil {
		return err
	}
	inPeriod := map[string]int{}
	for _, r := range b.Hazards {
		inPeriod[r.Hazard.Enterprise]++
	}
	list := slices.Clone(b.Enterprises)
	order := map[string]int{}
	for i, u := range l.cfg.People().Units {
		order[u.ID] = i
	}
	slices.SortStableFunc(list, func(x, y enterprise.Enterprise) int {
		return cmp.Or(cmp.Compare(order[x.Unit], order[y.Unit]), cmp.Compare(x.Row, y.Row), cmp.Compare(x.Code, y.Code))
	})
	sep := l.t("LedgerListSep")
	for i, e := range list {
		major := l.t("LedgerWord_no")
		if e.MajorHazard {
			major = tidy(l.t("LedgerMajorSource", "Note", e.MajorHazardNote))
		}
		var levels []string
		for _, p := range []struct {
			role string
			c    storage.Contact
		}{{"principal", e.Principal}, {"deputy", e.Deputy}, {"safety_manager", e.SafetyManager}} {
			if p.c != (storage.Contact{}) {
				levels = append(levels, l.t("LedgerEnterpriseLevel_"+p.role, "Person", l.contact(p.c)))
			}
		}
		guarantor := ""
		if e.Guarantor != "" {
			guarantor = l.plaqueName(e.Guarantor, e.GuarantorName)
		}
		row := []any{e.Name, e.Code, e.Address, l.wordOr("EnterpriseIndustry_", e.Industry), l.wordOr("LedgerLevel_", e.Risk), major,
			l.plaqueName(e.Admin, e.AdminName), l.plaqueName(e.Supervisor, e.SupervisorName), l.contact(e.Head),
			strings.Join(levels, sep), guarantor, l.cfg.UnitName(e.Unit), inPeriod[e.Code]}
		if err := sw.SetRow(cellName(1, i+2), row); err != nil {
			return err
		}
	}
	return nil
}

// hazardSummary are the summary's lines of the hazard loop.
func (l *Ledger) hazardSummary(b *Book) [][]any {
	c := b.HazardCounts()
	return [][]any{
		{l.t("LedgerSummaryHazardsFound"), c.Found},
		{l.t("LedgerSummaryHazardsMajor"), c.Major},
		{l.t("LedgerSummaryHazardsClosed"), c.Closed},
		{l.t("LedgerSummaryHazardsOpen"), c.Open},
		{l.t("LedgerSummaryHazardsOverdue"), c.Overdue},
		{l.t("LedgerSummaryEnterprises"), len(b.Enterprises)},
	}
}
