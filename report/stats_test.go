package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

func TestQuantileCont(t *testing.T) {
	// Expected values are numpy.quantile(x, p) (method="linear"), which is
	// DuckDB's quantile_cont: h = (n-1)p.
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		x    []float64
		p    float64
		want float64
	}{
		{x, 0, 1},
		{x, 1, 10},
		{x, 0.5, 5.5},
		{x, 0.95, 9.55},
		{x, 0.99, 9.91},
		{x, 0.25, 3.25},
		{[]float64{3}, 0.3, 3},
		{[]float64{0, 10}, 0.95, 9.5},
		{[]float64{-2, 0, 0, 7}, 0.5, 0},
		{[]float64{-2, 0, 1, 7}, 0.5, 0.5},
	}
	for _, tc := range tests {
		if got := QuantileCont(tc.x, tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("QuantileCont(%v, %g) = %g, want %g", tc.x, tc.p, got, tc.want)
		}
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if got := QuantileCont(x, p); !math.IsNaN(got) {
			t.Errorf("QuantileCont(x, %g) = %g, want NaN", p, got)
		}
	}
	if got := QuantileCont(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("QuantileCont(nil) = %g, want NaN", got)
	}
}

func TestQuantileCITable(t *testing.T) {
	// Ranks of the classic distribution-free 95 % interval for the median
	// (n=20: 6 and 15, n=100: 40 and 61, as in the usual tables), other
	// quantiles and the unbounded cases; ranks and coverages checked
	// independently with exact binomial sums (Python math.comb).
	tests := []struct {
		n        int
		p        float64
		lo, hi   int
		coverage float64
	}{
		{20, 0.5, 6, 15, 0.958610},
		{100, 0.5, 40, 61, 0.964800},
		{5, 0.5, 0, 6, math.NaN()}, // (1/2)^5 = 0.031 > 0.025 on each side
		{6, 0.5, 1, 6, 0.968750},   // 1 − 2·(1/2)^6
		{100, 0.99, 97, 101, 0.0},  // upper side unbounded: 0.99^n > 0.025
		{367, 0.99, 359, 368, 0.0}, // last n without an upper bound
		{368, 0.99, 360, 368, 0.962416},
		{1000, 0.95, 936, 964, 0.958095},
	}
	for _, tc := range tests {
		lo, hi, cov := QuantileCI(tc.n, tc.p, 0.95)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("QuantileCI(%d, %g) ranks = %d, %d, want %d, %d", tc.n, tc.p, lo, hi, tc.lo, tc.hi)
		}
		if tc.coverage > 0 && math.Abs(cov-tc.coverage) > 1e-5 {
			t.Errorf("QuantileCI(%d, %g) coverage = %.6f, want %.6f", tc.n, tc.p, cov, tc.coverage)
		}
		if lo >= 1 && hi <= tc.n && cov < 0.95 {
			t.Errorf("QuantileCI(%d, %g) coverage %.4f < 0.95", tc.n, tc.p, cov)
		}
	}
}

func TestQuantileCICoverage(t *testing.T) {
	// The interval must cover the true quantile of a continuous law at least
	// 95 % of the time. With 4000 trials the binomial SE of the empirical
	// coverage at 0.95 is 0.0034; allow 3 SE below the exact coverage.
	const seed, trials, n = 7, 4000, 200
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, p := range []float64{0.5, 0.95} {
		lo, hi, cov := QuantileCI(n, p, 0.95)
		if lo < 1 || hi > n {
			t.Fatalf("n=%d p=%g: unbounded interval", n, p)
		}
		trueQ := -math.Log(1 - p) // exponential(1)
		hits := 0
		x := make([]float64, n)
		for range trials {
			for i := range x {
				x[i] = rng.ExpFloat64()
			}
			slices.Sort(x)
			if x[lo-1] <= trueQ && trueQ <= x[hi-1] {
				hits++
			}
		}
		got := float64(hits) / trials
		se := math.Sqrt(cov * (1 - cov) / trials)
		if math.Abs(got-cov) > 3*se+1e-9 {
			t.Errorf("seed %d p=%g: empirical coverage %.4f, exact %.4f (3 SE = %.4f)", seed, p, got, cov, 3*se)
		}
	}
}

