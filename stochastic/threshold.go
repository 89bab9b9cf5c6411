package stochastic

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SignalWeights weigh each [Signals] measure in a stress index
// Σ weight·signal. Each weight is in [-100, 100] (unitless per unit of
// signal; negative weights make a signal reassuring).
type SignalWeights struct {
	Utilization, Drawdown, UnmetQueue, Depeg, BadDebt float64
}

func (w SignalWeights) index(s Signals) float64 {
	return w.Utilization*s.Utilization + w.Drawdown*s.Drawdown + w.UnmetQueue*s.UnmetQueue +
		w.Depeg*s.Depeg + w.BadDebt*s.BadDebt
}

func (w SignalWeights) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"utilization", w.Utilization}, {"drawdown", w.Drawdown}, {"unmet_queue", w.UnmetQueue}, {"depeg", w.Depeg}, {"bad_debt", w.BadDebt}} {
		if !inRange(f.v, -100, 100) {
			errs = append(errs, rangeError(f.name, "in [-100, 100]", f.v))
		}
	}
	return errors.Join(errs...)
}

// ThresholdDepositors are depositors in K cohorts that each run once, in
// the spirit of global games. Every step the public stress index is
//
//	θ = Σ_k Weights_k·signal_k + IndexNoise·Z,
//
// and cohort i sees its private signal x_i = θ + PrivateNoise·ε_i (Z, ε_i
// independent standard normals from the stream). The first time x_i ≥ τ_i,
// the cohort requests its whole remaining balance; it never requests again
// in the path. The cohorts are built once, deterministically, in
// NewSampler: with z_i = Φ⁻¹((i + ½)/K), i = 0…K−1, the thresholds are
// τ_i = ThresholdMean + ThresholdSpread·z_i (normal quantiles) and the
// balance shares are w_i ∝ exp(ShareTilt·z_i), normalised to sum to 1.
//
// The sampler returns the share of the balance of the cohorts that have not
// yet run that runs in this step: Σ_{i runs now} w_i / Σ_{i not yet run} w_i
// (it assumes that the not-yet-queued balance belongs to those cohorts in
// proportion to their shares). Intensity is that fraction per day of the
// last step.
type ThresholdDepositors struct {
	// Cohorts K is the number of cohorts, in [1, 10000].
	Cohorts int
	// Weights build the stress index from the signals.
	Weights SignalWeights
	// IndexNoise is the standard deviation of the common noise on the
	// index each step, in [0, 100] (index units).
	IndexNoise float64
	// PrivateNoise is the standard deviation of each cohort's private noise
	// each step, in [0, 100] (index units).
	PrivateNoise float64
	// ThresholdMean is the median cohort's threshold, in [-100, 100] (index
	// units).
	ThresholdMean float64
	// ThresholdSpread is the standard deviation of the thresholds across
	// cohorts, in [0, 100] (index units).
	ThresholdSpread float64
	// ShareTilt tilts balance towards patient (high-threshold) cohorts when
	// > 0, towards jumpy ones when < 0; 0 gives equal shares. In [-10, 10].
	ShareTilt float64
}

// Validate reports all parameters outside their ranges.
func (p ThresholdDepositors) Validate() error {
	var errs []error
	if p.Cohorts < 1 || p.Cohorts > 10000 {
		errs = append(errs, rangeError("cohorts", "in [1, 10000]", p.Cohorts))
	}
	errs = append(errs, prefixError("weights", p.Weights.validate()))
	for _, f := range []struct {
		name     string
		v, lo, h float64
	}{
		{"index_noise", p.IndexNoise, 0, 100},
		{"private_noise", p.PrivateNoise, 0, 100},
		{"threshold_mean", p.ThresholdMean, -100, 100},
		{"threshold_spread", p.ThresholdSpread, 0, 100},
		{"share_tilt", p.ShareTilt, -10, 10},
	} {
		if !inRange(f.v, f.lo, f.h) {
			errs = append(errs, rangeError(f.name, fmt.Sprintf("in [%v, %v]", f.lo, f.h), f.v))
		}
	}
	return errors.Join(errs...)
}

// CohortThresholds returns the cohorts' thresholds τ_i and balance shares
// w_i (summing to 1), ordered by threshold.
func (p ThresholdDepositors) CohortThresholds() (thresholds, shares []float64) {
	k := p.Cohorts
	thresholds, shares = make([]float64, k), make([]float64, k)
	var sum float64
	for i := range k {
		z := distuv.UnitNormal.Quantile((float64(i) + 0.5) / float64(k))
		thresholds[i] = p.ThresholdMean + p.ThresholdSpread*z
		shares[i] = math.Exp(p.ShareTilt * z)
		sum += shares[i]
	}
	for i := range shares {
		shares[i] /= sum
	}
	return thresholds, shares
}

// NewSampler returns a sampler for steps of dt years.
func (p ThresholdDepositors) NewSampler(dt float64) WithdrawalSampler {
	th, sh := p.CohortThresholds()
	return &thresholdSampler{p: p, days: dt * DaysPerYear, threshold: th, share: sh, ran: make([]bool, len(th))}
}

type thresholdSampler struct {
	p         ThresholdDepositors
	days      float64
	threshold []float64
	share     []float64
	ran       []bool
	remaining float64 // share of the cohorts that have not run
	intensity float64
}

func (s *thresholdSampler) Reset(*Source) {
	clear(s.ran)
	s.remaining = 1
	s.intensity = 0
}

func (s *thresholdSampler) Intensity() float64 { return s.intensity }

func (s *thresholdSampler) Next(src *Source, sig Signals) float64 {
	theta := s.p.Weights.index(sig) + s.p.IndexNoise*src.NormFloat64()
	var runs float64
	left := 0
	for i, t := range s.threshold {
		x := theta + s.p.PrivateNoise*src.NormFloat64()
		if s.ran[i] {
			continue
		}
		if x >= t {
			s.ran[i] = true
			runs += s.share[i]
		} else {
			left++
		}
	}
	var f float64
	switch {
	case runs == 0:
	case left == 0:
		f = 1
	default:
		f = min(1, runs/s.remaining)
	}
	s.remaining -= runs
	s.intensity = f / s.days
	return f
}
