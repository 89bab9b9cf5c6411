package stochastic

import (
	"math"
	"testing"
)

func TestPoissonMoments(t *testing.T) {
	const seed = 11
	src := NewSource(seed, 99)
	for _, mean := range []float64{0.05, 0.7, 4, 9.9, 10, 37, 800} {
		var m, v batchStats
		for range 20 {
			const n = 5000
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(poisson(src, mean))
			}
			mu, va, _ := sampleMoments(xs)
			m.add(mu)
			v.add(va)
		}
		got, se := m.meanSE()
		within(t, seed, "poisson mean", got, mean, se, 4)
		got, se = v.meanSE()
		within(t, seed, "poisson variance", got, mean, se, 4)
	}
	if poisson(src, 0) != 0 {
		t.Error("poisson(0) != 0")
	}
}

func TestStandardTUnitVariance(t *testing.T) {
	const seed = 12
	src := NewSource(seed, 99)
	for _, nu := range []float64{10, 30} {
		var v, k batchStats
		for range 20 {
			xs := make([]float64, 20000)
			for i := range xs {
				xs[i] = standardT(src, nu)
			}
			_, va, ku := sampleMoments(xs)
			v.add(va)
			k.add(ku)
		}
		got, se := v.meanSE()
		within(t, seed, "t variance", got, 1, se, 4)
		got, se = k.meanSE()
		within(t, seed, "t excess kurtosis", got, 6/(nu-4), se, 4)
	}
}

func TestGridRatio(t *testing.T) {
	for _, c := range []struct {
		dt       float64
		interval string
		per, sub int
		ok       bool
	}{
		{hourYears, "1h", 1, 1, true},
		{hourYears, "24h", 1, 24, true},
		{dayYears, "1h", 24, 1, true},
		{2 * dayYears, "24h", 2, 1, true},
		{hourYears, "7h", 1, 7, true},
		{hourYears, "90m", 0, 0, false},
		{1.5 * dayYears, "24h", 0, 0, false},
		{0, "24h", 0, 0, false},
		{math.NaN(), "24h", 0, 0, false},
	} {
		per, sub, err := gridRatio(c.dt, mustDuration(t, c.interval))
		if (err == nil) != c.ok || per != c.per || sub != c.sub {
			t.Errorf("gridRatio(%v, %s) = %d, %d, %v; want %d, %d, ok=%v", c.dt, c.interval, per, sub, err, c.per, c.sub, c.ok)
		}
	}
}
