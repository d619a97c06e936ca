package ledger

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"

	"dutybot/locales"
	"dutybot/storage"
)

// DefaultChartFonts are font files with Chinese glyphs tried in order for
// the chart: the Debian packages fonts-wqy-microhei, fonts-wqy-zenhei,
// fonts-droid-fallback and fonts-arphic-uming. TrueType outlines only
// (.ttf, .ttc); the CFF-based Noto Sans CJK cannot be read.
var DefaultChartFonts = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
}

// UnitRates are the monthly answer rates of the units: Rates[u][m] is the
// share of calls unit Units[u] answered in person in month Months[m], NaN
// for a month without calls.
type UnitRates struct {
	Months []time.Time // first day of each month, oldest first
	Units  []Tally     // units with calls in any of the months
	Rates  [][]float64
}

// MonthlyRates reads the answer rate per unit for the months months up to
// and including the one now is in (that one so far).
func (l *Ledger) MonthlyRates(now time.Time, months int) (UnitRates, error) {
	loc := l.cfg.Location
	n := now.In(loc)
	first := time.Date(n.Year(), n.Month()-time.Month(months-1), 1, 0, 0, 0, 0, loc)
	var out UnitRates
	perMonth := make([][]Tally, months)
	err := l.db.View(func(tx *storage.Tx) error {
		for m := range months {
			from := first.AddDate(0, m, 0)
			to := from.AddDate(0, 1, 0)
			out.Months = append(out.Months, from)
			evs, err := tx.EventsBetween(from, to)
			if err != nil {
				return err
			}
			b := &Book{Filter: Filter{From: from, To: to}}
			if err := l.fill(tx, b, evs); err != nil {
				return err
			}
			l.tally(b)
			perMonth[m] = b.Units
		}
		return nil
	})
	if err != nil {
		return UnitRates{}, err
	}
	for u := range l.cfg.People().Units {
		var row []float64
		seen := false
		for m := range months {
			t := perMonth[m][u]
			if r, ok := t.Rate(); ok {
				row = append(row, r)
				seen = true
			} else {
				row = append(row, math.NaN())
			}
		}
		if seen {
			out.Units = append(out.Units, perMonth[months-1][u])
			out.Rates = append(out.Rates, row)
		}
	}
	return out, nil
}

// ErrNoCalls is returned by AnswerRateChart when no unit had a call.
var ErrNoCalls = errors.New("no 叫应 calls in the months charted")

// AnswerRateChart draws the monthly answer rate per unit (the last three
// months, the current one so far) as a PNG for the weekly digest.
func (l *Ledger) AnswerRateChart(now time.Time) ([]byte, error) {
	const months = 3
	rates, err := l.MonthlyRates(now, months)
	if err != nil {
		return nil, err
	}
	if len(rates.Units) == 0 {
		return nil, ErrNoCalls
	}
	font := l.chartFont()
	values := make([][]float64, months) // one series per month
	for m := range months {
		for u := range rates.Units {
			v := rates.Rates[u][m]
			if math.IsNaN(v) {
				v = charts.GetNullValue()
			} else {
				v = math.Round(v*1000) / 10
			}
			values[m] = append(values[m], v)
		}
	}
	// Horizontal bars run bottom-up: reverse, so units read in
	// configuration order from the top.
	n := len(rates.Units)
	labels := make([]string, n)
	for i, u := range rates.Units {
		labels[n-1-i] = u.Name
		if font == nil {
			labels[n-1-i] = u.ID // the built-in font has no Chinese glyphs
		}
	}
	for m := range values {
		for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
			values[m][i], values[m][j] = values[m][j], values[m][i]
		}
	}
	var series []string
	for m, t := range rates.Months {
		s := t.Format("2006-01")
		if m == months-1 {
			s += "*"
		}
		series = append(series, s)
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = true
	lang := l.Lang
	if font == nil {
		lang = locales.EN // the built-in font has no Chinese glyphs
	}
	opt.Title.Text = l.tr.T(lang, "LedgerChartTitle", nil)
	opt.Title.Subtext = l.tr.T(lang, "LedgerChartSubtitle", map[string]any{"Time": now.In(l.cfg.Location).Format("01-02 15:04")})
	opt.Padding = charts.Box{Top: 20, Right: 60, Bottom: 20, Left: 20}
	opt.Legend.SeriesNames = series
	opt.Legend.Offset = charts.OffsetRight
	style := charts.FontStyle{Font: font, FontSize: 11}
	opt.Title.FontStyle = charts.FontStyle{Font: font, FontSize: 14}
	opt.Title.SubtextFontStyle = style
	opt.Legend.FontStyle = style
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: labels, LabelFontStyle: style}
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(100.0), LabelCount: 6, LabelFontStyle: style}}
	opt.SeriesLabelPosition = charts.PositionRight
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: style,
			ValueFormatter: func(v float64) string { return fmt.Sprintf("%.1f", v) }}
	}
	height := max(320, 90+len(rates.Units)*months*18)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: 800, Height: height, Font: font})
	if err := p.BarChart(opt); err != nil {
		return nil, fmt.Errorf("draw the answer-rate chart: %w", err)
	}
	return p.Bytes()
}

// chartFont loads the first readable font of ChartFonts, or nil.
func (l *Ledger) chartFont() *truetype.Font {
	paths := l.ChartFonts
	if paths == nil {
		paths = DefaultChartFonts
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if f, err := truetype.Parse(data); err == nil {
			return f
		}
	}
	return nil
}
