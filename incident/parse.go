package incident

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Categories of accidents, in the order the report flow offers them.
const (
	CatRoadTraffic            = "road_traffic"        // 道路交通
	CatConstruction           = "construction"        // 建设施工
	CatGas                    = "gas"                 // 燃气
	CatHazardousChem          = "hazardous_chemicals" // 危化品
	CatFire                   = "fire"                // 火灾 (named as in 国务院493号令)
	CatIndustryTrade          = "industry_trade"      // 工贸
	CatSpecialEquipment       = "special_equipment"   // 特种设备
	CatNaturalDisaster        = "natural_disaster"    // 自然灾害
	CatOther                  = "other"               // 其他
	maxCount                  = 100_000
	maxLossYuan         int64 = 1_000_000_000_000 // 1万亿元: anything above is a typo
)

// Categories lists the accident categories.
var Categories = []string{CatRoadTraffic, CatConstruction, CatGas, CatHazardousChem, CatFire, CatIndustryTrade,
	CatSpecialEquipment, CatNaturalDisaster, CatOther}

// ShortWindow reports whether casualty changes of a category must be 补报
// within incidents.supplement_days_short (road traffic and fire, 第十三条)
// rather than supplement_days.
func ShortWindow(category string) bool { return category == CatRoadTraffic || category == CatFire }

// Errors of the parsers; the bot and the API explain them.
var (
	ErrBadTime   = errors.New("not a time")
	ErrFuture    = errors.New("the time is in the future")
	ErrBadNumber = errors.New("not a number")
	ErrNegative  = errors.New("must not be negative")
	ErrTooLarge  = errors.New("too large")
)

// whenRE reads "今天 14:20", "昨天23点10分", "2026-11-28 14:20",
// "11月28日 下午2点半", "today 14:20": an optional day, an optional part of
// the day and a time of day.
var whenRE = regexp.MustCompile(`^(?:(今天|今日|昨天|昨日|前天|today|yesterday)|` +
	`(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?)?\s*` +
	`(上午|早上|凌晨|中午|下午|晚上|夜里|am|pm)?\s*` +
	`(\d{1,2})\s*(?:[:：]\s*(\d{1,2})|[点时]\s*(?:(\d{1,2})\s*分?|(半))?)\s*(am|pm)?$`)

// nowWords mean the accident happened just now.
var nowWords = map[string]bool{"刚才": true, "刚刚": true, "现在": true, "此刻": true, "now": true, "just now": true}

// ParseWhen reads when an accident happened, as an official types it, in
// loc: "刚才" (now), "今天 14:20", "昨天 23:10", "14:20" (today),
// "2026-11-28 14:20", "11-28 14:20" (this year), "11月28日下午2点半". A time
// after now is refused with ErrFuture: an accident is reported after it
// happened.
func ParseWhen(text string, now time.Time, loc *time.Location) (time.Time, error) {
	s := strings.ToLower(strings.Join(strings.Fields(normalizeDigits(text)), " "))
	if nowWords[s] {
		return now, nil
	}
	m := whenRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, ErrBadTime
	}
	local := now.In(loc)
	y, mo, d := local.Date()
	switch m[1] {
	case "昨天", "昨日", "yesterday":
		y, mo, d = local.AddDate(0, 0, -1).Date()
	case "前天":
		y, mo, d = local.AddDate(0, 0, -2).Date()
	}
	if m[3] != "" {
		if m[2] != "" {
			y = atoi(m[2])
		}
		mo, d = time.Month(atoi(m[3])), atoi(m[4])
	}
	hour, minute := atoi(m[6]), 0
	switch {
	case m[7] != "":
		minute = atoi(m[7])
	case m[8] != "":
		minute = atoi(m[8])
	case m[9] != "":
		minute = 30
	}
	part := m[5]
	if part == "" {
		part = m[10]
	}
	switch part {
	case "下午", "晚上", "夜里", "pm":
		if hour < 12 {
			hour += 12
		}
	case "中午":
		if hour < 11 {
			hour += 12
		}
	case "凌晨", "上午", "早上", "am":
		if hour == 12 {
			hour = 0
		}
	}
	if hour > 23 || minute > 59 || mo < 1 || mo > 12 || d < 1 {
		return time.Time{}, ErrBadTime
	}
	t := time.Date(y, mo, d, hour, minute, 0, 0, loc)
	if t.Day() != d || t.Month() != mo {
		return time.Time{}, ErrBadTime // 2月30日
	}
	if t.After(now) {
		return t, ErrFuture
	}
	return t, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// normalizeDigits turns full-width digits and punctuation into ASCII.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		case r == '－':
			return '-'
		case r == '　':
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
}

// noneWords mean zero.
var noneWords = map[string]bool{"无": true, "没有": true, "暂无": true, "none": true, "no": true}

// countRE reads "3", "3人", "3 名".
var countRE = regexp.MustCompile(`^(-?\d+)\s*(?:人|名|个)?$`)

// ParseCount reads a number of people: "3", "3人", "无" (0).
func ParseCount(text string) (int, error) {
	s := strings.ToLower(normalizeDigits(text))
	if noneWords[s] {
		return 0, nil
	}
	m := countRE.FindStringSubmatch(s)
	if m == nil {
		return 0, ErrBadNumber
	}
	n, err := strconv.Atoi(m[1])
	switch {
	case err != nil:
		return 0, ErrTooLarge
	case n < 0:
		return 0, ErrNegative
	case n > maxCount:
		return 0, ErrTooLarge
	}
	return n, nil
}

// lossRE reads an amount with an optional unit: "50", "12.5万元", "约3亿",
// "80000元".
var lossRE = regexp.MustCompile(`^(?:(?:约|大约|估计|about)\s*)?(-?\d+(?:\.\d+)?)\s*(万元|万|亿元|亿|元)?$`)

// ParseLossWan reads an estimated direct loss typed in 万元 (a bare number
// is 万元; "元" and "亿" units are understood) and returns it in yuan.
func ParseLossWan(text string) (int64, error) {
	s := strings.ToLower(strings.ReplaceAll(normalizeDigits(text), ",", ""))
	if noneWords[s] {
		return 0, nil
	}
	m := lossRE.FindStringSubmatch(s)
	if m == nil {
		return 0, ErrBadNumber
	}
	perUnit := int64(yuanPerWan)
	switch m[2] {
	case "元":
		perUnit = 1
	case "亿", "亿元":
		perUnit = yi
	}
	return decimalTimes(m[1], perUnit)
}

// decimalTimes returns the decimal number s times perUnit (a power of
// ten), exactly, dropping fractions of a yuan.
func decimalTimes(s string, perUnit int64) (int64, error) {
	if strings.HasPrefix(s, "-") {
		return 0, ErrNegative
	}
	whole, frac, _ := strings.Cut(s, ".")
	digits := len(strconv.FormatInt(perUnit, 10)) - 1
	if len(frac) > digits {
		frac = frac[:digits]
	}
	frac += strings.Repeat("0", digits-len(frac))
	if len(whole) > 13 {
		return 0, ErrTooLarge
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrBadNumber
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, ErrBadNumber
		}
	}
	if w > maxLossYuan/perUnit {
		return 0, ErrTooLarge
	}
	v := w*perUnit + f
	if v > maxLossYuan {
		return 0, ErrTooLarge
	}
	return v, nil
}

// FormatWan renders yuan as 万元 without trailing zeros: 125000 → "12.5".
func FormatWan(yuan int64) string {
	whole, frac := yuan/yuanPerWan, yuan%yuanPerWan
	if frac == 0 {
		return strconv.FormatInt(whole, 10)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%04d", whole, frac), "0")
}
