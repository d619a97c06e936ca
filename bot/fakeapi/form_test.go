package fakeapi

import (
	"bytes"
	"io"
	"maps"
	"mime/multipart"
	"strings"
	"testing"
)

const testBoundary = "b0undary"

// stdForm is what parseParams takes from a body through mime/multipart;
// ok is false when mime/multipart refuses the body.
func stdForm(t testing.TB, body []byte, boundary string) (params, bool) {
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(32 << 20)
	if err != nil {
		return params{}, false
	}
	defer func() { _ = form.RemoveAll() }()
	p := params{v: map[string]string{}, files: map[string]upload{}}
	for k, vs := range form.Value {
		p.v[k] = vs[0]
	}
	for k, fhs := range form.File {
		f, err := fhs[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			t.Fatal(err)
		}
		p.files[k] = upload{name: fhs[0].Filename, data: data}
	}
	return p, true
}

// sameForm checks that parseForm reads body exactly as mime/multipart
// does whenever it takes it, and reports whether it did.
func sameForm(t testing.TB, body []byte) bool {
	t.Helper()
	fast := params{v: map[string]string{}}
	if !parseForm(body, testBoundary, &fast) {
		if len(fast.v) > 0 || fast.files != nil {
			t.Fatalf("parseForm left a body it does not take but filled params: %+v", fast)
		}
		return false
	}
	std, ok := stdForm(t, body, testBoundary)
	if !ok {
		t.Fatalf("parseForm took %q, which mime/multipart refuses", body)
	}
	if !maps.Equal(fast.v, std.v) {
		t.Fatalf("values of %q:\nparseForm      %q\nmime/multipart %q", body, fast.v, std.v)
	}
	if len(fast.files) != len(std.files) {
		t.Fatalf("files of %q: parseForm %d, mime/multipart %d", body, len(fast.files), len(std.files))
	}
	for k, f := range std.files {
		if g := fast.files[k]; g.name != f.name || !bytes.Equal(g.data, f.data) {
			t.Fatalf("file %s of %q: parseForm %q %q, mime/multipart %q %q", k, body, g.name, g.data, f.name, f.data)
		}
	}
	return true
}

