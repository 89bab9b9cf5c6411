package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spiralrisk/spiral/experiments"
)

// pauseSweep is black-thursday-2020 with a sweep over a liquidation pause
// (off, on) and two DEX depths; the base (no pause, 20 M depth) equals
// variant v002.
func pauseSweep(t *testing.T) string {
	t.Helper()
	base, err := experiments.Load("black-thursday-2020")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(base.Resolved()), "name: black-thursday-2020", "name: pause-sweep", 1)
	text = strings.Replace(text, "trace_paths: 200", "trace_paths: 6", 1)
	text += `sweep:
  axes:
    liquidators.dex.depth_usd: [1e7, 2e7]
    policy.pauses:
      values:
        - []
        - - actions: [liquidate]
            trigger: {signal: drawdown, level: 0.2}
            delay: 1h
            duration: 24h
      labels: [off, on]
`
	file := filepath.Join(t.TempDir(), "pause-sweep.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// readSeriesColumn reads one column of a variant's series parts, keyed by
// (path, step).
func readSeriesColumn(t *testing.T, dir, variant, column string) map[[2]int64]float64 {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, "series", "variant="+variant, "*.parquet"))
	if len(parts) == 0 {
		t.Fatalf("no series parts of %s", variant)
	}
	out := map[[2]int64]float64{}
	for _, p := range parts {
		tbl := readTable(t, p)
		col := func(name string) []float64 {
			idx := tbl.Schema().FieldIndices(name)
			var vals []float64
			for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
				for i := range ch.Len() {
					switch a := ch.(type) {
					case *array.Int64:
						vals = append(vals, float64(a.Value(i)))
					case *array.Float64:
						vals = append(vals, a.Value(i))
					}
				}
			}
			return vals
		}
		paths, steps, vals := col("path"), col("step"), col(column)
		for i := range paths {
			out[[2]int64{int64(paths[i]), int64(steps[i])}] = vals[i]
		}
	}
	return out
}

