package experiments

import (
	"github.com/spiralrisk/spiral/stochastic"
)

// The file forms of the price processes of package stochastic other than
// GBM (models.go). Each struct's yaml keys equal the field names of the
// process's Validate errors; defaults are set by the registry entry in
// models.go and listed in README.md.

// Merton is Merton's jump-diffusion, [stochastic.Merton].
type Merton struct {
	// Initial is the price at time 0, USD, > 0. Required.
	Initial float64 `yaml:"initial,required"`
	// Drift is the annual drift of the price (jumps included), in
	// [-10, 10]. Default 0.
	Drift float64 `yaml:"drift"`
	// Volatility is the annual volatility of the diffusion part of log
	// returns, in [0, 10]. Required.
	Volatility float64 `yaml:"volatility,required"`
	// JumpIntensity is the expected number of jumps per year, in [0, 1000].
	// Required.
	JumpIntensity float64 `yaml:"jump_intensity,required"`
	// JumpMean is the mean log size of a jump (−0.1 ≈ a 10 % drop), in
	// [-3, 3]. Required.
	JumpMean float64 `yaml:"jump_mean,required"`
	// JumpStdDev is the standard deviation of a jump's log size, in [0, 2].
	// Required.
	JumpStdDev float64 `yaml:"jump_std_dev,required"`
}

// PriceProcess returns the process.
func (p *Merton) PriceProcess() stochastic.PriceProcess {
	return stochastic.Merton{Initial: p.Initial, Drift: p.Drift, Volatility: p.Volatility,
		JumpIntensity: p.JumpIntensity, JumpMean: p.JumpMean, JumpStdDev: p.JumpStdDev}
}

// InitialPrice is Initial.
func (p *Merton) InitialPrice() float64 { return p.Initial }

// GARCHT is GARCH(1,1) with Student-t innovations on its own time grid,
// [stochastic.GARCHT]; `spiral calibrate` fits it. The engine step must be
// a whole multiple or a whole fraction of Interval.
type GARCHT struct {
	// Initial is the price at time 0, USD, > 0. Required.
	Initial float64 `yaml:"initial,required"`
	// Interval is the time one GARCH step represents (the spacing of the
	// data it was fitted to), in [1m, 30d]. Default 1d.
	Interval Duration `yaml:"interval"`
	// LogDrift is the annual mean of log returns, in [-10, 10]. Default 0.
	LogDrift float64 `yaml:"log_drift"`
	// Omega is the variance constant, variance of log returns per Interval,
	// in (0, 1]. Required.
	Omega float64 `yaml:"omega,required"`
	// Alpha is the weight of the last squared shock, in [0, 1). Required.
	Alpha float64 `yaml:"alpha,required"`
	// Beta is the weight of the last variance, in [0, 1), alpha + beta < 1.
	// Required.
	Beta float64 `yaml:"beta,required"`
	// Nu is the degrees of freedom of the shocks, in (2, 1000]. Required.
	Nu float64 `yaml:"nu,required"`
}

// PriceProcess returns the process.
func (p *GARCHT) PriceProcess() stochastic.PriceProcess {
	return stochastic.GARCHT{Initial: p.Initial, Interval: p.Interval.Std(), LogDrift: p.LogDrift,
		Omega: p.Omega, Alpha: p.Alpha, Beta: p.Beta, Nu: p.Nu}
}

// InitialPrice is Initial.
func (p *GARCHT) InitialPrice() float64 { return p.Initial }

// RegimeSwitching is GBM whose drift and volatility switch between a calm
// and a stress regime, [stochastic.RegimeSwitching].
type RegimeSwitching struct {
	// Initial is the price at time 0, USD, > 0. Required.
	Initial float64 `yaml:"initial,required"`
	// Calm and Stress are the dynamics of the two regimes. Required.
	Calm   Regime `yaml:"calm,required"`
	Stress Regime `yaml:"stress,required"`
	// CalmToStress is the intensity of switching into stress, per year, in
	// [0, 10000] (1 / expected years spent calm). Required.
	CalmToStress float64 `yaml:"calm_to_stress,required"`
	// StressToCalm is the intensity of recovering, per year, in [0, 10000].
	// Required.
	StressToCalm float64 `yaml:"stress_to_calm,required"`
	// Start is the regime at time 0: calm, stress, or stationary (drawn
	// per path from the long-run law). Default calm.
	Start string `yaml:"start"`
}

// Regime is the GBM dynamics within one regime, [stochastic.Regime].
type Regime struct {
	// Drift is the annual drift of the price, in [-10, 10]. Default 0.
	Drift float64 `yaml:"drift"`
	// Volatility is the annual volatility of log returns, in [0, 10].
	// Required.
	Volatility float64 `yaml:"volatility,required"`
}

// PriceProcess returns the process.
func (p *RegimeSwitching) PriceProcess() stochastic.PriceProcess {
	return stochastic.RegimeSwitching{
		Initial:      p.Initial,
		Calm:         stochastic.Regime{Drift: p.Calm.Drift, Volatility: p.Calm.Volatility},
		Stress:       stochastic.Regime{Drift: p.Stress.Drift, Volatility: p.Stress.Volatility},
		CalmToStress: p.CalmToStress,
		StressToCalm: p.StressToCalm,
		Start:        stochastic.RegimeStart(p.Start),
	}
}