func TestDescribeByHand(t *testing.T) {
	x := []float64{7, 3, 10, 1, 2, 9, 4, 6, 5, 8} // 1..10 shuffled
	s := Describe("m", x, 2, 0.95)
	// sd of 1..10 = sqrt(sum((i-5.5)^2)/9) = sqrt(82.5/9)
	sd := math.Sqrt(82.5 / 9)
	se := sd / math.Sqrt(10)
	const t9 = 2.2621571627409915 // Student t quantile 0.975 with 9 df
	checks := []struct {
		name      string
		got, want float64
	}{
		{"mean", s.Mean, 5.5},
		{"sd", s.SD, sd},
		{"se", s.SE, se},
		{"mean_ci_low", s.MeanCILow, 5.5 - t9*se},
		{"mean_ci_high", s.MeanCIHigh, 5.5 + t9*se},
		{"min", s.Min, 1},
		{"max", s.Max, 10},
		{"p50", s.Quantiles[0].Value, 5.5},
		{"p95", s.Quantiles[1].Value, 9.55},
		{"p99", s.Quantiles[2].Value, 9.91},
		{"es95", s.Tails[0].Value, 10},
		{"es99", s.Tails[1].Value, 10},
		// n=10, p=0.5: F(1)=0.0107 ≤ 0.025 < F(2)=0.0547 ⇒ lo=2;
		// F(7)=0.9453 < 0.975 ≤ F(8)=0.9893 ⇒ hi=9.
		{"p50_ci_low", s.Quantiles[0].CILow, 2},
		{"p50_ci_high", s.Quantiles[0].CIHigh, 9},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %.12g, want %.12g", c.name, c.got, c.want)
		}
	}
	if s.N != 10 || s.Nulls != 2 {
		t.Errorf("n, nulls = %d, %d, want 10, 2", s.N, s.Nulls)
	}
	if !math.IsNaN(s.Quantiles[2].CIHigh) || !math.IsNaN(s.Quantiles[1].CIHigh) {
		t.Errorf("p95/p99 upper bounds with 10 values = %g, %g, want NaN", s.Quantiles[1].CIHigh, s.Quantiles[2].CIHigh)
	}
	// ES over a tail with several values: 1..100, p95 = 95.05, values ≥ are 96..100.
	y := make([]float64, 100)
	for i := range y {
		y[i] = float64(i + 1)
	}
	if got := ExpectedShortfall(y, 0.95); got != 98 {
		t.Errorf("ES95(1..100) = %g, want 98", got)
	}
	// Ties at the quantile: the worst half of {0,0,0,5,5} is 2.5 values,
	// 5 + 5 + 0.5·0, so ES50 = 10/2.5 = 4 (not the mean of values ≥ p50 = 0,
	// which would be the mean of everything).
	if got := ExpectedShortfall([]float64{0, 0, 0, 5, 5}, 0.5); got != 4 {
		t.Errorf("ES50 with ties = %g, want 4", got)
	}
	// A mostly-zero tail: 1,000 values of which 3 are positive.
	z := make([]float64, 1000)
	z[997], z[998], z[999] = 1, 2, 3
	if got := ExpectedShortfall(z, 0.99); math.Abs(got-0.6) > 1e-15 {
		t.Errorf("ES99 of a mostly-zero sample = %g, want 6/10", got)
	}
	if got := ExpectedShortfall(z, 0.9995); got != 3 {
		t.Errorf("ES99.95 of 1,000 values = %g, want the maximum", got)
	}
}

func TestDescribeDegenerate(t *testing.T) {
	s := Describe("m", nil, 5, 0.95)
	if s.N != 0 || s.Nulls != 5 || !math.IsNaN(s.Mean) || !math.IsNaN(s.Quantiles[0].Value) || !math.IsNaN(s.Tails[0].Value) {
		t.Errorf("empty: %+v", s)
	}
	s = Describe("m", []float64{3}, 0, 0.95)
	if s.Mean != 3 || !math.IsNaN(s.SD) || !math.IsNaN(s.MeanCILow) || s.Quantiles[1].Value != 3 || s.Tails[1].Value != 3 {
		t.Errorf("one value: %+v", s)
	}
	s = Describe("m", []float64{2, 2, 2, 2}, 0, 0.95)
	if s.SD != 0 || s.MeanCILow != 2 || s.MeanCIHigh != 2 || s.Quantiles[0].Value != 2 {
		t.Errorf("equal values: %+v", s)
	}
}

func TestCheckValue(t *testing.T) {
	float := columnSpec{Name: "f", Kind: engine.Float}
	nullable := columnSpec{Name: "n", Nullable: true}
	integer := columnSpec{Name: "i", Kind: engine.Int}
	boolean := columnSpec{Name: "b", Kind: engine.Bool}
	for _, tc := range []struct {
		spec columnSpec
		v    float64
		ok   bool
	}{
		{float, 1.5, true}, {float, math.NaN(), false}, {float, math.Inf(1), false},
		{nullable, math.NaN(), true}, {nullable, math.Inf(-1), false},
		{integer, 3, true}, {integer, 3.5, false}, {integer, 1 << 60, false},
		{boolean, 0, true}, {boolean, 1, true}, {boolean, 0.5, false},
	} {
		if err := checkValue(&tc.spec, tc.v); (err == nil) != tc.ok {
			t.Errorf("checkValue(%s, %v) = %v, want ok=%v", tc.spec.Name, tc.v, err, tc.ok)
		}
	}
}
