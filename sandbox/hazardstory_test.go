package sandbox

import (
	"regexp"
	"strings"
	"testing"

	"dutybot/app"
	"dutybot/enterprise"
	"dutybot/locales"
)

// officialID matches an official's id, which never shows on the page.
var officialID = regexp.MustCompile(`\bo-[a-z]`)

// The hazard story is played on the first enterprise of the registry with
// three different officials to play: its supervisor inspects, its 属地
// head fixes, its 行政负责人 looks on; a registry without one tells no
// hazard story, and the page keeps the 叫应 story alone.
func TestHazardStoryPicksItsPlayers(t *testing.T) {
	cfg := loadExample(t)
	ppl, err := people(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	sb := &Sandbox{cfg: cfg, app: &app.App{Catalog: cat}, people: ppl, byID: map[string]int{}}
	for i, p := range ppl {
		sb.byID[p.ID] = i
	}
	list, err := enterprise.ParseFile("../"+DemoRegistry, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := sb.pickHazardStory(list)
	if st == nil || st.Enterprise.Name != "含谷精工机械有限公司" || st.Inspector != "o-sunli" || st.Head != "o-yangfan" || st.Admin != "o-lifang" {
		t.Fatalf("the story: %+v", st)
	}
	sb.hazardStory = st
	for _, lang := range []string{locales.ZH, locales.EN} {
		stories := sb.stories(lang)
		if len(stories) != 2 || len(stories[1].Steps) != 9 {
			t.Fatalf("%s: %d stories", lang, len(stories))
		}
		for i, s := range stories[1].Steps {
			if strings.Contains(s.Text, "<no value>") || officialID.MatchString(s.Text) || s.As == "" {
				t.Errorf("%s step %d: %+v", lang, i+1, s)
			}
		}
	}
	if s := sb.stories(locales.ZH)[1].Steps; !strings.Contains(s[4].Text, "何伟（企业单位负责人）") || !s[3].Photo || !s[5].Photo || s[5].As != "o-yangfan" {
		t.Errorf("the steps: %+v", s)
	}

	// Nobody to fix it but the inspector: no story.
	solo := []enterprise.Enterprise{list[0]}
	solo[0].Supervisor = "o-yangfan"
	if st := sb.pickHazardStory(solo); st != nil {
		t.Errorf("a story where the inspector is the 属地 head: %+v", st)
	}
	sb.hazardStory = nil
	if n := len(sb.stories(locales.ZH)); n != 1 {
		t.Errorf("%d stories without a registry to play on", n)
	}
}
