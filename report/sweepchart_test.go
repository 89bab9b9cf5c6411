package report

import (
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
