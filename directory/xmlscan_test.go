package directory

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// tokens returns what the scanner reads of doc, one token a string:
// <name a=v> for a start tag with the attributes asked for, </name>, and
// text in quotes.
func tokens(doc string, attrs ...string) (string, error) {
	s := newScanner(strings.NewReader(doc), "test.xml")
	var out []string
	for {
		t, err := s.next()
		if err != nil {
			return strings.Join(out, " "), err
		}
		switch t {
		case tokEOF:
			return strings.Join(out, " "), nil
		case tokStart:
			tag := "<" + string(s.name)
			for _, a := range attrs {
				v, err := s.attr(a)
				if err != nil {
					return strings.Join(out, " "), err
				}
				if v != "" {
					tag += fmt.Sprintf(" %s=%s", a, v)
				}
			}
			out = append(out, tag+">")
		case tokEnd:
			out = append(out, "</"+string(s.name)+">")
		case tokText:
			if len(s.text) > 64 && len(bytes.TrimSpace(s.text)) == 0 {
				out = append(out, "blank") // how much is kept of it does not matter
				continue
			}
			out = append(out, fmt.Sprintf("%q", s.text))
		}
	}
}

func TestScanner(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		attrs     []string
		want      string
		err       string
	}{
		{
			name: "elements, attributes, empty elements",
			doc:  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<a r="1" t='s'><b/><c r = "A1" ></c></a>`,
			want: `"\n" <a r=1 t=s> <b> </b> <c r=A1> </c> </a>`, attrs: []string{"r", "t"},
		},
		{
			name: "prefixes dropped, from attributes too",
			doc:  `<x:row xmlns:x="urn:x"><x:c x:r="B2"/></x:row>`,
			want: `<row> <c r=B2> </c> </row>`, attrs: []string{"r"},
		},
		{
			name: "entities and character references, in text and attributes",
			doc:  `<t a="&quot;&lt;&amp;&gt;&apos;">&lt;张&amp;明&gt; &#21016;&#x82b3;&#10;</t>`,
			want: `<t a="<&>'> "<张&明> 刘芳\n" </t>`, attrs: []string{"a"},
		},
		{
			name: "CDATA, comments, a > in an attribute, CRLF",
			doc:  "<t a=\"x>y\"><!-- a <comment> --><![CDATA[<b>&amp;</b>]]>a\r\nb\rc</t>",
			want: `<t a=x>y> "<b>&amp;</b>" "a\nb\nc" </t>`, attrs: []string{"a"},
		},
		{
			name: "text longer than the buffer",
			doc:  "<t>" + strings.Repeat("张", 40000) + "</t>",
			want: `<t> "` + strings.Repeat("张", 40000) + `" </t>`,
		},
		{
			name: "blank space and comments longer than a text, skipped",
			doc:  "<a>" + strings.Repeat(" ", 3<<20) + "<b/><!--" + strings.Repeat("-", 3<<20) + "--></a>",
			want: `<a> blank <b> </b> </a>`,
		},
		{name: "a text too long", doc: "<a>" + strings.Repeat("x", 2<<20) + "</a>", err: "text longer than 1048576 bytes"},
		{name: "a CDATA section too long", doc: "<a><![CDATA[" + strings.Repeat("x", 2<<20) + "]]></a>", err: "a section longer than 1048576 bytes"},
		{name: "a tag too long", doc: "<a " + strings.Repeat("x", 2<<20) + "/>", err: "a tag longer than 1048576 bytes"},
		{name: "an unclosed element", doc: `<a><b></b>`, err: "unexpected end of the part in <a>"},
		{name: "a mismatched end", doc: `<a><b></a></b>`, err: "</a> closes <b>"},
		{name: "an end without a start", doc: `</a>`, err: "</a> closes no element"},
		{name: "a cut tag", doc: `<a><b r="1`, err: "unexpected end of the part in a tag"},
		{name: "a document type", doc: `<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>`, err: "document type declarations are not allowed"},
		{name: "an unknown entity", doc: `<a>&x;</a>`, err: "unknown entity &x;"},
		{name: "another encoding", doc: `<?xml version="1.0" encoding="GBK"?><a/>`, err: `encoding "GBK"`},
		{name: "deep nesting", doc: strings.Repeat("<a>", maxDepth+1), err: "elements nested deeper than 100"},
		{name: "an attribute without quotes", doc: `<a r=1/>`, attrs: []string{"r"}, err: "attribute r not quoted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokens(tt.doc, tt.attrs...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %s, %v; want an error with %q", got, err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "read workbook part test.xml: ") {
					t.Errorf("error %q does not name the part", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestScannerSkip(t *testing.T) {
	s := newScanner(strings.NewReader(`<c><f>SUM(<x/>A1)</f><v>3</v></c>`), "test.xml")
	var got []string
	for {
		tok, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		if tok == tokEOF {
			break
		}
		if tok == tokStart && string(s.name) == "f" {
			if err := s.skip(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if tok == tokText {
			got = append(got, string(s.text))
		}
	}
	if strings.Join(got, ",") != "3" {
		t.Errorf("read %q, want only the value after the skipped formula", got)
	}
}
