package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// FanChart describes a fan chart of one series column over time across the
// traced paths: the 5–95 % and 25–75 % bands between quantiles (QuantileCont
// at each recorded step) and the median line.
type FanChart struct {
	Name         string  // file name in plots/ without extension, snake_case
	Column       string  // an engine.SeriesColumns name
	Title        string  // what is shown, e.g. "utilization"
	Label        string  // y-axis label with unit, e.g. "utilization (%)"
	Scale        float64 // display value = Scale × column value (100 for a fraction in %); 0 means 1
	USD          bool    // the values are US dollars: ticks read $1,500, $2.5M
	Liquidations bool    // drawn only for runs with a liquidation model (Meta.Liquidations)
	Stablecoin   bool    // drawn only for runs with a stablecoin (Meta.Stablecoin)
}

// HistogramChart describes a histogram of one summary column across paths
// with some of its quantiles and expected shortfalls marked as vertical
// lines named in a legend (see NewHistogramPlot).
type HistogramChart struct {
	Name    string    // file name in plots/ without extension, snake_case
	Column  string    // an engine.SummaryColumns name
	Title   string    // what is shown, e.g. "stuck share"
	Horizon string    // how the title names the horizon: "over" (a total over it), "after" (a state at its end), "" not at all
	Label   string    // x-axis label with unit
	Unit    string    // unit appended to the marked values, e.g. " %"; unused with USD
	USD     bool      // the values are US dollars: ticks and marks read $950, $1.2k, $3.4M
	Scale   float64   // display value = Scale × column value; 0 means 1
	Marks   []float64 // probabilities in (0, 1) of the quantiles to mark
	// MarkName names the quantile marks: "VaR" gives VaR95; "" gives p95.
	MarkName string
	Tails    []float64 // probabilities in (0, 1) of the expected shortfalls to mark (ES95)
	// Zero, when set, says what a value of 0 means for a path ("without bad
	// debt"): when some but not all values are 0, the bars show the
	// positive values and the title "N of M paths <Zero>".
	Zero         string
	Liquidations bool // drawn only for runs with a liquidation model (Meta.Liquidations)
}

// FanCharts, HistogramCharts and ScatterCharts are the charts every
// complete run writes (those marked Liquidations only when the run has a
// liquidation model). A new chart is one more entry here.
var (
	FanCharts = []FanChart{
		{Name: "utilization_fan", Column: "utilization", Title: "utilization", Label: "utilization (%)", Scale: 100},
		{Name: "borrow_apr_fan", Column: "borrow_apr", Title: "borrow APR", Label: "borrow APR (%)", Scale: 100},
		{Name: "market_price_fan", Column: "market_price_usd", Title: "collateral market price", Label: "market price (USD)",
			USD: true, Liquidations: true},
		{Name: "peg_fan", Column: "peg_price_usd", Title: "stablecoin price", Label: "stablecoin price (USD)", Stablecoin: true},
		{Name: "pool_imbalance_fan", Column: "pool_stable_share", Title: "stablecoin share of its market pool",
			Label: "stablecoin share of the pool (%, 50 = balanced)", Scale: 100, Stablecoin: true},
	}
	HistogramCharts = []HistogramChart{
		{Name: "stuck_share_hist", Column: "stuck_share", Title: "stuck share", Horizon: "after",
			Label: "stuck share (% of initial deposits)", Unit: " %", Scale: 100,
			Marks: []float64{0.95, 0.99}, Tails: []float64{0.95, 0.99}, Zero: "with nothing stuck"},
		{Name: "bad_debt_hist", Column: "bad_debt_usd", Title: "bad debt", Horizon: "over",
			Label: "bad debt (USD, realized + unrealized)", USD: true,
			Marks: []float64{0.95, 0.99}, MarkName: "VaR", Tails: []float64{0.95, 0.99},
			Zero: "without bad debt", Liquidations: true},
	}
	ScatterCharts = []ScatterChart{
		{Name: "liquidations_vs_drawdown", Title: "liquidated debt vs max drawdown", Horizon: "over",
			X: "max_drawdown", XScale: 100, XLabel: "max drawdown of the market price (%)",
			Y: "liquidated_debt_usd", YLabel: "liquidated debt (USD)", YUSD: true,
			Split: "bad_debt_usd", SplitNames: [2]string{"no bad debt", "bad debt"}, Liquidations: true},
	}
)

// Chart size and PNG resolution.
const (
	ChartWidth  = 16 * vg.Centimeter
	ChartHeight = 10 * vg.Centimeter
	ChartDPI    = 150
)

// ErrNoData is returned by the chart builders when there is nothing to draw.
var ErrNoData = errors.New("no data")

// Solid colours only: gonum's PDF backend darkens translucent fills.
var (
	colorBandOuter = color.RGBA{R: 198, G: 219, B: 239, A: 255}
	colorBandInner = color.RGBA{R: 107, G: 174, B: 214, A: 255}
	colorMedian    = color.RGBA{R: 8, G: 48, B: 107, A: 255}
	colorBars      = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	colorBarEdge   = color.RGBA{R: 40, G: 80, B: 120, A: 255}
	colorGrid      = color.RGBA{R: 225, G: 225, B: 225, A: 255}
	colorMarks     = []color.RGBA{{R: 217, G: 95, B: 2, A: 255}, {R: 190, G: 20, B: 30, A: 255}, {R: 100, G: 40, B: 150, A: 255}}
)

