package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The sweep charts: heatmaps of the sweep metric's mean over pairs of axes
// and a tornado chart of its sensitivity to each axis. Both are drawn as
// vector rectangles with solid colours (gonum's PDF backend draws raster
// images upside down and darkens translucent fills).

// MaxHeatmaps bounds the heatmaps of a sweep: the first pairs of axes in
// axis order.
const MaxHeatmaps = 6

// TornadoChartName is the tornado chart's file name in plots/.
const TornadoChartName = "sweep_tornado"

// heatColors is a sequential palette, light (low) to dark (high):
// ColorBrewer's YlOrRd with seven classes.
var heatColors = []color.RGBA{
	{0xff, 0xff, 0xb2, 0xff}, {0xfe, 0xd9, 0x76, 0xff}, {0xfe, 0xb2, 0x4c, 0xff}, {0xfd, 0x8d, 0x3c, 0xff},
	{0xfc, 0x4e, 0x2a, 0xff}, {0xe3, 0x1a, 0x1c, 0xff}, {0xb1, 0x00, 0x26, 0xff},
}

var (
	colorEmptyCell = color.RGBA{R: 245, G: 245, B: 245, A: 255}
	colorLowEnd    = color.RGBA{R: 70, G: 130, B: 180, A: 255} // steel blue
	colorHighEnd   = color.RGBA{R: 217, G: 95, B: 2, A: 255}   // orange
)

// rect is a filled rectangle in data coordinates with an optional centred
// label.
type rect struct {
	x0, x1, y0, y1 float64
	fill           color.Color
	label          string
	labelColor     color.Color
}

// rectangles draws rects as vector polygons with a thin white outline.
type rectangles struct {
	rects []rect
	font  text.Style
}

func (r *rectangles) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	outline := draw.LineStyle{Color: color.White, Width: vg.Points(0.75)}
	for _, q := range r.rects {
		pts := []vg.Point{{X: trX(q.x0), Y: trY(q.y0)}, {X: trX(q.x1), Y: trY(q.y0)}, {X: trX(q.x1), Y: trY(q.y1)}, {X: trX(q.x0), Y: trY(q.y1)}}
		c.FillPolygon(q.fill, c.ClipPolygonXY(pts))
		c.StrokeLines(outline, c.ClipLinesXY(append(pts, pts[0]))...)
		if q.label != "" {
			st := r.font
			st.Color = q.labelColor
			st.XAlign, st.YAlign = text.XCenter, text.YCenter
			mid := vg.Point{X: (pts[0].X + pts[1].X) / 2, Y: (pts[0].Y + pts[2].Y) / 2}
			if st.Width(q.label) < vg.Length(math.Abs(float64(pts[1].X-pts[0].X))) { // a bar may extend leftwards
				c.FillText(st, mid, q.label)
			}
		}
	}
}

func (r *rectangles) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, q := range r.rects {
		xmin, xmax = math.Min(xmin, math.Min(q.x0, q.x1)), math.Max(xmax, math.Max(q.x0, q.x1))
		ymin, ymax = math.Min(ymin, math.Min(q.y0, q.y1)), math.Max(ymax, math.Max(q.y0, q.y1))
	}
	return
}

// swatch is a legend thumbnail: a solid square.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(s.c, pts)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 150}, Width: vg.Points(0.5)}, append(pts, pts[0]))
}

