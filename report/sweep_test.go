package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spiralrisk/spiral/engine"
)

// testSweep is a 2×2 grid plus the base; v000 has the base's values.
func testSweep() *SweepInfo {
	num := func(x float64) *float64 { return &x }
	info := &SweepInfo{Design: "grid", Baseline: "base", Metric: "stuck_share",
		Axes: []SweepAxis{{Field: "pool.utilization", Column: "pool_utilization", Numeric: true, Labels: []string{"0.5", "0.9"}},
			{Field: "policy.pauses", Column: "policy_pauses", Labels: []string{"off", "on"}}}}
	info.Variants = append(info.Variants, SweepVariant{Name: "base", Values: []SweepValue{{Number: num(0.5), Label: "0.5", Index: -1}, {Label: "base", Index: -1}}})
	for i, u := range []float64{0.5, 0.9} {
		for k, l := range []string{"off", "on"} {
			info.Variants = append(info.Variants, SweepVariant{Name: "v00" + string(rune('0'+2*i+k)),
				Values: []SweepValue{{Number: num(u), Label: []string{"0.5", "0.9"}[i], Index: i}, {Label: l, Index: k}}})
		}
	}
	return info
}

// sweepResults are the results of a variant: the base's, scaled by the
// variant's number (v000 equals the base path by path).
func sweepResults(variant string, first, n int) []engine.PathResult {
	rs := synthetic(first, n, 3, 24)
	scale := map[string]float64{"base": 1, "v000": 1, "v001": 1.5, "v002": 2, "v003": 3}[variant]
	for k := range rs {
		rs[k].Summary.StuckShare *= scale
	}
	return rs
}

