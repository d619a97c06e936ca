package phone

import "strings"

// request words a call for the provider: the template's parameters
// {caller, level, subject, alert id, key or code} and the whole text, in
// the called person's language.
func (s *Service) request(c Call) Request {
	lang := c.Lang
	if lang == "" {
		lang = s.cfg.Language
	}
	caller := s.cfg.Phone.Caller
	if caller == "" {
		caller = s.tr.T(lang, "PhoneCallerDefault", nil)
	}
	level, title := s.tr.T(lang, "PhoneLevel_"+c.Level, nil), c.Title
	var others []string
	for _, id := range c.About {
		if id != c.Official {
			others = append(others, s.cfg.OfficialName(id))
		}
	}
	if len(others) > 0 {
		title = s.tr.T(lang, "PhoneAbout", map[string]any{"Names": strings.Join(others, s.tr.T(lang, "PhoneNameSep", nil)), "Title": c.Title})
	}
	key := s.cfg.Phone.ConfirmKey
	answer := key
	msg := "PhoneVoice"
	if c.Kind == KindSMS {
		answer, msg = c.Code, "PhoneSMS"
	}
	text := s.tr.T(lang, msg, map[string]any{"Caller": caller, "Level": level, "Subject": title, "ID": c.Alert, "Key": answer})
	return Request{ID: c.ID, Kind: c.Kind, Number: c.Number, Params: []string{caller, level, title, c.Alert, answer},
		Text: text, Alert: c.Alert, Official: c.Official, Code: c.Code}
}
