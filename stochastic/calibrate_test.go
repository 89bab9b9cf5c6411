package stochastic

import (
	"math"
	"strings"
	"testing"
	"time"
)

// synthetic runs one path of n steps of p at the given step and returns it
// as a price series.
func synthetic(p PriceProcess, step time.Duration, n int, seed uint64) PriceSeries {
	s := p.NewSampler(Years(step))
	src := NewSource(seed, StreamPrice)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	ps := PriceSeries{Name: "synthetic", Step: step, MaxGap: step}
	ps.Prices = append(ps.Prices, s.Reset(src))
	ps.Times = append(ps.Times, t0)
	for i := 1; i <= n; i++ {
		ps.Prices = append(ps.Prices, s.Next(src))
		ps.Times = append(ps.Times, t0.Add(time.Duration(i)*step))
	}
	return ps
}

// checkRecovery fails unless every true parameter is within 3 standard
// errors of its estimate.
func checkRecovery(t *testing.T, seed uint64, fit Fit, truth map[string]float64) {
	t.Helper()
	t.Logf("seed %d:\n%s", seed, fit)
	if len(fit.Names) != len(truth) {
		t.Fatalf("fit has parameters %v, want %d", fit.Names, len(truth))
	}
	for name, want := range truth {
		est, se, ok := fit.Param(name)
		if !ok {
			t.Fatalf("fit has no %s", name)
		}
		if !(se > 0) {
			t.Errorf("seed %d: %s standard error %v, want > 0", seed, name, se)
			continue
		}
		within(t, seed, fit.Model+" "+name, est, want, se, 3)
	}
	if !(fit.AIC == 2*float64(len(fit.Names))-2*fit.LogLikelihood) {
		t.Errorf("AIC %v, want 2k − 2 logL = %v", fit.AIC, 2*float64(len(fit.Names))-2*fit.LogLikelihood)
	}
}

func TestFitGBMRecovers(t *testing.T) {
	const seed = 41
	truth := GBM{Initial: 100, Drift: 0.4, Volatility: 0.7}
	fit, err := FitGBM(synthetic(truth, 24*time.Hour, 3000, seed))
	if err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, seed, fit, map[string]float64{"drift": truth.Drift, "volatility": truth.Volatility})
	// The closed-form MLE of the volatility is the population standard
	// deviation of the log returns.
	_, v := moments(synthetic(truth, 24*time.Hour, 3000, seed).LogReturns())
	if got, want := fit.Estimates[1], math.Sqrt(v*DaysPerYear); math.Abs(got/want-1) > 1e-6 {
		t.Errorf("volatility %v, want the closed-form MLE %v", got, want)
	}
}

func TestFitMertonRecovers(t *testing.T) {
	const seed = 42
	truth := Merton{Initial: 100, Drift: 0.3, Volatility: 0.5, JumpIntensity: 25, JumpMean: -0.05, JumpStdDev: 0.07}
	fit, err := FitMerton(synthetic(truth, 24*time.Hour, 5000, seed))
	if err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, seed, fit, map[string]float64{
		"drift": truth.Drift, "volatility": truth.Volatility, "jump_intensity": truth.JumpIntensity,
		"jump_mean": truth.JumpMean, "jump_std_dev": truth.JumpStdDev,
	})
}

func TestFitGARCHTRecovers(t *testing.T) {
	const seed = 43
	truth := GARCHT{Initial: 100, Interval: 24 * time.Hour, LogDrift: 0.2, Omega: 5e-5, Alpha: 0.1, Beta: 0.85, Nu: 5}
	fit, err := FitGARCHT(synthetic(truth, 24*time.Hour, 4000, seed))
	if err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, seed, fit, map[string]float64{
		"log_drift": truth.LogDrift, "omega": truth.Omega, "alpha": truth.Alpha, "beta": truth.Beta, "nu": truth.Nu,
	})
	p, err := fit.Process(123)
	if err != nil {
		t.Fatal(err)
	}
	if g := p.(GARCHT); g.Interval != 24*time.Hour || g.Initial != 123 || g.Validate() != nil {
		t.Errorf("fitted process %+v", g)
	}
}

func TestFitYAML(t *testing.T) {
	fit := Fit{
		Model: "garch_t", Series: "eth.csv", Names: []string{"log_drift", "omega", "alpha", "beta", "nu"},
		Estimates: []float64{0.3, 6e-5, 0.09, 0.88, 3.8}, StdErrors: []float64{0.2, 2e-5, 0.015, 0.02, 0.16},
		LogLikelihood: 5656.4, AIC: -11304.8, N: 3141, Step: 24 * time.Hour, LastPrice: 2026.48,
	}
	y := fit.YAML("    ")
	for _, want := range []string{
		"    model:          garch_t ",
		"    initial:        2026.48 ",
		"    interval:       1d ",
		"    log_drift:      0.3 ",
		"    omega:          6e-05 ",
		"    nu:             3.8            # ± 0.16 (1 SE)\n",
		"fitted to eth.csv: 3141 log returns at 1d",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	for _, line := range strings.Split(strings.TrimRight(y, "\n"), "\n") {
		if !strings.HasPrefix(line, "    ") {
			t.Errorf("line %q not indented", line)
		}
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	if _, err := FitGBMReturns(make([]float64, 100), 24*time.Hour); err == nil {
		t.Error("zero-variance returns accepted")
	}
	if _, err := FitMertonReturns([]float64{0.1, 0.2}, 24*time.Hour); err == nil {
		t.Error("two returns accepted")
	}
	r := make([]float64, 100)
	for i := range r {
		r[i] = float64(i%7) * 0.01
	}
	r[50] = math.NaN()
	if _, err := FitGARCHTReturns(r, 24*time.Hour); err == nil {
		t.Error("NaN return accepted")
	}
}