// writeSweep writes the units [first, first+count) of the test sweep as
// shard i of n (i = 0, n = 1 for one process).
func writeSweep(t *testing.T, dir string, info *SweepInfo, paths, first, count, i, n int) *Batch {
	t.Helper()
	var segs []Segment
	for u := first; u < first+count; {
		k, p := u/paths, u%paths
		c := min(paths-p, first+count-u)
		segs = append(segs, Segment{Variant: info.Variants[k].Name, First: p, Count: c})
		u += c
	}
	m := testMeta(paths)
	m.Sweep = info
	m.Shard, m.Shards = i, n
	b, err := CreateBatch(dir, m, segs, Fresh)
	if err != nil {
		t.Fatal(err)
	}
	for k, o := range b.Outputs() {
		for _, r := range o.Todo() {
			feed(t, o.Sink(), sweepResults(segs[k].Variant, r.First, r.Count), 7)
		}
	}
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSweepAggregates(t *testing.T) {
	const paths = 60
	info := testSweep()
	dir := t.TempDir()
	b := writeSweep(t, dir, info, paths, 0, len(info.Variants)*paths, 0, 1)
	agg := b.Aggregate()
	if agg == nil || agg.Sweep == nil || len(agg.Variants) != 5 {
		t.Fatalf("aggregate %+v", agg)
	}
	byKey := map[[2]string]PairedDifference{}
	for _, d := range agg.Sweep.Paired {
		byKey[[2]string{d.Variant, d.Metric}] = d
	}
	// Identical to the baseline: every paired difference is exactly 0.
	for _, d := range agg.Sweep.Paired {
		if d.Variant == "v000" && (d.Mean != 0 || d.SD != 0 || d.CILow != 0 || d.CIHigh != 0 || d.Min != 0 || d.Max != 0) {
			t.Errorf("v000 %s: paired difference %+v, want exactly 0", d.Metric, d)
		}
	}
	// v002 doubles the stuck share: the difference is the base's mean.
	var baseMean float64
	for _, m := range agg.Variants[0].Metrics {
		if m.Metric == "stuck_share" {
			baseMean = m.Mean
		}
	}
	if d := byKey[[2]string{"v002", "stuck_share"}]; math.Abs(d.Mean-baseMean) > 1e-12 || d.N != paths || !(d.CILow < d.Mean && d.Mean < d.CIHigh) {
		t.Errorf("v002 stuck_share difference %+v, want mean %v", d, baseMean)
	}
	// The tornado: utilization's high end (v002, v003) above its low end.
	s := agg.Sweep.Sensitivities
	if len(s) != 2 || !(s[0].High > s[0].Low) || s[0].Variants != [2]int{2, 2} || s[1].LowLabel != "off" {
		t.Errorf("sensitivities %+v", s)
	}
	for _, f := range []string{VariantsParquet, "plots/sweep_tornado.png", "plots/sweep_heatmap_pool_utilization_x_policy_pauses.pdf",
		"plots/variant=base/convergence.png", ReportMarkdown, SuccessFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "plots/variant=v001")); err == nil {
		t.Error("charts drawn for a variant that is not the baseline")
	}
	tbl, _, _ := readParquet(t, filepath.Join(dir, VariantsParquet))
	if tbl.NumRows() != 5 || tbl.Schema().Field(2).Name != "pool_utilization" {
		t.Errorf("variants.parquet: %v", tbl.Schema())
	}
	tbl, _, _ = readParquet(t, filepath.Join(dir, AggregateParquet))
	paired := 0
	kinds := column(t, tbl, "kind").(*array.String)
	bases := column(t, tbl, "baseline").(*array.String)
	for r := range kinds.Len() {
		if kinds.Value(r) == "paired" {
			paired++
			if bases.Value(r) != "base" {
				t.Errorf("row %d: baseline %q", r, bases.Value(r))
			}
		}
	}
	if paired != len(agg.Sweep.Paired) || paired != 4*len(agg.Variants[0].Metrics) {
		t.Errorf("%d paired rows in aggregate.parquet, want %d", paired, len(agg.Sweep.Paired))
	}
	// Every variant has its early-warning rows, as in aggregate.json.
	warnings := wantWarningRows(t, dir)
	for _, v := range agg.Variants {
		if n := warnings[v.Variant]; n != len(v.Warnings) || n == 0 {
			t.Errorf("variant %s: %d warning rows in aggregate.parquet, want %d", v.Variant, n, len(v.Warnings))
		}
	}
	var j struct {
		Sweep struct {
			Paired []struct {
				Variant string
				Mean    *float64
			} `json:"paired_differences"`
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, AggregateJSON))
	if err := json.Unmarshal(data, &j); err != nil || len(j.Sweep.Paired) != paired {
		t.Errorf("aggregate.json sweep: %v, %d paired", err, len(j.Sweep.Paired))
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportMarkdown))
	for _, want := range []string{"## Sweep: 5 variants", "plots/sweep_tornado.png", "| v000 | 0.5 | off |", "## Paired differences from base"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// Shards split the units (variant, path); merged they equal one process,
// and a merge without one variant's shard names it as missing.
func TestSweepShardsMerge(t *testing.T) {
	const paths = 50
	info := testSweep()
	units := len(info.Variants) * paths
	one := t.TempDir()
	writeSweep(t, one, info, paths, 0, units, 0, 1)
	sharded := t.TempDir()
	const n = 3
	for i := range n {
		first := units * i / n
		if i == 1 {
			if _, err := Merge(sharded, MergeOptions{}); err == nil {
				t.Fatal("merged with shards missing")
			}
		}
		writeSweep(t, sharded, info, paths, first, units*(i+1)/n-first, i, n)
	}
	agg, err := Merge(sharded, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{AggregateJSON, ReportMarkdown} {
		a, _ := os.ReadFile(filepath.Join(one, f))
		b, _ := os.ReadFile(filepath.Join(sharded, f))
		if string(a) != string(b) {
			t.Errorf("%s differs between one process and merged shards", f)
		}
	}
	// aggregate.parquet: the same rows (its metadata names the shards).
	a, _, _ := readParquet(t, filepath.Join(one, AggregateParquet))
	m, _, _ := readParquet(t, filepath.Join(sharded, AggregateParquet))
	if !array.TableEqual(a, m) || a.NumRows() == 0 {
		t.Error("aggregate.parquet differs between one process and merged shards")
	}
	if agg.Sweep == nil || len(agg.Sweep.Paired) == 0 {
		t.Error("merge lost the sweep")
	}
	// A missing variant is named with its shard.
	if err := os.RemoveAll(filepath.Join(sharded, "summary", "variant=v003")); err != nil {
		t.Fatal(err)
	}
	_, err = Merge(sharded, MergeOptions{})
	ce, ok := err.(*CheckError)
	if !ok || !ce.Incomplete || !strings.Contains(err.Error(), "variant v003: paths [0, 50) are missing (shard 2/3") {
		t.Errorf("merge without v003: %v", err)
	}
}
