package stochastic

import (
	"math"
	"strings"
	"testing"
	"time"
)

type validator interface{ Validate() error }

// TestValidate checks that every invalid parameter is reported under its
// snake_case field path, and that the valid base values pass.
func TestValidate(t *testing.T) {
	nan := math.NaN()
	gbm := GBM{Initial: 100, Drift: 0.1, Volatility: 0.5}
	merton := Merton{Initial: 100, Drift: 0.1, Volatility: 0.5, JumpIntensity: 10, JumpMean: -0.1, JumpStdDev: 0.1}
	garch := GARCHT{Initial: 100, Interval: 24 * time.Hour, LogDrift: 0.1, Omega: 1e-5, Alpha: 0.1, Beta: 0.8, Nu: 5}
	regime := RegimeSwitching{Initial: 100, Calm: Regime{0.1, 0.5}, Stress: Regime{-1, 1.5}, CalmToStress: 5, StressToCalm: 50}
	hist := Historical{Prices: []float64{1, 2, 3}, Interval: time.Hour}
	boot := Bootstrap{Initial: 100, LogReturns: []float64{0.1, -0.1, 0}, Interval: time.Hour, BlockLength: 2}
	thr := ThresholdDepositors{Cohorts: 5, ThresholdMean: 0.5, ThresholdSpread: 0.1}
	whales := Whales{Rate: 1, MinSize: 0.01, Alpha: 1.5}
	for _, v := range []validator{gbm, merton, garch, regime, hist, boot, thr, whales,
		Scripted{Base: gbm, Points: []ShockPoint{{At: time.Hour, Level: 0.5}}}, Bridged{Base: gbm, At: time.Hour, Level: 2}} {
		if err := v.Validate(); err != nil {
			t.Errorf("%T: valid parameters rejected: %v", v, err)
		}
	}
	for _, c := range []struct {
		v     validator
		field string
	}{
		{func() Merton { p := merton; p.Initial = 0; return p }(), "initial: "},
		{func() Merton { p := merton; p.Drift = nan; return p }(), "drift: "},
		{func() Merton { p := merton; p.Volatility = -1; return p }(), "volatility: "},
		{func() Merton { p := merton; p.JumpIntensity = math.Inf(1); return p }(), "jump_intensity: "},
		{func() Merton { p := merton; p.JumpMean = nan; return p }(), "jump_mean: "},
		{func() Merton { p := merton; p.JumpStdDev = -0.1; return p }(), "jump_std_dev: "},
		{func() GARCHT { p := garch; p.Interval = 0; return p }(), "interval: "},
		{func() GARCHT { p := garch; p.LogDrift = nan; return p }(), "log_drift: "},
		{func() GARCHT { p := garch; p.Omega = 0; return p }(), "omega: "},
		{func() GARCHT { p := garch; p.Alpha = -0.1; return p }(), "alpha: "},
		{func() GARCHT { p := garch; p.Beta = 0.95; return p }(), "beta: "},
		{func() GARCHT { p := garch; p.Nu = 2; return p }(), "nu: "},
		{func() RegimeSwitching { p := regime; p.Stress.Volatility = nan; return p }(), "stress.volatility: "},
		{func() RegimeSwitching { p := regime; p.Calm.Drift = 11; return p }(), "calm.drift: "},
		{func() RegimeSwitching { p := regime; p.CalmToStress = -1; return p }(), "calm_to_stress: "},
		{func() RegimeSwitching { p := regime; p.StressToCalm = nan; return p }(), "stress_to_calm: "},
		{func() RegimeSwitching { p := regime; p.Start = "panic"; return p }(), "start: "},
		{func() Historical { p := hist; p.Prices = []float64{1, nan}; return p }(), "prices: "},
		{func() Historical { p := hist; p.Prices = nil; return p }(), "prices: "},
		{func() Historical { p := hist; p.Offset = 3 * time.Hour; return p }(), "offset: "},
		{func() Historical { p := hist; p.Initial = -1; return p }(), "initial: "},
		{func() Bootstrap { p := boot; p.LogReturns = []float64{0.1, math.Inf(-1)}; return p }(), "log_returns: "},
		{func() Bootstrap { p := boot; p.BlockLength = 4; return p }(), "block_length: "},
		{func() Bootstrap { p := boot; p.Interval = time.Second; return p }(), "interval: "},
		{Scripted{Points: []ShockPoint{{At: time.Hour, Level: 1}}}, "base: missing"},
		{Scripted{Base: GBM{}, Points: []ShockPoint{{At: time.Hour, Level: 1}}}, "base.initial: "},
		{Scripted{Base: gbm, Points: []ShockPoint{{At: 2 * time.Hour, Level: 1}, {At: time.Hour, Level: 1}}}, "points.1.at: "},
		{Scripted{Base: gbm, Points: []ShockPoint{{At: time.Hour, Level: nan}}}, "points.0.level: "},
		{Bridged{Base: gbm, At: 0, Level: 1}, "at: "},
		{Bridged{Base: gbm, At: time.Hour, Level: math.Inf(1)}, "level: "},
		{func() ThresholdDepositors { p := thr; p.Cohorts = 0; return p }(), "cohorts: "},
		{func() ThresholdDepositors { p := thr; p.Weights.BadDebt = nan; return p }(), "weights.bad_debt: "},
		{func() ThresholdDepositors { p := thr; p.PrivateNoise = -1; return p }(), "private_noise: "},
		{func() ThresholdDepositors { p := thr; p.ThresholdSpread = nan; return p }(), "threshold_spread: "},
		{func() ThresholdDepositors { p := thr; p.ShareTilt = 11; return p }(), "share_tilt: "},
		{func() Whales { p := whales; p.Rate = nan; return p }(), "rate: "},
		{func() Whales { p := whales; p.MinSize = 0; return p }(), "min_size: "},
		{func() Whales { p := whales; p.Alpha = 0; return p }(), "alpha: "},
	} {
		err := c.v.Validate()
		if err == nil {
			t.Errorf("%T %+v: accepted, want an error on %q", c.v, c.v, c.field)
			continue
		}
		found := false
		for _, line := range strings.Split(err.Error(), "\n") {
			if strings.HasPrefix(line, c.field) {
				found = true
			}
		}
		if !found {
			t.Errorf("%T: error %q does not start with %q", c.v, err, c.field)
		}
	}
}

