package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Each prefix point equals the estimates computed from that prefix alone.
func TestConvergencePointsMatchPrefixes(t *testing.T) {
	const seed = 5
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, n := range []int{1, 7, 100, 537, 2500} {
		values := make([]float64, n)
		for i := range values {
			if rng.Float64() < 0.3 {
				values[i] = rng.ExpFloat64() * 1e6
			}
		}
		points := convergencePoints(values, 0.99, 0.95)
		if want := min(n, ConvergenceSteps); len(points) != want || points[len(points)-1].Paths != n {
			t.Fatalf("n=%d: %d points ending at %d, want %d ending at n", n, len(points), points[len(points)-1].Paths, want)
		}
		for k, pt := range points {
			if want := int(math.Ceil(float64(k+1) * float64(n) / ConvergenceSteps)); n >= ConvergenceSteps && pt.Paths != want {
				t.Fatalf("n=%d: point %d has %d paths, want %d", n, k, pt.Paths, want)
			}
			prefix := slices.Clone(values[:pt.Paths])
			slices.Sort(prefix)
			if q := QuantileCont(prefix, 0.99); pt.VaR != q {
				t.Fatalf("seed %d n=%d prefix %d: VaR %v, want %v", seed, n, pt.Paths, pt.VaR, q)
			}
			if es := ExpectedShortfall(prefix, 0.99); pt.ES != es {
				t.Fatalf("seed %d n=%d prefix %d: ES %v, want %v", seed, n, pt.Paths, pt.ES, es)
			}
			lo, hi, _ := QuantileCI(pt.Paths, 0.99, 0.95)
			if hasCI := lo >= 1 && hi <= pt.Paths; hasCI != !math.IsNaN(pt.VaRHigh) || hasCI && (pt.VaRLow != prefix[lo-1] || pt.VaRHigh != prefix[hi-1]) {
				t.Fatalf("n=%d prefix %d: VaR CI [%v, %v], ranks %d, %d", n, pt.Paths, pt.VaRLow, pt.VaRHigh, lo, hi)
			}
			if hasES := pt.Paths >= 1000; hasES != !math.IsNaN(pt.ESLow) || hasES && !(pt.ESLow < pt.ES && pt.ES < pt.ESHigh) {
				t.Fatalf("n=%d prefix %d: ES %v CI [%v, %v]", n, pt.Paths, pt.ES, pt.ESLow, pt.ESHigh)
			}
		}
	}
}

// The normal approximation of the ES standard error agrees with the
// bootstrap interval's width (Pareto tail, 20,000 values).
func TestESStandardErrorMatchesBootstrap(t *testing.T) {
	const seed, n = 11, 20000
	rng := rand.New(rand.NewPCG(seed, 2))
	values := make([]float64, n)
	for i := range values {
		values[i] = math.Pow(1-rng.Float64(), -1/3.5) // Pareto α = 3.5
	}
	slices.Sort(values)
	for _, p := range []float64{0.95, 0.99} {
		se := esStandardError(values, p)
		lo, hi := ExpectedShortfallCI(values, p, 0.95, ESResamples, ESBootstrapSource("test"))
		boot := (hi - lo) / (2 * 1.96)
		if r := se / boot; r < 0.75 || r > 1.33 {
			t.Errorf("seed %d p=%v: normal se %v, bootstrap %v (ratio %.2f)", seed, p, se, boot, r)
		}
	}
}

func TestConvergenceVerdict(t *testing.T) {
	usd := riskFormatter("usd")
	for _, tc := range []struct {
		name            string
		value, lo, hi   float64
		converged       bool
		needed          int
		text            string
		relativeHalfWid float64
	}{
		{"tight", 100, 95, 110, true, 1000, "enough paths", 0.075},
		{"wide", 100, 80, 120, false, 4000, "about 4,000 paths", 0.2},
		{"rounded up", 100, 70, 131, false, 9400, "about 9,400 paths", 0.305},
		{"all zero", 0, 0, 0, true, 1000, "enough paths", 0},
		{"zero estimate", 0, 0, 50, false, 0, "cannot be extrapolated", math.Inf(1)},
		{"no interval", 100, math.NaN(), 130, false, 368, "at least 368 paths", math.NaN()},
	} {
		v := convergenceVerdict("VaR99", "bad debt", tc.value, tc.lo, tc.hi, 1000, 368, usd)
		same := v.RelativeHalfWidth == tc.relativeHalfWid || math.IsNaN(v.RelativeHalfWidth) && math.IsNaN(tc.relativeHalfWid) ||
			math.Abs(v.RelativeHalfWidth-tc.relativeHalfWid) < 1e-12
		if v.Converged != tc.converged || v.PathsNeeded != tc.needed || !same || !strings.Contains(v.Text, tc.text) {
			t.Errorf("%s: %+v", tc.name, v)
		}
	}
	if n := minPathsForQuantileCI(0.99, 0.95); n != 368 {
		t.Errorf("the p99 interval is two-sided from %d paths, want 368 (as report/doc.go says)", n)
	}
	for x, want := range map[float64]int{12345: 13000, 99.1: 100, 1001: 1100, 5: 5, 0: 0} {
		if got := roundPaths(x); got != want {
			t.Errorf("roundPaths(%v) = %d, want %d", x, got, want)
		}
	}
}
