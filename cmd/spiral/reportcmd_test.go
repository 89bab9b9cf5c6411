package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// readFile returns dir/name or fails.
func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// riskOf returns the risk metrics of aggregate.json in dir by name.
func riskOf(t *testing.T, dir string) map[string]struct {
	Value  float64
	Events int
} {
	t.Helper()
	var agg struct {
		Variants []struct {
			Risk []struct {
				Name   string
				Value  float64
				Events *int
			}
		}
	}
	if err := json.Unmarshal([]byte(readFile(t, dir, "aggregate.json")), &agg); err != nil {
		t.Fatal(err)
	}
	out := map[string]struct {
		Value  float64
		Events int
	}{}
	for _, r := range agg.Variants[0].Risk {
		e := -1
		if r.Events != nil {
			e = *r.Events
		}
		out[r.Name] = struct {
			Value  float64
			Events int
		}{r.Value, e}
	}
	return out
}

// spiral report on merged shards writes the report.md and aggregate.json of
// the single process, byte for byte, and aggregate.parquet with the same
// rows; on a complete run it rewrites every derived file (aggregate.parquet
// included) byte for byte, the PDFs apart; an incomplete directory is
// refused with exit status 2 naming what is missing.
func TestReportCommand(t *testing.T) {
	const paths = "60"
	tmp := t.TempDir()
	one, sharded, partial := filepath.Join(tmp, "one"), filepath.Join(tmp, "sharded"), filepath.Join(tmp, "partial")
	if _, stderr, code := spiral(t, "run", "black-thursday-2020", "--paths", paths, "--out", one, "--quiet"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, shard := range []string{"0/3", "1/3", "2/3"} {
		for _, dir := range []string{sharded, partial} {
			if dir == partial && shard == "2/3" {
				continue
			}
			if _, stderr, code := spiral(t, "run", "black-thursday-2020", "--paths", paths, "--out", dir, "--quiet",
				"--shard", shard, "--part-paths", "25"); code != 0 {
				t.Fatalf("run --shard %s: exit %d: %s", shard, code, stderr)
			}
		}
	}
	if _, stderr, code := spiral(t, "merge", sharded, "--quiet"); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := spiral(t, "report", sharded)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"VaR99 of bad debt", "P(run)", "report.pdf"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"report.md", "aggregate.json"} {
		if readFile(t, one, f) != readFile(t, sharded, f) {
			t.Errorf("%s of spiral report on the merged shards differs from the single process's", f)
		}
	}
	// aggregate.parquet holds the same rows, every kind (its metadata names
	// the shards, so the bytes differ).
	if !array.TableEqual(readTable(t, filepath.Join(one, "aggregate.parquet")), readTable(t, filepath.Join(sharded, "aggregate.parquet"))) {
		t.Error("aggregate.parquet of spiral report on the merged shards has other rows than the single process's")
	}
	// Idempotent: the same derived files again (the PDFs carry their creation time).
	derived := []string{"report.md", "aggregate.json", "aggregate.parquet", "manifest.json", "plots/convergence.png", "plots/bad_debt_hist.png"}
	before := map[string]string{}
	for _, f := range derived {
		before[f] = readFile(t, one, f)
	}
	if _, stderr, code := spiral(t, "report", one); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	for _, f := range derived {
		if readFile(t, one, f) != before[f] {
			t.Errorf("spiral report changed %s of a complete run", f)
		}
	}
	if leftovers(one) != nil {
		t.Errorf("temporary files left: %v", leftovers(one))
	}

	_, stderr, code = spiral(t, "report", partial)
	if code != 2 || !strings.Contains(stderr, "paths [40, 60) are missing (shard 2/3") {
		t.Errorf("report of an incomplete directory: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(partial, "report.md")); err == nil {
		t.Error("report of an incomplete directory wrote report.md")
	}
	if _, stderr, code := spiral(t, "report", filepath.Join(tmp, "nothing")); code != 2 || !strings.Contains(stderr, "nothing") {
		t.Errorf("report of a missing directory: exit %d, %s", code, stderr)
	}
	if _, _, code := spiral(t, "report"); code != 2 {
		t.Errorf("report without a directory: exit %d", code)
	}

	// DuckDB, reading the Parquet independently, finds the same risk metrics.
	reader := duckdbReader(t)
	// black-thursday-2020: deposits $50M; the book's debt 0.9 × 0.5 × ($50M + $0.5M).
	raw := duckdbQuery(t, reader, one, `SELECT
		quantile_cont(bad_debt_usd, 0.99) AS var99, quantile_cont(liquidated_debt_usd, 0.95) AS lar95,
		quantile_cont(worst_24h_bad_debt_usd, 0.95) AS var95_24h,
		count(*) FILTER (WHERE max_queue_usd > 0.01 * 50000000) AS runs,
		count(*) FILTER (WHERE bad_debt_usd > 0.01 * 0.9 * 0.5 * 50500000) AS under,
		count(*) FILTER (WHERE insolvent) AS insolvent FROM $SUMMARY`)
	var duck map[string]json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&duck); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	risk := riskOf(t, one)
	for name, col := range map[string]string{"var99_bad_debt_usd": "var99", "lar95_usd": "lar95", "var95_worst_24h_bad_debt_usd": "var95_24h"} {
		d := num(t, duck[col])
		if got := risk[name].Value; math.Abs(got-d) > 1e-9*math.Max(1, math.Abs(d)) {
			t.Errorf("%s: spiral %v, DuckDB %v", name, got, d)
		}
	}
	for name, col := range map[string]string{"p_run": "runs", "p_undercollateralized_1pct": "under", "p_insolvency": "insolvent"} {
		if got, d := risk[name].Events, int(num(t, duck[col])); got != d {
			t.Errorf("%s: spiral counts %d paths, DuckDB %d", name, got, d)
		}
	}
	if risk["var99_bad_debt_usd"].Value <= 0 {
		t.Errorf("VaR99 of bad debt is %v: the comparison needs bad debt", risk["var99_bad_debt_usd"].Value)
	}
}
