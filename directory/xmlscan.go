package directory

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A sheet of 100,000 rows is some 35 MB of XML, and encoding/xml takes
// over a second just to tokenize it (excelize's row iterator, which also
// unmarshals every cell, well over two). scanner reads the small subset of
// XML that workbook parts use, a tag at a time, without allocating per
// token: elements, attributes, text with the predefined and numeric
// entities, CDATA, comments and processing instructions. It checks that
// elements nest and close, so a damaged part is an error rather than a
// silently shortened sheet, and refuses document type declarations (and so
// entity expansion). Namespace prefixes are dropped: workbook parts have
// one vocabulary each.

// token is the kind of item a scanner stops at.
type token int

const (
	tokEOF   token = iota
	tokStart       // a start tag; s.name, s.attr
	tokEnd         // an end tag, or the end of an empty-element tag; s.name
	tokText        // character data; s.text
)

// maxText bounds the text between two tags, and a tag: a cell holds at
// most 32,767 characters, and with character references written for
// each of them they take some 330 KB. Longer runs of blank space are
// skipped, not kept.
const maxText = 1 << 20

// maxDepth bounds the nesting of elements: workbook parts nest a few
// levels, and the open elements are kept.
const maxDepth = 100

// scanner tokenizes one part of a workbook.
type scanner struct {
	r    *bufio.Reader
	part string // the part's name, for errors

	name  []byte // local name of the current tag
	text  []byte // decoded character data of a tokText
	tag   []byte // the current tag between < and >, for attr
	long  []byte // text longer than the buffer
	attrs []byte // the attributes within tag

	selfClosing bool   // the current start tag ends with "/>": a tokEnd follows
	stack       []byte // names of the open elements, one after another
	offs        []int  // where each begins in stack
}

func newScanner(r io.Reader, part string) *scanner {
	return &scanner{r: bufio.NewReaderSize(r, 64<<10), part: part}
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("read workbook part %s: %s", s.part, fmt.Sprintf(format, args...))
}

// failed is the error for a read that failed: the end of the part where
// more was due (what), or the zip's own error, such as a part holding
// more than it declares.
func (s *scanner) failed(err error, what string) error {
	if errors.Is(err, io.EOF) {
		return s.errorf("unexpected end of the part %s", what)
	}
	return fmt.Errorf("read workbook part %s: %w", s.part, err)
}

// next moves to the next token. Whitespace between tags is returned as
// text like any other; callers ignore text where they do not expect it.
func (s *scanner) next() (token, error) {
	if s.selfClosing {
		s.selfClosing = false
		s.pop()
		return tokEnd, nil
	}
	// Text up to the next tag.
	chunk, err := s.r.ReadSlice('<')
	if len(chunk) > 0 && chunk[len(chunk)-1] == '<' && err == nil {
		if len(chunk) > 1 {
			if err := s.setText(chunk[:len(chunk)-1]); err != nil {
				return 0, err
			}
			if err := s.r.UnreadByte(); err != nil {
				return 0, s.errorf("%v", err)
			}
			return tokText, nil
		}
		return s.readTag()
	}
	// Text longer than the buffer, or the end of the part.
	raw := append(s.long[:0], chunk...)
	for errors.Is(err, bufio.ErrBufferFull) {
		if len(raw) > maxText {
			if len(bytes.TrimSpace(raw)) > 0 {
				return 0, s.errorf("text longer than %d bytes", maxText)
			}
			raw = raw[:0] // blank space, as a zip bomb pads a part with: none of it is kept
		}
		chunk, err = s.r.ReadSlice('<')
		raw = append(raw, chunk...)
	}
	s.long = raw
	switch {
	case err == nil:
		if err := s.r.UnreadByte(); err != nil {
			return 0, s.errorf("%v", err)
		}
		if err := s.setText(raw[:len(raw)-1]); err != nil {
			return 0, err
		}
		return tokText, nil
	case errors.Is(err, io.EOF):
		if len(s.offs) > 0 {
			return 0, s.errorf("unexpected end of the part in <%s>", s.stack[s.offs[len(s.offs)-1]:])
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			return 0, s.errorf("text after the document")
		}
		return tokEOF, nil
	}
	return 0, s.failed(err, "")
}

