package fakeapi

import (
	"bytes"
	"path/filepath"
	"strings"
)

// A request of go-telegram/bot is a small multipart/form-data body sent in
// chunks. mime/multipart reads it part by part through fresh buffers,
// header maps and media-type maps, which was most of the fake's own cost
// per request; parseForm reads such a body from memory in one pass. It
// takes only what it reads exactly as mime/multipart's ReadForm would
// (form_test.go checks them against each other) and leaves anything else,
// such as a preamble, a folded header or an RFC 2231 file name, to
// mime/multipart.

// fastBoundary returns the boundary of a Content-Type that parseForm can
// take without mime.ParseMediaType: "multipart/form-data; boundary=" and a
// plain token, as multipart.Writer makes them.
func fastBoundary(contentType string) (string, bool) {
	b, ok := strings.CutPrefix(contentType, "multipart/form-data; boundary=")
	if !ok || len(b) == 0 || len(b) > 70 {
		return "", false
	}
	for i := 0; i < len(b); i++ {
		if c := b[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return "", false
		}
	}
	return b, true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// parseForm reads a whole multipart/form-data body into p: the first value
// of each name and the first file of each name, as parseParams takes them
// from a multipart.Form. ok is false, and p untouched, when the body holds
// anything it does not read the way mime/multipart does.
func parseForm(body []byte, boundary string, p *params) (ok bool) {
	type field struct {
		name, filename string
		data           []byte
	}
	var fields [16]field
	parts := fields[:0]
	delim := "--" + boundary
	if !bytes.HasPrefix(body, []byte(delim)) {
		return false // a preamble, or not this boundary
	}
	rest := body[len(delim):]
	for {
		switch {
		case bytes.HasPrefix(rest, []byte("--")):
			// The closing delimiter, alone on its line; an epilogue
			// after it is ignored.
			if tail := bytes.TrimLeft(rest[2:], " \t"); len(tail) > 0 && !bytes.HasPrefix(tail, []byte("\r\n")) {
				return false
			}
			for _, f := range parts {
				if f.filename == "" {
					if _, dup := p.v[f.name]; !dup {
						p.v[f.name] = string(f.data)
					}
					continue
				}
				if p.files == nil {
					p.files = map[string]upload{}
				}
				if _, dup := p.files[f.name]; !dup {
					p.files[f.name] = upload{name: f.filename, data: bytes.Clone(f.data)}
				}
			}
			return true
		case !bytes.HasPrefix(rest, []byte("\r\n")):
			return false // padding after a delimiter, or a bare LF
		}
		rest = rest[2:]
		name, filename, n, ok := partHeader(rest)
		if !ok {
			return false
		}
		rest = rest[n:]
		end, ok := nextDelimiter(rest, boundary)
		if !ok {
			return false
		}
		if name != "" {
			if len(parts) == 1000 {
				return false // mime/multipart refuses so many parts
			}
			parts = append(parts, field{name: name, filename: filename, data: rest[:end]})
		}
		rest = rest[end+2+len(delim):]
	}
}

// nextDelimiter returns where the "\r\n--boundary" that ends a part's
// content starts: one followed by "--" or "\r\n". ok is false when there
// is none, or when one is followed by what mime/multipart would take as
// padding.
func nextDelimiter(b []byte, boundary string) (int, bool) {
	if bytes.HasPrefix(b, []byte("--")) && bytes.HasPrefix(b[2:], []byte(boundary)) {
		return 0, false // mime/multipart may end the part here
	}
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("\r\n--"))
		if i < 0 {
			return 0, false
		}
		i += off
		after := b[i+4:]
		if !bytes.HasPrefix(after, []byte(boundary)) {
			off = i + 1
			continue
		}
		after = after[len(boundary):]
		switch {
		case bytes.HasPrefix(after, []byte("--")), bytes.HasPrefix(after, []byte("\r\n")):
			return i, true
		case len(after) == 0 || after[0] == ' ' || after[0] == '\t' || after[0] == '\r' || after[0] == '\n' || after[0] == '-':
			return 0, false
		}
		off = i + 1
	}
}

// partHeader reads a part's header block up to and including its empty
// line and returns the form name and file name of its
// Content-Disposition ("" when it is no form-data field) and the bytes
// read.
func partHeader(b []byte) (name, filename string, n int, ok bool) {
	seen := false
	for {
		eol := bytes.Index(b[n:], []byte("\r\n"))
		if eol < 0 {
			return "", "", 0, false
		}
		line := b[n : n+eol]
		n += eol + 2
		if len(line) == 0 {
			return name, filename, n, true
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || hasControl(line) {
			return "", "", 0, false // a folded, bare-LF or malformed line
		}
		key := line[:colon]
		for _, c := range key {
			if !isAlnum(c) && c != '-' {
				return "", "", 0, false
			}
		}
		switch {
		case strings.EqualFold(string(key), "Content-Transfer-Encoding"):
			return "", "", 0, false // mime/multipart may decode the content
		case !strings.EqualFold(string(key), "Content-Disposition"):
			continue
		case seen:
			continue // mime/multipart reads the first
		}
		seen = true
		name, filename, ok = disposition(strings.Trim(string(line[colon+1:]), " \t"))
		if !ok {
			return "", "", 0, false
		}
	}
}

// hasControl reports whether a header line holds a byte textproto
// refuses: a control character other than tab (a stray CR or LF too).
func hasControl(line []byte) bool {
	for _, c := range line {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// disposition reads a Content-Disposition value such as
// `form-data; name="document"; filename="预警.xlsx"` as mime.ParseMediaType
// and multipart.Part's FormName and FileName do.
func disposition(v string) (name, filename string, ok bool) {
	typ, v, more := strings.Cut(v, ";")
	if !strings.EqualFold(strings.Trim(typ, " \t"), "form-data") {
		return "", "", false
	}
	var haveName, haveFile bool
	for more {
		v = strings.TrimLeft(v, " \t")
		if v == "" {
			break // a trailing semicolon
		}
		i := 0
		for i < len(v) && (isAlnum(v[i]) || v[i] == '-' || v[i] == '_' || v[i] == '.') {
			i++
		}
		key := strings.ToLower(v[:i])
		v = strings.TrimLeft(v[i:], " \t")
		if key == "" || v == "" || v[0] != '=' {
			return "", "", false
		}
		v = strings.TrimLeft(v[1:], " \t")
		var val string
		if val, v, ok = paramValue(v); !ok {
			return "", "", false
		}
		if v = strings.TrimLeft(v, " \t"); v != "" && v[0] != ';' {
			return "", "", false
		}
		v, more = strings.CutPrefix(v, ";")
		switch key {
		case "name":
			if haveName {
				return "", "", false
			}
			name, haveName = val, true
		case "filename":
			if haveFile {
				return "", "", false
			}
			filename, haveFile = val, true
		default:
			return "", "", false
		}
	}
	if filename != "" {
		// RFC 7578 §4.2: no directory path, as multipart.Part.FileName.
		filename = filepath.Base(filename)
	}
	return name, filename, true
}

// paramValue reads a plain quoted string (no escapes) or an alphanumeric
// token.
func paramValue(v string) (val, rest string, ok bool) {
	if v != "" && v[0] == '"' {
		end := strings.IndexAny(v[1:], "\"\\\r\n")
		if end < 0 || v[1+end] != '"' {
			return "", "", false
		}
		return v[1 : 1+end], v[2+end:], true
	}
	i := 0
	for i < len(v) && (isAlnum(v[i]) || v[i] == '-' || v[i] == '_' || v[i] == '.') {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	return v[:i], v[i:], true
}
