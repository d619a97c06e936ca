// Package supervision answers /who: which department leads the
// supervision of a sector and who its 分管领导 is. Item 7 of the plan asks
// every official to know it (谁主管谁牵头), including the new risks that fall
// between departments: 充电桩, 密室逃脱, 农村自建房…
package supervision

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"dutybot/config"
)

//go:embed default.yaml
var defaultYAML []byte

// Default returns the built-in list of sectors.
func Default() ([]config.Sector, error) {
	var s []config.Sector
	if err := yaml.Unmarshal(defaultYAML, &s); err != nil {
		return nil, fmt.Errorf("read the built-in supervision list: %w", err)
	}
	return s, nil
}

// Guide looks sectors up.
type Guide struct {
	cfg     *config.Config
	sectors []config.Sector
	// Skipped are built-in sectors left out because the configuration
	// lacks their lead unit.
	Skipped []config.Sector
}

// New builds the guide of cfg: the built-in sectors whose lead unit it has
// (unless supervision.builtin is false), each replaced by a configured
// sector of the same name, then the other configured sectors.
func New(cfg *config.Config) (*Guide, error) {
	g := &Guide{cfg: cfg}
	own := map[string]config.Sector{}
	for _, s := range cfg.Supervision.Sectors {
		own[s.Name] = s
	}
	var all []config.Sector
	if cfg.Supervision.UseBuiltin() {
		var err error
		if all, err = Default(); err != nil {
			return nil, err
		}
	}
	for _, s := range all {
		if c, ok := own[s.Name]; ok {
			g.sectors = append(g.sectors, c)
			delete(own, s.Name)
			continue
		}
		if _, ok := cfg.Unit(s.Lead); ok {
			s.With = slices.DeleteFunc(s.With, func(u string) bool { _, ok := cfg.Unit(u); return !ok })
			g.sectors = append(g.sectors, s)
		} else {
			g.Skipped = append(g.Skipped, s)
		}
	}
	for _, s := range cfg.Supervision.Sectors {
		if _, ok := own[s.Name]; ok {
			g.sectors = append(g.sectors, s)
		}
	}
	return g, nil
}

// Sectors returns the sectors the guide knows, in their order.
func (g *Guide) Sectors() []config.Sector { return g.sectors }

// Answer is one sector found, with its units and their 分管领导.
type Answer struct {
	Sector config.Sector
	Lead   config.Unit
	Head   config.Official // the lead unit's 单位负责人; empty if none
	Leader config.Official // the lead unit's 分管领导; empty if none
	With   []config.Unit
}

// maxAnswers bounds a lookup: a word found in many sectors is too vague.
const maxAnswers = 5

// Lookup finds the sectors a query names: a sector or alias equal to it
// first, else those containing it or contained in it (“小区充电桩” finds
// 充电桩). Case and spaces do not matter.
func (g *Guide) Lookup(query string) []Answer {
	q := fold(query)
	if q == "" {
		return nil
	}
	var exact, near []config.Sector
	for _, s := range g.sectors {
		words := append([]string{s.Name}, s.Aliases...)
		switch {
		case slices.ContainsFunc(words, func(w string) bool { return fold(w) == q }):
			exact = append(exact, s)
		case slices.ContainsFunc(words, func(w string) bool {
			f := fold(w)
			return f != "" && (strings.Contains(f, q) || strings.Contains(q, f))
		}):
			near = append(near, s)
		}
	}
	found := exact
	if len(found) == 0 {
		found = near
	}
	var out []Answer
	for _, s := range found[:min(len(found), maxAnswers)] {
		out = append(out, g.answer(s))
	}
	return out
}

func (g *Guide) answer(s config.Sector) Answer {
	a := Answer{Sector: s}
	a.Lead, _ = g.cfg.Unit(s.Lead)
	a.Head, _ = g.cfg.Official(a.Lead.Head)
	a.Leader, _ = g.cfg.Official(a.Lead.Leader)
	for _, id := range s.With {
		if u, ok := g.cfg.Unit(id); ok {
			a.With = append(a.With, u)
		}
	}
	return a
}

// fold makes words comparable: no spaces, lower case, full-width
// brackets as half-width.
func fold(s string) string {
	s = strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "").Replace(strings.TrimSpace(s))
	return strings.ToLower(s)
}