// InitialPrice is Initial.
func (p *RegimeSwitching) InitialPrice() float64 { return p.Initial }

// Historical replays a recorded price history, [stochastic.Historical]:
// every path is the same. The prices and their spacing come from File (see
// [stochastic.ReadPriceCSV]: a header with timestamp or unix, and close;
// at least 30 rows).
type Historical struct {
	// File is the price history, CSV; a relative path is relative to the
	// scenario file's directory. Required.
	File string `yaml:"file,required"`
	// Offset is where in the history paths start, from its first row, in
	// [0, length of the history). Default 0.
	Offset Duration `yaml:"offset"`
	// Initial rescales the history so that paths start at this price, USD
	// > 0; 0 replays the recorded prices. Default 0.
	Initial float64 `yaml:"initial"`

	series *stochastic.PriceSeries // read from File by the decoder
}

// PriceProcess returns the process.
func (p *Historical) PriceProcess() stochastic.PriceProcess {
	h := stochastic.Historical{Offset: p.Offset.Std(), Initial: p.Initial}
	if p.series != nil {
		h.Prices, h.Interval = p.series.Prices, p.series.Step
	}
	return h
}

// InitialPrice is Initial, or the recorded price at Offset when Initial is
// 0.
func (p *Historical) InitialPrice() float64 {
	if p.Initial != 0 || p.series == nil || p.series.Step <= 0 || p.Offset < 0 {
		return p.Initial
	}
	i := int(p.Offset.Std() / p.series.Step)
	if i >= len(p.series.Prices) {
		return 0
	}
	return p.series.Prices[i]
}

// Bootstrap is a circular block bootstrap of the log returns of a recorded
// price history, [stochastic.Bootstrap]. The returns and their spacing come
// from File (as for [Historical]); the engine step must be a whole multiple
// or a whole fraction of that spacing.
type Bootstrap struct {
	// File is the price history, CSV; a relative path is relative to the
	// scenario file's directory. Required.
	File string `yaml:"file,required"`
	// Initial is the price at time 0, USD, > 0. Required.
	Initial float64 `yaml:"initial,required"`
	// BlockLength is the number of consecutive returns drawn together, in
	// [1, number of returns]; 1 resamples returns independently. Default 1.
	BlockLength int `yaml:"block_length"`

	series *stochastic.PriceSeries // read from File by the decoder
}

// PriceProcess returns the process.
func (p *Bootstrap) PriceProcess() stochastic.PriceProcess {
	b := stochastic.Bootstrap{Initial: p.Initial, BlockLength: p.BlockLength}
	if p.series != nil {
		b.LogReturns, b.Interval = p.series.LogReturns(), p.series.Step
	}
	return b
}

// InitialPrice is Initial.
func (p *Bootstrap) InitialPrice() float64 { return p.Initial }

// Scripted lays a scripted level over a base price model,
// [stochastic.Scripted]: the price is the base price times a level that is
// 1 at time 0 (unless a point says otherwise), passes through the points,
// is interpolated linearly in log space between them and holds after the
// last.
type Scripted struct {
	// Base is the price model being shocked. Required.
	Base PriceModel `yaml:"base,required"`
	// Points are the scripted levels, at least one, strictly increasing in
	// time. Required.
	Points []ShockPoint `yaml:"points,required"`
}

// ShockPoint is one point of a scripted level, [stochastic.ShockPoint].
type ShockPoint struct {
	// At is the path time of the point, in [0, 3650d]. Required.
	At Duration `yaml:"at,required"`
	// Level multiplies the base price at time At, > 0 (0.6 = a 40 % fall).
	// Required.
	Level float64 `yaml:"level,required"`
}

// PriceProcess returns the process.
func (p *Scripted) PriceProcess() stochastic.PriceProcess {
	points := make([]stochastic.ShockPoint, len(p.Points))
	for i, pt := range p.Points {
		points[i] = stochastic.ShockPoint{At: pt.At.Std(), Level: pt.Level}
	}
	return stochastic.Scripted{Base: p.Base.Process(), Points: points}
}

// InitialPrice is the base's initial price times the level at time 0.
func (p *Scripted) InitialPrice() float64 {
	price := p.Base.initialPrice()
	if len(p.Points) > 0 && p.Points[0].At == 0 {
		price *= p.Points[0].Level
	}
	return price
}

// Bridge pulls a base price model to a level at a time with a Brownian
// bridge in log space, [stochastic.Bridged].
type Bridge struct {
	// Base is the price model being steered. Required.
	Base PriceModel `yaml:"base,required"`
	// At is when the price reaches its target, in (0, 3650d], rounded to a
	// whole number of steps. Required.
	At Duration `yaml:"at,required"`
	// Level is the target as a multiple of the path's initial price, > 0
	// (0.5 = half). Required.
	Level float64 `yaml:"level,required"`
}

// PriceProcess returns the process.
func (p *Bridge) PriceProcess() stochastic.PriceProcess {
	return stochastic.Bridged{Base: p.Base.Process(), At: p.At.Std(), Level: p.Level}
}

// InitialPrice is the base's initial price.
func (p *Bridge) InitialPrice() float64 { return p.Base.initialPrice() }
