// Package locales holds every user-visible string of dutybot in Simplified
// Chinese (the default) and English, served through go-i18n.
package locales

import (
	"embed"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var files embed.FS

// Supported language tags, default first.
const (
	ZH = "zh-CN"
	EN = "en"
)

// Languages lists the supported language tags, default first.
func Languages() []string { return []string{ZH, EN} }

// Catalog translates message ids.
type Catalog struct {
	def        string
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	ids        map[string][]string
}

// New loads the embedded message files; def is the fallback language.
func New(def string) (*Catalog, error) {
	if def != ZH && def != EN {
		return nil, fmt.Errorf("locales: unsupported default language %q", def)
	}
	b := i18n.NewBundle(language.MustParse(def))
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	c := &Catalog{def: def, bundle: b, localizers: map[string]*i18n.Localizer{}, ids: map[string][]string{}}
	for _, lang := range []string{ZH, EN} {
		for _, name := range fileNames(lang) {
			mf, err := b.LoadMessageFileFS(files, name)
			if err != nil {
				return nil, fmt.Errorf("locales: load %s: %w", name, err)
			}
			for _, m := range mf.Messages {
				if slices.Contains(c.ids[lang], m.ID) {
					return nil, fmt.Errorf("locales: %s: message %s is defined twice", name, m.ID)
				}
				c.ids[lang] = append(c.ids[lang], m.ID)
			}
		}
		sort.Strings(c.ids[lang])
		c.localizers[lang] = i18n.NewLocalizer(b, lang, def)
	}
	return c, nil
}

// Has reports whether id is a message of the default language.
func (c *Catalog) Has(id string) bool {
	_, found := slices.BinarySearch(c.ids[c.def], id)
	return found
}

// fileNames lists a language's message files: "zh-CN.yaml" and every
// "<area>.zh-CN.yaml", so each area of the bot keeps its strings apart.
func fileNames(lang string) []string {
	entries, _ := files.ReadDir(".")
	var out []string
	for _, e := range entries {
		if n := e.Name(); n == lang+".yaml" || strings.HasSuffix(n, "."+lang+".yaml") {
			out = append(out, n)
		}
	}
	return out
}

// Default returns the fallback language.
func (c *Catalog) Default() string { return c.def }

// Match maps a Telegram language_code or config value to a supported
// language, or "" when none fits.
func Match(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	switch {
	case code == "":
		return ""
	case strings.HasPrefix(code, "zh"):
		return ZH
	case strings.HasPrefix(code, "en"):
		return EN
	}
	return ""
}

// T renders message id in lang with data; an unknown id renders as the id
// itself so a missing string is visible rather than silent.
func (c *Catalog) T(lang, id string, data map[string]any) string {
	l := c.localizers[lang]
	if l == nil {
		l = c.localizers[c.def]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// TPairs is T with the data as pairs of keys and values ("Time", "08:30",
// "Name", "张明"), as the board and the ledger render many short lines.
func (c *Catalog) TPairs(lang, id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return c.T(lang, id, data)
}

// IDs lists the message ids defined for lang.
func (c *Catalog) IDs(lang string) []string { return c.ids[lang] }
