package directory

import (
	"math"
	"strconv"
	"strings"
)

// A number in a workbook cell is read as Excel shows it, for the columns
// of a 通讯录: phone numbers and ids typed as numbers ("13800001234",
// stored as 1.3800001234E10), ids shown with leading zeros ("00123",
// format 00000), phones shown with separators ("138-0000-1234", format
// 000-0000-0000). numFormat handles the formats of whole numbers built of
// digit placeholders (0 # ?) and literal text; any other format (decimals,
// percentages, dates, which a 通讯录's columns do not hold) shows the
// number as Excel's General would, without rounding it to eleven digits.

// numFormat is how the numbers of a cell style are shown.
type numFormat struct {
	code string // a whole-number format code; "" for General
}

// builtinInteger is the one built-in number format that numFormat applies
// (1, "0"); the others (decimals, percentages, dates) show as General.
const builtinInteger = 1

// newNumFormat returns the format for a format code, General unless it is
// a whole-number format.
func newNumFormat(id int, code string) numFormat {
	if id == builtinInteger {
		return numFormat{code: "0"}
	}
	if code == "" || !wholeNumberFormat(code) {
		return numFormat{}
	}
	return numFormat{code: code}
}

// wholeNumberFormat tells whether a format code shows a whole number with
// digit placeholders and literal text only, in its first section.
func wholeNumberFormat(code string) bool {
	code, _, _ = strings.Cut(code, ";")
	placeholders := 0
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '0', '#', '?':
			placeholders++
		case '"':
			end := strings.IndexByte(code[i+1:], '"')
			if end < 0 {
				return false
			}
			i += end + 1
		case '\\', '_', '*':
			i++ // an escaped character, a space as wide as one, a fill
		case '[':
			end := strings.IndexByte(code[i+1:], ']')
			if end < 0 || strings.ContainsAny(code[i+1:i+1+end], "<>=") || strings.HasPrefix(code[i+1:], "h") ||
				strings.HasPrefix(code[i+1:], "m") || strings.HasPrefix(code[i+1:], "s") {
				return false // a condition or elapsed time
			}
			i += end + 1 // a colour or a locale
		case ' ', '-', '+', '(', ')', ':', '/', '$', ',':
			if c == ',' || c == '/' {
				return false // thousands or a fraction
			}
		default:
			if c >= 0x80 {
				continue // literal text in another script
			}
			return false // . % E @ date and time letters, General …
		}
	}
	return placeholders > 0
}

// format returns the number v (as stored in the cell) as the format shows
// it; v as it is if it is not a number.
func (nf numFormat) format(v string) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	if nf.code == "" || math.Abs(f) >= 1e15 || f < 0 && strings.Contains(nf.code, ";") {
		return general(f)
	}
	n := math.Round(math.Abs(f)) // half away from zero, as Excel rounds
	digits := strconv.FormatFloat(n, 'f', 0, 64)
	if digits == "0" {
		digits = ""
	}
	code, _, _ := strings.Cut(nf.code, ";")
	out := fill(code, digits)
	if f < 0 && n != 0 {
		out = "-" + out
	}
	return out
}

// fill places digits in the placeholders of code from the right; digits
// left over when the placeholders run out go before the leftmost one. A
// placeholder without a digit shows as "0" for 0, nothing for #, and a
// space for ?.
func fill(code, digits string) string {
	type part struct {
		lit         string
		placeholder byte
	}
	var parts []part
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '0', '#', '?':
			parts = append(parts, part{placeholder: c})
		case '"':
			end := strings.IndexByte(code[i+1:], '"')
			parts = append(parts, part{lit: code[i+1 : i+1+end]})
			i += end + 1
		case '\\':
			if i+1 < len(code) {
				_, size := firstRune(code[i+1:])
				parts = append(parts, part{lit: code[i+1 : i+1+size]})
				i += size
			}
		case '_':
			parts = append(parts, part{lit: " "})
			i++
		case '*':
			i++
		case '[':
			i += strings.IndexByte(code[i+1:], ']') + 1
		default:
			_, size := firstRune(code[i:])
			parts = append(parts, part{lit: code[i : i+size]})
			i += size - 1
		}
	}
	first := -1
	for i, p := range parts {
		if p.placeholder != 0 {
			first = i
			break
		}
	}
	out := make([]string, len(parts))
	d := len(digits)
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		switch {
		case p.placeholder == 0:
			out[i] = p.lit
		case i == first && d > 0:
			out[i], d = digits[:d], 0
		case d > 0:
			out[i] = digits[d-1 : d]
			d--
		case p.placeholder == '0':
			out[i] = "0"
		case p.placeholder == '?':
			out[i] = " "
		}
	}
	return strings.Join(out, "")
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// general shows a number as excelize's General does: all its digits up
// to fifteen significant ones (13800001234, not Excel's 1.38E+10 of wider
// numbers), rounded to fifteen beyond.
func general(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	digits := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	if digits > 15 {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return s
}
