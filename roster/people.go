package roster

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"dutybot/config"
)

// directory finds officials by name, id or phone.
type directory struct {
	cfg    *config.Config
	byName map[string][]string // trimmed name → official ids, in config order
}

func newDirectory(cfg *config.Config) *directory {
	d := &directory{cfg: cfg, byName: make(map[string][]string, len(cfg.People().Officials))}
	for _, o := range cfg.People().Officials {
		name := strings.TrimSpace(o.Name)
		if name != "" {
			d.byName[name] = append(d.byName[name], o.ID)
		}
	}
	return d
}

// label returns how Template and Export write an official: the name, or
// "name（id）" when another official has the same name.
func (d *directory) label(id string) (string, bool) {
	o, ok := d.cfg.Official(id)
	if !ok {
		return "", false
	}
	name := strings.TrimSpace(o.Name)
	if name == "" || len(d.byName[name]) > 1 {
		if name == "" {
			return id, true
		}
		return name + "（" + id + "）", true
	}
	return name, true
}

var idRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// phoneLike reports whether s reads as a phone number: at least 7 digits
// once separators and a country code are removed.
func phoneLike(s string) bool {
	p := strings.TrimPrefix(config.NormalizePhone(s), "+")
	if len(p) < 7 {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// qualifierLike reports whether s may qualify a name: a phone or an id.
func qualifierLike(s string) bool { return phoneLike(s) || idRE.MatchString(s) }

// lookup returns the officials s names: by id, else by name, else by phone.
func (d *directory) lookup(s string) []string {
	if o, ok := d.cfg.Official(s); ok {
		return []string{o.ID}
	}
	if ids := d.byName[s]; len(ids) > 0 {
		return ids
	}
	if phoneLike(s) {
		if o, ok := d.cfg.OfficialByPhone(config.NormalizePhone(s)); ok {
			return []string{o.ID}
		}
	}
	return nil
}

// token is one person written in a cell, with the phones or ids written
// next to them.
type token struct {
	text  string
	quals []string
}

func isSeparator(r rune) bool {
	switch r {
	case '、', '，', ',', '/', '／', ';', '；', '|', '｜', '､':
		return true
	}
	return false
}

var closing = map[rune]rune{'(': ')', '（': '）', '[': ']', '【': '】', '<': '>', '《': '》'}

// splitPeople splits a cell into the people it names. Names are separated
// by 、 ， , / ; or spaces. Bracketed text after a name is kept as a
// qualifier if it is a phone or an id and dropped otherwise (a title such
// as "（镇长）"). A phone following a name after a space, or written straight
// after it, is a qualifier too.
func splitPeople(s string) []token {
	const (
		adjacent  = iota // nothing between the last token and here
		spaced           // only spaces
		separated        // a separator, or no token yet
	)
	var (
		toks []token
		cur  []rune
		sep  = separated
	)
	// add appends a token; a phone or id after a space qualifies the name
	// before it.
	add := func(text string, attach bool) {
		if attach && len(toks) > 0 && qualifierLike(text) {
			if last := &toks[len(toks)-1]; !qualifierLike(last.text) && len(last.quals) == 0 {
				last.quals = append(last.quals, text)
				return
			}
		}
		// "吴敏13800000010": a name with a phone written straight after it.
		if i := strings.IndexFunc(text, func(r rune) bool { return r == '+' || unicode.IsDigit(r) }); i > 0 && phoneLike(text[i:]) {
			toks = append(toks, token{text: text[:i], quals: []string{text[i:]}})
			return
		}
		toks = append(toks, token{text: text})
	}
	flush := func() {
		if text := strings.TrimSpace(string(cur)); text != "" {
			add(text, sep != separated)
			sep = adjacent
		}
		cur = cur[:0]
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case closing[r] != 0:
			flush()
			end := slices.Index(rs[i+1:], closing[r])
			if end < 0 {
				end = len(rs) - i - 1
			}
			inner := strings.TrimSpace(string(rs[i+1 : i+1+end]))
			i += end + 1
			if !qualifierLike(inner) {
				break // a title or a remark
			}
			if sep != separated && len(toks) > 0 {
				toks[len(toks)-1].quals = append(toks[len(toks)-1].quals, inner)
			} else {
				add(inner, false)
				sep = adjacent
			}
		case isSeparator(r):
			flush()
			sep = separated
		case unicode.IsSpace(r):
			flush()
			if sep == adjacent {
				sep = spaced
			}
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return toks
}

// resolve returns the ids of the officials a cell names, in order and
// without repeats, or the problems found. An unknown name, a name shared by
// two officials, and a phone or id that belongs to someone else are
// problems.
func (d *directory) resolve(cell string) ([]string, []error) {
	toks := splitPeople(cell)
	// Names are sometimes padded with spaces to align them ("王  强"), and
	// phones written in groups ("138 0000 0010").
	if squashed := strings.Join(strings.Fields(cell), ""); squashed != strings.TrimSpace(cell) && len(d.lookup(squashed)) > 0 {
		known := true
		for _, t := range toks {
			known = known && len(d.lookup(t.text)) > 0
		}
		if !known {
			toks = []token{{text: squashed}}
		}
	}
	var (
		ids  []string
		errs []error
	)
	for _, t := range toks {
		cands := d.lookup(t.text)
		if len(cands) == 0 {
			errs = append(errs, problem("RosterProblemUnknownOfficial", "Value", quoted(t.text)))
			continue
		}
		for _, q := range t.quals {
			qids := d.lookup(q)
			if len(qids) == 0 {
				continue // a phone not in the configuration (a second number, a landline)
			}
			narrowed := slices.DeleteFunc(slices.Clone(cands), func(id string) bool { return !slices.Contains(qids, id) })
			if len(narrowed) == 0 {
				errs = append(errs, problem("RosterProblemQualifierMismatch", "Value", quoted(t.text), "Qualifier", q, "Name", d.cfg.OfficialName(qids[0])))
				cands = nil
				break
			}
			cands = narrowed
		}
		switch {
		case cands == nil:
		case len(cands) > 1:
			errs = append(errs, problem("RosterProblemAmbiguous", "Value", quoted(t.text), "IDs", strings.Join(cands, ", "), "Example", cands[0]))
		case !slices.Contains(ids, cands[0]):
			ids = append(ids, cands[0])
		}
	}
	return ids, errs
}