// readTag reads a tag after its "<".
func (s *scanner) readTag() (token, error) {
	b, err := s.r.Peek(1)
	if err != nil {
		return 0, s.failed(err, "in a tag")
	}
	switch b[0] {
	case '?':
		pi, err := s.readTo("?>")
		if err != nil {
			return 0, err
		}
		if err := checkDeclaration(pi); err != nil {
			return 0, s.errorf("%v", err)
		}
		return s.next()
	case '!':
		return s.special()
	}
	// A tag ends at the first ">" outside quotes.
	s.tag = s.tag[:0]
	var quote byte
	for {
		chunk, err := s.r.ReadSlice('>')
		s.tag = append(s.tag, chunk...)
		for _, c := range chunk {
			switch {
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case c == quote:
				quote = 0
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(s.tag) > maxText {
				return 0, s.errorf("a tag longer than %d bytes", maxText)
			}
			continue
		}
		if err != nil {
			return 0, s.failed(err, "in a tag")
		}
		if quote == 0 {
			break
		}
	}
	tag := s.tag[:len(s.tag)-1] // without ">"
	end := len(tag) > 0 && tag[0] == '/'
	if end {
		tag = trimRightSpace(tag[1:])
	}
	s.selfClosing = !end && len(tag) > 0 && tag[len(tag)-1] == '/'
	if s.selfClosing {
		tag = tag[:len(tag)-1]
	}
	i := 0
	for i < len(tag) && !isSpace(tag[i]) {
		i++
	}
	qname := tag[:i]
	s.attrs = tag[i:]
	if len(qname) == 0 {
		return 0, s.errorf("a tag without a name")
	}
	s.name = local(qname)
	if end {
		if len(s.offs) == 0 {
			return 0, s.errorf("</%s> closes no element", qname)
		}
		if open := s.stack[s.offs[len(s.offs)-1]:]; !bytes.Equal(open, qname) {
			return 0, s.errorf("</%s> closes <%s>", qname, open)
		}
		s.pop()
		return tokEnd, nil
	}
	if len(s.offs) == maxDepth {
		return 0, s.errorf("elements nested deeper than %d", maxDepth)
	}
	s.offs = append(s.offs, len(s.stack))
	s.stack = append(s.stack, qname...)
	return tokStart, nil
}

func (s *scanner) pop() {
	n := len(s.offs) - 1
	s.stack, s.offs = s.stack[:s.offs[n]], s.offs[:n]
}

// special reads a tag after "<!": a comment, skipped; CDATA, as text; a
// document type declaration, refused.
func (s *scanner) special() (token, error) {
	b, _ := s.r.Peek(8)
	switch {
	case bytes.HasPrefix(b, []byte("!--")):
		return s.skipTo("-->")
	case bytes.HasPrefix(b, []byte("![CDATA[")):
		if _, err := s.r.Discard(8); err != nil {
			return 0, s.errorf("%v", err)
		}
		raw, err := s.readTo("]]>")
		if err != nil {
			return 0, err
		}
		s.text = append(s.text[:0], raw...)
		return tokText, nil
	}
	return 0, s.errorf("document type declarations are not allowed")
}

// skipTo skips past the next occurrence of end, keeping none of what
// it skips, and reads on.
func (s *scanner) skipTo(end string) (token, error) {
	if _, err := s.read(end, false); err != nil {
		return 0, err
	}
	return s.next()
}

// readTo reads past the next occurrence of end, returning what came
// before, at most maxText bytes.
func (s *scanner) readTo(end string) ([]byte, error) {
	return s.read(end, true)
}

func (s *scanner) read(end string, keep bool) ([]byte, error) {
	last := end[len(end)-1]
	s.tag = s.tag[:0]
	for {
		chunk, err := s.r.ReadSlice(last)
		s.tag = append(s.tag, chunk...)
		if err == nil && bytes.HasSuffix(s.tag, []byte(end)) {
			return s.tag[:len(s.tag)-len(end)], nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, s.failed(err, fmt.Sprintf("before %q", end))
		}
		if len(s.tag) > maxText {
			if keep {
				return nil, s.errorf("a section longer than %d bytes before %q", maxText, end)
			}
			s.tag = append(s.tag[:0], s.tag[len(s.tag)-len(end):]...) // what may begin end
		}
	}
}

// skip skips the content of the element just started, up to and
// including its end.
func (s *scanner) skip() error {
	depth := len(s.offs)
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		if t == tokEOF {
			return s.errorf("unexpected end of the part")
		}
		if t == tokEnd && len(s.offs) < depth {
			return nil
		}
	}
}

