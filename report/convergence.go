package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ConvergenceTolerance is the relative half-width of the 95 % confidence
// interval (half its width over the estimate) below which the paths of a
// run are enough for a tail estimate.
const ConvergenceTolerance = 0.10

// ConvergenceLevel is the probability of the tail estimates whose
// convergence is checked (VaR99 and ES99).
const ConvergenceLevel = 0.99

// ConvergenceSteps is the number of path prefixes the convergence chart
// evaluates: 1 %, 2 %, …, 100 % of the paths.
const ConvergenceSteps = 100

// ConvergencePoint is the VaR and ES of the first Paths paths (in path
// order) with their confidence intervals: order statistics for the VaR,
// the normal approximation of the empirical ES for the ES (NaN when too
// few paths).
type ConvergencePoint struct {
	Paths                int
	VaR, VaRLow, VaRHigh float64
	ES, ESLow, ESHigh    float64
}

// ConvergenceVerdict says whether a run's paths were enough for one tail
// estimate: its confidence interval at the full run (the aggregate's),
// the relative half-width (hi − lo)/2/|value|, and roughly the number of
// paths that would bring it to the tolerance, from width ∝ 1/√paths.
type ConvergenceVerdict struct {
	Statistic         string // "VaR99" or "ES99"
	Value             float64
	CILow, CIHigh     float64
	RelativeHalfWidth float64 // NaN without an interval; +Inf when the value is 0 and the interval is not
	Converged         bool
	PathsNeeded       int // ≈ paths·(relative half-width / tolerance)², at least the run's paths; 0 when unknown
	Text              string
}

// Convergence is the convergence check of one variant: the estimates on
// growing prefixes of the paths, and the verdicts at the full run.
type Convergence struct {
	Metric    string // the summary column: bad_debt_usd, or stuck_share without a liquidation model
	Level     float64
	Tolerance float64
	Paths     int
	Points    []ConvergencePoint
	Verdicts  []ConvergenceVerdict
	Summary   string // one sentence: enough paths or about how many would be
}

// convergenceColumn is the column whose tail estimates are checked.
func convergenceColumn(meta *Meta) string {
	if meta.Liquidations {
		return "bad_debt_usd"
	}
	return "stuck_share"
}

// convergencePoints evaluates VaR and ES at level p with confidence
// intervals on the prefixes of values (in path order) of about 1 %, 2 %,
// …, 100 % of them. The prefixes are nested, so each step merges the next
// block, sorted, into the sorted prefix: O(steps · n) in all.
func convergencePoints(values []float64, p, level float64) []ConvergencePoint {
	n := len(values)
	if n == 0 {
		return nil
	}
	var ends []int
	for k := 1; k <= ConvergenceSteps; k++ {
		e := int(math.Ceil(float64(k) * float64(n) / ConvergenceSteps))
		if e >= 1 && (len(ends) == 0 || e > ends[len(ends)-1]) {
			ends = append(ends, e)
		}
	}
	z := distuv.UnitNormal.Quantile((1 + level) / 2)
	sorted := make([]float64, 0, n)
	merged := make([]float64, 0, n)
	block := make([]float64, 0, n/ConvergenceSteps+1)
	points := make([]ConvergencePoint, 0, len(ends))
	start := 0
	for _, end := range ends {
		block = append(block[:0], values[start:end]...)
		slices.Sort(block)
		merged = mergeSorted(merged[:0], sorted, block)
		sorted, merged = merged, sorted
		start = end
		pt := ConvergencePoint{Paths: end, VaR: QuantileCont(sorted, p), VaRLow: math.NaN(), VaRHigh: math.NaN(),
			ES: ExpectedShortfall(sorted, p), ESLow: math.NaN(), ESHigh: math.NaN()}
		lo, hi, _ := QuantileCI(end, p, level)
		if lo >= 1 && hi <= end {
			pt.VaRLow, pt.VaRHigh = sorted[lo-1], sorted[hi-1]
		}
		if se := esStandardError(sorted, p); finite(se) {
			pt.ESLow, pt.ESHigh = pt.ES-z*se, pt.ES+z*se
		}
		points = append(points, pt)
	}
	return points
}

