package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// A sweep runs several variants of one scenario over the same paths with
// common random numbers. Its parts carry the sweep's description (axes,
// variants and their values, the baseline) as JSON under MetaSweep, so that
// Merge and Recompute rebuild everything from the parts alone. Besides
// each variant's statistics, a sweep's aggregates hold the paired
// differences of every variant from the baseline, path by path, and the
// sweep charts: heatmaps of the sweep metric over pairs of axes and a
// tornado chart of its sensitivity to each axis.

// MetaSweep is the Parquet key-value metadata key of a sweep's description
// (SweepInfo as JSON); absent for a run that is not a sweep.
const MetaSweep = "spiral.sweep"

// VariantsParquet is the variants table of a sweep: one row per variant
// with its value of each axis.
const VariantsParquet = "variants.parquet"

// SweepInfo describes a sweep: what Meta.Sweep holds.
type SweepInfo struct {
	Design   string         `json:"design"`   // grid, latin_hypercube or sobol
	Baseline string         `json:"baseline"` // the variant the others are compared with
	Metric   string         `json:"metric"`   // the summary column of the heatmaps and the tornado chart
	Axes     []SweepAxis    `json:"axes"`
	Variants []SweepVariant `json:"variants"` // in run order: variant k holds units [k·paths, (k+1)·paths)
}

// SweepAxis is one axis of a sweep.
type SweepAxis struct {
	Field   string   `json:"field"`  // the scenario field path, e.g. liquidators.rules.bonus
	Column  string   `json:"column"` // its column in variants.parquet, e.g. liquidators_rules_bonus
	Numeric bool     `json:"numeric"`
	Scale   string   `json:"scale,omitempty"`  // "linear" or "log" for a range; "" for listed values
	Labels  []string `json:"labels,omitempty"` // the listed values' labels, in list order
}

// SweepVariant is one variant of a sweep and its value of each axis.
type SweepVariant struct {
	Name   string       `json:"name"`
	Values []SweepValue `json:"values"` // one per axis
}

// SweepValue is a variant's value of one axis.
type SweepValue struct {
	Number *float64 `json:"number"` // the value of a numeric axis; null for alternatives
	Label  string   `json:"label"`
	Index  int      `json:"index"` // position in the axis's list or grid; -1 when drawn from a range, and for the base
}

// Number returns v's number, NaN when it has none.
func (v SweepValue) number() float64 {
	if v.Number == nil {
		return math.NaN()
	}
	return *v.Number
}

// validate checks the description against the variants of a run.
func (s *SweepInfo) validate() error {
	if len(s.Variants) == 0 || len(s.Axes) == 0 {
		return errors.New("report: meta.sweep: no variants or no axes")
	}
	names := map[string]bool{}
	for _, v := range s.Variants {
		if !variantPattern.MatchString(v.Name) || names[v.Name] {
			return fmt.Errorf("report: meta.sweep: variant %q is not a valid, unique name", v.Name)
		}
		names[v.Name] = true
		if len(v.Values) != len(s.Axes) {
			return fmt.Errorf("report: meta.sweep: variant %s has %d values for %d axes", v.Name, len(v.Values), len(s.Axes))
		}
	}
	if !names[s.Baseline] {
		return fmt.Errorf("report: meta.sweep: baseline %q is not a variant", s.Baseline)
	}
	return nil
}

func (s *SweepInfo) index(variant string) int {
	return slices.IndexFunc(s.Variants, func(v SweepVariant) bool { return v.Name == variant })
}

func (s *SweepInfo) marshal() string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // plain data always marshals
	}
	return string(b)
}

