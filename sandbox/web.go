package sandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"dutybot/config"
	"dutybot/locales"
)

//go:embed web
var webFiles embed.FS

// web holds the parsed page.
type web struct {
	page   *template.Template
	static http.Handler
}

func newWeb(s *Sandbox) (*web, error) {
	page, err := template.ParseFS(webFiles, "web/index.html")
	if err != nil {
		return nil, fmt.Errorf("sandbox: page template: %w", err)
	}
	sub, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		return nil, fmt.Errorf("sandbox: static files: %w", err)
	}
	return &web{page: page, static: http.StripPrefix("/sandbox/static/", http.FileServerFS(sub))}, nil
}

// Handler serves the chat page and its JSON endpoints, and the app's own
// HTTP interface (API, /board, /healthz, /metrics) beside them.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	mux.HandleFunc("GET /{$}", s.handlePage)
	mux.Handle("GET /sandbox/static/", s.web.static)
	mux.Handle("/", s.app.Handler())
	return mux
}

// uiStrings are the message ids the page's script needs, by short name.
var uiStrings = map[string]string{
	"bound":      "SandboxBound",
	"unbound":    "SandboxUnbound",
	"edited":     "SandboxEdited",
	"pick":       "SandboxPickSomeone",
	"empty":      "SandboxEmptyChat",
	"start":      "SandboxStartButton",
	"contact":    "SandboxContactShared",
	"download":   "SandboxDownload",
	"noAnswer":   "SandboxNoAnswer",
	"error":      "SandboxError",
	"offline":    "SandboxOffline",
	"chatWith":   "SandboxChatAs",
	"sentFile":   "SandboxSentFile",
	"uploadHint": "SandboxUploadHint",
	"photo":      "SandboxPhotoAlt",
	"members":    "SandboxGroupMembers",
	"groupEmpty": "SandboxGroupEmpty",
}

// story is one walk-through of the "try this" panel.
type story struct {
	Title string
	Steps []step
}

// step is one line of a story: text, and optionally an official to switch
// to, a command to put in the input box, a page to open (the board), or a
// button sending the sample photo as the official.
type step struct {
	Text  string
	As    string
	Cmd   string
	Href  string
	Photo bool
	// Group opens the work group's chat (工作群) with As picked as the
	// member who speaks and presses, instead of As's private chat.
	Group string
}

// boardPath is the duty board, served beside the chat.
const boardPath = "/board"

// pageData is what index.html renders.
type pageData struct {
	Lang      string
	OtherLang string
	OtherName string
	T         func(id string) string
	Stories   []story
	Token     string
	Curl      string
	Speed     string
	Roster    string // the demo roster, when one is loaded
	Strings   template.JS
}

