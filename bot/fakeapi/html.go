package fakeapi

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf16"
)

// htmlTags are the tags Telegram's HTML parse mode supports.
var htmlTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "tg-emoji": true, "code": true, "pre": true, "blockquote": true,
	"tg-time": true,
}

// parseHTML validates Telegram HTML and returns the plain text it renders to.
func parseHTML(s string) (string, error) {
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("Unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			if rest, ok := strings.CutPrefix(tag, "/"); ok {
				name := strings.ToLower(strings.TrimSpace(rest))
				if len(stack) == 0 {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != "" && name != top {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top, name)
				}
				stack = stack[:len(stack)-1]
			} else {
				name := tag
				if j := strings.IndexAny(tag, " \t\r\n/"); j >= 0 {
					name = tag[:j]
				}
				name = strings.ToLower(name)
				if !htmlTags[name] {
					return "", fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, i)
				}
				stack = append(stack, name)
			}
			i += end + 1
		case '&':
			if semi := strings.IndexByte(s[i:], ';'); semi > 1 && semi <= 10 {
				ent := s[i : i+semi+1]
				if dec := html.UnescapeString(ent); dec != ent {
					out.WriteString(dec)
					i += semi + 1
					continue
				}
			}
			out.WriteByte('&')
			i++
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1])
	}
	return out.String(), nil
}

// formatted validates text for parse mode (HTML only; Markdown is taken as is) and returns its plain form.
func formatted(text, parseMode string) (string, *apiError) {
	switch strings.ToLower(parseMode) {
	case "", "markdown", "markdownv2":
		return text, nil
	case "html":
		plain, err := parseHTML(text)
		if err != nil {
			return "", badRequest("can't parse entities: " + err.Error())
		}
		return plain, nil
	default:
		return "", badRequest("unsupported parse_mode")
	}
}

// units counts characters the way Telegram checks its length limits: in
// UTF-16 code units of the text after entity parsing, so an emoji outside
// the Basic Multilingual Plane counts twice.
func units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
