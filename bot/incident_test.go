package bot

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"dutybot/incident"
	"dutybot/storage"
)

func newIncidentFixture(t *testing.T) *botFixture {
	t.Helper()
	f := newBotFixture(t)
	f.b.Incidents = incident.New(f.b.Config, f.db, f.eng, f.b.Catalog, f.clk, f.b.Log)
	f.bind("o-zhang", "o-wu", "o-liu", "o-he")
	return f
}

// photo sends a photo (two sizes) from a user and returns the replies.
func (f *botFixture) photo(user int64, small, large string) []storage.Job {
	f.t.Helper()
	f.take()
	f.msgID++
	f.b.onMessage(context.Background(), &models.Message{ID: f.msgID, Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
		From:  &models.User{ID: user, LanguageCode: "zh-hans"},
		Photo: []models.PhotoSize{{FileID: small, Width: 90, Height: 60}, {FileID: large, Width: 1280, Height: 960}}})
	return f.takeChat(user)
}

func texts(js []storage.Job) string {
	var out []string
	for _, j := range js {
		out = append(out, j.Text)
	}
	return strings.Join(out, "\n---\n")
}

// Photos sent during a report are kept (the largest size's file id), at
// the photo step and before it, and go into the stored incident.
func TestIncidentReportKeepsPhotos(t *testing.T) {
	f := newIncidentFixture(t)
	zhang := uid["o-zhang"]
	if got := texts(f.say(zhang, "/incident", false)); !strings.Contains(got, "事故直报 1/10") {
		t.Fatalf("/incident: %q", got)
	}
	f.say(zhang, "刚才", false)
	if got := texts(f.photo(zhang, "small-1", "large-1")); !strings.Contains(got, "已收到照片（共 1 张）") || strings.Contains(got, "继续发送") {
		t.Errorf("a photo at the place step: %q", got)
	}
	for _, answer := range []string{"金凤路口", "某公司"} {
		f.say(zhang, answer, false)
	}
	if toast, _ := f.press(zhang, "ix:v:category:fire"); toast != "✓" {
		t.Fatalf("category press: %q", toast)
	}
	for _, answer := range []string{"0", "0", "0", "1", "-"} {
		f.say(zhang, answer, false)
	}
	if got := texts(f.photo(zhang, "small-2", "large-2")); !strings.Contains(got, "已收到照片（共 2 张）。继续发送") {
		t.Errorf("a photo at the photo step: %q", got)
	}
	if got := texts(f.say(zhang, "好的", false)); !strings.Contains(got, "发完点“完成”") {
		t.Errorf("text at the photo step: %q", got)
	}
	got := texts(f.say(zhang, "完成", false))
	if !strings.Contains(got, "现场照片：2 张") || !strings.Contains(got, "类别：火灾") || !strings.Contains(got, "初判等级：一般事故") {
		t.Fatalf("preview: %q", got)
	}
	if toast, _ := f.press(zhang, "ix:send"); toast != "已提交" {
		t.Fatalf("send press: %q", toast)
	}
	var in incident.Incident
	f.update(func(tx *storage.Tx) error {
		var err error
		in, err = incident.LoadIncident(tx, "I20261130-01")
		return err
	})
	if !reflect.DeepEqual(in.Photos, []string{"large-1", "large-2"}) || in.Category != "fire" || in.LossYuan != 10_000 ||
		in.Account != "" || in.Reporter != "o-zhang" || !in.OccurredAt.Equal(f.clk.Now()) {
		t.Errorf("stored incident = %+v", in)
	}
	// The draft is gone: a photo now is not taken by the flow.
	if js := f.photo(zhang, "s", "l"); strings.Contains(texts(js), "已收到照片") {
		t.Errorf("a photo after submitting: %q", texts(js))
	}
}

// A 已上报 prompt takes the next text as the department; a photo does not
// answer it, and a stale prompt lets text through.
func TestIncidentReportToPrompt(t *testing.T) {
	f := newIncidentFixture(t)
	res, err := f.b.Incidents.Submit(incident.Report{OccurredAt: f.clk.Now(), Place: "p", Unit: "u", Category: "gas", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Incident.ID
	liu := uid["o-liu"]
	if toast, alert := f.press(liu, incident.ReportUpData(id)); alert || toast != "请选择上报对象" {
		t.Fatalf("已上报 press: %q %v", toast, alert)
	}
	if got := texts(f.photo(liu, "s", "l")); !strings.Contains(got, "报给了哪个部门") {
		t.Errorf("a photo while asked: %q", got)
	}
	if got := texts(f.say(liu, "区应急管理局值班室", false)); !strings.Contains(got, "✅ 已记录上报：事故 "+id+" 于 08:00 由刘洋报区应急管理局值班室") {
		t.Errorf("answer: %q", got)
	}
	// Once answered the prompt is gone.
	if got := texts(f.say(liu, "区应急管理局值班室", false)); strings.Contains(got, "已记录") {
		t.Errorf("a second answer was taken: %q", got)
	}
	// Another incident: a prompt older than an hour no longer takes text.
	res, _ = f.b.Incidents.Submit(incident.Report{OccurredAt: f.clk.Now(), Place: "p", Unit: "u", Category: "gas", Source: "api"})
	f.press(liu, incident.ReportUpData(res.Incident.ID))
	f.fire(incidentPromptTTL + 1)
	if got := texts(f.say(liu, "区应急管理局", false)); strings.Contains(got, "已记录") {
		t.Errorf("a stale prompt took text: %q", got)
	}
}
