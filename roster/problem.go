package roster

import (
	"errors"
	"strconv"
	"sync"

	"dutybot/locales"
)

// Problem is something wrong with a roster, as a message of
// locales/roster.*.yaml (ID, rendered with Data), so that each reader gets
// it in their language: the sender in chat, the operator at the command
// line (Text, RowError.Text). Error gives it in English, for logs and the
// HTTP API.
type Problem struct {
	ID   string
	Data map[string]any
}

// problem returns the Problem id with data given as key, value pairs.
func problem(id string, kv ...any) *Problem {
	data := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i].(string)] = kv[i+1]
	}
	return &Problem{ID: id, Data: data}
}

// english is the catalog that Error renders problems with: loaded once,
// when a problem is first told, and never changed.
var english = sync.OnceValues(func() (*locales.Catalog, error) { return locales.New(locales.EN) })

// Error returns the problem in English.
func (p *Problem) Error() string {
	cat, err := english()
	if err != nil {
		return p.ID
	}
	return cat.T(locales.EN, p.ID, p.Data)
}

// Translator renders a message of locales in a language; *locales.Catalog
// is one.
type Translator interface {
	T(lang, id string, data map[string]any) string
}

// Text returns err in lang: a Problem, also wrapped, through tr (without
// the context it was wrapped in, such as the sheet's name); any other
// error as it is.
func Text(tr Translator, lang string, err error) string {
	var p *Problem
	if errors.As(err, &p) {
		return tr.T(lang, p.ID, p.Data)
	}
	return err.Error()
}

// Text returns the row's problem in lang, e.g. `第 5 行（值班人员）：“王某”不是配置中的人员`.
func (e RowError) Text(tr Translator, lang string) string {
	id := "RosterImportRow"
	if e.Column == "" {
		id = "RosterImportRowWhole"
	}
	return tr.T(lang, id, map[string]any{"Row": e.Row, "Column": e.Column, "Error": Text(tr, lang, e.Err)})
}

// quoted is a value from the file for a problem's message: cut short, with
// control characters and the like escaped as Go quotes them, without the
// quotes (each language quotes it its own way).
func quoted(s string) string {
	q := strconv.Quote(clip(s, maxQuoted))
	return q[1 : len(q)-1]
}
