package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/spiralrisk/spiral/engine"
)

// Clopper–Pearson intervals: closed forms at k = 0 and k = n, published
// values, and the defining tail probabilities of the binomial.
func TestClopperPearson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 1 - math.Pow(0.025, 0.1)},      // (α/2)^(1/n)
		{10, 10, math.Pow(0.025, 0.1), 1},         // symmetric
		{5, 10, 0.187086, 0.812914},               // Clopper & Pearson (1934) tables; R binom.test
		{1, 20, 0.001265, 0.248733},               // R: binom.test(1, 20)$conf.int
		{0, 400, 0, 1 - math.Pow(0.025, 1.0/400)}, // 0.918 %
	} {
		lo, hi := ClopperPearson(tc.k, tc.n, 0.95)
		if math.Abs(lo-tc.lo) > 2e-6 || math.Abs(hi-tc.hi) > 2e-6 {
			t.Errorf("ClopperPearson(%d, %d) = [%.6f, %.6f], want [%.6f, %.6f]", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
	// At the bounds, the probability of a result at least as extreme is α/2.
	for _, tc := range [][2]int{{3, 50}, {17, 1000}, {999, 1000}, {40, 41}} {
		k, n := tc[0], tc[1]
		lo, hi := ClopperPearson(k, n, 0.95)
		upper := 1 - distuv.Binomial{N: float64(n), P: lo}.CDF(float64(k-1)) // P(X ≥ k | lo)
		lower := distuv.Binomial{N: float64(n), P: hi}.CDF(float64(k))       // P(X ≤ k | hi)
		if math.Abs(upper-0.025) > 1e-6 || math.Abs(lower-0.025) > 1e-6 {
			t.Errorf("k=%d n=%d: [%g, %g] gives tails %g and %g, want 0.025", k, n, lo, hi, upper, lower)
		}
	}
	if lo, hi := ClopperPearson(1, 0, 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("n = 0: [%v, %v], want NaN", lo, hi)
	}
}

func TestReadScenarioFacts(t *testing.T) {
	for _, tc := range []struct {
		name, yaml       string
		deposits, debt   float64
		approximatedBook bool
	}{
		{"generated book", "pool:\n  deposits: 5e7\n  utilization: 0.5\n  reserves: 500000\npositions:\n  count: 10\n  debt_share: 0.9\n",
			5e7, 0.9 * 0.5 * 50.5e6, false},
		{"book file", "pool:\n  deposits: 1000\n  utilization: 0.8\npositions:\n  file: book.csv\n", 1000, 800, true},
		{"no positions", "pool:\n  deposits: 1000\n  utilization: 0.8\n", 1000, math.NaN(), false},
		{"no pool", "name: x\n", math.NaN(), math.NaN(), false},
		{"not YAML", "{[", math.NaN(), math.NaN(), false},
	} {
		f := readScenarioFacts([]byte(tc.yaml))
		same := func(a, b float64) bool {
			return a == b || math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) < 1e-9*math.Abs(b)
		}
		if !same(f.Deposits, tc.deposits) || !same(f.BookDebt, tc.debt) || (f.BookDebtNote != "") != tc.approximatedBook {
			t.Errorf("%s: %+v, want deposits %v, book debt %v", tc.name, f, tc.deposits, tc.debt)
		}
	}
}

// riskYAML is a scenario with a pool of $100M and a generated book whose
// debt is 0.2 × 0.5 × $100M = $10M.
var riskYAML = []byte("name: test\nseed: 20240311\npaths: 400\nhorizon: 10d\nstep: 1h\npool:\n  deposits: 1e8\n  utilization: 0.5\n  reserves: 0\npositions:\n  count: 100\n  debt_share: 0.2\n")

// handQuantile is the p-quantile by linear interpolation at h = (n−1)p,
// written out independently of QuantileCont.
func handQuantile(values []float64, p float64) float64 {
	x := slices.Clone(values)
	slices.Sort(x)
	h := float64(len(x)-1) * p
	i := int(h)
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (h-float64(i))*(x[i+1]-x[i])
}

// handTailMean is the mean of the k largest values.
func handTailMean(values []float64, k int) float64 {
	x := slices.Clone(values)
	slices.Sort(x)
	sum := 0.0
	for _, v := range x[len(x)-k:] {
		sum += v
	}
	return sum / float64(k)
}

// The risk metric pack of a small run, against a computation by hand from
// the results fed in; aggregate.parquet holds the same values.
func TestRiskPackByHand(t *testing.T) {
	const paths = 400
	results := synthetic(0, paths, 10, 24)
	withLiquidations(results)
	dir := filepath.Join(t.TempDir(), "out")
	m := testMeta(paths)
	m.ScenarioYAML, m.ScenarioSHA256, m.Liquidations = riskYAML, "", true
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), results, 64)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	col := func(get func(*engine.Summary) float64) []float64 {
		var v []float64
		for i := range results {
			v = append(v, get(&results[i].Summary))
		}
		return v
	}
	badDebt := col(func(s *engine.Summary) float64 { return s.BadDebtUSD })
	worst24 := col(func(s *engine.Summary) float64 { return s.WorstDayBadDebtUSD })
	liquidated := col(func(s *engine.Summary) float64 { return s.LiquidatedDebtUSD })
	count := func(pred func(*engine.Summary) bool) int {
		k := 0
		for i := range results {
			if pred(&results[i].Summary) {
				k++
			}
		}
		return k
	}
	insolvent := count(func(s *engine.Summary) bool { return s.Insolvent })
	runs := count(func(s *engine.Summary) bool { return s.MaxQueueUSD > 0.01*1e8 })
	under := count(func(s *engine.Summary) bool { return s.BadDebtUSD > 0.01*10e6 })
	if insolvent == 0 || runs == 0 || under == 0 || runs == paths || under == paths {
		t.Fatalf("the synthetic run has %d insolvent, %d run and %d under-collateralized paths: not a test", insolvent, runs, under)
	}
	want := map[string]float64{
		"var95_bad_debt_usd":           handQuantile(badDebt, 0.95),
		"var99_bad_debt_usd":           handQuantile(badDebt, 0.99),
		"es95_bad_debt_usd":            handTailMean(badDebt, 20), // 400 × 5 %
		"es99_bad_debt_usd":            handTailMean(badDebt, 4),
		"var95_worst_24h_bad_debt_usd": handQuantile(worst24, 0.95),
		"es99_worst_24h_bad_debt_usd":  handTailMean(worst24, 4),
		"lar95_usd":                    handQuantile(liquidated, 0.95),
		"lar99_usd":                    handQuantile(liquidated, 0.99),
		"p_insolvency":                 float64(insolvent) / paths,
		"p_run":                        float64(runs) / paths,
		"p_undercollateralized_1pct":   float64(under) / paths,
		"stuck_share_p95":              handQuantile(col(func(s *engine.Summary) float64 { return s.StuckShare }), 0.95),
		"var99_worst_24h_bad_debt_usd": handQuantile(worst24, 0.99),
		"es95_worst_24h_bad_debt_usd":  handTailMean(worst24, 20),
		"stuck_share_es99":             handTailMean(col(func(s *engine.Summary) float64 { return s.StuckShare }), 4),
		"stuck_share_p99":              handQuantile(col(func(s *engine.Summary) float64 { return s.StuckShare }), 0.99),
		"stuck_share_p50":              handQuantile(col(func(s *engine.Summary) float64 { return s.StuckShare }), 0.5),
	}
	thresholds := map[string]float64{"p_run": 1e6, "p_undercollateralized_1pct": 1e5, "p_insolvency": 0.5}
	var agg struct {
		Variants []struct {
			Risk []struct {
				Name, Horizon, Statistic, Unit, Convention, Column string
				CIMethod                                           string   `json:"ci_method"`
				Value, Level, Threshold                            *float64 // null when unavailable
				CILow                                              *float64 `json:"ci_low"`
				CIHigh                                             *float64 `json:"ci_high"`
				N                                                  int
				Events                                             *int
			} `json:"risk"`
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, AggregateJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &agg); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range agg.Variants[0].Risk {
		w, ok := want[r.Name]
		if !ok {
			t.Errorf("unexpected risk metric %s", r.Name)
			continue
		}
		seen++
		if r.Value == nil || math.Abs(*r.Value-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("%s = %v, want %v", r.Name, r.Value, w)
		}
		if r.N != paths || r.Convention == "" || r.Horizon == "" || r.CIMethod == "" {
			t.Errorf("%s: n %d, convention %q, horizon %q, ci method %q", r.Name, r.N, r.Convention, r.Horizon, r.CIMethod)
		}
		if r.Statistic == "probability" {
			k := int(math.Round(w * paths))
			lo, hi := ClopperPearson(k, paths, 0.95)
			if r.Events == nil || *r.Events != k || r.CILow == nil || *r.CILow != lo || *r.CIHigh != hi || !(lo < w && w < hi) {
				t.Errorf("%s: events %v, CI [%v, %v], want %d, [%v, %v]", r.Name, r.Events, r.CILow, r.CIHigh, k, lo, hi)
			}
			if th := thresholds[r.Name]; r.Threshold == nil || math.Abs(*r.Threshold-th) > 1e-9*th {
				t.Errorf("%s threshold %v, want %v", r.Name, r.Threshold, th)
			}
		}
		if r.Name == "var95_bad_debt_usd" && (r.CILow == nil || r.CIHigh == nil || !(*r.CILow <= w && w <= *r.CIHigh)) {
			t.Errorf("VaR95 %v outside its CI [%v, %v]", w, r.CILow, r.CIHigh)
		}
		if r.Name == "var95_worst_24h_bad_debt_usd" && (r.Horizon != "worst 24 h of 10 d" || r.Column != "worst_24h_bad_debt_usd") {
			t.Errorf("Chaos Labs VaR: horizon %q, column %q", r.Horizon, r.Column)
		}
	}
	if seen != 17 {
		t.Errorf("%d risk metrics, want 17", seen)
	}

	// aggregate.parquet: the same values in its risk rows.
	tbl, _, _ := readParquet(t, filepath.Join(dir, AggregateParquet))
	kind := column(t, tbl, "kind").(*array.String)
	name := column(t, tbl, "metric").(*array.String)
	rows := 0
	for i := range int(tbl.NumRows()) {
		if kind.Value(i) != "risk" {
			if !column(t, tbl, "value").IsNull(i) {
				t.Errorf("column row %s has a risk value", name.Value(i))
			}
			continue
		}
		rows++
		if got, w := valueAt(t, column(t, tbl, "value"), i), want[name.Value(i)]; math.Abs(got-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("aggregate.parquet %s = %v, want %v", name.Value(i), got, w)
		}
	}
	if rows != 17 {
		t.Errorf("aggregate.parquet has %d risk rows, want 17", rows)
	}
}

// Without a liquidation model or a pool in the scenario, only the metrics
// that make sense are reported.
func TestRiskPackWithoutLiquidations(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o := mustCreate(t, dir, testMeta(100), Fresh)
	feed(t, o.Sink(), synthetic(0, 100, 0, 0), 50)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range o.Aggregate().Variants[0].Risk {
		names = append(names, r.Name)
	}
	want := []string{"p_insolvency", "stuck_share_p50", "stuck_share_p95", "stuck_share_p99", "stuck_share_es99"}
	if !slices.Equal(names, want) {
		t.Errorf("risk metrics %v, want %v", names, want)
	}
	if c := o.Aggregate().Variants[0].Convergence; c == nil || c.Metric != "stuck_share" {
		t.Errorf("convergence %+v, want one of stuck_share", c)
	}
}

func TestCountAbove(t *testing.T) {
	x := []float64{0, 0, 1, 2, 2, 3}
	for thr, want := range map[float64]int{-1: 6, 0: 4, 0.5: 4, 2: 1, 3: 0, 10: 0} {
		if got := countAbove(x, thr); got != want {
			t.Errorf("countAbove(%v) = %d, want %d", thr, got, want)
		}
	}
}
