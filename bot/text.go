package bot

// Telegram refuses a text over its length limit outright, so a reply that
// echoes long input, or a call whose body is 3,000 emoji, would never
// arrive. Everything the bot sends is fitted here first. Telegram counts
// UTF-16 code units of the text as shown (the bot sends plain text, no
// parse mode, so that is the text itself): an emoji outside the Basic
// Multilingual Plane counts twice.

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// Telegram's length limits, in UTF-16 code units.
const (
	maxMessageUnits = 4096 // sendMessage, editMessageText
	maxCaptionUnits = 1024 // a photo's or a document's caption
	maxToastUnits   = 200  // answerCallbackQuery
	// maxEchoUnits bounds user input quoted back in a reply (an argument
	// that could not be read): enough to recognise it.
	maxEchoUnits = 64
)

// ellipsis marks where a text was cut.
const ellipsis = "…"

// utf16Len counts s the way Telegram measures text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// fitText returns s if it is within limit UTF-16 units, else s cut to the
// limit and marked with "…". A short last line (at most an eighth of the
// limit) is kept: it is where a message says what to do or how many more
// there are (a call's answer deadline, "12 more not shown"), so the cut
// falls in the middle, in the long part.
func fitText(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		tail := s[i+1:]
		if n := utf16Len(tail); strings.TrimSpace(tail) != "" && n <= limit/8 {
			return cutText(s[:i], limit-n-1) + "\n" + tail
		}
	}
	return cutText(s, limit)
}

// cutText returns s if it is within limit UTF-16 units, else its longest
// head that fits with "…" after it. It cuts between characters as they
// are seen: never inside a surrogate pair (a rune), and not between an
// emoji and its modifiers, joiners and variation selectors, the two
// letters of a flag, or a letter and its combining marks.
func cutText(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	budget := limit - utf16Len(ellipsis)
	var starts []int // byte offset of each rune that fits, in order
	used := 0
	for i, r := range s {
		if used+utf16.RuneLen(r) > budget {
			starts = append(starts, i) // the first rune left out
			break
		}
		starts = append(starts, i)
		used += utf16.RuneLen(r)
	}
	// starts[len-1] is where the cut falls; move it back while it would
	// split what is shown as one character.
	k := len(starts) - 1
	for k > 0 && !boundary(s, starts[k-1], starts[k]) {
		k--
	}
	return strings.TrimRightFunc(s[:starts[k]], unicode.IsSpace) + ellipsis
}

// boundary reports whether a cut between the rune at prev and the rune at
// at leaves both sides whole.
func boundary(s string, prev, at int) bool {
	before, after := firstRune(s[prev:]), firstRune(s[at:])
	switch {
	case before == zwj, extends(after):
		return false
	case regional(before) && regional(after):
		// Flags pair regional indicators from the start of their run.
		n := 0
		for _, r := range []rune(s[:at]) {
			if regional(r) {
				n++
			} else {
				n = 0
			}
		}
		return n%2 == 0
	}
	return true
}

const zwj = '\u200d'

// extends reports whether r belongs to the character before it.
func extends(r rune) bool {
	return r == zwj || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		r >= 0x1f3fb && r <= 0x1f3ff || // skin tones
		r >= 0xe0020 && r <= 0xe007f // tags (subdivision flags)
}

func regional(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}
