package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// riskBaseScenario is a small pool with a position book read from a CSV
// whose debt (1.5 M USD) is far below the pool's borrows (72 M USD), swept
// over the pool's deposits.
const riskBaseScenario = `name: risk-base
seed: 3
paths: 24
horizon: 2d
step: 1h
market:
  price: {model: gbm, initial: 2000, volatility: 0.8}
pool:
  deposits: 100e6
  utilization: 0.72
  rate_model: {model: kinked, slope1: 0.04, slope2: 0.75, optimal: 0.9}
positions:
  file: book.csv
  liquidation_threshold: 0.83
liquidators:
  capacity_usd: 5e6
  dex: {depth_usd: 2e6}
depositors:
  withdrawals: {model: self_exciting, baseline: 0.3}
outputs:
  trace_paths: 2
sweep:
  axes:
    pool.deposits: [50e6, 400e6]
`

const riskBaseBook = "id,collateral,debt_usd\n1,500,700000\n2,400,600000\n3,100,200000\n"

// riskThresholds reads each variant's thresholds of P(run) and of Kao et
// al.'s measure, and the latter's note, from dir's aggregate.json.
func riskThresholds(t *testing.T, dir string) map[string][3]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "aggregate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var agg struct {
		Variants []struct {
			Variant string `json:"variant"`
			Risk    []struct {
				Name      string   `json:"name"`
				Threshold *float64 `json:"threshold"`
				Note      string   `json:"note"`
			} `json:"risk"`
		} `json:"variants"`
	}
	if err := json.Unmarshal(data, &agg); err != nil {
		t.Fatal(err)
	}
	out := map[string][3]any{}
	for _, v := range agg.Variants {
		var got [3]any
		for _, r := range v.Risk {
			switch r.Name {
			case "p_run":
				got[0] = *r.Threshold
			case "p_undercollateralized_1pct":
				got[1], got[2] = *r.Threshold, r.Note
			}
		}
		out[v.Variant] = got
	}
	return out
}

// TestRiskThresholdsAreEachVariantsOwn: P(run) is relative to the
// deposits of each variant (not the sweep's base), and Kao et al.'s
// measure to the debt of the book actually read from positions.file (not
// the pool's borrows); also after a merge of shards and after spiral
// report.
func TestRiskThresholdsAreEachVariantsOwn(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(file, []byte(riskBaseScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "book.csv"), []byte(riskBaseBook), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(out string) {
		t.Helper()
		got := riskThresholds(t, out)
		for v, deposits := range map[string]float64{"base": 100e6, "v000": 50e6, "v001": 400e6} {
			g, ok := got[v]
			if !ok {
				t.Fatalf("%s: no variant %s in aggregate.json", out, v)
			}
			if g[0] != 0.01*deposits {
				t.Errorf("%s: %s: P(run) threshold %v, want 1 %% of its deposits %v", out, v, g[0], 0.01*deposits)
			}
			if g[1] != 0.01*1.5e6 {
				t.Errorf("%s: %s: Kao threshold %v, want 1 %% of the book's debt 1.5e6", out, v, g[1])
			}
			if note, _ := g[2].(string); strings.Contains(note, "approximated") {
				t.Errorf("%s: %s: note %q: the book's debt is known", out, v, note)
			}
		}
	}
	one := filepath.Join(dir, "one")
	if _, stderr, code := spiral(t, "sweep", file, "--out", one, "--quiet", "--workers", "1"); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	check(one)
	if _, stderr, code := spiral(t, "report", one); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	check(one)
	sharded := filepath.Join(dir, "sharded")
	for _, s := range []string{"0/2", "1/2"} {
		if _, stderr, code := spiral(t, "sweep", file, "--out", sharded, "--quiet", "--workers", "1", "--shard", s); code != 0 {
			t.Fatalf("sweep --shard %s: exit %d: %s", s, code, stderr)
		}
	}
	if _, stderr, code := spiral(t, "merge", sharded); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	check(sharded)

	// The run of the base alone, without the sweep section.
	base := filepath.Join(dir, "base.yaml")
	if err := os.WriteFile(base, []byte(riskBaseScenario[:strings.Index(riskBaseScenario, "sweep:")]), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if _, stderr, code := spiral(t, "run", base, "--out", run, "--quiet"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	got := riskThresholds(t, run)["base"]
	if got[0] != 1e6 || got[1] != 1.5e4 {
		t.Errorf("run: thresholds %v, %v; want 1e6 (1 %% of deposits) and 15000 (1 %% of the book's debt)", got[0], got[1])
	}
}