// Variants that differ only in a policy see identical exogenous price
// paths (common random numbers) but not the same market; the variant
// identical to the baseline has paired differences of exactly zero.
func TestSweepCommonRandomNumbers(t *testing.T) {
	sweep := pauseSweep(t)
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := spiral(t, "sweep", sweep, "--out", out, "--paths", "12", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "5 variants × 12 paths") {
		t.Errorf("stdout: %s", stdout)
	}
	off := readSeriesColumn(t, out, "v002", "price_usd")
	on := readSeriesColumn(t, out, "v003", "price_usd")
	if len(off) != 6*168 || len(on) != len(off) {
		t.Fatalf("%d and %d traced points, want %d", len(off), len(on), 6*168)
	}
	for k, v := range off {
		if on[k] != v {
			t.Fatalf("path %d step %d: exogenous price %v without the pause, %v with it", k[0], k[1], v, on[k])
		}
	}
	moff := readSeriesColumn(t, out, "v002", "liquidated_usd")
	mon := readSeriesColumn(t, out, "v003", "liquidated_usd")
	differs := false
	for k, v := range moff {
		differs = differs || mon[k] != v
	}
	if !differs {
		t.Error("the pause changed no liquidation: the test cannot tell the variants apart")
	}
	var agg struct {
		Sweep struct {
			Paired []struct {
				Variant, Metric string
				N               int
				Mean, SD        *float64
				CILow           *float64 `json:"ci_low"`
				CIHigh          *float64 `json:"ci_high"`
			} `json:"paired_differences"`
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "aggregate.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &agg); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range agg.Sweep.Paired {
		if d.Variant != "v002" || d.N == 0 {
			continue
		}
		checked++
		for _, v := range []*float64{d.Mean, d.SD, d.CILow, d.CIHigh} {
			if v == nil || *v != 0 {
				t.Fatalf("v002 (identical to base) %s: paired difference %v, want exactly 0", d.Metric, d)
			}
		}
	}
	if checked < 20 {
		t.Errorf("%d metrics of v002 checked", checked)
	}
}

// Four shards of a sweep run as separate processes split its (variant,
// path) units; merged they give the values of one process.
func TestSweepShardsMergeEqualOneProcess(t *testing.T) {
	const paths = 10
	sweep := pauseSweep(t)
	dir := t.TempDir()
	one := filepath.Join(dir, "one")
	if _, stderr, code := proc(t, nil, "sweep", sweep, "--out", one, "--paths", strconv.Itoa(paths), "--quiet"); code != 0 {
		t.Fatalf("one process: exit %d: %s", code, stderr)
	}
	sharded := filepath.Join(dir, "sharded")
	runShards(t, 4, "sweep", sweep, "--out", sharded, "--paths", strconv.Itoa(paths), "--quiet", "--part-paths", "3", "--workers", "1")
	// A shard spans variants: 50 units in 4 shards of 12 or 13.
	m, err := os.ReadFile(filepath.Join(sharded, "manifest-shard-00001.json"))
	if err != nil || !strings.Contains(string(m), `"segments"`) {
		t.Fatalf("shard manifest: %v", err)
	}
	stdout, stderr, code := proc(t, nil, "merge", sharded)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "v003") {
		t.Errorf("merge output: %s", stdout)
	}
	for _, f := range []string{"aggregate.json", "report.md"} {
		a, _ := os.ReadFile(filepath.Join(one, f))
		b, _ := os.ReadFile(filepath.Join(sharded, f))
		if string(a) != string(b) || len(a) == 0 {
			t.Errorf("%s differs between one process and merged shards", f)
		}
	}
	if !array.TableEqual(readTable(t, filepath.Join(one, "aggregate.parquet")), readTable(t, filepath.Join(sharded, "aggregate.parquet"))) {
		t.Error("aggregate.parquet has other rows for the merged shards than for one process")
	}
	// Resume finds every shard complete.
	stdout, _, code = proc(t, nil, "sweep", sweep, "--out", sharded, "--paths", strconv.Itoa(paths), "--quiet", "--shard", "2/4", "--resume")
	if code != 0 || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("resume of a complete shard: exit %d: %s", code, stdout)
	}
	// DuckDB reads every (variant, path) once and joins the variants table.
	reader := duckdbReader(t)
	raw := duckdbQuery(t, reader, sharded, `SELECT count(*) AS n, count(DISTINCT (s.variant, s.path)) AS units,
  count(DISTINCT v.policy_pauses) AS policies
FROM $SUMMARY s JOIN read_parquet('$OUT/variants.parquet') v USING (variant)`)
	if got := strings.TrimSpace(string(raw)); got != `{"n":"50","units":"50","policies":"3"}` {
		t.Errorf("DuckDB: %s", got)
	}
}

// A sweep with a bad value names its line; run refuses a sweep file and
// sweep a file without one.
func TestSweepBadInput(t *testing.T) {
	sweep := pauseSweep(t)
	data, _ := os.ReadFile(sweep)
	bad := strings.Replace(string(data), "[1e7, 2e7]", "[1e7, -5]", 1)
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	line := strings.Count(bad[:strings.Index(bad, "[1e7, -5]")], "\n") + 1
	_, stderr, code := spiral(t, "sweep", file, "--out", t.TempDir())
	if code != 2 || !strings.Contains(stderr, fmt.Sprintf("bad.yaml:%d:", line)) || !strings.Contains(stderr, "liquidators.dex.depth_usd") {
		t.Errorf("bad value: exit %d: %s", code, stderr)
	}
	// The suggested command repeats the flags given.
	out := t.TempDir()
	if _, stderr, code := spiral(t, "run", sweep, "--out", out, "--paths", "50"); code != 2 ||
		!strings.Contains(stderr, "spiral sweep "+quoteArg(sweep)+" --out "+quoteArg(out)+" --paths 50\n") {
		t.Errorf("run of a sweep: exit %d: %s", code, stderr)
	}
	if _, stderr, code := spiral(t, "sweep", "baseline", "--out", out, "--seed", "7"); code != 2 || !strings.Contains(stderr, "no sweep section") ||
		!strings.Contains(stderr, "spiral run baseline --out "+quoteArg(out)+" --seed 7\n") {
		t.Errorf("sweep without a sweep section: exit %d: %s", code, stderr)
	}
}
