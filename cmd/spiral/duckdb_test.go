package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// duckdbReader returns the directory of the DuckDB check script, installing
// @duckdb/node-api from npm (the exact version pinned in package.json; no
// lock file, because npm's lock files for platform-specific optional
// packages do not survive a fresh clone) when missing.
func duckdbReader(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed: CI needs it for the independent DuckDB reader")
		}
		t.Skip("node is not installed; the DuckDB reader test needs Node.js")
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

type duckResult struct {
	Summary struct {
		Rows               json.Number `json:"rows"`
		Paths              json.Number `json:"paths"`
		MinPath            json.Number `json:"min_path"`
		MaxPath            json.Number `json:"max_path"`
		Variants           json.Number `json:"variants"`
		Seeds              json.Number `json:"seeds"`
		Variant            string      `json:"variant"`
		Seed               json.Number `json:"seed"`
		MeanStuckShare     json.Number `json:"mean_stuck_share"`
		P95StuckShare      json.Number `json:"p95_stuck_share"`
		P99StuckShare      json.Number `json:"p99_stuck_share"`
		MeanMaxUtilization json.Number `json:"mean_max_utilization"`
		P50MaxUtilization  json.Number `json:"p50_max_utilization"`
		SDMaxUtilization   json.Number `json:"sd_max_utilization"`
		PathsWithUnmet     json.Number `json:"paths_with_unmet_withdrawals"`
	}
	Columns []struct {
		Name string `json:"column_name"`
		Type string `json:"column_type"`
	}
	Series struct {
		Rows    json.Number `json:"rows"`
		Paths   json.Number `json:"paths"`
		MaxStep json.Number `json:"max_step"`
	}
	Metadata []struct{ Key, Value string }
}

func num(t *testing.T, n json.Number) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		t.Fatalf("not a number: %q", n)
	}
	return v
}

// duckdbCheck runs check.mjs from reader on the output directory dir and
// returns what DuckDB found.
func duckdbCheck(t *testing.T, reader, dir string) duckResult {
	t.Helper()
	raw := duckdbRun(t, reader, "check.mjs", dir)
	var got duckResult
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return got
}

// duckdbQuery runs query.mjs from reader: sql over the output directory
// dir ($SUMMARY: its summary parts, $OUT: dir), and returns the first row
// of the result, or with "--rows" in args all rows, as JSON.
func duckdbQuery(t *testing.T, reader, dir, sql string, args ...string) []byte {
	t.Helper()
	return duckdbRun(t, reader, "query.mjs", append([]string{dir, sql}, args...)...)
}

// duckdbRun runs the script of reader with node and returns its standard
// output.
func duckdbRun(t *testing.T, reader, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join(reader, script)}, args...)...)
	cmd.Dir = reader
	raw, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node %s: %v\n%s", script, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return raw
}

