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
	Name   string  // file name in plots/ without extension, snake_case
	Column string  // an engine.SeriesColumns name
	Title  string  // what is shown, e.g. "utilization"
	Label  string  // y-axis label with unit, e.g. "utilization (%)"
	Scale  float64 // display value = Scale × column value (100 for a fraction in %); 0 means 1
}

// HistogramChart describes a histogram of one summary column across paths
// with some of its quantiles marked as labelled vertical lines.
type HistogramChart struct {
	Name   string    // file name in plots/ without extension, snake_case
	Column string    // an engine.SummaryColumns name
	Title  string    // what is shown, e.g. "stuck share"
	Label  string    // x-axis label with unit
	Unit   string    // unit appended to the marked values, e.g. " %"
	Scale  float64   // display value = Scale × column value; 0 means 1
	Marks  []float64 // probabilities in (0, 1) of the quantiles to mark
}

// FanCharts and HistogramCharts are the charts every complete run writes.
// A new chart is one more entry here.
var (
	FanCharts = []FanChart{
		{Name: "utilization_fan", Column: "utilization", Title: "utilization", Label: "utilization (%)", Scale: 100},
		{Name: "borrow_apr_fan", Column: "borrow_apr", Title: "borrow APR", Label: "borrow APR (%)", Scale: 100},
	}
	HistogramCharts = []HistogramChart{
		{Name: "stuck_share_hist", Column: "stuck_share", Title: "stuck share at the horizon",
			Label: "stuck share (% of initial deposits)", Unit: " %", Scale: 100, Marks: []float64{0.95, 0.99}},
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

// Draw draws the chart on c.
func (ch *Chart) Draw(c draw.Canvas) {
	if ch.Legend == nil {
		ch.Plot.Draw(c)
		return
	}
	pad := vg.Points(10)
	w := ch.Legend.Rectangle(c).Size().X
	plotArea, legendArea := c, c
	plotArea.Max.X = c.Max.X - w - 2*pad
	legendArea.Min.X = plotArea.Max.X + pad
	legendArea.Max.Y = c.Max.Y - vg.Points(30) // below the title
	ch.Plot.Draw(plotArea)
	ch.Legend.Draw(legendArea)
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
	legend := plot.NewLegend()
	sans(&legend.TextStyle)
	legend.TextStyle.Font.Size = vg.Points(9)
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(3)
	legend.Add("5-95 %", outer)
	legend.Add("25-75 %", inner)
	legend.Add("median", median)
	return &Chart{Plot: p, Legend: &legend}, nil
}

// NewHistogramPlot draws spec from values, one per path (non-null, finite,
// any order; the slice is not modified); title is put in front of the
// chart's own title with the number of paths. It returns ErrNoData when
// values is empty.
func NewHistogramPlot(spec HistogramChart, title string, values []float64) (*Chart, error) {
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
	lo, hi := sorted[0], sorted[n-1]
	bins := int(math.Ceil(2 * math.Cbrt(float64(n)))) // Rice rule
	bins = max(10, min(bins, 60))
	xmin, xmax := padRange(lo, hi, 0.02)
	var h *plotter.Histogram
	if hi-lo <= 1e-12*math.Abs(hi) {
		// All values equal: one narrow bar centred on the value.
		xmin, xmax = padRange(lo, hi, 0)
		w := (xmax - xmin) / 25
		xmin = math.Min(xmin, lo-w/2)
		h = &plotter.Histogram{Bins: []plotter.HistogramBin{{Min: lo - w/2, Max: lo + w/2, Weight: float64(n)}}, Width: w}
	} else {
		width := (hi - lo) / float64(bins)
		h = &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width}
		for i := range h.Bins {
			h.Bins[i].Min = lo + float64(i)*width
			h.Bins[i].Max = lo + float64(i+1)*width
		}
		h.Bins[bins-1].Max = hi
		for _, v := range sorted {
			i := min(int((v-lo)/width), bins-1)
			h.Bins[max(i, 0)].Weight++
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
	pathWord := "paths"
	if n == 1 {
		pathWord = "path"
	}
	p := newPlot(fmt.Sprintf("%s: %s, %d %s", title, spec.Title, n, pathWord))
	p.X.Label.Text, p.Y.Label.Text = spec.Label, "paths"
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min, p.Y.Max = 0, top*1.15
	p.Add(h)
	// Marks at the same value share one label ("p95 = p99 = 0 %").
	label := ""
	for k, prob := range spec.Marks {
		qv := QuantileCont(sorted, prob)
		label += "p" + probabilityName(prob) + " = "
		if k+1 < len(spec.Marks) && QuantileCont(sorted, spec.Marks[k+1]) == qv {
			continue
		}
		label += formatValue(qv) + spec.Unit
		line, err := plotter.NewLine(plotter.XYs{{X: qv, Y: 0}, {X: qv, Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		line.Color = colorMarks[k%len(colorMarks)]
		line.Width = vg.Points(1.5)
		if k%2 == 1 {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		y := p.Y.Max * (0.97 - 0.08*float64(k))
		lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: qv, Y: y}}, Labels: []string{label}})
		if err != nil {
			return nil, err
		}
		st := &lbl.TextStyle[0]
		st.Font.Typeface, st.Font.Variant = "Liberation", "Sans"
		st.Font.Size = vg.Points(9)
		st.Color = line.Color
		st.YAlign = draw.YTop
		// Put the label on the side of the line with more room.
		if qv-p.X.Min > 0.6*(p.X.Max-p.X.Min) {
			st.XAlign = draw.XRight
			lbl.Offset = vg.Point{X: -vg.Points(3)}
		} else {
			st.XAlign = draw.XLeft
			lbl.Offset = vg.Point{X: vg.Points(3)}
		}
		p.Add(line, lbl)
		label = ""
	}
	return &Chart{Plot: p}, nil
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
