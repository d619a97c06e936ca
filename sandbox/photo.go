package sandbox

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
)

// maxPhoto is the size of a photo the page may send: Telegram's limit
// for a photo sent to a bot.
const maxPhoto = 10 << 20

// SamplePhoto is the file name of the picture "示例照片" sends, for a
// player with no photo to hand: the hazard loop asks for photos of a fix.
const SamplePhoto = "sample-photo.png"

// handlePhoto sends a photo as the official, as Telegram's 📷 does: the
// image uploaded ("file"), or with "sample" set a made-up picture, with an
// optional caption. Anything that is not an image is refused.
func (s *Sandbox) handlePhoto(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPhoto+1<<20)
	if err := r.ParseMultipartForm(maxPhoto); err != nil {
		fail(w, http.StatusBadRequest, "want a multipart form with an image of at most %d MB: %v", maxPhoto>>20, err)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	p, ok := s.person(w, r.FormValue("as"))
	if !ok {
		return
	}
	caption := strings.TrimSpace(r.FormValue("caption"))
	if n := len([]rune(caption)); n > 1024 {
		fail(w, http.StatusBadRequest, "the caption has %d characters; Telegram allows 1024", n)
		return
	}
	name, data := SamplePhoto, s.samplePhoto()
	if r.FormValue("sample") == "" {
		f, fh, err := r.FormFile("file")
		if err != nil {
			fail(w, http.StatusBadRequest, `the form has no "file" (or "sample"): %v`, err)
			return
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			fail(w, http.StatusBadRequest, "read the photo: %v", err)
			return
		}
		name = fh.Filename
	}
	if ct := http.DetectContentType(data); !strings.HasPrefix(ct, "image/") {
		fail(w, http.StatusBadRequest, "%q is not an image (%s): send it with 📎 as a file", name, ct)
		return
	}
	id, _ := s.fake.SendPhoto(p.UserID, name, data, caption)
	writeJSON(w, http.StatusOK, sent{Message: id})
}

// samplePhoto draws a small picture: a grey wall with a red electrical
// box, its shade changing from one photo to the next.
func (s *Sandbox) samplePhoto() []byte {
	n := uint8(s.samples.Add(1))
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			c := color.RGBA{200, 200, 196, 255}
			switch {
			case x >= 110 && x < 210 && y >= 60 && y < 180:
				c = color.RGBA{190 - n*13%60, 40, 40, 255}
			case y >= 200:
				c = color.RGBA{120, 110, 100, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to memory cannot fail
	return b.Bytes()
}
