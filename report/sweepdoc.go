package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The sweep section of report.md and report.pdf.

// detailVariants are the variants that get sections of their own: all of
// them, but only the baseline of a sweep (whose other variants are
// compared in the sweep section).
func detailVariants(agg *Aggregate, variants []documentVariant) []documentVariant {
	if agg.Sweep == nil {
		return variants
	}
	for _, v := range variants {
		if v.agg.Variant == agg.Sweep.Info.Baseline {
			return []documentVariant{v}
		}
	}
	return variants[:1]
}

// pairedColumns are the metrics of the paired-differences table, besides
// the sweep metric, when the run has them.
var pairedColumns = []string{"bad_debt_usd", "stuck_share", "liquidated_debt_usd", "max_utilization", "insolvent", "peg_min"}

// comparisonBlocks compares several variants: for a sweep, its variants
// table with the sweep metric and its paired difference from the
// baseline, the paired differences of the main metrics, the heatmaps and
// the tornado chart; otherwise the headline risk metrics side by side.
func comparisonBlocks(agg *Aggregate, variants []documentVariant) []block {
	sa := agg.Sweep
	if sa == nil {
		return []block{
			&heading{1, "Comparison of the variants"},
			&paragraph{text: "The table compares the headline risk metrics of the variants (common random numbers: the same draws on every path)."},
			comparisonTable(variants),
		}
	}
	info := &sa.Info
	var out []block
	add := func(b block) { out = append(out, b) }
	add(&heading{1, fmt.Sprintf("Sweep: %s", countNoun(len(info.Variants), "variant"))})
	var axes []string
	for _, a := range info.Axes {
		axes = append(axes, a.Field)
	}
	design := map[string]string{"grid": "every combination of the axes' values (grid)",
		"latin_hypercube": "a Latin hypercube (one variant in each stratum of every axis)",
		"sobol":           "the first points of a Sobol sequence"}[info.Design]
	if design == "" {
		design = info.Design
	}
	add(&paragraph{text: fmt.Sprintf("The variants sweep %s over %s. Every variant runs the same %s with the same seed, so variant k and the baseline %s see the same exogenous draws on path i (common random numbers): the paired difference on a path is the effect of the parameters alone, and its interval is far narrower than the two means' intervals suggest.",
		strings.Join(axes, ", "), design, countNoun(agg.Paths, "path"), info.Baseline)})

	means := map[string]MetricStats{}
	for _, v := range agg.Variants {
		for _, m := range v.Metrics {
			if m.Metric == info.Metric {
				means[v.Variant] = m
			}
		}
	}
	diff := map[[2]string]PairedDifference{}
	for _, d := range sa.Paired {
		diff[[2]string{d.Variant, d.Metric}] = d
	}
	f := ValueFormatter(info.Metric)
	t := &table{header: []string{"Variant"}, right: []bool{false}, widths: []float64{1}}
	for _, a := range info.Axes {
		t.header = append(t.header, a.Field)
		t.right = append(t.right, a.Numeric)
		t.widths = append(t.widths, 1.4)
	}
	t.header = append(t.header, "mean "+info.Metric, "difference from "+info.Baseline)
	t.right = append(t.right, true, true)
	t.widths = append(t.widths, 1.6, 1.6)
	for _, v := range info.Variants {
		name := v.Name
		if name == info.Baseline {
			name += " (baseline)"
		}
		row := []cell{{main: name}}
		for j := range info.Axes {
			row = append(row, cell{main: v.Values[j].Label})
		}
		m, ok := means[v.Name]
		if ok {
			row = append(row, cell{main: f(m.Mean), sub: interval(f, m.MeanCILow, m.MeanCIHigh)})
		} else {
			row = append(row, cell{main: "n/a"})
		}
		if d, ok := diff[[2]string{v.Name, info.Metric}]; ok {
			row = append(row, cell{main: signed(f, d.Mean), sub: interval(func(x float64) string { return signed(f, x) }, d.CILow, d.CIHigh)})
		} else {
			row = append(row, cell{main: "-"})
		}
		t.rows = append(t.rows, row)
	}
	add(&heading{2, "Variants"})
	add(&paragraph{text: "Each variant's values of the axes (variants.parquet), the mean of " + info.Metric + " over the paths with its 95 % interval, and the mean of the per-path difference from the baseline with its 95 % Student t interval.", small: true})
	add(t)

	cols := []string{info.Metric}
	for _, c := range pairedColumns {
		if !slices.Contains(cols, c) && len(cols) < 5 {
			if _, ok := diff[[2]string{firstOther(info), c}]; ok {
				cols = append(cols, c)
			}
		}
	}
	pt := &table{header: []string{"Variant"}, right: []bool{false}, widths: []float64{1}}
	for _, c := range cols {
		pt.header = append(pt.header, c)
		pt.right = append(pt.right, true)
		pt.widths = append(pt.widths, 1.7)
	}
	for _, v := range info.Variants {
		if v.Name == info.Baseline {
			continue
		}
		row := []cell{{main: v.Name}}
		for _, c := range cols {
			d, ok := diff[[2]string{v.Name, c}]
			if !ok {
				row = append(row, cell{main: "n/a"})
				continue
			}
			g := ValueFormatter(c)
			sg := func(x float64) string { return signed(g, x) }
			row = append(row, cell{main: sg(d.Mean), sub: interval(sg, d.CILow, d.CIHigh)})
		}
		pt.rows = append(pt.rows, row)
	}
	if len(pt.rows) > 0 {
		add(&heading{2, "Paired differences from " + info.Baseline})
		add(&paragraph{text: "Mean over the paths of the variant's value minus the baseline's on the same path, with its 95 % Student t interval; aggregate.json (sweep.paired_differences) and aggregate.parquet (kind \"paired\") hold every metric.", small: true})
		add(pt)
	}

	if len(sa.charts) > 0 {
		add(pageBreak{})
		add(&heading{2, "Heatmaps and sensitivities"})
		add(&paragraph{text: "The heatmaps show the mean of " + info.Metric + " for each pair of values of two axes (averaged over the variants in a cell, and so over the other axes' values). The tornado chart shows, for each axis, the mean over the variants at its lowest values (blue) and at its highest values (orange) against the baseline's mean: the longer the bar, the more the metric depends on that axis.", small: true})
		for _, c := range sa.charts {
			add(&figure{chart: c.chart, png: c.dir + "/" + c.name + ".png", name: c.name})
		}
	}
	return out
}

// firstOther is the first variant that is not the baseline ("" if none).
func firstOther(info *SweepInfo) string {
	for _, v := range info.Variants {
		if v.Name != info.Baseline {
			return v.Name
		}
	}
	return ""
}

// signed formats a difference with its sign: +1.2k, -3 %, 0.
func signed(f func(float64) string, x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	if x > 0 {
		return "+" + f(x)
	}
	if x < 0 {
		return "-" + f(-x)
	}
	return f(0)
}