// axisLevels groups the design variants by their value of axis j: the
// listed values (or grid steps) in order, or for values drawn from a
// range, bins of equal width (in log on a log scale). It returns each
// variant's level and the levels' labels.
func axisLevels(vs []SweepVariant, j int, a SweepAxis) ([]int, []string) {
	level := make([]int, len(vs))
	if len(vs) == 0 {
		return level, nil
	}
	if vs[0].Values[j].Index >= 0 {
		var idx []int
		labels := map[int]string{}
		for _, v := range vs {
			k := v.Values[j].Index
			if _, ok := labels[k]; !ok {
				idx = append(idx, k)
				labels[k] = v.Values[j].Label
				if x := v.Values[j].number(); a.Numeric && finite(x) {
					labels[k] = formatNumber(x)
				}
			}
		}
		slices.Sort(idx)
		var names []string
		for _, k := range idx {
			names = append(names, labels[k])
		}
		for i, v := range vs {
			level[i] = slices.Index(idx, v.Values[j].Index)
		}
		return level, names
	}
	bins := max(2, min(8, int(math.Sqrt(float64(len(vs))/2))))
	tr := func(x float64) float64 { return x }
	inv := tr
	if a.Scale == "log" {
		tr, inv = math.Log, math.Exp
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		x := tr(v.Values[j].number())
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if !(hi > lo) {
		return level, []string{formatValue(inv(lo))}
	}
	w := (hi - lo) / float64(bins)
	for i, v := range vs {
		level[i] = min(bins-1, int((tr(v.Values[j].number())-lo)/w))
	}
	var names []string
	for b := range bins {
		names = append(names, formatValue(inv(lo+float64(b)*w))+"-"+formatValue(inv(lo+float64(b+1)*w)))
	}
	return level, names
}

// sweepCharts draws the heatmaps and the tornado chart of a sweep.
func sweepCharts(info *SweepInfo, means map[string]float64, sa *SweepAggregate, meta *Meta) ([]namedChart, []string, error) {
	vs := designVariants(info)
	var charts []namedChart
	var notes []string
	metricText := describeColumn(info.Metric) // "bad debt": the ticks and cell values carry the unit
	format := ValueFormatter(info.Metric)
	pairs := 0
	for i := range info.Axes {
		for j := i + 1; j < len(info.Axes); j++ {
			if pairs == MaxHeatmaps {
				notes = append(notes, fmt.Sprintf("heatmaps: only the first %d pairs of axes are drawn", MaxHeatmaps))
				break
			}
			ch, err := heatmap(info, vs, means, i, j, meta, metricText, format)
			if err != nil {
				notes = append(notes, fmt.Sprintf("heatmap of %s and %s skipped: %v", info.Axes[i].Field, info.Axes[j].Field, err))
				continue
			}
			pairs++
			charts = append(charts, namedChart{PlotsDir, "sweep_heatmap_" + info.Axes[i].Column + "_x_" + info.Axes[j].Column, ch})
		}
	}
	if len(info.Axes) < 2 {
		notes = append(notes, "heatmaps need two axes: the sweep has one")
	}
	ch, err := tornado(info, sa, meta, metricText, format)
	if err != nil {
		notes = append(notes, "plot "+TornadoChartName+" skipped: "+err.Error())
	} else {
		charts = append(charts, namedChart{PlotsDir, TornadoChartName, ch})
	}
	return charts, notes, nil
}

// heatmap draws the mean of the metric over axes i (x) and j (y), each cell
// the mean over the design variants in it (over the other axes' values).
func heatmap(info *SweepInfo, vs []SweepVariant, means map[string]float64, i, j int, meta *Meta, metricText string, format func(float64) string) (*Chart, error) {
	ax, ay := info.Axes[i], info.Axes[j]
	lx, nx := axisLevels(vs, i, ax)
	ly, ny := axisLevels(vs, j, ay)
	if len(nx) < 2 || len(ny) < 2 {
		return nil, fmt.Errorf("an axis has a single value: %w", ErrNoData)
	}
	sum := make([][]float64, len(nx))
	cnt := make([][]int, len(nx))
	for x := range nx {
		sum[x] = make([]float64, len(ny))
		cnt[x] = make([]int, len(ny))
	}
	for k, v := range vs {
		if m := means[v.Name]; finite(m) {
			sum[lx[k]][ly[k]] += m
			cnt[lx[k]][ly[k]]++
		}
	}
	var cells []float64
	for x := range nx {
		for y := range ny {
			if cnt[x][y] > 0 {
				sum[x][y] /= float64(cnt[x][y])
				cells = append(cells, sum[x][y])
			}
		}
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("no variant has a value of %s: %w", info.Metric, ErrNoData)
	}
	// Classes by rank, so that one extreme cell does not wash out the
	// others: the distinct cell values split into at most len(heatColors)
	// classes of about equal size.
	slices.Sort(cells)
	cells = slices.Compact(cells)
	classes := min(len(heatColors), len(cells))
	class := func(v float64) int {
		i, _ := slices.BinarySearch(cells, v)
		return i * classes / len(cells)
	}
	colorOf := func(k int) color.RGBA {
		if classes == 1 {
			return heatColors[0]
		}
		return heatColors[k*(len(heatColors)-1)/(classes-1)]
	}
	title := fmt.Sprintf("%s: mean %s by %s and %s", meta.ScenarioName, metricText, ax.Field, ay.Field)
	if len(info.Axes) > 2 {
		title += " (mean over the other axes)"
	}
	title += ", " + countNoun(meta.Paths, "path") + " per variant"
	p := newPlot(title)
	p.X.Label.Text, p.Y.Label.Text = ax.Field, ay.Field
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(len(nx)), 0, float64(len(ny))
	p.X.Tick.Marker = categoryTicks(nx)
	p.Y.Tick.Marker = categoryTicks(ny)
	r := &rectangles{font: p.X.Tick.Label}
	empty := false
	for x := range nx {
		for y := range ny {
			q := rect{x0: float64(x), x1: float64(x + 1), y0: float64(y), y1: float64(y + 1), fill: colorEmptyCell}
			if cnt[x][y] > 0 {
				k := class(sum[x][y])
				q.fill, q.label, q.labelColor = colorOf(k), format(sum[x][y]), color.Black
				if classes > 1 && k*2 >= classes {
					q.labelColor = color.White
				}
			} else {
				empty = true
			}
			r.rects = append(r.rects, q)
		}
	}
	p.Add(r)
	legend := newLegend()
	legend.Add("mean " + metricText + ":")
	for k := classes - 1; k >= 0; k-- {
		var members []float64
		for _, v := range cells {
			if class(v) == k {
				members = append(members, v)
			}
		}
		label := format(members[0])
		if len(members) > 1 {
			label += " - " + format(members[len(members)-1])
		}
		legend.Add(label, swatch{colorOf(k)})
	}
	if empty {
		legend.Add("no variant", swatch{colorEmptyCell})
	}
	return &Chart{Plot: p, Legend: &legend}, nil
}

// maxAxisNameWidth is the widest line of an axis name on the tornado
// chart's y axis; a longer field path is broken after its dots.
const maxAxisNameWidth = ChartWidth / 4

// wrapFieldPath breaks a dotted field path into lines no wider than width
// in style st, after a dot, greedily; a segment wider than width keeps a
// line of its own.
func wrapFieldPath(path string, st text.Style, width vg.Length) string {
	if st.Width(path) <= width {
		return path
	}
	var lines []string
	cur := ""
	for _, seg := range strings.SplitAfter(path, ".") {
		if cur != "" && st.Width(cur+seg) > width {
			lines = append(lines, cur)
			cur = ""
		}
		cur += seg
	}
	return strings.Join(append(lines, cur), "\n")
}

// categoryTicks labels the unit cells [k, k+1) with names.
func categoryTicks(names []string) plot.ConstantTicks {
	var ticks []plot.Tick
	for k, n := range names {
		ticks = append(ticks, plot.Tick{Value: float64(k) + 0.5, Label: n})
	}
	return ticks
}

// tornado draws one bar per axis from the baseline's mean of the metric to
// its mean at the axis's low values and at its high values, the widest
// bar on top; the bars' ends name the values.
func tornado(info *SweepInfo, sa *SweepAggregate, meta *Meta, metricText string, format func(float64) string) (*Chart, error) {
	type bar struct {
		s     Sensitivity
		width float64
	}
	var bars []bar
	ref := sa.Reference
	for _, s := range sa.Sensitivities {
		if finite(s.Low) && finite(s.High) {
			bars = append(bars, bar{s, math.Abs(s.High - s.Low)})
		}
	}
	if len(bars) == 0 {
		return nil, ErrNoData
	}
	if !finite(ref) {
		ref = (bars[0].s.Low + bars[0].s.High) / 2
	}
	slices.SortStableFunc(bars, func(a, b bar) int { return cmpFloat(a.width, b.width) }) // widest last: on top
	lo, hi := ref, ref
	for _, b := range bars {
		lo, hi = math.Min(lo, math.Min(b.s.Low, b.s.High)), math.Max(hi, math.Max(b.s.Low, b.s.High))
	}
	p := newPlot(fmt.Sprintf("%s: sensitivity of mean %s to each axis, %s per variant", meta.ScenarioName, metricText, countNoun(meta.Paths, "path")))
	p.X.Label.Text = "mean " + metricText + " (line: baseline " + info.Baseline + ")"
	if strings.HasSuffix(info.Metric, "_usd") {
		p.X.Tick.Marker = usdTicker{}
	}
	p.X.Min, p.X.Max = padRange(lo, hi, 0.08)
	p.Y.Min, p.Y.Max = 0, float64(len(bars))
	var names []string
	r := &rectangles{font: p.X.Tick.Label}
	for k, b := range bars {
		y0, y1 := float64(k)+0.2, float64(k)+0.8
		names = append(names, wrapFieldPath(b.s.Axis, p.Y.Tick.Label, maxAxisNameWidth))
		low := rect{x0: ref, x1: b.s.Low, y0: y0, y1: y1, fill: colorLowEnd, label: b.s.LowLabel, labelColor: color.White}
		high := rect{x0: ref, x1: b.s.High, y0: y0, y1: y1, fill: colorHighEnd, label: b.s.HighLabel, labelColor: color.White}
		if math.Abs(b.s.Low-ref) < math.Abs(b.s.High-ref) {
			low, high = high, low // the longer first, so that the shorter stays visible on the same side
		}
		r.rects = append(r.rects, low, high)
	}
	p.Y.Tick.Marker = categoryTicks(names)
	p.Add(r)
	centre, err := plotter.NewLine(plotter.XYs{{X: ref, Y: 0}, {X: ref, Y: float64(len(bars))}})
	if err != nil {
		return nil, err
	}
	centre.Color, centre.Width = color.Black, vg.Points(1)
	p.Add(centre)
	legend := newLegend()
	legend.Add("axis at its low values", swatch{colorLowEnd})
	legend.Add("axis at its high values", swatch{colorHighEnd})
	legend.Add("baseline "+info.Baseline+": "+format(ref), centre)
	return &Chart{Plot: p, Legend: &legend}, nil
}