// attr returns the value of the current start tag's attribute whose
// local name is name, decoded; "" if there is none.
func (s *scanner) attr(name string) (string, error) {
	v, err := s.attrBytes(name)
	return string(v), err
}

// attrBytes is attr without allocating: the value is valid until the
// next token.
func (s *scanner) attrBytes(name string) ([]byte, error) {
	a := s.attrs
	for {
		a = trimLeftSpace(a)
		if len(a) == 0 {
			return nil, nil
		}
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, s.errorf("<%s>: attribute %q without a value", s.name, a)
		}
		key := trimRightSpace(a[:eq])
		a = trimLeftSpace(a[eq+1:])
		if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
			return nil, s.errorf("<%s>: attribute %s not quoted", s.name, key)
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return nil, s.errorf("<%s>: attribute %s not closed", s.name, key)
		}
		val := a[1 : end+1]
		a = a[end+2:]
		if string(local(key)) != name {
			continue
		}
		if bytes.IndexByte(val, '&') < 0 {
			return val, nil
		}
		out, err := unescape(nil, val)
		if err != nil {
			return nil, s.errorf("<%s>: attribute %s: %v", s.name, key, err)
		}
		return out, nil
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// setText decodes character data into s.text: entities replaced, line
// ends normalized to "\n" as XML requires.
func (s *scanner) setText(raw []byte) error {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		s.text = append(s.text[:0], raw...)
		return nil
	}
	out, err := unescape(s.text[:0], raw)
	if err != nil {
		return s.errorf("%v", err)
	}
	s.text = out
	return nil
}

// local returns a name without its namespace prefix.
func local(qname []byte) []byte {
	if i := bytes.IndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

// unescape appends raw to dst with its entity references replaced and
// "\r\n" and "\r" made "\n".
func unescape(dst, raw []byte) ([]byte, error) {
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "&\r")
		if i < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 || semi > 12 {
			return nil, errors.New("an unterminated entity reference")
		}
		ent := string(raw[1:semi])
		raw = raw[semi+1:]
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ent) > 2 && (ent[:2] == "#x" || ent[:2] == "#X"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case len(ent) > 1 && ent[0] == '#':
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				return nil, fmt.Errorf("unknown entity &%s;", ent)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return nil, fmt.Errorf("bad character reference &%s;", ent)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst, nil
}

// checkDeclaration refuses an XML declaration (pi, from "?" to before
// "?>") naming an encoding other than UTF-8: Office writes UTF-8, and the
// scanner reads nothing else.
func checkDeclaration(pi []byte) error {
	if !bytes.HasPrefix(pi, []byte("?xml")) || len(pi) > 4 && !bytes.ContainsAny(pi[4:5], " \t\r\n") {
		return nil // another processing instruction
	}
	i := bytes.Index(pi, []byte("encoding"))
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(pi[i+len("encoding"):], " \t\r\n=")
	if len(rest) == 0 {
		return nil
	}
	q := rest[0]
	end := bytes.IndexByte(rest[1:], q)
	if end < 0 {
		return nil
	}
	if enc := string(rest[1 : end+1]); !strings.EqualFold(enc, "utf-8") && !strings.EqualFold(enc, "utf8") {
		return fmt.Errorf("encoding %q; save the workbook again from Excel or WPS", enc)
	}
	return nil
}