func scaleOf(s float64) float64 {
	if s == 0 {
		return 1
	}
	return s
}

// FanData is one series column of the traced paths: Values[i] holds one
// value per traced path at Hours[i].
type FanData struct {
	Hours  []float64
	Values [][]float64
	Paths  int // traced paths
}

// Chart is a plot and an optional legend drawn to the right of it, outside
// the data area.
type Chart struct {
	Plot   *plot.Plot
	Legend *plot.Legend // nil for none
}

// ChartMarginLeft is the blank margin left of a chart: gonum places the
// y axis's tick labels (a tornado chart's axis names) and label flush with
// the canvas's left edge, where a rasterized glyph lost its first pixels
// ("iquidators.dex.depth_usd").
const ChartMarginLeft = 2 * vg.Millimeter

// Draw draws the chart on c, ChartMarginLeft in from its left edge. A title
// line wider than the plot's part of c is broken between words.
func (ch *Chart) Draw(c draw.Canvas) {
	c.Min.X += ChartMarginLeft
	if ch.Legend == nil {
		ch.wrapTitle(c.Size().X)
		ch.Plot.Draw(c)
		return
	}
	pad := vg.Points(10)
	w := ch.Legend.Rectangle(c).Size().X
	plotArea, legendArea := c, c
	plotArea.Max.X = c.Max.X - w - 2*pad
	legendArea.Min.X = plotArea.Max.X + pad
	ch.wrapTitle(plotArea.Size().X)
	legendArea.Max.Y = c.Max.Y - ch.Plot.Title.TextStyle.Height(ch.Plot.Title.Text) - ch.Plot.Title.Padding // below the title
	ch.Plot.Draw(plotArea)
	ch.Legend.Draw(legendArea)
}

// wrapTitle breaks the lines of the plot's title that are wider than
// width: after a comma when the parts fit, else between words.
func (ch *Chart) wrapTitle(width vg.Length) {
	st := ch.Plot.Title.TextStyle
	fits := func(s string) bool { return st.Width(s) <= width }
	// wrap joins parts (each ending in its separator) greedily into lines.
	wrap := func(parts []string) []string {
		var lines []string
		cur := ""
		for _, p := range parts {
			if cur != "" && !fits(strings.TrimSpace(cur+p)) {
				lines = append(lines, strings.TrimSpace(cur))
				cur = ""
			}
			cur += p
		}
		return append(lines, strings.TrimSpace(cur))
	}
	var out []string
	for _, line := range strings.Split(ch.Plot.Title.Text, "\n") {
		if fits(line) {
			out = append(out, line)
			continue
		}
		lines := wrap(strings.SplitAfter(line, ", "))
		if !slices.ContainsFunc(lines, func(l string) bool { return !fits(l) }) {
			out = append(out, lines...)
			continue
		}
		out = append(out, wrap(strings.SplitAfter(line, " "))...)
	}
	ch.Plot.Title.Text = strings.Join(out, "\n")
}

func sans(s *text.Style) {
	s.Font.Typeface = "Liberation"
	s.Font.Variant = "Sans"
}

// newPlot returns a plot with sans-serif text, readable ticks and a light
// grid.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		sans(s)
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.Title.Padding = vg.Points(6)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.X.Tick.Marker = plot.TickerFunc(niceTicks)
	p.Y.Tick.Marker = plot.TickerFunc(niceTicks)
	p.X.Padding, p.Y.Padding = 0, 0
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = colorGrid, colorGrid
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(g)
	return p
}

// padRange returns [lo, hi] widened by frac of its width, or by a small
// amount around a single value, never below 0 when lo ≥ 0.
func padRange(lo, hi, frac float64) (float64, float64) {
	w := hi - lo
	if w <= 0 || w < 1e-12*math.Abs(hi) {
		w = math.Max(math.Abs(hi)*0.1, 1)
		return nonNegative(lo, lo-w/2), hi + w/2
	}
	return nonNegative(lo, lo-frac*w), hi + frac*w
}

func nonNegative(orig, v float64) float64 {
	if orig >= 0 && v < 0 {
		return 0
	}
	return v
}

