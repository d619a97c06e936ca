package enterprise

import (
	"slices"
	"strings"

	"dutybot/config"
	"dutybot/roster"
	"dutybot/storage"
)

// exampleMark starts the name of Template's example row: a registry still
// holding it is refused rather than read as a real enterprise.
const exampleMark = "示例："

// field is one value of a record with the column it came from, as the
// file names it (a header, a YAML key).
type field struct {
	col   string
	value string
}

// record is one row of a sheet or entry of a YAML list, by column key.
type record struct {
	row    int
	fields map[string]field
}

// get returns the field of key; a column the file lacks has the header
// Template writes, for a problem naming it.
func (r record) get(key string, names map[string]string) field {
	if f, ok := r.fields[key]; ok {
		return f
	}
	name := names[key]
	if name == "" {
		for _, c := range columns {
			if c.key == key {
				name = c.header
			}
		}
	}
	return field{col: name}
}

// build checks records and turns them into enterprises: all of them, or
// none and a roster.Errors naming every problem by row and column.
func build(recs []record, cfg *config.Config, names map[string]string) ([]Enterprise, error) {
	if len(recs) == 0 {
		return nil, roster.NewProblem("EnterpriseProblemEmpty")
	}
	if max := roster.Limits(cfg).MaxRows; len(recs) > max {
		return nil, &roster.LimitError{Key: roster.LimitRows, Max: int64(max), Seen: int64(len(recs))}
	}
	people := roster.NewPeople(cfg)
	units := unitFinder(cfg)
	var (
		out   = make([]Enterprise, 0, len(recs))
		errs  roster.Errors
		first = make(map[string]int, len(recs)) // code → row it first appeared in
	)
	for _, rec := range recs {
		bad := false
		fail := func(f field, err error) {
			bad = true
			errs.Total++
			if len(errs.List) < roster.MaxListed {
				errs.List = append(errs.List, roster.RowError{Row: rec.row, Column: f.col, Err: err})
			}
		}
		get := func(key string) field { return rec.get(key, names) }
		required := func(key string) (field, bool) {
			f := get(key)
			if f.value == "" {
				fail(f, roster.NewProblem("EnterpriseProblemRequired"))
				return f, false
			}
			return f, true
		}
		e := Enterprise{Row: rec.row}

		if f, ok := required(colName); ok {
			if strings.HasPrefix(f.value, exampleMark) {
				fail(field{}, roster.NewProblem("EnterpriseProblemExample"))
				continue
			}
			e.Name = f.value
		}
		if f, ok := required(colCode); ok {
			code, err := checkCode(f.value)
			switch {
			case err != nil:
				fail(f, err)
			case first[code] != 0:
				fail(f, roster.NewProblem("EnterpriseProblemDuplicate", "Value", code, "Row", first[code]))
			default:
				first[code] = rec.row
				e.Code = code
			}
		}
		e.Address = get(colAddress).value
		if f, ok := required(colIndustry); ok {
			if e.Industry, ok = lookupWord(industryWords, Industries, f.value); !ok {
				fail(f, roster.NewProblem("EnterpriseProblemIndustry", "Value", roster.Quoted(f.value), "Words", wordList(industryWords, Industries)))
			}
		}
		if f, ok := required(colRisk); ok {
			if e.Risk, ok = lookupWord(riskWords, Risks, f.value); !ok {
				fail(f, roster.NewProblem("EnterpriseProblemRisk", "Value", roster.Quoted(f.value), "Words", wordList(riskWords, Risks)))
			}
		}
		e.MajorHazardNote = get(colMajorHazardNote).value
		switch f := get(colMajorHazard); {
		case containsFold(yesWords, f.value):
			e.MajorHazard = true
		case f.value == "" && e.MajorHazardNote != "":
			e.MajorHazard = true // a 重大危险源 described is one
		case !containsFold(noWords, f.value):
			fail(f, roster.NewProblem("EnterpriseProblemYesNo", "Value", roster.Quoted(f.value)))
		}
		official := func(key string, need bool) string {
			f := get(key)
			if f.value == "" {
				if need {
					fail(f, roster.NewProblem("EnterpriseProblemRequired"))
				}
				return ""
			}
			id, err := people.One(f.value)
			if err != nil {
				fail(f, err)
			}
			return id
		}
		e.Admin = official(colAdmin, true)
		e.Supervisor = official(colSupervisor, true)
		e.Guarantor = official(colGuarantor, false)
		e.AdminName, e.SupervisorName, e.GuarantorName = cfg.OfficialName(e.Admin), cfg.OfficialName(e.Supervisor), ""
		if e.Guarantor != "" {
			e.GuarantorName = cfg.OfficialName(e.Guarantor)
		}
		contact := func(nameKey, phoneKey string, need bool) storage.Contact {
			var c storage.Contact
			if need {
				f, _ := required(nameKey)
				c.Name = f.value
			} else {
				c.Name = get(nameKey).value
			}
			if f := get(phoneKey); f.value != "" {
				if !phoneLike(f.value) {
					fail(f, roster.NewProblem("EnterpriseProblemPhone", "Value", roster.Quoted(f.value)))
				} else {
					c.Phone = config.DisplayPhone(f.value)
				}
			}
			return c
		}
		e.Head = contact(colHead, colHeadPhone, true)
		e.Principal = contact(colPrincipal, colPrincipalPhone, false)
		e.Deputy = contact(colDeputy, colDeputyPhone, false)
		e.SafetyManager = contact(colSafety, colSafetyPhone, false)
		if f, ok := required(colUnit); ok {
			if e.Unit, ok = units(f.value); !ok {
				fail(f, roster.NewProblem("EnterpriseProblemUnknownUnit", "Value", roster.Quoted(f.value)))
			}
		}
		if !bad {
			out = append(out, e)
		}
	}
	if errs.Total > 0 {
		slices.SortStableFunc(errs.List, func(a, b roster.RowError) int { return a.Row - b.Row })
		return nil, errs
	}
	return out, nil
}

// unitFinder returns a lookup of units by id or (unique) name.
func unitFinder(cfg *config.Config) func(string) (string, bool) {
	byName := map[string][]string{}
	for _, u := range cfg.People().Units {
		byName[strings.TrimSpace(u.Name)] = append(byName[strings.TrimSpace(u.Name)], u.ID)
	}
	return func(s string) (string, bool) {
		if u, ok := cfg.Unit(s); ok {
			return u.ID, true
		}
		if ids := byName[s]; len(ids) == 1 {
			return ids[0], true
		}
		return "", false
	}
}

// unitLabel is how a workbook writes a unit: its name, or its id when
// another unit has the same name.
func unitLabel(cfg *config.Config, id string) string {
	u, ok := cfg.Unit(id)
	if !ok {
		return id
	}
	for _, o := range cfg.People().Units {
		if o.ID != id && strings.TrimSpace(o.Name) == strings.TrimSpace(u.Name) {
			return id
		}
	}
	return u.Name
}

// phoneLike reports whether s reads as a phone number: 7 to 15 digits
// once separators and a country code are removed.
func phoneLike(s string) bool {
	p := strings.TrimPrefix(config.NormalizePhone(s), "+")
	if len(p) < 7 || len(p) > 15 {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	s = strings.TrimSpace(s)
	return slices.ContainsFunc(list, func(w string) bool { return strings.EqualFold(w, s) })
}

// wordList is the words a column takes, for a problem's message.
func wordList(words map[string][]string, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = words[id][0]
	}
	return strings.Join(out, "、")
}
