package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterChart describes a scatter over paths of one summary column (Y)
// against another (X), each point coloured by whether a third (Split) is
// positive on that path; the positive points are drawn on top.
type ScatterChart struct {
	Name    string // file name in plots/ without extension, snake_case
	Title   string // what is shown, e.g. "liquidated debt vs max drawdown"
	Horizon string // how the title names the horizon: "over", "after" or "" (see HistogramChart)

	X      string  // an engine.SummaryColumns name, not nullable
	XScale float64 // display value = XScale × column value; 0 means 1
	XLabel string  // x-axis label with unit
	XUSD   bool    // x values are US dollars
	Y      string  // an engine.SummaryColumns name, not nullable
	YScale float64 // display value = YScale × column value; 0 means 1
	YLabel string  // y-axis label with unit
	YUSD   bool    // y values are US dollars

	Split      string    // an engine.SummaryColumns name, not nullable
	SplitNames [2]string // legend names of the paths with Split ≤ 0 and > 0, e.g. "no bad debt", "bad debt"

	Liquidations bool // drawn only for runs with a liquidation model (Meta.Liquidations)
}

// Scatter marker size and the thinning grid: of the points of one colour
// that fall into the same cell of a scatterGridX × scatterGridY grid over
// the data range (about a quarter of a marker), only the first is drawn.
// The picture is the same, and a million-path chart stays a small file.
const (
	scatterRadius = 1.6 // points
	scatterGridX  = 600
	scatterGridY  = 400
)

var (
	colorSplitOff = color.RGBA{R: 70, G: 130, B: 180, A: 255} // steel blue
	colorSplitOn  = color.RGBA{R: 200, G: 30, B: 40, A: 255}  // red
)

// NewScatterPlot draws spec from x, y and split, one value of each per path
// (finite, in the same path order; the slices are not modified); title is
// put in front of the chart's own title, which names the horizon
// (horizonHours; omitted when not > 0) and the number of paths. The legend
// to the right names both groups with their number of paths. It returns
// ErrNoData when there are no paths.
func NewScatterPlot(spec ScatterChart, title string, horizonHours float64, x, y, split []float64) (*Chart, error) {
	n := len(x)
	if n == 0 {
		return nil, fmt.Errorf("scatter %s: %w", spec.Name, ErrNoData)
	}
	if len(y) != n || len(split) != n {
		return nil, fmt.Errorf("scatter %s: %d x, %d y and %d split values, want as many of each", spec.Name, n, len(y), len(split))
	}
	xs, ys := scaleOf(spec.XScale), scaleOf(spec.YScale)
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i := range n {
		for _, v := range []float64{x[i], y[i], split[i]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("scatter %s: path %d has value %v", spec.Name, i, v)
			}
		}
		xmin, xmax = math.Min(xmin, xs*x[i]), math.Max(xmax, xs*x[i])
		ymin, ymax = math.Min(ymin, ys*y[i]), math.Max(ymax, ys*y[i])
	}
	xmin, xmax = padRange(xmin, xmax, 0.03)
	ymin, ymax = padRange(ymin, ymax, 0.05)
	if xmin >= 0 && xmin < 0.2*xmax {
		xmin = 0
	}
	if ymin >= 0 && ymin < 0.2*ymax {
		ymin = 0
	}

	// Thin each group on the grid, keeping the first path of each cell.
	var groups [2]plotter.XYs
	var counts [2]int
	var seen [2][]bool
	for g := range seen {
		seen[g] = make([]bool, scatterGridX*scatterGridY)
	}
	cell := func(v, lo, hi float64, cells int) int {
		return max(0, min(int((v-lo)/(hi-lo)*float64(cells)), cells-1))
	}
	for i := range n {
		g := 0
		if split[i] > 0 {
			g = 1
		}
		counts[g]++
		px, py := xs*x[i], ys*y[i]
		c := cell(py, ymin, ymax, scatterGridY)*scatterGridX + cell(px, xmin, xmax, scatterGridX)
		if !seen[g][c] {
			seen[g][c] = true
			groups[g] = append(groups[g], plotter.XY{X: px, Y: py})
		}
	}

	p := newPlot(fmt.Sprintf("%s: %s%s, %s", title, spec.Title, horizonPhrase(spec.Horizon, horizonHours), countNoun(n, "path")))
	p.X.Label.Text, p.Y.Label.Text = spec.XLabel, spec.YLabel
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	if spec.XUSD {
		p.X.Tick.Marker = usdTicker{}
	}
	if spec.YUSD {
		p.Y.Tick.Marker = usdTicker{}
	}
	legend := newLegend()
	for g, c := range []color.Color{colorSplitOff, colorSplitOn} {
		sc, err := plotter.NewScatter(groups[g])
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(scatterRadius), Shape: draw.CircleGlyph{}}
		if len(groups[g]) > 0 {
			p.Add(sc) // group 1 after group 0: on top
		}
		legend.Add(fmt.Sprintf("%s: %s", spec.SplitNames[g], countNoun(counts[g], "path")), sc)
	}
	return &Chart{Plot: p, Legend: &legend}, nil
}
