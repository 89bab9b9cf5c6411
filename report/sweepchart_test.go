package report

import (
	"bytes"
	"image/png"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// Every bar of the tornado chart names its value when the name fits,
// whichever side of the baseline it extends to: a bar drawn leftwards
// (a value below the baseline's) lost its label.
func TestTornadoLabelsBarsOnBothSides(t *testing.T) {
	info := &SweepInfo{Baseline: "base", Metric: "bad_debt_usd"}
	sa := &SweepAggregate{Reference: 2.1e6, Sensitivities: []Sensitivity{
		{Axis: "liquidators.dex.depth_usd", Low: 4.9e6, High: 0, LowLabel: "10,000,000", HighLabel: "160,000,000"},
	}}
	meta := &Meta{ScenarioName: "s", Paths: 300}
	chart, err := tornado(info, sa, meta, "bad debt", formatUSD)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder.Canvas{}
	chart.Plot.Draw(draw.New(vgCanvasSize(rec, 8*vg.Inch, 5*vg.Inch)))
	labels := map[string]bool{}
	for _, a := range rec.Actions {
		if s, ok := a.(*recorder.FillString); ok {
			labels[s.String] = true
		}
	}
	for _, want := range []string{"10,000,000", "160,000,000"} {
		if !labels[want] {
			t.Errorf("the tornado chart does not name the bar of %s", want)
		}
	}
}

// vgCanvasSize gives a recorder a size for draw.New.
func vgCanvasSize(c *recorder.Canvas, w, h vg.Length) sizedCanvas { return sizedCanvas{c, w, h} }

type sizedCanvas struct {
	*recorder.Canvas
	w, h vg.Length
}

func (c sizedCanvas) Size() (vg.Length, vg.Length) { return c.w, c.h }

// The tornado chart's axis names were drawn flush with the image's left
// edge, where the first glyph lost pixels ("iquidators.dex.depth_usd"):
// every name starts at least ChartMarginLeft in, a long one is broken
// after its dots, and the PNG's first columns are blank.
func TestTornadoNamesFullyVisible(t *testing.T) {
	info := &SweepInfo{Baseline: "base", Metric: "bad_debt_usd"}
	sa := &SweepAggregate{Reference: 2.1e6, Sensitivities: []Sensitivity{
		{Axis: "liquidators.dex.depth_usd", Low: 4.9e6, High: 0, LowLabel: "10,000,000", HighLabel: "160,000,000"},
		{Axis: "depositors.withdrawals.utilization.weight", Low: 1.9e6, High: 2.5e6, LowLabel: "0.05", HighLabel: "0.125"},
	}}
	chart, err := tornado(info, sa, &Meta{ScenarioName: "s", Paths: 300}, "bad debt", formatUSD)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder.Canvas{}
	chart.Draw(draw.New(vgCanvasSize(rec, ChartWidth, ChartHeight)))
	names := map[string]bool{}
	for _, a := range rec.Actions {
		s, ok := a.(*recorder.FillString)
		if !ok {
			continue
		}
		if s.Point.X < ChartMarginLeft-1e-9 {
			t.Errorf("%q starts at x = %v, left of the margin %v", s.String, s.Point.X, ChartMarginLeft)
		}
		names[s.String] = true
	}
	for _, want := range []string{"liquidators.dex.depth_usd", "depositors.withdrawals.", "utilization.weight"} {
		if !names[want] {
			t.Errorf("no line %q among the chart's text %v", want, names)
		}
	}

	var buf bytes.Buffer
	if err := renderPNG(chart, &buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	ink := func(x0, x1 int) bool {
		for x := x0; x < x1; x++ {
			for y := b.Min.Y; y < b.Max.Y; y++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xe000 || g < 0xe000 || bl < 0xe000 {
					return true
				}
			}
		}
		return false
	}
	if ink(b.Min.X, b.Min.X+4) {
		t.Error("the PNG has ink in its first 4 pixel columns: a name is clipped at the left edge")
	}
	if !ink(b.Min.X+4, b.Min.X+40) {
		t.Error("no ink near the left edge: the names are not where a y axis's labels go")
	}
}