// An independent reader, DuckDB from npm, reads the Parquet written by
// spiral run: one row per path, the expected columns and metadata, and the
// same mean, sd and quantiles as aggregate.json.
func TestDuckDBReadsTheOutput(t *testing.T) {
	reader := duckdbReader(t)
	out := filepath.Join(t.TempDir(), "o")
	const paths = 300
	if _, stderr, code := spiral(t, "run", "--out", out, "--paths", strconv.Itoa(paths), "--quiet", "--seed", "11"); code != 0 {
		t.Fatalf("spiral run: exit %d: %s", code, stderr)
	}
	got := duckdbCheck(t, reader, out)
	s := got.Summary
	if num(t, s.Rows) != paths || num(t, s.Paths) != paths || num(t, s.MinPath) != 0 || num(t, s.MaxPath) != paths-1 {
		t.Fatalf("DuckDB sees %s rows, %s distinct paths in [%s, %s]; want %d, one per path", s.Rows, s.Paths, s.MinPath, s.MaxPath, paths)
	}
	if s.Variant != "base" || num(t, s.Variants) != 1 || num(t, s.Seeds) != 1 || num(t, s.Seed) != 11 {
		t.Fatalf("variant %q (%s), seed %s (%s distinct)", s.Variant, s.Variants, s.Seed, s.Seeds)
	}
	types := map[string]string{}
	for _, c := range got.Columns {
		types[c.Name] = c.Type
	}
	for name, want := range map[string]string{"variant": "VARCHAR", "path": "BIGINT", "seed": "UBIGINT",
		"stuck_share": "DOUBLE", "first_unmet_withdrawal_hour": "DOUBLE", "liquidations": "BIGINT", "insolvent": "BOOLEAN"} {
		if types[name] != want {
			t.Errorf("column %s has DuckDB type %q, want %s", name, types[name], want)
		}
	}
	if num(t, got.Series.Paths) != 200 || num(t, got.Series.MaxStep) != 720 || num(t, got.Series.Rows) != 200*720 {
		t.Errorf("series: %+v; want the baseline's 200 traced paths × 720 steps", got.Series)
	}
	meta := map[string]string{}
	for _, kv := range got.Metadata {
		meta[kv.Key] = kv.Value
	}
	if meta["spiral.seed"] != "11" || meta["spiral.schema_version"] == "" || len(meta["spiral.scenario_sha256"]) != 64 || meta["spiral.scenario"] == "" {
		t.Errorf("Parquet key-value metadata: %v", meta)
	}

	// DuckDB's statistics equal spiral's aggregate.json.
	var agg struct {
		Variants []struct {
			Metrics []struct {
				Metric    string
				N         int
				Nulls     int
				Mean, SD  *float64
				Quantiles []struct{ P, Value float64 }
			}
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
	for _, m := range agg.Variants[0].Metrics {
		close := func(what string, spiral float64, duck json.Number) {
			d := num(t, duck)
			if math.Abs(spiral-d) > 1e-9*max(1, math.Abs(d)) {
				t.Errorf("%s %s: spiral %v, DuckDB %v", m.Metric, what, spiral, d)
			}
			checked++
		}
		switch m.Metric {
		case "stuck_share":
			close("mean", *m.Mean, s.MeanStuckShare)
			close("p95", m.Quantiles[1].Value, s.P95StuckShare)
			close("p99", m.Quantiles[2].Value, s.P99StuckShare)
		case "max_utilization":
			close("mean", *m.Mean, s.MeanMaxUtilization)
			close("sd", *m.SD, s.SDMaxUtilization)
			close("p50", m.Quantiles[0].Value, s.P50MaxUtilization)
		case "first_unmet_withdrawal_hour":
			if float64(m.N) != num(t, s.PathsWithUnmet) || m.N+m.Nulls != paths {
				t.Errorf("first_unmet_withdrawal_hour: spiral n %d nulls %d, DuckDB non-null %s", m.N, m.Nulls, s.PathsWithUnmet)
			}
			checked++
		}
	}
	if checked != 7 {
		t.Fatalf("compared %d statistics, want 7", checked)
	}
	sameAggregateRows(t, reader, out)
}

// sameAggregateRows fails unless DuckDB reads, in the rows of kind "column"
// and "risk" of dir's aggregate.parquet, aggregate.json's metrics and risk
// metrics: every key in the column of its name (a quantile's or expected
// shortfall's p<q>, p<q>_ci_low, p<q>_ci_high or es<q>…, a risk metric's
// name in metric), the same number, string or null, and null in every
// other column.
func sameAggregateRows(t *testing.T, reader, dir string) {
	t.Helper()
	var agg struct {
		Confidence   json.Number `json:"confidence"`
		HorizonHours json.Number `json:"horizon_hours"`
		Variants     []struct {
			Variant string           `json:"variant"`
			Paths   json.Number      `json:"paths"`
			Metrics []map[string]any `json:"metrics"`
			Risk    []map[string]any `json:"risk"`
		} `json:"variants"`
	}
	dec := json.NewDecoder(strings.NewReader(readFile(t, dir, "aggregate.json")))
	dec.UseNumber()
	if err := dec.Decode(&agg); err != nil {
		t.Fatal(err)
	}
	raw := duckdbQuery(t, reader, dir, "SELECT * FROM read_parquet('$OUT/aggregate.parquet') WHERE kind IN ('column', 'risk')", "--rows")
	var duck []map[string]any
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&duck); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	rows := map[string]map[string]any{}
	for _, r := range duck {
		rows[fmt.Sprint(r["variant"], "/", r["kind"], "/", r["metric"])] = r
	}
	// pq is the column name of a quantile's or expected shortfall's p.
	pq := func(prefix string, p any) string {
		f, err := asNumber(p).Float64()
		if err != nil {
			t.Fatalf("p = %v", p)
		}
		return prefix + strings.ReplaceAll(strconv.FormatFloat(f*100, 'f', -1, 64), ".", "_")
	}
	checked := 0
	for _, v := range agg.Variants {
		for kind, entries := range map[string][]map[string]any{"column": v.Metrics, "risk": v.Risk} {
			for _, e := range entries {
				want := map[string]any{"variant": v.Variant, "kind": kind, "paths": v.Paths,
					"confidence": agg.Confidence, "horizon_hours": agg.HorizonHours}
				for k, x := range e {
					switch k {
					case "name":
						want["metric"] = x
					case "quantiles", "es":
						prefix := map[string]string{"quantiles": "p", "es": "es"}[k]
						for _, q := range x.([]any) {
							q := q.(map[string]any)
							name := pq(prefix, q["p"])
							want[name], want[name+"_ci_low"], want[name+"_ci_high"] = q["value"], q["ci_low"], q["ci_high"]
						}
					case "ci_coverage", "note": // in aggregate.json only
					default:
						want[k] = x
					}
				}
				if kind == "risk" {
					want["nulls"] = json.Number("0")
				}
				key := fmt.Sprint(v.Variant, "/", kind, "/", want["metric"])
				row, ok := rows[key]
				if !ok {
					t.Errorf("%s: no row in aggregate.parquet", key)
					continue
				}
				delete(rows, key)
				checked++
				for col, got := range row {
					w := want[col]
					if _, ok := want[col]; !ok && got == nil {
						continue
					}
					switch w := w.(type) {
					case json.Number:
						g, err := strconv.ParseFloat(string(asNumber(got)), 64)
						if f, _ := w.Float64(); err != nil || g != f {
							t.Errorf("%s %s: aggregate.parquet %v, aggregate.json %v", key, col, got, w)
						}
					default:
						if got != w {
							t.Errorf("%s %s: aggregate.parquet %v, aggregate.json %v", key, col, got, w)
						}
					}
				}
				for col := range want {
					if _, ok := row[col]; !ok {
						t.Errorf("%s: aggregate.parquet has no column %s", key, col)
					}
				}
			}
		}
	}
	if len(rows) != 0 || checked == 0 {
		t.Errorf("aggregate.parquet has %d column and risk rows that aggregate.json lacks; %d compared", len(rows), checked)
	}
}
