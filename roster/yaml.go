package roster

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"dutybot/config"
)

// yamlShift is one entry of a YAML roster.
type yamlShift struct {
	Date   string    `yaml:"date"`
	Time   string    `yaml:"time"`
	Leader string    `yaml:"leader"`
	Staff  yamlNames `yaml:"staff"`
	Place  string    `yaml:"place"`
	Phone  string    `yaml:"phone"`
	Kind   string    `yaml:"kind"`
	Note   string    `yaml:"note"`
}

// yamlNames is a list of people, or one string naming them as in a
// spreadsheet cell ("吴敏、马超").
type yamlNames []string

func (n *yamlNames) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		*n = yamlNames{node.Value}
		return nil
	}
	var list []string
	if err := node.Decode(&list); err != nil {
		return err
	}
	*n = list
	return nil
}

// ParseYAML reads a roster written as a YAML list of shifts:
//
//   - date: 2026-10-01
//     time: 08:00-次日08:00   # optional, as in a spreadsheet; default 全天
//     leader: 张明             # a name, id or phone
//     staff: [吴敏, 马超]
//     place: 镇政府值班室
//     phone: 023-12345678
//     kind: holiday           # or 节假日; default daily
//     note: ""
//
// Values are read as the spreadsheet cells of the same meaning, so an
// entry without a date has the date of the entry before. In errors, Row is
// the entry's position in the list, from 1, and Column its key. Unknown keys
// are an error. If any entry is bad it returns no shifts and an Errors
// listing every problem.
func ParseYAML(r io.Reader, cfg *config.Config) ([]Shift, error) {
	if cfg == nil {
		return nil, errors.New("roster: nil configuration")
	}
	b, cancel := newBudget(cfg)
	defer cancel()
	data, err := b.readAll(r)
	if err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	// yaml.v3 builds a tree of the whole document first, about a kilobyte
	// per node, and cannot be stopped: count before.
	if n := yamlNodes(text); n > b.MaxCells {
		return nil, &LimitError{Key: LimitCells, Max: int64(b.MaxCells), Seen: int64(n)}
	}
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	var list []yamlShift
	if err := dec.Decode(&list); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errNoShifts
		}
		return nil, fmt.Errorf("decode YAML roster: %w", err)
	}
	if len(list) > b.MaxRows {
		return nil, &LimitError{Key: LimitRows, Max: int64(b.MaxRows), Seen: int64(len(list))}
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	recs := make([]record, len(list))
	for i, e := range list {
		rec := record{
			row:    i + 1,
			date:   field{"date", strings.TrimSpace(e.Date)},
			hours:  field{"time", strings.TrimSpace(e.Time)},
			leader: field{"leader", strings.TrimSpace(e.Leader)},
			place:  field{"place", strings.TrimSpace(e.Place)},
			phone:  field{"phone", strings.TrimSpace(e.Phone)},
			kind:   field{"kind", strings.TrimSpace(e.Kind)},
			note:   field{"note", strings.TrimSpace(e.Note)},
			staff:  []field{{col: "staff"}},
		}
		if len(e.Staff) > 0 {
			rec.staff = rec.staff[:0]
			for _, s := range e.Staff {
				rec.staff = append(rec.staff, field{"staff", strings.TrimSpace(s)})
			}
		}
		rec.own = true // an entry is never a note
		recs[i] = rec
	}
	return build(b, recs, cfg, options{})
}

// yamlNodes returns about how many nodes (keys, values, lists and maps) a
// YAML document makes, seldom fewer: every node but the first starts after
// an indicator, "- ", ": ", "? ", "[", "{" or ",", each counted for the
// node it opens and one more (a key's value, a list's first item, an
// implicit null). Indicators inside quotes count too, so a note full of
// commas counts high.
func yamlNodes(text string) int {
	n := 1
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '-', ':', '?':
			if i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\t' || text[i+1] == '\n' || text[i+1] == '\r' {
				n += 2
			}
		case '[', '{', ',':
			n += 2
		}
	}
	return n
}
