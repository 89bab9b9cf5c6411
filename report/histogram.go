package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// logSpread is the ratio of the 95th to the 5th percentile of the drawn
// (positive) values above which a histogram uses a log x axis: the bulk of
// the values then spans two decades, and linear bins would put it into one
// bar.
const logSpread = 100

// NewHistogramPlot draws spec from values, one per path (non-null, finite,
// any order; the slice is not modified); title is put in front of the
// chart's own title, which names the horizon (horizonHours; omitted when
// not > 0) and the number of paths. It returns ErrNoData when values is
// empty.
//
// With spec.Zero set and some values 0 and some positive, the bars show the
// positive values only, the title says how many paths are 0 ("9,812 of
// 10,000 paths without bad debt"), and a linear x axis starts at 0. When
// the bulk of the drawn values (at least 20, all positive) spans more than
// two decades (p95/p5 > 100) the x axis and the bins are logarithmic. With
// all values equal, one bar is drawn at the value. The marked quantiles
// and expected shortfalls are those of all values, zeros included; they
// are drawn as vertical lines (solid for quantiles, dashed for ES, one
// colour per probability) and named with their values in a legend to the
// right. A mark that falls off a log axis (e.g. VaR95 = $0) is listed with
// "(off axis)".
func NewHistogramPlot(spec HistogramChart, title string, horizonHours float64, values []float64) (*Chart, error) {
	n := len(values)
	if n == 0 {
		return nil, fmt.Errorf("histogram %s: %w", spec.Name, ErrNoData)
	}
	scale := scaleOf(spec.Scale)
	sorted := make([]float64, n)
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("histogram %s: value %d is %v", spec.Name, i, v)
		}
		sorted[i] = scale * v
	}
	slices.Sort(sorted)

	heading := fmt.Sprintf("%s: %s%s, %s", title, spec.Title, horizonPhrase(spec.Horizon, horizonHours), countNoun(n, "path"))
	shown := sorted
	zeroSplit := false
	if spec.Zero != "" && sorted[0] == 0 {
		zeros, _ := slices.BinarySearch(sorted, math.SmallestNonzeroFloat64)
		if zeros == n {
			heading += fmt.Sprintf("\nall %s %s", countNoun(n, "path"), spec.Zero)
		} else {
			heading += fmt.Sprintf("\n%s of %s %s (not shown)", formatCount(zeros), countNoun(n, "path"), spec.Zero)
			shown, zeroSplit = sorted[zeros:], true
		}
	}
	lo, hi := shown[0], shown[len(shown)-1]
	logX := lo > 0 && len(shown) >= 20 && QuantileCont(shown, 0.95) > logSpread*QuantileCont(shown, 0.05)

	bins := int(math.Ceil(2 * math.Cbrt(float64(len(shown))))) // Rice rule
	bins = max(10, min(bins, 60))
	var h *plotter.Histogram
	var xmin, xmax float64
	switch {
	case logX:
		// The x axis is linear in log10 of the value, labelled with the
		// values (gonum's LogScale misplaces the axis label's room).
		h = &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins)}
		l0, l1 := math.Log10(lo), math.Log10(hi)
		width := (l1 - l0) / float64(bins)
		for i := range h.Bins {
			h.Bins[i].Min = l0 + float64(i)*width
			h.Bins[i].Max = l0 + float64(i+1)*width
		}
		h.Bins[bins-1].Max = l1
		for _, v := range shown {
			h.Bins[max(0, min(int((math.Log10(v)-l0)/width), bins-1))].Weight++
		}
		h.Width = width
		xmin, xmax = l0-0.03*(l1-l0), l1+0.03*(l1-l0)
	case hi-lo <= 1e-12*math.Abs(hi):
		// All values equal: one narrow bar in the middle of the axis.
		half := math.Max(math.Abs(lo)*0.1, 1) / 2
		xmin, xmax = lo-half, lo+half
		w := (xmax - xmin) / 25
		h = &plotter.Histogram{Bins: []plotter.HistogramBin{{Min: lo - w/2, Max: lo + w/2, Weight: float64(len(shown))}}, Width: w}
	default:
		if zeroSplit {
			lo = 0 // the axis starts at the zeros that are not drawn
		}
		width := (hi - lo) / float64(bins)
		h = &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width}
		for i := range h.Bins {
			h.Bins[i].Min = lo + float64(i)*width
			h.Bins[i].Max = lo + float64(i+1)*width
		}
		h.Bins[bins-1].Max = hi
		for _, v := range shown {
			h.Bins[max(0, min(int((v-lo)/width), bins-1))].Weight++
		}
		xmin, xmax = padRange(lo, hi, 0.02)
		if zeroSplit {
			xmin = 0
		}
	}
	h.FillColor = colorBars
	h.LineStyle = plotter.DefaultLineStyle
	h.LineStyle.Color = colorBarEdge
	h.LineStyle.Width = vg.Points(0.4)
	top := 0.0
	for _, b := range h.Bins {
		top = math.Max(top, b.Weight)
	}

	p := newPlot(heading)
	p.X.Label.Text, p.Y.Label.Text = spec.Label, "paths"
	if zeroSplit {
		p.Y.Label.Text = "paths " + positiveName(spec)
	}
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min, p.Y.Max = 0, top*1.08
	toX := func(v float64) float64 { return v }
	switch {
	case len(h.Bins) == 1:
		// One value: label it alone, not a made-up range around it.
		p.X.Tick.Marker = plot.ConstantTicks{{Value: lo, Label: formatMark(spec, lo)}}
	case logX:
		p.X.Tick.Marker = logTicker(spec.USD)
		toX = func(v float64) float64 {
			if v <= 0 {
				return math.Inf(-1)
			}
			return math.Log10(v)
		}
	case spec.USD:
		p.X.Tick.Marker = usdTicker{}
	}
	p.Add(h)

	legend := newLegend()
	marks := histogramMarks(spec, sorted)
	if zeroSplit && len(marks) > 0 {
		legend.Add("over all " + countNoun(n, "path") + ":")
	}
	for _, m := range marks {
		label := m.name + " = " + formatMark(spec, m.value)
		x := toX(m.value)
		line, err := plotter.NewLine(plotter.XYs{{X: max(x, p.X.Min), Y: 0}, {X: max(x, p.X.Min), Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		line.Color = m.color
		line.Width = vg.Points(1.5)
		if m.dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		if x >= p.X.Min && x <= p.X.Max {
			p.Add(line)
		} else {
			label += " (off axis)"
		}
		legend.Add(label, line)
	}
	ch := &Chart{Plot: p}
	if len(marks) > 0 {
		ch.Legend = &legend
	}
	return ch, nil
}

// positiveName is the y-axis qualifier of a histogram of positive values
// only: "(bad debt > 0)".
func positiveName(spec HistogramChart) string {
	return "(" + spec.Title + " > 0)"
}

type histogramMark struct {
	name   string
	value  float64
	color  color.Color
	dashed bool
}

// histogramMarks returns the quantile and expected shortfall marks of
// spec over sorted (scaled) values: quantiles first, then ES, each in
// increasing probability. Each probability has its own colour.
func histogramMarks(spec HistogramChart, sorted []float64) []histogramMark {
	probs := slices.Concat(spec.Marks, spec.Tails)
	slices.Sort(probs)
	probs = slices.Compact(probs)
	colorOf := func(p float64) color.Color {
		return colorMarks[slices.Index(probs, p)%len(colorMarks)]
	}
	quantileName := spec.MarkName
	if quantileName == "" {
		quantileName = "p"
	}
	var marks []histogramMark
	for _, p := range spec.Marks {
		marks = append(marks, histogramMark{quantileName + probabilityName(p), QuantileCont(sorted, p), colorOf(p), false})
	}
	for _, p := range spec.Tails {
		marks = append(marks, histogramMark{"ES" + probabilityName(p), ExpectedShortfall(sorted, p), colorOf(p), true})
	}
	return marks
}

func formatMark(spec HistogramChart, v float64) string {
	if spec.USD {
		return formatUSD(v)
	}
	return formatValue(v) + spec.Unit
}

// newLegend returns a legend in the charts' text style, for the right of
// a chart.
func newLegend() plot.Legend {
	legend := plot.NewLegend()
	sans(&legend.TextStyle)
	legend.TextStyle.Font.Size = vg.Points(9)
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(3)
	return legend
}

// horizonPhrase is " over 30 d" or " after 36 h" for a horizon in hours,
// "" when word is empty or the horizon is not > 0.
func horizonPhrase(word string, hours float64) string {
	if word == "" || !(hours > 0) || math.IsInf(hours, 0) {
		return ""
	}
	if hours >= 72 {
		return " " + word + " " + strconv.FormatFloat(math.Round(hours/24*100)/100, 'f', -1, 64) + " d"
	}
	return " " + word + " " + strconv.FormatFloat(math.Round(hours*100)/100, 'f', -1, 64) + " h"
}

// formatCount prints a count with thousands separators: 1,000,000.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// countNoun is "1 path" or "10,000 paths".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return formatCount(n) + " " + noun + "s"
}

// formatUSD prints a dollar amount with 3 significant digits and a unit:
// $0, $950, $1.2k, $35k, $1.23M, $2.5B, -$40k.
func formatUSD(v float64) string {
	if v == 0 {
		return "$0"
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	unit, suffix := 1.0, ""
	for _, u := range []struct {
		size   float64
		suffix string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= 0.9995*u.size { // 999,999 prints as $1M, not $1000k
			unit, suffix = u.size, u.suffix
			break
		}
	}
	x := v / unit
	decimals := 2
	switch {
	case x >= 99.95:
		decimals = 0
	case x >= 9.995:
		decimals = 1
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return sign + "$" + s + suffix
}

// usdTicker is niceTicks with dollar labels: $0, $0.5M, $1.0M.
type usdTicker struct{}

func (usdTicker) Ticks(lo, hi float64) []plot.Tick {
	ticks := niceTicks(lo, hi)
	for i := range ticks {
		t := &ticks[i]
		switch {
		case t.Label == "":
		case t.Value == 0:
			t.Label = "$0"
		case strings.HasPrefix(t.Label, "-"):
			t.Label = "-$" + t.Label[1:]
		default:
			t.Label = "$" + t.Label
		}
	}
	return ticks
}

// logTicker ticks an axis of log10 values: it labels the powers of ten
// with their values (as dollars when usd) and puts unlabelled ticks at
// 2…9 × 10^k. When the axis holds at most one power of ten it also labels
// 2 and 5 × 10^k.
type logTicker bool

func (usd logTicker) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return niceTicks(lo, hi)
	}
	lo, hi = math.Pow(10, lo), math.Pow(10, hi)
	label := func(v float64) string {
		if usd {
			return formatUSD(v)
		}
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	few := math.Floor(math.Log10(hi)) <= math.Ceil(math.Log10(lo)) // no or one power of ten inside
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: math.Log10(v)}
			if m == 1 || (few && (m == 2 || m == 5)) {
				t.Label = label(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
