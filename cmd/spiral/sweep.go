package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/report"
)

// cmdSweep is `spiral sweep sweep.yaml`: every variant of the file's sweep
// over the same paths, with the flags of run (execute in run.go).
func cmdSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return execute(ctx, "sweep", args, stdout, stderr)
}

// unitSegments splits the units [first, first+count) of variants × paths
// (variant k's path p is unit k·paths + p) into one segment per variant.
func unitSegments(variants []experiments.Variant, paths, first, count int) []report.Segment {
	var out []report.Segment
	for u := first; u < first+count; {
		k, p := u/paths, u%paths
		n := min(paths-p, first+count-u)
		out = append(out, report.Segment{Variant: variants[k].Name, First: p, Count: n})
		u += n
	}
	return out
}

// unitsName names what a shard splits, for messages.
func unitsName(sc *experiments.Scenario) string {
	if sc.Sweep != nil {
		return "(variant, path) units"
	}
	return "paths"
}

// sweepInfo describes sc's sweep for the outputs; nil without one.
func sweepInfo(sc *experiments.Scenario, variants []experiments.Variant) *report.SweepInfo {
	sw := sc.Sweep
	if sw == nil {
		return nil
	}
	info := &report.SweepInfo{Design: sw.Design, Baseline: sw.Baseline, Metric: sw.Metric}
	for _, a := range sw.Axes {
		ax := report.SweepAxis{Field: a.Field, Column: a.Column, Numeric: a.Numeric}
		if a.Range != nil {
			ax.Scale = a.Range.Scale
		} else {
			ax.Labels = a.Labels
		}
		info.Axes = append(info.Axes, ax)
	}
	for _, v := range variants {
		sv := report.SweepVariant{Name: v.Name}
		for _, x := range v.Values {
			val := report.SweepValue{Label: x.Label, Index: x.Index}
			if !math.IsNaN(x.Number) {
				n := x.Number
				val.Number = &n
			}
			sv.Values = append(sv.Values, val)
		}
		info.Variants = append(info.Variants, sv)
	}
	return info
}

// variantScenario is the scenario of the named variant (sc itself when sc
// is not a sweep).
func variantScenario(sc *experiments.Scenario, variants []experiments.Variant, name string) (*experiments.Scenario, error) {
	for _, v := range variants {
		if v.Name == name {
			return sc.Variant(v)
		}
	}
	return nil, fmt.Errorf("no variant %s", name)
}

// printSweepHeadline prints each variant's values, its mean of the sweep
// metric and the paired difference from the baseline with its interval.
func printSweepHeadline(w io.Writer, agg *report.Aggregate) {
	sa := agg.Sweep
	info := sa.Info
	var cols []string
	for _, a := range info.Axes {
		cols = append(cols, a.Field)
	}
	fmt.Fprintf(w, "%-8s %-40s %14s %14s  %s\n", "variant", strings.Join(cols, " | "), "mean", "vs "+info.Baseline, "[95 % CI of the paired difference]")
	for _, v := range info.Variants {
		var vals []string
		for _, x := range v.Values {
			vals = append(vals, x.Label)
		}
		mean := math.NaN()
		for _, va := range agg.Variants {
			if va.Variant == v.Name {
				for _, m := range va.Metrics {
					if m.Metric == info.Metric {
						mean = m.Mean
					}
				}
			}
		}
		diff, lo, hi := "-", "", ""
		for _, d := range sa.Paired {
			if d.Variant == v.Name && d.Metric == info.Metric {
				diff = fmt.Sprintf("%+.4g", d.Mean)
				lo, hi = bound(d.CILow), bound(d.CIHigh)
			}
		}
		ci := ""
		if lo != "" {
			ci = "[" + lo + ", " + hi + "]"
		}
		fmt.Fprintf(w, "%-8s %-40s %14.4g %14s  %s\n", v.Name, strings.Join(vals, " | "), mean, diff, ci)
	}
	fmt.Fprintf(w, "metric: mean %s over %d paths per variant; aggregate.json has every metric of every variant and its paired differences\n", info.Metric, agg.Paths)
}

// printVariants lists a sweep's variants as YAML comments after its
// resolved text (spiral validate); nothing for a scenario without one.
func printVariants(w io.Writer, sc *experiments.Scenario) error {
	if sc.Sweep == nil {
		return nil
	}
	cw := &checkedWriter{w: w}
	variants := sc.Variants()
	fmt.Fprintf(cw, "# %d variants (baseline %s):\n", len(variants), sc.Sweep.Baseline)
	for _, v := range variants {
		var vals []string
		for i, a := range sc.Sweep.Axes {
			vals = append(vals, a.Field+"="+v.Values[i].Label)
		}
		fmt.Fprintf(cw, "#   %s: %s\n", v.Name, strings.Join(vals, ", "))
	}
	return cw.err
}
