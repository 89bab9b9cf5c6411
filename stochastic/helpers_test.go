package stochastic

import (
	"math"
	"strings"
	"testing"
	"time"
)

// batchStats accumulates a statistic per batch so that its standard error
// is estimated honestly (batch means) even for heavy tails and dependence.
type batchStats struct{ values []float64 }

func (b *batchStats) add(v float64) { b.values = append(b.values, v) }

// meanSE returns the mean of the batch values and its standard error.
func (b *batchStats) meanSE() (mean, se float64) {
	n := float64(len(b.values))
	for _, v := range b.values {
		mean += v
	}
	mean /= n
	var ss float64
	for _, v := range b.values {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}

// within fails unless |got − want| ≤ k·se; it names the seed.
func within(t *testing.T, seed uint64, name string, got, want, se, k float64) {
	t.Helper()
	if !(math.Abs(got-want) <= k*se) {
		t.Errorf("seed %d: %s = %.6g, want %.6g ± %.2g (%.1f SE; |diff| = %.2f SE)", seed, name, got, want, k*se, k, math.Abs(got-want)/se)
	}
}

// sampleMoments returns the mean, variance and excess kurtosis of x.
func sampleMoments(x []float64) (mean, variance, exkurt float64) {
	n := float64(len(x))
	for _, v := range x {
		mean += v
	}
	mean /= n
	var m2, m4 float64
	for _, v := range x {
		d := (v - mean) * (v - mean)
		m2 += d
		m4 += d * d
	}
	m2 /= n
	m4 /= n
	return mean, m2, m4/(m2*m2) - 3
}

// logReturns runs one path of n steps of sampler s and returns its log
// returns.
func logReturns(s PriceSampler, src *Source, n int) []float64 {
	r := make([]float64, n)
	prev := math.Log(s.Reset(src))
	for i := range r {
		x := math.Log(s.Next(src))
		r[i] = x - prev
		prev = x
	}
	return r
}

const hourYears = 1.0 / (24 * DaysPerYear)
const dayYears = 1.0 / DaysPerYear

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