// written is a body as go-telegram/bot writes it with multipart.Writer.
func written(t testing.TB, build func(w *multipart.Writer) error) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(testBoundary); err != nil {
		t.Fatal(err)
	}
	if err := build(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func formCases(t testing.TB) []struct {
	name string
	body []byte
	fast bool // parseForm takes it rather than leaving it to mime/multipart
} {
	crlf := func(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }
	return []struct {
		name string
		body []byte
		fast bool
	}{
		{"sendMessage as the client writes it", written(t, func(w *multipart.Writer) error {
			for _, kv := range [][2]string{{"chat_id", "1001"}, {"text", "【红色预警】请立即到岗，回复“收到”。"},
				{"allow_paid_broadcast", "true"}, {"reply_markup", `{"inline_keyboard":[[{"text":"收到","callback_data":"ack:1"}]]}`}} {
				if err := w.WriteField(kv[0], kv[1]); err != nil {
					return err
				}
			}
			return nil
		}), true},
		{"text holding a padded delimiter", crlf("--b0undary", `Content-Disposition: form-data; name="text"`, "", "值班", "--b0undary 不是分隔", "--b0undary--", ""), false},
		{"fields", written(t, func(w *multipart.Writer) error {
			_ = w.WriteField("chat_id", "-4200")
			_ = w.WriteField("text", "值班\r\n--b0undaryX 还在正文里\r\n")
			_ = w.WriteField("empty", "")
			return w.WriteField("chat_id", "second is ignored")
		}), true},
		{"document with a Chinese name and a path", written(t, func(w *multipart.Writer) error {
			_ = w.WriteField("chat_id", "1001")
			f, err := w.CreateFormFile("document", `报表/2024/预警.xlsx`)
			if err != nil {
				return err
			}
			_, err = f.Write([]byte("PK\x03\x04\r\n--b0und\r\n"))
			return err
		}), true},
		{"empty file name is a value", written(t, func(w *multipart.Writer) error {
			f, err := w.CreateFormFile("photo", "")
			if err != nil {
				return err
			}
			_, err = f.Write([]byte("AgAD000001"))
			return err
		}), true},
		{"file name with a quote is escaped", written(t, func(w *multipart.Writer) error {
			_, err := w.CreateFormFile("document", `a"b.txt`)
			return err
		}), false},
		{"no parts", crlf("--b0undary--", ""), true},
		{"epilogue", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--", "after the end"), true},
		{"closing delimiter at the end of the body", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--"), true},
		{"closing delimiter with space", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--  ", ""), true},
		{"closing delimiter with more", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--x", ""), false},
		{"lower-case header and parameter names", crlf("--b0undary", `content-disposition:Form-Data;NAME="a" ; Filename="x.txt";`, "content-type: text/plain", "", "1", "--b0undary--", ""), true},
		{"token name", crlf("--b0undary", `Content-Disposition: form-data; name=chat_id`, "", "7", "--b0undary--", ""), true},
		{"no Content-Disposition", crlf("--b0undary", "Content-Type: text/plain", "", "lost", "--b0undary", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--", ""), true},
		{"second Content-Disposition", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, `Content-Disposition: form-data; name="b"`, "", "1", "--b0undary--", ""), true},
		{"no headers", crlf("--b0undary", "", "lost", "--b0undary--", ""), true},
		{"empty name", crlf("--b0undary", `Content-Disposition: form-data; name=""`, "", "lost", "--b0undary--", ""), true},
		{"preamble", crlf("hello", "--b0undary", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--", ""), false},
		{"no closing delimiter", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, "", "1"), false},
		{"padded delimiter", crlf("--b0undary ", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--", ""), false},
		{"folded header", crlf("--b0undary", `Content-Disposition: form-data;`, ` name="a"`, "", "1", "--b0undary--", ""), false},
		{"bare LF", []byte("--b0undary\nContent-Disposition: form-data; name=\"a\"\n\n1\n--b0undary--\n"), false},
		{"LF inside a header", crlf("--b0undary", "X-A: 1\nContent-Disposition: form-data; name=\"a\"", "", "1", "--b0undary--", ""), false},
		{"quoted-printable", crlf("--b0undary", `Content-Disposition: form-data; name="a"`, "Content-Transfer-Encoding: quoted-printable", "", "a=3Db", "--b0undary--", ""), false},
		{"attachment", crlf("--b0undary", `Content-Disposition: attachment; name="a"`, "", "1", "--b0undary--", ""), false},
		{"RFC 2231 name", crlf("--b0undary", `Content-Disposition: form-data; name="a"; filename*=UTF-8''%E9%A2%84.txt`, "", "1", "--b0undary--", ""), false},
		{"other parameter", crlf("--b0undary", `Content-Disposition: form-data; name="a"; size=3`, "", "1", "--b0undary--", ""), false},
		{"duplicate name parameter", crlf("--b0undary", `Content-Disposition: form-data; name="a"; name="b"`, "", "1", "--b0undary--", ""), false},
		{"unclosed quote", crlf("--b0undary", `Content-Disposition: form-data; name="a`, "", "1", "--b0undary--", ""), false},
		{"bad header name", crlf("--b0undary", `Content Disposition: form-data; name="a"`, "", "1", "--b0undary--", ""), false},
		{"delimiter right after the headers", crlf("--b0undary", "", "--b0undary", "--b0undary--"), false},
		{"control character in a header", crlf("--b0undary", "X-A: \x00", `Content-Disposition: form-data; name="a"`, "", "1", "--b0undary--", ""), false},
		{"empty body", nil, false},
	}
}

// parseForm takes the bodies go-telegram/bot writes, and reads every body
// it takes as mime/multipart does.
func TestParseFormAgreesWithMultipart(t *testing.T) {
	for _, tc := range formCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameForm(t, tc.body); got != tc.fast {
				t.Fatalf("parseForm took it: %v, want %v", got, tc.fast)
			}
		})
	}
}

func FuzzParseForm(f *testing.F) {
	for _, tc := range formCases(f) {
		f.Add(tc.body)
	}
	f.Fuzz(func(t *testing.T, body []byte) { sameForm(t, body) })
}

func TestFastBoundary(t *testing.T) {
	for _, tc := range []struct {
		ct, want string
		ok       bool
	}{
		{"multipart/form-data; boundary=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f0", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f0", true},
		{`multipart/form-data; boundary="quoted"`, "", false},
		{"multipart/form-data; boundary=a:b", "", false},
		{"multipart/form-data; boundary=", "", false},
		{"Multipart/Form-Data; boundary=x", "", false},
		{"multipart/form-data; charset=utf-8; boundary=x", "", false},
		{"application/json", "", false},
	} {
		if got, ok := fastBoundary(tc.ct); got != tc.want || ok != tc.ok {
			t.Errorf("fastBoundary(%q) = %q, %v; want %q, %v", tc.ct, got, ok, tc.want, tc.ok)
		}
	}
}
