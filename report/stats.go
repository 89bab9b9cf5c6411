package report

import (
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence is the confidence level of every interval in the aggregates.
const Confidence = 0.95

// AggregateQuantiles are the probabilities of the quantiles in the
// aggregates; AggregateTails those of the expected shortfalls.
var (
	AggregateQuantiles = []float64{0.5, 0.95, 0.99}
	AggregateTails     = []float64{0.95, 0.99}
)

// QuantileCont returns the p-quantile (p in [0, 1]) of sorted, ascending
// values by linear interpolation between order statistics at h = (n−1)·p:
// x[⌊h⌋] + (h−⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) with 0-based x. This is DuckDB's
// quantile_cont, numpy's default ("linear") and R's type 7. It returns NaN
// for no values or p outside [0, 1].
func QuantileCont(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	frac := h - lo
	if frac == 0 {
		return sorted[i]
	}
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}

// QuantileCI returns a distribution-free confidence interval for the
// p-quantile ξ of a continuous distribution from n independent draws, as
// 1-based ranks of order statistics: P(X₍lo₎ ≤ ξ ≤ X₍hi₎) ≥ level.
//
// The number B of draws below ξ is Binomial(n, p), and X₍l₎ ≤ ξ < X₍u₎ exactly
// when l ≤ B < u, so the coverage is F(u−1) − F(l−1) with F the binomial CDF.
// lo is the largest rank with F(lo−1) ≤ (1−level)/2 and hi the smallest with
// F(hi−1) ≥ (1+level)/2, which gives coverage ≥ level with each tail at most
// (1−level)/2 (equal-tailed, exact, conservative). When no rank satisfies a
// condition, because n is too small for that tail (e.g. the p99 upper bound
// for n < 368 at 95 %), the rank is 0 for lo or n+1 for hi: that side is
// unbounded. coverage is the exact coverage of the returned ranks.
func QuantileCI(n int, p, level float64) (lo, hi int, coverage float64) {
	if n <= 0 || !(p > 0 && p < 1) || !(level > 0 && level < 1) {
		return 0, n + 1, math.NaN()
	}
	b := distuv.Binomial{N: float64(n), P: p}
	cdf := func(k int) float64 { // P(B ≤ k)
		if k < 0 {
			return 0
		}
		if k >= n {
			return 1
		}
		return b.CDF(float64(k))
	}
	alpha := (1 - level) / 2
	// Largest lo in [1, n] with cdf(lo−1) ≤ alpha; 0 if none.
	// sort.Search finds the smallest k in [0, n] with cdf(k) > alpha.
	lo = sort.Search(n, func(k int) bool { return cdf(k) > alpha }) // lo−1 = k−1 ⇒ lo = k
	// Smallest hi in [1, n] with cdf(hi−1) ≥ 1−alpha; n+1 if none.
	hi = sort.Search(n, func(k int) bool { return cdf(k) >= 1-alpha }) + 1
	return lo, hi, cdf(hi-1) - cdf(lo-1)
}

// QuantileEstimate is a quantile with its confidence interval. Bounds are NaN
// when the sample is too small for that side (see QuantileCI).
type QuantileEstimate struct {
	P        float64 // probability in (0, 1)
	Value    float64 // QuantileCont
	CILow    float64 // X₍lo₎, NaN if unbounded
	CIHigh   float64 // X₍hi₎, NaN if unbounded
	Coverage float64 // exact coverage of the order-statistic interval
}

// TailMean is the expected shortfall at P: the mean of the worst 1 − P
// share of the values (see [ExpectedShortfall]), with a percentile
// bootstrap confidence interval (see [ExpectedShortfallCI]; NaN when the
// tail holds fewer than ESMinTail values).
type TailMean struct {
	P      float64
	Value  float64
	CILow  float64
	CIHigh float64
}

// MetricStats describes one metric across paths. NaN means "not available"
// (no values, or too few for an interval); it is written as null.
type MetricStats struct {
	Metric     string
	N          int // non-null values
	Nulls      int // null values (e.g. an event that never happened)
	Mean       float64
	SD         float64 // sample standard deviation (n−1)
	SE         float64 // standard error of the mean, SD/√N
	MeanCILow  float64 // mean ± t(N−1)·SE at Confidence
	MeanCIHigh float64
	Min, Max   float64
	Quantiles  []QuantileEstimate // at AggregateQuantiles
	Tails      []TailMean         // at AggregateTails
}

// Describe computes the statistics of values (non-null, finite) at the given
// confidence level. It sorts values in place. The expected shortfall
// intervals draw ESResamples resamples from ESBootstrapSource(metric), so
// equal input gives equal output.
func Describe(metric string, values []float64, nulls int, level float64) MetricStats {
	nan := math.NaN()
	s := MetricStats{Metric: metric, N: len(values), Nulls: nulls,
		Mean: nan, SD: nan, SE: nan, MeanCILow: nan, MeanCIHigh: nan, Min: nan, Max: nan}
	n := len(values)
	s.Quantiles = make([]QuantileEstimate, len(AggregateQuantiles))
	for i, p := range AggregateQuantiles {
		s.Quantiles[i] = QuantileEstimate{P: p, Value: nan, CILow: nan, CIHigh: nan, Coverage: nan}
	}
	s.Tails = make([]TailMean, len(AggregateTails))
	for i, p := range AggregateTails {
		s.Tails[i] = TailMean{P: p, Value: nan, CILow: nan, CIHigh: nan}
	}
	if n == 0 {
		return s
	}
	slices.Sort(values)
	s.Min, s.Max = values[0], values[n-1]
	s.Mean = stat.Mean(values, nil)
	if n > 1 {
		s.SD = stat.StdDev(values, nil)
		s.SE = s.SD / math.Sqrt(float64(n))
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
		s.MeanCILow, s.MeanCIHigh = s.Mean-t*s.SE, s.Mean+t*s.SE
	}
	for i, p := range AggregateQuantiles {
		q := &s.Quantiles[i]
		q.Value = QuantileCont(values, p)
		lo, hi, cov := QuantileCI(n, p, level)
		q.Coverage = cov
		if lo >= 1 {
			q.CILow = values[lo-1]
		}
		if hi <= n {
			q.CIHigh = values[hi-1]
		}
		if lo < 1 || hi > n {
			q.Coverage = nan // only one side is bounded
		}
	}
	src := ESBootstrapSource(metric)
	for i, p := range AggregateTails {
		t := &s.Tails[i]
		t.Value = ExpectedShortfall(values, p)
		t.CILow, t.CIHigh = ExpectedShortfallCI(values, p, level, ESResamples, src)
	}
	return s
}

// ExpectedShortfall returns the mean of the worst 1 − p share of the sorted
// values (the empirical expected shortfall of Acerbi and Tasche): with
// m = n·(1 − p), the top ⌊m⌋ values count fully and the next one with weight
// m − ⌊m⌋. Unlike "the mean of the values at or above the p-quantile" it is
// right when many values tie at the quantile (a tail that is mostly zero).
// It is the largest value when m < 1, and NaN for no values.
func ExpectedShortfall(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	m := float64(n) * (1 - p)
	if r := math.Round(m); math.Abs(m-r) < 1e-9*max(1, m) {
		m = r // 100·(1 − 0.95) is 5.000000000000004 in floating point
	}
	if m <= 1 {
		return sorted[n-1]
	}
	whole := int(m)
	var sum float64
	for _, v := range sorted[n-whole:] {
		sum += v
	}
	if frac := m - float64(whole); frac > 0 {
		sum += frac * sorted[n-whole-1]
	}
	return sum / m
}
