package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"dutybot/directory"
)

// ErrNoDirectoryFile is a reload asked of a configuration without
// directory.file: there is nothing to read again.
var ErrNoDirectoryFile = errors.New("the configuration names no 通讯录 (directory.file): units and officials come from its YAML lists, which a restart reloads")

// Change is what a reload of the 通讯录 changed in the directory: who
// came, who went, whose unit, phone, roles, name, title or language
// changed, and which units changed head or 分管领导. Ids, in directory
// order (removed ones in the old directory's).
type Change struct {
	Officials int // officials in the directory now
	Units     int // units in the directory now

	Added   []string
	Removed []string
	Changed []string

	UnitsAdded   []string
	UnitsRemoved []string
	// Heads are the units whose head or 分管领导 changed.
	Heads []string
}

// String sums the change up for a log or a terminal.
func (ch Change) String() string {
	return fmt.Sprintf("%d officials, %d units: %d added, %d removed, %d changed; units %d added, %d removed, %d with a new head or 分管领导",
		ch.Officials, ch.Units, len(ch.Added), len(ch.Removed), len(ch.Changed), len(ch.UnitsAdded), len(ch.UnitsRemoved), len(ch.Heads))
}

// Empty reports whether the reload changed nothing.
func (ch Change) Empty() bool {
	return len(ch.Added)+len(ch.Removed)+len(ch.Changed)+len(ch.UnitsAdded)+len(ch.UnitsRemoved)+len(ch.Heads) == 0
}

// ReloadDirectory reads the 通讯录 of directory.file again and, if every
// row is right against the configuration, makes it the directory of every
// holder of the Config (SetPeople); it returns what changed. A file with
// any problem changes nothing: the error lists the problems by row and
// column (a *directory.FileError, alone or inside Errors). The YAML units:
// and officials: are those parsed at start. Alerts already raised keep
// their recipients; officials removed stay known to them (Former).
func (c *Config) ReloadDirectory() (Change, error) {
	if c.Directory.File == "" || c.directoryPath == "" {
		return Change{}, ErrNoDirectoryFile
	}
	if c.people == nil {
		c.people = &peopleBox{}
	}
	c.people.reload.Lock()
	defer c.people.reload.Unlock()
	p, err := c.fileDirectory()
	if err != nil {
		return Change{}, fmt.Errorf("reload %s: %w", c.Directory.File, err)
	}
	old := c.People()
	ch := diff(old, p)
	p.former = formerOf(old, p, ch.Removed)
	c.SetPeople(p)
	return ch, nil
}

// KeepFormer makes officials a reload removed before this process started
// known again (Former) where the directory no longer lists them: their
// alerts, raised before, still run. The caller reads them from where it
// kept them (app: the database).
func (c *Config) KeepFormer(list []Official) {
	if c.people == nil {
		c.people = &peopleBox{}
	}
	c.people.reload.Lock()
	defer c.people.reload.Unlock()
	old := c.People()
	p := *old
	p.former = make(map[string]Official, len(old.former)+len(list))
	for id, o := range old.former {
		p.former[id] = o
	}
	for _, o := range list {
		if _, listed := old.Official(o.ID); !listed {
			p.former[o.ID] = o
		}
	}
	c.SetPeople(&p)
}

// formerOf carries the officials removed from old over to the directory
// replacing it, with those removed earlier and not back.
func formerOf(old, p *People, removed []string) map[string]Official {
	if len(removed) == 0 && len(old.former) == 0 {
		return nil
	}
	out := make(map[string]Official, len(old.former)+len(removed))
	for id, o := range old.former {
		if _, back := p.Official(id); !back {
			out[id] = o
		}
	}
	for _, id := range removed {
		out[id], _ = old.Official(id)
	}
	return out
}

// diff compares two directories.
func diff(old, p *People) Change {
	ch := Change{Officials: len(p.Officials), Units: len(p.Units)}
	for _, o := range p.Officials {
		was, ok := old.Official(o.ID)
		switch {
		case !ok:
			ch.Added = append(ch.Added, o.ID)
		case !sameOfficial(was, o):
			ch.Changed = append(ch.Changed, o.ID)
		}
	}
	for _, o := range old.Officials {
		if _, ok := p.Official(o.ID); !ok {
			ch.Removed = append(ch.Removed, o.ID)
		}
	}
	for _, u := range p.Units {
		was, ok := old.Unit(u.ID)
		switch {
		case !ok:
			ch.UnitsAdded = append(ch.UnitsAdded, u.ID)
		case was.Head != u.Head || was.Leader != u.Leader:
			ch.Heads = append(ch.Heads, u.ID)
		}
	}
	for _, u := range old.Units {
		if _, ok := p.Unit(u.ID); !ok {
			ch.UnitsRemoved = append(ch.UnitsRemoved, u.ID)
		}
	}
	return ch
}

// sameOfficial reports whether a reload left an official as they were.
func sameOfficial(a, b Official) bool {
	return a.Name == b.Name && a.Unit == b.Unit && NormalizePhone(a.Phone) == NormalizePhone(b.Phone) &&
		slices.Equal(a.Roles, b.Roles) && a.Title == b.Title && a.Language == b.Language && a.TelegramID == b.TelegramID
}

// Problems lists what is wrong with a refused configuration or 通讯录, one
// line each, as an API answers them: "通讯录.xlsx row 17 (手机号): …" for
// a row, "officials[3].phone: …" for a key of the configuration.
func Problems(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var list Errors
		var fe *directory.FileError
		switch {
		case errors.As(err, &list):
			for _, e := range list {
				walk(e)
			}
		case errors.As(err, &fe):
			for _, p := range fe.Problems {
				if p.Row == 0 {
					out = append(out, fe.Name+": "+p.Msg)
				} else {
					out = append(out, fe.Name+" "+p.String())
				}
			}
		default:
			out = append(out, strings.TrimSpace(err.Error()))
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}
