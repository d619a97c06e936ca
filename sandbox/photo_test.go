package sandbox

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// sendPhoto plays the official sending a photo from the page: the file
// given, or the sample when name is "". It returns the status and the
// answer.
func sendPhoto(t *testing.T, sb *Sandbox, official, name string, data []byte, caption string) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("as", official)
	if caption != "" {
		_ = mw.WriteField("caption", caption)
	}
	if name == "" {
		_ = mw.WriteField("sample", "1")
	} else {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	resp, err := http.Post(sb.URL()+"sandbox/photo", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// get fetches a path of the sandbox.
func get(t *testing.T, sb *Sandbox, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(sb.URL(), "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// pngOf is a small picture, as a phone's photo would be.
func pngOf(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The page sends photos as Telegram's 📷 does: the bot gets a photo, the
// chat shows it on the official's side, the image is served to show; the
// sample needs no file. Something not an image is refused and reaches
// nobody.
func TestSendPhoto(t *testing.T) {
	sb := start(t, 60)
	bind(t, sb, "o-sunli")
	pic := pngOf(t)
	if code, out := sendPhoto(t, sb, "o-sunli", "现场.png", pic, "配电箱"); code != http.StatusOK || out["message"] == nil {
		t.Fatalf("send a photo: %d %v", code, out)
	}
	if code, out := sendPhoto(t, sb, "o-sunli", "", nil, ""); code != http.StatusOK {
		t.Fatalf("send the sample: %d %v", code, out)
	}
	c := waitChat(t, sb, "o-sunli", "two photos", func(c Chat) bool {
		n := 0
		for _, m := range c.Messages {
			if m.From == "user" && m.Photo != "" {
				n++
			}
		}
		return n == 2
	})
	var shown []Item
	for _, m := range c.Messages {
		if m.From == "user" && m.Photo != "" {
			shown = append(shown, m)
		}
	}
	if shown[0].Text != "配电箱" || shown[0].Document != "" {
		t.Errorf("the photo's item: %+v", shown[0])
	}
	resp, data := get(t, sb, shown[0].Photo)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("Content-Disposition") != "" || !bytes.Equal(data, pic) {
		t.Errorf("the photo served: %s %q %q, %d bytes", resp.Status, resp.Header.Get("Content-Type"),
			resp.Header.Get("Content-Disposition"), len(data))
	}
	resp, data = get(t, sb, shown[1].Photo)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || len(data) < 100 {
		t.Errorf("the sample served: %s %q, %d bytes", resp.Status, resp.Header.Get("Content-Type"), len(data))
	}

	before := len(sb.fake.UserMessages(sb.people[sb.byID["o-sunli"]].UserID))
	for _, tt := range []struct {
		name, file string
		data       []byte
		code       int
		says       string
	}{
		{"not an image", "x.png", []byte("<html><script>alert(1)</script>"), 400, "not an image"},
		{"empty", "x.jpg", nil, 400, "not an image"},
	} {
		code, out := sendPhoto(t, sb, "o-sunli", tt.file, tt.data, "")
		if code != tt.code || !strings.Contains(out["error"].(string), tt.says) {
			t.Errorf("%s: %d %v", tt.name, code, out)
		}
	}
	if code, out := sendPhoto(t, sb, "o-nobody", "", nil, ""); code != http.StatusNotFound {
		t.Errorf("a photo as nobody: %d %v", code, out)
	}
	if after := len(sb.fake.UserMessages(sb.people[sb.byID["o-sunli"]].UserID)); after != before {
		t.Errorf("refused photos reached the bot: %d messages, were %d", after, before)
	}
}