func TestCheckStepForwarding(t *testing.T) {
	garch := GARCHT{Initial: 100, Interval: 24 * time.Hour, Omega: 1e-5, Alpha: 0.1, Beta: 0.8, Nu: 5}
	wrapped := Bridged{Base: Scripted{Base: garch, Points: []ShockPoint{{At: time.Hour, Level: 1}}}, At: time.Hour, Level: 1}
	if err := CheckStep(wrapped, 7*hourYears); err == nil || !strings.HasPrefix(err.Error(), "base.base.step: ") {
		t.Errorf("CheckStep through wrappers: %v, want a base.base.step error", err)
	}
	if err := CheckStep(wrapped, hourYears); err != nil {
		t.Errorf("hourly step rejected: %v", err)
	}
	if err := CheckStep(GBM{Initial: 1}, 7*hourYears); err != nil {
		t.Errorf("GBM has no step restriction: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewSampler accepted a step CheckStep rejects")
		}
	}()
	garch.NewSampler(7 * hourYears)
}

// Validate reports every bad parameter at once, one line each, so that a
// scenario with several mistakes is fixed in one go.
func TestValidateReportsEveryProblem(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		v    validator
		want []string
	}{
		{GBM{Initial: 0, Drift: nan, Volatility: -1}, []string{"initial: ", "drift: ", "volatility: "}},
		{Merton{Initial: -1, Drift: 11, Volatility: nan, JumpIntensity: -1, JumpMean: 4, JumpStdDev: 3},
			[]string{"initial: ", "drift: ", "volatility: ", "jump_intensity: ", "jump_mean: ", "jump_std_dev: "}},
		{Whales{Rate: nan, MinSize: 0, Alpha: 0}, []string{"rate: ", "min_size: ", "alpha: "}},
	} {
		err := c.v.Validate()
		if err == nil {
			t.Errorf("%T: accepted", c.v)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(c.want) {
			t.Errorf("%T: %d problems, want %d: %v", c.v, len(lines), len(c.want), err)
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%T: problem %d is %q, want one on %q", c.v, i, lines[i], w)
			}
		}
	}
}