// mergeSorted appends the merge of the ascending a and b to dst.
func mergeSorted(dst, a, b []float64) []float64 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			dst = append(dst, b[j])
			j++
		} else {
			dst = append(dst, a[i])
			i++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// esStandardError is the asymptotic standard error of the empirical
// expected shortfall at p of the sorted values: √(σ²/n) with
// σ² = [Var(X | X ≥ VaR) + p·(ES − VaR)²] / (1 − p) (Brazauskas et al.
// 2008), estimated from the top n(1 − p) values. NaN when the tail holds
// fewer than ESMinTail values.
func esStandardError(sorted []float64, p float64) float64 {
	n := len(sorted)
	m := int(math.Floor(tailSize(n, p)))
	if m < ESMinTail {
		return math.NaN()
	}
	tail := sorted[n-m:]
	var mean float64
	for _, v := range tail {
		mean += v
	}
	mean /= float64(m)
	var ss float64
	for _, v := range tail {
		ss += (v - mean) * (v - mean)
	}
	varTail := ss / float64(m-1)
	VaR := QuantileCont(sorted, p)
	sigma2 := (varTail + p*(mean-VaR)*(mean-VaR)) / (1 - p)
	return math.Sqrt(sigma2 / float64(n))
}

// convergenceVerdict judges one estimate with its interval at the full
// run of n paths. minPaths is the smallest run that gives an interval.
func convergenceVerdict(statistic, what string, value, lo, hi float64, n, minPaths int, format func(float64) string) ConvergenceVerdict {
	v := ConvergenceVerdict{Statistic: statistic, Value: value, CILow: lo, CIHigh: hi, RelativeHalfWidth: math.NaN()}
	name := statistic + " of " + what
	switch {
	case math.IsNaN(value):
		v.Text = fmt.Sprintf("%s: no values.", name)
		return v
	case math.IsNaN(lo) || math.IsNaN(hi):
		v.PathsNeeded = minPaths
		v.Text = fmt.Sprintf("%s = %s has no two-sided 95 %% confidence interval with %s: it needs at least %s paths.",
			name, format(value), countNoun(n, "path"), formatCount(minPaths))
		return v
	}
	half := (hi - lo) / 2
	switch {
	case half == 0:
		v.RelativeHalfWidth = 0
	case value == 0:
		v.RelativeHalfWidth = math.Inf(1)
	default:
		v.RelativeHalfWidth = half / math.Abs(value)
	}
	ci := fmt.Sprintf("%s = %s, 95 %% CI [%s, %s]", name, format(value), format(lo), format(hi))
	switch {
	case v.RelativeHalfWidth <= ConvergenceTolerance:
		v.Converged = true
		v.PathsNeeded = n
		v.Text = fmt.Sprintf("%s: relative half-width %s ≤ %s: enough paths.", ci, percent(v.RelativeHalfWidth), percent(ConvergenceTolerance))
	case math.IsInf(v.RelativeHalfWidth, 1):
		v.Text = fmt.Sprintf("%s: the estimate is 0 but its interval is not, so the tail is not resolved; run more paths (the paths needed cannot be extrapolated from a zero estimate).", ci)
	default:
		r := v.RelativeHalfWidth / ConvergenceTolerance
		v.PathsNeeded = roundPaths(float64(n) * r * r)
		v.Text = fmt.Sprintf("%s: relative half-width %s > %s: not enough paths; about %s would reach %s (the width shrinks as 1/sqrt(paths)).",
			ci, percent(v.RelativeHalfWidth), percent(ConvergenceTolerance), countNoun(v.PathsNeeded, "path"), percent(ConvergenceTolerance))
	}
	return v
}

// roundPaths rounds a path count up to 2 significant digits: 12,345 → 13,000.
func roundPaths(x float64) int {
	if !(x > 0) || math.IsInf(x, 0) {
		return 0
	}
	if x > 1e15 {
		return int(1e15)
	}
	mag := math.Pow(10, math.Max(0, math.Floor(math.Log10(x))-1))
	return int(math.Ceil(x/mag) * mag)
}

// percent prints a fraction as a percentage with 2 significant digits: 12 %, 0.5 %.
func percent(f float64) string {
	switch {
	case math.IsNaN(f):
		return "n/a"
	case math.IsInf(f, 0):
		return "∞"
	}
	return formatValue(math.Round(f*1000)/10) + " %"
}

// newConvergence builds a variant's convergence check from the column's
// prefix points and its aggregated statistics at the full run.
func newConvergence(column string, points []ConvergencePoint, s *MetricStats) *Convergence {
	c := &Convergence{Metric: column, Level: ConvergenceLevel, Tolerance: ConvergenceTolerance, Paths: s.N, Points: points}
	format := ValueFormatter(column)
	what := describeColumn(column)
	pn := probabilityName(ConvergenceLevel)
	var q QuantileEstimate
	for _, x := range s.Quantiles {
		if x.P == ConvergenceLevel {
			q = x
		}
	}
	var t TailMean
	for _, x := range s.Tails {
		if x.P == ConvergenceLevel {
			t = x
		}
	}
	minVaR := minPathsForQuantileCI(ConvergenceLevel, Confidence)
	minES := int(math.Ceil(ESMinTail / (1 - ConvergenceLevel) * (1 - 1e-9)))
	c.Verdicts = []ConvergenceVerdict{
		convergenceVerdict("VaR"+pn, what, q.Value, q.CILow, q.CIHigh, s.N, minVaR, format),
		convergenceVerdict("ES"+pn, what, t.Value, t.CILow, t.CIHigh, s.N, minES, format),
	}
	need := 0
	converged, known := true, true
	for _, v := range c.Verdicts {
		converged = converged && v.Converged
		known = known && v.PathsNeeded > 0
		need = max(need, v.PathsNeeded)
	}
	run := countNoun(s.N, "path")
	switch {
	case converged:
		c.Summary = fmt.Sprintf("The %s are enough: VaR%s and ES%s of %s are known within ±%s (95 %% confidence).",
			run, pn, pn, what, percent(ConvergenceTolerance))
	case known:
		c.Summary = fmt.Sprintf("The %s are not enough for VaR%s and ES%s of %s within ±%s (95 %% confidence): about %s would be.",
			run, pn, pn, what, percent(ConvergenceTolerance), formatCount(need))
	default:
		c.Summary = fmt.Sprintf("The %s are not enough to resolve the %s tail of %s; run more paths.", run, ordinal(ConvergenceLevel), what)
	}
	return c
}

// minPathsForQuantileCI is the smallest n for which the order-statistic
// interval of the p-quantile is two-sided at level.
func minPathsForQuantileCI(p, level float64) int {
	for n := 1; n < 1_000_000; n++ {
		if lo, hi, _ := QuantileCI(n, p, level); lo >= 1 && hi <= n {
			return n
		}
	}
	return 0
}

// describeColumn names a summary column in prose: "bad debt", "stuck share".
func describeColumn(column string) string {
	s := strings.TrimSuffix(column, "_usd")
	return strings.ReplaceAll(s, "_", " ")
}

// Colours of the convergence chart.
var (
	colorVaR     = color.RGBA{R: 8, G: 81, B: 156, A: 255}
	colorVaRBand = color.RGBA{R: 189, G: 215, B: 238, A: 255}
	colorES      = color.RGBA{R: 204, G: 76, B: 2, A: 255}
)

// NewConvergencePlot draws the estimates of c against the number of paths:
// VaR with its confidence band (solid fill), ES with its interval as thin
// dashed lines. title is put in front (the scenario name).
func NewConvergencePlot(c *Convergence, title string, horizonHours float64) (*Chart, error) {
	if c == nil || len(c.Points) < 2 {
		return nil, fmt.Errorf("convergence chart: %w", ErrNoData)
	}
	scale, usd, unit := 1.0, strings.HasSuffix(c.Metric, "_usd"), ""
	if !usd {
		scale, unit = 100, " (%)"
	}
	what := describeColumn(c.Metric)
	word := "over"
	if !usd {
		word = "after"
	}
	pn := probabilityName(c.Level)
	p := newPlot(fmt.Sprintf("%s: convergence of VaR%s and ES%s of %s%s with the number of paths",
		title, pn, pn, what, horizonPhrase(word, horizonHours)))
	p.X.Label.Text = "paths (the first N, in path order)"
	p.Y.Label.Text = what + unit
	if usd {
		p.Y.Label.Text = what + " (USD)"
		p.Y.Tick.Marker = usdTicker{}
	}
	var varLine, esLine, band, esLo, esHi plotter.XYs
	var bandHi plotter.XYs
	ymin, ymax := math.Inf(1), math.Inf(-1)
	see := func(vs ...float64) {
		for _, v := range vs {
			if finite(v) {
				ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			}
		}
	}
	for _, pt := range c.Points {
		x := float64(pt.Paths)
		varLine = append(varLine, plotter.XY{X: x, Y: scale * pt.VaR})
		esLine = append(esLine, plotter.XY{X: x, Y: scale * pt.ES})
		see(scale*pt.VaR, scale*pt.ES)
		if finite(pt.VaRLow) && finite(pt.VaRHigh) {
			band = append(band, plotter.XY{X: x, Y: scale * pt.VaRLow})
			bandHi = append(bandHi, plotter.XY{X: x, Y: scale * pt.VaRHigh})
			see(scale*pt.VaRLow, scale*pt.VaRHigh)
		}
		if finite(pt.ESLow) && finite(pt.ESHigh) {
			esLo = append(esLo, plotter.XY{X: x, Y: scale * pt.ESLow})
			esHi = append(esHi, plotter.XY{X: x, Y: scale * pt.ESHigh})
			see(scale*pt.ESLow, scale*pt.ESHigh)
		}
	}
	if !finite(ymin) {
		return nil, fmt.Errorf("convergence chart: %w", ErrNoData)
	}
	p.X.Min, p.X.Max = 0, float64(c.Points[len(c.Points)-1].Paths)
	p.Y.Min, p.Y.Max = padRange(ymin, ymax, 0.05)
	legend := newLegend()
	var bandPoly *plotter.Polygon
	if len(band) >= 2 {
		ring := append(plotter.XYs{}, bandHi...)
		for i := len(band) - 1; i >= 0; i-- {
			ring = append(ring, band[i])
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		poly.Color = colorVaRBand
		poly.LineStyle.Width = 0
		p.Add(poly)
		bandPoly = poly
	}
	vl, err := plotter.NewLine(varLine)
	if err != nil {
		return nil, err
	}
	vl.Color, vl.Width = colorVaR, vg.Points(1.5)
	el, err := plotter.NewLine(esLine)
	if err != nil {
		return nil, err
	}
	el.Color, el.Width = colorES, vg.Points(1.5)
	p.Add(vl, el)
	var esBound *plotter.Line
	for _, b := range []plotter.XYs{esLo, esHi} {
		if len(b) < 2 {
			continue
		}
		l, err := plotter.NewLine(b)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width, l.Dashes = colorES, vg.Points(0.8), []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(l)
		esBound = l
	}
	legend.Add("VaR"+pn, vl)
	if bandPoly != nil {
		legend.Add("VaR"+pn+" 95 % CI", bandPoly)
	}
	legend.Add("ES"+pn, el)
	if esBound != nil {
		legend.Add("ES"+pn+" 95 % CI", esBound)
	}
	return &Chart{Plot: p, Legend: &legend}, nil
}
