package bot

import "regexp"

// Messages posted in group chats never show a phone number or a link to
// the duty board: a group is read by everyone in it, and a board link
// works like a password. The Sender passes every text bound for a group
// (a negative chat id) through groupSafe, whoever built it, so no command
// answered in a group (/who, /duty, /roster) and no later group post can
// let one through by mistake.

var (
	// mobileRE is a mainland mobile number as people write it: 11 digits
	// from 13x to 19x, maybe with +86 and spaces or dashes.
	mobileRE = regexp.MustCompile(`(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}`)
	// boardLinkRE is a signed link to the duty board (board.Server.Link).
	boardLinkRE = regexp.MustCompile(`(?:https?://[!-~]*?)?/board/login\?t=[!-~]*`)
)

// hiddenPhone stands in a group message for a phone number.
const hiddenPhone = "***********"

// hiddenLink stands in a group message for a board link.
const hiddenLink = "…"

// groupSafe is text with every mobile number and board link masked.
func groupSafe(text string) string {
	text = boardLinkRE.ReplaceAllString(text, hiddenLink)
	locs := mobileRE.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return text
	}
	out := make([]byte, 0, len(text))
	last := 0
	for _, l := range locs {
		i, j := l[0], l[1]
		// A number inside a longer run of digits or letters (an id, a
		// hash) is not a phone number.
		if i > 0 && isAlnum(text[i-1]) || j < len(text) && isAlnum(text[j]) {
			continue
		}
		out = append(out, text[last:i]...)
		out = append(out, hiddenPhone...)
		last = j
	}
	return string(append(out, text[last:]...))
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