func (s *Sandbox) handlePage(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r)
	if q := locales.Match(r.URL.Query().Get("lang")); q != "" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: q, Path: "/", SameSite: http.SameSiteLaxMode})
	}
	cat := s.app.Catalog
	t := func(id string) string { return cat.T(lang, id, nil) }
	strs := map[string]string{}
	for k, id := range uiStrings {
		strs[k] = cat.T(lang, id, map[string]any{"Name": "{name}", "Phone": "{phone}", "File": "{file}", "Count": "{count}"})
	}
	js, err := json.Marshal(strs)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	d := pageData{Lang: lang, T: t, Token: s.apiToken, Strings: template.JS(js),
		Stories: s.stories(lang),
		Speed:   cat.T(lang, "SandboxSpeed", map[string]any{"Speed": s.speed, "Policies": describePolicies(s.cfg)}),
		Roster:  s.rosterNote(lang),
		Curl: fmt.Sprintf(`curl -H 'Authorization: Bearer %s' -d '{"level":"red","title":"暴雨红色预警","body":"请立即到岗","targets":{"units":["v-hangu"]}}' %sapi/v1/alerts`,
			s.apiToken, s.URL()),
	}
	d.OtherLang, d.OtherName = locales.EN, "English"
	if lang == locales.EN {
		d.OtherLang, d.OtherName = locales.ZH, "中文"
	}
	var buf bytes.Buffer
	if err := s.web.page.Execute(&buf, d); err != nil {
		s.log.Error("render the sandbox page", "err", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// stories are the walk-throughs of the "try this" panel: a 叫应 escalated
// and answered; when the registry has an enterprise to play it on, the
// hazard loop from one inspection to 销号; and a 叫应 answered in a work
// group.
func (s *Sandbox) stories(lang string) []story {
	cat := s.app.Catalog
	out := []story{{Title: cat.T(lang, "SandboxStoryAlert", nil), Steps: s.steps(lang)}}
	if steps := s.hazardSteps(lang); steps != nil {
		out = append(out, story{Title: cat.T(lang, "SandboxStoryHazard", nil), Steps: steps})
	}
	if steps := s.groupSteps(lang); steps != nil {
		out = append(out, story{Title: cat.T(lang, "SandboxStoryGroup", nil), Steps: steps})
	}
	return out
}

// steps is the "try this" story on the example town (黄磊 raises a red
// alert to 含谷村, whose head 杨帆 stays silent until it reaches 王强); a
// configuration without those officials gets the same story in general terms.
// The board is opened while the call is still open, so that it shows the
// silent official waiting and escalated; the acknowledgement comes last.
func (s *Sandbox) steps(lang string) []step {
	cat := s.app.Catalog
	const duty, head, leader = "o-huanglei", "o-yangfan", "o-wangqiang"
	_, ok1 := s.byID[duty]
	_, ok2 := s.byID[head]
	_, ok3 := s.byID[leader]
	_, ok4 := s.cfg.Unit("v-hangu")
	silent, generic := "SandboxTry5", "SandboxTryGeneric3"
	if s.redRings() {
		silent, generic = "SandboxTry5Phone", "SandboxTryGeneric3Phone"
	}
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return []step{
			{Text: cat.T(lang, "SandboxTryGeneric1", nil)},
			{Text: cat.T(lang, "SandboxTryGeneric2", nil), Cmd: "/alert"},
			{Text: cat.T(lang, generic, nil)},
			{Text: cat.T(lang, "SandboxTryGeneric4", nil), Href: boardPath},
			{Text: cat.T(lang, "SandboxTryGeneric5", nil)},
		}
	}
	name := func(id string) string { return s.people[s.byID[id]].Name }
	data := map[string]any{"Duty": name(duty), "Head": name(head), "Leader": name(leader)}
	return []step{
		{Text: cat.T(lang, "SandboxTry1", data), As: duty},
		{Text: cat.T(lang, "SandboxTry2", data), As: head},
		{Text: cat.T(lang, "SandboxTry3", data), As: leader},
		{Text: cat.T(lang, "SandboxTry4", data), As: duty, Cmd: StoryAlert},
		{Text: cat.T(lang, silent, data), As: head},
		{Text: cat.T(lang, "SandboxTry6", data), As: leader},
		{Text: cat.T(lang, "SandboxTry7", data), Href: boardPath},
		{Text: cat.T(lang, "SandboxTry8", data), As: head},
	}
}

// redRings reports whether a red alert rings the silent recipient's own
// phone, so the story can say so.
func (s *Sandbox) redRings() bool {
	return slices.ContainsFunc(s.cfg.Policy("red"), func(st config.Step) bool {
		return st.Action == config.ActionCall && config.PhoneStepTarget(st.To) == config.ToSelf
	})
}

// rosterNote tells, under the story, that a demo roster is loaded and its
// hours; "" when none is.
func (s *Sandbox) rosterNote(lang string) string {
	if len(s.demoShifts) == 0 {
		return ""
	}
	lines := make([]string, len(s.demoShifts))
	for i, sh := range s.demoShifts {
		lines[i] = s.app.Rota.Line(lang, sh)
	}
	sep := "；"
	if lang == locales.EN {
		sep = "; "
	}
	return s.app.Catalog.T(lang, "SandboxDemoRoster", map[string]any{"Shifts": strings.Join(lines, sep)})
}

// StoryAlert is the red alert of the "try this" story.
const StoryAlert = "/alert 红 v-hangu 暴雨红色预警 | 请立即到岗"