// NewFanPlot draws spec from data; title is put in front of the chart's own
// title (e.g. the scenario name). It returns ErrNoData when no path was
// traced.
func NewFanPlot(spec FanChart, title string, data FanData) (*Chart, error) {
	if len(data.Hours) == 0 || data.Paths == 0 || len(data.Values) != len(data.Hours) {
		return nil, fmt.Errorf("fan chart %s: %w", spec.Name, ErrNoData)
	}
	scale := scaleOf(spec.Scale)
	xScale, xLabel := 1.0, "hours"
	if data.Hours[len(data.Hours)-1] > 72 {
		xScale, xLabel = 1.0/24, "days"
	}
	probs := []float64{0.05, 0.25, 0.5, 0.75, 0.95}
	q := make([]plotter.XYs, len(probs))
	for i := range q {
		q[i] = make(plotter.XYs, len(data.Hours))
	}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	sorted := make([]float64, 0, data.Paths)
	for t, h := range data.Hours {
		sorted = append(sorted[:0], data.Values[t]...)
		if len(sorted) == 0 {
			return nil, fmt.Errorf("fan chart %s: no values at hour %g: %w", spec.Name, h, ErrNoData)
		}
		slices.Sort(sorted)
		for i, p := range probs {
			v := scale * QuantileCont(sorted, p)
			q[i][t] = plotter.XY{X: h * xScale, Y: v}
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
		}
	}
	if math.IsNaN(ymin) || math.IsInf(ymin, 0) || math.IsInf(ymax, 0) {
		return nil, fmt.Errorf("fan chart %s: values are not finite", spec.Name)
	}
	p := newPlot(fmt.Sprintf("%s: %s, %d traced paths", title, spec.Title, data.Paths))
	p.X.Label.Text, p.Y.Label.Text = xLabel, spec.Label
	p.X.Min, p.X.Max = q[0][0].X, q[0][len(q[0])-1].X
	if p.X.Min >= 0 && p.X.Min <= 0.05*p.X.Max {
		p.X.Min = 0 // the first step ends one step after the start
	}
	if p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, 0)
	}
	p.Y.Min, p.Y.Max = padRange(ymin, ymax, 0.05)
	if spec.USD {
		p.Y.Tick.Marker = usdTicker{}
	}
	band := func(lo, hi plotter.XYs, c color.Color) (*plotter.Polygon, error) {
		ring := make(plotter.XYs, 0, 2*len(lo))
		ring = append(ring, hi...)
		for i := len(lo) - 1; i >= 0; i-- {
			ring = append(ring, lo[i])
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		poly.Color = c
		poly.LineStyle.Width = 0
		return poly, nil
	}
	outer, err := band(q[0], q[4], colorBandOuter)
	if err != nil {
		return nil, err
	}
	inner, err := band(q[1], q[3], colorBandInner)
	if err != nil {
		return nil, err
	}
	median, err := plotter.NewLine(q[2])
	if err != nil {
		return nil, err
	}
	median.Color = colorMedian
	median.Width = vg.Points(1.5)
	p.Add(outer, inner, median)
	legend := newLegend()
	legend.Add("5-95 %", outer)
	legend.Add("25-75 %", inner)
	legend.Add("median", median)
	return &Chart{Plot: p, Legend: &legend}, nil
}

// formatValue prints a chart label value with 3 significant digits.
func formatValue(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// renderPNG and renderPDF draw ch at the chart size.
func renderPNG(ch *Chart, w io.Writer) error {
	c := vgimg.NewWith(vgimg.UseWH(ChartWidth, ChartHeight), vgimg.UseDPI(ChartDPI))
	ch.Draw(draw.New(c))
	_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	return err
}

func renderPDF(ch *Chart, w io.Writer) error {
	c := vgpdf.New(ChartWidth, ChartHeight)
	ch.Draw(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

// SavePlot writes ch as dir/name.png and dir/name.pdf (vector), each to a
// temporary name first. It returns the paths written.
func SavePlot(ch *Chart, dir, name string) ([]string, error) {
	var written []string
	for _, f := range []struct {
		ext    string
		render func(*Chart, io.Writer) error
	}{{".png", renderPNG}, {".pdf", renderPDF}} {
		path := filepath.Join(dir, name+f.ext)
		if err := writeAtomic(path, func(w io.Writer) error { return f.render(ch, w) }); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// niceTicks places about five labelled ticks at multiples of 1, 2, 2.5 or 5
// × 10^k, with an unlabelled tick between them; large values are labelled
// with k, M, B or T.
func niceTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo, 0, 1)}}
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw*0.999 {
			step = m * mag
			break
		}
	}
	unit := 1.0
	if big := math.Max(math.Abs(lo), math.Abs(hi)); big >= 1e4 {
		unit = math.Pow(1000, math.Floor(math.Log10(big)/3))
	}
	decimals := 0 // the decimals of step/unit
	for d := step / unit; decimals < 12 && math.Abs(d-math.Round(d)) > 1e-9*d; d *= 10 {
		decimals++
	}
	var ticks []plot.Tick
	first := math.Ceil(lo/step - 1e-9)
	for i := first - 1; ; i++ {
		v := i * step
		if v > hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		if v >= lo-step*1e-9 {
			ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, decimals, unit)})
		}
		if m := v + step/2; m >= lo && m <= hi {
			ticks = append(ticks, plot.Tick{Value: m})
		}
	}
	return ticks
}

func tickLabel(v float64, decimals int, unit float64) string {
	suffix := ""
	switch unit {
	case 1e3:
		suffix = "k"
	case 1e6:
		suffix = "M"
	case 1e9:
		suffix = "B"
	case 1e12:
		suffix = "T"
	default:
		if unit != 1 {
			return strconv.FormatFloat(v, 'g', 3, 64)
		}
	}
	return strconv.FormatFloat(v/unit, 'f', decimals, 64) + suffix
}
