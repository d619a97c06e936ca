package enterprise

import (
	"strings"
	"unicode/utf8"

	"dutybot/roster"
)

// The 统一社会信用代码 (GB 32100-2015) is 18 characters from creditChars:
// the registering authority, the kind of organisation, the 6-digit area
// code, the 9-character organisation code and a check character computed
// from the first 17. A mistyped character changes the check, so a code
// copied wrongly into the sheet is caught at import instead of becoming a
// second enterprise.

// creditChars are the characters of a code, each worth its index: digits
// and the capital letters but I, O, S, V and Z.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are the weights of the first 17 characters: 3^i mod 31.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCode returns a code as it is stored: spaces dropped, letters
// made capitals, full-width characters (as some input methods type them)
// made ASCII.
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\u3000' || r == '\t':
			return -1
		case r >= '！' && r <= '～': // full-width ASCII
			r -= '！' - '!'
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(s))
}

// CheckChar returns the check character of the first 17 characters of a
// code, and false if they are not 17 characters of the code's alphabet.
func CheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := range 17 {
		v := strings.IndexByte(creditChars, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditWeights[i]
	}
	return creditChars[(31-sum%31)%31], true
}

// checkCode returns the normalised code, or the problem with it: its
// length, a character no code has, or a check character that does not
// match the rest.
func checkCode(s string) (string, error) {
	code := NormalizeCode(s)
	if n := utf8.RuneCountInString(code); n != 18 {
		return "", roster.NewProblem("EnterpriseProblemCodeLength", "Value", roster.Quoted(s), "Length", n)
	}
	for i, r := range []rune(code) {
		if r >= utf8.RuneSelf || strings.IndexByte(creditChars, byte(r)) < 0 {
			return "", roster.NewProblem("EnterpriseProblemCodeChar", "Value", roster.Quoted(s), "Position", i+1, "Char", string(r))
		}
	}
	if want, _ := CheckChar(code[:17]); code[17] != want {
		return "", roster.NewProblem("EnterpriseProblemCodeCheck", "Value", roster.Quoted(s), "Got", string(code[17]), "Want", string(want))
	}
	return code, nil
}

// ValidCode reports whether s is a 统一社会信用代码 whose check character
// matches.
func ValidCode(s string) bool {
	_, err := checkCode(s)
	return err == nil
}
