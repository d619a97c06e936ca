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
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(strings.NewReader(strings.TrimPrefix(string(data), "\uFEFF")))
	dec.KnownFields(true)
	var list []yamlShift
	if err := dec.Decode(&list); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errNoShifts
		}
		return nil, fmt.Errorf("decode YAML roster: %w", err)
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
	return build(recs, cfg, options{})
}