// parseSweepInfo reads MetaSweep; "" is no sweep.
func parseSweepInfo(text string) (*SweepInfo, error) {
	if text == "" {
		return nil, nil
	}
	s := new(SweepInfo)
	if err := json.Unmarshal([]byte(text), s); err != nil {
		return nil, fmt.Errorf("report: %s: %w", MetaSweep, err)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// PairedDifference is the mean over paths of a variant's value of a metric
// minus the baseline's on the same path. With common random numbers the
// noise shared by the two cancels, so its interval is far narrower than
// the difference of the two means' intervals; a variant identical to the
// baseline has a difference of exactly 0 on every path.
type PairedDifference struct {
	Variant, Baseline, Metric string
	N                         int     // paths where both values are non-null
	Mean, SD, SE              float64 // of the per-path differences
	CILow, CIHigh             float64 // Student t interval of the mean at the run's confidence; NaN for N < 2
	Min, Max                  float64
}

// Sensitivity is one bar of the tornado chart: the sweep metric's mean
// over the variants with an axis at its low values and at its high values.
type Sensitivity struct {
	Axis      string  // field path
	Low, High float64 // means of the metric's per-variant mean
	LowLabel  string  // which values count as low, e.g. "0.05" or "lowest third"
	HighLabel string
	Variants  [2]int // variants averaged at each end
}

// SweepAggregate is a sweep's part of the aggregates.
type SweepAggregate struct {
	Info          SweepInfo
	Paired        []PairedDifference // per variant other than the baseline (run order), per metric (column order)
	Sensitivities []Sensitivity      // in axis order
	Reference     float64            // the baseline's mean of the sweep metric: the tornado's centre

	charts []namedChart // heatmaps and tornado, in plots/
}

const methodPaired = "paired difference: per path, the variant's value minus the baseline's (common random numbers: the same draws on the path); mean, sd, se = sd/sqrt(n) and mean +- Student t(n-1) quantile x se over the paths where both are non-null"

const methodSensitivity = "tornado: for each axis, the mean over variants of the sweep metric's mean, over the variants whose value of the axis is its lowest (listed values and grid steps: the smallest number, or the first alternative) and over those whose value is its highest (the largest number, or the last alternative); for values drawn from a range, the lowest and highest third of the variants by that value"

// pairedDifference summarizes the per-path differences x − base.
func pairedDifference(x, base []float64, level float64) PairedDifference {
	nan := math.NaN()
	d := PairedDifference{Mean: nan, SD: nan, SE: nan, CILow: nan, CIHigh: nan, Min: nan, Max: nan}
	diffs := make([]float64, 0, len(x))
	for i := range min(len(x), len(base)) {
		if math.IsNaN(x[i]) || math.IsNaN(base[i]) {
			continue
		}
		diffs = append(diffs, x[i]-base[i])
	}
	d.N = len(diffs)
	if d.N == 0 {
		return d
	}
	d.Mean = stat.Mean(diffs, nil)
	d.Min, d.Max = slices.Min(diffs), slices.Max(diffs)
	if d.N > 1 {
		d.SD = stat.StdDev(diffs, nil)
		d.SE = d.SD / math.Sqrt(float64(d.N))
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(d.N - 1)}.Quantile((1 + level) / 2)
		d.CILow, d.CIHigh = d.Mean-t*d.SE, d.Mean+t*d.SE
	}
	return d
}

// sweepAggregate computes the paired differences of every variant from the
// baseline for every metric column (one metric per CPU at a time, each
// reading the baseline's column once), the sensitivities and the sweep
// charts.
func sweepAggregate(inv *inventory, meta *Meta, agg *Aggregate) (*SweepAggregate, []string, error) {
	info := meta.Sweep
	sa := &SweepAggregate{Info: *info, Reference: math.NaN()}
	basePos := slices.IndexFunc(agg.Variants, func(v VariantAggregate) bool { return v.Variant == info.Baseline })
	if basePos < 0 {
		return nil, nil, fmt.Errorf("report: the sweep's baseline %s has no parts", info.Baseline)
	}
	var columns []string
	for _, m := range agg.Variants[basePos].Metrics {
		columns = append(columns, m.Metric)
	}
	var others []string
	for _, v := range info.Variants {
		if v.Name != info.Baseline {
			others = append(others, v.Name)
		}
	}
	paired := make([][]PairedDifference, len(columns)) // per metric, per other variant
	errs := make([]error, len(columns))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, aggregateWorkers(2*meta.Paths)))
	for i, c := range columns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			base, err := readAligned(inv.summary[info.Baseline], c)
			if err != nil {
				errs[i] = err
				return
			}
			for _, v := range others {
				x, err := readAligned(inv.summary[v], c)
				if err != nil {
					errs[i] = err
					return
				}
				d := pairedDifference(x, base, agg.Confidence)
				d.Variant, d.Baseline, d.Metric = v, info.Baseline, c
				paired[i] = append(paired[i], d)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for k := range others {
		for i := range columns {
			sa.Paired = append(sa.Paired, paired[i][k])
		}
	}

	means := sweepMetricMeans(agg, info.Metric)
	sa.Reference = means[info.Baseline]
	sa.Sensitivities = sensitivities(info, means)
	charts, notes, err := sweepCharts(info, means, sa, meta)
	if err != nil {
		return nil, nil, err
	}
	sa.charts = charts
	return sa, notes, nil
}

// sweepMetricMeans maps each variant to its mean of the metric (NaN when
// it has no values).
func sweepMetricMeans(agg *Aggregate, metric string) map[string]float64 {
	out := map[string]float64{}
	for _, v := range agg.Variants {
		out[v.Variant] = math.NaN()
		for _, m := range v.Metrics {
			if m.Metric == metric {
				out[v.Variant] = m.Mean
			}
		}
	}
	return out
}

// designVariants are the variants of the design: all but the base
// scenario's (which is not a point of the design).
func designVariants(info *SweepInfo) []SweepVariant {
	var out []SweepVariant
	for _, v := range info.Variants {
		if v.Name != "base" {
			out = append(out, v)
		}
	}
	return out
}

