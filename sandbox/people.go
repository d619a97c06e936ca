package sandbox

import (
	"fmt"
	"hash/fnv"
	"strings"

	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/locales"
)

// userIDBase keeps derived Telegram user ids clear of small test ids and
// within the range real ones use (positive, below 2^52).
const userIDBase = 6_000_000_000

// UserID is the Telegram user id the sandbox plays an official with: the
// configured telegram_id when there is one (so the config's binding holds),
// else one derived from the official's id, the same on every run.
func UserID(o config.Official) int64 {
	if o.TelegramID > 0 {
		return o.TelegramID
	}
	h := fnv.New32a()
	h.Write([]byte(o.ID))
	return userIDBase + int64(h.Sum32())
}

// Phone is the number the official's Telegram account shares with the
// 📱 button: their configured phone as Telegram sends it for a Chinese
// mobile (country code, digits only, e.g. 8613800000007).
func Phone(o config.Official) string {
	p := config.NormalizePhone(o.Phone)
	if len(p) == 11 && p[0] == '1' {
		return "86" + p
	}
	return p
}

// person is an official as the sandbox plays them.
type person struct {
	config.Official
	UserID int64
	Phone  string
}

// people lists the config's officials with distinct user ids, in config
// order; a derived id that collides moves to the next free one.
func people(cfg *config.Config) ([]person, error) {
	out := make([]person, 0, len(cfg.People().Officials))
	used := map[int64]string{}
	for _, o := range cfg.People().Officials {
		if o.TelegramID > 0 {
			used[o.TelegramID] = o.ID
		}
	}
	for _, o := range cfg.People().Officials {
		id := UserID(o)
		if o.TelegramID == 0 {
			for used[id] != "" {
				id++
			}
		} else if used[id] != o.ID {
			return nil, fmt.Errorf("officials %s and %s share telegram_id %d", used[id], o.ID, id)
		}
		used[id] = o.ID
		out = append(out, person{Official: o, UserID: id, Phone: Phone(o)})
	}
	return out, nil
}

// fakeUser is the Telegram account of p, speaking the official's language.
func fakeUser(cfg *config.Config, p person) fakeapi.User {
	lang := p.Language
	if lang == "" {
		lang = cfg.Language
	}
	code := "zh-hans"
	if locales.Match(lang) == locales.EN {
		code = "en"
	}
	return fakeapi.User{ID: p.UserID, FirstName: p.Name, Username: strings.ReplaceAll(p.ID, "-", "_"), LanguageCode: code}
}
