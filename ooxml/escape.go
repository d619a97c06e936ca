// Package ooxml holds what reading Office Open XML workbooks (.xlsx) needs
// wherever a sheet is read (the roster, the 通讯录), beyond XML itself.
package ooxml

import (
	"strconv"
	"strings"
)

// Unescape decodes the _xHHHH_ escapes that Office writes for characters
// XML cannot hold (and _x005F_ for a literal "_"), in one pass.
func Unescape(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				sb.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		sb.WriteByte(s[i])
		i++
	}
	return sb.String()
}