// sensitivities are the tornado's bars (see methodSensitivity).
func sensitivities(info *SweepInfo, means map[string]float64) []Sensitivity {
	vs := designVariants(info)
	var out []Sensitivity
	for j, a := range info.Axes {
		s := Sensitivity{Axis: a.Field, Low: math.NaN(), High: math.NaN()}
		lowSet, highSet := axisEnds(vs, j, a, &s)
		mean := func(set []SweepVariant) (float64, int) {
			var sum float64
			n := 0
			for _, v := range set {
				if m := means[v.Name]; !math.IsNaN(m) {
					sum += m
					n++
				}
			}
			if n == 0 {
				return math.NaN(), 0
			}
			return sum / float64(n), n
		}
		s.Low, s.Variants[0] = mean(lowSet)
		s.High, s.Variants[1] = mean(highSet)
		out = append(out, s)
	}
	return out
}

// axisEnds splits the design variants into those at the axis's low and
// high values and names the two ends.
func axisEnds(vs []SweepVariant, j int, a SweepAxis, s *Sensitivity) (low, high []SweepVariant) {
	discrete := len(vs) > 0 && vs[0].Values[j].Index >= 0
	if discrete {
		// The lowest and highest value: by number, else by list position.
		key := func(v SweepValue) float64 {
			if a.Numeric {
				return v.number()
			}
			return float64(v.Index)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range vs {
			k := key(v.Values[j])
			lo, hi = math.Min(lo, k), math.Max(hi, k)
		}
		label := func(v SweepValue) string {
			if x := v.number(); a.Numeric && finite(x) {
				return formatNumber(x)
			}
			return v.Label
		}
		for _, v := range vs {
			switch key(v.Values[j]) {
			case lo:
				low = append(low, v)
				s.LowLabel = label(v.Values[j])
			case hi:
				high = append(high, v)
				s.HighLabel = label(v.Values[j])
			}
		}
		if lo == hi {
			high = nil
		}
		return low, high
	}
	sorted := slices.Clone(vs)
	slices.SortStableFunc(sorted, func(x, y SweepVariant) int {
		return cmpFloat(x.Values[j].number(), y.Values[j].number())
	})
	third := len(sorted) / 3
	if third == 0 {
		third = min(1, len(sorted)/2)
	}
	s.LowLabel, s.HighLabel = "lowest third", "highest third"
	return sorted[:third], sorted[len(sorted)-third:]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// variantsSchema is the schema of variants.parquet: variant, baseline (the
// variant is the baseline), then one column per axis (double for a numeric
// axis, the label for alternatives) and <column>_label for numeric axes.
func variantsSchema(info *SweepInfo, md arrow.Metadata) *arrow.Schema {
	fields := []arrow.Field{
		{Name: "variant", Type: arrow.BinaryTypes.String},
		{Name: "is_baseline", Type: arrow.FixedWidthTypes.Boolean},
	}
	for _, a := range info.Axes {
		if a.Numeric {
			fields = append(fields, arrow.Field{Name: a.Column, Type: arrow.PrimitiveTypes.Float64, Nullable: true})
		} else {
			fields = append(fields, arrow.Field{Name: a.Column, Type: arrow.BinaryTypes.String})
		}
	}
	return arrow.NewSchema(fields, &md)
}

// writeVariantsParquet writes the variants table.
func writeVariantsParquet(path string, info *SweepInfo, md arrow.Metadata) (rows int64, err error) {
	w, err := newTableWriter(path, variantsSchema(info, md))
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			w.discard()
		}
	}()
	for _, v := range info.Variants {
		w.rb.Field(0).(*array.StringBuilder).Append(v.Name)
		w.rb.Field(1).(*array.BooleanBuilder).Append(v.Name == info.Baseline)
		for j, a := range info.Axes {
			val := v.Values[j]
			if a.Numeric {
				if x := val.number(); finite(x) {
					w.rb.Field(2 + j).(*array.Float64Builder).Append(x)
				} else {
					w.rb.Field(2 + j).AppendNull()
				}
			} else {
				w.rb.Field(2 + j).(*array.StringBuilder).Append(val.Label)
			}
		}
		if err := w.endRow(); err != nil {
			return 0, err
		}
	}
	rows = w.rows
	if err := w.commit(); err != nil {
		return 0, err
	}
	return rows, nil
}

