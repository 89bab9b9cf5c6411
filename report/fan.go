package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/spiralrisk/spiral/engine"
)

// fanCollector keeps, for each fan chart, the traced paths' values of its
// series column at every recorded step.
type fanCollector struct {
	columns []int // engine.SeriesColumns index of each chart
	slot    map[int]int
	steps   []int     // step of each slot, in order of first appearance
	hours   []float64 // hour of each slot
	values  [][][]float64
	paths   int   // traced paths seen
	tooMany int64 // series rows, when too many to read: no fan charts
}

func newFanCollector(charts []FanChart) (*fanCollector, error) {
	f := &fanCollector{slot: map[int]int{}, values: make([][][]float64, len(charts))}
	for _, c := range charts {
		i := seriesColumnIndex(c.Column)
		if i < 0 {
			return nil, fmt.Errorf("report: fan chart %s: no series column %q", c.Name, c.Column)
		}
		f.columns = append(f.columns, i)
	}
	return f, nil
}

func seriesColumnIndex(name string) int {
	for i, c := range engine.SeriesColumns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// add records one traced path's values of the charts' columns (in the
// order of the charts) at a step.
func (f *fanCollector) add(step int, hour float64, values []float64) {
	s, ok := f.slot[step]
	if !ok {
		s = len(f.steps)
		f.slot[step] = s
		f.steps = append(f.steps, step)
		f.hours = append(f.hours, hour)
		for k := range f.values {
			f.values[k] = append(f.values[k], nil)
		}
	}
	for k := range f.columns {
		f.values[k][s] = append(f.values[k][s], values[k])
	}
}

// lastHour is the latest recorded hour, NaN when nothing was traced.
func (f *fanCollector) lastHour() float64 {
	h := math.NaN()
	for _, v := range f.hours {
		if !(v <= h) {
			h = v
		}
	}
	return h
}

// data returns chart k's values in step order.
func (f *fanCollector) data(k int) FanData {
	order := make([]int, len(f.steps))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.steps[order[a]] < f.steps[order[b]] })
	d := FanData{Paths: f.paths, Hours: make([]float64, len(order)), Values: make([][]float64, len(order))}
	for i, s := range order {
		d.Hours[i] = f.hours[s]
		if k < len(f.values) {
			d.Values[i] = f.values[k][s]
		}
	}
	return d
}