// finishSweep adds a sweep's aggregates to agg and writes variants.parquet;
// it returns the sweep charts, the files written and notes.
func finishSweep(dir string, inv *inventory, meta *Meta, agg *Aggregate, commit func(string, int64)) ([]namedChart, []string, map[string]int64, []string, error) {
	sa, notes, err := sweepAggregate(inv, meta, agg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	agg.Sweep = sa
	path := filepath.Join(dir, VariantsParquet)
	n, err := writeVariantsParquet(path, meta.Sweep, fileMetadata(meta, -1))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	commit(path, n)
	return sa.charts, []string{VariantsParquet}, map[string]int64{VariantsParquet: n}, notes, nil
}

// checkSweepVariants lists the problems of a sweep whose variants have no
// parts at all, with the shards that hold them; they count as missing
// paths.
func checkSweepVariants(info *SweepInfo, variants []string, paths, shards int) []string {
	var problems []string
	for k, v := range info.Variants {
		if !slices.Contains(variants, v.Name) {
			problems = append(problems, fmt.Sprintf("variant %s: paths %v are missing%s", v.Name, Range{0, paths},
				missingShards(Range{k * paths, paths}, len(info.Variants)*paths, shards)))
		}
	}
	for _, v := range variants {
		if info.index(v) < 0 {
			problems = append(problems, fmt.Sprintf("%s/variant=%s is not a variant of the sweep: remove it", SummaryDir, v))
		}
	}
	return problems
}

// jsonSweep is the sweep part of aggregate.json.
type jsonSweep struct {
	Design        string            `json:"design"`
	Baseline      string            `json:"baseline"`
	Metric        string            `json:"metric"`
	Axes          []SweepAxis       `json:"axes"`
	Variants      []SweepVariant    `json:"variants"`
	Reference     jsonNumber        `json:"baseline_metric_mean"`
	Paired        []jsonPaired      `json:"paired_differences"`
	Sensitivities []jsonSensitivity `json:"sensitivities"`
}

type jsonPaired struct {
	Variant  string     `json:"variant"`
	Baseline string     `json:"baseline"`
	Metric   string     `json:"metric"`
	N        int        `json:"n"`
	Mean     jsonNumber `json:"mean"`
	SD       jsonNumber `json:"sd"`
	SE       jsonNumber `json:"se"`
	CILow    jsonNumber `json:"ci_low"`
	CIHigh   jsonNumber `json:"ci_high"`
	Min      jsonNumber `json:"min"`
	Max      jsonNumber `json:"max"`
}

type jsonSensitivity struct {
	Axis      string     `json:"axis"`
	Low       jsonNumber `json:"low"`
	High      jsonNumber `json:"high"`
	LowLabel  string     `json:"low_values"`
	HighLabel string     `json:"high_values"`
	Variants  [2]int     `json:"variants"`
}

// sweepJSON is the sweep part of aggregate.json, nil without a sweep.
func sweepJSON(sa *SweepAggregate) *jsonSweep {
	if sa == nil {
		return nil
	}
	out := &jsonSweep{Design: sa.Info.Design, Baseline: sa.Info.Baseline, Metric: sa.Info.Metric,
		Axes: sa.Info.Axes, Variants: sa.Info.Variants, Reference: jsonNumber(sa.Reference),
		Paired: []jsonPaired{}, Sensitivities: []jsonSensitivity{}}
	for _, d := range sa.Paired {
		out.Paired = append(out.Paired, jsonPaired{d.Variant, d.Baseline, d.Metric, d.N, jsonNumber(d.Mean), jsonNumber(d.SD),
			jsonNumber(d.SE), jsonNumber(d.CILow), jsonNumber(d.CIHigh), jsonNumber(d.Min), jsonNumber(d.Max)})
	}
	for _, s := range sa.Sensitivities {
		out.Sensitivities = append(out.Sensitivities, jsonSensitivity{s.Axis, jsonNumber(s.Low), jsonNumber(s.High), s.LowLabel, s.HighLabel, s.Variants})
	}
	return out
}

// writePairedRows appends the paired differences to aggregate.parquet as
// rows of kind "paired": n, mean, sd, se, mean_ci_low, mean_ci_high, min
// and max describe the per-path differences, baseline names the variant
// subtracted; the other statistics are null.
func writePairedRows(w *tableWriter, a *Aggregate) error {
	if a.Sweep == nil {
		return nil
	}
	for _, d := range a.Sweep.Paired {
		r := newAggregateRow(w)
		r.str("variant", d.Variant)
		r.str("metric", d.Metric)
		r.int("n", d.N)
		r.int("nulls", a.Paths-d.N)
		r.float("confidence", a.Confidence)
		r.int("paths", a.Paths)
		r.str("kind", "paired")
		r.str("baseline", d.Baseline)
		for _, x := range []struct {
			name string
			v    float64
		}{{"mean", d.Mean}, {"sd", d.SD}, {"se", d.SE}, {"mean_ci_low", d.CILow}, {"mean_ci_high", d.CIHigh},
			{"min", d.Min}, {"max", d.Max}, {"horizon_hours", a.HorizonHours}} {
			r.float(x.name, x.v)
		}
		if err := r.end(); err != nil {
			return err
		}
	}
	return nil
}
